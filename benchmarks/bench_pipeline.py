"""Benchmark: the full pipeline against its parts and its peers, in one run on one machine.

Cases (held-out photos only):
- "centre 512": 512x512 centre crops of held-out photos with a 256x256 centre hole
  (the paper's Figure 1 setting);
- "object": held-out photos at their bundled size (long side 1024) with their
  hand-made object-removal masks.

Methods: nplib's ``full`` (defaults), ``content``, ``texture`` (single scale),
``patchmatch``, the C++ ``pypatchmatch`` and OpenCV Telea, plus speed/quality
variants of ``full`` (``--variants``) from the slow reference (100 L-BFGS
iterations per level, matches recomputed every iteration, wide context at every
level) to the defaults, so that ``benchmarks/README.md`` can say what each change
bought.

Every (method, case) runs in a fresh subprocess: "peak MB" is that process's peak
resident set size (``ru_maxrss``) minus its size just before the first call, i.e.
the memory the method needed beyond the loaded libraries and images. Time is the
median of ``--repeats`` calls per image, then the median over images; PSNR and
LPIPS (AlexNet, on the hole's bounding box) are averaged over images.

    .venv/bin/python benchmarks/bench_pipeline.py              # methods, both cases
    .venv/bin/python benchmarks/bench_pipeline.py --variants   # the speed-up ladder
    .venv/bin/python benchmarks/bench_pipeline.py --variants --all-photos --methods ...
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import torch

from nplib import data
from nplib.lpips import lpips
from nplib.metrics import psnr
from nplib.neural_patch import PAPER_LAYERS, TextureSettings
from nplib.synthesis import Schedule

CENTRE = ["house_dogs", "wall_clock", "storm_road"]
OBJECT = ["house_dogs", "ladybird"]
METHODS = ["full", "content", "texture", "patchmatch", "pypatchmatch", "telea"]

#: ``fast`` as this ladder chose it (2026-11-26); issue 30's ladder (bench_texture.py) starts
#: from it and made ``fast`` cheaper per iteration and longer.
FAST_2611 = Schedule(iters=(30, 20, 6))

#: The ladder from the slow reference to the defaults of 2026-11-26, then the starts of level
#: 1: synthesize() keyword arguments. "rematch every 10 its" is the named schedule ``paper``
#: (nplib.synthesis.SCHEDULES); "+ 30/20/6 its (defaults)" was ``fast`` then.
VARIANTS = {
    "slow reference: 100 its/level, rematch every it, wide context": dict(schedule=Schedule(
        iters=(100,), rematch_every=1, fine_margin=None, layers=PAPER_LAYERS)),
    "rematch every 10 its": dict(schedule="paper"),
    "+ 48 px context at fine levels": dict(schedule=Schedule(
        iters=(100,), fine_margin=48, layers=PAPER_LAYERS)),
    "+ fewer its at fine levels (100/30/10)": dict(schedule=Schedule(
        iters=(100, 30, 10), fine_margin=48, layers=PAPER_LAYERS)),
    "previous defaults: 30/15/5 its, rematch every 5, 48 px context": dict(schedule=Schedule(
        iters=(30, 15, 5), rematch_every=5, fine_margin=48, layers=PAPER_LAYERS)),
    "+ rematch every 10, 16 px context": dict(schedule=Schedule(
        iters=(30, 15, 5), layers=PAPER_LAYERS)),
    "+ relu3_1 alone at levels 2-3": dict(schedule=Schedule(iters=(30, 15, 5))),
    "+ 30/20/6 its (defaults)": dict(schedule=FAST_2611),
    "defaults with relu3_1 alone at level 1 too": dict(schedule=replace(
        FAST_2611, coarse_layers=("relu3_1",))),
    "defaults with relu3_1 + relu4_1 at levels 2-3": dict(schedule=replace(
        FAST_2611, layers=PAPER_LAYERS)),
    "defaults with 48 px context at levels 2-3": dict(schedule=replace(
        FAST_2611, fine_margin=48)),
    "fast, 100 its at level 1": dict(schedule=replace(FAST_2611, iters=(100, 20, 6))),
    "fast from a diffusion start": dict(start="diffusion", schedule=FAST_2611),
    "fast from a patchmatch start": dict(start="patchmatch", schedule=FAST_2611),
    "fast with source usage 0.02": dict(schedule=FAST_2611,
                                        texture=TextureSettings(usage_weight=0.02)),
    "fast with L2 matching": dict(schedule=FAST_2611, texture=TextureSettings(distance="l2")),
}  # fmt: skip


def cases(kind: str, limit: int | None = None, all_photos: bool = False) -> list[tuple]:
    if kind == "centre 512":
        photos = data.image_names("heldout") if all_photos else CENTRE
        return [(s, data.centre_crop(data.load_image(s), 512), data.centre_mask(512, 512))
                for s in photos[:limit]]
    return [(s, data.load_image(s), data.load_mask(f"{s}_object")) for s in OBJECT[:limit]]


def run(method: str, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    if method in VARIANTS:
        from nplib.synthesis import synthesize

        return synthesize(image, mask, progress=False, **VARIANTS[method])[0]
    if method in ("pypatchmatch", "telea"):
        from nplib.evaluation import peer_inpaint

        return np.where(mask[..., None], peer_inpaint(method, image, mask), image)
    import nplib

    return nplib.inpaint(image, mask, method, seed=0)


def worker(method: str, kind: str, repeats: int, limit: int | None, all_photos: bool) -> dict:
    """Run one method on one case kind in this (fresh) process; return its numbers."""
    items = cases(kind, limit, all_photos)
    run(method, *items[0][1:]) if method in ("pypatchmatch", "telea") else None  # warm imports
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, psnrs, lpipses = [], [], []
    for _, image, mask in items:
        per_image = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            out = run(method, image, mask)
            per_image.append(time.perf_counter() - t0)
        times.append(statistics.median(per_image))
        psnrs.append(psnr(out, image, mask))
        lpipses.append(lpips(out, image, mask))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"time": statistics.median(times), "peak_mb": (peak - before) / 1024,
            "psnr": float(np.mean(psnrs)), "lpips": float(np.mean(lpipses)),
            "per_image": [[item[0], t, p, q] for item, t, p, q
                          in zip(items, times, psnrs, lpipses, strict=True)]}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    return (f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), numpy {np.__version__}, {gpu}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", action="store_true", help="run the speed-up ladder of full")
    ap.add_argument("--methods", nargs="+", choices=METHODS + list(VARIANTS),
                    help="run only these (default: all methods, or all variants)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cases", nargs="+", default=["centre 512", "object"])
    ap.add_argument("--per-image", action="store_true", help="also print every photo's numbers")
    ap.add_argument("--all-photos", action="store_true",
                    help="centre 512 on all 9 held-out photos instead of three")
    ap.add_argument("--images", type=int, default=None, help="use only the first N photos")
    ap.add_argument("--worker", nargs=2, metavar=("METHOD", "CASE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker, args.repeats, args.images, args.all_photos)))
        return
    methods = args.methods or (list(VARIANTS) if args.variants else METHODS)
    print(f"machine: {machine()}\n")
    print("| case | method | time (s, median) | peak MB | hole PSNR (dB) | hole LPIPS |")
    print("|---|---|---|---|---|---|")
    for kind in args.cases:
        for method in methods:
            reps = 1 if method.startswith("slow") else args.repeats
            proc = subprocess.run(
                [sys.executable, __file__, "--worker", method, kind, "--repeats", str(reps)]
                + (["--images", str(args.images)] if args.images else [])
                + (["--all-photos"] if args.all_photos else []),
                capture_output=True, text=True, check=True)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"| {kind} | {method} | {r['time']:.2f} | {r['peak_mb']:.0f} | "
                  f"{r['psnr']:.2f} | {r['lpips']:.3f} |", flush=True)
            for name, t, p, q in r["per_image"] if args.per_image else []:
                print(f"|   | {name}: {method} | {t:.2f} | | {p:.2f} | {q:.3f} |", flush=True)


if __name__ == "__main__":
    main()
