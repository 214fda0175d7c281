"""Benchmark: inpainting with patches from another photo of the same place (``sources=``).

For every pair of :func:`nplib.data.source_pairs` (a 384x384 photo with a 192x192 centre
hole, and a view of the same place shifted by a step, which shows the whole hole), fill
the hole with and without the other view as a source, with PatchMatch and with the full
method (``schedule="fast"``) and its PatchMatch start. Then the same with an unrelated
source (the next pair's view: another place), to show what a wrong source does.
Hole PSNR and LPIPS (AlexNet, the hole's bounding box) per pair, the means, and the median
seconds per fill; a figure of the fills is written to ``benchmarks/sources.jpg``.

    .venv/bin/python benchmarks/bench_sources.py [--threads 1] [--pairs chambord ...]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from nplib import data, inpaint
from nplib.figures import image_grid
from nplib.io import save_figure
from nplib.lpips import hole_scores

#: (row label, method, inpaint options without the sources)
VARIANTS = (
    ("patchmatch", "patchmatch", {}),
    ("full", "full", {"schedule": "fast"}),
    ("full from patchmatch", "full", {"schedule": "fast", "start": "patchmatch"}),
)
SOURCES = ("none", "same place", "unrelated")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pairs", nargs="*", help="pair names (default: all)")
    ap.add_argument("--figure", default=str(Path(__file__).with_name("sources.jpg")))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    pairs = [p for p in data.source_pairs() if not args.pairs or p.name in args.pairs]
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{args.threads} thread(s), {len(pairs)} pairs")
    rows, fills = {}, {}
    for i, pair in enumerate(pairs):
        other = pairs[(i + 1) % len(pairs)].source
        for label, method, opts in VARIANTS:
            for which in SOURCES:
                src = {"none": None, "same place": [pair.source], "unrelated": [other]}[which]
                t0 = time.perf_counter()
                out = inpaint(pair.image, pair.mask, method, sources=src, progress=False, **opts)
                sec = time.perf_counter() - t0
                p, lp = hole_scores(out, pair.image, pair.mask)
                rows.setdefault((label, which), []).append((p, lp, sec))
                fills[(pair.name, label, which)] = out
                print(f"{pair.name:18s} {label:22s} {which:11s} {p:6.2f} dB  LPIPS {lp:.3f}  "
                      f"{sec:5.1f} s", flush=True)
    print("\n| method | source | hole PSNR (dB) | hole LPIPS | s / fill |")
    print("|---|---|---:|---:|---:|")
    for (label, which), vals in rows.items():
        p, lp, sec = zip(*vals, strict=True)
        print(f"| {label} | {which} | {np.mean(p):.2f} | {np.mean(lp):.3f} | "
              f"{statistics.median(sec):.1f} |")
    print("\nper pair, hole LPIPS (PSNR):")
    print("| pair | " + " | ".join(f"{lab}, {w}" for lab, w in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for j, pair in enumerate(pairs):
        cells = [f"{v[j][1]:.3f} ({v[j][0]:.1f})" for v in rows.values()]
        print(f"| {pair.name} | " + " | ".join(cells) + " |")
    # the figure: per pair, input | source | PatchMatch and full without / with it | truth
    cols = [("patchmatch", "none"), ("patchmatch", "same place"), ("full", "none"),
            ("full", "same place"), ("full from patchmatch", "same place")]
    grid, captions = [], []
    for pair in pairs:
        hole = np.where(pair.mask[..., None], 1.0, pair.image)
        grid.append([hole, pair.source] + [fills[(pair.name, *c)] for c in cols] + [pair.image])
        scores = [rows[c][pairs.index(pair)] for c in cols]
        captions.append(["", pair.kind] + [f"LPIPS {v[1]:.3f}, {v[0]:.1f} dB" for v in scores]
                        + [""])
    titles = ["input (hole white)", "source: other view"]
    titles += [f"{lab}\nsource: {w}" for lab, w in cols] + ["ground truth"]
    fig = image_grid(grid, titles, [p.name for p in pairs],
                     "Patches from another view of the same place (sources=)", captions, width=2.2)
    save_figure(args.figure, fig)
    print(f"\nwrote {args.figure}")


if __name__ == "__main__":
    main()
