"""nplib: image inpainting by multi-scale neural patch synthesis (Yang et al., CVPR 2017).

One module per idea of the paper:

- :mod:`nplib.io`          images and masks in one convention, atomic saving
- :mod:`nplib.data`        the bundled photos, masks and train / held-out split
- :mod:`nplib.baselines`   mean-colour and diffusion fills
- :mod:`nplib.vgg`         the texture network (pretrained VGG-19 to relu4_1)
- :mod:`nplib.metrics`     mean L1 / L2 error, PSNR, SSIM (the paper's Table 1)
- :mod:`nplib.methods`     ``inpaint(image, mask, method=...)``, every method by name
- :mod:`nplib.harmonisation` ``harmonise(photo, object_rgba, at=(x, y))``: a pasted object
                           made to follow the scene (beyond the paper)
- :mod:`nplib.cli`         the ``nplib`` command
"""

from nplib.harmonisation import harmonise
from nplib.io import InputError, read_image, read_mask, read_rgba, save_image
from nplib.methods import METHODS, inpaint

__version__ = "0.1.0"
__all__ = [
    "InputError", "METHODS", "harmonise", "inpaint", "read_image", "read_mask", "read_rgba",
    "save_image",
]  # fmt: skip
