"""The multi-scale pipeline: any size, border and several holes, exact composite, limits."""

from dataclasses import replace

import numpy as np
import pytest
import torch

import nplib
from nplib import data, synthesis
from nplib.io import InputError
from nplib.neural_patch import ONE_SCALE, TextureSettings
from nplib.synthesis import SCHEDULES, Schedule, num_levels, synthesize


def _check(image, mask, out):
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.array_equal(out[~mask], image[~mask])
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    assert not np.allclose(out[mask], image[mask], atol=1e-3)


def test_levels_follow_the_hole_size():
    mask = np.zeros((600, 600), bool)
    mask[100:160, 100:130] = True
    assert num_levels(mask) == 1
    mask[100:356, 100:300] = True  # 256 px tall
    assert num_levels(mask) == 3


def test_odd_size_with_border_hole_and_two_holes(photo):
    image = photo[:97, :131].copy()
    mask = np.zeros(image.shape[:2], bool)
    mask[0:20, 40:70] = True  # touches the top border
    mask[60:80, 100:131] = True  # touches the right border, a second hole
    out, stages = synthesize(image, mask, start="diffusion", schedule=Schedule(iters=(3,)),
                             progress=False)
    _check(image, mask, out)
    assert all(st.history[-1]["E"] <= st.history[0]["E"] for st in stages)


def test_three_levels_sizes_double(photo):
    image = photo.copy()
    mask = np.zeros(image.shape[:2], bool)
    mask[60:200, 70:190] = True  # 140 px: three levels down to a 35 px hole
    out, stages = synthesize(image, mask, start="mean", levels=3,
                             schedule=Schedule(iters=(2, 1, 1)), progress=False)
    _check(image, mask, out)
    heights = [s.size[0] for s in stages]
    assert heights[1] == 2 * heights[0] and heights[2] == 2 * heights[1]


def test_hole_in_a_large_image_costs_only_its_window(photo):
    big = np.zeros((3000, 4000, 3), np.float32)
    big[1000:1256, 2000:2256] = photo
    mask = np.zeros(big.shape[:2], bool)
    mask[1100:1140, 2100:2150] = True
    out, stages = synthesize(big, mask, start="diffusion", schedule=Schedule(iters=(2,)),
                             progress=False)
    _check(big, mask, out)
    assert max(stages[-1].size) < 200


def test_too_large_hole_is_refused_with_the_limit(monkeypatch):
    image = np.zeros((300, 300, 3), np.float32)
    mask = np.zeros((300, 300), bool)
    mask[10:290, 10:290] = True
    monkeypatch.setattr(synthesis, "MAX_WINDOW_PIXELS", 200 * 200)
    with pytest.raises(InputError, match="megapixel limit"):
        synthesize(image, mask, progress=False)


def test_level_sizes_are_the_levels_synthesize_runs(photo):
    mask = np.zeros(photo.shape[:2], bool)
    mask[40:100, 50:90] = True
    sizes = synthesis.level_sizes(mask)
    assert len(sizes) == synthesis.num_levels(mask[synthesis.texture_window(mask)])
    _, levels = synthesis.synthesize(photo, mask, start="mean", schedule=Schedule(iters=(1,)),
                                     progress=False)
    assert [lv.size for lv in levels] == sizes
    assert synthesis.level_sizes(data.centre_mask(512, 512)) == [(128, 128), (256, 256), (512, 512)]


def test_level_one_uses_the_coarse_layers_and_finer_levels_the_others(photo, monkeypatch):
    seen = []
    real = synthesis.optimise

    def spy(image, mask, init, content, texture, solve, **kwargs):
        seen.append((texture.layers, texture.margin))
        return real(image, mask, init, content, texture, solve, **kwargs)

    monkeypatch.setattr(synthesis, "optimise", spy)
    mask = np.zeros(photo.shape[:2], bool)
    mask[60:200, 70:190] = True
    synthesize(photo, mask, start="mean", levels=3, schedule=Schedule(iters=(1, 1, 1)),
               progress=False)
    assert seen[0] == (synthesis.COARSE_LAYERS, None)  # level 1: paper's layers, wide context
    assert seen[1:] == [(synthesis.FINE_LAYERS, synthesis.FINE_MARGIN)] * 2
    assert "relu4_1" in synthesis.COARSE_LAYERS and synthesis.FINE_LAYERS == ("relu3_1",)


def test_empty_mask_is_a_clear_input_error():
    with pytest.raises(InputError, match="mask is empty"):
        synthesize(np.zeros((64, 64, 3), np.float32), np.zeros((64, 64), bool), progress=False)


def test_schedule_names_the_documented_schedule_per_device():
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert synthesis.pick_schedule(None, cpu) == SCHEDULES["fast"]
    assert synthesis.pick_schedule(None, cuda) == SCHEDULES["paper"]
    assert synthesis.pick_schedule("paper", cpu) == SCHEDULES["paper"]
    paper, fast = SCHEDULES["paper"], SCHEDULES["fast"]
    assert paper.level_iters(3) == [100, 100, 100]  # the authors' schedule
    assert paper.layers == paper.coarse_layers == ("relu3_1", "relu4_1")
    assert paper.fine_margin is None
    assert fast.level_iters(4) == [100, 40, 12, 12]
    assert fast.solve(0).optimizer == "lbfgs-fixed"  # issue 30's solver and queries
    level = fast.texture(0, TextureSettings())
    assert (level.precision, level.query_reach) == ("auto", True)
    assert paper.solve(0).optimizer == "lbfgs"
    level = paper.texture(0, TextureSettings())
    assert (level.precision, level.query_reach) == ("float32", False)
    with pytest.raises(InputError, match="unknown schedule 'best'"):
        synthesis.pick_schedule("best", cpu)


def test_schedule_reaches_the_optimiser(photo, monkeypatch):
    seen = []
    real = synthesis.optimise

    def spy(image, mask, init, content, texture, solve, **kwargs):
        seen.append(solve.iters)
        return real(image, mask, init, content, texture, replace(solve, iters=1), **kwargs)

    monkeypatch.setattr(synthesis, "optimise", spy)
    mask = np.zeros(photo.shape[:2], bool)
    mask[60:200, 70:190] = True
    nplib.inpaint(photo, mask, "full", schedule="paper")
    assert seen == [100, 100, 100]
    with pytest.raises(InputError, match="schedule applies to full only"):
        nplib.inpaint(photo, mask, "patchmatch", schedule="paper")


def test_patchmatch_start_begins_level_one_with_copied_patches(photo):
    from nplib.patchmatch import inpaint_patchmatch

    mask = np.zeros((96, 96), bool)
    mask[32:64, 32:64] = True
    image = photo[:96, :96].copy()
    out, stages = synthesize(image, mask, start="patchmatch", schedule=Schedule(iters=(1,)),
                             progress=False)  # fmt: skip
    assert np.array_equal(stages[0].start, inpaint_patchmatch(image, mask, seed=0))
    _check(image, mask, out)


def test_schedule_sets_only_the_fields_the_texture_settings_leave_to_it():
    texture = TextureSettings(alpha=1e-3, beta=0.5)
    plain = Schedule()
    coarse, fine = plain.texture(0, texture), plain.texture(2, texture)
    assert (coarse.margin, coarse.layers) == (None, synthesis.COARSE_LAYERS)
    assert (fine.margin, fine.layers) == (synthesis.FINE_MARGIN, synthesis.FINE_LAYERS)
    assert (plain.solve(0).iters, plain.solve(2).iters) == (100, 12)
    for level in (coarse, fine):
        assert (level.alpha, level.beta) == (1e-3, 0.5)
        assert (level.precision, level.query_reach) == ("float32", False)
    # a value the caller gives holds at every level, whatever the schedule
    mine = TextureSettings(layers=("relu3_1",), margin=20, precision="float32", query_reach=False)
    for s in range(3):
        level = SCHEDULES["fast"].texture(s, mine)
        assert (level.layers, level.margin, level.precision, level.query_reach) == (
            ("relu3_1",), 20, "float32", False)
    # at one scale, the fields left None take their documented values
    assert TextureSettings().resolve() == replace(TextureSettings(), **ONE_SCALE)


def test_pyramid_levels_halve_to_the_coarsest():
    from nplib.pyramid import level_sizes

    assert level_sizes((300, 201), 3) == [(75, 50), (150, 100), (300, 201)]
    assert level_sizes((5, 3), 4) == [(1, 1), (1, 1), (2, 2), (5, 3)]  # never below a pixel
    assert synthesis.level_sizes(data.centre_mask(512, 512)) == level_sizes((512, 512), 3)


def test_resized_masks_keep_every_hole():
    from nplib.pyramid import resize_image, resize_mask

    mask = np.zeros((64, 64), bool)
    mask[31, 17] = True  # one pixel
    assert resize_mask(mask, (8, 8)).sum() == 1
    img = np.random.default_rng(0).random((64, 64, 3), dtype=np.float32)
    small = resize_image(img, (16, 32))
    assert small.shape == (16, 32, 3) and small.min() >= 0 and small.max() <= 1


def test_oracle_fill_blurs_only_the_hole_and_more_with_a_larger_blur(photo):
    from nplib.baselines import oracle_fill
    from nplib.metrics import psnr

    image = photo[:128, :128].copy()
    mask = data.centre_mask(128, 128)
    assert np.array_equal(oracle_fill(image, mask, 0.0), image)
    fills = [oracle_fill(image, mask, b) for b in (1 / 64, 1 / 16, 1 / 4)]
    for fill in fills:
        assert fill.dtype == np.float32 and np.array_equal(fill[~mask], image[~mask])
        assert abs(fill[mask].mean() - image[mask].mean()) < 0.05  # about the same mean
    scores = [psnr(fill, image, mask) for fill in fills]
    assert scores[0] > scores[1] > scores[2]
    with pytest.raises(InputError, match="blur"):
        oracle_fill(image, mask, -0.1)


def test_array_start_begins_level_one_with_the_callers_fill(photo):
    from nplib.holes import texture_window
    from nplib.pyramid import resize_image

    image = photo[:192, :192].copy()
    mask = data.centre_mask(192, 192)  # a 96 px hole: two levels
    start = image.copy()
    start[mask] = [1.0, 0.0, 0.0]  # a red hole nobody else would fill with
    out, stages = synthesize(image, mask, start=start, schedule=Schedule(iters=(1,)),
                             progress=False)  # fmt: skip
    assert len(stages) == 2
    rows, cols = texture_window(mask)
    expected = resize_image(start[rows, cols], stages[0].size)
    hole = synthesis.resize_mask(mask[rows, cols], stages[0].size)
    assert np.allclose(stages[0].start[hole], expected[hole])
    assert stages[0].start[hole][:, 0].mean() > 0.9  # red in, red at level 1
    _check(image, mask, out)
    with pytest.raises(InputError, match="start has shape"):
        synthesize(image, mask, start=start[:100], progress=False)
