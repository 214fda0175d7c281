"""Train the content network (PAPER.md section 3) on the bundled training photos.

    python -m nplib.train content --config classroom --adv-weight 0      # L2 only
    python -m nplib.train content --config classroom                     # L2 + adversarial

Batches are random crops (random scale, horizontal flips) of the *training* split with
random holes (centre, rectangles, brush strokes); the held-out split is only used to
report the centre-hole PSNR every ``--eval-every`` steps. Adam with lr 2e-4 and beta1 0.5
(Context Encoders' settings) for both the generator and the discriminator.

Files written to ``--out`` for a run named NAME (``<config>-l2`` or ``<config>-l2adv``):

- ``NAME.pt``: the generator's weights only (half precision) with its config: what ships;
- ``NAME.state.pt``: everything needed to resume (networks, optimisers, step, RNG, log);
- ``NAME.json``: the training log; ``NAME.png``: the loss and held-out PSNR curves.

All are written atomically every ``--save-minutes`` and at the end; ``--resume`` continues
from ``NAME.state.pt`` and ends with the same weights as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from nplib import content
from nplib.data import image_names, load_image
from nplib.io import atomic_write, save_figure
from nplib.metrics import psnr


class Crops:
    """Random square crops of photos at random scales, resized to ``size``, randomly flipped.

    Each photo is kept as a pyramid of halvings down to the octave [size, 2 size); a crop
    picks a photo, a level, a side in [size, min(2 size, level side)] and a position.
    """

    def __init__(self, slugs: list[str], size: int):
        self.size = size
        self.pyramids = []
        for slug in slugs:
            levels = [torch.from_numpy(load_image(slug)).permute(2, 0, 1)[None]]
            while min(levels[-1].shape[-2:]) >= 2 * size:
                levels.append(F.avg_pool2d(levels[-1], 2))
            self.pyramids.append(levels)

    def sample(self, rng: np.random.Generator, batch: int) -> torch.Tensor:
        """(batch, 3, size, size) crops in [0, 1]."""
        out = []
        for _ in range(batch):
            levels = self.pyramids[rng.integers(len(self.pyramids))]
            image = levels[rng.integers(len(levels))]
            h, w = image.shape[-2:]
            side = int(rng.integers(self.size, min(h, w, 2 * self.size) + 1))
            top, left = rng.integers(h - side + 1), rng.integers(w - side + 1)
            crop = image[..., top : top + side, left : left + side]
            if side != self.size:
                crop = content._resize(crop, self.size)
            out.append(crop.flip(-1) if rng.random() < 0.5 else crop)
        return torch.cat(out)


def sample_holes(rng: np.random.Generator, batch: int, size: int) -> torch.Tensor:
    """(batch, 1, size, size) bool training holes (see :func:`nplib.content.random_hole`)."""
    return torch.from_numpy(np.stack([content.random_hole(size, rng) for _ in range(batch)]))[
        :, None
    ]


def heldout_psnr(gen: content.Generator, crops: np.ndarray) -> float:
    """Mean centre-hole PSNR (dB) over the held-out crops."""
    filled = content.centre_fill(gen, crops)
    hole = content.centre_hole(1, crops.shape[1])[0, 0].numpy()
    return float(np.mean([psnr(f, c, hole) for f, c in zip(filled, crops, strict=True)]))


def plot_log(log: dict, title: str):
    """A matplotlib figure: training losses and held-out PSNR against the step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    fig.subplots_adjust(wspace=0.45)
    steps = [r["step"] for r in log["train"]]
    ax1.plot(steps, [r["l2"] for r in log["train"]], label="L2 (hole + 10x border)")
    if log["args"]["adv_weight"] > 0:
        ax1b = ax1.twinx()
        ax1b.plot(steps, [r["adv"] for r in log["train"]], "C1", lw=0.7, label="G adversarial")
        ax1b.plot(steps, [r["d"] for r in log["train"]], "C2", lw=0.7, label="D loss")
        ax1b.set_ylabel("GAN losses (BCE)")
        ax1b.legend(loc="upper right", fontsize=8)
    ax1.set_yscale("log")
    ax1.set_xlabel("step")
    ax1.set_ylabel("weighted L2 loss")
    ax1.legend(loc="upper left", fontsize=8)
    ax1.set_title("training losses")
    ax2.plot([r["step"] for r in log["eval"]], [r["psnr"] for r in log["eval"]], "o-")
    ax2.set_xlabel("step")
    ax2.set_ylabel("PSNR (dB)")
    ax2.set_title("held-out centre-hole PSNR")
    fig.suptitle(title)
    return fig


def train(
    cfg: content.Config,
    name: str,
    out: str | Path,
    *,
    steps: int,
    adv_weight: float = 0.001,
    batch: int = 32,
    lr: float = 2e-4,
    seed: int = 0,
    resume: bool = False,
    eval_every: int = 250,
    save_minutes: float = 3.0,
    max_minutes: float | None = None,
    slugs: list[str] | None = None,
    progress: bool = True,
) -> dict:
    """Train (or resume) one content network for ``steps`` steps in total; returns the log."""
    out = Path(out)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gen = content.Generator(cfg)
    disc = content.Discriminator(cfg) if adv_weight > 0 else None
    opt_g = torch.optim.Adam(gen.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999)) if disc else None
    args = {"config": asdict(cfg), "steps": steps, "adv_weight": adv_weight, "batch": batch}
    args |= {"lr": lr, "seed": seed}
    log: dict = {"args": args, "train": [], "eval": [], "seconds": 0.0}
    step = 0
    state_path = out / f"{name}.state.pt"
    if resume:
        state = torch.load(state_path, map_location="cpu", weights_only=False)
        gen.load_state_dict(state["gen"])
        opt_g.load_state_dict(state["opt_g"])
        if disc:
            disc.load_state_dict(state["disc"])
            opt_d.load_state_dict(state["opt_d"])
        rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        step, log = state["step"], state["log"]
        log["args"]["steps"] = steps

    def save() -> None:
        state = {"gen": gen.state_dict(), "opt_g": opt_g.state_dict(), "step": step, "log": log}
        state |= {"rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state()}
        if disc:
            state |= {"disc": disc.state_dict(), "opt_d": opt_d.state_dict()}
        atomic_write(state_path, lambda tmp: torch.save(state, tmp))
        content.save(out / f"{name}.pt", gen, {"name": name, "step": step, "args": log["args"]})
        atomic_write(out / f"{name}.json", lambda tmp: Path(tmp).write_text(json.dumps(log)))
        if log["train"]:
            fig = plot_log(log, f"content network {name} (PAPER.md section 3)")
            save_figure(out / f"{name}.png", fig)
            import matplotlib.pyplot as plt

            plt.close(fig)

    data = Crops(slugs if slugs is not None else image_names("train"), cfg.size)
    crops = content.heldout_crops(2 * cfg.size)
    start = last_save = time.time()
    seconds0 = log["seconds"]
    running = []
    bar = tqdm(total=steps, initial=step, disable=not progress, desc=name)
    try:
        while step < steps:
            x = data.sample(rng, batch)
            hole = sample_holes(rng, batch, cfg.size)
            pred = gen(x, hole)
            d_loss = torch.zeros(())
            if disc:
                d_loss = content.discriminator_loss(disc, pred, x, hole)
                opt_d.zero_grad()
                d_loss.backward()
                opt_d.step()
            total, l2, adv = content.generator_loss(pred, x, hole, cfg.overlap, disc, adv_weight)
            opt_g.zero_grad()
            total.backward()
            opt_g.step()
            step += 1
            bar.update()
            running.append((l2.item(), adv.item(), d_loss.item()))
            if step % 10 == 0 or step == steps:
                l2m, advm, dm = np.mean(running, axis=0)
                log["train"].append({"step": step, "l2": l2m, "adv": advm, "d": dm})
                running = []
                bar.set_postfix(l2=f"{l2m:.4f}", adv=f"{advm:.3f}", d=f"{dm:.3f}")
            if step % eval_every == 0 or step == steps:
                log["eval"].append({"step": step, "psnr": heldout_psnr(gen, crops)})
                bar.write(
                    f"step {step}: held-out centre-hole PSNR {log['eval'][-1]['psnr']:.2f} dB"
                )
            log["seconds"] = seconds0 + time.time() - start
            if time.time() - last_save > 60 * save_minutes:
                save()
                last_save = time.time()
            if max_minutes is not None and time.time() - start > 60 * max_minutes:
                bar.write(
                    f"stopping after {max_minutes} minutes at step {step}; --resume continues"
                )
                break
    except KeyboardInterrupt:
        bar.write(f"interrupted at step {step}; saving (--resume continues)")
    finally:
        bar.close()
    if step and (not log["eval"] or log["eval"][-1]["step"] != step):
        log["eval"].append({"step": step, "psnr": heldout_psnr(gen, crops)})
    save()
    return log


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m nplib.train", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("content", help="train the content network (PAPER.md section 3)")
    p.add_argument("--config", choices=sorted(content.CONFIGS), default="classroom")
    p.add_argument("--adv-weight", type=float, default=0.001, help="0 trains L2 only")
    p.add_argument("--steps", type=int, default=3000, help="total steps (including resumed)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--out", default=str(content.CHECKPOINT_DIR))
    p.add_argument("--name", help="run name (default <config>-l2 or <config>-l2adv)")
    p.add_argument("--resume", action="store_true", help="continue from NAME.state.pt")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--save-minutes", type=float, default=3.0)
    p.add_argument("--max-minutes", type=float, help="stop (resumably) after this wall time")
    a = parser.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    name = a.name or f"{a.config}-{'l2adv' if a.adv_weight > 0 else 'l2'}"
    log = train(
        content.CONFIGS[a.config],
        name,
        a.out,
        steps=a.steps,
        adv_weight=a.adv_weight,
        batch=a.batch,
        lr=a.lr,
        seed=a.seed,
        resume=a.resume,
        eval_every=a.eval_every,
        save_minutes=a.save_minutes,
        max_minutes=a.max_minutes,
    )
    print(f"{name}: step {log['eval'][-1]['step']}, held-out PSNR {log['eval'][-1]['psnr']:.2f} dB")


if __name__ == "__main__":
    main()
