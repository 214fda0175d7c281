"""Project hygiene: pyproject.toml declares every dependency (environment.yml and the Makefile
agree with it); every bundled file has a licence."""

import json
import re
import tomllib
from pathlib import Path

from nplib import data

ROOT = Path(__file__).resolve().parent.parent


def _pip_lines_of_environment_yml() -> list[str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    return [line.strip()[2:].strip().strip('"') for line in lines[start + 1 :]
            if line.strip().startswith("- ")]


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _makefile_installs() -> dict[str, list[str]]:
    """Per Makefile target, the requirements its ``pip install`` lines name: ``.[a,b]`` is
    expanded to the core dependencies and those extras; other arguments are kept as is."""
    project, target, installs = _project(), None, {}
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line and not line[0].isspace() and ":" in line and "=" not in line:
            target = line.split(":")[0]
        if "pip install" not in line:
            continue
        for arg in line.split("pip install", 1)[1].split():
            arg = arg.strip("'\"")
            if arg.startswith("-") and arg not in ("-e",):
                continue
            if arg.startswith(".["):
                extras = arg[2:-1].split(",")
                assert set(extras) <= set(project["optional-dependencies"]), arg
                reqs = project["dependencies"] + sum(
                    (project["optional-dependencies"][e] for e in extras), []
                )
                installs.setdefault(target, []).extend(reqs)
            elif arg != "-e":
                installs.setdefault(target, []).append(arg)
    return installs


def test_environment_yml_and_the_makefile_match_pyproject():
    """environment.yml lists what ``make test`` installs; everything the Makefile installs is
    declared in pyproject.toml (core or an extra), so no dependency lives in the Makefile only."""
    project = _project()
    extras = project["optional-dependencies"]
    declared = set(project["dependencies"]).union(*extras.values())
    installs = _makefile_installs()
    for target, reqs in installs.items():
        assert set(reqs) <= declared, (target, set(reqs) - declared)
    setup = set(installs[next(t for t in installs if t.startswith("$(STAMP)"))])
    wanted = set(project["dependencies"]) | set(extras["notebooks"] + extras["metrics"]
                                                 + extras["test"])  # fmt: skip
    assert setup == wanted
    assert set(_pip_lines_of_environment_yml()) == wanted


def test_core_needs_no_jupyter_and_the_test_command_is_pinned():
    from importlib.metadata import PackageNotFoundError, version

    core = " ".join(_project()["dependencies"])
    assert not any(name in core for name in ("jupyter", "ipywidgets", "ipycanvas", "notebook"))
    ruff = [r for r in _project()["optional-dependencies"]["test"] if r.startswith("ruff")]
    assert len(ruff) == 1 and ruff[0].startswith("ruff=="), ruff
    try:
        assert version("ruff") == ruff[0].removeprefix("ruff==")  # what make test runs
    except PackageNotFoundError:
        pass  # ruff not installed here: nothing runs it


def test_every_image_has_origin_and_licence():
    records = json.loads((data.DATA_DIR / "images.json").read_text())
    listed = {Path(r["file"]).name for r in records}
    on_disk = {p.name for p in (data.DATA_DIR / "images").iterdir()}
    assert listed == on_disk
    licences = (data.DATA_DIR / "LICENSES.md").read_text()
    for r in records:
        assert r["license"] and r["author"] and r["source"], r
        assert Path(r["file"]).name in licences


def test_split_is_disjoint_and_complete():
    train, held = data.image_names("train"), data.image_names("heldout")
    assert not set(train) & set(held)
    assert sorted(train + held) == data.image_names()
    assert len(held) >= 8
    assert all(data.image_path(s).is_file() for s in train + held)


def test_object_masks_match_their_photos():
    names = data.object_masks()
    assert len(names) >= 4
    for slug in names:
        img, mask = data.load_image(slug), data.load_mask(f"{slug}_object")
        assert mask.shape == img.shape[:2]
        assert 0 < mask.mean() < 0.3


#: A repository path as the notebooks cite it: a known top folder, then a file with an extension.
CITED = re.compile(
    r"(?<![\w/.])(?:\.\./)?((?:docs|nplib|benchmarks|figures|data|runs|notebooks|scripts|tests)"
    r"/[\w./-]*\w\.(?:md|py|png|jpg|json|csv|ipynb|pt|txt))"
)


def test_notebooks_cite_only_files_that_exist():
    """A file a notebook names (``docs/method.md``, ``benchmarks/README.md``, ...) exists in the
    repository, so no reference can point outside it or go stale."""
    missing = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            for path in CITED.findall("".join(cell["source"])):
                if not (ROOT / path).exists():
                    missing.append(f"{nb.name}: {path}")
            for outside in ("PAPER.md", "MEASURED.md", "../shared"):  # briefing files, not ours
                if outside in "".join(cell["source"]):
                    missing.append(f"{nb.name}: {outside}")
    assert not missing, missing
    example = "see docs/method.md and ../docs/widget_screenshot.png, not x/docs/a.md"
    assert CITED.findall(example) == ["docs/method.md", "docs/widget_screenshot.png"]


def test_readme_and_the_package_docstring_list_every_module():
    """README.md's module table and ``nplib/__init__``'s docstring name the same modules: all
    of them, so a new module cannot go unlisted."""
    import nplib

    modules = {p.stem for p in (ROOT / "nplib").glob("*.py") if not p.stem.startswith("_")}
    readme = set(re.findall(r"^\| `nplib\.(\w+)` \|", (ROOT / "README.md").read_text(), re.M))
    docstring = set(re.findall(r":mod:`nplib\.(\w+)`", nplib.__doc__))
    assert readme == docstring == modules, (modules - readme, modules - docstring)
