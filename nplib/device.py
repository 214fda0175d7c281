"""Choosing where tensors live: the one device policy of nplib.

``auto`` (or None) is CUDA when present, the CPU otherwise. Asking for a device that is
not there (``cuda`` without a GPU, ``cuda:3`` on a one-GPU machine, ``mps`` off Apple
silicon) is a one-line :class:`~nplib.io.InputError`, whether it is named by a string or
passed as a ``torch.device``. Apple's ``mps`` is used when asked for, never picked by
``auto``: the methods are tested on the CPU and CUDA only. :func:`has_fast_bfloat16` says
whether a device runs bfloat16 natively (the texture stage's ``precision="auto"``).
:func:`image_to_tensor` and :func:`tensor_to_image` move an image between numpy's (H, W, C)
and torch's (1, C, H, W), the one copy of that conversion.

:func:`usage` reports what a run cost so far (wall time, peak memory), the line the
notebooks print at their end.
"""

from __future__ import annotations

import sys
import time

import torch

try:  # POSIX only; without it usage() reports no process memory
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None

import numpy as np

from nplib.io import InputError


def image_to_tensor(
    image: np.ndarray, device: torch.device | str | None = None, dtype: type | None = None
) -> torch.Tensor:
    """An (H, W, C) or (H, W) numpy image as a (1, C, H, W) tensor on ``device`` (C = 1 for
    (H, W)): a permuted view of a C-contiguous copy, in ``dtype`` (None: the image's)."""
    a = np.ascontiguousarray(image, dtype=dtype)
    t = torch.from_numpy(a)
    return (t.permute(2, 0, 1) if a.ndim == 3 else t[None])[None].to(device)


def tensor_to_image(t: torch.Tensor) -> np.ndarray:
    """The first image of a (N, C, H, W) tensor as an (H, W, C) numpy array, on the CPU."""
    return t[0].permute(1, 2, 0).detach().cpu().numpy()


def pick_device(name: str | torch.device | None = None) -> torch.device:
    """Return the ``torch.device`` for ``name`` ('cpu', 'cuda', 'cuda:1', 'mps', 'auto', None,
    or a ``torch.device``), checking that it exists; otherwise an :class:`InputError`."""
    if name is None or name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except (RuntimeError, TypeError):
        raise InputError(f"unknown device {name!r}: use cpu, cuda, mps or auto") from None
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise InputError(f"device {dev} requested but no CUDA GPU is available")
        if dev.index is not None and dev.index >= count:
            raise InputError(f"device {dev} requested but only {count} CUDA GPU(s) exist")
    elif dev.type == "mps":
        if not torch.backends.mps.is_available():
            raise InputError("device mps requested but Apple's MPS is not available here")
    elif dev.type != "cpu":
        raise InputError(f"unsupported device {str(dev)!r}: use cpu, cuda, mps or auto")
    return dev


def has_fast_bfloat16(device: torch.device) -> bool:
    """Whether ``device`` runs bfloat16 convolutions natively: a CUDA GPU that supports
    bfloat16, or a CPU with AVX-512 BF16 or AMX instructions. Elsewhere torch emulates them,
    many times slower than float32."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    return False


def peak_rss_bytes() -> int | None:
    """Peak resident set size of this process so far, in bytes (``getrusage``'s
    ``ru_maxrss``: kilobytes on Linux, bytes on macOS); None where ``resource`` is missing."""
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def usage(t0: float) -> str:
    """One line with what this process has cost so far, for the end of a notebook or script.

    ``t0`` is a :func:`time.perf_counter` reading taken at the start. The line gives the
    wall time since ``t0``, the peak resident memory of the process (:func:`peak_rss_bytes`)
    and, when CUDA is available, the peak memory torch allocated on the current GPU
    (``torch.cuda.max_memory_allocated``), in GB of 10^9 bytes, e.g.
    ``"wall time 42.1 s, peak memory 1.23 GB (process RSS), CUDA peak 0.00 GB"``.
    """
    line = f"wall time {time.perf_counter() - t0:.1f} s, "
    peak = peak_rss_bytes()
    line += "peak memory n/a" if peak is None else f"peak memory {peak / 1e9:.2f} GB (process RSS)"
    if torch.cuda.is_available():
        line += f", CUDA peak {torch.cuda.max_memory_allocated() / 1e9:.2f} GB"
    return line
