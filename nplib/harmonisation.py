"""Harmonising a pasted object with the texture network
(docs/method.md, "Harmonising a pasted object").

An object cut out of one photo (RGBA, alpha its mask) and pasted into another rarely
matches it: its light, colour and grain come from elsewhere. The paper suggests its
texture network as the cure. Here the object's pixels ``y`` are optimised, coarse to fine,
in the composite ``x = photo * (1 - a) + y * a`` to minimise

    E(y) = structure * E_s(y) + alpha * E_t(phi(x))

- ``E_t``: the neural patch term (docs/method.md, "The neural patch loss, made differentiable";
  :func:`nplib.neural_patch.build_target`, :func:`~nplib.neural_patch.texture_energy`):
  every VGG patch on the object is pulled towards its nearest patch of the photo around it,
  so its colour and texture statistics follow the scene's.
- ``E_s``: the object's own structure, ``sum ||grad y - grad o||^2`` over neighbouring
  pixel pairs inside the object (``o`` the pasted object). It keeps the edges and shape
  but leaves the mean colour and brightness free, as in Poisson image editing (Perez et
  al. 2003): the offset is what ``E_t`` may change.

Pixels the object does not touch (alpha 0) stay bit-identical. :func:`colour_transfer`
is the simple baseline: the object's mean and standard deviation matched, per channel
in Lab, to the photo's ring around it (Reinhard et al. 2001).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageCms

from nplib.device import image_to_tensor, pick_device, tensor_to_image
from nplib.holes import bbox_window
from nplib.io import InputError, check_image, to_uint8
from nplib.neural_patch import (
    ALPHA,
    PAPER_LAYERS,
    NoSourceError,
    PatchTarget,
    build_target,
    layer_mask,
    texture_energy,
)
from nplib.pyramid import level_sizes, resize
from nplib.solve import SolveSettings, minimise
from nplib.vgg import STRIDES, load_vgg

#: Weight of ``E_s``, chosen by eye on three bundled objects and scenes from the
#: colour-transfer start (notebook 07 shows too little / right / too much): at 10 the
#: object dissolves into the scene's texture (a ghost of it stays); at 1000 it keeps its
#: shape and the change from the start is small and broad; at 1e4 it stays the start.
STRUCTURE = 1000.0


#: Where :func:`harmonise` starts the object's colours (``HarmoniseSettings.start``).
COLOUR_STARTS = ("colour-transfer", "pasted")


@dataclass(frozen=True)
class HarmoniseSettings:
    """What :func:`harmonise` optimises: the energy, its scales and the object's start; each
    field is documented once here. How each scale is minimised is a
    :class:`nplib.solve.SolveSettings` (:data:`SOLVE`)."""

    alpha: float = ALPHA  # weight of E_t: how strongly the object's patches follow the scene
    structure: float = STRUCTURE  # weight of E_s: how strongly it keeps its own edges
    levels: int = 2  # scales, coarse to fine, each half the next
    margin: int = 48  # the ring of the photo around the object whose patches are the sources
    layers: tuple[str, ...] = PAPER_LAYERS  # VGG layers of E_t
    patch_size: int = 3  # feature patches of k x k positions, as the texture stage's
    source_stride: int = 2  # scene patches on a grid of this stride, as the texture stage's
    distance: str = "ncc"  # how the object's patches are matched (neural_patch.match)
    start: str = "colour-transfer"  # or "pasted": the object as it came (see harmonise)


#: How each scale is minimised: 20 L-BFGS iterations, the scene patches matched again every
#: 10 (notebook 07 shows the result).
SOLVE = SolveSettings(iters=20, rematch_every=10)


def paste(
    photo: np.ndarray, rgba: np.ndarray, at: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The object ``rgba`` (h, w, 4) placed with its top-left corner at ``at = (x, y)`` of
    ``photo`` (H, W, 3): returns the composite, the alpha over the whole photo (H, W) and
    the object's colours over the whole photo (the photo's where the object is absent).

    Checks that the object is RGBA, has an opaque part and lies inside the photo; anything
    else is a one-line :class:`~nplib.io.InputError`.
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise InputError(f"the object must be an (h, w, 4) RGBA image, got shape {rgba.shape}")
    if rgba.dtype == np.uint8:
        rgba = rgba.astype(np.float32) / 255.0
    rgba = rgba.astype(np.float32, copy=False)
    if not np.isfinite(rgba).all() or rgba.min() < 0.0 or rgba.max() > 1.0:
        raise InputError("object values must be finite and in [0, 1] (or uint8)")
    if not (rgba[..., 3] > 0).any():
        raise InputError("the object's alpha is 0 everywhere: nothing to paste")
    x, y = at
    h, w = rgba.shape[:2]
    big_h, big_w = photo.shape[:2]
    if x < 0 or y < 0 or x + w > big_w or y + h > big_h:
        raise InputError(
            f"the {w}x{h} object at {x},{y} does not fit inside the {big_w}x{big_h} photo "
            f"(x must be 0..{big_w - w}, y 0..{big_h - h})"
        )
    alpha = np.zeros((big_h, big_w), np.float32)
    colours = photo.copy()
    alpha[y : y + h, x : x + w] = rgba[..., 3]
    colours[y : y + h, x : x + w] = np.where(
        rgba[..., 3:] > 0, rgba[..., :3], photo[y : y + h, x : x + w]
    )
    return blend(photo, colours, alpha), alpha, colours


def blend(photo: np.ndarray, colours: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``photo * (1 - alpha) + colours * alpha``, and exactly ``photo`` where alpha is 0."""
    mixed = photo * (1 - alpha[..., None]) + colours * alpha[..., None]
    return np.where(alpha[..., None] > 0, mixed, photo).astype(np.float32)


def _ring(inside: np.ndarray, width: int) -> np.ndarray:
    """The pixels within ``width`` of ``inside`` (an (H, W) bool mask) but not in it; the
    max-pool runs on a window around ``inside`` only."""
    rows, cols = bbox_window(inside, width)
    m = torch.from_numpy(inside[rows, cols].astype(np.float32))[None, None]
    grown = np.zeros_like(inside)
    grown[rows, cols] = F.max_pool2d(m, 2 * width + 1, 1, width)[0, 0].numpy() > 0
    return grown & ~inside


#: Width of the photo's ring around the object whose colours :func:`colour_transfer` matches.
RING = 32

_LAB = ImageCms.buildTransform(
    ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
)
_RGB = ImageCms.buildTransform(
    ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
)


def colour_transfer(
    photo: np.ndarray, rgba: np.ndarray, at: tuple[int, int], ring: int = RING
) -> np.ndarray:
    """The baseline: paste the object with its Lab mean and standard deviation, per
    channel, matched to those of the photo's ``ring`` pixels around it (Reinhard et al.
    2001; 8-bit Lab through littleCMS). Pixels the object does not touch are unchanged."""
    photo = check_image(photo)
    _, alpha, colours = paste(photo, rgba, at)
    return blend(photo, _transferred(photo, alpha, colours, ring), alpha)


def _transferred(
    photo: np.ndarray, alpha: np.ndarray, colours: np.ndarray, ring: int
) -> np.ndarray:
    """The object's ``colours`` (as :func:`paste` gives them) with the Lab mean and
    standard deviation of the photo's ``ring`` around it: the colours, not yet blended."""
    lab_obj, lab_ph = (to_lab(x) for x in (colours, photo))
    src, ref = lab_obj[alpha > 0.5], lab_ph[_ring(alpha > 0, ring)]
    moved = (lab_obj - src.mean(0)) * (ref.std(0) / np.maximum(src.std(0), 1e-6)) + ref.mean(0)
    return from_lab(moved)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) [0, 1] sRGB to float Lab: L 0..255, a and b signed (PIL's 8-bit LAB mode
    stores a and b as signed bytes)."""
    lab = np.asarray(ImageCms.applyTransform(Image.fromarray(to_uint8(rgb)), _LAB))
    return np.concatenate([lab[..., :1], lab[..., 1:].view(np.int8)], axis=2).astype(np.float64)


def from_lab(lab: np.ndarray) -> np.ndarray:
    """The inverse of :func:`to_lab`, to float32 sRGB in [0, 1]."""
    lum = np.clip(np.rint(lab[..., :1]), 0, 255).astype(np.uint8)
    ab = np.clip(np.rint(lab[..., 1:]), -128, 127).astype(np.int8).view(np.uint8)
    img = Image.fromarray(np.ascontiguousarray(np.concatenate([lum, ab], axis=2)), "LAB")
    return np.asarray(ImageCms.applyTransform(img, _RGB), dtype=np.float32) / 255.0


def structure_energy(y: torch.Tensor, o: torch.Tensor, inside: torch.Tensor) -> torch.Tensor:
    """``E_s = sum ||grad y - grad o||^2`` over horizontal and vertical neighbour pairs with
    both pixels ``inside`` ((H, W) bool); ``y`` and ``o`` are (1, 3, H, W)."""
    d = y - o
    pairs_x = (inside[:, 1:] & inside[:, :-1]).to(y.dtype)
    pairs_y = (inside[1:, :] & inside[:-1, :]).to(y.dtype)
    dx = (d[..., :, 1:] - d[..., :, :-1]) ** 2 * pairs_x
    dy = (d[..., 1:, :] - d[..., :-1, :]) ** 2 * pairs_y
    return dx.sum() + dy.sum()


class ObjectEnergy:
    """``E(y) = structure * E_s(y) + alpha * E_t(phi(x))`` of the object's colours ``y`` at
    one scale, for :func:`nplib.solve.minimise`; all tensors (1, C, h, w), ``alpha`` one
    channel. :meth:`rematch` finds the nearest scene patch of every patch the object
    touches, per layer, and holds them fixed."""

    def __init__(
        self, photo: torch.Tensor, alpha: torch.Tensor, obj: torch.Tensor,
        settings: HarmoniseSettings, vgg,
    ):  # fmt: skip
        self.photo, self.alpha, self.obj, self.settings, self.vgg = photo, alpha, obj, settings, vgg
        touched = alpha[0, 0] > 0
        self.inside = alpha[0, 0] > 0.5
        self.holes = {n: layer_mask(touched, STRIDES[n]) for n in settings.layers}
        self.targets: list[PatchTarget] = []
        self.passes = 0

    def composite(self, y: torch.Tensor) -> torch.Tensor:
        return self.photo * (1 - self.alpha) + y * self.alpha

    def rematch(self, y: torch.Tensor) -> None:
        s = self.settings
        with torch.no_grad():
            feats = self.vgg(self.composite(y), list(s.layers))
        self.targets = []
        for n in s.layers:
            try:
                self.targets.append(build_target(
                    n, feats[n][0], self.holes[n], s.patch_size, s.source_stride,
                    distance=s.distance,
                ))  # fmt: skip
            except NoSourceError:  # a deep layer of a small window: left out
                continue
        if not self.targets:
            raise InputError("no scene around the object to take patches from: "
                             "give the photo more room around it")  # fmt: skip

    def __call__(self, y: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        feats = self.vgg(self.composite(y), list(self.settings.layers))
        self.passes += 1
        e_t = sum(texture_energy(feats[t.layer][0], t) for t in self.targets)
        e_s = structure_energy(y, self.obj, self.inside)
        e = self.settings.structure * e_s + self.settings.alpha * e_t
        return e, {key: float(v.detach()) for key, v in {"E": e, "E_s": e_s, "E_t": e_t}.items()}


def harmonise(
    photo: np.ndarray,
    rgba: np.ndarray,
    at: tuple[int, int],
    settings: HarmoniseSettings = HarmoniseSettings(),
    solve: SolveSettings = SOLVE,
    *,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Paste ``rgba`` at ``at = (x, y)`` (its top-left corner) into ``photo`` and harmonise
    it with the texture network (module docstring; docs/method.md, "Harmonising a pasted object").

    Works on a window of the object plus ``settings.margin`` pixels of the photo, at
    ``settings.levels`` scales, each minimised by :func:`nplib.solve.minimise` as ``solve``
    says (:class:`ObjectEnergy`); each level starts from the previous one's object,
    upsampled. ``settings.start`` is where the object's colours begin, and what ``E_s``
    keeps the edges of: "colour-transfer" (default), the :func:`colour_transfer` baseline,
    so that the patch term refines a fill whose mean colour already fits (the
    L-BFGS steps move the mean slowly against a strong ``E_s``: notebook 07), or "pasted",
    the object as it came. Returns the (H, W, 3) float32 result: the photo where the
    object's alpha is 0 (bit-identical), ``photo * (1 - a) + y * a`` elsewhere.
    """
    photo = check_image(photo)
    if min(settings.alpha, settings.structure) < 0 or min(settings.levels, solve.iters) < 1:
        raise InputError("harmonise needs alpha, structure >= 0 and levels, iters >= 1")
    if settings.start not in COLOUR_STARTS:
        raise InputError(f"unknown start {settings.start!r}: use {' or '.join(COLOUR_STARTS)}")
    _, alpha, colours = paste(photo, rgba, at)
    if settings.start == "colour-transfer":
        moved = _transferred(photo, alpha, colours, RING)
        colours = np.where(alpha[..., None] > 0, moved, photo).astype(np.float32)
    dev = pick_device(device)
    vgg = load_vgg(dev)
    rows, cols = bbox_window(alpha > 0, settings.margin)
    full = (rows.stop - rows.start, cols.stop - cols.start)
    deepest = max(STRIDES[n] for n in settings.layers)
    p_win, a_win, o_win = (image_to_tensor(x[rows, cols], dev) for x in (photo, alpha, colours))
    y = change = None
    for size in level_sizes(full, settings.levels):
        if min(size) <= 2 * deepest:
            continue  # too small for the deepest layer at this scale: start finer
        p_s, o_s = resize(p_win, size), resize(o_win, size)
        a_s = resize(a_win, size).clamp(0, 1)
        # a finer level keeps the object's own detail and takes the coarser level's change
        start = o_s if change is None else (o_s + resize(change, size)).clamp(0, 1)
        energy = ObjectEnergy(p_s, a_s, o_s, settings, vgg)
        y, _ = minimise(energy, start, solve, progress=progress, desc="harmonise")
        y = y.clamp(0, 1)
        change = y - o_s
    if y is None:
        raise InputError(f"harmonise needs a window of at least {2 * deepest + 1} pixels a side")
    out = photo.copy()
    y_np = tensor_to_image(y)
    out[rows, cols] = blend(photo[rows, cols], y_np, alpha[rows, cols])
    return out

