"""Reading and writing images and masks in one convention.

Every image in nplib is a ``float32`` numpy array of shape ``(H, W, 3)`` with RGB
values in ``[0, 1]``. Every mask is a ``bool`` array of shape ``(H, W)`` where
``True`` marks the hole (the pixels to fill). Files are written atomically: to a
temporary file beside the target, then renamed, so a crash never leaves a partial
image behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

#: The message for a mask with no hole pixel (check_mask and hole_bbox).
EMPTY_MASK = "mask is empty: mark the hole in white (nonzero)"


class InputError(ValueError):
    """Bad user input (file, mask or option); the message is one line for the user."""


def _open(path: str | os.PathLike) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    try:
        img = Image.open(path)
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise InputError(f"cannot read image {path}: {err}") from None
    return img


def _to_float(img: Image.Image) -> np.ndarray:
    """Convert any PIL mode to float32 RGB in [0, 1] (alpha composited on white)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        arr = np.clip(arr / top, 0.0, 1.0)
        return np.repeat(arr[..., None], 3, axis=2).astype(np.float32)
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[..., 3:4]
        return (rgba[..., :3] * alpha + (1.0 - alpha)).astype(np.float32)
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read any image file (RGB, RGBA, grayscale, palette, 16-bit) as float32 RGB in [0, 1]."""
    return _to_float(_open(path))


def read_mask(path: str | os.PathLike) -> np.ndarray:
    """Read a mask file: any nonzero (white, or any non-black colour) pixel is hole.

    An alpha channel, if present, is ignored; transparency is not a hole marker.
    """
    img = _open(path)
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return np.asarray(img) != 0
    return np.asarray(img.convert("RGB")).max(axis=2) > 0


def check_mask(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Validate a mask against its image and return it as a bool array.

    Raises :class:`InputError` when the sizes differ, the mask has no hole, or the
    hole covers every pixel (nothing left to fill from).
    """
    mask = np.asarray(mask)
    if mask.ndim == 3:
        mask = mask.any(axis=2)
    if mask.ndim != 2:
        raise InputError(f"mask must be 2-D, got shape {mask.shape}")
    if mask.shape != image.shape[:2]:
        h, w = image.shape[:2]
        raise InputError(
            f"mask size {mask.shape[1]}x{mask.shape[0]} does not match image size {w}x{h}"
        )
    mask = mask.astype(bool)
    if not mask.any():
        raise InputError(EMPTY_MASK)
    if mask.all():
        raise InputError("mask covers the whole image: nothing is left to fill from")
    return mask


def hole_bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box ``(top, bottom, left, right)``, end-exclusive, of a mask's hole pixels.

    An empty mask has none: :class:`InputError`."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if len(rows) == 0:
        raise InputError(EMPTY_MASK)
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def check_image(image: np.ndarray) -> np.ndarray:
    """Validate an in-memory image and return it as float32 (H, W, 3) in [0, 1]."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise InputError(f"image must have shape (H, W, 3), got {image.shape}")
    if image.dtype == np.uint8:
        image = image.astype(np.float32) / 255.0
    image = image.astype(np.float32)
    if not np.isfinite(image).all() or image.min() < 0.0 or image.max() > 1.0:
        raise InputError("image values must be finite and in [0, 1] (or uint8)")
    return image


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Round a [0, 1] float image to uint8."""
    return np.clip(np.rint(np.asarray(image) * 255.0), 0, 255).astype(np.uint8)


def atomic_write(path: str | os.PathLike, write: Callable[[str], object]) -> None:
    """Create ``path`` atomically: ``write(tmp)`` fills a temporary file beside it, then
    it is renamed into place (on any error the temporary file is removed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_image(path: str | os.PathLike, image: np.ndarray) -> Path:
    """Save a float [0, 1] RGB image (or a bool mask) atomically; format from the suffix."""
    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"unknown image format for output file: {path}")
    arr = np.asarray(image)
    pil = Image.fromarray(arr.astype(np.uint8) * 255 if arr.dtype == bool else to_uint8(arr))
    atomic_write(path, lambda tmp: pil.save(tmp, format=fmt))
    return path


def save_figure(path: str | os.PathLike, fig) -> Path:
    """Save a matplotlib figure atomically (PNG unless the suffix says otherwise)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=100, bbox_inches="tight"))
    return path
