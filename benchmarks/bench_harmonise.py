"""Time of harmonising a pasted object: ``nplib.harmonise`` beside the colour-transfer baseline.

The two cases of notebook 07 (the rubber duck on ``underwater_rocks``, the white rabbit at 0.6
scale on ``green_hills``), each on its stage: the object plus 64 pixels of the photo around it.
Per case and method: the median wall time over ``--repeats`` runs, VGG-19's forward passes per
run, and the mean of the result (the same number from two versions means the same result).
Run it with ``PYTHONPATH`` pointing at another checkout to time that version of nplib.

    .venv/bin/python benchmarks/bench_harmonise.py --repeats 3
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch
from PIL import Image

import nplib
from nplib import data
from nplib.harmonisation import colour_transfer
from nplib.vgg import load_vgg

#: (object, scale, photo, top-left corner in the photo), as notebook 07's CASES.
CASES = {
    "duck": ("rubber_duck", 1.0, "underwater_rocks", (300, 480)),
    "rabbit": ("white_rabbit", 0.6, "green_hills", (330, 540)),
}
PAD = 64


def load_case(name: str) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """The stage (photo crop), the RGBA object and its place on the stage."""
    slug, scale, scene, (x, y) = CASES[name]
    rgba = nplib.read_rgba(data.DATA_DIR / "objects" / f"{slug}.png")
    if scale != 1.0:
        im = Image.fromarray(np.round(rgba * 255).astype(np.uint8), "RGBA")
        im = im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
        rgba = np.asarray(im, np.float32) / 255
    photo = data.load_image(scene)
    h, w = rgba.shape[:2]
    top, left = max(0, y - PAD), max(0, x - PAD)
    return photo[top : y + h + PAD, left : x + w + PAD], rgba, (x - left, y - top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(2)
    calls: list[int] = []
    load_vgg("cpu").register_forward_hook(lambda *_: calls.append(1))
    methods = {"nplib.harmonise": nplib.harmonise, "colour transfer": colour_transfer}
    print(f"nplib from {nplib.__file__}; {platform.processor() or platform.machine()}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("| case | method | s (median) | VGG passes | mean of the result |")
    print("|---|---|---:|---:|---:|")
    for name in CASES:
        stage, rgba, at = load_case(name)
        for label, run in methods.items():
            seconds = []
            for _ in range(args.repeats):
                calls.clear()
                t0 = time.perf_counter()
                kw = {"progress": False} if run is nplib.harmonise else {}
                out = run(stage, rgba, at, **kw)
                seconds.append(time.perf_counter() - t0)
            print(f"| {name} | {label} | {statistics.median(seconds):.2f} | {len(calls)} | "
                  f"{float(out.mean()):.6f} |")


if __name__ == "__main__":
    main()
