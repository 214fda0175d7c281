"""Hole geometry: the holes' bounding box and each method's window around it."""

import numpy as np
import pytest

from nplib.holes import (
    bbox_window,
    centred_start,
    check_window,
    content_window,
    context_window,
    hole_bbox,
    score_window,
    texture_window,
)
from nplib.io import InputError


def test_hole_bbox_is_end_exclusive():
    mask = np.zeros((6, 5), bool)
    mask[1, 2] = mask[3, 4] = True
    assert hole_bbox(mask) == (1, 4, 2, 5)


def test_context_window_is_the_whole_image_when_small_and_bounded_when_large():
    mask = np.zeros((300, 400), bool)
    mask[100:110, 50:60] = True
    assert context_window(mask, 300 * 400) == (slice(0, 300), slice(0, 400))
    rows, cols = context_window(mask, 100 * 100)
    h, w = rows.stop - rows.start, cols.stop - cols.start
    assert (rows, cols) == (slice(55, 155), slice(5, 105))  # 45 more pixels on every side
    assert h * w == 100 * 100
    assert context_window(mask, 1, margin=5) == (slice(95, 115), slice(45, 65))


def test_centred_start_centres_and_stays_inside():
    assert centred_start(40, 60, 40, 100) == 30  # centred on the hole
    assert centred_start(0, 10, 40, 100) == 0  # shifted inside at the top
    assert centred_start(90, 100, 40, 100) == 60  # ... and at the bottom
    assert centred_start(10, 20, 120, 100) == -10  # larger than the image: centred on it


def test_each_methods_window_holds_the_hole_and_stays_inside():
    mask = np.zeros((300, 400), bool)
    mask[100:140, 50:70] = True  # a 40 x 20 hole near the left edge
    assert bbox_window(mask, 10) == (slice(90, 150), slice(40, 80))
    # the texture stage: max(32, half the longer side) of context, clipped to the image
    assert texture_window(mask) == (slice(68, 172), slice(18, 102))
    assert texture_window(mask, 5) == bbox_window(mask, 5)
    # the content network: a square twice the longer side, centred, shifted inside
    assert content_window(mask) == (80, 20, 80)
    # LPIPS: the box plus 8 pixels, at least 64 a side, centred on the hole
    assert score_window(mask) == (slice(88, 152), slice(28, 92))
    check_window(slice(0, 10), slice(0, 10), 100)  # at the limit: accepted
    with pytest.raises(InputError, match="texture's 0.0-megapixel limit"):
        check_window(slice(0, 10), slice(0, 11), 100, "texture")
    with pytest.raises(InputError, match="mask is empty"):
        hole_bbox(np.zeros((4, 4), bool))
