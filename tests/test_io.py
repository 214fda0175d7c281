"""Reading any image into one convention, reading and validating masks, atomic saving."""

import numpy as np
import pytest
from PIL import Image
from realworld import png_header, save_with_orientation

from nplib.io import (
    MAX_IMAGE_PIXELS,
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


def test_mask_half_bright_is_hole_and_validation(tmp_path):
    m = np.zeros((6, 5), np.uint8)
    m[1:3, 2] = 255
    m[4, 4] = 128  # half-bright counts
    m[0, 0] = 127  # darker does not
    Image.fromarray(m).save(tmp_path / "m.png")
    mask = read_mask(tmp_path / "m.png")
    assert mask.dtype == bool and mask.sum() == 3 and not mask[0, 0]
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


# ----------------------------------------------------------------------------- real-world files


def test_exif_orientation_is_applied_to_images_and_masks(tmp_path):
    stored = _rgb(96, 128)  # 128 wide, 96 tall as stored; shown 96 wide, 128 tall
    save_with_orientation(tmp_path / "phone.jpg", stored, 6)
    raw = np.asarray(Image.open(tmp_path / "phone.jpg").convert("RGB"))
    img = read_image(tmp_path / "phone.jpg")
    assert img.shape == (128, 96, 3)
    assert np.array_equal(to_uint8(img), np.rot90(raw, k=-1))  # turned as viewers show it
    drawn = np.zeros((128, 96), np.uint8)  # a mask drawn on the photo as displayed
    drawn[10:20, 60:90] = 255
    Image.fromarray(drawn).save(tmp_path / "mask.png")
    assert check_mask(img, read_mask(tmp_path / "mask.png")).sum() == 300
    save_with_orientation(tmp_path / "mask.jpg", np.rot90(drawn, k=1).copy(), 6)
    assert np.array_equal(read_mask(tmp_path / "mask.jpg"), drawn > 0)


def test_too_large_files_are_refused_with_their_size_and_the_limit(tmp_path):
    assert MAX_IMAGE_PIXELS == 8192 * 8192
    png_header(tmp_path / "bomb.png", 20000, 20000)  # over Pillow's own bomb limit
    png_header(tmp_path / "warn.png", 10000, 10000)  # Pillow would only warn
    png_header(tmp_path / "big.png", 9000, 9000)  # over ours only
    with pytest.raises(InputError, match=r"400 megapixels, over the limit of 8192x8192"):
        read_image(tmp_path / "bomb.png")
    with pytest.raises(InputError, match=r"is 10000x10000 \(100 megapixels\), over the limit"):
        read_image(tmp_path / "warn.png")
    with pytest.raises(InputError, match=r"is 9000x9000 \(81 megapixels\)"):
        read_mask(tmp_path / "big.png")
    with pytest.raises(InputError, match="over the limit"):
        check_image(np.broadcast_to(np.zeros(3, np.uint8), (8193, 8192, 3)))


def test_deep_images_are_scaled_by_their_depth_not_their_content(tmp_path):
    dim = np.array([[1000, 2000]], np.int32)
    for name, arr in {"dim": dim, "bright": dim * 1000000}.items():
        Image.fromarray(arr).save(tmp_path / f"{name}.tif")  # 32-bit signed TIFF, mode I
        assert Image.open(tmp_path / f"{name}.tif").mode == "I"
        assert np.allclose(read_image(tmp_path / f"{name}.tif")[0, :, 0], arr[0] / (2**31 - 1))
    for top in (0.5, 1.0):  # float TIFF, mode F: taken as [0, 1], clipped
        Image.fromarray(np.array([[0.25, top, 2.0]], np.float32)).save(tmp_path / "f.tif")
        assert np.allclose(read_image(tmp_path / "f.tif")[0, :, 1], [0.25, top, 1.0])
    # a 16-bit PGM opens as mode I with 16-bit samples
    (tmp_path / "g.pgm").write_bytes(b"P5 2 1 65535\n" + np.array([32768, 65535], ">u2").tobytes())
    assert Image.open(tmp_path / "g.pgm").mode == "I"
    assert np.allclose(read_image(tmp_path / "g.pgm")[0, :, 2], [32768 / 65535, 1.0])
    Image.fromarray(np.array([[0.5, np.nan]], np.float32)).save(tmp_path / "nan.tif")
    with pytest.raises(InputError, match="NaN"):
        read_image(tmp_path / "nan.tif")


def test_masks_are_thresholded_at_half_range(tmp_path):
    truth = np.zeros((64, 64), bool)
    truth[13:41, 21:45] = True  # edges off JPEG's 8x8 blocks: ringing around them
    Image.fromarray(truth.astype(np.uint8) * 255).save(tmp_path / "m.jpg", quality=75)
    noisy = np.asarray(Image.open(tmp_path / "m.jpg"))
    assert (noisy > 0).sum() > truth.sum()  # "any nonzero" would grow the hole
    assert np.array_equal(read_mask(tmp_path / "m.jpg"), truth)
    deep = np.array([[32767, 32768, 65535]], np.uint16)  # 16-bit: half of 65535
    Image.fromarray(deep).save(tmp_path / "m16.png")
    assert read_mask(tmp_path / "m16.png").tolist() == [[False, True, True]]
    Image.fromarray(np.array([[0.49, 0.5]], np.float32)).save(tmp_path / "mf.tif")
    assert read_mask(tmp_path / "mf.tif").tolist() == [[False, True]]


def test_unreadable_files_are_one_line_errors(tmp_path):
    Image.fromarray(_rgb(64, 64)).save(tmp_path / "ok.png")
    data = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not a photo\nat all\n")
    for name in ("cut.png", "empty.png", "text.jpg"):
        with pytest.raises(InputError, match="cannot read image") as err:
            read_image(tmp_path / name)
        assert "\n" not in str(err.value)
