"""The paper's table (docs/method.md, "What the paper shows"): every method, variant and peer
run on the held-out crops, scored on the hole, cached.

The protocol is the paper's on our held-out photos: 128x128 crops with a 64x64 centre hole
(:func:`nplib.data.heldout_crops`, 12 a photo: 108 crops), errors measured on the hole: mean
L1 and mean L2 (percent) and PSNR (the paper's three), plus SSIM and LPIPS
(:mod:`nplib.lpips`). The paper's own rows are printed beside ours. :func:`fill` runs one
row's method (a method of :data:`nplib.methods.METHODS`, one of its :data:`VARIANTS` or a
:data:`PEERS` program); :func:`evaluate` runs the table's loop, one CSV row per crop and
method, reusing the rows a cache holds; :func:`write_table` writes what ``make figures``
commits. :mod:`nplib.reproduce` draws the figures from the same methods.
"""

from __future__ import annotations

import csv
import statistics
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from nplib import data
from nplib.io import InputError, atomic_write, to_uint8
from nplib.lpips import lpips
from nplib.methods import composite, inpaint, seed_everything
from nplib.metrics import all_metrics
from nplib.synthesis import STARTS

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


FIELDS = ["method", "crop", "mean_l1_%", "mean_l2_%", "psnr_db", "ssim", "lpips", "seconds"]


def crop_names(per_photo: int = PER_PHOTO) -> list[str]:
    """``<photo>#<k>`` for every crop of :func:`nplib.data.heldout_crops`, in its order."""
    return [f"{slug}#{k}" for slug in data.image_names("heldout") for k in range(per_photo)]


def read_rows(path: Path) -> list[dict]:
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
    known = {} if path is None else {(r["method"], r["crop"]): r for r in read_rows(path)}
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


def write_csv(path: Path, rows: list[dict]) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    atomic_write(path, write)


def write_table(rows: list[dict], out: Path) -> list[dict]:
    """Write ``table.csv``, ``table.md`` and ``table_per_crop.csv`` to ``out``."""
    table = summarise(rows)
    write_csv(out / "table.csv", table)
    write_csv(out / "table_per_crop.csv", rows)
    text = table_markdown(table)
    atomic_write(out / "table.md", lambda tmp: Path(tmp).write_text(text))
    return table
