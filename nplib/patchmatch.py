"""PatchMatch nearest-neighbour fields and a PatchMatch inpainting baseline.

The paper compares against PatchMatch (docs/method.md, "The problem and the intuition" and
"What the paper shows"). Two parts:

1. :func:`nnf` -- the randomised nearest-neighbour field search of Barnes et al.
   2009 ("PatchMatch: a randomized correspondence algorithm for structural image
   editing", section 3): for every patch of image ``a`` find a similar patch of
   ``b``. Random initialisation, then per iteration *propagation* (a pixel tries
   the offset of its already-matched neighbours, which is good because natural
   images are coherent) and *random search* (a pixel tries random offsets around
   its current match in windows that shrink by ``alpha = 0.5``).
   Barnes et al. propagate in scan order, one pixel after the other. Here every
   step updates all pixels at once with numpy (a Jacobi-style sweep); to carry
   good offsets further than one pixel per sweep, propagation takes neighbours
   at distances ..., 4, 2, 1 (jump flooding), and the directions alternate
   between iterations as in the paper (left/up, then right/down). :func:`nnf`
   uses all powers of two below the image size, so a good offset can cross the
   whole image in one iteration as in a scan; the inpainting, whose fields start
   from the coarser level's, uses 4, 2, 1 to save time.
2. :func:`inpaint_patchmatch` -- the exemplar-based completion of Wexler et al.
   2007 ("Space-time completion of video", the algorithm behind Content-Aware
   Fill): coarse to fine, alternate a nearest-neighbour search (queries: patches
   touching the hole; sources: patches fully in the known region) with patch
   voting (every hole pixel becomes the weighted mean of the pixels that the
   overlapping matched patches put there).

Patches are ``patch_size x patch_size`` RGB windows centred on a pixel; images are
reflect-padded by ``patch_size // 2`` so that every pixel has a patch. The patch
distance is the sum of squared differences (SSD) over the window.

The inpainting keeps a (pixels, 3 p^2) matrix of the window's patches (588 bytes a pixel
for 7x7 patches), so it works on a window around the holes of at most
:data:`CONTEXT_PIXELS` (the whole image up to that size: every bundled photo), and a
small hole in a 12-megapixel photo costs what it costs in a 1-megapixel one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nplib.io import InputError, check_window, context_window

#: ``callback(iteration, stage, offsets, dist)`` with stage "init", "propagation" or "search".
Callback = Callable[[int, str, np.ndarray, np.ndarray], None]

_JUMPS = (4, 2, 1)  # propagation distances of the inpainting's searches

#: The inpainting searches a window around the holes of at most this many pixels (the
#: whole image when it is no larger; the bundled photos are at most 0.9 megapixels).
CONTEXT_PIXELS = 1024 * 1024

#: Holes whose bounding box with context spans more than this are refused (~2.5 GB).
MAX_WINDOW_PIXELS = 2048 * 2048


def _windows(image: np.ndarray, patch_size: int) -> np.ndarray:
    """A view of shape (H, W, p*p*3)-like windows: ``[y, x]`` is the patch centred at (y, x)."""
    r = patch_size // 2
    pad = np.pad(image, ((r, r), (r, r), (0, 0)), mode="reflect")
    shape = (patch_size, patch_size, pad.shape[2])
    return np.lib.stride_tricks.sliding_window_view(pad, shape)[:, :, 0]


def _patches(image: np.ndarray, patch_size: int, ys=None, xs=None) -> np.ndarray:
    """Patches as rows of a (N, p*p*3) float32 matrix: all pixels, or those at (ys, xs)."""
    win = _windows(np.asarray(image, dtype=np.float32), patch_size)
    win = win.reshape(-1, *win.shape[2:]) if ys is None else win[ys, xs]
    return np.ascontiguousarray(win).reshape(len(win), -1)


def _ssd(aq: np.ndarray, bp: np.ndarray, src: np.ndarray) -> np.ndarray:
    """SSD between the query patches ``aq`` and the source patches ``bp[src]``."""
    d = np.take(bp, src, axis=0)
    d -= aq
    return np.einsum("ij,ij->i", d, d)


def _search(
    aq: np.ndarray,
    bp: np.ndarray,
    qyx: np.ndarray,
    src: np.ndarray,
    ok_b: np.ndarray,
    iters: int,
    rng: np.random.Generator,
    jumps: tuple[int, ...] = _JUMPS,
    alpha: float = 0.5,
    report: Callable[[int, str, np.ndarray, np.ndarray], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Improve the matches ``src`` (flat indices into b) of the queries at ``qyx``.

    ``aq``: query patches (N, D); ``bp``: patches of every pixel of b (Hb*Wb, D);
    ``ok_b``: (Hb, Wb) bool, pixels of b allowed as sources. Barnes et al. 2009,
    section 3.2: propagation then random search, ``iters`` times.
    """
    hb, wb = ok_b.shape
    ok = ok_b.reshape(-1)
    dist = _ssd(aq, bp, src)
    if report:
        report(0, "init", src, dist)
    # query index of every pixel of a's grid, to find a query's neighbours
    # (the margin of 2 * jump catches neighbours outside the grid; negative indices wrap into it)
    qid = np.full(tuple(qyx.max(0) + 1 + 2 * max(jumps)), -1)
    qid[qyx[:, 0], qyx[:, 1]] = np.arange(len(qyx))

    def try_candidates(cy: np.ndarray, cx: np.ndarray) -> None:
        """Every query tries the source centred at (cy, cx), clamped to b; keep the better."""
        cand = np.clip(cy, 0, hb - 1) * wb + np.clip(cx, 0, wb - 1)
        cand = np.where(ok[cand], cand, src)
        d = _ssd(aq, bp, cand)
        better = d < dist
        src[better], dist[better] = cand[better], d[better]

    own = np.arange(len(qyx))
    for it in range(1, iters + 1):
        sign = 1 if it % 2 else -1  # odd iterations look left/up, even ones right/down
        for step in jumps:
            for dy, dx in ((0, sign * step), (sign * step, 0)):
                nb = qid[qyx[:, 0] - dy, qyx[:, 1] - dx]  # negative indices hit the -1 margin
                ny, nx = np.divmod(src[np.where(nb >= 0, nb, own)], wb)
                try_candidates(ny + dy, nx + dx)
        if report:
            report(it, "propagation", src, dist)
        radius = max(hb, wb)
        while radius >= 1:
            sy, sx = np.divmod(src, wb)
            r = int(radius)
            dy, dx = rng.integers(-r, r + 1, (2, len(src)))
            try_candidates(sy + dy, sx + dx)
            radius *= alpha
        if report:
            report(it, "search", src, dist)
    return src, dist


def _random_sources(ok_b: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    allowed = np.flatnonzero(ok_b)
    if len(allowed) == 0:
        raise ValueError("no allowed source patch in b")
    return allowed[rng.integers(0, len(allowed), n)]


def nnf(
    a: np.ndarray,
    b: np.ndarray,
    patch_size: int = 7,
    iters: int = 5,
    seed: int = 0,
    valid_b: np.ndarray | None = None,
    init: np.ndarray | None = None,
    callback: Callback | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-neighbour field from ``a`` to ``b`` by PatchMatch (Barnes et al. 2009).

    Returns ``(offsets, dist)``: ``offsets`` is int (H, W, 2) with ``(dy, dx)`` such
    that the patch of ``a`` at (y, x) matches the patch of ``b`` at
    (y + dy, x + dx); ``dist`` is float (H, W), the SSD between the two patches.
    ``valid_b`` (bool, b's size) marks the pixels allowed as patch centres in b
    (default: all). ``init`` is a starting offset field (default: random).
    ``callback(iteration, stage, offsets, dist)`` sees the field after the random
    init (iteration 0) and after each propagation and random search.
    """
    h, w = a.shape[:2]
    ok_b = np.ones(b.shape[:2], bool) if valid_b is None else np.asarray(valid_b, bool)
    rng = np.random.default_rng(seed)
    qyx = np.stack(np.divmod(np.arange(h * w), w), axis=1)
    if init is None:
        src = _random_sources(ok_b, h * w, rng)
    else:
        sy = np.clip(qyx[:, 0] + init[..., 0].reshape(-1), 0, b.shape[0] - 1)
        sx = np.clip(qyx[:, 1] + init[..., 1].reshape(-1), 0, b.shape[1] - 1)
        src = sy * b.shape[1] + sx
        bad = ~ok_b.reshape(-1)[src]
        src[bad] = _random_sources(ok_b, int(bad.sum()), rng)

    def offsets(s: np.ndarray) -> np.ndarray:
        return (np.stack(np.divmod(s, b.shape[1]), axis=1) - qyx).reshape(h, w, 2)

    def report(it: int, stage: str, s: np.ndarray, d: np.ndarray) -> None:
        callback(it, stage, offsets(s), d.reshape(h, w).copy())

    jumps = tuple(2**k for k in range(int(np.log2(max(h, w))), -1, -1))
    src, dist = _search(
        _patches(a, patch_size),
        _patches(b, patch_size),
        qyx,
        src,
        ok_b,
        iters,
        rng,
        jumps,
        report=report if callback else None,
    )
    return offsets(src), dist.reshape(h, w)


def patch_distance(
    a: np.ndarray, b: np.ndarray, offsets: np.ndarray, patch_size: int = 7
) -> np.ndarray:
    """SSD between every patch of ``a`` and the patch of ``b`` that ``offsets`` points to.

    Computed by brute force over the patch window (reference for :func:`nnf`'s ``dist``).
    """
    h, w = a.shape[:2]
    ys, xs = np.mgrid[:h, :w]
    sy, sx = ys + offsets[..., 0], xs + offsets[..., 1]
    wa = _windows(np.asarray(a, np.float64), patch_size)
    wb = _windows(np.asarray(b, np.float64), patch_size)
    return ((wa[ys, xs] - wb[sy, sx]) ** 2).sum(axis=(2, 3, 4))


def _vote(
    bp: np.ndarray, qyx: np.ndarray, src: np.ndarray, weight: np.ndarray, shape: tuple, p: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sum and total weight of the pixels that the patches ``bp[src]`` put on a's grid."""
    h, w = shape
    r = p // 2
    hp, wp = h + 2 * r, w + 2 * r
    dy, dx = np.mgrid[:p, :p]
    idx = ((qyx[:, 0] * wp + qyx[:, 1])[:, None] + (dy * wp + dx).reshape(1, -1)).reshape(-1)
    vals = bp[src].reshape(len(src), p * p, 3) * weight[:, None, None]
    acc = np.stack([np.bincount(idx, vals[..., c].reshape(-1), hp * wp) for c in range(3)], -1)
    tot = np.bincount(idx, np.repeat(weight, p * p), hp * wp)
    crop = (slice(r, r + h), slice(r, r + w))
    return acc.reshape(hp, wp, 3)[crop], tot.reshape(hp, wp)[crop]


def reconstruct(b: np.ndarray, offsets: np.ndarray, patch_size: int = 7) -> np.ndarray:
    """Rebuild ``a`` from ``b``'s patches through the NNF ``offsets`` by voting.

    Every pixel is the mean of the values that the p*p overlapping matched patches
    give it (Wexler et al. 2007, with uniform weights). The identity field rebuilds ``b``.
    """
    h, w = offsets.shape[:2]
    qyx = np.stack(np.divmod(np.arange(h * w), w), axis=1)
    sy = qyx[:, 0] + offsets[..., 0].reshape(-1)
    sx = qyx[:, 1] + offsets[..., 1].reshape(-1)
    acc, tot = _vote(
        _patches(b, patch_size), qyx, sy * b.shape[1] + sx, np.ones(h * w), (h, w), patch_size
    )
    return (acc / tot[..., None]).astype(np.float32)


def nnf_to_rgb(offsets: np.ndarray, max_len: float | None = None) -> np.ndarray:
    """Colour-code an offset field: hue = direction, value = length (HSV wheel, saturation 1).

    Lengths are scaled by ``max_len`` (default: the longest offset). Returns float32 RGB.
    """
    dy, dx = offsets[..., 0].astype(np.float64), offsets[..., 1].astype(np.float64)
    length = np.hypot(dy, dx)
    top = max_len if max_len else max(length.max(), 1.0)
    hue = (np.arctan2(dy, dx) / (2 * np.pi)) % 1.0
    val = np.clip(length / top, 0.0, 1.0)
    k = (np.array([5.0, 3.0, 1.0]) + hue[..., None] * 6) % 6  # HSV -> RGB with s = 1
    rgb = val[..., None] * (1 - np.clip(np.minimum(k, 4 - k), 0, 1))
    return rgb.astype(np.float32)


def _erode(mask: np.ndarray, n: int) -> np.ndarray:
    """Binary erosion by a (2n+1)^2 square; outside the image counts as inside the mask."""
    m = mask.copy()
    for _ in range(n):
        e = m.copy()
        e[1:] &= m[:-1]
        e[:-1] &= m[1:]
        f = e.copy()
        f[:, 1:] &= e[:, :-1]
        f[:, :-1] &= e[:, 1:]
        m = f
    return m


def _peel_fill(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Onion-peel fill: layer by layer, a hole pixel takes the mean of its filled 8-neighbours.

    A cheap smooth start for the coarsest level (like a membrane fill, which carries
    the surrounding low frequencies into the hole), in numpy.
    """
    x, todo = np.where(mask[..., None], 0, image).astype(np.float32), mask.copy()
    while todo.any():
        val = np.pad(x * ~todo[..., None], ((1, 1), (1, 1), (0, 0)))
        cnt = np.pad((~todo).astype(np.float32), 1)
        h, w = todo.shape
        s = sum(val[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3))
        n = sum(cnt[dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3))
        ring = todo & (n > 0)
        x[ring] = s[ring] / n[ring][:, None]
        todo &= ~ring
    return x


def _downsample(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Halve the size: known pixels average their known children; any hole child makes a hole."""
    h, w = mask.shape
    pad = ((0, h % 2), (0, w % 2))
    image = np.pad(image, (*pad, (0, 0)), mode="edge")
    known = np.pad(~mask, pad, mode="edge").astype(np.float32)
    h2, w2 = known.shape[0] // 2, known.shape[1] // 2
    count = known.reshape(h2, 2, w2, 2).sum((1, 3))
    total = (image * known[..., None]).reshape(h2, 2, w2, 2, 3).sum((1, 3))
    return (total / np.maximum(count, 1)[..., None]).astype(np.float32), count < 4


def _touches(hole: np.ndarray, patch_size: int) -> np.ndarray:
    """(H, W) bool: the patch centred on the pixel has a hole pixel (it is no source)."""
    return _windows(hole[..., None], patch_size).any(axis=(2, 3, 4))


def check_sources(mask: np.ndarray, patch_size: int = 7) -> None:
    """The least the inpainting needs, checked before any work: an image larger than a patch
    on both sides, and one ``patch_size`` x ``patch_size`` patch clear of the hole to copy
    from (a square of known pixels). Anything less is a one-line :class:`InputError`."""
    h, w = mask.shape
    if min(h, w) <= patch_size:
        side = patch_size + 1
        raise InputError(
            f"patchmatch needs an image of at least {side}x{side} pixels "
            f"(its patches are {patch_size}x{patch_size}), got {w}x{h}"
        )
    if _touches(mask, patch_size).all():
        raise InputError(
            f"patchmatch needs known pixels to copy from: at least one {patch_size}x{patch_size} "
            "square of them clear of the hole, and the mask leaves none"
        )


def _fill(
    known: np.ndarray, hole: np.ndarray, bp: np.ndarray, qyx: np.ndarray, src: np.ndarray, p: int
) -> np.ndarray:
    """Vote (Wexler et al. 2007, uniform weights): a hole pixel is the mean of what the
    overlapping matched patches put there; known pixels stay."""
    acc, tot = _vote(bp, qyx, src, np.ones(len(src)), hole.shape, p)
    x = known.copy()
    x[hole] = (acc[hole] / tot[hole][:, None]).astype(np.float32)
    return x


def inpaint_patchmatch(
    image: np.ndarray,
    mask: np.ndarray,
    patch_size: int = 7,
    em_iters: int = 2,
    coarse_em_iters: int = 16,
    search_iters: int = 2,
    fine_search_iters: int = 1,
    seed: int = 0,
    context_pixels: int = CONTEXT_PIXELS,
    sources: Sequence[np.ndarray] = (),
) -> np.ndarray:
    """Fill the hole by multi-scale patch synthesis (Wexler et al. 2007) with PatchMatch.

    Coarse to fine over a pyramid whose coarsest hole is at most ~``2 * patch_size``
    pixels thick, started from an onion-peel fill. At every level, ``coarse_em_iters``
    times (``em_iters`` at the finest level): search the nearest known patch of every
    patch touching the hole (:func:`nnf`'s PatchMatch, ``search_iters`` iterations,
    ``fine_search_iters`` at the finest level, warm-started), then vote. The field is
    upsampled to start the next level. Coarse
    levels fix the layout of the fill, which the finest level only refines, so they
    get many iterations (cheap there) and the finest few, with one search iteration per EM
    step at the finest level (measured in benchmarks/README.md, "PatchMatch").
    Only a window around the holes of at most ``context_pixels`` is searched (see
    :data:`CONTEXT_PIXELS`); :func:`check_sources` says what the window must hold. A
    coarser level without a source patch is not used.
    ``sources``: other photos of the scene, at the image's scale; their patches are
    candidates beside the window's own at every level (:func:`source_canvas`,
    docs/method.md, "Patches from other photos").
    Known pixels are returned unchanged (all of them for an empty mask); the result is
    deterministic for a given ``seed``.
    """
    image = np.asarray(image, np.float32)
    mask = np.asarray(mask, bool)
    if not mask.any():
        return image.copy()  # nothing to fill
    rows, cols = context_window(mask, context_pixels, margin=2 * patch_size)
    check_window(rows, cols, MAX_WINDOW_PIXELS, "patchmatch")
    check_sources(mask[rows, cols], patch_size)
    out = image.copy()
    out[rows, cols] = _inpaint_window(
        image[rows, cols], mask[rows, cols], patch_size, em_iters, coarse_em_iters,
        search_iters, fine_search_iters, seed, sources,
    )  # fmt: skip
    return out


def source_canvas(
    image: np.ndarray, hole: np.ndarray, sources: Sequence[np.ndarray], gap: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The image and the source photos side by side on one canvas, to search as one: returns
    the canvas (H, W, 3) and its (H, W) bool mask of pixels that are no source (the hole,
    the ``gap`` columns between the photos and the padding below the shorter ones). The
    image sits at the top left, so its pixels keep their coordinates."""
    items = [image, *sources]
    h = max(x.shape[0] for x in items)
    w = sum(x.shape[1] for x in items) + gap * len(sources)
    canvas = np.zeros((h, w, 3), np.float32)
    invalid = np.ones((h, w), bool)
    x0 = 0
    for k, item in enumerate(items):
        ih, iw = item.shape[:2]
        canvas[:ih, x0 : x0 + iw] = item
        invalid[:ih, x0 : x0 + iw] = hole if k == 0 else False
        x0 += iw + gap
    return canvas, invalid


def _inpaint_window(
    image: np.ndarray,
    mask: np.ndarray,
    patch_size: int,
    em_iters: int,
    coarse_em_iters: int,
    search_iters: int,
    fine_search_iters: int,
    seed: int,
    sources: Sequence[np.ndarray] = (),
) -> np.ndarray:
    """:func:`inpaint_patchmatch` on a window that :func:`check_sources` accepted."""
    rng = np.random.default_rng(seed)
    levels = [(image, mask)]
    while _erode(levels[-1][1], patch_size).any() and min(levels[-1][1].shape) >= 8 * patch_size:
        coarser = _downsample(*levels[-1])
        if _touches(coarser[1], patch_size).all():
            break  # no source patch at the coarser level: start here
        levels.append(coarser)
    # where the patches come from at each level: the window itself, or the window and the
    # source photos on one canvas, halved as the window is (its invalid pixels never shrink)
    canvases = levels
    if len(sources):
        canvases = [source_canvas(image, mask, sources)]
        while len(canvases) < len(levels):
            canvases.append(_downsample(*canvases[-1]))

    x, hole = levels[-1]
    x = _peel_fill(x, hole)
    prev = None  # (query map of the coarser level: source yx per pixel, or -1)
    for depth in range(len(levels) - 1, -1, -1):
        known_img, hole = levels[depth]
        h, w = hole.shape
        # a patch is a query when it touches the hole, a source when it does not
        touches = _touches(hole, patch_size)
        qy, qx = np.nonzero(touches)
        qyx = np.stack([qy, qx], axis=1)
        canvas, invalid = canvases[depth]
        ok_b = ~_touches(invalid, patch_size)
        cw = invalid.shape[1]
        if prev is None:
            src = _random_sources(ok_b, len(qy), rng)
        else:  # upsample the coarser field: child (y, x) of a match s goes to 2 s + (y, x) % 2
            sy, sx = prev[qy // 2, qx // 2, 0], prev[qy // 2, qx // 2, 1]
            sy = np.clip(2 * sy + qy % 2, 0, invalid.shape[0] - 1)
            sx = np.clip(2 * sx + qx % 2, 0, cw - 1)
            src = sy * cw + sx
            bad = (prev[qy // 2, qx // 2, 0] < 0) | ~ok_b.reshape(-1)[src]
            src[bad] = _random_sources(ok_b, int(bad.sum()), rng)
        bp = _patches(canvas, patch_size)  # sources never touch the hole: fixed per level
        if prev is not None:  # first estimate at this level: vote with the upsampled field
            x = _fill(known_img, hole, bp, qyx, src, patch_size)
        if depth == 0:  # the finest level
            n_em, n_search = em_iters, fine_search_iters
        else:
            n_em, n_search = coarse_em_iters, search_iters
        for _ in range(n_em):
            aq = _patches(x, patch_size, qy, qx)
            src, _ = _search(aq, bp, qyx, src, ok_b, n_search, rng)
            x = _fill(known_img, hole, bp, qyx, src, patch_size)
        prev = np.full((h, w, 2), -1)
        prev[qy, qx] = np.stack(np.divmod(src, cw), axis=1)
    return np.where(mask[..., None], x, image).astype(np.float32)
