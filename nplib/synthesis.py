"""Multi-scale neural patch synthesis: the paper's full high-resolution pipeline
(docs/method.md, "High resolution: the multi-scale stack").

Applied directly to a large hole the texture optimisation does poorly, so it runs
coarse to fine on a pyramid of levels 1..S (level S is the original resolution):

1. level 1: the content network predicts the hole (``x = f(x0)``, docs/method.md,
   "Content network"; where the paper fills the hole of ``x0`` with the mean colour, our
   network fills it with its own smooth pre-fill, :func:`nplib.baselines.pull_push_fill`,
   so the hole's input values are never read), and the joint optimisation
   ``E = E_c + alpha E_t + beta TV`` (docs/method.md, "Two networks, one optimisation") refines
   it with ``E_c`` pulling towards that prediction;
2. level s > 1: the previous level's result, upsampled, initialises the hole and
   is the ``E_c`` reference, so the low frequencies found at the coarse levels
   are kept while the patch term adds the finer texture;
3. known pixels are composited back at every level and at the end.

Cost scales with the hole, not the image: everything runs on a window around the
holes' bounding box with enough context for the source patches, so a small hole
in a 4000x3000 photo costs what it costs in a 512x512 one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from nplib import pyramid
from nplib.baselines import diffusion_fill, mean_fill
from nplib.content import DEFAULT_MODEL, content_inpaint
from nplib.device import pick_device
from nplib.holes import check_window, hole_bbox, texture_window
from nplib.io import MIN_SOURCE_SIDE, InputError
from nplib.neural_patch import (
    MAX_WINDOW_PIXELS,
    PAPER_LAYERS,
    TextureSettings,
    check_context,
    optimise,
)
from nplib.patchmatch import inpaint_patchmatch
from nplib.pyramid import resize_image, resize_mask
from nplib.solve import SolveSettings

#: Side of the hole at the coarsest level: the content network's hole size in the
#: paper's configuration (a 64x64 hole in a 128x128 input).
COARSEST_HOLE = 64

#: The ``fast`` schedule's values below were chosen on the 9 held-out 512x512 photos with the
#: 256x256 centre hole, by hole LPIPS against seconds: benchmarks/README.md, "The speed ladder
#: at a CPU's price (issue 30)", which also measures every value named here.

#: L-BFGS iterations per level, coarsest first; levels beyond the list use the last. Level 1
#: decides the structure on a quarter-size window, where an iteration is cheap, so it gets
#: the most; fewer at the finer levels leave their upsampled start blurry.
ITERS = (100, 40, 12)

#: Matches are recomputed every this many iterations: once per level leaves the texture
#: blurry (the matches must follow the fill away from its smooth start); every iteration
#: costs a VGG pass more each time and measured worse.
REMATCH_EVERY = 10

#: Context (pixels) around the hole at the finer levels. Level 1 takes sources from a wide
#: margin (half the hole's side) to find the structure; the finer levels only refine texture,
#: so a narrow ring keeps VGG's cost close to the hole's own size and the sources near it.
FINE_MARGIN = 16

#: VGG layers of the patch term at level 1, where the hole is 64 px and the structure is
#: decided: the paper's relu3_1 and relu4_1 (docs/method.md, "The neural patch loss, made
#: differentiable"). A relu4_1 patch spans most of that hole; the paper's table crops (one
#: level) fill worse without it.
COARSE_LAYERS = PAPER_LAYERS

#: VGG layers at the finer levels, which only refine texture: relu3_1 alone fills as well at
#: half the cost of a VGG pass (relu4_1 needs the three 256-channel convolutions after it).
FINE_LAYERS = ("relu3_1",)


@dataclass(frozen=True)
class Schedule:
    """How :func:`synthesize` spends its work on each level
    (docs/method.md, "Schedules: fast and paper").

    The solve at each level (:meth:`solve`): ``iters`` L-BFGS iterations per level, coarsest
    first (levels beyond the list use the last), matches recomputed every ``rematch_every``
    iterations (0: once per level), with ``optimizer``. The energy's per-level fields
    (:meth:`texture`), each used where the caller's
    :class:`~nplib.neural_patch.TextureSettings` leaves it None: ``coarse_layers`` and
    ``layers``, the patch term's VGG layers at level 1 and above; ``fine_margin``, the
    context at levels > 1 (None: as wide as at level 1); ``precision`` and ``query_reach``.
    """

    iters: tuple[int, ...] = ITERS
    rematch_every: int = REMATCH_EVERY
    optimizer: str = "lbfgs"
    fine_margin: int | None = FINE_MARGIN
    coarse_layers: tuple[str, ...] = COARSE_LAYERS
    layers: tuple[str, ...] = FINE_LAYERS
    precision: str = "float32"
    query_reach: bool = False

    def level_iters(self, levels: int) -> list[int]:
        """Iterations at each of ``levels`` levels, coarsest first."""
        return [self.iters[min(i, len(self.iters) - 1)] for i in range(levels)]

    def solve(self, s: int) -> SolveSettings:
        """How level ``s`` (0 is the coarsest) is solved."""
        return SolveSettings(
            iters=self.level_iters(s + 1)[s], rematch_every=self.rematch_every,
            optimizer=self.optimizer,
        )  # fmt: skip

    def texture(self, s: int, texture: TextureSettings) -> TextureSettings:
        """``texture`` at level ``s``, its fields left None set by this schedule."""
        return texture.resolve(
            layers=self.coarse_layers if s == 0 else self.layers,
            margin=None if s == 0 else self.fine_margin,
            precision=self.precision, query_reach=self.query_reach,
        )  # fmt: skip


#: The named schedules of ``synthesize(..., schedule=...)`` and ``nplib inpaint --schedule``.
#: ``fast`` is the defaults above with the authors' fixed-step L-BFGS (one VGG pass an
#: iteration), queries within reach of the hole (docs/method.md, "The texture stage the
#: authors ran") and VGG in bfloat16 where the device runs it natively: the CPU's default,
#: priced in benchmarks/README.md, "The speed ladder at a CPU's price (issue 30)". ``paper``
#: is the authors' schedule (docs/method.md, "High resolution: the multi-scale stack"): 100 L-BFGS
#: iterations at every level, the paper's two layers at every level, the wide context
#: everywhere; matches every 10 iterations (the authors' fast code matches once per level,
#: which measured blurrier); cheap on a GPU, minutes a photo on a CPU (benchmarks/README.md).
SCHEDULES: dict[str, Schedule] = {
    "fast": Schedule(optimizer="lbfgs-fixed", precision="auto", query_reach=True),
    "paper": Schedule(iters=(100,), fine_margin=None, layers=PAPER_LAYERS),
}


def pick_schedule(schedule: Schedule | str | None, device: torch.device) -> Schedule:
    """A :class:`Schedule`, a name in :data:`SCHEDULES`, or None: ``paper`` on CUDA, where it
    is cheap, and ``fast`` elsewhere. An unknown name is an :class:`InputError`."""
    if isinstance(schedule, Schedule):
        return schedule
    if schedule is None:
        schedule = "paper" if device.type == "cuda" else "fast"
    if schedule not in SCHEDULES:
        raise InputError(f"unknown schedule {schedule!r}: use {' or '.join(SCHEDULES)}")
    return SCHEDULES[schedule]


@dataclass
class Level:
    """One level of the pyramid, as the notebook shows it."""

    size: tuple[int, int]  # (height, width) of the window at this level
    start: np.ndarray  # the window at this level, hole initialised
    result: np.ndarray  # the window after the texture optimisation
    history: list[dict[str, float]]  # energy terms per iteration
    seconds: float


def num_levels(mask: np.ndarray, coarsest_hole: int = COARSEST_HOLE) -> int:
    """Levels needed so that the hole's longer side is at most ``coarsest_hole`` at level 1."""
    top, bottom, left, right = hole_bbox(mask)
    side = max(bottom - top, right - left)
    return 1 + max(0, math.ceil(math.log2(side / coarsest_hole)))


def level_sizes(mask: np.ndarray, levels: int | None = None) -> list[tuple[int, int]]:
    """(height, width) of the window at every level, coarsest first, as :func:`synthesize`
    uses them: the window around the holes (:func:`nplib.holes.texture_window`) halved
    ``levels - 1`` times (``levels`` defaults to :func:`num_levels` of the window)."""
    rows, cols = texture_window(mask)
    h, w = rows.stop - rows.start, cols.stop - cols.start
    return pyramid.level_sizes((h, w), levels or num_levels(mask[rows, cols]))


#: Starts of level 1 other than a content-network checkpoint: the ablations of figure 2
#: and the table ("mean", the paper's no-network start; "diffusion", a smooth-fill control)
#: and "patchmatch", a start of sharp copied patches whose seams the patch term repairs
#: (benchmarks/README.md, "Quality settings and starts of level 1"). The paper's pipeline
#: starts from the network.
STARTS = ("mean", "diffusion", "patchmatch")


def level_sources(sources: Sequence[np.ndarray], scale: float) -> list[np.ndarray]:
    """``sources`` resized by ``scale`` (a level's size over the image's); those that would
    be smaller than :data:`nplib.io.MIN_SOURCE_SIDE` on a side are left out at this level."""
    out = []
    for src in sources:
        size = (round(src.shape[0] * scale), round(src.shape[1] * scale))
        if min(size) >= MIN_SOURCE_SIDE:
            out.append(src if size == src.shape[:2] else resize_image(src, size))
    return out


def _coarse_start(
    image: np.ndarray,
    mask: np.ndarray,
    start: str | np.ndarray,
    device,
    sources: Sequence[np.ndarray],
) -> np.ndarray:
    if isinstance(start, np.ndarray):  # the caller's own fill of the window, resized
        return np.where(mask[..., None], resize_image(start, image.shape[:2]), image)
    if start == "mean":
        return mean_fill(image, mask)
    if start == "diffusion":
        return diffusion_fill(image, mask)
    if start == "patchmatch":  # copies from the source photos too, when there are any
        return inpaint_patchmatch(image, mask, seed=0, sources=sources)
    # the network replaces the hole by its own smooth pre-fill: no mean-colour fill first
    return content_inpaint(image, mask, model=start, device=device)


def synthesize(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    start: str | np.ndarray = DEFAULT_MODEL,
    levels: int | None = None,
    schedule: Schedule | str | None = None,
    texture: TextureSettings | None = None,
    sources: Sequence[np.ndarray] = (),
    device: str | torch.device | None = None,
    progress: bool = True,
) -> tuple[np.ndarray, list[Level]]:
    """Fill ``mask``'s holes in ``image`` coarse to fine; return the image and every level.

    ``start`` is how level 1's hole begins: a content-network checkpoint name (the
    paper), one of :data:`STARTS`, or an array of ``image``'s shape whose hole holds your
    own prediction (another network's, or :func:`nplib.baselines.oracle_fill`), resized to
    level 1. ``levels`` defaults to :func:`num_levels`.
    ``schedule`` is a :class:`Schedule` or a name in :data:`SCHEDULES` (None: ``paper`` on
    CUDA, ``fast`` elsewhere, :func:`pick_schedule`): the iterations and optimiser of each
    level. ``texture`` holds the energy's weights, layers and patches
    (:class:`nplib.neural_patch.TextureSettings`; None: the defaults); the fields it leaves
    None the schedule sets per level (:meth:`Schedule.texture`).
    ``sources``: other photos of the scene whose patches join the image's own as
    candidates at every level, each resized by the level's scale so that a patch covers
    the same part of the world in both (:func:`level_sources`; docs/method.md,
    "Patches from other photos").

    Checked first, before any network is loaded: the window around the holes is at most
    :data:`MAX_WINDOW_PIXELS` (:data:`nplib.neural_patch.MAX_WINDOW_PIXELS`, 4 megapixels)
    and every level has what the texture optimisation needs
    (:func:`nplib.neural_patch.check_context`).
    """
    dev = pick_device(device)
    plan = pick_schedule(schedule, dev)
    rows, cols = texture_window(mask)
    check_window(rows, cols, MAX_WINDOW_PIXELS)
    win, win_mask = image[rows, cols], mask[rows, cols]
    if isinstance(start, np.ndarray):
        if start.shape != image.shape:
            raise InputError(f"start has shape {start.shape}, the image {image.shape}")
        start = start[rows, cols]
    sizes = level_sizes(mask, levels)
    n = len(sizes)
    masks = [resize_mask(win_mask, size) for size in sizes]
    textures = [plan.texture(s, texture or TextureSettings()) for s in range(n)]
    for s, mask_s in enumerate(masks):
        check_context(mask_s, textures[s], method="full", scale=2 ** (n - 1 - s))

    stages: list[Level] = []
    previous = None
    bar = tqdm(range(n), desc="levels", disable=not progress)
    for s in bar:
        t0 = time.perf_counter()
        size = sizes[s]
        img_s, mask_s = resize_image(win, size), masks[s]
        sources_s = level_sources(sources, size[0] / win.shape[0])
        if previous is None:
            start_s = first = _coarse_start(img_s, mask_s, start, dev, sources_s)
        else:
            start_s = np.where(mask_s[..., None], resize_image(previous, size), img_s)
        reference = start_s  # of E_c; E_c on VGG features is the authors' form: towards level 1
        if textures[s].content_layer is not None:
            reference = np.where(mask_s[..., None], resize_image(first, size), img_s)
        bar.set_description(f"level {s + 1}/{n} ({size[1]}x{size[0]})")
        result, history = optimise(
            img_s, mask_s, start_s, reference, textures[s], plan.solve(s), sources=sources_s,
            device=dev, progress=progress,
        )  # fmt: skip
        stages.append(Level(size, start_s, result, history, time.perf_counter() - t0))
        previous = result
    out = image.copy()
    out[rows, cols] = np.where(win_mask[..., None], previous, win)
    return out, stages
