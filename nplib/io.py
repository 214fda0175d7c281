"""Reading and writing images and masks in one convention.

Every image in nplib is a ``float32`` numpy array of shape ``(H, W, 3)`` with RGB
values in ``[0, 1]``. Every mask is a ``bool`` array of shape ``(H, W)`` where
``True`` marks the hole (the pixels to fill). Files are written atomically: to a
temporary file beside the target, then renamed, so a crash never leaves a partial
image behind.

Reading files, as image viewers show them:

- the EXIF orientation of a photo (and of a mask) is applied, so a phone photo is upright;
- integer samples are scaled by the range of their depth: 8-bit by 255, 16-bit by 65535,
  32-bit by 2**31 - 1 (signed) or 2**32 - 1 (unsigned); float images (mode ``F``, e.g. a
  32-bit float TIFF) are taken to be in [0, 1] already and clipped to it;
- in a mask file a pixel is hole when its brightest channel is at least half of the
  range (128 of 255), so white marks the hole, black the known pixels, and the
  compression noise around a JPEG mask's hole counts as what it surrounds;
- files over :data:`MAX_IMAGE_PIXELS` are refused before they are decoded.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

#: The message for a mask with no hole pixel (check_mask and hole_bbox).
EMPTY_MASK = "mask is empty: mark the hole in white"

#: The largest image nplib reads or inpaints: 8192 x 8192 pixels (67 megapixels, more than
#: any phone photo). A whole image's cost at peak grows with its pixels whatever the method
#: (benchmarks/README.md, "Memory on a 12-megapixel photo"): the methods themselves work on a
#: window around the holes.
MAX_IMAGE_PIXELS = 8192 * 8192


class InputError(ValueError):
    """Bad user input (file, mask or option); the message is one line for the user."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _too_large(what: str, size: str) -> InputError:
    return InputError(
        f"{what} is {size}, over the limit of 8192x8192 "
        f"({MAX_IMAGE_PIXELS / 1e6:.0f} megapixels): shrink it first"
    )


def check_size(width: int, height: int, what: str = "image") -> None:
    """Refuse an image over :data:`MAX_IMAGE_PIXELS` with an :class:`InputError` naming its size."""
    if width * height > MAX_IMAGE_PIXELS:
        raise _too_large(what, f"{width}x{height} ({width * height / 1e6:.0f} megapixels)")


def _full_scale(img: Image.Image) -> float:
    """The sample value of full brightness of a high-depth image (mode I;16*, I or F)."""
    if img.mode == "F":
        return 1.0
    tags = getattr(img, "tag_v2", None) or {}  # a TIFF's tags: BitsPerSample, SampleFormat
    bits, signed = np.ravel(tags.get(258, 16))[0], np.ravel(tags.get(339, 1))[0] == 2
    if img.mode == "I" and bits == 32:
        return 2.0**31 - 1 if signed else 2.0**32 - 1
    return 65535.0  # I;16*, and mode I holding 16-bit samples (PGM, signed 16-bit TIFF)


def _is_deep(img: Image.Image) -> bool:
    return img.mode in ("I", "F") or img.mode.startswith("I;16")


def _open(path: str | os.PathLike) -> tuple[Image.Image, float]:
    """Decode ``path`` (refusing it over :data:`MAX_IMAGE_PIXELS` before decoding), turned
    upright by its EXIF orientation; with the full-scale value of its samples."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    try:
        with warnings.catch_warnings():  # our own limit is lower than Pillow's warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)  # reads the header only
        with img:
            check_size(*img.size, what=f"image {path}")
            img.load()
            scale = _full_scale(img) if _is_deep(img) else 255.0
            upright = ImageOps.exif_transpose(img)  # a new image, upright
    except InputError:
        raise
    except Image.DecompressionBombError as err:  # over twice Pillow's limit: no size known
        pixels = re.search(r"\((\d+) pixels\)", str(err))
        size = f"{int(pixels[1]) / 1e6:.0f} megapixels" if pixels else "too large"
        raise _too_large(f"image {path}", size) from None
    except Exception as err:  # any decoding failure (truncated, corrupt, not an image)
        why = _one_line(err) or type(err).__name__
        raise InputError(f"cannot read image {path}: {why}") from None
    return upright, scale


def _deep_to_float(img: Image.Image, scale: float) -> np.ndarray:
    """(H, W) float64 in [0, 1] of a high-depth image, scaled by its depth's range."""
    arr = np.asarray(img)
    if scale == 2.0**32 - 1:
        arr = arr.view(np.uint32)  # unsigned 32-bit samples, held by Pillow as int32
    return np.clip(arr.astype(np.float64) / scale, 0.0, 1.0)


def _to_float(img: Image.Image, scale: float = 255.0) -> np.ndarray:
    """Convert any PIL mode to float32 RGB in [0, 1] (alpha composited on white)."""
    if _is_deep(img):
        return np.repeat(_deep_to_float(img, scale)[..., None], 3, axis=2).astype(np.float32)
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[..., 3:4]
        return (rgba[..., :3] * alpha + (1.0 - alpha)).astype(np.float32)
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read any image file (RGB, RGBA, grayscale, palette, 16/32-bit, float) as float32 RGB
    in [0, 1], upright (EXIF orientation applied). Float images are taken as [0, 1]."""
    image = _to_float(*_open(path))
    if not np.isfinite(image).all():
        raise InputError(f"image {path} has NaN or infinite values")
    return image


def read_rgba(path: str | os.PathLike) -> np.ndarray:
    """Read an image with transparency (an object cut out: RGBA, LA or a palette with a
    transparent colour) as float32 (H, W, 4) in [0, 1], alpha last. A file without an
    alpha channel is an :class:`InputError`."""
    img, _ = _open(path)
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode not in ("RGBA", "LA", "PA"):
        raise InputError(f"image {path} has no alpha channel: give the object as an RGBA PNG")
    return np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0


def read_mask(path: str | os.PathLike) -> np.ndarray:
    """Read a mask file: a pixel whose brightest channel is at least half-bright (128 of 255,
    or half of a 16/32-bit or float range) is hole; darker pixels are known.

    The EXIF orientation is applied as for images. An alpha channel, if present, is
    ignored; transparency is not a hole marker.
    """
    img, scale = _open(path)
    if _is_deep(img):
        return _deep_to_float(img, scale) >= 0.5
    return np.asarray(img.convert("RGB")).max(axis=2) >= 128


def check_mask(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Validate a mask against its image and return it as a bool array (in memory, any
    nonzero value is hole; files are thresholded by :func:`read_mask`).

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
        turned = " (photos are read upright, by their EXIF orientation)" * (mask.shape == (w, h))
        raise InputError(
            f"mask size {mask.shape[1]}x{mask.shape[0]} does not match image size {w}x{h}{turned}"
        )
    mask = mask.astype(bool)
    if not mask.any():
        raise InputError(EMPTY_MASK)
    if mask.all():
        raise InputError("mask covers the whole image: nothing is left to fill from")
    return mask


def check_image(image: np.ndarray) -> np.ndarray:
    """Validate an in-memory image and return it as float32 (H, W, 3) in [0, 1]
    (at most :data:`MAX_IMAGE_PIXELS`)."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise InputError(f"image must have shape (H, W, 3), got {image.shape}")
    check_size(image.shape[1], image.shape[0])
    if image.dtype == np.uint8:
        image = image.astype(np.float32) / 255.0
    image = image.astype(np.float32, copy=False)  # a float32 image is not copied
    if not np.isfinite(image).all() or image.min() < 0.0 or image.max() > 1.0:
        raise InputError("image values must be finite and in [0, 1] (or uint8)")
    return image


#: Source photos (``inpaint(..., sources=...)``, docs/method.md, "Patches from other photos") must
#: be at least this many pixels a side: a relu4_1 3x3 patch spans 24 pixels.
MIN_SOURCE_SIDE = 32

#: Source photos may hold at most this many pixels in all. They cost memory in proportion:
#: 16 bytes a pixel for patchmatch's canvas, 150-220 bytes for the neural patch sources,
#: and the matching's time grows linearly with them.
MAX_SOURCE_PIXELS = 2 * 1024 * 1024


def check_source_photos(sources) -> list[np.ndarray]:
    """Validate the photos whose patches join the image's own (docs/method.md,
    "Patches from other photos"): each as :func:`check_image`, at least
    :data:`MIN_SOURCE_SIDE` a side, and at most :data:`MAX_SOURCE_PIXELS` in all. Returns them
    as float32 (H, W, 3) in [0, 1]."""
    if isinstance(sources, np.ndarray):
        sources = [sources]  # one photo, not a stack of rows
    out = []
    for i, src in enumerate(sources, 1):
        try:
            src = check_image(src)
        except InputError as err:
            raise InputError(f"source {i}: {err}") from None
        h, w = src.shape[:2]
        if min(h, w) < MIN_SOURCE_SIDE:
            raise InputError(
                f"source {i} is {w}x{h}: a source photo must be at least "
                f"{MIN_SOURCE_SIDE}x{MIN_SOURCE_SIDE} pixels"
            )
        out.append(src)
    total = sum(s.shape[0] * s.shape[1] for s in out)
    if total > MAX_SOURCE_PIXELS:
        raise InputError(
            f"the source photos hold {total / 1e6:.1f} megapixels, more than the "
            f"{MAX_SOURCE_PIXELS / 1e6:.1f} allowed (their patches cost memory and time in "
            "proportion): crop them to the part that matters or shrink them"
        )
    return out


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
