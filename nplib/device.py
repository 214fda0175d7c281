"""Choosing where tensors live: CUDA when present, the CPU otherwise."""

from __future__ import annotations

import torch

from nplib.io import InputError


def pick_device(name: str | None = None) -> torch.device:
    """Return ``torch.device`` for ``name`` ('cpu', 'cuda', 'cuda:1'); None or 'auto' picks CUDA
    when available, else the CPU. Asking for CUDA where there is none is an :class:`InputError`."""
    if name in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except (RuntimeError, TypeError):
        raise InputError(f"unknown device {name!r}: use cpu, cuda or auto") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError("device cuda requested but no CUDA GPU is available")
    if dev.type not in ("cpu", "cuda"):
        raise InputError(f"unsupported device {name!r}: use cpu, cuda or auto")
    return dev
