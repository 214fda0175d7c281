"""Reproducing the paper's figures, and its table (:mod:`nplib.evaluation`): ``make figures``
(docs/method.md, "What the paper shows").

The figures:

1. result grid: input, PatchMatch, context encoder, ours, ground truth;
2. the content-network ablation: ours from a mean-colour start vs from the network;
3. object removal: original, object cut out, PatchMatch, ours;
4. the multi-scale stages of one high-resolution result;
5. the texture network's effect: content network alone vs after the optimisation.

Everything heavy is cached under ``<out>/cache`` (one PNG per case and method, one CSV
row per crop and method), so a stopped run continues where it stopped; ``--recompute``
empties the cache first. ``telea`` and ``pypatchmatch`` are peers from the ``bench`` extra.

    python -m nplib.reproduce --out figures            # all of it: ~40 min on 2 CPU cores
    python -m nplib.reproduce --out figures --only table fig4
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from nplib import data
from nplib.evaluation import (
    TABLE_METHODS,
    VARIANTS,
    evaluate,
    fill,
    summarise,
    table_markdown,
    write_table,
)
from nplib.figures import image_grid, show_hole
from nplib.holes import hole_bbox
from nplib.io import atomic_write, read_image, save_figure, save_image
from nplib.lpips import hole_scores
from nplib.methods import seed_everything
from nplib.synthesis import synthesize

#: The figures' cases: "centre:<photo>" is the photo's 512x512 centre crop with the
#: paper's 256x256 centre hole, "object:<photo>" the full photo with its object mask.
CENTRE_CASES = ("centre:house_dogs", "centre:mountain_path", "centre:wall_clock")
OBJECT_CASES = (
    "object:house_dogs", "object:coffee", "object:rocket", "object:living_room",
    "object:nuthatch_tree",
)

#: The case whose pyramid figure 4 shows.
STAGES_CASE = "centre:house_dogs"

FIGURES = ("fig1", "fig2", "fig3", "fig4", "fig5")


def case(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The image and mask of a figure case (see :data:`CENTRE_CASES`)."""
    kind, photo = name.split(":")
    if kind == "centre":
        return data.centre_crop(data.load_image(photo), 512), data.centre_mask(512, 512)
    return data.load_image(photo), data.load_mask(f"{photo}_object")


def _stem(name: str) -> str:
    return name.replace(":", "_")


def _full_with_levels(name: str, cache: Path) -> np.ndarray:
    """Run the full method on a case; cache its result and every level of its pyramid.
    ``synthesize`` returns the known pixels as they are, as :func:`nplib.evaluation.fill`'s."""
    image, mask = case(name)
    seed_everything(0)
    _, options = VARIANTS["full"]
    out, levels = synthesize(image, mask, schedule=options["schedule"], progress=False)
    info = []
    for i, level in enumerate(levels):
        save_image(cache / f"{_stem(name)}__level{i + 1}_start.png", level.start)
        save_image(cache / f"{_stem(name)}__level{i + 1}_result.png", level.result)
        info.append({"size": list(level.size), "seconds": level.seconds})
    text = json.dumps(info, indent=1)
    atomic_write(cache / f"{_stem(name)}__levels.json", lambda tmp: Path(tmp).write_text(text))
    save_image(cache / f"{_stem(name)}__full.png", out)
    return out


def result(name: str, method: str, cache: Path) -> np.ndarray:
    """A figure case filled by ``method``, cached as ``cache/<case>__<method>.png``."""
    path = Path(cache) / f"{_stem(name)}__{method}.png"
    if path.is_file():
        return read_image(path)
    if method == "full":
        return _full_with_levels(name, Path(cache))
    out = fill(method, *case(name))
    save_image(path, out)
    return out


def stages(name: str, cache: Path) -> list[dict]:
    """The full method's pyramid for a case: per level its size, seconds, start and result."""
    info_path = Path(cache) / f"{_stem(name)}__levels.json"
    if not info_path.is_file():
        _full_with_levels(name, Path(cache))
    levels = json.loads(info_path.read_text())
    for i, level in enumerate(levels):
        for k in ("start", "result"):
            level[k] = read_image(Path(cache) / f"{_stem(name)}__level{i + 1}_{k}.png")
    return levels


def _label(name: str) -> str:
    kind, photo = name.split(":")
    return f"{photo}\n({'256x256 centre hole' if kind == 'centre' else 'object mask'})"


def _score(out: np.ndarray, image: np.ndarray, mask: np.ndarray) -> str:
    db, lp = hole_scores(out, image, mask)
    return f"PSNR {db:.2f} dB, LPIPS {lp:.3f}"


def _comparison(names, methods: list[str], cache: Path, desc: str, progress: bool):
    """Rows (input, each method's result, truth) and captions (hole scores under the results
    of centre cases; object cases have no ground truth, their last image is the original)."""
    rows, captions = [], []
    for name in tqdm(names, desc=desc, disable=not progress):
        image, mask = case(name)
        outs = [result(name, m, cache) for m in methods]
        centre = name.startswith("centre")
        rows.append([show_hole(image, mask), *outs, image])
        scores = [_score(o, image, mask) if centre else "" for o in outs]
        captions.append(["", *scores, "" if centre else "(with the object)"])
    return rows, captions


def figure_results(cache: Path, progress: bool = True):
    """Figure 1: input, PatchMatch, context encoder, ours, ground truth (scores under each)."""
    names = list(CENTRE_CASES) + list(OBJECT_CASES[:2])
    methods = ["patchmatch", "content-l2adv", "full"]
    rows, captions = _comparison(names, methods, cache, "figure 1", progress)
    cols = ["input (hole in magenta)", "PatchMatch (ours)", "context encoder (L2 + adv)",
            "ours (full method)", "ground truth / original"]  # fmt: skip
    return image_grid(
        rows, cols, [_label(n) for n in names],
        "Figure 1: results on held-out photos (hole scores where there is a ground truth)",
        captions=captions,
    )  # fmt: skip


def figure_ablation(cache: Path, progress: bool = True):
    """Figure 2: the full method from a mean-colour start vs from the content network."""
    rows, captions = _comparison(CENTRE_CASES, ["full-mean", "full"], cache, "figure 2", progress)
    cols = ["input", "ours without content network\n(mean-colour start)",
            "ours with content network", "ground truth"]  # fmt: skip
    return image_grid(
        rows, cols, [_label(n) for n in CENTRE_CASES],
        "Figure 2: the content network's role: the same optimisation from two starts",
        captions=captions,
    )  # fmt: skip


def figure_object_removal(cache: Path, progress: bool = True):
    """Figure 3: original, the object cut out, PatchMatch, ours."""
    rows = []
    for name in tqdm(OBJECT_CASES, desc="figure 3", disable=not progress):
        image, mask = case(name)
        outs = [result(name, m, cache) for m in ("patchmatch", "full")]
        rows.append([image, show_hole(image, mask), *outs])
    cols = ["original", "object cut out", "PatchMatch (ours)", "ours (full method)"]
    return image_grid(
        rows, cols, [n.split(":")[1] for n in OBJECT_CASES],
        "Figure 3: object removal (no ground truth: judge whether the fill is plausible)",
    )  # fmt: skip


def figure_stages(cache: Path, progress: bool = True):
    """Figure 4: every level's start (upsampled previous result) and its optimised result."""
    levels = stages(STAGES_CASE, cache)
    image, mask = case(STAGES_CASE)
    top, bottom, left, right = hole_bbox(mask)
    cols = [f"level {i + 1}: {lv['size'][1]}x{lv['size'][0]}, {lv['seconds']:.1f} s"
            for i, lv in enumerate(levels)]  # fmt: skip
    rows = [[lv["start"] for lv in levels], [lv["result"] for lv in levels]]
    start_label = "start of the level\n(level 1: content network;\nthen the upsampled result)"
    return image_grid(
        rows, cols, [start_label, "after texture\noptimisation"],
        f"Figure 4: the multi-scale stack on {STAGES_CASE.split(':')[1]} "
        f"(window around the {right - left}x{bottom - top} hole, coarse to fine)",
    )  # fmt: skip


def _sharpness(img: np.ndarray) -> float:
    """Mean gradient magnitude (x 100): higher is sharper."""
    gy, gx = np.gradient(img.mean(axis=2))
    return float(np.hypot(gx, gy).mean() * 100)


def figure_texture(cache: Path, progress: bool = True):
    """Figure 5: content network alone vs after the texture optimisation, zoomed on the hole."""
    rows, captions = [], []
    for name in tqdm(CENTRE_CASES, desc="figure 5", disable=not progress):
        image, mask = case(name)
        top, bottom, left, right = hole_bbox(mask)
        cy, cx = (top + bottom) // 2, (left + right) // 2
        zoom = np.s_[cy - 64 : cy + 64, cx - 64 : cx + 64]
        outs = [result(name, m, cache) for m in ("content-l2adv", "full")]
        rows.append([o[zoom] for o in outs] + [image[zoom]])
        captions.append([f"sharpness {_sharpness(o[zoom]):.2f}" for o in [*outs, image]])
    cols = ["content network alone", "after texture optimisation (ours)", "ground truth"]
    return image_grid(
        rows, cols, [_label(n) for n in CENTRE_CASES],
        "Figure 5: the texture network's effect (128x128 zoom on the hole's centre; "
        "sharpness = mean gradient magnitude x 100)",
        captions=captions,
    )  # fmt: skip


FIGURE_FUNCTIONS = {
    "fig1": ("fig1_results.png", figure_results),
    "fig2": ("fig2_ablation.png", figure_ablation),
    "fig3": ("fig3_object_removal.png", figure_object_removal),
    "fig4": ("fig4_stages.png", figure_stages),
    "fig5": ("fig5_texture.png", figure_texture),
}


def main(argv: list[str] | None = None) -> None:
    """``python -m nplib.reproduce``: regenerate the table and the figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    doc = __doc__.split("\n")[0]
    p = argparse.ArgumentParser(prog="python -m nplib.reproduce", description=doc)
    p.add_argument("--out", type=Path, default=Path("figures"), help="output folder")
    p.add_argument("--only", nargs="+", choices=["table", *FIGURES], help="parts to make")
    p.add_argument("--recompute", action="store_true", help="delete OUT/cache first")
    p.add_argument("--limit", type=int, help="table: only the first LIMIT crops (a quick check)")
    args = p.parse_args(argv)
    cache = args.out / "cache"
    if args.recompute:
        shutil.rmtree(cache, ignore_errors=True)
    parts = args.only or ["table", *FIGURES]
    t0 = time.perf_counter()
    if "table" in parts:
        rows = evaluate(list(TABLE_METHODS), limit=args.limit, cache=cache)
        write_table(rows, args.out)
        print(table_markdown(summarise(rows)))
    for part in parts:
        if part in FIGURE_FUNCTIONS:
            filename, make = FIGURE_FUNCTIONS[part]
            fig = make(cache)
            print("wrote", save_figure(args.out / filename, fig))
            plt.close(fig)
    print(f"done in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
