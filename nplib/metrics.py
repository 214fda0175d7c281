"""Image-quality metrics used in the paper's Table 1 (docs/method.md, "What the paper shows"),
plus SSIM.

All functions take two float images in [0, 1] of shape (H, W, 3) and an optional
bool ``mask`` of shape (H, W). With a mask, only the hole's pixels count (the
paper's protocol: errors on the 64x64 centre hole); without one, the whole image.

- mean L1 error: ``mean |a - b|``, reported in percent of the [0, 1] range;
- mean L2 error: ``mean (a - b)^2``, in percent (Context Encoders' "mean L2 loss");
- PSNR: ``10 log10(1 / mean (a - b)^2)`` in dB;
- SSIM: Wang et al. 2004, Gaussian window (sigma 1.5), on luma, averaged over the
  hole's pixels (the SSIM map is computed on the whole image, so windows near the
  hole's edge see their known neighbours).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def _pair(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    if mask is None:
        return a.reshape(-1), b.reshape(-1)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != a.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} does not match image shape {a.shape[:2]}")
    if not mask.any():
        raise ValueError("mask selects no pixel")
    return a[mask].reshape(-1), b[mask].reshape(-1)


def mean_l1(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean absolute error in percent of the [0, 1] range."""
    x, y = _pair(a, b, mask)
    return float(np.abs(x - y).mean() * 100.0)


def mean_l2(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean squared error in percent (of the squared [0, 1] range)."""
    x, y = _pair(a, b, mask)
    return float(((x - y) ** 2).mean() * 100.0)


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio in dB for a peak value of 1 (inf for identical inputs)."""
    x, y = _pair(a, b, mask)
    mse = float(((x - y) ** 2).mean())
    return float("inf") if mse == 0.0 else float(10.0 * np.log10(1.0 / mse))


def _luma(img: np.ndarray) -> torch.Tensor:
    img = np.asarray(img, dtype=np.float64)
    y = img @ np.array([0.299, 0.587, 0.114]) if img.ndim == 3 else img
    return torch.from_numpy(y)[None, None]


def _gauss_blur(x: torch.Tensor, sigma: float = 1.5, radius: int = 5) -> torch.Tensor:
    t = torch.arange(-radius, radius + 1, dtype=x.dtype)
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    x = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, g.view(1, 1, 1, -1))
    return F.conv2d(x, g.view(1, 1, -1, 1))


def ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Structural similarity (Wang et al. 2004) on luma, averaged over the mask."""
    if np.shape(a) != np.shape(b):
        raise ValueError(f"images differ in shape: {np.shape(a)} vs {np.shape(b)}")
    x, y = _luma(a), _luma(b)
    c1, c2 = 0.01**2, 0.03**2
    mx, my = _gauss_blur(x), _gauss_blur(y)
    vx = _gauss_blur(x * x) - mx**2
    vy = _gauss_blur(y * y) - my**2
    cxy = _gauss_blur(x * y) - mx * my
    smap = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    smap = smap[0, 0].numpy()
    if mask is None:
        return float(smap.mean())
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != smap.shape or not mask.any():
        raise ValueError("mask must match the image size and select at least one pixel")
    return float(smap[mask].mean())


def all_metrics(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> dict:
    """The paper's three numbers plus SSIM, as a dict."""
    return {
        "mean_l1_%": mean_l1(a, b, mask),
        "mean_l2_%": mean_l2(a, b, mask),
        "psnr_db": psnr(a, b, mask),
        "ssim": ssim(a, b, mask),
    }
