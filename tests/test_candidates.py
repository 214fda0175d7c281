"""Tests for the authors' candidates (nplib/candidates.py) and the texture stage's options
that follow the authors' code (queries within reach, on a stride-2 grid, mean votes, the
fixed-step L-BFGS) in nplib/neural_patch.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nplib import candidates as cand
from nplib import data
from nplib import neural_patch as npm
from nplib.solve import SolveSettings


def _image(h=40, w=30, seed=0):
    return np.random.default_rng(seed).random((h, w, 3), dtype=np.float32)


def test_strip_fill_mirrors_each_column_from_above_and_below():
    image = _image()
    mask = np.zeros((40, 30), bool)
    mask[14:24, 8:20] = True  # hole rows 14..23; with a ring of 2, rows 12..25
    out = cand.strip_fill(image, mask, ring=2)
    grown = np.zeros_like(mask)
    grown[12:26, 6:22] = True
    assert np.array_equal(out[~grown], image[~grown])  # outside the grown hole: untouched
    # 14 rows: the upper 7 mirror the 7 rows directly above, the lower 7 those below
    assert np.array_equal(out[12:19, 6:22], image[11:4:-1, 6:22])
    assert np.array_equal(out[19:26, 6:22], image[32:25:-1, 6:22])


def test_strip_fill_mirrors_a_thin_band_back_and_forth_and_turns_to_columns():
    image = _image()
    mask = np.zeros((40, 30), bool)
    mask[3:30, 10:14] = True  # only 3 rows above: mirrored, then back
    out = cand.strip_fill(image, mask, ring=0)
    assert np.array_equal(out[3:9, 10:14], image[[2, 1, 0, 0, 1, 2], 10:14])
    tall = np.zeros((40, 30), bool)
    tall[:, 10:14] = True  # every row is hole: the bands left and right
    out = cand.strip_fill(image, tall, ring=0)
    assert np.array_equal(out[:, 10:12], image[:, [9, 8]])
    assert np.array_equal(out[:, 12:14], image[:, [15, 14]])
    whole = np.ones((40, 30), bool)
    assert np.allclose(cand.strip_fill(image, whole, ring=0), image.mean(axis=(0, 1)))


@pytest.mark.parametrize("h,w", [(64, 64), (48, 80), (80, 20)])
def test_inscribed_crop_of_a_rotation_has_no_empty_corner(h, w):
    ones = torch.ones(1, 3, h, w)
    for copy in cand.augmented(ones, rotations=(math.pi / 24, -math.pi / 24), scales=(1.0,)):
        assert copy.min() > 0.99  # nothing of the black fill outside the rotated image
    # a square turned by 45 degrees holds a square of side / sqrt(2)
    assert cand.inscribed_size(100, 100, math.pi / 4) == (70, 70)
    assert cand.inscribed_size(h, w, 0.0) == (h, w)


def test_augmented_gives_the_authors_nine_copies():
    x = torch.rand(1, 3, 64, 64)
    copies = cand.augmented(x)
    assert len(copies) == 9
    assert torch.equal(copies[0], x)  # rotation 0, scale 1 first
    assert copies[1].shape[-1] == round(64 / 1.05) and copies[2].shape[-1] == round(64 * 1.05)


def _case(c=4, h=16, w=17, seed=1):
    g = torch.Generator().manual_seed(seed)
    feat = torch.rand(c, h, w, generator=g, dtype=torch.float64)
    hole = torch.zeros(h, w, dtype=torch.bool)
    hole[6:11, 5:12] = True
    return feat, hole


def _brute(feat, positions, sources):
    padded = F.pad(feat, (1, 1, 1, 1))
    src = sources.flatten(1)
    src = src / src.norm(dim=1, keepdim=True)
    return [int(torch.argmax(src @ padded[:, r : r + 3, c : c + 3].flatten()))
            for r, c in positions]


def test_queries_within_reach_on_a_stride_2_grid_match_by_brute_force():
    feat, hole = _case()
    sources, _ = npm.source_patches(feat, hole, 3, 1)
    area = npm.query_area(hole, 2)
    assert area.sum() == (5 + 4) * (7 + 4)  # the hole grown by 2 positions each side
    nn, _ = npm.match(feat, area, sources, chunk=5, stride=2)
    positions = [(r, c) for r in range(4, 13, 2) for c in range(3, 14, 2)]  # from (4, 3)
    assert nn.tolist() == _brute(feat, positions, sources)
    t = npm.build_target("relu3_1", feat, hole, reach=2, query_stride=2)
    assert len(t.nn) == len(positions) and t.box == (4, 13, 3, 14)
    # stride 2 and 3x3 patches: every position of the box is covered once, twice or 4 times
    covered = t.weight[0, 1:-1, 1:-1]
    assert set(covered.unique().tolist()) == {1.0, 2.0, 4.0}


def test_mean_votes_weigh_every_covered_position_once():
    feat, hole = _case()
    summed = npm.build_target("relu3_1", feat, hole, query_stride=2)
    mean = npm.build_target("relu3_1", feat, hole, query_stride=2, votes="mean")
    assert torch.equal(summed.target, mean.target) and torch.equal(summed.nn, mean.nn)
    assert torch.equal(mean.weight, (summed.weight > 0).to(feat.dtype))
    x = feat + 0.1
    p = 1
    y0, y1, x0, x1 = mean.box
    region = F.pad(x, (p, p, p, p))[:, y0 : y1 + 2 * p, x0 : x1 + 2 * p]
    direct = (((region - mean.target) ** 2).sum(0) * (summed.weight[0] > 0)).sum()
    assert npm.texture_energy(x, mean).item() == pytest.approx(direct.item(), rel=1e-12)
    with pytest.raises(ValueError, match="votes"):
        npm.build_target("relu3_1", feat, hole, votes="median")


def test_only_extra_sources_without_the_own():
    feat, hole = _case()
    extra = torch.rand(6, 4, 3, 3, dtype=torch.float64)
    t = npm.build_target("relu3_1", feat, hole, extra_patches=extra, own_sources=False)
    assert len(t.source_centres) == 0 and int(t.nn.max()) < 6
    with pytest.raises(npm.NoSourceError):
        npm.build_target("relu3_1", feat, hole, own_sources=False)


def _small():
    image = data.centre_crop(data.load_image("storm_road"), 64)
    mask = np.zeros((64, 64), bool)
    mask[24:40, 24:40] = True
    return image, mask


def test_authors_candidates_are_computed_once_from_the_strip_filled_copies():
    image, mask = _small()
    s = npm.TextureSettings(candidates="authors", layers=("relu3_1",))
    energy = npm.HoleEnergy(image, mask, None, s, torch.device("cpu"))
    copies = cand.augmented(npm._to_tensor(cand.strip_fill(image, mask), "cpu"))
    expected = 0
    for x in copies:
        h, w = math.ceil(x.shape[-2] / 4), math.ceil(x.shape[-1] / 4)
        expected += ((h - 3) // 2 + 1) * ((w - 3) // 2 + 1)
    assert len(energy.extra_patches["relu3_1"]) == expected
    before = energy.extra_patches["relu3_1"].clone()
    z = energy.start(image).requires_grad_(True)
    energy.rematch(z)
    assert len(energy.targets[0].source_centres) == 0  # no own sources from the fill
    with torch.no_grad():
        z += 0.2
    energy.rematch(z)
    assert torch.equal(energy.extra_patches["relu3_1"], before)  # the fill never changes them
    with pytest.raises(ValueError, match="candidates"):
        npm.HoleEnergy(image, mask, None, npm.TextureSettings(candidates="all"), "cpu")


def test_fixed_step_lbfgs_runs_one_vgg_pass_an_iteration():
    image, mask = _small()
    texture = npm.TextureSettings(layers=("relu3_1",))
    passes = {}
    for name in ("lbfgs-fixed", "lbfgs"):
        solve = SolveSettings(iters=6, optimizer=name)
        out, history = npm.optimise(image, mask, image, None, texture, solve, device="cpu",
                                    progress=False)  # fmt: skip
        passes[name] = history[-1]["passes"]
        assert np.array_equal(out[~mask], image[~mask])
        assert history[-1]["E"] < history[0]["E"]
    assert passes["lbfgs-fixed"] == 6 + 1  # and the final evaluation
    assert passes["lbfgs"] >= passes["lbfgs-fixed"]


def test_content_term_on_a_vgg_layer_is_zero_at_the_reference_and_pulls_towards_it():
    image, mask = _small()
    ref = np.where(mask[..., None], np.float32(0.5), image)
    s = npm.TextureSettings(layers=("relu3_1",), content_layer="relu4_2")
    energy = npm.HoleEnergy(image, mask, ref, s, torch.device("cpu"))
    energy.rematch(energy.start(ref))
    at_ref = energy.start(ref)
    assert energy(at_ref)[1]["E_c"] == pytest.approx(0.0, abs=1e-6)
    z = (at_ref + 0.1).requires_grad_(True)
    e, vals = energy(z)
    assert vals["E_c"] > 0
    e_c = s.content_weight * ((energy.vgg(energy.known + energy.hole * z, ["relu4_2"])["relu4_2"]
                               - energy.ref_feat) ** 2).mean()
    assert vals["E_c"] == pytest.approx(float(e_c.detach()), rel=1e-5)
    (g,) = torch.autograd.grad(e_c, z)
    assert g[:, :, ~torch.from_numpy(mask)].abs().max() == 0  # known pixels are not free
    assert g.abs().sum() > 0


def test_authors_content_term_pulls_every_level_towards_level_1s_start(monkeypatch):
    from nplib import synthesis
    from nplib.pyramid import resize_image

    seen = []

    def spy(image, mask, init, content, texture, solve, **kw):
        seen.append((init, content))
        return init, [{"passes": 0}]

    monkeypatch.setattr(synthesis, "optimise", spy)
    image = data.centre_crop(data.load_image("storm_road"), 256)
    mask = data.centre_mask(256, 256)
    for layer in (None, "relu4_2"):
        seen.clear()
        tex = npm.TextureSettings(content_layer=layer)
        synthesis.synthesize(image, mask, start="diffusion", levels=2, texture=tex,
                             progress=False)
        (init1, ref1), (init2, ref2) = seen
        assert np.array_equal(ref1, init1)
        if layer is None:  # ours: towards the previous level's result
            assert ref2 is init2
        else:  # the authors': towards level 1's start, resized
            expected = resize_image(init1, ref2.shape[:2])
            m = synthesis.resize_mask(mask[synthesis.texture_window(mask)], ref2.shape[:2])
            assert np.allclose(ref2[m], expected[m])
