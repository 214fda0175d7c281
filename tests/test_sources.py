"""Patches from other photos (``sources=``, docs/method.md, "Patches from other photos"): the
candidates of another photo are used, an empty list changes nothing, and bad sources are
one-line errors."""

import numpy as np
import pytest
import torch
from PIL import Image

import nplib.neural_patch as npm
from nplib import inpaint
from nplib.cli import main
from nplib.io import MAX_SOURCE_PIXELS, InputError, check_source_photos
from nplib.solve import SolveSettings
from nplib.synthesis import level_sources


def _scene(seed: int, size: int = 96) -> np.ndarray:
    """Smooth grey noise: no patch of it looks like a saturated red-and-green checker."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(0.35, 0.65, (size // 8, size // 8, 1)).astype(np.float32)
    grey = np.asarray(Image.fromarray((small[..., 0] * 255).astype(np.uint8)).resize(
        (size, size), Image.BILINEAR), np.float32) / 255.0
    return np.repeat(grey[..., None], 3, axis=2)


def _checker(side: int) -> np.ndarray:
    """A red / green checker of 4-pixel cells."""
    y, x = np.mgrid[:side, :side]
    on = ((y // 4 + x // 4) % 2).astype(bool)
    return np.where(on[..., None], [0.9, 0.1, 0.1], [0.1, 0.8, 0.1]).astype(np.float32)


def _case():
    """A photo whose hole hid a checker that appears nowhere else in it, and a second view
    that shows the checker; the hole's edge cuts through the checker (as a real occluder)."""
    image = _scene(0)
    image[32:64, 32:64] = _checker(32)
    mask = np.zeros(image.shape[:2], bool)
    mask[36:60, 36:60] = True  # a ring of checker stays known around the hole
    source = _scene(1)
    source[24:72, 24:72] = _checker(48)
    image[mask] = 0.5  # nothing of the hidden checker survives in the input
    return image, mask, source


def _redness(fill: np.ndarray, mask: np.ndarray) -> float:
    """How far the hole's colours are from grey (the checker is saturated; the scene is not)."""
    px = fill[mask]
    return float((px.max(1) - px.min(1)).mean())


def test_build_target_takes_a_match_that_lives_only_in_the_extra_sources():
    g = torch.Generator().manual_seed(0)
    feat = torch.rand(8, 12, 12, generator=g)
    hole = torch.zeros(12, 12, dtype=torch.bool)
    hole[5:8, 5:8] = True
    query = feat[:, 4:7, 4:7].clone()  # the 3x3 patch around the hole's top-left query
    query[:, 1, 1] = 5.0  # now unlike every own source patch
    feat[:, 4:7, 4:7] = query
    own = npm.build_target("relu3_1", feat, hole)
    extra = torch.cat([torch.rand(10, 8, 3, 3, generator=g), query[None] * 2.0])  # NCC: scale-free
    t = npm.build_target("relu3_1", feat, hole, extra_patches=extra)
    n_own = len(t.source_centres)
    assert n_own == len(own.source_centres)
    assert int(t.nn[0]) == n_own + 10  # the query (5, 5) matched the extra copy of itself
    assert (own.nn < n_own).all()


def _truth() -> np.ndarray:
    truth = _scene(0)
    truth[32:64, 32:64] = _checker(32)
    return truth


def test_patchmatch_copies_what_only_the_source_shows():
    image, mask, source = _case()
    alone = inpaint(image, mask, "patchmatch")
    helped = inpaint(image, mask, "patchmatch", sources=[source])
    assert _redness(helped, mask) > 2 * _redness(alone, mask)
    err_alone = np.abs(alone - _truth())[mask].mean()
    err_helped = np.abs(helped - _truth())[mask].mean()
    assert err_helped < 0.7 * err_alone, (err_helped, err_alone)


def test_neural_patches_of_the_hidden_checker_match_into_the_source():
    """With the true fill, the hole's VGG patches (checker inside) find their nearest
    sources in the other photo: the image's own known patches hold no such patch."""
    image, mask, source = _case()
    energy = npm.HoleEnergy(image, mask, None, npm.TextureSettings(), torch.device("cpu"),
                            sources=[source])
    energy.rematch(energy.start(_truth()))
    for t in energy.targets:
        from_source = (t.nn >= len(t.source_centres)).float().mean()
        assert from_source > 0.5, (t.layer, float(from_source))


def test_texture_accepts_sources():
    image, mask, source = _case()
    s = SolveSettings(iters=2, optimizer="adam")
    out = inpaint(image, mask, "texture", solve=s, sources=[source], progress=False)
    assert not np.array_equal(out, inpaint(image, mask, "texture", solve=s, progress=False))


@pytest.mark.parametrize("method", ["patchmatch", "texture"])
def test_no_sources_is_the_method_unchanged(method):
    image, mask, _ = _case()
    quick = SolveSettings(iters=2, optimizer="adam")
    opts = {"solve": quick} if method == "texture" else {}
    a = inpaint(image, mask, method, progress=False, **opts)
    b = inpaint(image, mask, method, sources=[], progress=False, **opts)
    assert np.array_equal(a, b)


def test_sources_resized_with_the_level_and_dropped_when_too_small():
    src = np.zeros((200, 120, 3), np.float32)
    half, = level_sources([src], 0.5)
    assert half.shape == (100, 60, 3)
    assert level_sources([src], 1.0)[0] is src
    assert level_sources([src], 0.25) == []  # 30 px wide: under MIN_SOURCE_SIDE


def test_bad_sources_are_one_line_errors():
    image, mask, source = _case()
    with pytest.raises(InputError, match="source 2 is 20x10"):
        check_source_photos([source, np.zeros((10, 20, 3), np.float32)])
    with pytest.raises(InputError, match="source 1: image values"):
        check_source_photos([source * 3])
    side = int(np.sqrt(MAX_SOURCE_PIXELS)) + 1
    with pytest.raises(InputError, match="megapixels"):
        check_source_photos([np.zeros((side, side, 3), np.uint8)])
    with pytest.raises(InputError, match="sources applies to patchmatch, texture, full only"):
        inpaint(image, mask, "diffusion", sources=[source])
    assert len(check_source_photos(source)) == 1  # one photo, not a list of rows


def test_cli_source_option(tmp_path, capsys):
    image, mask, source = _case()
    Image.fromarray((image * 255).round().astype(np.uint8)).save(tmp_path / "in.png")
    Image.fromarray(mask.astype(np.uint8) * 255).save(tmp_path / "mask.png")
    Image.fromarray((source * 255).round().astype(np.uint8)).save(tmp_path / "src.png")
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(tmp_path / "tiny.png")
    (tmp_path / "junk.png").write_bytes(b"not an image")
    base = ["inpaint", str(tmp_path / "in.png"), "--mask", str(tmp_path / "mask.png"),
            "-o", str(tmp_path / "out.png"), "--method", "patchmatch"]
    for bad, needle in [("tiny.png", "at least 32x32"), ("junk.png", "cannot read"),
                        ("missing.png", "not found")]:
        assert main([*base, "--source", str(tmp_path / bad)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and needle in err, err
        assert not (tmp_path / "out.png").exists()
    assert main([*base, "--source", str(tmp_path / "src.png")]) == 0
    out = np.asarray(Image.open(tmp_path / "out.png"), np.float32) / 255.0
    assert _redness(out, mask) > 2 * _redness(inpaint(image, mask, "patchmatch"), mask)
