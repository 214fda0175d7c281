"""Reproducing the paper's table and figures (docs/method.md, "What the paper shows"): make figures.

The table follows the paper's protocol on our held-out photos: 128x128 crops with a
64x64 centre hole (:func:`nplib.data.heldout_crops`, 12 a photo: 108 crops), errors
measured on the hole: mean L1 and mean L2 (percent) and PSNR (the paper's three), plus
SSIM and LPIPS (:mod:`nplib.lpips`). The paper's own rows are printed beside ours.

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
import csv
import json
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from nplib import data
from nplib.figures import image_grid, show_hole
from nplib.io import (
    InputError,
    atomic_write,
    hole_bbox,
    read_image,
    save_figure,
    save_image,
    to_uint8,
)
from nplib.lpips import hole_scores, lpips
from nplib.methods import composite, inpaint, seed_everything
from nplib.metrics import all_metrics
from nplib.synthesis import STARTS, synthesize

#: The table's rows, key -> label; each key is a method of :func:`fill`.
TABLE_METHODS = {
    "mean": "mean-colour fill",
    "diffusion": "membrane (diffusion) fill",
    "telea": "OpenCV Telea",
    "pypatchmatch": "pypatchmatch (C++ PatchMatch)",
    "patchmatch": "PatchMatch (ours, nplib)",
    "content-l2": "content network, L2",
    "content-l2adv": "content network, L2 + adv",
    "full": "ours: content + multi-scale texture, schedule fast",
    "full-paper": "ours: content + multi-scale texture, schedule paper",
    "full-diffusion": "ours from a membrane-fill start (control), fast",
    "full-patchmatch": "ours from a PatchMatch start (beyond the paper), fast",
}

#: The paper's quantitative table (Paris StreetView, 100 test images, 128x128 with a
#: 64x64 centre hole) as docs/method.md, "What the paper shows", gives it: (label, mean L1 %,
#: mean L2 %, PSNR dB), beside the rows run as the paper ran them (the authors' schedule for
#: ours). The paper reports PatchMatch as clearly worse, without numbers here.
PAPER_ROWS = {
    "content-l2": ("Context Encoders (L2)", 10.5, 2.4, 17.3),
    "content-l2adv": ("Context Encoders (L2 + adv)", 10.3, 2.4, 17.6),
    "full-paper": ("Yang et al. 2017", 10.0, 2.2, 18.0),
}

#: The table's and the figures' rows that are an nplib method with options: name ->
#: (method of :data:`nplib.methods.METHODS`, its options). ``content-*`` are the two shipped
#: checkpoints; ``full`` runs ``fast`` whatever the device, so the table and figures do not
#: depend on it; ``full-mean`` is the paper's ablation. Every other row is a method of
#: ``METHODS`` as it is, or one of :data:`PEERS`.
VARIANTS: dict[str, tuple[str, dict]] = {
    "content-l2": ("content", {"model": "classroom-l2"}),
    "content-l2adv": ("content", {"model": "classroom-l2adv"}),
    "full": ("full", {"schedule": "fast"}),
    "full-paper": ("full", {"schedule": "paper"}),
    **{f"full-{start}": ("full", {"start": start, "schedule": "fast"}) for start in STARTS},
}

#: Inpainting programs other than nplib's, run on 8-bit copies (:func:`peer_inpaint`).
PEERS = ("telea", "ns", "pypatchmatch")

#: Crops a held-out photo for the table (9 photos: 108 crops).
PER_PHOTO = 12

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


# ----------------------------------------------------------------------------- methods


def peer_inpaint(name: str, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The peers on 8-bit copies: OpenCV's ``telea`` / ``ns`` and ``pypatchmatch`` (C++)."""
    u8 = to_uint8(image)
    m8 = mask.astype(np.uint8) * 255
    try:
        if name == "pypatchmatch":
            import patchmatch

            patchmatch.set_random_seed(0)
            out = patchmatch.inpaint(u8, m8, patch_size=3)  # radius 3: 7x7 patches, as ours
        else:
            import cv2

            flag = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}[name]
            out = cv2.inpaint(u8, m8, 3, flag)
    except ImportError as err:
        hint = "pip install -e '.[bench]'"
        raise InputError(f"{name} needs the bench extra: {hint} ({err})") from err
    return out.astype(np.float32) / 255.0


def fill(method: str, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Inpaint with one method of the table or the figures, seeded; known pixels kept.

    Methods: any of :data:`nplib.methods.METHODS`, the :data:`VARIANTS` (a method with
    options) and the :data:`PEERS`.
    """
    seed_everything(0)
    if method in PEERS:
        return composite(image, peer_inpaint(method, image, mask), mask)
    name, options = VARIANTS.get(method, (method, {}))
    return inpaint(image, mask, name, progress=False, **options)


# ----------------------------------------------------------------------------- the table

FIELDS = ["method", "crop", "mean_l1_%", "mean_l2_%", "psnr_db", "ssim", "lpips", "seconds"]


def crop_names(per_photo: int = PER_PHOTO) -> list[str]:
    """``<photo>#<k>`` for every crop of :func:`nplib.data.heldout_crops`, in its order."""
    return [f"{slug}#{k}" for slug in data.image_names("heldout") for k in range(per_photo)]


def _read_rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if all(r.get(k) for k in FIELDS)]
    return [{k: (r[k] if k in ("method", "crop") else float(r[k])) for k in FIELDS} for r in rows]


def evaluate(
    methods: list[str],
    *,
    per_photo: int = PER_PHOTO,
    limit: int | None = None,
    cache: Path | None = None,
    progress: bool = True,
) -> list[dict]:
    """One row per (method, crop): the hole's metrics and the seconds the fill took.

    ``limit`` keeps the first crops only. Rows found in ``cache/table_rows.csv`` are
    reused and new ones are appended to it as they come.
    """
    crops = data.heldout_crops(128, per_photo)
    names = crop_names(per_photo)
    n = len(crops) if limit is None else min(limit, len(crops))
    mask = data.centre_mask(128, 128)
    path = None if cache is None else Path(cache) / "table_rows.csv"
    known = {} if path is None else {(r["method"], r["crop"]): r for r in _read_rows(path)}
    rows = []
    for method in methods:
        for i in tqdm(range(n), desc=f"table: {method}", disable=not progress):
            if (method, names[i]) in known:
                rows.append(known[(method, names[i])])
                continue
            t0 = time.perf_counter()
            out = fill(method, crops[i], mask)
            seconds = time.perf_counter() - t0
            row = {"method": method, "crop": names[i], **all_metrics(out, crops[i], mask)}
            row.update(lpips=lpips(out, crops[i], mask), seconds=seconds)
            rows.append(row)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                new = not path.is_file()
                with path.open("a", newline="") as f:
                    writer = csv.DictWriter(f, FIELDS)
                    if new:
                        writer.writeheader()
                    writer.writerow(row)
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    """Per method, in :data:`TABLE_METHODS` order: mean metrics, median seconds, paper row."""
    order = [m for m in TABLE_METHODS if any(r["method"] == m for r in rows)]
    order += sorted({r["method"] for r in rows} - set(order))
    table = []
    for m in order:
        mine = [r for r in rows if r["method"] == m]
        row = {"method": m, "label": TABLE_METHODS.get(m, m), "n": len(mine)}
        for k in ("mean_l1_%", "mean_l2_%", "psnr_db", "ssim", "lpips"):
            row[k] = float(np.mean([r[k] for r in mine]))
        row["seconds"] = statistics.median(r["seconds"] for r in mine)
        paper = PAPER_ROWS.get(m)
        row.update(zip(("paper_label", "paper_l1_%", "paper_l2_%", "paper_psnr_db"),
                       paper or ("", None, None, None), strict=True))  # fmt: skip
        table.append(row)
    return table


def table_markdown(table: list[dict]) -> str:
    """The summary as a Markdown table, the paper's numbers in the last column."""
    lines = [
        "| method | mean L1 (%) | mean L2 (%) | PSNR (dB) | SSIM | LPIPS | s / crop "
        "| paper: L1 / L2 / PSNR |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in table:
        paper = (f"{r['paper_l1_%']:.1f} / {r['paper_l2_%']:.1f} / {r['paper_psnr_db']:.1f} "
                 f"({r['paper_label']})" if r["paper_label"] else "")  # fmt: skip
        lines.append(
            f"| {r['label']} | {r['mean_l1_%']:.2f} | {r['mean_l2_%']:.2f} | "
            f"{r['psnr_db']:.2f} | {r['ssim']:.3f} | {r['lpips']:.3f} | {r['seconds']:.2f} "
            f"| {paper} |"
        )
    n = table[0]["n"] if table else 0
    lines.append("")
    lines.append(
        f"Hole metrics (64x64 centre hole) averaged over {n} 128x128 crops of the held-out "
        "photos; lower is better for L1, L2 and LPIPS, higher for PSNR and SSIM; seconds are "
        "the median per crop on this machine's CPU. Paper: Paris StreetView, 100 test images."
    )
    return "\n".join(lines) + "\n"


#: The table's rows each notebook has built when it opens: notebook 02 starts from the cheap
#: fills and PatchMatch (notebook 01), 03 and 04 have the content network too, 05 the method.
SCOREBOARD = {
    "02": ["mean", "diffusion", "patchmatch", "pypatchmatch"],
    "03": ["diffusion", "patchmatch", "pypatchmatch", "content-l2adv"],
    "04": ["diffusion", "patchmatch", "pypatchmatch", "content-l2adv"],
    "05": ["patchmatch", "pypatchmatch", "content-l2adv", "full"],
}


def scoreboard(notebook: str, table: Path = data.DATA_DIR.parent / "figures" / "table.csv") -> str:
    """The scoreboard a notebook opens with: hole LPIPS and PSNR on the table's 108 crops of
    :data:`SCOREBOARD`'s rows for ``notebook`` ("02" ... "05"), read from ``table``
    (``make figures`` writes it), one line each under a heading line."""
    with Path(table).open(newline="") as f:
        rows = {r["method"]: r for r in csv.DictReader(f)}
    lines = [f"so far, on the table's {rows['mean']['n']} held-out crops (64x64 hole): "
             "hole LPIPS (lower is better), hole PSNR"]
    for m in SCOREBOARD[notebook]:
        r = rows[m]
        lines.append(f"  {r['label']:<52} LPIPS {float(r['lpips']):.3f}   "
                     f"PSNR {float(r['psnr_db']):.2f} dB")
    return "\n".join(lines)


def _write_csv(path: Path, rows: list[dict]) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    atomic_write(path, write)


def write_table(rows: list[dict], out: Path) -> list[dict]:
    """Write ``table.csv``, ``table.md`` and ``table_per_crop.csv`` to ``out``."""
    table = summarise(rows)
    _write_csv(out / "table.csv", table)
    _write_csv(out / "table_per_crop.csv", rows)
    text = table_markdown(table)
    atomic_write(out / "table.md", lambda tmp: Path(tmp).write_text(text))
    return table


# ----------------------------------------------------------------------------- the figures


def case(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The image and mask of a figure case (see :data:`CENTRE_CASES`)."""
    kind, photo = name.split(":")
    if kind == "centre":
        return data.centre_crop(data.load_image(photo), 512), data.centre_mask(512, 512)
    return data.load_image(photo), data.load_mask(f"{photo}_object")


def _stem(name: str) -> str:
    return name.replace(":", "_")


def _full_with_levels(name: str, cache: Path) -> np.ndarray:
    """Run the full method on a case; cache its result and every level of its pyramid."""
    image, mask = case(name)
    seed_everything(0)
    _, options = VARIANTS["full"]
    out, levels = synthesize(image, mask, schedule=options["schedule"], progress=False)
    out = composite(image, out, mask)
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
