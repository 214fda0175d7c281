"""Experiment: pypatchmatch's choices in our PatchMatch inpainting, judged by hole LPIPS (issue 27).

Our PatchMatch (``nplib.patchmatch.inpaint_patchmatch``) was tuned by hole PSNR, which
rewards blur. This script rebuilds its loop (``_inpaint_window``, with the same helpers and
the same result for the default options: checked to 1e-6) with the choices of the C++
PatchMatch behind pypatchmatch (vacancy/PyPatchMatch ``csrc/``) and a few others as options,
and scores each on the same sets beside pypatchmatch:

- ``grad``: the patch distance on RGB plus x and y gradients (nnf.cpp), sources kept one
  pixel further from the hole so that no gradient reads it;
- ``sim``: votes weighted by pypatchmatch's similarity curve of the mean squared patch
  error (``kDistance2Similarity``, inpaint.cpp);
- ``fine0`` / ``fine1`` / ``fine3x2``: 0, 1 or 3 EM iterations at the finest level (1 is
  pypatchmatch's; 3x2: 3 with 2 searches each);
- ``wta`` / ``wta-fine``: every hole pixel takes the value of its best-matching overlapping
  patch, everywhere or at the finest level only (the sharpest vote there is);
- ``deep``: a pyramid down to a hole of a few pixels, as pypatchmatch's;
- ``rinit``: the coarsest level starts from a random field's vote instead of the onion peel.

None of them beat the default on hole LPIPS (benchmarks/README.md, "PatchMatch judged by
LPIPS"), so none is in nplib. Results are appended to ``--out`` as JSON lines (runs resume);
``--report`` prints the tables.

    .venv/bin/python benchmarks/patchmatch_variants.py --sets table 256 512 \
        --variants pypatchmatch ours grad sim
    .venv/bin/python benchmarks/patchmatch_variants.py --report
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_patchmatch import load_cases  # noqa: E402
from bench_texture import paired  # noqa: E402

import nplib.patchmatch as pm  # noqa: E402
from nplib import data  # noqa: E402
from nplib.lpips import hole_scores  # noqa: E402
from nplib.reproduce import PER_PHOTO, crop_names, peer_inpaint  # noqa: E402

#: pypatchmatch's kDistance2Similarity: weight at mean squared error 0, 0.01, ..., 0.1.
SIMILARITY = np.array([1.0, 0.99, 0.96, 0.83, 0.38, 0.11, 0.02, 0.005, 0.0006, 0.0001, 0.0])


def features(img: np.ndarray, grad: bool) -> np.ndarray:
    """RGB, or RGB and its x and y central differences halved (pypatchmatch's gradients)."""
    if not grad:
        return img
    pad = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    gx = 0.5 * (pad[1:-1, 2:] - pad[1:-1, :-2])
    gy = 0.5 * (pad[2:, 1:-1] - pad[:-2, 1:-1])
    return np.concatenate([img, gx, gy], -1).astype(np.float32)


def vote(image, hole, qyx, src, dist, p, how, channels):
    """The hole's pixels from the matched patches of ``image``: mean, similarity-weighted
    mean, or the best match's pixel ("wta"). One offset of the patch at a time."""
    h, w = hole.shape
    r = p // 2
    sy, sx = np.divmod(src, w)
    pad = np.pad(image, ((r, r), (r, r), (0, 0)), mode="reflect")
    acc = np.zeros((h + 2 * r, w + 2 * r, 3), np.float32)
    tot = np.zeros((h + 2 * r, w + 2 * r), np.float32)
    best = np.full((h + 2 * r, w + 2 * r), np.inf, np.float32)
    weight = np.ones(len(src), np.float32)
    if how == "sim":
        mse = dist / (p * p * channels)
        weight = np.maximum(np.interp(mse, np.arange(11) / 100, SIMILARITY), 1e-4)
    for dy in range(p):
        for dx in range(p):
            ty, tx = qyx[:, 0] + dy, qyx[:, 1] + dx  # distinct within one offset
            v = pad[sy + dy, sx + dx]
            if how == "wta":
                upd = dist < best[ty, tx]
                best[ty[upd], tx[upd]] = dist[upd]
                acc[ty[upd], tx[upd]] = v[upd]
                tot[ty[upd], tx[upd]] = 1
            else:
                acc[ty, tx] += v * weight[:, None]
                tot[ty, tx] += weight
    acc, tot = acc[r : r + h, r : r + w], tot[r : r + h, r : r + w]
    x = image.copy()
    x[hole] = acc[hole] / np.maximum(tot[hole], 1e-12)[:, None]
    return x


def inpaint(image, mask, grad=False, how="mean", fine_how=None, em=2, cem=16, si=2, fsi=1,
            deep=False, init="peel", seed=0):
    """``inpaint_patchmatch`` (7x7 patches) with the options of the module docstring."""
    p, channels = 7, 9 if grad else 3
    image, mask = np.asarray(image, np.float32), np.asarray(mask, bool)
    rng = np.random.default_rng(seed)
    levels = [(image, mask)]
    while (pm._erode(levels[-1][1], 2 if deep else p).any()
           and min(levels[-1][1].shape) >= (3 if deep else 8) * p):
        coarser = pm._downsample(*levels[-1])
        if pm._touches(coarser[1], p).all():
            break
        levels.append(coarser)
    x, hole = levels[-1]
    x = pm._peel_fill(x, hole)
    if init == "random":
        qy, qx = np.nonzero(pm._touches(hole, p))
        src = pm._random_sources(~pm._touches(hole, p), len(qy), rng)
        x = vote(levels[-1][0], hole, np.stack([qy, qx], 1), src, None, p, "mean", 3)
    prev = None
    for depth in range(len(levels) - 1, -1, -1):
        known, hole = levels[depth]
        h, w = hole.shape
        qy, qx = np.nonzero(pm._touches(hole, p))
        qyx = np.stack([qy, qx], 1)
        invalid = ~pm._erode(~hole, 1) if grad else hole  # gradients read one pixel further
        ok_b = ~pm._touches(invalid, p)
        if prev is None:
            src = pm._random_sources(ok_b, len(qy), rng)
        else:
            sy = np.clip(2 * prev[qy // 2, qx // 2, 0] + qy % 2, 0, h - 1)
            sx = np.clip(2 * prev[qy // 2, qx // 2, 1] + qx % 2, 0, w - 1)
            src = sy * w + sx
            bad = (prev[qy // 2, qx // 2, 0] < 0) | ~ok_b.reshape(-1)[src]
            src[bad] = pm._random_sources(ok_b, int(bad.sum()), rng)
        bp = pm._patches(features(known, grad), p)
        level_how = fine_how if (depth == 0 and fine_how) else how
        if prev is not None:
            x = vote(known, hole, qyx, src, None, p, "mean", channels)
        n_em, n_search = (em, fsi) if depth == 0 else (cem, si)
        for _ in range(n_em):
            aq = pm._patches(features(x, grad), p, qy, qx)
            src, dist = pm._search(aq, bp, qyx, src, ok_b, n_search, rng)
            x = vote(known, hole, qyx, src, dist, p, level_how, channels)
        prev = np.full((h, w, 2), -1)
        prev[qy, qx] = np.stack(np.divmod(src, w), 1)
    return np.where(mask[..., None], x, image).astype(np.float32)


VARIANTS = {
    "fine0": dict(em=0), "fine1": dict(em=1), "fine3x2": dict(em=3, fsi=2),
    "grad": dict(grad=True), "sim": dict(how="sim"), "grad+sim": dict(grad=True, how="sim"),
    "grad+sim+fine1": dict(grad=True, how="sim", em=1),
    "wta-fine": dict(fine_how="wta"), "wta": dict(how="wta"),
    "grad+wta-fine": dict(grad=True, fine_how="wta"),
    "deep": dict(deep=True), "deep+sim": dict(deep=True, how="sim"),
    "rinit": dict(init="random"), "rinit+sim": dict(init="random", how="sim"),
}  # fmt: skip


def cases(name: str) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """(photo, item, image, mask): the table's 108 crops, or the held-out photos at a size."""
    if name == "table":
        crops, names = data.heldout_crops(128, PER_PHOTO), crop_names()
        mask = data.centre_mask(128, 128)
        return [(n.split("#")[0], n, c, mask) for n, c in zip(names, crops, strict=True)]
    return [(s, s, im, m) for s, im, m in load_cases(int(name), "centre", "heldout", None)]


def run(variant: str, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    if variant == "ours":
        return pm.inpaint_patchmatch(image, mask, patch_size=7, seed=0)
    if variant == "pypatchmatch":
        return peer_inpaint("pypatchmatch", image, mask)
    return inpaint(image, mask, **VARIANTS[variant])


def report(rows: list[dict]) -> None:
    """Per set and variant: means, and the paired hole-LPIPS difference against
    pypatchmatch averaged per photo, mean +- standard error over the photos
    (``bench_texture.paired``)."""
    by = defaultdict(dict)
    for r in rows:
        by[(r["set"], r["v"])][r["item"]] = r
    for s in ("table", "256", "512"):
        ref = by.get((s, "pypatchmatch"), {})
        names = [v for v in ["pypatchmatch", "ours", *VARIANTS] if (s, v) in by]
        if not names:
            continue
        print(f"\n{s}: | variant | items | hole PSNR | hole LPIPS | vs pypatchmatch | "
              "better on | s (median) |\n|---|---:|---:|---:|---:|---:|---:|")
        for v in names:
            got = by[(s, v)]
            diff, wins = paired(got, ref)
            print(f"| {v} | {len(got)} | {np.mean([r['psnr'] for r in got.values()]):.2f} | "
                  f"{np.mean([r['lpips'] for r in got.values()]):.3f} | {diff} | {wins} | "
                  f"{np.median([r['s'] for r in got.values()]):.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=["table"], choices=("table", "256", "512"))
    ap.add_argument("--variants", nargs="+", default=["pypatchmatch", "ours"],
                    choices=["pypatchmatch", "ours", *VARIANTS])
    ap.add_argument("--out", default="benchmarks/results/patchmatch_variants.jsonl")
    ap.add_argument("--report", action="store_true", help="only print the tables")
    args = ap.parse_args()
    path = Path(args.out)
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []
    if not args.report:
        torch.set_num_threads(1)  # LPIPS only
        done = {(r["set"], r["v"], r["item"]) for r in rows}
        for s in args.sets:
            for v in args.variants:
                for photo, item, image, mask in cases(s):
                    if (s, v, item) in done:
                        continue
                    t = time.perf_counter()
                    out = np.where(mask[..., None], run(v, image, mask), image)
                    seconds = time.perf_counter() - t
                    db, lp = hole_scores(out, image, mask)
                    row = dict(set=s, v=v, photo=photo, item=item, s=seconds, lpips=lp, psnr=db)
                    with path.open("a") as f:
                        f.write(json.dumps(row) + "\n")
                    rows.append(row)
    report(rows)


if __name__ == "__main__":
    main()
