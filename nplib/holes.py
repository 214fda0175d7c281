"""Hole geometry: where the holes are, and the window around them each method works on.

Every method works on a window around the holes' bounding box (:func:`hole_bbox`), not on
the whole photo, so that a small hole in a large photo costs what it costs in a small one:

- :func:`texture_window`: what the texture stage's VGG sees, the box with a margin of context;
- :func:`context_window`: what PatchMatch searches, the largest box of at most a number of pixels;
- :func:`content_window`: the square the content network sees, twice the box's longer side;
- :func:`score_window`: where LPIPS scores a fill, the box with a small margin.

:func:`check_window` refuses a window over a method's limit with a one-line error.
"""

from __future__ import annotations

import numpy as np

from nplib.io import EMPTY_MASK, InputError


def hole_bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box ``(top, bottom, left, right)``, end-exclusive, of a mask's hole pixels.

    An empty mask has none: :class:`InputError`."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if len(rows) == 0:
        raise InputError(EMPTY_MASK)
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def bbox_window(mask: np.ndarray, margin: int) -> tuple[slice, slice]:
    """``(rows, cols)`` slices of the holes' bounding box grown by ``margin`` pixels on every
    side, clipped to the image."""
    y0, y1, x0, x1 = hole_bbox(mask)
    h, w = mask.shape
    return slice(max(0, y0 - margin), min(h, y1 + margin)), slice(
        max(0, x0 - margin), min(w, x1 + margin)
    )


def centred_start(lo: int, hi: int, side: int, extent: int) -> int:
    """Start of a span of ``side`` pixels centred on ``[lo, hi)``, shifted to lie inside
    ``[0, extent)``; when ``side > extent`` it is centred on the image instead and reaches
    out at both ends (the caller pads or clips). One axis of a crop window around a hole."""
    if extent < side:
        return (extent - side) // 2
    return min(max((lo + hi) // 2 - side // 2, 0), extent - side)


def check_window(rows: slice, cols: slice, limit: int, method: str | None = None) -> None:
    """Refuse a window around the holes over ``limit`` pixels with a one-line
    :class:`InputError` (naming ``method``'s limit when given)."""
    h, w = rows.stop - rows.start, cols.stop - cols.start
    if h * w > limit:
        whose = f"{method}'s" if method else "the"
        raise InputError(
            f"the holes span a {w}x{h} window with context, over {whose} "
            f"{limit / 1e6:.1f}-megapixel limit: split the mask or shrink the image"
        )


def context_window(mask: np.ndarray, pixels: int, margin: int = 0) -> tuple[slice, slice]:
    """The holes' bounding box grown by the same number of pixels on every side, clipped to
    the image, to the largest window of at most ``pixels`` pixels (the whole image when it
    is that small), but by at least ``margin``. Returns ``(rows, cols)`` slices."""
    h, w = mask.shape

    def grown(m: int) -> tuple[slice, slice]:
        return bbox_window(mask, m)

    def area(m: int) -> int:
        rows, cols = grown(m)
        return (rows.stop - rows.start) * (cols.stop - cols.start)

    lo, hi = margin, max(h, w, margin)
    if area(hi) <= pixels or area(lo) > pixels:
        return grown(hi if area(hi) <= pixels else lo)
    while hi - lo > 1:  # area(lo) <= pixels < area(hi)
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if area(mid) <= pixels else (lo, mid)
    return grown(lo)


def texture_window(mask: np.ndarray, margin: int | None = None) -> tuple[slice, slice]:
    """The window the texture stage's VGG sees (:func:`nplib.neural_patch.optimise`): the
    holes' bounding box with ``margin`` pixels of context on each side, clipped to the image.

    The default margin is max(32, half the hole's longer side).
    """
    if margin is None:
        y0, y1, x0, x1 = hole_bbox(mask)
        margin = max(32, max(y1 - y0, x1 - x0) // 2)
    return bbox_window(mask, margin)


def content_window(mask: np.ndarray) -> tuple[int, int, int]:
    """(top, left, side) of the square window the content network sees
    (:func:`nplib.content.content_inpaint`): twice the hole's bounding box's longer side,
    centred on it, shifted to stay inside the image where the image is large enough
    (elsewhere the window reaches outside and is reflect-padded)."""
    r0, r1, c0, c1 = hole_bbox(mask)
    side = max(2 * max(r1 - r0, c1 - c0), 8)
    h, w = mask.shape
    return centred_start(r0, r1, side, h), centred_start(c0, c1, side, w), side


def score_window(mask: np.ndarray, margin: int = 8, min_side: int = 64) -> tuple[slice, slice]:
    """The window :func:`nplib.lpips.lpips` scores a hole on: the hole's bounding box plus
    ``margin``, at least ``min_side`` a side, inside the image."""
    top, bottom, left, right = hole_bbox(mask)

    def span(lo: int, hi: int, n: int) -> slice:
        side = max(hi - lo + 2 * margin, min_side)
        start = centred_start(lo, hi, side, n)
        return slice(max(0, start), min(n, start + side))

    return span(top, bottom, mask.shape[0]), span(left, right, mask.shape[1])
