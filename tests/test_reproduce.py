"""nplib.reproduce: the paper's figures, drawn from a cache (no method runs)."""

from __future__ import annotations

import json

import numpy as np

from nplib import reproduce
from nplib.io import save_image


def _fake_cache(cache, methods):
    """Cache files as ``make figures`` leaves them, with the truth standing in for results."""
    for name in (*reproduce.CENTRE_CASES, *reproduce.OBJECT_CASES):
        image, _ = reproduce.case(name)
        stem = reproduce._stem(name)
        for m in methods:
            save_image(cache / f"{stem}__{m}.png", image)
    stem = reproduce._stem(reproduce.STAGES_CASE)
    info = []
    for i, side in enumerate((128, 256)):
        for k in ("start", "result"):
            save_image(cache / f"{stem}__level{i + 1}_{k}.png", np.full((side, side, 3), 0.5))
        info.append({"size": [side, side], "seconds": 1.5 * (i + 1)})
    (cache / f"{stem}__levels.json").write_text(json.dumps(info))


def test_figures_are_drawn_from_the_cache(tmp_path, monkeypatch):
    _fake_cache(tmp_path, ["patchmatch", "content-l2adv", "full", "full-mean"])

    def no_compute(*args, **kwargs):
        raise AssertionError("a cached result was recomputed")

    monkeypatch.setattr(reproduce, "fill", no_compute)
    monkeypatch.setattr(reproduce, "_full_with_levels", no_compute)
    shapes = {"fig1": (5, 5), "fig2": (3, 4), "fig3": (5, 4), "fig4": (2, 2), "fig5": (3, 3)}
    for key, (_, make) in reproduce.FIGURE_FUNCTIONS.items():
        fig = make(tmp_path, progress=False)
        assert len(fig.axes) == shapes[key][0] * shapes[key][1], key
        assert fig.texts and fig.texts[0].get_text().startswith(f"Figure {key[-1]}")
        assert fig.axes[0].get_title()
    fig4 = reproduce.figure_stages(tmp_path, progress=False)
    assert fig4.axes[1].get_title() == "level 2: 256x256, 3.0 s"
    fig1 = reproduce.figure_results(tmp_path, progress=False)
    assert fig1.axes[1].get_xlabel().startswith("PSNR inf dB")  # truth vs truth


def test_main_writes_the_table(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(reproduce, "TABLE_METHODS", {"mean": "mean-colour fill"})
    reproduce.main(["--out", str(tmp_path), "--only", "table", "--limit", "2"])
    assert "| mean-colour fill |" in (tmp_path / "table.md").read_text()
    assert (tmp_path / "cache" / "table_rows.csv").is_file()
    assert "done in" in capsys.readouterr().out
