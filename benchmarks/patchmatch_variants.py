"""Experiment: our PatchMatch inpainting's choices judged by hole LPIPS (issue 27).

Our PatchMatch (``nplib.patchmatch.inpaint_patchmatch``) was first tuned by hole PSNR, which
rewards blur. Each variant below is a set of its options; every one is scored on the same sets
beside pypatchmatch: the paper table's 108 crops and the 9 held-out photos at 256 and 512.

- ``usage0``: no price on a source that several queries chose (``usage_weight=0``);
- ``em<...>``: EM iterations per level, finest first (``em_iters``);
- ``usage<w>``: a higher price on reuse (``usage_weight=w``);
- ``box-pyramid``: the pyramid nplib had before (2x2 block means, a coarse pixel a hole when
  any child is), in place of the C++ PatchMatch's halving (``nplib.patchmatch._downsample``).

The C++ choices tried before (gradients in the distance, similarity-weighted votes, the best
match's pixel, a deeper pyramid, a random start; benchmarks/README.md, "PatchMatch judged by
LPIPS (issue 27)") were run by this script as of commit dd9b91a, which rebuilt the loop
around the matrix of every source patch that nplib no longer keeps; their rows are in
``results/patchmatch_variants_dd9b91a.jsonl``. Results are appended to
``--out`` as JSON lines (runs resume); ``--report`` prints the tables.

    .venv/bin/python benchmarks/patchmatch_variants.py --sets table 256 512 \
        --variants pypatchmatch ours usage0
    .venv/bin/python benchmarks/patchmatch_variants.py --report
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from unittest import mock

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_patchmatch import load_cases  # noqa: E402
from bench_texture import paired  # noqa: E402

from nplib import data, patchmatch  # noqa: E402
from nplib.evaluation import PER_PHOTO, crop_names, peer_inpaint  # noqa: E402
from nplib.lpips import hole_scores  # noqa: E402
from nplib.patchmatch import inpaint_patchmatch  # noqa: E402

#: Options of ``inpaint_patchmatch`` per variant; "ours" is its defaults.
VARIANTS = {
    "ours": {},
    "usage0": dict(em_iters=(2, 8, 16), usage_weight=0.0),
    "em2-16": dict(em_iters=(2, 16), search_iters=(1, 2)),
    "em2-8-16": dict(em_iters=(2, 8, 16)),
    "usage0.3": dict(usage_weight=0.3),
    "usage1": dict(usage_weight=1.0),
    "box-pyramid": {},
}


def box_halving(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """nplib's halving before the C++ one: known pixels average their known children in 2x2
    blocks; any hole child makes a hole, so the coarse hole never shrinks."""
    h, w = mask.shape
    pad = ((0, h % 2), (0, w % 2))
    image = np.pad(image, (*pad, (0, 0)), mode="edge")
    known = np.pad(~mask, pad, mode="edge").astype(np.float32)
    h2, w2 = known.shape[0] // 2, known.shape[1] // 2
    count = known.reshape(h2, 2, w2, 2).sum((1, 3))
    total = (image * known[..., None]).reshape(h2, 2, w2, 2, 3).sum((1, 3))
    return (total / np.maximum(count, 1)[..., None]).astype(np.float32), count < 4


#: Variants that replace one private step of nplib's PatchMatch: (its name, the stand-in).
REPLACED = {"box-pyramid": ("_downsample", box_halving)}


def cases(name: str) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """(photo, item, image, mask): the table's 108 crops, or the held-out photos at a size."""
    if name == "table":
        crops, names = data.heldout_crops(128, PER_PHOTO), crop_names()
        mask = data.centre_mask(128, 128)
        return [(n.split("#")[0], n, c, mask) for n, c in zip(names, crops, strict=True)]
    return [(s, s, im, m) for s, im, m in load_cases(int(name), "centre", "heldout", None)]


def run(variant: str, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    if variant == "pypatchmatch":
        return peer_inpaint("pypatchmatch", image, mask)
    if variant in REPLACED:
        with mock.patch.object(patchmatch, *REPLACED[variant]):
            return inpaint_patchmatch(image, mask, seed=0, **VARIANTS[variant])
    return inpaint_patchmatch(image, mask, seed=0, **VARIANTS[variant])


def report(rows: list[dict]) -> None:
    """Per set and variant: means, and the paired hole-LPIPS difference against
    pypatchmatch averaged per photo, mean +- standard error over the photos
    (``bench_texture.paired``)."""
    by = defaultdict(dict)
    for r in rows:
        by[(r["set"], r["v"])][r["item"]] = r
    for s in ("table", "256", "512"):
        ref = by.get((s, "pypatchmatch"), {})
        names = [v for v in ["pypatchmatch", *VARIANTS] if (s, v) in by]
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
                    choices=["pypatchmatch", *VARIANTS])
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
