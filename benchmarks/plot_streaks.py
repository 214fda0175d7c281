"""Figure: where the full method smears and streaks, by schedule and start of level 1.

Two held-out photos (512x512 centre crops, 256x256 centre hole), filled by ``full`` with
the ``fast`` and ``paper`` schedules from the content network, and with ``fast`` from the
membrane-fill and PatchMatch starts (``bench_pipeline.VARIANTS``); shown zoomed on the
hole beside the truth, with each fill's hole PSNR and LPIPS. The ``paper`` fills take a few
minutes each on a 2-core CPU.

    .venv/bin/python benchmarks/plot_streaks.py            # writes benchmarks/streaks.jpg
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from bench_pipeline import VARIANTS  # noqa: E402
from tqdm import tqdm  # noqa: E402

from nplib import data  # noqa: E402
from nplib.io import atomic_write  # noqa: E402
from nplib.lpips import hole_scores  # noqa: E402
from nplib.synthesis import synthesize  # noqa: E402

PHOTOS = ("house_dogs", "storm_road")
COLUMNS = {  # title -> bench_pipeline.VARIANTS key
    "full, quality fast\n(content-network start)": "+ 30/20/6 its (defaults)",
    "full, quality paper\n(content-network start)": "rematch every 10 its",
    "quality fast from a\nmembrane-fill start": "fast from a diffusion start",
    "quality fast from a\nPatchMatch start": "fast from a patchmatch start",
}
ZOOM = slice(96, 416)  # the 256x256 hole plus 32 px of context


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("streaks.jpg"))
    args = ap.parse_args()
    fig, axes = plt.subplots(len(PHOTOS), 1 + len(COLUMNS), figsize=(17, 8.8), squeeze=False)
    jobs = [(r, name, c, title) for r, name in enumerate(PHOTOS)
            for c, title in enumerate(COLUMNS, 1)]  # fmt: skip
    truths = {name: data.centre_crop(data.load_image(name), 512) for name in PHOTOS}
    mask = data.centre_mask(512, 512)
    for r, name in enumerate(PHOTOS):
        axes[r, 0].imshow(truths[name][ZOOM, ZOOM])
        axes[r, 0].set_ylabel(f"{name}\n(512x512, centre 256x256 hole;\nshown: the hole + 32 px)")
    axes[0, 0].set_title("truth\n\n")
    for r, name, c, title in tqdm(jobs, desc="fills"):
        out = synthesize(truths[name], mask, progress=False, **VARIANTS[COLUMNS[title]])[0]
        ax = axes[r, c]
        ax.imshow(out[ZOOM, ZOOM])
        truth = truths[name]
        db, lp = hole_scores(out, truth, mask)
        score = f"hole PSNR {db:.2f} dB, LPIPS {lp:.3f}"
        ax.set_title(f"{title}\n{score}" if r == 0 else score)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(
        "Where the full method smears and streaks (zoom on the hole). storm_road: the grey smear "
        "is level 1's smooth start (network or membrane fill),\nwhich the texture stage keeps; a "
        "PatchMatch start continues the road instead. house_dogs: vertical streaks with every "
        "start, pulled from the fur and posts above the hole"
    )
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    atomic_write(args.out, lambda tmp: fig.savefig(tmp, format="jpeg", dpi=80,
                                                   pil_kwargs={"quality": 88}))  # fmt: skip
    print("wrote", args.out)


if __name__ == "__main__":
    main()
