"""Train the content network (docs/method.md, "Content network") on the bundled or your own photos.

    python -m nplib.train content --adv-weight 0                        # L2 only, bundled photos
    python -m nplib.train content                                       # L2 + adversarial
    python -m nplib.train content --data ~/photos --val-fraction 0.02   # your own photos
    torchrun --standalone --nproc_per_node 4 -m nplib.train content --data ~/photos --device cuda

Batches are random-scale crops with horizontal flips and random holes (centre squares,
rectangles, brush strokes) from :class:`nplib.dataset.TrainingCrops`, loaded by a torch
``DataLoader`` with ``--workers`` processes. Adam with lr 2e-4 and beta1 0.5 (Context
Encoders' settings) for both the generator and the discriminator. Every ``--eval-every``
steps the generator fills the validation crops' centre holes and the run logs their hole
PSNR and LPIPS.

**Several processes.** Under ``torchrun`` the run is ``DistributedDataParallel`` (gloo on
the CPU, NCCL on CUDA) for the generator and the discriminator. ``--batch`` is the
*global* batch: each of the N processes takes ``batch / N`` different crops of it. Crops
are numbered across the run and drawn from ``(seed, number)`` alone, and the loss is a
mean over windows, so N processes compute the step one process computes with the same
global batch (up to float rounding). Only rank 0 evaluates, logs and writes files.

Files written to ``--out`` for a run named NAME (``<config>-l2`` or ``<config>-l2adv``):

- ``NAME.pt``: the generator's weights only (half precision) with its config: what ships
  (the moving average of the weights when ``--ema`` is set);
- ``NAME.state.pt``: everything needed to resume (networks, optimisers, step, log);
- ``NAME.json``: the training log; ``NAME.png``: the losses and validation curves.

All are written atomically every ``--save-minutes`` and at the end; ``--resume`` continues
from ``NAME.state.pt`` (also under torchrun) and ends with the same weights as an
uninterrupted run with the same number of processes.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import pickle
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from matplotlib.figure import Figure
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from nplib import content, dataset
from nplib.data import centre_mask, heldout_crops, image_names, image_path, photo_crops
from nplib.device import pick_device
from nplib.io import InputError, atomic_write, save_figure
from nplib.lpips import lpips, weights_path
from nplib.metrics import psnr


@dataclass(frozen=True)
class RunSettings:
    """One training run: what ``python -m nplib.train content`` takes besides the data."""

    steps: int = 3000  # total optimiser steps, resumed ones included
    batch: int = 32  # global batch: split evenly between processes
    # docs/method.md, "Content network": 0.999 L2 + 0.001 adversarial; 0 = L2 only
    adv_weight: float = 0.001
    lr: float = 2e-4  # Context Encoders' Adam settings (beta1 0.5) for both networks
    lr_decay: str = "none"  # "cosine": the learning rate falls to 0 at ``steps``
    ema: float = 0.0  # decay of the generator's moving average (0: off), e.g. 0.999
    seed: int = 0  # initial weights and every crop and hole
    eval_every: int = 250  # steps between validation evaluations
    save_minutes: float = 3.0  # minutes between checkpoints (0: every step)
    max_minutes: float | None = None  # stop, resumably, after this wall time
    workers: int = 0  # DataLoader worker processes (0: load in the training process)
    amp: bool = False  # bf16 autocast (CUDA only)


# ----------------------------------------------------------------------------- evaluation

#: Side of the validation crops: the paper's protocol, a 64x64 centre hole in 128x128 crops,
#: whatever the network's input size (the classroom network sees them at 64x64).
EVAL_SIZE = 128


def validation_crops(paths: list[Path], size: int, max_photos: int = 200) -> np.ndarray:
    """Fixed validation crops of photo files: about 64 in all, at most 6 a photo
    (:func:`nplib.data.photo_crops`), from at most ``max_photos`` evenly spaced photos."""
    if len(paths) > max_photos:
        paths = [paths[i] for i in np.linspace(0, len(paths) - 1, max_photos).round().astype(int)]
    images = [np.asarray(dataset.open_photo(p), np.float32) / 255 for p in paths]
    return photo_crops(images, size, max(1, min(6, 64 // len(images))))


def validate(gen: content.Generator, crops: np.ndarray) -> dict[str, float]:
    """Mean centre-hole PSNR (dB) and LPIPS of the generator's fills of ``crops``."""
    hole = centre_mask(*crops.shape[1:3])
    filled = content.centre_fill(gen, crops)
    pairs = list(zip(filled, crops, strict=True))
    return {
        "psnr": float(np.mean([psnr(f, c, hole) for f, c in pairs])),
        "lpips": float(np.mean([lpips(f, c, hole) for f, c in pairs])),
    }


def plot_log(log: dict, title: str) -> Figure:
    """A matplotlib figure: training losses, validation PSNR and LPIPS against the step (built
    without pyplot, so it needs no display and no closing)."""
    fig = Figure(figsize=(15, 4))
    axes = fig.subplots(1, 3)
    fig.subplots_adjust(wspace=0.45)
    ax1 = axes[0]
    steps = [r["step"] for r in log["train"]]
    ax1.plot(steps, [r["l2"] for r in log["train"]], lw=0.7, label="L2 (hole + 10x border)")
    if log["args"]["adv_weight"] > 0:
        ax1b = ax1.twinx()
        ax1b.plot(steps, [r["adv"] for r in log["train"]], "C1", lw=0.5, label="G adversarial")
        ax1b.plot(steps, [r["d"] for r in log["train"]], "C2", lw=0.5, label="D loss")
        ax1b.set_ylabel("GAN losses (BCE)")
        ax1b.legend(loc="upper right", fontsize=8)
    ax1.set_yscale("log")
    ax1.set_xlabel("step")
    ax1.set_ylabel("weighted L2 loss")
    ax1.legend(loc="upper left", fontsize=8)
    ax1.set_title("training losses (means of 10 steps)")
    for ax, key, unit in ((axes[1], "psnr", "PSNR (dB, higher is better)"),
                          (axes[2], "lpips", "LPIPS (lower is better)")):  # fmt: skip
        ax.plot([r["step"] for r in log["eval"]], [r[key] for r in log["eval"]], "o-", ms=3,
                label="network")
        if "baseline" in log:
            ax.axhline(log["baseline"][key], color="C3", ls="--", label="membrane fill")
        ax.set_xlabel("step")
        ax.set_ylabel(unit)
        ax.set_title(f"validation centre-hole {key.upper()}")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------- processes


def _init_processes(device: str | None) -> tuple[int, int, torch.device]:
    """(rank, world size, device). Under torchrun (WORLD_SIZE set) joins the process group:
    NCCL with one GPU per process on CUDA, gloo on the CPU."""
    dev = pick_device(device)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1, dev
    if dev.type == "cuda":
        dev = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(dev)
    dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
    return dist.get_rank(), world, dev


class _Crops(torch.utils.data.Sampler):
    """This process's crop numbers from ``step`` on: at step s, global slots
    ``s * batch + rank * local ... + local - 1`` (``local = batch / world``)."""

    def __init__(self, step: int, steps: int, batch: int, rank: int, world: int):
        self.step, self.steps, self.batch = step, steps, batch
        self.local = batch // world
        self.first = rank * self.local

    def __iter__(self):
        for s in range(self.step, self.steps):
            yield from range(s * self.batch + self.first, s * self.batch + self.first + self.local)

    def __len__(self) -> int:
        return (self.steps - self.step) * self.local


def _in_sync(module: torch.nn.Module) -> bool:
    """Whether every process holds exactly rank 0's parameters (a check at each save)."""
    flat = torch.cat([p.detach().flatten() for p in module.parameters()])
    theirs = flat.clone()
    dist.broadcast(theirs, 0)
    same = torch.tensor([float(torch.equal(flat, theirs))], device=flat.device)
    dist.all_reduce(same, op=dist.ReduceOp.MIN)
    return bool(same.item())


# ----------------------------------------------------------------------------- training


def lr_at(run: RunSettings, step: int) -> float:
    """The learning rate at ``step``: ``run.lr``, or ``run.lr * (1 + cos(pi step / steps)) / 2``
    with ``lr_decay="cosine"``."""
    if run.lr_decay == "cosine":
        return run.lr * 0.5 * (1 + math.cos(math.pi * step / run.steps))
    return run.lr


#: What ``--resume`` may unpickle besides tensors, numbers, text, lists and dicts: numpy's
#: float64 scalars, which logs written before the losses were stored as floats hold.
STATE_GLOBALS = [np.dtype, np.dtypes.Float64DType, np.float64(0).__reduce__()[0]]


@dataclass
class TrainState:
    """A run's mutable state: the plain (unwrapped) networks, their Adam optimisers, the
    generator's moving average (``--ema``), the step and the log."""

    gen: content.Generator
    disc: content.Discriminator | None
    opt_g: torch.optim.Adam
    opt_d: torch.optim.Adam | None
    ema: content.Generator | None
    step: int
    log: dict

    @classmethod
    def create(
        cls,
        cfg: content.Config,
        run: RunSettings,
        device: str | torch.device,
        world: int = 1,
        photos: int = 0,
    ) -> TrainState:
        """Step 0, the weights drawn from ``run.seed``; ``world`` (processes) and ``photos``
        (training photos) go into the log."""
        torch.manual_seed(run.seed)
        gen = content.Generator(cfg).to(device)
        disc = content.Discriminator(cfg).to(device) if run.adv_weight > 0 else None
        opt_g = torch.optim.Adam(gen.parameters(), lr=run.lr, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(disc.parameters(), lr=run.lr, betas=(0.5, 0.999)) if disc else None
        ema = copy.deepcopy(gen).requires_grad_(False) if run.ema else None
        log = {"args": {"config": asdict(cfg), **asdict(run), "world": world}, "train": [],
               "eval": [], "seconds": 0.0, "photos": photos}  # fmt: skip
        return cls(gen, disc, opt_g, opt_d, ema, 0, log)

    @property
    def shipped(self) -> content.Generator:
        """What ships: the moving average of the generator when there is one."""
        return self.gen if self.ema is None else self.ema

    def set_lr(self, run: RunSettings) -> None:
        """Set both optimisers to :func:`lr_at` this step (``lr_decay="none"``: left as is)."""
        if run.lr_decay == "cosine":
            for opt in filter(None, (self.opt_g, self.opt_d)):
                opt.param_groups[0]["lr"] = lr_at(run, self.step)

    def save(self, out: Path, name: str) -> None:
        """Write NAME.state.pt (to resume), NAME.pt (what ships), NAME.json and NAME.png,
        each atomically."""
        state = {"gen": self.gen.state_dict(), "opt_g": self.opt_g.state_dict(),
                 "step": self.step, "log": self.log}  # fmt: skip
        if self.disc is not None:
            state |= {"disc": self.disc.state_dict(), "opt_d": self.opt_d.state_dict()}
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        atomic_write(out / f"{name}.state.pt", lambda tmp: torch.save(state, tmp))
        meta = {"name": name, "step": self.step, "args": self.log["args"]}
        content.save(out / f"{name}.pt", self.shipped, meta)
        atomic_write(out / f"{name}.json", lambda tmp: Path(tmp).write_text(json.dumps(self.log)))
        if self.log["train"]:
            fig = plot_log(self.log, f'content network {name} (docs/method.md, "Content network")')
            save_figure(out / f"{name}.png", fig)

    def load(self, path: Path, run: RunSettings) -> None:
        """Continue from ``path`` (a NAME.state.pt); ``run.steps`` and ``run.max_minutes``
        replace the saved ones."""
        if not path.is_file():
            raise InputError(f"nothing to resume: {path} not found")
        device = next(self.gen.parameters()).device
        try:
            with torch.serialization.safe_globals(STATE_GLOBALS):
                state = torch.load(path, map_location=device, weights_only=True)
        except pickle.UnpicklingError as err:
            raise InputError(f"cannot resume from {path}: {str(err).splitlines()[0]}") from None
        self.gen.load_state_dict(state["gen"])
        self.opt_g.load_state_dict(state["opt_g"])
        if self.disc is not None:
            self.disc.load_state_dict(state["disc"])
            self.opt_d.load_state_dict(state["opt_d"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        self.step, self.log = state["step"], state["log"]
        self.log["args"] |= {"steps": run.steps, "max_minutes": run.max_minutes}


def train_step(
    s: TrainState,
    x: torch.Tensor,
    hole: torch.Tensor,
    run: RunSettings,
    autocast: AbstractContextManager | None = None,
    *,
    gen: torch.nn.Module | None = None,
    disc: torch.nn.Module | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One training step of docs/method.md, "Content network", on crops ``x`` (B, 3, S, S)
    with holes ``hole`` (B, 1, S, S, bool): the discriminator's Adam step, then the generator's on
    ``(1 - adv_weight) * L2 + adv_weight * adversarial``, then the moving average; advances
    ``s.step``. Returns the (L2, adversarial, discriminator) losses, 0-d tensors (the last
    two 0 without a discriminator).

    ``autocast``: a context for the forward passes (None: none). ``gen``, ``disc``: modules
    that run the forward passes instead of ``s.gen``, ``s.disc`` (their DDP wrappers).
    """
    autocast = nullcontext() if autocast is None else autocast
    gen = s.gen if gen is None else gen
    disc = s.disc if disc is None else disc
    with autocast:
        pred = gen(x, hole)
    d_loss = torch.zeros((), device=x.device)
    if s.disc is not None:
        with autocast:
            d_loss = content.discriminator_loss(disc, pred.float(), x, hole)
        s.opt_d.zero_grad()
        d_loss.backward()
        s.opt_d.step()
        s.disc.requires_grad_(False)  # the generator's step leaves D untouched
    with autocast:
        total, l2, adv = content.generator_loss(
            pred.float(), x, hole, s.gen.cfg.overlap, s.disc, run.adv_weight
        )
    s.opt_g.zero_grad()
    total.backward()
    s.opt_g.step()
    if s.disc is not None:
        s.disc.requires_grad_(True)
    s.step += 1
    if s.ema is not None:
        with torch.no_grad():
            for e, p in zip(s.ema.parameters(), s.gen.parameters(), strict=True):
                e.lerp_(p, 1 - run.ema)
    return l2, adv, d_loss


def _loader(
    photos: list[Path], cfg: content.Config, run: RunSettings, step: int, rank: int,
    world: int, dev: torch.device,
) -> torch.utils.data.DataLoader:  # fmt: skip
    """This process's batches of crops and holes from ``step`` to ``run.steps``."""
    return torch.utils.data.DataLoader(
        dataset.TrainingCrops(photos, cfg.size, seed=run.seed),
        batch_size=run.batch // world,
        sampler=_Crops(step, run.steps, run.batch, rank, world),
        num_workers=run.workers,
        pin_memory=dev.type == "cuda",
    )


def _check_settings(run: RunSettings, world: int, dev: torch.device) -> None:
    """An :class:`InputError` for settings this run cannot take."""
    if run.batch % world:
        raise InputError(f"--batch {run.batch} must be a multiple of the {world} processes")
    if run.amp and dev.type != "cuda":
        raise InputError("--amp (bf16 autocast) needs CUDA; on the CPU it is many times slower")
    if run.lr_decay not in ("none", "cosine"):
        raise InputError(f"unknown --lr-decay {run.lr_decay!r}: use none or cosine")
    try:
        weights_path()  # validation scores LPIPS: fail now, not at the first evaluation
    except FileNotFoundError as err:
        raise InputError(str(err)) from None


def _save(s: TrainState, out: Path, name: str, rank: int, world: int) -> None:
    """Rank 0 saves, once every process has checked that all hold the same weights."""
    in_sync = world == 1 or (_in_sync(s.gen) and (s.disc is None or _in_sync(s.disc)))
    if rank == 0:
        s.log["in_sync"] = in_sync
        s.save(out, name)


def _record_eval(s: TrainState, val_crops: np.ndarray, bar: tqdm) -> None:
    """Log and print the shipped generator's validation scores at this step."""
    s.shipped.eval()
    s.log["eval"].append(e := {"step": s.step, **validate(s.shipped, val_crops)})
    s.shipped.train()
    bar.write(f"step {s.step}: validation PSNR {e['psnr']:.2f} dB, LPIPS {e['lpips']:.3f}")


def _agree(
    losses: tuple[torch.Tensor, ...], save: bool, stop: bool, world: int
) -> tuple[list[float], bool, bool]:
    """The losses averaged over the processes, and whether to save and to stop: rank 0
    decides (the others pass False), every process gets its decision. One all-reduce."""
    packed = torch.tensor([*(t.item() for t in losses), save, stop], device=losses[0].device)
    if world > 1:
        dist.all_reduce(packed)
        packed[: len(losses)] /= world
    *mean_losses, save_all, stop_all = packed.tolist()
    return mean_losses, bool(save_all), bool(stop_all)


def _log_losses(s: TrainState, running: list[list[float]], bar: tqdm) -> None:
    """Log the means of the losses of the last steps and show them on the bar."""
    l2, adv, d = (float(v) for v in np.mean(running, axis=0))
    s.log["train"].append({"step": s.step, "l2": l2, "adv": adv, "d": d,
                           "seconds": s.log["seconds"]})  # fmt: skip
    bar.set_postfix(l2=f"{l2:.4f}", adv=f"{adv:.3f}", d=f"{d:.3f}")


def train(
    cfg: content.Config,
    name: str,
    out: str | Path,
    run: RunSettings,
    photos: list[Path] | None = None,
    val_crops: np.ndarray | None = None,
    *,
    device: str | None = None,
    resume: bool = False,
    progress: bool = True,
) -> dict:
    """Train (or resume) one content network for ``run.steps`` steps in total.

    ``photos``: the training photo files (default: the bundled training split);
    ``val_crops``: (N, S, S, 3) validation crops (default: the bundled held-out crops,
    :data:`EVAL_SIZE` a side). Returns the log (on every process; only rank 0's is saved).
    """
    rank, world, dev = _init_processes(device)
    _check_settings(run, world, dev)
    out = Path(out)
    photos = photos if photos is not None else [image_path(s) for s in image_names("train")]
    s = TrainState.create(cfg, run, dev, world, len(photos))
    if resume:
        s.load(out / f"{name}.state.pt", run)
    gen, disc = s.gen, s.disc  # run the forward passes; under torchrun DDP syncs gradients
    if world > 1:
        gen = DistributedDataParallel(s.gen)
        disc = DistributedDataParallel(s.disc) if s.disc else None
    s.set_lr(run)
    if rank == 0:
        val_crops = val_crops if val_crops is not None else heldout_crops(EVAL_SIZE)
        if "baseline" not in s.log:  # an untrained generator returns the membrane fill
            s.log["baseline"] = validate(content.Generator(cfg).to(dev).eval(), val_crops)
    loader = _loader(photos, cfg, run, s.step, rank, world, dev)
    autocast = torch.autocast("cuda", torch.bfloat16) if run.amp else nullcontext()
    start = last_save = time.time()
    seconds0, running = s.log["seconds"], []
    bar = tqdm(total=run.steps, initial=s.step, disable=not progress or rank > 0, desc=name)
    try:
        for x, hole in loader:
            x, hole = x.to(dev, non_blocking=True), hole.to(dev, non_blocking=True)
            losses = train_step(s, x, hole, run, autocast, gen=gen, disc=disc)
            s.set_lr(run)
            # losses averaged over processes; rank 0 decides when to save or stop, for all
            now = time.time()
            stop = run.max_minutes is not None and now - start > 60 * run.max_minutes
            save = rank == 0 and now - last_save >= 60 * run.save_minutes
            mean_losses, save, stop = _agree(losses, save, rank == 0 and stop, world)
            running.append(mean_losses)
            bar.update()
            s.log["seconds"] = seconds0 + now - start
            if rank == 0 and (s.step % 10 == 0 or s.step == run.steps):
                _log_losses(s, running, bar)
                running = []
            if rank == 0 and (s.step % run.eval_every == 0 or s.step == run.steps):
                _record_eval(s, val_crops, bar)
            if stop:
                if rank == 0:
                    bar.write(f"stopped after {run.max_minutes} min, step {s.step}; "
                              "--resume goes on")  # fmt: skip
                break
            if save and s.step < run.steps:
                _save(s, out, name, rank, world)
                last_save = time.time()
    except KeyboardInterrupt:
        if world > 1:
            raise  # the other processes cannot join a save now; resume from the last one
        bar.write(f"interrupted at step {s.step}; saving (--resume continues)")
    finally:
        bar.close()
    if rank == 0 and s.step and (not s.log["eval"] or s.log["eval"][-1]["step"] != s.step):
        _record_eval(s, val_crops, bar)
    _save(s, out, name, rank, world)
    if world > 1:
        dist.destroy_process_group()
    return s.log


# ----------------------------------------------------------------------------- command line


def _photos(
    a: argparse.Namespace, size: int, rank: int
) -> tuple[list[Path] | None, np.ndarray | None]:
    """The training photos and validation crops the options ask for (None: bundled)."""
    if a.data is None:
        if a.val_data or a.val_fraction:
            raise InputError("--val-data and --val-fraction need --data")
        return None, None
    found = dataset.list_photos(a.data, size)
    if rank == 0:
        print(f"{a.data}: {found.report()}", file=sys.stderr)
    photos, val = found.paths, None
    if a.val_data:
        val = dataset.list_photos(a.val_data, EVAL_SIZE).paths
    elif a.val_fraction:
        photos, val = dataset.split_photos(photos, a.val_fraction, a.seed)
    if val is None or rank:
        return photos, None
    return photos, validation_crops(val, EVAL_SIZE)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m nplib.train", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser(
        "content", help='train the content network (docs/method.md, "Content network")'
    )
    d = RunSettings()
    p.add_argument("--config", choices=sorted(content.CONFIGS), default="classroom")
    p.add_argument("--data", help="train on every photo under this folder (default: bundled)")
    val = p.add_mutually_exclusive_group()
    val.add_argument("--val-data", help="validate on the photos under this folder")
    val.add_argument("--val-fraction", type=float,
                     help="hold out this fraction of --data for validation")  # fmt: skip
    p.add_argument("--adv-weight", type=float, default=d.adv_weight, help="0 trains L2 only")
    p.add_argument("--steps", type=int, default=d.steps, help="total steps (resumed included)")
    p.add_argument("--batch", type=int, default=d.batch,
                   help="global batch, split evenly between torchrun's processes")  # fmt: skip
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--lr-decay", choices=("none", "cosine"), default=d.lr_decay)
    p.add_argument("--ema", type=float, default=d.ema,
                   help="ship a moving average of the weights with this decay (e.g. 0.999)")
    p.add_argument("--workers", type=int, default=d.workers, help="DataLoader processes")
    p.add_argument("--device", help="cpu or cuda (default: CUDA when present)")
    p.add_argument("--amp", action="store_true", help="bf16 autocast on CUDA")
    p.add_argument("--out", default=str(content.CHECKPOINT_DIR))
    p.add_argument("--name", help="run name (default <config>-l2 or <config>-l2adv)")
    p.add_argument("--resume", action="store_true", help="continue from NAME.state.pt")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--threads", type=int, help="torch CPU threads (per process)")
    p.add_argument("--eval-every", type=int, default=d.eval_every)
    p.add_argument("--save-minutes", type=float, default=d.save_minutes)
    p.add_argument("--max-minutes", type=float, help="stop (resumably) after this wall time")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    a = parser.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    cfg = content.CONFIGS[a.config]
    name = a.name or f"{a.config}-{'l2adv' if a.adv_weight > 0 else 'l2'}"
    keys = set(RunSettings.__dataclass_fields__)
    run = RunSettings(**{k: v for k, v in vars(a).items() if k in keys})
    rank = int(os.environ.get("RANK", "0"))
    try:
        photos, val_crops = _photos(a, cfg.size, rank)
        log = train(cfg, name, a.out, run, photos, val_crops, device=a.device, resume=a.resume,
                    progress=not a.quiet)  # fmt: skip
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    if rank == 0:
        e = log["eval"][-1]
        print(f"{name}: step {e['step']}, validation PSNR {e['psnr']:.2f} dB, "
              f"LPIPS {e['lpips']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
