"""Benchmark: what the start of level 1 decides, up to a perfect content network.

The full method (``synthesize``, ``schedule="fast"``, the CPU default) from each start of
level 1: the paper's content network (the default), the membrane fill (the smooth-fill
control), nplib's PatchMatch fill (beyond the paper), and the *oracle* fill
(:func:`nplib.baselines.oracle_fill`: the hidden truth, Gaussian-blurred with a standard
deviation of a fraction of the hole's side), which stands in for a content network as
good as its L2 loss allows at that blur. Beside them, pypatchmatch and our PatchMatch.

Two sets, the ones issue 18 measures:
- "centre 512": 512x512 centre crops of the held-out photos with the 256x256 centre hole
  (``bench_pipeline.cases``: three photos, or all 9 with ``--all-photos``);
- "table": every ``--table-every``-th of the 108 held-out 128x128 crops of the paper's
  table (``nplib.evaluation``) with the 64x64 centre hole (one level).

For every start: the start's own hole PSNR and LPIPS (level 1's start upsampled to the
image: what the texture stage is given) and the full method's, means over the set, and
the median seconds of ``synthesize``. A figure of the fills, zoomed on the hole, goes to
``benchmarks/starts.jpg``.

    .venv/bin/python benchmarks/bench_starts.py [--all-photos] [--table-every 4] [--threads 2]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from nplib import data
from nplib.baselines import oracle_fill
from nplib.content import DEFAULT_MODEL
from nplib.evaluation import PER_PHOTO, crop_names, fill
from nplib.figures import image_grid
from nplib.holes import bbox_window, texture_window
from nplib.io import save_figure
from nplib.lpips import hole_scores
from nplib.methods import composite
from nplib.pyramid import resize_image
from nplib.synthesis import synthesize

sys.path.insert(0, str(Path(__file__).parent))
from bench_pipeline import cases  # noqa: E402

#: (row label, start): a checkpoint name or a start of nplib.synthesis.STARTS, or a float:
#: the oracle's blur as a fraction of the hole's side.
STARTS = (
    (f"content network {DEFAULT_MODEL} (the paper, default)", DEFAULT_MODEL),
    ("membrane fill (control)", "diffusion"),
    ("PatchMatch fill (beyond the paper)", "patchmatch"),
    ("oracle: truth blurred, sigma = hole / 8", 1 / 8),
    ("oracle: truth blurred, sigma = hole / 16", 1 / 16),
    ("oracle: truth blurred, sigma = hole / 32", 1 / 32),
    ("oracle: truth blurred, sigma = hole / 64", 1 / 64),
)
PEERS = ("pypatchmatch", "patchmatch")
#: Columns of the figure: (title, row label of STARTS or a peer).
FIGURE = (
    ("pypatchmatch", "pypatchmatch"),
    ("full from the\ncontent network", STARTS[0][0]),
    ("full from the\nPatchMatch fill", STARTS[2][0]),
    ("oracle start\nsigma = hole / 16", "start: " + STARTS[4][0]),
    ("full from the oracle\nsigma = hole / 16", STARTS[4][0]),
    ("full from the oracle\nsigma = hole / 32", STARTS[5][0]),
)


def upsampled_start(image: np.ndarray, mask: np.ndarray, level1: np.ndarray) -> np.ndarray:
    """Level 1's start (of :func:`synthesize`'s window around the hole) resized to the
    window and composited into the image: what the texture stage was given, at the
    resolution it is scored at."""
    rows, cols = texture_window(mask)
    win = resize_image(level1, (rows.stop - rows.start, cols.stop - cols.start))
    out = image.copy()
    out[rows, cols] = composite(image[rows, cols], win, mask[rows, cols])
    return out


def run_set(name: str, items: list[tuple[str, np.ndarray, np.ndarray]]) -> dict:
    """Every start and peer on every item; returns {row label: [(psnr, lpips, s, fill)]}."""
    rows: dict[str, list] = {}
    for item, image, mask in items:
        for label, start in STARTS:
            begin = oracle_fill(image, mask, start) if isinstance(start, float) else start
            t0 = time.perf_counter()
            out, levels = synthesize(image, mask, start=begin, schedule="fast", progress=False)
            sec = time.perf_counter() - t0
            first = upsampled_start(image, mask, levels[0].start)
            for key, img, s in ((label, out, sec), ("start: " + label, first, 0.0)):
                rows.setdefault(key, []).append(
                    (*hole_scores(img, image, mask), s, img))
            (_, q0, _, _), (p1, q1, _, _) = rows["start: " + label][-1], rows[label][-1]
            print(f"{name} {item:16s} {label:44s} start LPIPS {q0:.3f}  full {p1:6.2f} dB "
                  f"LPIPS {q1:.3f}  {sec:5.1f} s", flush=True)
        for peer in PEERS:
            t0 = time.perf_counter()
            out = fill(peer, image, mask)  # seeded, known pixels kept, as in the table
            sec = time.perf_counter() - t0
            rows.setdefault(peer, []).append((*hole_scores(out, image, mask),
                                              sec, out))
    return rows


def print_table(name: str, rows: dict) -> None:
    print(f"\n{name}: hole PSNR (dB) / LPIPS, means; seconds: median of the full method")
    print("| start of level 1 | start: PSNR | start: LPIPS | full: PSNR | full: LPIPS | s |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, _ in STARTS:
        s, f = rows["start: " + label], rows[label]
        print(f"| {label} | {np.mean([v[0] for v in s]):.2f} | {np.mean([v[1] for v in s]):.3f} "
              f"| {np.mean([v[0] for v in f]):.2f} | {np.mean([v[1] for v in f]):.3f} "
              f"| {statistics.median(v[2] for v in f):.1f} |")
    for peer in PEERS:
        f = rows[peer]
        print(f"| peer: {peer} | | | {np.mean([v[0] for v in f]):.2f} | "
              f"{np.mean([v[1] for v in f]):.3f} | {statistics.median(v[2] for v in f):.1f} |")


def zoom(img: np.ndarray, mask: np.ndarray, margin: int = 16) -> np.ndarray:
    return img[bbox_window(mask, margin)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--all-photos", action="store_true", help="all 9 held-out photos at 512")
    ap.add_argument("--table-every", type=int, default=4, help="every n-th table crop (0: none)")
    ap.add_argument("--sets", nargs="+", choices=("centre", "table"), default=("centre", "table"))
    ap.add_argument("--figure", default=str(Path(__file__).with_name("starts.jpg")))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{args.threads} thread(s)")
    if "table" in args.sets and args.table_every:
        crops, names = data.heldout_crops(128, PER_PHOTO), crop_names()  # the table's 108
        mask = data.centre_mask(128, 128)
        items = [(names[i], crops[i], mask) for i in range(0, len(crops), args.table_every)]
        print_table(f"table ({len(items)} crops, 64x64 hole)", run_set("table", items))
    if "centre" not in args.sets:
        return
    centre = cases("centre 512", all_photos=args.all_photos)
    big = run_set("centre 512", centre)
    print_table(f"centre 512 ({len(centre)} photos, 256x256 hole)", big)
    print("\ncentre 512, per photo, hole LPIPS:")
    labels = [lab for lab, _ in STARTS] + list(PEERS)
    print("| photo | " + " | ".join(labels) + " |")
    print("|---|" + "---:|" * len(labels))
    for j, (item, _, _) in enumerate(centre):
        print(f"| {item} | " + " | ".join(f"{big[lab][j][1]:.3f}" for lab in labels) + " |")
    shown = [j for j, (item, _, _) in enumerate(centre)
             if item in ("storm_road", "wall_clock", "house_dogs")]
    grid, captions = [], []
    for j in shown:
        item, image, mask = centre[j]
        grid.append([zoom(image, mask)] + [zoom(big[key][j][3], mask) for _, key in FIGURE])
        captions.append([""] + [f"LPIPS {big[key][j][1]:.3f}" for _, key in FIGURE])
    fig = image_grid(grid, ["ground truth"] + [t for t, _ in FIGURE],
                     [centre[j][0] for j in shown],
                     "The start of level 1 decides the fill: the full method (schedule fast) "
                     "from the content network, PatchMatch and the blurred truth (zoomed on "
                     "the 256x256 hole)", captions, width=2.4)
    save_figure(args.figure, fig)
    print(f"\nwrote {args.figure}")


if __name__ == "__main__":
    main()
