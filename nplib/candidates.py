"""The authors' candidates: where the texture stage's patches come from in their code.

docs/method.md, "The texture stage the authors ran". Our original texture stage takes as
sources only the patches of the current window whose footprint avoids the hole, computed
from the current fill at every rematch, so their receptive fields see the fill. The
authors' code (Faster-High-Res-Neural-Inpainting, CNNMRF's transfer code) does neither:

1. it overwrites the hole, and a thin ring around it, with copies of the strips of image
   directly above and below it (:func:`strip_fill`): no candidate sees the fill;
2. it rotates that image by 0 and +-pi/24 and scales each rotation by 1.05^-1, 1 and
   1.05 (:func:`augmented`): nine copies;
3. every patch of every copy, on a stride-2 grid, is a candidate, and their features are
   computed once per level (:class:`nplib.neural_patch.HoleEnergy` with
   ``candidates="authors"``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.transforms.functional import InterpolationMode, rotate

from nplib.holes import hole_bbox
from nplib.pyramid import resize

#: The ring around the hole overwritten too, as a fraction of the hole's longer side: the
#: authors' 12 pixels around their 256-pixel hole.
STRIP_RING = 12 / 256

#: The authors' rotations (radians) and scales: 3 x 3 copies of the strip-filled image.
ROTATIONS = (0.0, -math.pi / 24, math.pi / 24)
SCALES = (1.0, 1 / 1.05, 1.05)


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    if r <= 0:
        return mask.copy()
    m = torch.from_numpy(mask.astype(np.float32))[None, None]
    return F.max_pool2d(m, 2 * r + 1, 1, r)[0, 0].numpy() > 0


def _bounce(i: np.ndarray, n: int) -> np.ndarray:
    """0, 1, .., n-1, n-1, .., 0, 0, 1, ..: offsets that mirror a band of ``n`` rows back
    and forth."""
    i = i % (2 * n)
    return np.where(i < n, i, 2 * n - 1 - i)


def _strip_rows(image: np.ndarray, region: np.ndarray, a: int, b: int) -> np.ndarray:
    """Fill ``region``'s pixels in rows [a, b) from the bands of rows above and below,
    mirrored about the region's top and bottom edges."""
    n = image.shape[0]
    above, below = a, n - b
    h = b - a
    hb = h if above == 0 else (0 if below == 0 else min(below, h // 2))  # rows from below
    ht = h - hb
    src = np.arange(n)
    if ht:
        src[a : a + ht] = a - 1 - _bounce(np.arange(ht), min(above, ht))
    if hb:
        src[b - hb : b] = b + _bounce(np.arange(hb), min(below, hb))[::-1]
    out = image.copy()
    rows, cols = np.nonzero(region)
    out[rows, cols] = image[src[rows], cols]
    return out


def strip_fill(image: np.ndarray, mask: np.ndarray, ring: int | None = None) -> np.ndarray:
    """``image`` with the hole and a ``ring`` of pixels around it replaced by mirror images of
    the strips directly above (its upper part) and below it (its lower part).

    The authors' code does this for its centre hole (transfer_CNNMRF_wrapper.lua) with
    copies of the strips; we mirror them, so that no seam runs along the hole's edge
    (docs/method.md, "The texture stage the authors ran"). It works for any mask: only the
    pixels of the hole grown by ``ring`` (default :data:`STRIP_RING` of the hole's longer
    side) change, each taking the pixel of its own column in the band above or below the
    grown hole's bounding box, mirrored about its edge (and back, where the band is thin).
    A hole that spans every row takes the bands left and right instead; one that spans the
    whole image is left to the mean colour.
    """
    top, bottom, left, right = hole_bbox(mask)
    if ring is None:
        ring = max(1, round(STRIP_RING * max(bottom - top, right - left)))
    region = _dilate(mask, ring)
    a, b, c, d = hole_bbox(region)
    h, w = mask.shape
    if a > 0 or b < h:
        return _strip_rows(image, region, a, b)
    if c > 0 or d < w:
        return strip_fill(image.transpose(1, 0, 2), mask.T, ring).transpose(1, 0, 2).copy()
    out = image.copy()
    out[:] = image.reshape(-1, image.shape[-1]).mean(axis=0)
    return out


def inscribed_size(h: int, w: int, angle: float) -> tuple[int, int]:
    """(height, width) of the largest axis-aligned rectangle inside an ``h x w`` image
    rotated by ``angle`` radians about its centre (the crop that leaves no empty corner)."""
    s, c = abs(math.sin(angle)), abs(math.cos(angle))
    if s < 1e-12:
        return h, w
    long, short = max(h, w), min(h, w)
    if short <= 2 * s * c * long or abs(s - c) < 1e-12:  # the crop touches both long sides
        x = 0.5 * short
        wr, hr = (x / s, x / c) if w >= h else (x / c, x / s)
    else:
        cos2 = c * c - s * s
        wr, hr = (w * c - h * s) / cos2, (h * c - w * s) / cos2
    return max(1, math.floor(hr)), max(1, math.floor(wr))


def augmented(
    x: torch.Tensor, rotations: Sequence[float] = ROTATIONS, scales: Sequence[float] = SCALES
) -> list[torch.Tensor]:
    """Copies of ``x`` (1, 3, H, W): each rotation (radians, bilinear, cropped one pixel
    inside :func:`inscribed_size`), each of them resized by each scale; rotations outermost, as
    the authors' loop."""
    out = []
    h, w = x.shape[-2:]
    for angle in rotations:
        r = x
        if angle:
            hr, wr = (max(1, n - 2) for n in inscribed_size(h, w, angle))  # 1 px inside:
            # bilinear interpolation blends the empty corners into the crop's own border
            r = rotate(x, math.degrees(angle), InterpolationMode.BILINEAR)
            y0, x0 = (h - hr) // 2, (w - wr) // 2
            r = r[..., y0 : y0 + hr, x0 : x0 + wr]
        for s in scales:
            size = (max(1, round(r.shape[-2] * s)), max(1, round(r.shape[-1] * s)))
            out.append(r if size == tuple(r.shape[-2:]) else resize(r, size))
    return out
