"""The bundled photos and masks under ``data/`` (see data/LICENSES.md for their origins).

``data/split.json`` fixes which photos are for training (the content network) and
which are held out for evaluation; ``data/masks/`` holds centre-hole masks and
hand-made object-removal masks (white = hole). The held-out photos' evaluation crops
(:func:`heldout_crops`) are the content network's validation set and the paper's table.

:data:`DATA_DIR` is the one place nplib looks for ``data/``: the ``NPLIB_DATA``
environment variable when set, else the ``data/`` folder of the checkout nplib is
installed from (``pip install -e .``; the photos are not in the wheel).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

from nplib.io import read_image, read_mask, to_uint8

DATA_DIR = Path(os.environ.get("NPLIB_DATA") or Path(__file__).resolve().parent.parent / "data")


def image_names(split: str | None = None) -> list[str]:
    """Slugs of the bundled photos: all of them, or those of split 'train' or 'heldout'."""
    splits = json.loads((DATA_DIR / "split.json").read_text())
    if split is None:
        return sorted(splits["train"] + splits["heldout"])
    if split not in splits:
        raise ValueError(f"unknown split {split!r}; choose from {sorted(splits)}")
    return list(splits[split])


def image_path(slug: str) -> Path:
    """Path of the bundled photo ``slug`` (e.g. 'astronaut')."""
    return DATA_DIR / "images" / f"{slug}.jpg"


def load_image(slug: str) -> np.ndarray:
    """A bundled photo as float32 RGB in [0, 1]."""
    return read_image(image_path(slug))


def mask_path(name: str) -> Path:
    """Path of a bundled mask: 'centre_512' or '<slug>_object'."""
    return DATA_DIR / "masks" / f"{name}.png"


def load_mask(name: str) -> np.ndarray:
    """A bundled mask as bool (True = hole)."""
    return read_mask(mask_path(name))


def object_masks() -> list[str]:
    """Slugs of the photos that have a hand-made object-removal mask."""
    return sorted(p.stem.removesuffix("_object") for p in (DATA_DIR / "masks").glob("*_object.png"))


def centre_mask(height: int, width: int, fraction: float = 0.5) -> np.ndarray:
    """A centred rectangular hole covering ``fraction`` of each side (the paper's protocol:
    a 64x64 hole in 128x128, a 256x256 hole in 512x512)."""
    mask = np.zeros((height, width), dtype=bool)
    hh, hw = round(height * fraction), round(width * fraction)
    top, left = (height - hh) // 2, (width - hw) // 2
    mask[top : top + hh, left : left + hw] = True
    return mask


def crop_square(image: np.ndarray, top: int, left: int, side: int, size: int) -> np.ndarray:
    """The ``side`` x ``side`` square of ``image`` at (top, left), resized to ``size`` x
    ``size`` (Lanczos, on 8-bit values)."""
    sq = Image.fromarray(to_uint8(image[top : top + side, left : left + side]))
    return np.asarray(sq.resize((size, size), Image.LANCZOS), dtype=np.float32) / 255.0


def centre_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The largest centred square of ``image``, resized to ``size`` x ``size`` (Lanczos)."""
    h, w = image.shape[:2]
    s = min(h, w)
    return crop_square(image, (h - s) // 2, (w - s) // 2, s, size)


#: Crop boxes per held-out photo after the largest centred square, as (side, centre row,
#: centre column) in fractions of the photo's short side and of its height / width:
#: half-side squares at the centre and the four quarter points, then six more for the
#: paper's table.
CROP_BOXES = (
    (0.5, 0.5, 0.5), (0.5, 0.25, 0.25), (0.5, 0.25, 0.75), (0.5, 0.75, 0.25),
    (0.5, 0.75, 0.75), (0.5, 0.5, 0.25), (0.5, 0.5, 0.75), (0.5, 0.25, 0.5),
    (0.5, 0.75, 0.5), (0.75, 0.375, 0.375), (0.75, 0.625, 0.625),
)  # fmt: skip


def photo_crops(images: list[np.ndarray], size: int, per_photo: int) -> np.ndarray:
    """Deterministic evaluation crops, (N, size, size, 3): ``per_photo`` (at most 12) boxes a
    photo, the largest centred square (:func:`centre_crop`) then :data:`CROP_BOXES`, each
    resized to ``size`` (:func:`crop_square`)."""
    if not 1 <= per_photo <= 1 + len(CROP_BOXES):
        raise ValueError(f"per_photo must be 1..{1 + len(CROP_BOXES)}, got {per_photo}")
    crops = []
    for image in images:
        h, w = image.shape[:2]
        s = min(h, w)
        crops.append(centre_crop(image, size))
        for frac, fy, fx in CROP_BOXES[: per_photo - 1]:
            side = int(frac * s)
            top = min(max(round(fy * h - frac * s / 2), 0), h - side)
            left = min(max(round(fx * w - frac * s / 2), 0), w - side)
            crops.append(crop_square(image, top, left, side, size))
    return np.stack(crops)


@functools.lru_cache(maxsize=4)
def heldout_crops(size: int = 128, per_photo: int = 6) -> np.ndarray:
    """:func:`photo_crops` of the bundled held-out photos, (N, size, size, 3).

    6 a photo (54 crops) for the content network's evaluation, 12 (108 crops) for the
    paper's table (``nplib.evaluation``); the first six are the same in both. Evaluate them
    with the paper's centre hole (:func:`centre_mask`).
    """
    return photo_crops([load_image(s) for s in image_names("heldout")], size, per_photo)


class SourcePair(NamedTuple):
    """A photo with a hole and another view of the same place that shows what the hole
    hides (``inpaint(..., sources=[source])``, docs/method.md, "Patches from other photos")."""

    name: str
    image: np.ndarray  # (H, W, 3) the photo to fill
    mask: np.ndarray  # (H, W) bool, its hole
    source: np.ndarray  # (H', W', 3) the other view
    kind: str  # how the two views relate


#: Overlapping crops of one photo, as two shots a step apart: (slug, top, left, dy, dx).
#: The photo is the :data:`PAIR_SIDE` square at (top, left) with a centred hole of half its
#: side; the source is the square shifted by (dy, dx), which still holds the whole hole.
PAIR_CROPS = (
    ("chambord", 180, 300, -40, 112),
    ("carcassonne", 190, 320, 48, -112),
    ("reims_cathedral", 190, 320, -48, 120),
    ("brandenburg_gate", 190, 320, 40, 112),
    ("house_dogs", 360, 150, -112, 40),
    ("storm_road", 150, 320, 56, 104),
)

#: Side of the :data:`PAIR_CROPS` squares.
PAIR_SIDE = 384


#: Two genuinely different shots of one place (``data/pairs/``, see data/pairs.json):
#: (pair, (top, left) of the :data:`PAIR_SIDE` crop of shot a, the hole in that crop as
#: (top, left, height, width), and the factor that brings shot b to shot a's scale, judged
#: by eye from the size of repeated details: dormer windows, domes).
VIEW_PAIRS = (
    ("taj_mahal", (130, 300), (150, 200, 100, 130), 1.35),
    ("chenonceau", (150, 330), (130, 60, 100, 110), 1.4),
)


def load_pair_shot(slug: str) -> np.ndarray:
    """A shot of ``data/pairs/`` ('taj_mahal_a', ...) as float32 RGB in [0, 1]."""
    return read_image(DATA_DIR / "pairs" / f"{slug}.jpg")


def source_pairs() -> list[SourcePair]:
    """The pairs of :data:`PAIR_CROPS` (each a photo, its centre hole and the shifted
    view), then those of :data:`VIEW_PAIRS` (a crop of one shot with a hole, and the other
    shot at the crop's scale)."""
    pairs = []
    for slug, top, left, dy, dx in PAIR_CROPS:
        image, s = load_image(slug), PAIR_SIDE
        photo = image[top : top + s, left : left + s]
        source = image[top + dy : top + dy + s, left + dx : left + dx + s]
        if photo.shape[:2] != (s, s) or source.shape[:2] != (s, s):
            raise ValueError(
                f"pair {slug}: a crop leaves the {image.shape[1]}x{image.shape[0]} photo"
            )
        pairs.append(
            SourcePair(slug, photo, centre_mask(s, s), source, f"crop shifted by ({dy}, {dx})")
        )
    for name, (top, left), (ht, hl, hh, hw), scale in VIEW_PAIRS:
        s = PAIR_SIDE
        photo = load_pair_shot(f"{name}_a")[top : top + s, left : left + s]
        mask = np.zeros((s, s), bool)
        mask[ht : ht + hh, hl : hl + hw] = True
        other = Image.fromarray(to_uint8(load_pair_shot(f"{name}_b")))
        size = (round(other.width * scale), round(other.height * scale))
        source = np.asarray(other.resize(size, Image.LANCZOS), np.float32) / 255.0
        pairs.append(SourcePair(name, photo, mask, source, f"another shot, scaled x{scale}"))
    return pairs
