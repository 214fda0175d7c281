"""The mask logic of nplib.widgets (pure numpy) and the widgets built without a browser."""

import threading

import numpy as np
import pytest

from nplib import methods
from nplib.widgets import (
    InpaintWidget,
    MaskEditor,
    MaskPainter,
    canvas_to_image,
    fit_scale,
    overlay,
    union,
)


def _distance_to_segment(shape, p0, p1):
    """Distance of every pixel centre to segment p0-p1 (brute force, for checking)."""
    ys, xs = np.mgrid[: shape[0], : shape[1]] + 0.5
    (x0, y0), (x1, y1) = p0, p1
    d = np.array([x1 - x0, y1 - y0])
    t = np.clip(((xs - x0) * d[0] + (ys - y0) * d[1]) / max(d @ d, 1e-12), 0, 1)
    return np.hypot(xs - x0 - t * d[0], ys - y0 - t * d[1])


def test_stroke_covers_its_path_and_respects_the_radius():
    ed = MaskEditor(60, 80)
    box = ed.stroke([(10.0, 10.0), (60.0, 40.0)], radius=4)
    dist = _distance_to_segment(ed.mask.shape, (10.0, 10.0), (60.0, 40.0))
    assert np.array_equal(ed.mask, dist <= 4)
    for t in np.linspace(0, 1, 50):  # every point of the path is painted
        assert ed.mask[int(10 + 30 * t), int(10 + 50 * t)]
    top, bottom, left, right = box
    assert not ed.mask[:top].any() and not ed.mask[bottom:].any()
    assert not ed.mask[:, :left].any() and not ed.mask[:, right:].any()


def test_stroke_interpolates_between_far_apart_points():
    ed = MaskEditor(20, 200)
    ed.stroke([(5.0, 10.0), (195.0, 10.0)], radius=2)  # two mouse events, 190 px apart
    assert ed.mask[10, 5:195].all()
    assert ed.mask[:, 100].sum() == 4  # rows 8..11: centres within 2 px of y = 10


def test_single_click_paints_a_disc():
    ed = MaskEditor(40, 40)
    ed.stroke([(20.0, 20.0)], radius=5)
    assert ed.mask[20, 20] and ed.mask[20, 15] and not ed.mask[20, 14]
    assert abs(ed.mask.sum() - np.pi * 25) < 12


def test_rectangle_eraser_undo_and_clear():
    ed = MaskEditor(50, 50)
    ed.rectangle((10, 20), (30.5, 40))  # corners (x, y); touched pixels
    assert ed.mask[20:40, 10:31].all() and ed.mask.sum() == 20 * 21
    before = ed.mask.copy()
    ed.stroke([(0, 30), (49, 30)], radius=2, value=False)  # the eraser
    assert not ed.mask[29:31].any() and ed.mask[20:28, 10:31].all()
    assert ed.undo() and np.array_equal(ed.mask, before)
    ed.clear()
    assert not ed.mask.any()
    assert ed.undo() and np.array_equal(ed.mask, before)
    assert ed.undo() and not ed.mask.any()  # back to the start
    assert not ed.undo()


def test_live_stroke_is_undone_in_one_step():
    ed = MaskEditor(30, 30)
    ed.checkpoint()  # mouse down
    for x in range(5, 25):  # mouse moves
        ed.line((x, 15), (x + 1, 15), radius=2)
    assert ed.mask.any()
    ed.undo()
    assert not ed.mask.any()


def test_strokes_are_clipped_at_the_border():
    ed = MaskEditor(10, 10)
    assert ed.stroke([(-20, -20)], radius=3) == (0, 0, 0, 0)
    ed.stroke([(-2, 5), (12, 5)], radius=1)
    assert ed.mask[5].all() and ed.mask.sum() == 20


def test_union_and_overlay():
    assert union([(1, 4, 2, 5), (0, 0, 0, 0), (3, 9, 0, 3)]) == (1, 9, 0, 5)
    assert union([]) == (0, 0, 0, 0)
    mask = np.array([[True, False]])
    rgba = overlay(mask)
    assert rgba.dtype == np.uint8 and rgba.shape == (1, 2, 4)
    assert rgba[0, 0, 3] > 0 and rgba[0, 1, 3] == 0


def test_fit_scale_and_canvas_coordinates():
    assert fit_scale(300, 451) == 1.0  # small photos are shown as they are
    s = fit_scale(768, 1024, max_width=640, max_height=480)
    assert s == 0.625 and 1024 * s <= 640 and 768 * s <= 480
    assert fit_scale(1024, 682, max_width=640, max_height=480) == 480 / 1024  # portrait
    assert canvas_to_image(320, 240, s) == (512, 384)


def test_painter_maps_canvas_to_image_pixels(photo):
    big = np.repeat(np.repeat(photo, 4, axis=0), 4, axis=1)  # 1024 x 1024
    painter = MaskPainter(big, max_width=512, max_height=512)
    assert painter.scale == 0.5 and (painter.canvas.width, painter.canvas.height) == (512, 512)
    painter.brush.value = 5  # screen pixels: 10 image pixels
    painter._down(100, 200)
    painter._move(300, 200)
    painter._up(300, 200)
    mask = painter.mask
    assert mask.shape == (1024, 1024)
    assert mask[400, 200:600].all() and mask[390:410, 400].all()
    assert not mask[385, 400] and not mask[400, 185]
    painter.tool.value = "rectangle"
    painter._down(10, 10)
    painter._up(20, 30)
    assert painter.mask[20:60, 20:40].all() and painter.mask[:60, :40].sum() == 40 * 20
    painter.editor.undo()
    painter.editor.undo()
    assert not painter.mask.any()


def test_inpaint_widget_builds_and_lists_methods(photo, tmp_path):
    widget = InpaintWidget("chelsea", out_dir=tmp_path)
    assert [value for _, value in widget.method.options] == list(methods.METHODS)
    assert widget.painter.mask.shape == (300, 451)
    widget.load(photo, "my photo.png")
    assert widget.name == "my_photo_png" and widget.painter.mask.shape == photo.shape[:2]
    assert widget.save_button.disabled


def test_inpaint_runs_in_the_background_and_a_second_press_is_ignored(photo, tmp_path, monkeypatch):
    release, calls = threading.Event(), []

    def slow(image, mask, *, seed, device, progress):
        calls.append(1)
        release.wait(10)
        return np.zeros_like(image)

    monkeypatch.setitem(methods.METHODS, "slow", methods.Method(slow, "waits for the test"))
    widget = InpaintWidget(out_dir=tmp_path)
    widget.load(photo, "photo")
    widget.painter.editor.stroke([(50, 50), (120, 60)], radius=6)
    widget.method.value = "slow"
    widget._on_inpaint()
    assert widget.running and widget.run_button.disabled
    widget._on_inpaint()  # pressed again while running
    release.set()
    widget._thread.join(10)
    assert calls == [1] and not widget.running and not widget.run_button.disabled
    mask = widget.painter.mask
    assert np.array_equal(widget.result[~mask], photo[~mask]) and not widget.result[mask].any()
    mask_path, result_path = widget.save()
    assert mask_path == tmp_path / "photo_mask.png" and result_path == tmp_path / "photo_slow.png"
    assert result_path.is_file()


def test_inpaint_with_an_empty_mask_asks_for_a_hole(tmp_path):
    widget = InpaintWidget("chelsea", out_dir=tmp_path)
    widget._on_inpaint()
    assert not widget.running and "paint a hole" in widget.status.value


@pytest.mark.parametrize("bad", [b"not an image", b""])
def test_uploading_a_bad_file_shows_an_error(tmp_path, bad):
    widget = InpaintWidget("chelsea", out_dir=tmp_path)
    widget._on_upload(type("Change", (), {"new": ({"name": "x.png", "content": bad},)})())
    assert "cannot read" in widget.status.value and widget.name == "chelsea"
