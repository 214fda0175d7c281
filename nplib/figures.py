"""Small plotting helpers shared by the notebooks, the demo and ``make figures``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def show_hole(image: np.ndarray, mask: np.ndarray, colour=(1.0, 0.0, 1.0)) -> np.ndarray:
    """The image with its hole painted in a flat colour (magenta), as the paper shows inputs."""
    out = image.copy()
    out[mask] = colour
    return out


def image_row(images: list[np.ndarray], titles: list[str], suptitle: str, width: float = 4.0):
    """One row of images with a title each and a caption above; returns the figure."""
    fig, axes = plt.subplots(1, len(images), figsize=(width * len(images), width + 0.6))
    for ax, img, title in zip(np.atleast_1d(axes), images, titles, strict=True):
        ax.imshow(np.clip(img, 0, 1), interpolation="lanczos")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def image_grid(
    rows: list[list[np.ndarray]],
    col_titles: list[str],
    row_titles: list[str],
    suptitle: str,
    captions: list[list[str]] | None = None,
    width: float = 3.0,
):
    """A grid of images: one title per column, one label per row, a caption above.

    ``captions`` (optional, same layout as ``rows``) are written under each image.
    """
    n, m = len(rows), len(col_titles)
    fig, axes = plt.subplots(
        n, m, figsize=(width * m, width * n + 0.8), squeeze=False, layout="constrained"
    )
    for i, (row, label) in enumerate(zip(rows, row_titles, strict=True)):
        for j, img in enumerate(row):
            ax = axes[i, j]
            ax.imshow(np.clip(img, 0, 1), interpolation="lanczos")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(col_titles[j])
            if j == 0:
                ax.set_ylabel(label)
            if captions is not None and captions[i][j]:
                ax.set_xlabel(captions[i][j])
    fig.suptitle(suptitle)
    return fig
