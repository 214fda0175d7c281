"""Reading any image into one convention, reading and validating masks, atomic saving."""

import numpy as np
import pytest
from PIL import Image

from nplib.io import (
    InputError,
    check_image,
    check_mask,
    read_image,
    read_mask,
    save_image,
    to_uint8,
)


def _rgb(h=6, w=5):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_rgb_png_roundtrip_is_exact(tmp_path):
    arr = _rgb()
    Image.fromarray(arr).save(tmp_path / "a.png")
    img = read_image(tmp_path / "a.png")
    assert img.dtype == np.float32 and img.shape == (6, 5, 3)
    assert np.array_equal(to_uint8(img), arr)
    save_image(tmp_path / "b.png", img)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "b.png")), arr)


def test_grayscale_palette_rgba_and_16bit(tmp_path):
    gray = np.arange(30, dtype=np.uint8).reshape(6, 5) * 8
    Image.fromarray(gray, "L").save(tmp_path / "g.png")
    g = read_image(tmp_path / "g.png")
    assert g.shape == (6, 5, 3) and np.allclose(g[..., 0], gray / 255)
    assert np.all(g[..., 1] == g[..., 0])

    Image.fromarray(_rgb()).convert("P").save(tmp_path / "p.png")
    assert read_image(tmp_path / "p.png").shape == (6, 5, 3)

    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[0, 0, 3] = 255  # opaque red; the rest fully transparent -> white
    Image.fromarray(rgba, "RGBA").save(tmp_path / "t.png")
    t = read_image(tmp_path / "t.png")
    assert np.allclose(t[0, 0], [1, 0, 0]) and np.allclose(t[1, 1], [1, 1, 1])

    deep = (np.arange(30, dtype=np.uint16).reshape(6, 5) * 2000).astype(np.uint16)
    Image.fromarray(deep).save(tmp_path / "d.png")
    d = read_image(tmp_path / "d.png")
    assert np.allclose(d[..., 0], deep / 65535, atol=1e-6)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_image(tmp_path / "nope.png")
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(InputError, match="cannot read"):
        read_image(tmp_path / "junk.png")


def test_mask_nonzero_is_hole_and_validation(tmp_path):
    m = np.zeros((6, 5), np.uint8)
    m[1:3, 2] = 255
    m[4, 4] = 1  # any nonzero value counts
    Image.fromarray(m).save(tmp_path / "m.png")
    mask = read_mask(tmp_path / "m.png")
    assert mask.dtype == bool and mask.sum() == 3
    img = check_image(_rgb())
    assert check_mask(img, mask).sum() == 3
    with pytest.raises(InputError, match="does not match"):
        check_mask(img, np.ones((5, 5), bool))
    with pytest.raises(InputError, match="empty"):
        check_mask(img, np.zeros((6, 5), bool))
    with pytest.raises(InputError, match="whole image"):
        check_mask(img, np.ones((6, 5), bool))


def test_check_image_rejects_bad_arrays():
    assert check_image(_rgb()).max() <= 1.0
    with pytest.raises(InputError):
        check_image(np.zeros((4, 4, 2)))
    with pytest.raises(InputError):
        check_image(np.full((4, 4, 3), 2.0))


def test_save_is_atomic_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "out.png"

    def fail_midway(self, fp, *args, **kwargs):
        with open(fp, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", fail_midway)
    with pytest.raises(OSError):
        save_image(target, np.zeros((4, 4, 3), np.float32))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError, match="unknown image format"):
        save_image(tmp_path / "out.xyz", np.zeros((4, 4, 3), np.float32))


def test_saved_files_get_ordinary_permissions(tmp_path):
    import os

    path = save_image(tmp_path / "p.png", np.zeros((2, 2, 3), np.float32))
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_hole_bbox_is_end_exclusive():
    from nplib.io import hole_bbox

    mask = np.zeros((6, 5), bool)
    mask[1, 2] = mask[3, 4] = True
    assert hole_bbox(mask) == (1, 4, 2, 5)
