"""Training data for the content network: a folder of photos as random crops with holes.

The paper trains its content network on the user's own photos (ImageNet, Paris
StreetView; docs/method.md, "Content network"). :func:`list_photos` finds every image under a
folder (recursively, sorted, so a run is repeatable) and drops, with one line of report,
the files that cannot be read or are smaller than a crop. :class:`TrainingCrops` is a torch
``Dataset`` that decodes a photo only when a crop of it is asked for, so a 15,000-photo
folder never has to fit in memory.

Crop number ``k`` of a run is a pure function of ``(seed, k)``: which photo, which
scale, where, whether flipped, and the training hole all come from a generator seeded
with ``(seed, k)``. So the crops do not depend on the number of DataLoader workers or on
how a global batch is split between processes, and resuming at step ``s`` simply asks
for crops ``s * batch`` onwards.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torchvision.transforms.v2.functional as TF
from PIL import Image, ImageOps

from nplib.content import random_hole
from nplib.io import InputError

#: File suffixes :func:`list_photos` picks up (any case).
SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


@dataclass(frozen=True)
class PhotoList:
    """The usable photos of a folder, and what was skipped and why."""

    paths: list[Path]
    unreadable: list[Path]
    too_small: list[Path]

    def report(self) -> str:
        """One line for the start of a run: how many files were skipped, why, and the first."""
        skipped = self.unreadable + self.too_small
        total = len(self.paths) + len(skipped)
        if not skipped:
            return f"using all {total:,} photos"
        first = min(skipped)
        return (
            f"skipped {len(skipped):,} of {total:,} files: {len(self.unreadable):,} unreadable, "
            f"{len(self.too_small):,} too small; first: {first}"
        )


def open_photo(path: Path) -> Image.Image:
    """Open a photo as displayed: EXIF orientation applied, any mode converted to RGB."""
    with Image.open(path) as im:
        return ImageOps.exif_transpose(im).convert("RGB")


def _size(path: Path) -> tuple[int, int]:
    """(width, height) as displayed, read from the header; raises on an unreadable file."""
    with Image.open(path) as im:
        im.verify()  # checks what the format allows without decoding (PNG CRCs, ...)
    with Image.open(path) as im:
        w, h = im.size
        orientation = im.getexif().get(0x0112, 1)  # EXIF Orientation
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def list_photos(root: str | os.PathLike, min_side: int) -> PhotoList:
    """Every image under ``root`` (recursively, suffixes :data:`SUFFIXES`), sorted.

    Files that Pillow cannot open are ``unreadable``; photos whose shorter side is below
    ``min_side`` are ``too_small``. A missing folder, or one with no usable photo, is an
    :class:`InputError`."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"data folder not found: {root}")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    paths, unreadable, too_small = [], [], []
    for path in files:
        try:
            w, h = _size(path)
        except Exception:  # any decoder error means the file cannot be used
            unreadable.append(path)
            continue
        (paths if min(w, h) >= min_side else too_small).append(path)
    photos = PhotoList(paths, unreadable, too_small)
    if not paths:
        found = f"{len(files):,} image file{'s' * (len(files) != 1)}" if files else "no image files"
        raise InputError(
            f"no usable photos in {root}: {found} ({', '.join(SUFFIXES)}), "
            f"need a shorter side of at least {min_side} px"
        )
    return photos


def split_photos(paths: list[Path], fraction: float, seed: int) -> tuple[list[Path], list[Path]]:
    """(train, validation): a seeded random ``fraction`` of ``paths`` (at least one) is held
    out for validation; both lists stay sorted."""
    if not 0 < fraction < 1:
        raise InputError(f"--val-fraction must be between 0 and 1, got {fraction}")
    if len(paths) < 2:
        raise InputError("--val-fraction needs at least two usable photos")
    n_val = min(max(1, round(fraction * len(paths))), len(paths) - 1)
    held = set(np.random.default_rng(seed).permutation(len(paths))[:n_val].tolist())
    train = [p for i, p in enumerate(paths) if i not in held]
    return train, [p for i, p in enumerate(paths) if i in held]


class TrainingCrops(torch.utils.data.Dataset):
    """Random square crops at random scales, randomly flipped, each with a training hole.

    Item ``k`` is ``(crop, hole)``: a float (3, size, size) crop in [0, 1] and a bool
    (1, size, size) hole from :func:`nplib.content.random_hole`. The scale follows a
    pyramid of halvings of the photo down to the octave [size, 2 size): a crop picks a
    photo, a level of that pyramid, a side in [size, min(2 size, level side)] at that level
    and a position; the window is cut from the photo and resized to ``size`` (antialiased).
    Decoded photos are kept in a per-process cache of ``cache`` entries (0: none).
    """

    def __init__(self, paths: list[Path], size: int, seed: int = 0, cache: int = 256):
        self.paths, self.size, self.seed = list(paths), size, seed
        self._decode = functools.lru_cache(maxsize=cache)(self._read) if cache else self._read

    def __len__(self) -> int:  # crops are indexed by a run's global crop number
        return 2**62

    def _read(self, i: int) -> torch.Tensor:
        try:
            return TF.pil_to_tensor(open_photo(self.paths[i]))
        except Exception:  # a file broken past its header: use its neighbour, never crash
            return self._read((i + 1) % len(self.paths))

    def __getitem__(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng((self.seed, k))
        image = self._decode(int(rng.integers(len(self.paths))))
        h, w = image.shape[-2:]
        levels = max(1, int(np.log2(min(h, w) / self.size)) + 1)
        scale = 2 ** int(rng.integers(levels))
        lh, lw = h // scale, w // scale  # the chosen level's size
        side = int(rng.integers(self.size, max(self.size, min(lh, lw, 2 * self.size)) + 1))
        side = min(side * scale, h, w)  # the window in the photo's own pixels
        top, left = int(rng.integers(h - side + 1)), int(rng.integers(w - side + 1))
        crop = TF.crop(image, top, left, side, side).float() / 255
        crop = TF.resize(crop, [self.size, self.size], antialias=True).clamp(0, 1)
        if rng.random() < 0.5:
            crop = TF.horizontal_flip(crop)
        return crop, torch.from_numpy(random_hole(self.size, rng))[None]
