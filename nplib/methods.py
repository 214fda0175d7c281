"""One entry point for every inpainting method: ``nplib.inpaint(image, mask, method=...)``.

Each method is a function ``fill(image, mask, *, seed, device, progress, **options)`` that
takes a float32 (H, W, 3) image in [0, 1] and a bool (H, W) mask (True = hole), and the
options its :class:`Method` entry lists, and returns an image of the same shape.
:func:`inpaint` validates the input, calls the method and composites the known pixels
back, so they are bit-identical to the input whatever the method does. A method checks
first what it needs of the image and the mask (its smallest image and known area, see
each one's docstring) and refuses anything less with a one-line
:class:`~nplib.io.InputError`, before the heavy work.

Randomness is local: a method draws from generators seeded by ``seed`` (PatchMatch's),
and the caller's global Python, numpy and torch random states are left as they were.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import torch

from nplib.baselines import diffusion_fill, mean_fill
from nplib.content import DEFAULT_MODEL, content_inpaint
from nplib.device import pick_device
from nplib.io import InputError, check_image, check_mask, check_source_photos
from nplib.neural_patch import TextureSettings, texture_inpaint
from nplib.patchmatch import inpaint_patchmatch
from nplib.solve import SolveSettings
from nplib.synthesis import Schedule, synthesize


def _mean(
    image: np.ndarray, mask: np.ndarray, *, seed: int, device: torch.device, progress: bool
) -> np.ndarray:
    return mean_fill(image, mask)


def _diffusion(
    image: np.ndarray, mask: np.ndarray, *, seed: int, device: torch.device, progress: bool
) -> np.ndarray:
    return diffusion_fill(image, mask, device=device)


def _patchmatch(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    seed: int,
    device: torch.device,
    progress: bool,
    sources: Sequence[np.ndarray] = (),
) -> np.ndarray:
    return inpaint_patchmatch(image, mask, seed=seed, sources=sources)


def _texture(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    seed: int,
    device: torch.device,
    progress: bool,
    texture: TextureSettings = TextureSettings(),
    solve: SolveSettings = SolveSettings(),
    sources: Sequence[np.ndarray] = (),
) -> np.ndarray:
    return texture_inpaint(
        image, mask, texture=texture, solve=solve, sources=sources, seed=seed, device=device,
        progress=progress,
    )  # fmt: skip


def _content(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    seed: int,
    device: torch.device,
    progress: bool,
    model: str = DEFAULT_MODEL,
) -> np.ndarray:
    return content_inpaint(image, mask, model=model, seed=seed, device=device)


def _full(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    seed: int,
    device: torch.device,
    progress: bool,
    schedule: Schedule | str | None = None,
    start: str | np.ndarray = DEFAULT_MODEL,
    texture: TextureSettings | None = None,
    sources: Sequence[np.ndarray] = (),
) -> np.ndarray:
    out, _ = synthesize(
        image, mask, start=start, schedule=schedule, texture=texture, sources=sources,
        device=device, progress=progress,
    )  # fmt: skip
    return out


class Method(NamedTuple):
    """One entry of :data:`METHODS`: its function, a one-line description, and the keyword
    options :func:`inpaint` passes on to it."""

    fill: Callable[..., np.ndarray]
    description: str
    options: tuple[str, ...] = ()


#: name -> :class:`Method`. Options: ``model`` a content-network checkpoint name;
#: ``texture`` a :class:`nplib.neural_patch.TextureSettings` (the energy); ``solve`` a
#: :class:`nplib.solve.SolveSettings` (iterations and optimiser at one scale); ``schedule``
#: a :class:`nplib.synthesis.Schedule` or a name of :data:`nplib.synthesis.SCHEDULES`
#: (None: "paper" on CUDA, "fast" elsewhere); ``start`` how the stack's level 1 begins (a
#: checkpoint name, one of :data:`nplib.synthesis.STARTS`, or an array:
#: :func:`nplib.synthesis.synthesize`);
#: ``sources`` other photos of the scene whose patches join the image's own
#: (docs/method.md, "Patches from other photos"; checked by
#: :func:`nplib.io.check_source_photos`).
METHODS: dict[str, Method] = {
    "mean": Method(_mean, "fill the hole with the mean colour of the known pixels"),
    "diffusion": Method(_diffusion, "smooth membrane fill: solve Laplace's equation in the hole"),
    "patchmatch": Method(
        _patchmatch, "PatchMatch patch synthesis (Barnes 2009, Wexler 2007)", ("sources",)
    ),
    "texture": Method(
        _texture, "neural patch optimisation at one scale, from a diffusion fill",
        ("texture", "solve", "sources"),
    ),  # fmt: skip
    "content": Method(
        _content, "the content network alone (context encoder, L2 + adversarial)", ("model",)
    ),
    "full": Method(
        _full, "the paper: content network, then multi-scale neural patch synthesis",
        ("schedule", "start", "texture", "sources"),
    ),  # fmt: skip
}

#: The method used when none is named: the best one available.
DEFAULT_METHOD = "full"


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch so that a script is repeatable (:func:`inpaint` needs
    none of it and leaves the global random states alone)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def composite(image: np.ndarray, fill: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Known pixels from ``image``, hole pixels from ``fill`` (docs/method.md,
    "Two networks, one optimisation", point 4)."""
    return np.where(mask[..., None], fill, image).astype(np.float32, copy=False)


def inpaint(
    image: np.ndarray,
    mask: np.ndarray,
    method: str | None = None,
    *,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
    **options,
) -> np.ndarray:
    """Fill the hole of ``image`` marked by ``mask`` with ``method`` (see :data:`METHODS`).

    Returns a float32 (H, W, 3) image whose known pixels equal the input's exactly; the
    same ``seed`` gives the same result. ``device`` is checked by
    :func:`nplib.device.pick_device`; ``progress`` shows the progress bars of the methods that
have them (``texture``, ``full``). ``options`` go to the method, each to the methods
    that list it (:data:`METHODS`), for example ``inpaint(image, mask, "full",
    schedule="paper")``, ``inpaint(image, mask, "content", model="classroom-l2")`` or
    ``inpaint(image, mask, "patchmatch", sources=[other_photo])``; an option given as None
    is left out. Raises :class:`nplib.io.InputError` on bad input.
    """
    method = DEFAULT_METHOD if method is None else method
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; available: {', '.join(METHODS)}")
    options = {key: value for key, value in options.items() if value is not None}
    for key in options:
        if key not in METHODS[method].options:
            takers = [name for name, m in METHODS.items() if key in m.options]
            where = f"{', '.join(takers)} only" if takers else "no method"
            raise InputError(f"{key} applies to {where}, not {method}")
    image = check_image(image)
    mask = check_mask(image, mask)
    if "sources" in options:
        options["sources"] = check_source_photos(options["sources"])
    dev = pick_device(device)
    # building a network draws from torch's global generator: restore it afterwards
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        fill = METHODS[method].fill(
            image, mask, seed=seed, device=dev, progress=progress, **options
        )
    if fill.shape != image.shape:
        raise RuntimeError(f"method {method} returned shape {fill.shape}, expected {image.shape}")
    return composite(image, np.clip(fill, 0.0, 1.0), mask)
