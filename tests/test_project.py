"""Project hygiene: environment.yml mirrors pyproject; every bundled file has a licence."""

import json
import tomllib
from pathlib import Path

from nplib import data

ROOT = Path(__file__).resolve().parent.parent


def _pip_lines_of_environment_yml() -> list[str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    return [line.strip()[2:].strip().strip('"') for line in lines[start + 1 :]
            if line.strip().startswith("- ")]


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    assert set(_pip_lines_of_environment_yml()) == wanted


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
