"""End to end: notebook 06 in JupyterLab in headless Chromium, a hole drawn with the mouse.

Starts JupyterLab on a free local port (a temporary copy of the notebook, private config,
settings and workspace folders), runs every cell, drags the mouse across the widget's
canvas, picks the 'mean' method, presses Inpaint, then Save, and checks the saved PNGs:
the mask holds the stroke and the result differs from the photo only inside the mask.
A screenshot of the widget goes to tests/artifacts/widget_browser.png.

Needs Debian's ``chromium`` (``apt-get install chromium``) and the ``playwright`` Python
package; its own browser downloads (``playwright install``) are not used.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nplib import data
from nplib.io import read_image, read_mask
from nplib.methods import METHODS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "06_interactive_inpainting.ipynb"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True,
                                               "windowingMode": "none"},  # render every cell
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"JupyterLab exited with code {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout} s")


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a copy of notebook 06; yields (url, root)."""
    root = tmp_path / "notebooks"
    root.mkdir()
    nb = nbformat.read(NOTEBOOK, as_version=4)  # start from a notebook without outputs
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, root / NOTEBOOK.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces")]:
        env[var] = str(tmp_path / sub)
    for plugin, settings in _SETTINGS.items():  # no kernel dialog, no news pop-up, ...
        path = tmp_path / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--LabApp.extension_manager=readonly"]  # no PyPI queries
    log_path = tmp_path / "jupyterlab.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", proc, log_path, timeout=60)
        yield f"{base}/lab/tree/{NOTEBOOK.name}?token={token}", root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_draw_a_hole_and_inpaint_in_a_real_browser(lab):
    url, root = lab
    out = root / "outputs" / "06_interactive_inpainting"
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(60_000)
            try:
                _run_widget(page, url, out)
            finally:
                page.screenshot(path=ARTIFACTS / "widget_browser_page.png")
        finally:
            browser.close()

    image = data.load_image("chelsea")
    mask, result = read_mask(out / "chelsea_mask.png"), read_image(out / "chelsea_mean.png")
    assert mask.shape == image.shape[:2]
    for x, y in _STROKE_IMAGE_POINTS:
        assert mask[int(y), int(x)], f"stroke point {(x, y)} is not in the mask"
    assert 0 < mask.mean() < 0.2
    assert np.array_equal(result[~mask], image[~mask])  # untouched outside the hole
    assert np.abs(result[mask] - image[mask]).max() > 0.1  # filled inside it


# The stroke, in canvas pixels; chelsea (451 x 300) is shown at scale 1.
_STROKE = [(90.0, 60.0), (220.0, 110.0), (330.0, 90.0)]
_STROKE_IMAGE_POINTS = [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
                        for (x0, y0), (x1, y1) in zip(_STROKE[:-1], _STROKE[1:], strict=True)
                        for t in np.linspace(0, 1, 11)]


def _run_widget(page, url: str, out: Path) -> None:
    page.goto(url)
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").wait_for(timeout=90_000)  # kernel up
    for _ in range(3):  # Run > Run All Cells; again if a click came too early to take
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        started = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[[*\d]+\]"))
        try:
            started.first.wait_for(timeout=10_000)
            break
        except playwright.TimeoutError:
            continue

    widget = page.locator(".nplib-inpaint-widget").first
    canvas = widget.locator("canvas.nplib-mask-canvas")  # the MultiCanvas is one <canvas>
    canvas.wait_for(timeout=90_000)
    # Wait for the whole notebook (the last cell draws a figure), so the kernel is free.
    page.locator(".jp-RenderedImage img").last.wait_for(timeout=90_000)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=90_000)
    widget.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and abs(box["width"] - 451) < 2, box

    def at(x: float, y: float) -> tuple[float, float]:
        return box["x"] + x, box["y"] + y

    page.mouse.move(*at(*_STROKE[0]))
    page.mouse.down()
    for point in _STROKE[1:]:
        page.mouse.move(*at(*point), steps=12)
    page.mouse.up()

    widget.get_by_label("method", exact=True).select_option(label=f"mean: {METHODS['mean'][1]}")
    widget.get_by_role("button", name="Inpaint", exact=True).click()
    widget.locator(".widget-label", has_text="mean: done").wait_for(timeout=60_000)
    widget.locator("button", has_text="Save").click()
    deadline = time.monotonic() + 30
    while not (out / "chelsea_mean.png").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    widget.screenshot(path=ARTIFACTS / "widget_browser.png")
