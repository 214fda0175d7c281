"""Time per texture-optimisation iteration and peak memory, for 128, 256 and 512 px inputs.

Each size runs in a fresh subprocess: a photo (skimage's astronaut) resized to
n x n with a centre hole of n/2 x n/2, diffusion start, no content term, L-BFGS
with the default settings of :func:`nplib.neural_patch.optimise` (VGG on a window
of the hole plus a max(32, n/4) px margin, i.e. the whole image here). Time per
iteration is the median over iterations of the wall time between iterates (the
``time`` entries of the history; line-search evaluations included). Peak memory is
the subprocess's ``ru_maxrss`` (resident set, so it includes Python, torch and
VGG's weights); "before" is the same after loading everything, before optimising.

    .venv/bin/python benchmarks/bench_neural_patch.py [--iters 5] [--sizes 128 256 512]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch


def run_one(n: int, iters: int) -> dict:
    from skimage.data import astronaut
    from skimage.transform import resize

    from nplib.baselines import diffusion_fill
    from nplib.neural_patch import optimise
    from nplib.solve import SolveSettings
    from nplib.vgg import load_vgg

    img = resize(astronaut(), (n, n), anti_aliasing=True).astype(np.float32)
    mask = np.zeros((n, n), bool)
    mask[n // 4 : 3 * n // 4, n // 4 : 3 * n // 4] = True
    init = diffusion_fill(img, mask)
    load_vgg("cpu")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    solve = SolveSettings(iters=iters)
    _, hist = optimise(img, mask, init, solve=solve, device="cpu", progress=False)
    steps = np.diff([h["time"] for h in hist])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "iter_s": float(np.median(steps)), "before_mb": before, "peak_mb": peak}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # run one size, print JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.iters)))
        return
    info = Path("/proc/cpuinfo")
    names = (
        [ln for ln in info.read_text().splitlines() if "model name" in ln] if info.exists() else []
    )
    cpu = names[0].split(":", 1)[1].strip() if names else platform.machine()
    print(f"Machine: {cpu}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, CPU; {args.iters} L-BFGS iterations\n")  # fmt: skip
    print("| input | hole | s / iteration (median) | RSS before (MB) | peak RSS (MB) |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--iters", str(args.iters)]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        print(f"| {n}x{n} | {n // 2}x{n // 2} | {r['iter_s']:.2f} | {r['before_mb']:.0f} "
              f"| {r['peak_mb']:.0f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
