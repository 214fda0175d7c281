"""Benchmark: peak memory of every method on a big photo with a small hole.

A 12-megapixel photo (4000x3000, a bundled photo upscaled) with a 200x200 hole in the
middle: every method works on a window around the holes, so the hole, not the photo,
should set the cost. Each method runs in a fresh subprocess on the CPU; "peak MB" is that
process's peak resident set size (``ru_maxrss``), "above start" the part of it above the
size just before ``nplib.inpaint`` was called (libraries and the photo loaded: the photo
alone is 144 MB as float32).

    .venv/bin/python benchmarks/bench_memory.py                       # the table
    .venv/bin/python benchmarks/bench_memory.py --methods mean patchmatch --size 2000x1500
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def child(method: str, width: int, height: int, hole: int) -> dict:
    """Run one method in this process and return its numbers."""
    import numpy as np
    from PIL import Image

    import nplib
    from nplib import data

    photo = Image.fromarray((data.load_image("house_dogs") * 255).round().astype(np.uint8))
    image = np.asarray(photo.resize((width, height), Image.LANCZOS), np.float32) / 255
    mask = np.zeros((height, width), bool)
    top, left = (height - hole) // 2, (width - hole) // 2
    mask[top : top + hole, left : left + hole] = True
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    nplib.inpaint(image, mask, method, device="cpu")
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"method": method, "start_mb": start, "peak_mb": peak, "seconds": seconds}


def main() -> None:
    from nplib.methods import METHODS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    p.add_argument("--size", default="4000x3000", help="photo WIDTHxHEIGHT (default 4000x3000)")
    p.add_argument("--hole", type=int, default=200, help="side of the square hole (default 200)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    a = p.parse_args()
    width, height = map(int, a.size.split("x"))
    if a.child:
        print(json.dumps(child(a.child, width, height, a.hole)))
        return
    print(f"{width}x{height} photo, {a.hole}x{a.hole} hole, CPU, one fresh process a method\n")
    print("| method | peak MB | above start MB | seconds |\n|---|---:|---:|---:|")
    for method in a.methods:
        cmd = [sys.executable, __file__, "--child", method, "--size", a.size, "--hole", str(a.hole)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"| {method} | failed: {proc.stderr.strip().splitlines()[-1]} | | |", flush=True)
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"| {method} | {r['peak_mb']:.0f} | {r['peak_mb'] - r['start_mb']:.0f} "
              f"| {r['seconds']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
