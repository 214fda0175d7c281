"""The bundled photos and masks under ``data/`` (see data/LICENSES.md for their origins).

``data/split.json`` fixes which photos are for training (the content network) and
which are held out for evaluation; ``data/masks/`` holds centre-hole masks and
hand-made object-removal masks (white = hole).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from nplib.io import read_image, read_mask, to_uint8

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


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


def centre_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The largest centred square of ``image``, resized to ``size`` x ``size`` (Lanczos)."""
    h, w = image.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    sq = Image.fromarray(to_uint8(image[top : top + s, left : left + s]))
    return np.asarray(sq.resize((size, size), Image.LANCZOS), dtype=np.float32) / 255.0
