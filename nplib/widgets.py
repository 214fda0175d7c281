"""Draw a hole with the mouse and inpaint it, live in a notebook.

Three layers, each usable on its own:

- :class:`MaskEditor`     the mask being drawn, in pure numpy: round-brush strokes
                          (interpolated between mouse points), rectangles, eraser,
                          undo, clear. No browser needed; this is what the tests check.
- :class:`MaskPainter`    an ipycanvas widget around a MaskEditor: the photo, scaled to
                          fit, with the hole as a translucent magenta overlay; ``.mask``
                          is the hole in the photo's own resolution.
- :class:`InpaintWidget`  the classroom tool: pick or upload a photo, paint the hole,
                          pick a method from :data:`nplib.methods.METHODS`, press
                          Inpaint (it runs in a background thread), compare, save.

Coordinates: ``(x, y)`` points are (column, row) in image pixels, pixel ``(row, col)``
covering ``[col, col + 1) x [row, row + 1)``, like the canvas' own coordinates.
"""

from __future__ import annotations

import io
import math
import re
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np
from PIL import Image

try:
    import ipywidgets as widgets
    from ipycanvas import MultiCanvas, hold_canvas
except ModuleNotFoundError as err:  # a core install: say which extra brings them
    raise ModuleNotFoundError(
        f"nplib.widgets needs {err.name}: pip install -e '.[notebooks]' (make lab does)"
    ) from None

from nplib import data
from nplib.io import InputError, check_image, read_image, save_image, to_uint8
from nplib.methods import DEFAULT_METHOD, METHODS, inpaint

#: Where :class:`InpaintWidget` saves by default, relative to the working directory: the
#: output folder of notebook 06 when the widget runs there (in ``notebooks/``).
OUT_DIR = Path("outputs") / "06_interactive_inpainting"

#: The hole overlay colour, RGBA: translucent magenta, as :func:`nplib.figures.show_hole`.
OVERLAY = (255, 0, 255, 130)

Point = tuple[float, float]
Box = tuple[int, int, int, int]  # top, bottom, left, right; rows and columns, end exclusive


class MaskEditor:
    """A bool (H, W) mask (True = hole) edited by brush strokes and rectangles, with undo.

    Every edit that starts a new action (:meth:`stroke`, :meth:`rectangle`, :meth:`clear`)
    pushes the previous mask on the undo stack; :meth:`line` does not, so that a stroke
    painted live, segment by segment, is undone in one step (call :meth:`checkpoint`
    when the mouse button goes down).
    """

    def __init__(self, height: int, width: int, max_undo: int = 100):
        self.mask = np.zeros((height, width), dtype=bool)
        self.max_undo = max_undo
        self._undo: list[np.ndarray] = []

    def checkpoint(self) -> None:
        """Remember the current mask, so that :meth:`undo` can come back to it."""
        self._undo.append(self.mask.copy())
        del self._undo[: -self.max_undo]

    def undo(self) -> bool:
        """Go back to the mask before the last action; False when there is nothing to undo."""
        if not self._undo:
            return False
        self.mask = self._undo.pop()
        return True

    def line(self, p0: Point, p1: Point, radius: float, value: bool = True) -> Box:
        """Set to ``value`` every pixel whose centre lies within ``radius`` of segment p0-p1.

        This is a round brush dragged from p0 to p1 (p0 == p1 paints a disc). Returns the
        box of pixels that may have changed.
        """
        (x0, y0), (x1, y1) = p0, p1
        h, w = self.mask.shape
        top = max(0, math.floor(min(y0, y1) - radius))
        bottom = min(h, math.ceil(max(y0, y1) + radius))
        left = max(0, math.floor(min(x0, x1) - radius))
        right = min(w, math.ceil(max(x0, x1) + radius))
        if top >= bottom or left >= right:
            return (0, 0, 0, 0)
        ys, xs = np.mgrid[top:bottom, left:right] + 0.5
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / max(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
        near = (xs - x0 - t * dx) ** 2 + (ys - y0 - t * dy) ** 2 <= radius**2
        self.mask[top:bottom, left:right][near] = value
        return (top, bottom, left, right)

    def stroke(self, points: Sequence[Point], radius: float, value: bool = True) -> Box:
        """One brush stroke through ``points`` (value False: the eraser). Returns the box."""
        self.checkpoint()
        pairs = list(zip(points[:-1], points[1:], strict=True)) or [(points[0], points[0])]
        boxes = [self.line(p0, p1, radius, value) for p0, p1 in pairs]
        return union(boxes)

    def rectangle(self, p0: Point, p1: Point, value: bool = True) -> Box:
        """Set to ``value`` every pixel that the rectangle with corners p0 and p1 touches."""
        self.checkpoint()
        h, w = self.mask.shape
        (x0, y0), (x1, y1) = p0, p1
        top, left = max(0, math.floor(min(y0, y1))), max(0, math.floor(min(x0, x1)))
        bottom = min(h, max(top + 1, math.ceil(max(y0, y1))))
        right = min(w, max(left + 1, math.ceil(max(x0, x1))))
        self.mask[top:bottom, left:right] = value
        return (top, bottom, left, right)

    def clear(self) -> None:
        """Remove the whole hole (undoable)."""
        self.checkpoint()
        self.mask[:] = False


def union(boxes: Sequence[Box]) -> Box:
    """The smallest box holding every non-empty box of ``boxes``."""
    boxes = [b for b in boxes if b[0] < b[1] and b[2] < b[3]]
    if not boxes:
        return (0, 0, 0, 0)
    tops, bottoms, lefts, rights = zip(*boxes, strict=True)
    return (min(tops), max(bottoms), min(lefts), max(rights))


def fit_scale(height: int, width: int, max_width: int = 640, max_height: int = 480) -> float:
    """The display scale (at most 1) at which an image fits in max_width x max_height."""
    return min(1.0, max_width / width, max_height / height)


def canvas_to_image(x: float, y: float, scale: float) -> Point:
    """A point on a canvas showing the image at ``scale``, in image coordinates."""
    return (x / scale, y / scale)


def overlay(mask: np.ndarray) -> np.ndarray:
    """An RGBA uint8 image: :data:`OVERLAY` on the hole, transparent elsewhere."""
    rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
    rgba[mask] = OVERLAY
    return rgba


def thumbnail(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` resized to width x height (area averaging), as uint8 RGB."""
    return np.asarray(Image.fromarray(to_uint8(image)).resize((width, height), Image.BOX))


def png_bytes(image: np.ndarray) -> bytes:
    """A uint8 image encoded as PNG."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


class MaskPainter(widgets.VBox):
    """Paint a hole on ``image`` with the mouse (or a finger); ``.mask`` is the result.

    Tools: brush, rectangle, eraser (the brush size is in screen pixels), undo, clear,
    and a check box to show or hide the overlay. The photo is shown scaled to fit in
    ``max_width`` x ``max_height``; the mask keeps the photo's own resolution.
    From code: ``painter.editor.stroke([(x0, y0), (x1, y1)], radius)`` then
    ``painter.redraw()``.
    """

    def __init__(self, image: np.ndarray, *, max_width: int = 640, max_height: int = 480):
        self.max_width, self.max_height = max_width, max_height
        self.canvas = MultiCanvas(3)  # photo, hole overlay, tool preview (gets the events)
        self.canvas.add_class("nplib-mask-canvas")
        self.tool = widgets.ToggleButtons(
            options=["brush", "rectangle", "eraser"], style={"button_width": "90px"}
        )
        self.brush = widgets.IntSlider(
            12, min=1, max=80, description="size", layout={"width": "240px"}
        )
        undo = widgets.Button(description="undo", icon="undo", layout={"width": "90px"})
        clear = widgets.Button(description="clear", icon="trash", layout={"width": "90px"})
        self.show_mask = widgets.Checkbox(True, description="show mask", indent=False)
        self.tools = widgets.HBox([self.tool, self.brush, undo, clear, self.show_mask])
        super().__init__([self.tools, self.canvas])
        self._start: Point | None = None  # where the mouse went down (canvas coordinates)
        self._pos: Point = (0.0, 0.0)  # where the mouse or finger is (canvas coordinates)
        self._last: Point | None = None  # last brush point while painting (image coordinates)
        undo.on_click(lambda _: self.editor.undo() and self._draw_mask())
        clear.on_click(lambda _: (self.editor.clear(), self._draw_mask()))
        self.show_mask.observe(lambda _: self._draw_mask(), "value")
        self.canvas.on_client_ready(self.redraw)
        self.canvas.on_mouse_down(self._down)
        self.canvas.on_mouse_move(self._move)
        self.canvas.on_mouse_up(self._up)
        self.canvas.on_mouse_out(self._up)
        self.canvas.on_touch_start(lambda touches: self._down(*touches[0]))
        self.canvas.on_touch_move(lambda touches: self._move(*touches[0]))
        self.canvas.on_touch_end(lambda _: self._up(*self._pos))  # a lifted finger has no x, y
        self.set_image(image)

    @property
    def mask(self) -> np.ndarray:
        """The hole painted so far: bool (H, W) at the image's resolution, True = hole."""
        return self.editor.mask.copy()

    def set_image(self, image: np.ndarray) -> None:
        """Show a new photo and start from an empty mask."""
        self.image = check_image(image)
        h, w = self.image.shape[:2]
        self.scale = fit_scale(h, w, self.max_width, self.max_height)
        dw, dh = max(1, round(w * self.scale)), max(1, round(h * self.scale))
        # The image pixel that each displayed row and column shows.
        self._rows = np.minimum(((np.arange(dh) + 0.5) / self.scale).astype(int), h - 1)
        self._cols = np.minimum(((np.arange(dw) + 0.5) / self.scale).astype(int), w - 1)
        self.editor = MaskEditor(h, w)
        self._start = self._last = None
        self.canvas.width, self.canvas.height = dw, dh
        self.canvas.layout = {"width": f"{dw}px", "height": f"{dh}px"}  # not stretched
        self.redraw()

    def redraw(self) -> None:
        """Draw the photo and the hole again (after a code edit, or for a new browser tab)."""
        rgba = np.dstack([thumbnail(self.image, self.canvas.width, self.canvas.height),
                          np.full((self.canvas.height, self.canvas.width), 255, np.uint8)])
        with hold_canvas():
            self.canvas[0].clear()
            self.canvas[0].put_image_data(rgba)  # RGBA is sent as PNG, RGB would be JPEG
        self._draw_mask()

    def _draw_mask(self, box: Box | None = None) -> None:
        """Draw the overlay inside ``box`` (image pixels; None: everywhere)."""
        layer = self.canvas[1]
        if not self.show_mask.value:
            layer.clear()
            return
        top, bottom, left, right = box or (0, self.image.shape[0], 0, self.image.shape[1])
        if top >= bottom or left >= right:
            return
        s, dh, dw = self.scale, self.canvas.height, self.canvas.width  # to canvas pixels
        top, left = max(0, math.floor(top * s) - 1), max(0, math.floor(left * s) - 1)
        bottom, right = min(dh, math.ceil(bottom * s) + 1), min(dw, math.ceil(right * s) + 1)
        shown = self.editor.mask[np.ix_(self._rows[top:bottom], self._cols[left:right])]
        with hold_canvas():
            layer.clear_rect(left, top, right - left, bottom - top)
            layer.put_image_data(overlay(shown), left, top)

    def _radius(self) -> float:
        return self.brush.value / self.scale

    def _down(self, x: float, y: float) -> None:
        self._start = self._pos = (x, y)
        if self.tool.value != "rectangle":
            self.editor.checkpoint()
            self._last = canvas_to_image(x, y, self.scale)
            self._paint(self._last)

    def _paint(self, p: Point) -> None:
        box = self.editor.line(self._last, p, self._radius(), self.tool.value == "brush")
        self._last = p
        self.show_mask.value = True
        self._draw_mask(box)

    def _move(self, x: float, y: float) -> None:
        self._pos = (x, y)
        if self._last is not None:
            self._paint(canvas_to_image(x, y, self.scale))
        preview = self.canvas[2]
        with hold_canvas():
            preview.clear()
            preview.stroke_style, preview.line_width = "white", 1.5
            if self.tool.value == "rectangle" and self._start is not None:
                x0, y0 = self._start
                preview.stroke_rect(min(x0, x), min(y0, y), abs(x - x0), abs(y - y0))
            else:
                preview.stroke_circle(x, y, self.brush.value)

    def _up(self, x: float, y: float) -> None:
        if self.tool.value == "rectangle" and self._start is not None:
            p0 = canvas_to_image(*self._start, self.scale)
            self.show_mask.value = True
            self._draw_mask(self.editor.rectangle(p0, canvas_to_image(x, y, self.scale)))
        self._start = self._last = None
        self.canvas[2].clear()


class InpaintWidget(widgets.VBox):
    """The classroom tool: photo, mask painter, method, Inpaint, before / after, Save.

    Inpainting runs in a background thread (the Inpaint button is disabled meanwhile),
    so the notebook stays responsive. Save writes ``<photo>_mask.png`` and
    ``<photo>_<method>.png`` into ``out_dir``. The methods are those of
    :data:`nplib.methods.METHODS` when the widget is built.
    """

    def __init__(
        self,
        photo: str | None = None,
        *,
        out_dir: str | Path = OUT_DIR,
        seed: int = 0,
        max_width: int = 512,
        max_height: int = 480,
    ):
        self.out_dir, self.seed = Path(out_dir), seed
        names = data.image_names()
        self.photo = widgets.Dropdown(options=names, value=photo or names[0], description="photo")
        self.upload = widgets.FileUpload(accept="image/*", description="own photo")
        self.painter = MaskPainter(
            data.load_image(self.photo.value), max_width=max_width, max_height=max_height
        )
        self.method = widgets.Dropdown(
            options=[(f"{name}: {m.description}", name) for name, m in METHODS.items()],
            value=DEFAULT_METHOD,
            description="method",
            layout={"width": "460px"},
        )
        self.run_button = widgets.Button(description="Inpaint", button_style="primary")
        self.progress = widgets.IntProgress(0, min=0, max=10, layout={"width": "120px"})
        self.after = widgets.Image(format="png")
        self.save_button = widgets.Button(description="Save", icon="save", disabled=True)
        self.status = widgets.Label("paint the hole on the photo, then press Inpaint")
        super().__init__([
            widgets.HBox([self.photo, self.upload]),
            widgets.HBox([self.method, self.run_button, self.progress]),
            self.painter.tools,
            widgets.HBox([widgets.VBox([widgets.Label("before: paint the hole here"),
                                        self.painter.canvas]),
                          widgets.VBox([widgets.Label("after"), self.after])],
                         layout={"flex_flow": "row wrap", "grid_gap": "12px"}),
            widgets.HBox([self.save_button, self.status]),
        ])
        self.add_class("nplib-inpaint-widget")
        self.name = self.photo.value
        self.result: np.ndarray | None = None
        self.result_mask: np.ndarray | None = None
        self.result_method: str | None = None
        self._thread: threading.Thread | None = None
        self.photo.observe(lambda ch: self.load(data.load_image(ch.new), ch.new), "value")
        self.upload.observe(self._on_upload, "value")
        self.run_button.on_click(self._on_inpaint)
        self.save_button.on_click(lambda _: self.save())
        self._show_result()

    def load(self, image: np.ndarray, name: str) -> None:
        """Start over with a new photo called ``name`` (used in the saved files' names)."""
        self.name = re.sub(r"[^\w-]+", "_", name)
        self.painter.set_image(image)
        self.result = self.result_mask = None
        self.progress.value = 0
        self._show_result()
        self.status.value = f"{self.name}: paint the hole, then press Inpaint"

    def _on_upload(self, change) -> None:
        if not change.new:
            return
        upload = change.new[0]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(upload["name"]).name
            path.write_bytes(bytes(upload["content"]))
            try:
                image = read_image(path)
            except InputError as err:
                self.status.value = str(err)
                return
        self.load(image, path.stem)

    def _on_inpaint(self, _=None) -> None:
        if self.running:  # a second press while running is ignored
            return
        mask = self.painter.mask
        if not mask.any():
            self.status.value = "paint a hole first"
            return
        self.run_button.disabled = self.save_button.disabled = True
        self.progress.bar_style = "info"
        args = (self.painter.image, mask, self.method.value)
        self._thread = threading.Thread(target=self._work, args=args, daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """Whether an inpainting is in progress."""
        return self._thread is not None and self._thread.is_alive()

    def _work(self, image: np.ndarray, mask: np.ndarray, method: str) -> None:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=1) as pool:
            job = pool.submit(inpaint, image, mask, method, seed=self.seed)
            while wait([job], timeout=0.2).not_done:  # a busy bar and a clock meanwhile
                self.progress.value = (self.progress.value + 1) % (self.progress.max + 1)
                self.status.value = f"{method}: running, {time.perf_counter() - start:.0f} s"
        try:
            result = job.result()
        except Exception as err:  # show any failure in the widget, not in a lost thread
            self.progress.bar_style, self.status.value = "danger", f"{method} failed: {err}"
        else:
            if image is self.painter.image:  # not if the photo was changed meanwhile
                self.result, self.result_mask, self.result_method = result, mask, method
                self._show_result()
                self.progress.value, self.progress.bar_style = self.progress.max, "success"
                self.status.value = f"{method}: done in {time.perf_counter() - start:.1f} s"
        finally:
            self.run_button.disabled = False

    def _show_result(self) -> None:
        w, h = self.painter.canvas.width, self.painter.canvas.height
        self.after.layout = {"width": f"{w}px", "height": f"{h}px"}
        if self.result is None:  # a blank panel until there is a result
            self.after.value = png_bytes(np.full((h, w, 3), 235, np.uint8))
        else:
            self.after.value = png_bytes(thumbnail(self.result, w, h))
        self.save_button.disabled = self.result is None

    def save(self) -> list[Path]:
        """Save the last result and the mask it filled as PNG files; returns their paths."""
        if self.result is None:
            raise InputError("nothing to save yet: press Inpaint first")
        paths = [save_image(self.out_dir / f"{self.name}_mask.png", self.result_mask),
                 save_image(self.out_dir / f"{self.name}_{self.result_method}.png", self.result)]
        self.status.value = "saved " + ", ".join(str(p) for p in paths)
        return paths
