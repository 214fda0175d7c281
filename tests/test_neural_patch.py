"""Tests for the neural patch loss and the texture optimisation (nplib/neural_patch.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nplib import data
from nplib import neural_patch as npm
from nplib.holes import texture_window
from nplib.solve import SolveSettings
from nplib.vgg import STRIDES, load_vgg


def _random_case(c=6, h=14, w=15, box=(5, 9, 4, 10), seed=0):
    g = torch.Generator().manual_seed(seed)
    feat = torch.rand(c, h, w, generator=g, dtype=torch.float64)
    hole = torch.zeros(h, w, dtype=torch.bool)
    hole[box[0] : box[1], box[2] : box[3]] = True
    return feat, hole


def _brute_force_nn(feat, hole, sources):
    """argmax over sources of the normalised cross-correlation, one query at a time."""
    pad = sources.shape[-1] // 2
    padded = F.pad(feat, (pad, pad, pad, pad))
    src = sources.flatten(1)
    src = src / src.norm(dim=1, keepdim=True)
    out = []
    for r, c in torch.nonzero(hole).tolist():
        q = padded[:, r : r + 2 * pad + 1, c : c + 2 * pad + 1].flatten()
        out.append(int(torch.argmax(src @ (q / q.norm()))))
    return torch.tensor(out)


def _direct_texture_energy(feat, hole, sources, nn):
    """E_t = sum_i ||P_i(phi) - P_nn(i)||^2 with the query patches materialised."""
    p = sources.shape[-1]
    cols = F.unfold(feat[None], p, padding=p // 2)[0]  # (C*p*p, h*w), zero padded
    queries = cols[:, hole.flatten()].T
    return ((queries - sources[nn].flatten(1)) ** 2).sum()


def test_layer_mask_marks_cells_touching_the_hole():
    mask = torch.zeros(10, 13, dtype=torch.bool)
    mask[5, 9] = True
    lm = npm.layer_mask(mask, 4)
    assert lm.shape == (3, 4)  # ceil(10/4), ceil(13/4), as VGG's ceil-mode pooling
    assert lm.sum() == 1 and lm[1, 2]


def test_sources_never_touch_the_hole():
    feat, hole = _random_case()
    sources, centres = npm.source_patches(feat, hole, patch_size=3, stride=2)
    expected = []
    for r in range(1, feat.shape[1] - 1, 2):
        for c in range(1, feat.shape[2] - 1, 2):
            if not hole[r - 1 : r + 2, c - 1 : c + 2].any():
                expected.append([r, c])
    assert centres.tolist() == expected
    for (r, c), patch in zip(centres.tolist(), sources, strict=True):
        assert torch.equal(patch, feat[:, r - 1 : r + 2, c - 1 : c + 2])


@pytest.mark.parametrize("patch_size,stride", [(3, 2), (3, 1), (5, 2)])
def test_conv_matching_equals_brute_force_on_random_features(patch_size, stride):
    feat, hole = _random_case(h=18, w=17, box=(6, 11, 5, 12))
    sources, _ = npm.source_patches(feat, hole, patch_size, stride)
    nn, _ = npm.match(feat, hole, sources)
    assert torch.equal(nn, _brute_force_nn(feat, hole, sources))


def test_conv_matching_equals_brute_force_on_vgg_features():
    img = data.centre_crop(data.load_image("astronaut"), 96)
    mask = torch.zeros(96, 96, dtype=torch.bool)
    mask[32:64, 36:60] = True
    x = torch.from_numpy(img).permute(2, 0, 1)[None]
    with torch.no_grad():
        feats = load_vgg("cpu")(x, ["relu3_1", "relu4_1"])
    for name, f in feats.items():
        feat = f[0].double()
        hole = npm.layer_mask(mask, STRIDES[name])
        sources, _ = npm.source_patches(feat, hole)
        nn, _ = npm.match(feat, hole, sources)
        assert len(nn) == hole.sum() and len(sources) > 10
        assert torch.equal(nn, _brute_force_nn(feat, hole, sources)), name


def test_l2_matching_is_the_nearest_in_squared_distance_and_differs_from_ncc():
    feat, hole = _random_case(h=18, w=17, box=(6, 11, 5, 12))
    feat = feat * torch.linspace(0.2, 3.0, 17)  # patches of the same pattern, other scales
    sources, _ = npm.source_patches(feat, hole)
    nn, _ = npm.match(feat, hole, sources, chunk=5, distance="l2")
    padded = F.pad(feat, (1, 1, 1, 1))
    queries = torch.stack([padded[:, r : r + 3, c : c + 3].flatten()
                           for r, c in torch.nonzero(hole).tolist()])  # fmt: skip
    assert torch.equal(nn, torch.cdist(queries, sources.flatten(1)).argmin(1))
    assert not torch.equal(nn, npm.match(feat, hole, sources)[0])


def test_chunked_matching_equals_unchunked():
    feat, hole = _random_case(c=4, h=20, w=20, box=(7, 13, 6, 14))
    sources, _ = npm.source_patches(feat, hole, 3, 1)
    whole, peak_whole = npm.match(feat, hole, sources, chunk=len(sources))
    chunked, peak_chunked = npm.match(feat, hole, sources, chunk=7)
    assert len(sources) > 7 * 3
    assert torch.equal(whole, chunked)
    assert peak_chunked == 7 * 6 * 8 * feat.element_size()  # chunk x hole box
    assert peak_whole == len(sources) * 6 * 8 * feat.element_size()


def test_fold_energy_equals_direct_sum_over_patches():
    feat, hole = _random_case()
    t = npm.build_target("relu3_1", feat, hole)  # matches fixed at feat
    sources, _ = npm.source_patches(feat, hole)
    x = feat + 0.3 * torch.randn(feat.shape, dtype=feat.dtype, generator=torch.Generator())
    x.requires_grad_(True)
    fold = npm.texture_energy(x, t)
    (g_fold,) = torch.autograd.grad(fold, x)
    direct = _direct_texture_energy(x, hole, sources, t.nn)
    (g_direct,) = torch.autograd.grad(direct, x)
    assert fold.item() == pytest.approx(direct.item(), rel=1e-10)
    assert torch.allclose(g_fold, g_direct, atol=1e-10)
    assert fold.item() > 1.0


def test_source_patch_copied_into_the_hole_matches_itself():
    feat, hole = _random_case()
    hole[:] = False
    hole[7, 8] = True  # a single query
    sources, centres = npm.source_patches(feat, hole)
    k = 5
    r, c = centres[k].tolist()
    feat[:, 6:9, 7:10] = feat[:, r - 1 : r + 2, c - 1 : c + 2]
    t = npm.build_target("relu3_1", feat, hole)
    assert t.nn.tolist() == [k]
    assert npm.texture_energy(feat, t).item() == pytest.approx(0.0, abs=1e-9)
    feat[0, 7, 8] += 1.0
    assert npm.texture_energy(feat, t).item() == pytest.approx(1.0)


def test_gradcheck_energy_terms():
    feat, hole = _random_case(c=3, h=9, w=9, box=(3, 6, 3, 6))
    t = npm.build_target("relu3_1", feat, hole)
    x = feat.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda f: npm.texture_energy(f, t), (x,))
    content = torch.rand(feat.shape, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda f: npm.content_energy(f, content, hole), (x,))
    assert torch.autograd.gradcheck(lambda f: npm.tv_energy(f, hole), (x,))


def test_tv_and_content_formulas():
    x = torch.tensor([[0.0, 1.0, 3.0], [2.0, 2.0, 0.0]])
    everywhere = torch.ones(2, 3, dtype=torch.bool)
    # horizontal 1 + 4 + 0 + 4, vertical 4 + 1 + 9
    assert npm.tv_energy(x, everywhere).item() == 23.0
    hole = torch.zeros(2, 3, dtype=torch.bool)
    hole[0, 0] = True  # only the pairs (0,0)-(0,1) and (0,0)-(1,0)
    assert npm.tv_energy(x, hole).item() == 5.0
    assert npm.content_energy(x, torch.zeros_like(x), hole).item() == 0.0
    assert npm.content_energy(x, torch.zeros_like(x), everywhere).item() == 18.0


def _photo(n=96):
    img = data.centre_crop(data.load_image("chelsea"), n)
    mask = np.zeros((n, n), bool)
    mask[n // 3 : 2 * n // 3, n // 3 : 2 * n // 3] = True
    return img, mask


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_optimise_lowers_energy_and_keeps_known_pixels(optimizer):
    img, mask = _photo()
    init = np.where(mask[..., None], np.float32(0.5), img)
    solve = SolveSettings(iters=3, optimizer=optimizer, lr=0.005)
    out, hist = npm.optimise(img, mask, init, init, npm.TextureSettings(), solve, progress=False)
    assert len(hist) == 4 and set(hist[0]) == {"E", "E_c", "E_t", "TV", "time", "passes"}
    assert hist[-1]["E"] < hist[0]["E"]
    assert hist[-1]["E_t"] < hist[0]["E_t"]
    assert hist[0]["E_c"] == 0.0 and hist[-1]["E_c"] > 0.0
    assert np.array_equal(out[~mask], img[~mask])
    assert not np.allclose(out[mask], init[mask])


ONE_ITER = SolveSettings(iters=1)


def test_texture_inpaint_runs_on_a_window():
    img, mask = _photo()
    mask[:] = False
    mask[8:24, 60:80] = True  # off-centre: the window is a crop of the image
    assert texture_window(mask) == (slice(0, 56), slice(28, 96))
    out = npm.texture_inpaint(img, mask, init="mean", solve=ONE_ITER, progress=False)
    assert out.shape == img.shape and out.dtype == np.float32
    assert np.array_equal(out[~mask], img[~mask])
    with pytest.raises(ValueError, match="init"):
        npm.texture_inpaint(img, mask, init="zeros", solve=ONE_ITER, progress=False)


def test_every_energy_term_acts_on_the_result():
    """None of E_c, alpha E_t and beta TV is dead: switching one off (or up) moves the fill
    the way its term says (docs/method.md, "The energy's units")."""
    img, mask = _photo()
    rng = np.random.default_rng(0)
    noisy = np.clip(img + rng.normal(0, 0.2, img.shape).astype(np.float32), 0, 1)
    init = np.where(mask[..., None], noisy, img)
    ref = np.where(mask[..., None], np.float32(0.5), img)  # a flat grey content prediction

    def run(content=ref, **kw):
        texture, solve = npm.TextureSettings(**kw), SolveSettings(iters=4)
        out, hist = npm.optimise(img, mask, init, content, texture, solve, progress=False)
        return out, hist[-1]

    out, last = run()
    no_texture, last_nt = run(alpha=0.0)
    assert last["E_t"] < 0.9 * last_nt["E_t"]  # the patch term pulls towards the sources
    no_content, _ = run(content=None)
    dist = lambda a: float(((a - ref)[mask] ** 2).sum())  # noqa: E731
    assert dist(out) < 0.9 * dist(no_content)  # E_c pulls towards the prediction
    _, smooth = run(beta=100 * npm.BETA)
    _, rough = run(beta=0.0)
    assert smooth["TV"] < 0.9 * rough["TV"]  # TV removes speckle
    assert not np.allclose(out[mask], no_texture[mask], atol=1e-3)


def test_usage_penalty_spreads_the_matches_and_is_off_by_default():
    """spread_matches: on a photo's relu3_1 features a small weight (the measured 0.02) draws
    on more distinct sources; weight 0 (the default, the paper's plain nearest neighbour)
    leaves build_target as it was."""
    img, mask = _photo()
    feat = load_vgg("cpu")(torch.from_numpy(img).permute(2, 0, 1)[None], ["relu3_1"])
    feat = feat["relu3_1"][0]
    hole = npm.layer_mask(torch.from_numpy(mask), 4)
    sources, _ = npm.source_patches(feat, hole)
    nn, _ = npm.match(feat, hole, sources)
    spread = npm.spread_matches(feat, hole, sources, nn, weight=0.02)
    assert len(spread.unique()) > len(nn.unique())
    assert torch.equal(npm.build_target("relu3_1", feat, hole).nn, nn)
    assert torch.equal(npm.build_target("relu3_1", feat, hole, usage_weight=0.02).nn, spread)
    assert npm.TextureSettings().usage_weight == 0.0


def test_bfloat16_vgg_keeps_the_energy_and_its_gradient_close_to_float32():
    image = data.centre_crop(data.load_image("storm_road"), 64)
    mask = np.zeros((64, 64), bool)
    mask[24:40, 24:40] = True
    start = np.where(mask[..., None], np.float32(0.5), image)
    got = {}
    for precision in ("float32", "bfloat16"):
        s = npm.TextureSettings(precision=precision)
        energy = npm.HoleEnergy(image, mask, start, s, torch.device("cpu"))
        z = energy.start(start).requires_grad_(True)
        energy.rematch(z)
        e, _ = energy(z)
        (g,) = torch.autograd.grad(e, z)
        got[precision] = (float(e.detach()), g, [t.nn for t in energy.targets])
    (e32, g32, nn32), (e16, g16, nn16) = got["float32"], got["bfloat16"]
    assert e16 != e32 and e16 == pytest.approx(e32, rel=0.02)  # bf16 ran, and is close
    assert F.cosine_similarity(g16.flatten(), g32.flatten(), dim=0) > 0.98
    agree = np.mean([float((a == b).float().mean()) for a, b in zip(nn16, nn32, strict=True)])
    assert agree > 0.8  # most hole patches match the same source
    with pytest.raises(ValueError, match="precision"):
        npm.HoleEnergy(image, mask, None, npm.TextureSettings(precision="fp8"), "cpu")


def test_auto_precision_is_bfloat16_only_where_the_device_runs_it_natively(monkeypatch):
    image = data.centre_crop(data.load_image("storm_road"), 64)
    mask = np.zeros((64, 64), bool)
    mask[24:40, 24:40] = True
    auto = npm.TextureSettings(precision="auto")
    for native in (True, False):
        monkeypatch.setattr(npm, "has_fast_bfloat16", lambda device, native=native: native)
        assert npm.HoleEnergy(image, mask, None, auto, "cpu").bfloat16 is native
