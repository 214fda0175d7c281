"""nplib.evaluation: the paper's table, its methods and its cache (tiny budgets; no peers)."""

from __future__ import annotations

import csv
import sys

import numpy as np
import pytest

from nplib import data, evaluation, methods
from nplib.data import heldout_crops
from nplib.io import InputError


def test_table_crops_are_108_and_extend_the_54():
    crops = heldout_crops(128, evaluation.PER_PHOTO)
    assert crops.shape == (108, 128, 128, 3)
    assert len(evaluation.crop_names()) == 108
    first_six = crops.reshape(9, 12, 128, 128, 3)[:, :6].reshape(54, 128, 128, 3)
    np.testing.assert_array_equal(first_six, heldout_crops(128))
    # no two crops are the same picture
    flat = crops.reshape(108, -1)
    assert len({row.tobytes() for row in flat}) == 108
    with pytest.raises(ValueError, match="per_photo"):
        heldout_crops(128, 13)


def test_fill_keeps_known_pixels_and_names_missing_peers(monkeypatch, photo):
    mask = data.centre_mask(*photo.shape[:2])
    out = evaluation.fill("mean", photo, mask)
    np.testing.assert_array_equal(out[~mask], photo[~mask])
    monkeypatch.setitem(sys.modules, "cv2", None)  # "import cv2" now raises ImportError
    with pytest.raises(InputError, match=r"telea needs the bench extra"):
        evaluation.fill("telea", photo, mask)


def test_fill_runs_full_with_the_named_schedule_and_start(monkeypatch, photo):
    seen = []

    def spy(image, mask, *, start, schedule, texture, sources, device, progress):
        assert sources == ()  # the table's rows use the photo's own patches only
        seen.append((start, schedule))
        return image, []

    monkeypatch.setattr(methods, "synthesize", spy)  # fill goes through nplib.inpaint
    mask = data.centre_mask(*photo.shape[:2])
    for method in ("full", "full-paper", "full-mean", "full-diffusion", "full-patchmatch"):
        evaluation.fill(method, photo, mask)
    assert seen == [("classroom-l2adv", "fast"), ("classroom-l2adv", "paper"), ("mean", "fast"),
                    ("diffusion", "fast"), ("patchmatch", "fast")]  # fmt: skip
    evaluation.fill("diffusion", photo, mask)  # a method of its own, not full's start
    assert len(seen) == 5
    with pytest.raises(InputError, match="unknown method 'full-best'"):
        evaluation.fill("full-best", photo, mask)


def test_evaluate_caches_rows_and_reuses_them(tmp_path, monkeypatch):
    rows = evaluation.evaluate(["mean", "content-l2"], limit=2, cache=tmp_path, progress=False)
    assert [(r["method"], r["crop"]) for r in rows] == [
        ("mean", "coffee#0"), ("mean", "coffee#1"),
        ("content-l2", "coffee#0"), ("content-l2", "coffee#1"),
    ]  # fmt: skip
    for r in rows:
        assert set(r) == set(evaluation.FIELDS)
        assert 0 < r["mean_l1_%"] < 100 and 5 < r["psnr_db"] < 60 and 0 <= r["lpips"] < 1
    # the content network beats the mean colour on these crops
    assert rows[2]["psnr_db"] > rows[0]["psnr_db"] and rows[3]["psnr_db"] > rows[1]["psnr_db"]

    def no_compute(*args, **kwargs):
        raise AssertionError("a cached row was recomputed")

    monkeypatch.setattr(evaluation, "fill", no_compute)
    again = evaluation.evaluate(["mean", "content-l2"], limit=2, cache=tmp_path, progress=False)
    for a, b in zip(rows, again, strict=True):
        assert a == pytest.approx(b)


def test_evaluate_skips_a_truncated_cache_line(tmp_path):
    evaluation.evaluate(["mean"], limit=2, cache=tmp_path, progress=False)
    path = tmp_path / "table_rows.csv"
    text = path.read_text()
    path.write_text(text[: len(text) - 30])  # the last row cut mid-line, as a kill would
    assert len(evaluation.read_rows(path)) == 1
    rows = evaluation.evaluate(["mean"], limit=2, cache=tmp_path, progress=False)
    assert len(rows) == 2


def test_summary_and_markdown_put_the_paper_beside_ours():
    rows = [
        {"method": m, "crop": f"x#{i}", "mean_l1_%": 10.0 + i, "mean_l2_%": 2.0,
         "psnr_db": 18.0 + i, "ssim": 0.5, "lpips": 0.3, "seconds": s}
        for m in ("full-paper", "mean") for i, s in enumerate((1.0, 3.0, 2.0))
    ]  # fmt: skip
    table = evaluation.summarise(rows)
    assert [r["method"] for r in table] == ["mean", "full-paper"]  # the paper's row order
    full = table[1]
    assert full["n"] == 3 and full["mean_l1_%"] == pytest.approx(11.0)
    assert full["psnr_db"] == pytest.approx(19.0) and full["seconds"] == 2.0  # median
    assert (full["paper_l1_%"], full["paper_l2_%"], full["paper_psnr_db"]) == (10.0, 2.2, 18.0)
    assert table[0]["paper_label"] == ""
    md = evaluation.table_markdown(table)
    assert "| ours: content + multi-scale texture, schedule paper | 11.00 | 2.00 | 19.00 |" in md
    assert "10.0 / 2.2 / 18.0 (Yang et al. 2017)" in md
    assert "averaged over 3 128x128 crops" in md


def test_write_table_files(tmp_path):
    rows = evaluation.evaluate(["mean"], limit=3, progress=False)
    table = evaluation.write_table(rows, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "table.csv", "table.md", "table_per_crop.csv",
    ]  # fmt: skip
    with (tmp_path / "table.csv").open() as f:
        saved = list(csv.DictReader(f))
    assert saved[0]["method"] == "mean"
    assert float(saved[0]["psnr_db"]) == pytest.approx(table[0]["psnr_db"])
    assert len(evaluation.read_rows(tmp_path / "table_per_crop.csv")) == 3


def test_every_table_row_is_a_method_a_variant_or_a_peer():
    """The table has one registry behind it: each row resolves to nplib.methods.METHODS,
    directly or as a (method, options) variant, or is an outside program."""
    for key in evaluation.TABLE_METHODS:
        name, options = evaluation.VARIANTS.get(key, (key, {}))
        assert key in evaluation.PEERS or name in methods.METHODS, key
        assert set(options) <= set(methods.METHODS.get(name, methods.Method(None, "")).options)


def test_scoreboard_prints_each_notebooks_rows_from_the_table(tmp_path):
    table = tmp_path / "table.csv"
    metrics = [k for k in evaluation.FIELDS if k not in ("method", "crop")]
    rows = [evaluation.summarise([dict(method=m, crop="a#0", **dict.fromkeys(metrics, 0.1 * i))])[0]
            for i, m in enumerate(evaluation.TABLE_METHODS, start=1)]
    evaluation.write_csv(table, rows)
    for notebook, shown in evaluation.SCOREBOARD.items():
        lines = evaluation.scoreboard(notebook, table).splitlines()
        assert len(lines) == 1 + len(shown) <= 5  # a heading and at most four rows
        for line, m in zip(lines[1:], shown, strict=True):
            assert evaluation.TABLE_METHODS[m] in line
    assert "LPIPS 0.100" in evaluation.scoreboard("02", table)  # mean's row: the first
