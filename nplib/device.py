"""Choosing where tensors live: the one device policy of nplib.

``auto`` (or None) is CUDA when present, the CPU otherwise. Asking for a device that is
not there (``cuda`` without a GPU, ``cuda:3`` on a one-GPU machine, ``mps`` off Apple
silicon) is a one-line :class:`~nplib.io.InputError`, whether it is named by a string or
passed as a ``torch.device``. Apple's ``mps`` is used when asked for, never picked by
``auto``: the methods are tested on the CPU and CUDA only.
"""

from __future__ import annotations

import torch

from nplib.io import InputError


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
