"""End to end: notebook 06 in JupyterLab 4 and in Notebook 7, in headless Chromium.

For each front end (parametrized: ``lab``, ``notebook``) a server starts on a free local
port with a token (a temporary copy of the notebook, private config, runtime, settings and
workspace folders), the notebook opens in the browser, every cell runs, the mouse drags a
stroke across the widget's canvas, picks the 'mean' method, presses Inpaint, then Save,
and the saved PNGs are checked: the mask holds the stroke and the result differs from the
photo only inside the mask. Screenshots go to tests/artifacts/widget_browser_<front end>.png
(the widget) and widget_browser_<front end>_page.png (the whole page).

Both front ends are driven the same way, through the JupyterLab application object that
they expose to the page (``window.jupyterapp``, ``expose_app_in_browser``): the notebook
commands, the kernel status and the cells' execution counts are read from it.

Every process started here (server, kernel, browser) carries a tag in its environment;
the test fails if one of them is still alive after the teardown.

Needs Debian's ``chromium`` (``apt-get install chromium``), the ``playwright`` Python
package (its own browser downloads, ``playwright install``, are not used) and, for the
Notebook 7 case, the ``notebook`` package (skipped without it).
"""

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
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
TAG = "NPLIB_E2E_TAG"  # environment variable marking the processes that a test started

_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True,
                                               "windowingMode": "none"},  # render every cell
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}


@dataclass(frozen=True)
class FrontEnd:
    name: str
    module: str  # python -m <module> starts it
    app: str  # its traitlets application class, for --<app>.<option>=...
    path: str  # URL path of a notebook, before its name
    options: tuple[str, ...] = ()


FRONT_ENDS = {
    "lab": FrontEnd("lab", "jupyterlab", "LabApp", "lab/tree",
                    ("--LabApp.extension_manager=readonly",)),  # no PyPI queries
    "notebook": FrontEnd("notebook", "notebook", "JupyterNotebookApp", "notebooks"),
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
            raise RuntimeError(f"the Jupyter server exited with code {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"the Jupyter server did not answer {url} within {timeout} s")


def _tagged(tag: str) -> list[int]:
    """The live processes whose environment holds ``TAG=tag``."""
    needle = f"{TAG}={tag}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    status = (entry / "status").read_text()
                    if "\nState:\tZ" not in status:  # a zombie is dead, only not reaped
                        pids.append(int(entry.name))
            except OSError:  # gone meanwhile, or not ours
                continue
    return pids


def _check_no_leftovers(tag: str, timeout: float = 10) -> None:
    """Fail, after killing them, if processes tagged ``tag`` outlive ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while (left := _tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if left:
        names = {pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:200] for pid in left}
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        pytest.fail(f"processes left after the test: {names}")


def _copy_notebook(root: Path) -> None:
    """Notebook 06 into ``root``, without its outputs."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, root / NOTEBOOK.name)


@pytest.fixture(params=list(FRONT_ENDS))
def server(request, tmp_path):
    """A Jupyter server of one front end serving a copy of notebook 06 on 127.0.0.1.

    Yields (front end, notebook URL, root folder, process tag).
    """
    front = FRONT_ENDS[request.param]
    if importlib.util.find_spec(front.module) is None:
        pytest.skip(f"{front.module} is not installed")
    root = tmp_path / "notebooks"
    root.mkdir()
    _copy_notebook(root)
    port, token, tag = _free_port(), secrets.token_hex(16), secrets.token_hex(8)
    env = dict(os.environ, **{TAG: tag})
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces")]:
        env[var] = str(tmp_path / sub)
    for plugin, settings in _SETTINGS.items():  # no kernel dialog, no news pop-up, ...
        path = tmp_path / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    cmd = [sys.executable, "-m", front.module, "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--{front.app}.expose_app_in_browser=True", *front.options]
    log_path = tmp_path / "jupyter.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", proc, log_path, timeout=60)
        yield front, f"{base}/{front.path}/{NOTEBOOK.name}?token={token}", root, tag
    finally:
        proc.terminate()  # the server shuts its kernels down
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        _check_no_leftovers(tag)


def test_draw_a_hole_and_inpaint_in_a_real_browser(server):
    front, url, root, tag = server
    out = root / "outputs" / "06_interactive_inpainting"
    ARTIFACTS.mkdir(exist_ok=True)
    shots = ARTIFACTS / f"widget_browser_{front.name}"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    env=dict(os.environ, **{TAG: tag}))
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(60_000)
            try:
                _open_and_run_all(page, url)
                _draw_inpaint_and_save(page, out, shots.with_suffix(".png"))
            finally:
                page.screenshot(path=shots.with_name(shots.name + "_page.png"))
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

# JavaScript helpers run in the page: the open notebook panel, found through the
# application object that both front ends expose as window.jupyterapp.
_PANEL = """() => {
    const app = window.jupyterapp;
    if (!app) return null;
    const isPanel = w => w && w.sessionContext && w.content && w.content.widgets;
    if (isPanel(app.shell.currentWidget)) return app.shell.currentWidget;
    for (const w of app.shell.widgets('main')) if (isPanel(w)) return w;
    return null;
}"""
_KERNEL_IDLE = f"""() => {{
    const panel = ({_PANEL})();
    const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}}"""
_CELLS_DONE = f"""() => {{
    const panel = ({_PANEL})();
    const code = panel.content.widgets.filter(c => c.model.type === 'code');
    return code.every(c => c.model.executionCount !== null && c.promptNode
                           && !c.promptNode.textContent.includes('*'));
}}"""
_CELLS_STARTED = f"""() => {{
    const panel = ({_PANEL})();
    return panel.content.widgets.some(c => c.model.type === 'code' && c.promptNode
        && /\\[[*\\d]+\\]/.test(c.promptNode.textContent));
}}"""
_RUN_ALL = f"""async () => {{
    const panel = ({_PANEL})();
    window.jupyterapp.shell.activateById(panel.id);
    await window.jupyterapp.commands.execute('notebook:run-all-cells');
}}"""


def _open_and_run_all(page, url: str) -> None:
    """Open the notebook, wait for its kernel, run every cell and wait for them all."""
    page.goto(url)
    page.wait_for_function(_KERNEL_IDLE, timeout=90_000, polling=250)
    for _ in range(3):  # again if the command came too early to take
        page.evaluate(_RUN_ALL)
        try:
            page.wait_for_function(_CELLS_STARTED, timeout=10_000, polling=250)
            break
        except playwright.TimeoutError:
            continue
    page.wait_for_function(_CELLS_DONE, timeout=90_000, polling=250)
    page.wait_for_function(_KERNEL_IDLE, timeout=30_000, polling=250)


def _draw_inpaint_and_save(page, out: Path, screenshot: Path) -> None:
    """Drag the stroke on the canvas, inpaint with 'mean', save; screenshot the widget."""
    widget = page.locator(".nplib-inpaint-widget").first
    canvas = widget.locator("canvas.nplib-mask-canvas")  # the MultiCanvas is one <canvas>
    canvas.wait_for(timeout=30_000)
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
    widget.screenshot(path=screenshot)
