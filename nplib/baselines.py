"""Cheap fills: the mean colour and smooth membrane (diffusion) and pull-push fills,
and one that is not a method at all: the oracle fill, the hidden truth blurred.

The paper starts its coarsest level from the mean colour (docs/method.md,
"High resolution: the multi-scale stack"). A membrane fill, the solution of Laplace's
equation inside the hole with the known pixels as boundary values, carries the surrounding
low frequencies into the hole; it is the classic baseline every learned method must beat
and a better starting point than a flat colour. The oracle fill reads the pixels a real method
never sees; it stands in for a perfect content network, to measure what the texture
stage makes of a start whose layout is right (docs/method.md, "Starts of level 1").
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms.functional import gaussian_blur

from nplib.device import image_to_tensor, tensor_to_image
from nplib.holes import hole_bbox
from nplib.io import InputError


def mean_fill(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Every hole pixel gets the mean colour of the known pixels."""
    out = image.copy()
    out[mask] = image[~mask].mean(axis=0)
    return out


def oracle_fill(image: np.ndarray, mask: np.ndarray, blur: float) -> np.ndarray:
    """The image's own pixels in the hole, Gaussian-blurred with a standard deviation of
    ``blur`` times the hole's longer side; known pixels unchanged.

    Not an inpainting method: it reads the hidden truth. An L2-trained content network
    predicts the conditional mean of the hole, the truth blurred where it is uncertain,
    so this is the start such a network would give if it were as good as its loss allows
    at that blur (docs/method.md, "Starts of level 1"). ``blur = 0`` returns
    the truth itself.
    """
    if blur < 0:
        raise InputError(f"blur must be >= 0, not {blur}")
    top, bottom, left, right = hole_bbox(mask)
    sigma = blur * max(bottom - top, right - left)
    if sigma == 0:
        return image.copy()
    radius = min(math.ceil(3 * sigma), (min(image.shape[:2]) - 1) // 2)  # reflect padding
    x = image_to_tensor(image)
    blurred = tensor_to_image(gaussian_blur(x, [2 * radius + 1] * 2, [sigma] * 2))
    return np.where(mask[..., None], blurred, image).astype(np.float32)


def _jacobi(x: torch.Tensor, hole: torch.Tensor, iters: int) -> torch.Tensor:
    """Replace hole pixels by the average of their 4 neighbours, ``iters`` times."""
    kernel = torch.tensor([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=x.dtype, device=x.device)
    kernel = (kernel / 4).expand(x.shape[1], 1, 3, 3)
    for _ in range(iters):
        avg = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel, groups=x.shape[1])
        x = torch.where(hole, avg, x)
    return x


def diffusion_fill(
    image: np.ndarray,
    mask: np.ndarray,
    iters_per_level: int = 60,
    device: torch.device | str = "cpu",
) -> np.ndarray:
    """Membrane fill: Jacobi iterations of Laplace's equation, coarse to fine.

    At each level of an image pyramid (halving until the hole is a few pixels
    across) the hole starts from the upsampled coarser solution, so a few dozen
    iterations per level converge even for large holes. Only the hole's bounding
    box plus a one-pixel frame matters (the solution depends on the boundary values
    alone), so the work scales with the hole, not the image.
    """
    top, bottom, left, right = hole_bbox(mask)
    top, left, bottom, right = max(top - 1, 0), max(left - 1, 0), bottom + 1, right + 1
    out = image.copy()
    out[top:bottom, left:right] = _membrane(
        image[top:bottom, left:right], mask[top:bottom, left:right], iters_per_level, device
    )
    return out


def _membrane(image: np.ndarray, mask: np.ndarray, iters_per_level: int, device) -> np.ndarray:
    x, hole = image_to_tensor(image, device), image_to_tensor(mask, device)
    pyramid = [(x, hole)]
    while min(pyramid[-1][0].shape[-2:]) > 16:
        xi, hi = pyramid[-1]
        known = (~hi).float()
        num = F.avg_pool2d(xi * known, 2, ceil_mode=True)
        den = F.avg_pool2d(known, 2, ceil_mode=True)
        xc = num / den.clamp_min(1e-6)
        hc = den < 0.5  # a coarse pixel is hole when most of its children are
        pyramid.append((xc, hc))
    xc, hc = pyramid[-1]
    known = ~hc
    mean = (xc * known).sum((2, 3), keepdim=True) / known.sum().clamp_min(1)
    fill = _jacobi(torch.where(hc, mean, xc), hc, iters_per_level * 4)
    for xi, hi in reversed(pyramid[:-1]):
        up = F.interpolate(fill, size=xi.shape[-2:], mode="bilinear", align_corners=False)
        fill = _jacobi(torch.where(hi, up, xi), hi, iters_per_level)
    return tensor_to_image(fill).astype(np.float32)


def pull_push_fill(x: torch.Tensor, hole: torch.Tensor, iters: int = 8) -> torch.Tensor:
    """A smooth fill of the hole from its surroundings, batched, on tensors: the content
    network's pre-fill (docs/method.md, "The content network as we build it").

    x: (B, 3, H, W) images; hole: (B, 1, H, W) bool. Pull-push: average the known pixels
    down an image pyramid, then on the way up keep each level's known average and take
    the upsampled coarser fill where pixels are missing (``fill = num + (1 - den) * up``);
    ``iters`` Jacobi steps per level smooth the block edges. Cheaper than
    :func:`diffusion_fill` and close to it at 32 steps (docs/method.md, "The content network
    as we build it"). Known pixels are unchanged.
    """
    known = (~hole).to(x.dtype)
    levels = [(x * known, known)]
    while min(levels[-1][0].shape[-2:]) > 1:
        num, den = levels[-1]
        levels.append((F.avg_pool2d(num, 2, ceil_mode=True), F.avg_pool2d(den, 2, ceil_mode=True)))
    num, den = levels[-1]
    fill = num.sum((2, 3), keepdim=True) / den.sum((2, 3), keepdim=True).clamp_min(1e-8)
    for num, den in reversed(levels):
        up = F.interpolate(fill, size=num.shape[-2:], mode="bilinear", align_corners=False)
        fill = num + (1 - den) * up  # den is the known fraction of each coarse pixel
        fill = _jacobi(fill, den < 1, iters if min(num.shape[-2:]) > 2 else 0)
    return fill
