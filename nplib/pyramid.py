"""Images and masks between the scales of a pyramid
(docs/method.md, "High resolution: the multi-scale stack").

The stack works coarse to fine and the content network sees its window at its own input
size; both move images between sizes the same way, with one bilinear resize that
antialiases when shrinking (area-like), and holes that never shrink away.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from nplib.device import image_to_tensor, tensor_to_image


def level_sizes(size: tuple[int, int], levels: int) -> list[tuple[int, int]]:
    """(height, width) of ``levels`` levels of a pyramid whose finest is ``size``, coarsest
    first, each half the next (rounded, at least one pixel): the levels of the multi-scale
    stack (:func:`nplib.synthesis.level_sizes`) and of harmonisation."""
    h, w = size
    factors = [2 ** (levels - 1 - s) for s in range(levels)]
    return [(max(1, round(h / f)), max(1, round(w / f))) for f in factors]


def resize(x: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    """Resize (B, C, H, W) to ``size`` (a side, or (height, width)), bilinear with antialiasing."""
    size = (size, size) if isinstance(size, int) else size
    return F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """:func:`resize` of an (H, W, 3) numpy image to (height, width), kept in [0, 1]."""
    return tensor_to_image(resize(image_to_tensor(image), size).clamp(0, 1))


def resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an (H, W) bool mask: a pixel of the smaller mask is hole when any part of it
    was (holes never shrink away)."""
    t = torch.from_numpy(mask.astype(np.float32))[None, None]
    return F.interpolate(t, size=size, mode="area")[0, 0].numpy() > 0
