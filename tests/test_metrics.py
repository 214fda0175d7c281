"""The paper's metrics: mean L1 / L2 error in percent, PSNR, plus SSIM."""

import numpy as np
import pytest

from nplib.metrics import all_metrics, mean_l1, mean_l2, psnr, ssim


def test_known_values():
    a = np.zeros((4, 4, 3), np.float32)
    b = np.full((4, 4, 3), 0.1, np.float32)
    assert mean_l1(a, b) == pytest.approx(10.0)
    assert mean_l2(a, b) == pytest.approx(1.0)
    assert psnr(a, b) == pytest.approx(20.0)
    assert psnr(a, a) == float("inf")


def test_mask_restricts_to_hole():
    a = np.zeros((4, 4, 3), np.float32)
    b = a.copy()
    b[0, 0] = 0.5
    mask = np.zeros((4, 4), bool)
    mask[0, :2] = True
    assert mean_l1(a, b, mask) == pytest.approx(25.0)
    assert mean_l1(a, b) == pytest.approx(50.0 / 16)
    with pytest.raises(ValueError):
        mean_l1(a, b, np.zeros((4, 4), bool))
    with pytest.raises(ValueError):
        psnr(a, b, np.ones((3, 3), bool))


def test_ssim_identity_and_monotone_in_noise(photo):
    rng = np.random.default_rng(0)
    assert ssim(photo, photo) == pytest.approx(1.0)
    scores = [ssim(photo, np.clip(photo + s * rng.standard_normal(photo.shape), 0, 1))
              for s in (0.02, 0.05, 0.1, 0.2)]
    assert all(x > y for x, y in zip(scores, scores[1:], strict=False))
    mask = np.zeros(photo.shape[:2], bool)
    mask[64:192, 64:192] = True
    m = all_metrics(photo, np.clip(photo + 0.05, 0, 1), mask)
    assert set(m) == {"mean_l1_%", "mean_l2_%", "psnr_db", "ssim"} and m["ssim"] < 1
