"""Files people actually have, generated for the tests: phone photos with an EXIF
orientation, huge and tiny images, 16/32-bit and float images, JPEG masks, broken files.

:func:`make_cases` writes a folder of them and says, for each run of the CLI on them,
what must happen: an output (None) or a one-line error containing a given text.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, features

#: (image file, mask file, method, expected): expected None = exit 0 with a correct output,
#: else a text the one-line error (exit 2) must contain.
Case = tuple[Path, Path, str, str | None]


def png_header(path: Path, width: int, height: int) -> None:
    """A PNG that only declares its size (8-bit grayscale): enough for Image.open to see it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))


def save_with_orientation(path: Path, arr: np.ndarray, orientation: int) -> None:
    """Save ``arr`` as a JPEG whose EXIF says how to turn it for display (6: 90 degrees CW)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(arr).save(path, exif=exif, quality=95)


def _mask(shape: tuple[int, int], box: tuple[slice, slice]) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    m[box] = 255
    return m


def make_cases(d: Path, photo: np.ndarray) -> list[Case]:
    """Write the files into ``d`` (``photo``: uint8 (48, 64, 3)) and return the cases."""
    h, w = photo.shape[:2]

    def put(name: str, arr: np.ndarray | None = None, **kwargs) -> Path:
        path = d / name
        if arr is not None:
            Image.fromarray(arr).save(path, **kwargs)
        return path

    hole = put("hole.png", _mask((h, w), np.s_[15:30, 20:40]))
    img = put("photo.png", photo)
    cases: list[Case] = [(img, hole, m, None) for m in ("mean", "diffusion", "patchmatch")]

    # a phone photo: stored landscape, shown portrait; the mask is drawn on what is shown
    save_with_orientation(d / "phone.jpg", photo, 6)
    shown = put("phone_mask.png", _mask((w, h), np.s_[10:30, 5:25]))
    stored = put("phone_mask_stored.png", _mask((h, w), np.s_[10:30, 5:25]))
    cases += [(d / "phone.jpg", shown, "diffusion", None),
              (d / "phone.jpg", stored, "diffusion", "does not match")]  # fmt: skip

    # too large to read: over Pillow's bomb limit, over its warning, over ours
    for name, side in (("bomb.png", 20000), ("warn.png", 10000), ("big.png", 9000)):
        png_header(d / name, side, side)
        cases.append((d / name, hole, "diffusion", "over the limit of 8192x8192"))

    # too small for the patch methods, and a mask leaving one known pixel
    tiny = put("tiny.png", photo[:3, :3].copy())
    tiny_hole = put("tiny_hole.png", _mask((3, 3), np.s_[1:2, 1:2]))
    cases += [(tiny, tiny_hole, m, None) for m in ("mean", "diffusion", "content")]
    cases += [(tiny, tiny_hole, "patchmatch", "at least 8x8 pixels"),
              (tiny, tiny_hole, "texture", "at least 9x9 pixels"),
              (tiny, tiny_hole, "full", "at least 9x9 pixels")]  # fmt: skip
    one = np.full((h, w), 255, np.uint8)
    one[5, 7] = 0
    one_known = put("one_known.png", one)
    cases += [(img, one_known, m, None) for m in ("mean", "diffusion")]
    cases += [(img, one_known, m, "known pixels") for m in ("patchmatch", "texture", "full")]
    thin = put("thin.png", np.repeat(photo[:4], 4, axis=1))
    thin_hole = put("thin_hole.png", _mask((4, 4 * w), np.s_[1:3, 100:120]))
    cases += [(thin, thin_hole, m, "at least") for m in ("patchmatch", "full")]
    pair = put("pair.png", photo[:1, :2].copy())
    cases.append((pair, put("pair_hole.png", _mask((1, 2), np.s_[0:1, 1:2])), "diffusion", None))

    # deep and float images, every common mode, a JPEG mask, a 16-bit mask
    gray = photo.mean(axis=2)
    deep = {
        "int32.tif": (gray * 2**23).astype(np.int32),
        "float.tif": (gray / 255).astype(np.float32),
        "gray16.png": (gray * 257).astype(np.uint16),
    }
    for name, arr in deep.items():
        cases.append((put(name, arr), hole, "diffusion", None))
    nan = (gray / 255).astype(np.float32)
    nan[0, 0] = np.nan
    cases.append((put("nan.tif", nan), hole, "diffusion", "NaN"))
    pil = Image.fromarray(photo)
    modes = {"palette.png": pil.convert("P"), "rgba.png": pil.convert("RGBA"),
             "la.png": pil.convert("LA"), "cmyk.jpg": pil.convert("CMYK"),
             "bilevel.png": pil.convert("1"), "photo.bmp": pil}  # fmt: skip
    if features.check("webp"):
        modes["photo.webp"] = pil
    for name, im in modes.items():
        im.save(d / name)
        cases.append((d / name, hole, "diffusion", None))
    frames = [pil.convert("P"), Image.fromarray(255 - photo).convert("P")]
    frames[0].save(d / "anim.gif", save_all=True, append_images=frames[1:])
    cases.append((d / "anim.gif", hole, "diffusion", None))
    Image.open(hole).save(d / "hole.jpg", quality=70)
    cases.append((img, d / "hole.jpg", "diffusion", None))
    hole16 = np.asarray(Image.open(hole)).astype(np.uint16) * 257
    cases.append((img, put("hole16.png", hole16), "diffusion", None))

    # broken files and wrong masks
    data = img.read_bytes()
    (d / "cut.png").write_bytes(data[: len(data) // 2])
    (d / "empty.png").write_bytes(b"")
    (d / "text.jpg").write_text("not a photo\n")
    broken = ("cut.png", "empty.png", "text.jpg")
    cases += [(d / name, hole, "diffusion", "cannot read") for name in broken]
    cases += [(img, d / "text.jpg", "diffusion", "cannot read"),
              (img, d / "missing.png", "diffusion", "not found"),
              (img, put("black.png", np.zeros((h, w), np.uint8)), "diffusion", "empty"),
              (img, put("white.png", np.full((h, w), 255, np.uint8)), "diffusion", "whole image"),
              (img, tiny_hole, "diffusion", "does not match")]  # fmt: skip
    return cases
