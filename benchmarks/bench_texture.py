"""Benchmark: the texture stage the authors ran, departure by departure (issue 26).

Every rung is ``synthesize`` (the full method, content-network start) with one
:class:`nplib.synthesis.Schedule` and :class:`nplib.neural_patch.TextureSettings`; each
adds or isolates one of the authors' choices (docs/method.md, "The texture stage the
authors ran"). Peers in the same run: pypatchmatch and our PatchMatch.

Sets:
- "table": every ``--table-every``-th of the 108 held-out 128x128 crops of the paper's
  table with the 64x64 centre hole (one level);
- "centre": 512x512 centre crops of the held-out photos with the 256x256 hole (three
  levels): the first ``--photos`` of the 9.

Each result (hole PSNR and LPIPS, seconds, VGG passes) is appended to ``--results`` (JSON
lines) as soon as it exists, so runs resume, and two processes (``--threads 1`` each,
different ``--rungs``) can share one file; ``--report`` prints the tables from it alone.
The crops of one photo are not independent samples: the paired difference against
pypatchmatch is averaged per photo first, and its standard error is over the photos.

    .venv/bin/python benchmarks/bench_texture.py --sets table --rungs ours authors
    .venv/bin/python benchmarks/bench_texture.py --report
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import ScalarFormatter

from nplib import data
from nplib.evaluation import PER_PHOTO, crop_names, fill
from nplib.figures import image_grid
from nplib.holes import bbox_window
from nplib.io import read_image, save_figure, save_image
from nplib.lpips import hole_scores
from nplib.neural_patch import ALPHA, STRIDES, HoleEnergy, TextureSettings, source_patches
from nplib.pyramid import resize_image, resize_mask
from nplib.synthesis import SCHEDULES, Schedule, level_sizes, synthesize

PAPER = SCHEDULES["paper"]
ONCE = replace(PAPER, rematch_every=0)  # the authors' fast code: matches once a level
FAST = Schedule(iters=(30, 20, 6))  # `fast` before issue 30: its rungs start from it
RELU4_1 = replace(PAPER, coarse_layers=("relu4_1",), layers=("relu4_1",))  # their speed-up

#: Each departure from the authors' code as a TextureSettings change (docs/method.md), or a
#: Schedule change for the optimiser.
CHANGES = {
    "strip": dict(candidates="strip"),  # candidates from the strip-filled window, once
    "authors-cand": dict(candidates="authors"),  # and its rotated and scaled copies
    "own+strip": dict(candidates="window+strip"),  # ours and the strip-filled window's
    "own+authors": dict(candidates="window+authors"),  # ours and the authors'
    "reach": dict(query_reach=True),  # queries within reach of the hole
    "s2": dict(query_stride=2),  # queries on a stride-2 grid
    "mean": dict(votes="mean"),  # every covered position weighs 1
    "fixed": dict(optimizer="lbfgs-fixed"),  # L-BFGS without line search
    "relu4_2": dict(content_layer="relu4_2"),  # E_c on VGG features, the authors'
    "bf16": dict(precision="bfloat16"),  # VGG in bfloat16 (issue 30's arithmetic)
}


def rung(schedule: Schedule, *changes: str) -> tuple[Schedule, TextureSettings]:
    """The settings with ``changes``; alpha rescaled so that E_t pulls as hard as with
    stride-1 queries and summed votes, where an inner position weighs 9 (3x3 patches):
    with mean votes it weighs 1, with stride-2 summed votes 9 / 4 on average."""
    kwargs = {k: v for c in changes for k, v in CHANGES[c].items()}
    if "optimizer" in kwargs:
        schedule = replace(schedule, optimizer=kwargs.pop("optimizer"))
    weight = 1 if kwargs.get("votes") == "mean" else 9 / kwargs.get("query_stride", 1) ** 2
    return schedule, TextureSettings(alpha=ALPHA * 9 / weight, **kwargs)


#: label -> (schedule, texture settings): "paper" is ours, each "+x" adds CHANGES[x];
#: "once" matches once a level instead of every 10 iterations; "relu4_1" runs the patch
#: term on relu4_1 alone at every level, as the authors' faster code does.
RUNGS: dict[str, tuple[Schedule, TextureSettings]] = {
    "paper": rung(PAPER),
    "fast": rung(FAST),
    **{f"paper+{c}": rung(PAPER, c) for c in CHANGES},
    "paper+relu4_1": rung(RELU4_1),
    "paper+strip+reach": rung(PAPER, "strip", "reach"),
    "paper+own+strip+reach": rung(PAPER, "own+strip", "reach"),
    "paper+strip+reach+s2": rung(PAPER, "strip", "reach", "s2"),
    "paper+strip+reach+mean": rung(PAPER, "strip", "reach", "mean"),
    "paper+strip+reach+s2+mean": rung(PAPER, "strip", "reach", "s2", "mean"),
    "paper+strip+fixed": rung(PAPER, "strip", "fixed"),
    "paper+authors-cand+reach+s2+mean": rung(PAPER, "authors-cand", "reach", "s2", "mean"),
    "authors-all-once": rung(ONCE, "authors-cand", "reach", "s2", "mean", "fixed"),
    "authors-all-once+relu4_2": rung(ONCE, "authors-cand", "reach", "s2", "mean", "fixed",
                                     "relu4_2"),
    "fast+strip": rung(FAST, "strip"),
    # issue 30, the speed ladder: `fast` with the cheap departures, then more iterations
    # where the structure is decided (level 1) and at the finer levels
    "fast+fixed": rung(FAST, "fixed"),
    "fast+reach": rung(FAST, "reach"),
    "fast+reach+fixed": rung(FAST, "reach", "fixed"),
    **{f"fast{'-'.join(map(str, it))}+reach+fixed": rung(replace(FAST, iters=it), "reach",
                                                         "fixed")
       for it in ((60, 20, 6), (100, 20, 6), (100, 40, 12), (100, 10, 3))},
    "fast100-20-6": rung(replace(FAST, iters=(100, 20, 6))),
    **{f"fast{'-'.join(map(str, it))}+reach+fixed+bf16": rung(replace(FAST, iters=it), "reach",
                                                              "fixed", "bf16")
       for it in ((30, 20, 6), (60, 20, 6), (100, 20, 6), (150, 20, 6), (100, 40, 12),
                  (100, 10, 3), (200, 20, 6))},
}
PEERS = ("pypatchmatch", "patchmatch")
#: The table crops the figure shows beside the centre set.
FIGURE_CROPS = ("chelsea#0", "house_dogs#0", "mountain_path#0", "storm_road#0")


def items(kind: str, every: int, photos: int) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """(photo, item, image, mask) of a set ("timing" is "centre", run for its seconds)."""
    if kind == "table":
        crops, names = data.heldout_crops(128, PER_PHOTO), crop_names()
        mask = data.centre_mask(128, 128)
        return [(names[i].split("#")[0], names[i], crops[i], mask)
                for i in range(0, len(crops), every)]
    slugs = data.image_names("heldout")[:photos]
    mask = data.centre_mask(512, 512)
    return [(s, s, data.centre_crop(data.load_image(s), 512), mask) for s in slugs]


def run_one(method: str, image: np.ndarray, mask: np.ndarray
            ) -> tuple[np.ndarray, list[int], list[float]]:
    """A rung's or a peer's fill, and its VGG passes and seconds per level (none for the
    peers)."""
    if method in PEERS:
        return fill(method, image, mask), [], []
    schedule, texture = RUNGS[method]
    out, levels = synthesize(image, mask, schedule=schedule, texture=texture, progress=False)
    passes = [level.history[-1]["passes"] for level in levels]
    return out, passes, [level.seconds for level in levels]


def load(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def paired(got: dict, ref: dict) -> tuple[str, str]:
    """Hole LPIPS of ``got`` minus ``ref`` on the items both have, averaged per photo: the
    mean +- its standard error over photos, and on how many photos it is below zero."""
    per_photo = defaultdict(list)
    for i in got:
        if i in ref:
            per_photo[got[i]["photo"]].append(got[i]["lpips"] - ref[i]["lpips"])
    d = np.array([np.mean(v) for v in per_photo.values()])
    if len(d) < 2:
        return "", ""
    se = d.std(ddof=1) / np.sqrt(len(d))
    return f"{d.mean():+.3f} +- {se:.3f}", f"{(d < 0).sum()} of {len(d)}"


def by_rung(rows: list[dict]) -> dict[tuple[str, str], dict[str, dict]]:
    """The results as (set, rung) -> item -> row."""
    by = defaultdict(dict)
    for r in rows:
        by[(r["set"], r["method"])][r["item"]] = r
    return by


def report(rows: list[dict]) -> None:
    """The tables of the results: the table set twice, on the ladder's 18 crops (every 6th,
    which every rung ran) and on all 108 (the rungs that ran them all), then the centre set;
    each row's means are over the same items for every rung of its table."""
    by = by_rung(rows)
    ladder = {item for _, item, _, _ in items("table", 6, 0)}
    views = [("table", "the ladder's 18 crops", ladder), ("table", "all 108 crops", None),
             ("centre", "512x512 photos", None),
             ("timing", "512x512 photos timed on 2 threads, nothing else running", None)]
    for kind, title, subset in views:
        full = max((len(v) for (k, _), v in by.items() if k == kind), default=0)
        view = {}
        for (k, m), got in by.items():
            if k != kind:
                continue
            got = {i: r for i, r in got.items() if subset is None or i in subset}
            if got and (subset is not None or kind == "centre" or len(got) == full):
                view[m] = got
        methods = [m for m in list(PEERS) + list(RUNGS) if m in view]
        if not methods:
            continue
        peer, ours = view.get("pypatchmatch", {}), view.get("paper", {})
        print(f"\n{kind}, {title}: means over each rung's items; paired differences in hole "
              "LPIPS against pypatchmatch and against `paper`, averaged per photo first, mean +- "
              "standard error over photos, and the photos where the rung is better")
        print("| rung | items | hole PSNR | hole LPIPS | vs pypatchmatch | better on | "
              "vs paper | better on | s (median) | VGG passes (median) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for m in methods:
            got = view[m]
            (d1, w1), (d2, w2) = paired(got, peer), paired(got, ours)
            print(f"| {m} | {len(got)} | {np.mean([r['psnr'] for r in got.values()]):.2f} | "
                  f"{np.mean([r['lpips'] for r in got.values()]):.3f} | {d1} | {w1} | "
                  f"{d2} | {w2} | {statistics.median(r['seconds'] for r in got.values()):.1f} "
                  f"| {statistics.median(r['passes'] for r in got.values()):.0f} |")
        if kind == "centre":
            photos = sorted({i for m in methods for i in view[m]})
            print("\ncentre, per photo, hole LPIPS:")
            print("| rung | " + " | ".join(photos) + " |")
            print("|---|" + "---:|" * len(photos))
            for m in methods:
                got = view[m]
                print(f"| {m} | " + " | ".join(
                    f"{got[p]['lpips']:.3f}" if p in got else "" for p in photos) + " |")


def figure(rows: list[dict], fills: Path, rungs: list[str], out: Path, title: str,
           kinds: tuple[str, ...] = ("centre", "table"), photos: int = 3,
           titles: list[str] | None = None) -> None:
    """Zoomed fills of ``rungs`` (columns headed ``titles``, default their names) beside the
    truth for the first ``photos`` centre photos and :data:`FIGURE_CROPS` (the sets in
    ``kinds``), each captioned with its hole LPIPS, under the heading ``title``; a rung not
    run on an item shows as a grey panel captioned "not run"."""
    lp = {(r["set"], r["method"], r["item"]): r["lpips"] for r in rows}
    grid, labels, captions = [], [], []
    for kind in kinds:
        for _, item, image, mask in items(kind, 6, photos):
            if kind == "table" and item not in FIGURE_CROPS:
                continue
            truth = image[bbox_window(mask, 16)]
            paths = [fills / kind / m / f"{item}.png" for m in rungs]
            if not any(p.is_file() for p in paths):
                continue
            grid.append([truth] + [read_image(p) if p.is_file() else np.full_like(truth, 0.5)
                                   for p in paths])
            labels.append(f"{item}\n({'512x512' if kind == 'centre' else '128x128'})")
            captions.append([""] + [f"LPIPS {lp[(kind, m, item)]:.3f}" if p.is_file() else
                                    "not run" for m, p in zip(rungs, paths, strict=True)])
    fig = image_grid(grid, ["truth"] + (titles or rungs), labels,
                     f"{title}, zoomed on the hole (hole LPIPS below)", captions, width=2.2)
    save_figure(out, fig)
    print(f"wrote {out}")


#: The rung that is ``SCHEDULES["fast"]`` since issue 30 (on a CPU with native bfloat16).
FAST_NOW = "fast100-40-12+reach+fixed+bf16"
#: Rungs whose label goes left of their point in the ladder's figure, clear of a neighbour's.
LEFT_LABELS = ("fast100-10-3+reach+fixed+bf16", "fast100-40-12+reach+fixed+bf16")


def ladder_figure(rows: list[dict], rungs: list[str], out: Path) -> None:
    """Issue 30's ladder: each rung's mean hole LPIPS on the 9 photos at 512x512 against its
    median seconds a photo in the timing set (2 threads, a quiet machine), beside the peers;
    each point is labelled with the photos where it beats pypatchmatch."""
    by = by_rung(rows)
    peer = by[("centre", "pypatchmatch")]
    fig, ax = plt.subplots(figsize=(10, 6))
    for k, m in enumerate(list(PEERS) + rungs):
        got, timed = by[("centre", m)], by[("timing", m)]
        if len(got) < 9 or not timed:
            print(f"{m}: not in the figure (needs the 9 centre photos and a timing run)")
            continue
        x = statistics.median(r["seconds"] for r in timed.values())
        y = np.mean([r["lpips"] for r in got.values()])
        wins = sum(got[i]["lpips"] < peer[i]["lpips"] for i in got)
        ax.plot(x, y, "s" if m in PEERS else "o", color="C3" if m in PEERS else "C0")
        short = m.removeprefix("fast").replace("+reach", " r").replace("+fixed", " f")
        short = short.replace("+bf16", " b") if short[:1].isdigit() else "30-20-6" + short
        label = m if m in PEERS else f"{short} ({wins} of 9)"
        left = m in LEFT_LABELS
        label += {"fast": " = fast before", FAST_NOW: " = fast now"}.get(m, "")
        ax.annotate(label, (x, y), fontsize=8,
                    xytext=(-5 if left else 5, 3 if k % 2 else -10), textcoords="offset points",
                    ha="right" if left else "left")
    ax.axhline(np.mean([r["lpips"] for r in peer.values()]), color="C3", ls="--", lw=0.8,
               label="pypatchmatch's mean")
    paper = by[("centre", "paper")]
    if len(paper) == 9:  # too slow to time on 2 threads: its 1-thread median is quoted
        s = statistics.median(r["seconds"] for r in paper.values())
        ax.axhline(np.mean([r["lpips"] for r in paper.values()]), color="C2", ls="--", lw=0.8,
                   label=f"paper's mean (about {s:.0f} s a photo on 1 thread)")
    ax.axvline(12, color="0.5", ls=":", label="12 s, the target")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(ScalarFormatter())
    ax.set_xlabel("seconds a 512x512 photo (median, 2 threads, log scale); rungs: L-BFGS "
                  "iterations at levels 1-2-3, r queries within reach, f fixed-step L-BFGS, "
                  "b bfloat16", fontsize=9)
    ax.set_ylabel("mean hole LPIPS, 9 held-out photos (lower is better)")
    ax.set_title("The speed ladder: quality against seconds (in brackets: photos where the\n"
                 "rung beats pypatchmatch)")
    ax.legend(loc="center left", fontsize=8)
    save_figure(out, fig)
    print(f"wrote {out}")


def counts() -> None:
    """Candidates per layer and level at `paper`'s first match: the window's own known
    patches (stride 2) and the authors' (the strip-filled window and its 8 rotated and
    scaled copies), on the first item of each set."""
    print("\ncandidates per layer at each level (`paper`, first match):")
    print("| set | level | window | layer | hole positions | ours | the authors' |")
    print("|---|---|---|---|---:|---:|---:|")
    for kind in ("table", "centre"):
        _, item, image, mask = items(kind, 1, 1)[0]
        for s, size in enumerate(level_sizes(mask)):
            img, m = resize_image(image, size), resize_mask(mask, size)
            settings = PAPER.texture(s, TextureSettings(candidates="authors"))
            energy = HoleEnergy(img, m, None, settings, torch.device("cpu"))
            for n in settings.layers:
                hole = energy.layer_holes[n]
                own = source_patches(torch.zeros(1, *hole.shape), hole, settings.patch_size,
                                     settings.source_stride)[0]
                print(f"| {kind} ({item}) | {s + 1} | {size[0]}x{size[1]} | {n} (stride "
                      f"{STRIDES[n]}) | {int(hole.sum())} | {len(own)} | "
                      f"{len(energy.extra_patches[n])} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", choices=("table", "centre", "timing"), default=["table"])
    ap.add_argument("--rungs", nargs="+", choices=list(RUNGS) + list(PEERS),
                    default=list(PEERS) + ["paper"])
    ap.add_argument("--table-every", type=int, default=4)
    ap.add_argument("--photos", type=int, default=3, help="centre set: the first N of 9")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--results", default="benchmarks/results/texture.jsonl")
    ap.add_argument("--fills", default=None, help="save each fill, zoomed, under this folder")
    ap.add_argument("--report", action="store_true", help="only print the tables")
    ap.add_argument("--counts", action="store_true",
                    help="print the candidates per layer and level, then stop")
    ap.add_argument("--figure", nargs="+", metavar="RUNG",
                    help="draw these rungs' saved fills (--fills) to benchmarks/texture.jpg")
    ap.add_argument("--ladder-figure", nargs="+", metavar="RUNG",
                    help="draw these rungs' quality against seconds to benchmarks/ladder.jpg")
    args = ap.parse_args()
    if args.counts:
        return counts()
    path = Path(args.results)
    if not args.report:
        torch.set_num_threads(args.threads)
        path.parent.mkdir(parents=True, exist_ok=True)
        for kind in args.sets:
            todo = items(kind, args.table_every, args.photos)
            for method in args.rungs:
                done = {(r["set"], r["method"], r["item"]) for r in load(path)}
                for photo, item, image, mask in todo:
                    if (kind, method, item) in done:
                        continue
                    t0 = time.perf_counter()
                    out, passes, level_seconds = run_one(method, image, mask)
                    db, lp = hole_scores(out, image, mask)
                    row = dict(set=kind, method=method, photo=photo, item=item,
                               psnr=db, lpips=lp,
                               seconds=time.perf_counter() - t0, passes=sum(passes),
                               level_passes=passes, level_seconds=level_seconds,
                               threads=args.threads)
                    with path.open("a") as f:
                        f.write(json.dumps(row) + "\n")
                    print(f"{kind} {method:22s} {item:18s} LPIPS {row['lpips']:.3f} "
                          f"PSNR {row['psnr']:.2f} {row['seconds']:.1f} s", flush=True)
                    if args.fills:
                        save_image(Path(args.fills) / kind / method / f"{item}.png",
                                   out[bbox_window(mask, 16)])
    report(load(path))
    if args.ladder_figure:
        here = Path(__file__)
        ladder_figure(load(path), args.ladder_figure, here.with_name("ladder.jpg"))
        if args.fills:  # the peers and the ends of the ladder, zoomed
            ends = ["pypatchmatch", "fast", FAST_NOW, "paper"]
            titles = ["pypatchmatch", "fast before (30-20-6)", "fast now (100-40-12 r f b)",
                      "paper"]
            figure(load(path), Path(args.fills), ends, here.with_name("ladder_fills.jpg"),
                   "The speed ladder's rungs", ("centre",), 9, titles)
    if args.figure:
        figure(load(path), Path(args.fills), args.figure,
               Path(__file__).with_name("texture.jpg"), "The texture stage's departures")


if __name__ == "__main__":
    main()
