"""Tests of nplib.patchmatch: the NNF against brute force, and the inpainting's contract."""

import numpy as np
import pytest

from nplib.baselines import mean_fill
from nplib.metrics import psnr
from nplib.patchmatch import (
    CHUNK,
    DOWNSAMPLE_KERNEL,
    Patches,
    _downsample,
    _search,
    inpaint_patchmatch,
    nnf,
    nnf_to_rgb,
    patch_distance,
    reconstruct,
    usage_cost,
)


def texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """Random noise on top of stripes and a gradient: structured, but with unique patches."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:h, :w]
    base = (
        0.5 + 0.25 * np.sin(x / 2.0)[..., None] * np.array([1.0, 0.5, -0.5]) + 0.002 * y[..., None]
    )
    return np.clip(base + 0.2 * rng.random((h, w, 3)), 0, 1).astype(np.float32)


def brute_force(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """Exact smallest SSD of every patch of a over all patches of b."""
    h, w = b.shape[:2]
    best = np.full(a.shape[:2], np.inf)
    ys, xs = np.mgrid[: a.shape[0], : a.shape[1]]
    for sy in range(h):
        for sx in range(w):
            off = np.stack([sy - ys, sx - xs], axis=-1)
            best = np.minimum(best, patch_distance(a, b, off, p))
    return best


def test_nnf_close_to_brute_force():
    b = texture(24, 24, seed=1)
    noise = 0.05 * np.random.default_rng(1).random((24, 24, 3), np.float32)
    a = np.concatenate([b[:, 12:], b[:, :12]], axis=1) + noise  # halves swapped, noisy
    off, dist = nnf(a, b, patch_size=5, iters=5, seed=0)
    assert off.shape == (24, 24, 2) and dist.shape == (24, 24)
    np.testing.assert_allclose(dist, patch_distance(a, b, off, 5), rtol=1e-4, atol=1e-4)
    best = brute_force(a, b, 5)
    close = dist <= best * 1.05 + 1e-4
    assert close.mean() > 0.9, f"only {close.mean():.0%} of the pixels found a near-best match"


def test_nnf_finds_known_shift_exactly():
    big = texture(60, 60, seed=2)
    a, b = big[8:48, 4:44], big[5:45, 9:49]  # a[y, x] = b[y + 3, x - 5]
    off, dist = nnf(a, b, patch_size=5, iters=5, seed=0)
    inner = (slice(2, 35), slice(7, 38))  # patches that lie fully in the shared part
    assert (off[inner] == (3, -5)).all()
    assert (dist[inner] == 0).all()
    np.testing.assert_array_equal(reconstruct(b, off, 5)[4:33, 9:36], a[4:33, 9:36])


def test_propagation_and_random_search_each_lower_the_energy():
    big = texture(60, 60, seed=3)
    a, b = big[:48, :48], big[12:, 12:]
    energy = {}
    nnf(
        a,
        b,
        patch_size=5,
        iters=2,
        seed=0,
        callback=lambda i, s, o, d: energy.setdefault((i, s), d.mean()),
    )
    init, prop, search = energy[0, "init"], energy[1, "propagation"], energy[1, "search"]
    assert prop < 0.9 * init
    assert search < prop
    assert energy[2, "search"] < energy[2, "propagation"]


def test_nnf_respects_valid_b_and_seed():
    a, b = texture(30, 30, seed=4), texture(30, 30, seed=5)
    valid = np.zeros((30, 30), bool)
    valid[:, 15:] = True
    off, _ = nnf(a, b, patch_size=5, iters=3, seed=7, valid_b=valid)
    assert ((np.arange(30)[None, :] + off[..., 1]) >= 15).all()
    again, _ = nnf(a, b, patch_size=5, iters=3, seed=7, valid_b=valid)
    np.testing.assert_array_equal(off, again)


def test_reconstruct_identity_returns_the_image():
    b = texture(21, 17, seed=6)
    np.testing.assert_array_equal(reconstruct(b, np.zeros((21, 17, 2), int), 7), b)


def test_nnf_to_rgb_codes_direction_and_length():
    off = np.array([[[0, 0], [0, 4], [0, -4], [0, 2]]])
    rgb = nnf_to_rgb(off)
    assert rgb.shape == (1, 4, 3) and (rgb[0, 0] == 0).all()
    assert not np.allclose(rgb[0, 1], rgb[0, 2])  # opposite directions, different hues
    np.testing.assert_allclose(rgb[0, 3], rgb[0, 1] / 2, atol=1e-6)  # half the length


def check_fill(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = inpaint_patchmatch(image, mask, seed=0)
    assert out.shape == image.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out[~mask], image[~mask])
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    return out


def test_inpaint_keeps_known_pixels_and_is_deterministic():
    image = texture(64, 64, seed=8)
    mask = np.zeros((64, 64), bool)
    mask[20:40, 24:44] = True
    out = check_fill(image, mask)
    np.testing.assert_array_equal(out, inpaint_patchmatch(image, mask, seed=0))


def test_inpaint_em_iters_are_per_level_finest_first():
    image = texture(64, 64, seed=8)
    small, large = np.zeros((64, 64), bool), np.zeros((64, 64), bool)
    small[28:36, 28:36] = True  # thin enough for a single level: no coarse level
    large[16:48, 16:48] = True  # needs a pyramid
    for mask, same in ((small, True), (large, False)):
        a = inpaint_patchmatch(image, mask, em_iters=(2, 1))
        b = inpaint_patchmatch(image, mask, em_iters=(2, 3))
        assert np.array_equal(a, b) == same
    # two levels: the coarsest, which starts from random matches, takes the last value
    two = inpaint_patchmatch(image, large, em_iters=(2, 16))
    assert np.array_equal(inpaint_patchmatch(image, large, em_iters=(2, 4, 16)), two)
    assert not np.array_equal(inpaint_patchmatch(image, large, em_iters=(2, 4)), two)


def test_patches_gathers_the_reflect_padded_window():
    image = texture(9, 11, seed=3)
    got = Patches.of(image, 5).at(np.array([0, 4, 8]), np.array([10, 5, 0]))
    pad = np.pad(image, ((2, 2), (2, 2), (0, 0)), mode="reflect")
    for row, (y, x) in zip(got.reshape(3, 25, 4), [(0, 10), (4, 5), (8, 0)], strict=True):
        np.testing.assert_array_equal(row[:, :3], pad[y : y + 5, x : x + 5].reshape(25, 3))
        assert not row[:, 3].any()


def test_the_finer_level_is_built_from_the_finer_pixels():
    """Stripes one pixel wide are flat grey at every coarser level; with no EM iteration at
    the finest level the fill is the vote of the upsampled field over the finest pixels, and
    that field copies the stripes themselves, not the grey of the level below."""
    x = np.arange(96) % 2
    image = np.repeat(np.broadcast_to(x[None, :, None], (96, 96, 1)), 3, -1).astype(np.float32)
    mask = np.zeros((96, 96), bool)
    mask[24:72, 24:72] = True
    out = inpaint_patchmatch(image, mask, em_iters=(0, 16))
    np.testing.assert_array_equal(out, image)


def test_usage_cost_prices_every_query_beyond_the_first():
    src = np.array([0, 0, 0, 2, 3, 3])
    dist = np.array([1.0, 2.0, 2.0, 2.0, 4.0, 3.0], np.float32)
    cost = usage_cost(src, dist, 0.5, 5)
    np.testing.assert_allclose(cost, [0.5 * 2.0 * 2, 0, 0, 0.5 * 2.0 * 1, 0])


def test_usage_cost_moves_a_crowd_off_its_source():
    """Every patch of a flat grey query image matches the flattest source best; priced by its
    use, that source is left at the next search for others that fit almost as well."""
    rng = np.random.default_rng(0)
    a = np.full((24, 24, 3), 0.5, np.float32)
    b = (0.5 + 0.02 * rng.standard_normal((24, 24, 3))).astype(np.float32)
    qyx = np.stack(np.divmod(np.arange(24 * 24), 24), 1)
    ok = np.ones((24, 24), bool)
    pa, pb = Patches.of(a, 5), Patches.of(b, 5)
    start = rng.integers(0, 24 * 24, len(qyx))
    src, dist = _search(pa, qyx, pb, start.copy(), ok, 4, np.random.default_rng(1))
    crowded = np.bincount(src).argmax()
    assert (src == crowded).sum() > len(src) // 2
    cost = usage_cost(src, dist, 1.0, 24 * 24)
    moved, _ = _search(pa, qyx, pb, src.copy(), ok, 4, np.random.default_rng(1), cost=cost)
    assert (moved == crowded).sum() < len(src) // 20


def test_inpaint_memory_is_bounded_by_chunks_not_by_the_image():
    """No matrix of every patch: the traced peak at 256x256 stays far below the 38 MB such a
    matrix would take, and a window of 4 times the pixels costs less than 4 times as much."""
    import tracemalloc

    def peak(side: int) -> int:
        image = texture(side, side, seed=2)
        mask = np.zeros((side, side), bool)
        mask[side // 2 - 16 : side // 2 + 16, side // 2 - 16 : side // 2 + 16] = True
        tracemalloc.start()
        inpaint_patchmatch(image, mask, em_iters=(1,))
        got = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return got

    small, large = peak(128), peak(256)
    assert large < 16 * 2**20
    assert large < 4 * small
    assert CHUNK * 7 * 7 * 16 < 16 * 2**20  # one chunk of gathered patches fits the bound


@pytest.mark.parametrize(
    "shape, holes",
    [
        ((50, 70), [(slice(0, 12), slice(30, 50))]),  # touches the top border
        ((64, 64), [(slice(40, 64), slice(40, 64))]),  # a corner
        ((61, 93), [(slice(10, 20), slice(10, 25)), (slice(35, 50), slice(60, 80))]),  # two holes
    ],
)
def test_inpaint_border_several_holes_odd_sizes(shape, holes):
    image = texture(*shape, seed=9)
    mask = np.zeros(shape, bool)
    for hole in holes:
        mask[hole] = True
    out = check_fill(image, mask)
    assert psnr(out, image, mask) > psnr(mean_fill(image, mask), image, mask)


def test_inpaint_beats_mean_fill_on_a_texture():
    y, x = np.mgrid[:96, :96]
    stripes = 0.5 + 0.4 * np.sin(2 * np.pi * (x + y) / 12.0)
    image = np.stack([stripes, 1 - stripes, 0.5 + 0 * stripes], -1).astype(np.float32)
    mask = np.zeros((96, 96), bool)
    mask[30:62, 34:66] = True
    out = check_fill(image, mask)
    assert psnr(out, image, mask) > psnr(mean_fill(image, mask), image, mask) + 6


def test_inpaint_rejects_images_smaller_than_a_patch_and_masks_without_a_source():
    from nplib.io import InputError

    mask = np.zeros((5, 40), bool)
    mask[2, 20] = True
    with pytest.raises(InputError, match="at least 8x8 pixels"):
        inpaint_patchmatch(np.zeros((5, 40, 3), np.float32), mask)
    mask = np.ones((40, 40), bool)
    mask[17:23, 17:23] = False  # a 6x6 known square: no 7x7 patch clear of the hole
    with pytest.raises(InputError, match="known pixels"):
        inpaint_patchmatch(np.zeros((40, 40, 3), np.float32), mask)


def test_inpaint_works_on_a_window_around_the_holes(photo):
    """Over ``context_pixels`` only a window around the holes is searched and changed: the
    result is the inpainting of that window alone (a small hole in a big photo is cheap)."""
    from nplib.holes import context_window

    mask = np.zeros(photo.shape[:2], bool)
    mask[100:116, 40:60] = True
    out = inpaint_patchmatch(photo, mask, context_pixels=96 * 96)
    rows, cols = context_window(mask, 96 * 96, margin=14)
    assert (rows.stop - rows.start) * (cols.stop - cols.start) <= 96 * 96
    assert np.array_equal(out[rows, cols], inpaint_patchmatch(photo[rows, cols], mask[rows, cols]))
    outside = np.ones(mask.shape, bool)
    outside[rows, cols] = False
    assert np.array_equal(out[outside], photo[outside])


def test_inpaint_with_an_empty_mask_returns_the_image():
    image = np.random.default_rng(0).random((40, 50, 3)).astype(np.float32)
    out = inpaint_patchmatch(image, np.zeros((40, 50), bool))
    assert out.dtype == np.float32 and np.array_equal(out, image) and out is not image


def test_a_coarser_level_shrinks_the_hole_and_weighs_known_children_only():
    """The C++ PatchMatch's halving: a coarse pixel averages its known children in a 6x6
    footprint with the [1 5 10 10 5 1] kernel, and is a hole only when none is known."""
    rng = np.random.default_rng(0)
    image = rng.random((32, 30, 3)).astype(np.float32)
    mask = np.zeros((32, 30), bool)
    mask[8:24, 6:22] = True
    image[mask] = 99.0  # hole pixels must never be read
    coarse, hole = _downsample(image, mask)
    assert coarse.shape == (16, 15, 3) and hole.shape == (16, 15)
    # output i sees rows 2i-2 .. 2i+3: a hole only where all six are in rows 8..23: i in 5..10
    rows, cols = np.nonzero(hole)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (5, 10, 4, 9)
    assert hole.sum() < (mask[::2, ::2]).sum()  # smaller than the hole halved
    assert coarse[~hole].max() <= 1.0  # no hole value leaked into a known coarse pixel
    # one coarse pixel by hand: the kernel's weights over its known children
    y, x = 4, 3
    k = np.outer(DOWNSAMPLE_KERNEL, DOWNSAMPLE_KERNEL)
    ys, xs = slice(2 * y - 2, 2 * y + 4), slice(2 * x - 2, 2 * x + 4)
    w = k * ~mask[ys, xs]
    expected = (image[ys, xs] * w[..., None]).sum((0, 1)) / w.sum()
    np.testing.assert_allclose(coarse[y, x], expected, rtol=1e-5)

