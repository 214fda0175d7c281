"""One optimisation loop for every energy of matched patches (docs/method.md, "The neural
patch loss, made differentiable", "One loop").

The texture stage (:class:`nplib.neural_patch.HoleEnergy`) and harmonisation
(:class:`nplib.harmonisation.ObjectEnergy`) minimise energies of the same shape. Nearest
source patches are found for the current image and held fixed (``rematch``); with those
matches the energy is a differentiable function of the free pixels ``z`` (``__call__``).
:func:`minimise` alternates the two: match, then a few optimiser iterations, then match
again. New matches change the energy, so each rematch starts a fresh optimiser.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import torch
from tqdm.auto import tqdm


@dataclass(frozen=True)
class SolveSettings:
    """How :func:`minimise` runs; each field is documented once here."""

    iters: int = 30  # optimiser iterations
    rematch_every: int = 0  # recompute the matches every this many iterations (0: once)
    optimizer: str = "lbfgs"  # "lbfgs", "lbfgs-fixed" or "adam" (see make_optimizer)
    lr: float = 0.01  # Adam's learning rate


class MatchedEnergy(Protocol):
    """What :func:`minimise` needs of an energy."""

    passes: int  # network passes of __call__ so far

    def rematch(self, z: torch.Tensor) -> None:
        """Find the nearest sources of the image at ``z`` and hold them fixed."""

    def __call__(self, z: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """The energy at ``z`` with the current matches, and its terms as floats."""


def make_optimizer(z: torch.Tensor, solve: SolveSettings) -> torch.optim.Optimizer:
    """L-BFGS with history 25 (the authors'), or Adam.

    ``"lbfgs"``: with a strong-Wolfe line search, up to 20 evaluations an iteration (ours);
    ``"lbfgs-fixed"``: the authors' (myoptimizer.lua), no line search and step 1 (the
    first step scaled by 1 / |g|_1), one VGG pass an iteration.
    """
    if solve.optimizer == "adam":
        return torch.optim.Adam([z], lr=solve.lr)
    if solve.optimizer == "lbfgs-fixed":
        return torch.optim.LBFGS(
            [z], lr=1.0, max_iter=1, history_size=25, line_search_fn=None,
            tolerance_grad=0.0, tolerance_change=0.0,
        )  # fmt: skip
    if solve.optimizer == "lbfgs":
        # one iteration per step() call; max_eval bounds the line search, whose torch
        # default (max_iter * 5 // 4 = 1) would starve it and never move
        return torch.optim.LBFGS(
            [z], max_iter=1, max_eval=20, history_size=25, line_search_fn="strong_wolfe",
            tolerance_grad=0.0, tolerance_change=0.0,
        )  # fmt: skip
    raise ValueError(f"unknown optimizer {solve.optimizer!r}: use lbfgs, lbfgs-fixed or adam")


def minimise(
    energy: MatchedEnergy,
    z: torch.Tensor,
    solve: SolveSettings,
    *,
    progress: bool = True,
    desc: str = "optimise",
) -> tuple[torch.Tensor, list[dict[str, float]]]:
    """Minimise ``energy`` over ``z`` from its given value: ``solve.iters`` optimiser
    iterations, the matches computed at the start and again every ``solve.rematch_every``
    iterations (0: never again), each time with a fresh optimiser.

    Returns the final ``z`` (detached) and the terms per iteration: ``history[k]`` holds
    what ``energy`` reports, the seconds elapsed ("time") and the energy's passes
    ("passes") before iteration k, and ``history[iters]`` after the last one.
    """
    t0 = time.perf_counter()
    z = z.detach().clone().requires_grad_(True)
    last: dict = {}  # the latest evaluation: z, its gradient, E and the terms

    def closure() -> torch.Tensor:
        # step() first evaluates the current iterate, which is usually where the line
        # search ended: reuse that evaluation instead of running the network again
        if "z" in last and torch.equal(last["z"], z):
            z.grad = last["grad"].clone()
            return last["e"]
        opt.zero_grad()
        e, vals = energy(z)
        e.backward()
        vals["time"] = time.perf_counter() - t0
        vals["passes"] = energy.passes
        last.update(z=z.detach().clone(), grad=z.grad.clone(), e=e.detach(), vals=vals)
        return e

    def restart() -> torch.optim.Optimizer:  # new matches: the optimiser's history is stale
        energy.rematch(z)
        last.clear()
        return make_optimizer(z, solve)

    history: list[dict[str, float]] = []
    every, opt = solve.rematch_every, restart()
    bar = tqdm(range(solve.iters), disable=not progress, desc=desc, leave=False)
    for k in bar:
        if every and k and k % every == 0:
            opt = restart()
        closure()
        history.append(last["vals"])
        bar.set_postfix({key: f"{v:.3g}" for key, v in last["vals"].items()})
        opt.step(closure)
    closure()
    history.append(last["vals"])
    return z.detach(), history
