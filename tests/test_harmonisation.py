"""Harmonising a pasted object (docs/method.md, "Harmonising a pasted object"): outside pixels
untouched, the alpha respected, a colour cast pulled towards the scene, the shape kept; clear
errors."""

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from nplib import data
from nplib.cli import main
from nplib.harmonisation import HarmoniseSettings, colour_transfer, harmonise, paste
from nplib.io import InputError
from nplib.solve import SolveSettings

FAST = HarmoniseSettings(levels=1)
SIX, THREE = SolveSettings(iters=6, rematch_every=10), SolveSettings(iters=3, rematch_every=10)
AT = (40, 36)


@pytest.fixture
def scene() -> np.ndarray:
    """A warm-coloured photo: 128x128 of the bundled forest stream."""
    return data.load_image("forest_stream")[300:428, 300:428].copy()


@pytest.fixture
def blue_object() -> np.ndarray:
    """A 40x48 piece of another photo with a strong blue cast, a soft round alpha and
    fully transparent corners."""
    piece = data.load_image("chambord")[400:440, 500:548] * [0.3, 0.4, 1.0]
    y, x = np.mgrid[:40, :48]
    r = np.hypot((y - 19.5) / 20, (x - 23.5) / 24)
    alpha = np.clip((1.0 - r) * 6, 0, 1)[..., None]
    return np.concatenate([np.clip(piece, 0, 1), alpha], axis=2).astype(np.float32)


def _means(img, alpha, scene):
    inside = alpha > 0.9
    ring = np.zeros_like(inside)
    ring[16:112, 16:112] = True
    ring &= alpha == 0
    return img[inside].mean(0), scene[ring].mean(0)


def test_harmonise_keeps_outside_and_alpha_and_moves_the_cast(scene, blue_object):
    out = harmonise(scene, blue_object, AT, FAST, SIX, progress=False)
    pasted, alpha, _ = paste(scene, blue_object, AT)
    assert out.shape == scene.shape and out.dtype == np.float32
    assert np.array_equal(out[alpha == 0], scene[alpha == 0])  # bit-identical, corners too
    # where partly transparent, the result is the photo blended with some colour in [0, 1]
    part = (alpha > 0.05) & (alpha < 0.95)
    a = alpha[part][:, None]
    y = (out[part] - scene[part] * (1 - a)) / a
    assert y.min() > -1e-4 and y.max() < 1 + 1e-4
    before, target = _means(pasted, alpha, scene)
    after, _ = _means(out, alpha, scene)
    assert np.abs(after - target).sum() < 0.6 * np.abs(before - target).sum(), (
        before, after, target)
    pasted_start = harmonise(scene, blue_object, AT, replace(FAST, start="pasted", structure=10.0),
                             SIX, progress=False)  # fmt: skip
    slow, _ = _means(pasted_start, alpha, scene)
    assert np.abs(slow - target).sum() < 0.99 * np.abs(before - target).sum(), (before, slow)
    # the object's own structure stays: its luminance edges correlate with the pasted ones
    inside = alpha > 0.9
    def edges(img):
        lum = img.mean(2)
        return np.abs(np.diff(lum, axis=1))[inside[:, 1:] & inside[:, :-1]]
    assert np.corrcoef(edges(out), edges(pasted))[0, 1] > 0.5


def test_structure_weight_trades_shape_for_scene(scene, blue_object):
    _, alpha, _ = paste(scene, blue_object, AT)
    loose = harmonise(scene, blue_object, AT, replace(FAST, structure=1.0, start="pasted"), THREE,
                      progress=False)  # fmt: skip
    tight = harmonise(scene, blue_object, AT, replace(FAST, structure=1e4, start="pasted"), THREE,
                      progress=False)  # fmt: skip
    pasted, _, _ = paste(scene, blue_object, AT)
    inside = alpha > 0.9
    moved = [np.abs(x - pasted)[inside].mean() for x in (loose, tight)]
    assert moved[0] > 2 * moved[1], moved


def test_colour_transfer_matches_the_ring_and_keeps_the_rest(scene, blue_object):
    out = colour_transfer(scene, blue_object, AT)
    pasted, alpha, _ = paste(scene, blue_object, AT)
    assert np.array_equal(out[alpha == 0], scene[alpha == 0])
    before, target = _means(pasted, alpha, scene)
    after, _ = _means(out, alpha, scene)
    assert np.abs(after - target).sum() < 0.5 * np.abs(before - target).sum()


def test_bad_objects_are_one_line_errors(scene, blue_object):
    with pytest.raises(InputError, match="does not fit inside the 128x128 photo"):
        harmonise(scene, blue_object, (100, 0), FAST)
    with pytest.raises(InputError, match="RGBA"):
        harmonise(scene, blue_object[..., :3], AT, FAST)
    with pytest.raises(InputError, match="alpha is 0 everywhere"):
        harmonise(scene, blue_object * [1, 1, 1, 0], AT, FAST)
    with pytest.raises(InputError, match="structure >= 0"):
        harmonise(scene, blue_object, AT, HarmoniseSettings(structure=-1))


def test_cli_harmonise(tmp_path, scene, blue_object, capsys):
    Image.fromarray((scene * 255).round().astype(np.uint8)).save(tmp_path / "scene.png")
    Image.fromarray((blue_object * 255).round().astype(np.uint8), "RGBA").save(tmp_path / "o.png")
    Image.fromarray((scene * 255).round().astype(np.uint8)).save(tmp_path / "rgb.png")
    base = ["harmonise", str(tmp_path / "scene.png"), "-o", str(tmp_path / "out.png")]
    for extra, needle in [(["--object", str(tmp_path / "rgb.png"), "--at", "4,4"], "no alpha"),
                          (["--object", str(tmp_path / "o.png"), "--at", "4"], "X,Y"),
                          (["--object", str(tmp_path / "o.png"), "--at", "120,4"], "fit inside"),
                          (["--object", str(tmp_path / "none.png"), "--at", "4,4"], "not found")]:
        assert main([*base, *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and needle in err, err
        assert not (tmp_path / "out.png").exists()
