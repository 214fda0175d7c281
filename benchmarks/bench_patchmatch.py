"""Benchmark: nplib's PatchMatch inpainting against pypatchmatch and OpenCV's inpainting.

Every method runs on the same images and masks: the held-out photos of
``data/split.json`` centre-cropped and resized to 256x256 and 512x512, with the
centre hole (``data/masks/centre_<size>.png``) and, where a photo has one, its
object-removal mask (``data/masks/<slug>_object.png``, cropped and resized the
same way). Without ``data/`` it falls back to skimage's coffee and chelsea.

Each (method, size, hole) group runs in a fresh subprocess, so that its peak
memory is its own: "peak MB" is the growth of the process's peak resident set
size (Linux: ``VmHWM`` after resetting it through ``/proc/self/clear_refs``,
minus ``VmRSS`` just before the first call), i.e. the largest extra memory
one call needed beyond the loaded images and libraries. Time is the median wall
time of ``--repeats`` calls per image, averaged over the images; PSNR, mean L1 and
LPIPS are over the hole only (LPIPS on the hole's bounding box), averaged over the
images, for the first call (every method is deterministic). LPIPS is computed after the
peak memory is read, so it does not count in it.

    .venv/bin/python benchmarks/bench_patchmatch.py            # full run
    .venv/bin/python benchmarks/bench_patchmatch.py --quick    # 256 only, 2 photos, 1 repeat
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

METHODS = ["nplib patchmatch", "pypatchmatch", "cv2 telea", "cv2 ns"]


def run_method(name: str, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """One inpainting call; every method gets float [0, 1] RGB and returns the same."""
    if name == "nplib patchmatch":
        from nplib.patchmatch import inpaint_patchmatch

        return inpaint_patchmatch(image, mask, patch_size=7, seed=0)
    from nplib.evaluation import peer_inpaint

    return peer_inpaint({"cv2 telea": "telea", "cv2 ns": "ns"}.get(name, name), image, mask)


def crop_resize(img: Image.Image, size: int, resample: int) -> Image.Image:
    w, h = img.size
    c = min(w, h)
    box = ((w - c) // 2, (h - c) // 2, (w - c) // 2 + c, (h - c) // 2 + c)
    return img.crop(box).resize((size, size), resample, reducing_gap=None)


def load_cases(size: int, hole: str, split: str, limit: int | None) -> list[tuple]:
    """[(name, image, mask)] for one size and hole kind ("centre" or "object")."""
    data = ROOT / "data"
    if (data / "split.json").is_file():
        slugs = json.loads((data / "split.json").read_text())[split][:limit]
        photos = [(s, Image.open(data / "images" / f"{s}.jpg").convert("RGB")) for s in slugs]
    else:
        import skimage.data

        photos = [(s, Image.fromarray(getattr(skimage.data, s)())) for s in ("coffee", "chelsea")]
    cases = []
    for slug, photo in photos:
        image = np.asarray(crop_resize(photo, size, Image.LANCZOS), np.float32) / 255.0
        if hole == "centre":
            mask = np.zeros((size, size), bool)
            mask[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = True
            path = data / "masks" / f"centre_{size}.png"
            if path.is_file():
                mask = np.asarray(Image.open(path).convert("L")) > 0
        else:
            path = data / "masks" / f"{slug}_object.png"
            if not path.is_file():
                continue
            mask = np.asarray(crop_resize(Image.open(path).convert("L"), size, Image.NEAREST)) > 0
            if not mask.any():  # the object lies outside the centre crop
                continue
        cases.append((slug, image, mask))
    return cases


def vm_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(args: argparse.Namespace) -> None:
    """Run one method on one group of cases; print one JSON line."""
    from nplib.lpips import lpips
    from nplib.metrics import mean_l1, psnr

    cases = load_cases(args.size, args.hole, args.split, args.limit)
    warm = np.zeros((64, 64), bool)
    warm[24:40, 24:40] = True
    run_method(args.method, np.random.default_rng(0).random((64, 64, 3), np.float32), warm)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    rss0 = vm_kb("VmRSS")
    times, psnrs, l1s = [], [], []
    saved = tempfile.TemporaryDirectory()  # the fills wait on disk, out of the peak memory
    for k, (_, image, mask) in enumerate(cases):
        runs = []
        for i in range(args.repeats):
            t = time.perf_counter()
            out = run_method(args.method, image, mask)
            runs.append(time.perf_counter() - t)
            if i == 0:
                out = np.where(mask[..., None], out, image)
                psnrs.append(psnr(out, image, mask))
                l1s.append(mean_l1(out, image, mask))
                np.save(Path(saved.name) / f"{k}.npy", out)
        times.append(statistics.median(runs))
    if not cases:
        return print(json.dumps({"n": 0}))
    rss1 = vm_kb("VmHWM")
    lp = [lpips(np.load(Path(saved.name) / f"{k}.npy"), image, mask)
          for k, (_, image, mask) in enumerate(cases)]
    saved.cleanup()
    print(
        json.dumps(
            {
                "n": len(cases),
                "time": float(np.mean(times)),
                "psnr": float(np.mean(psnrs)),
                "l1": float(np.mean(l1s)),
                "lpips": float(np.mean(lp)),
                "peak_mb": (rss1 - rss0) / 1024,
            }
        )
    )


def machine() -> str:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import cv2
    import patchmatch
    import torch

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, torch {torch.__version__}, opencv {cv2.__version__}, "
        f"pypatchmatch {patchmatch.__version__}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="256 only, 2 photos, 1 repeat")
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    ap.add_argument("--holes", nargs="+", default=["centre", "object"])
    ap.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--split", default="heldout", choices=["train", "heldout"])
    ap.add_argument("--limit", type=int, default=None, help="use the first N photos only")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--method", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--hole", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    if args.quick:
        args.sizes, args.repeats, args.limit = [256], 1, 2
    print(f"machine: {machine()}\n")
    cols = ["size", "hole", "images", "method", "time/img (s)", "peak MB", "hole PSNR (dB)"]
    print("| " + " | ".join([*cols, "hole L1 (%)", "hole LPIPS"]) + " |")
    print("|---" * (len(cols) + 2) + "|")
    for size in args.sizes:
        for hole in args.holes:
            for method in args.methods:
                cmd = [
                    sys.executable,
                    __file__,
                    "--child",
                    "--method",
                    method,
                    "--size",
                    str(size),
                    "--hole",
                    hole,
                    "--repeats",
                    str(args.repeats),
                    "--split",
                    args.split,
                ]
                if args.limit:
                    cmd += ["--limit", str(args.limit)]
                res = subprocess.run(cmd, capture_output=True, text=True)
                if res.returncode:
                    sys.exit(f"{method} failed:\n{res.stderr}")
                r = json.loads(res.stdout.strip().splitlines()[-1])
                if not r["n"]:
                    continue
                print(
                    f"| {size} | {hole} | {r['n']} | {method} | {r['time']:.2f} | "
                    f"{r['peak_mb']:.0f} | {r['psnr']:.2f} | {r['l1']:.2f} | {r['lpips']:.3f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
