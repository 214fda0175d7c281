"""nplib: image inpainting by multi-scale neural patch synthesis (Yang et al., CVPR 2017).

One module per idea of the paper (README.md's table says the same):

- :mod:`nplib.io`            images and masks in one convention, atomic saving
- :mod:`nplib.holes`         hole geometry: the holes' bounding box, each method's window
- :mod:`nplib.data`          the bundled photos, masks and train / held-out split
- :mod:`nplib.device`        where tensors live (CUDA when present), what a run cost
- :mod:`nplib.baselines`     mean-colour, membrane and pull-push fills; the oracle fill
- :mod:`nplib.patchmatch`    PatchMatch fields and the PatchMatch inpainting baseline
- :mod:`nplib.content`       the content network (a context encoder)
- :mod:`nplib.dataset`       training crops with random holes from a folder of photos
- :mod:`nplib.train`         ``python -m nplib.train content``: training the content network
- :mod:`nplib.pyramid`       images and masks between scales
- :mod:`nplib.vgg`           the texture network (pretrained VGG-19 to relu4_2)
- :mod:`nplib.neural_patch`  the neural patch loss and the joint optimisation at one scale
- :mod:`nplib.solve`         the one optimisation loop: rematch, then L-BFGS iterations
- :mod:`nplib.candidates`    the authors' candidates: strip-filled and augmented copies
- :mod:`nplib.synthesis`     the multi-scale stack, with its named schedules
- :mod:`nplib.metrics`       mean L1 / L2 error, PSNR, SSIM (the paper's Table 1)
- :mod:`nplib.lpips`         LPIPS, offline, and ``hole_scores`` (hole PSNR and LPIPS)
- :mod:`nplib.widgets`       draw a mask with the mouse and inpaint it, in a notebook
- :mod:`nplib.figures`       small plotting helpers
- :mod:`nplib.evaluation`    the paper's table: every method on the held-out crops, cached
- :mod:`nplib.reproduce`     the paper's figures (``make figures``)
- :mod:`nplib.methods`       ``inpaint(image, mask, method=...)``, every method by name
- :mod:`nplib.harmonisation` ``harmonise(photo, object_rgba, at=(x, y))``: a pasted object
                             made to follow the scene (beyond the paper)
- :mod:`nplib.cli`           the ``nplib`` command
"""

from nplib.harmonisation import harmonise
from nplib.io import InputError, read_image, read_mask, read_rgba, save_image
from nplib.methods import METHODS, inpaint

__version__ = "0.1.0"
__all__ = [
    "InputError", "METHODS", "harmonise", "inpaint", "read_image", "read_mask", "read_rgba",
    "save_image",
]  # fmt: skip
