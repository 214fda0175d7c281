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

Patches are gathered when needed (:class:`Patches`), :data:`CHUNK` queries at a time, instead
of kept as a matrix of every patch of the image: memory grows with the image by 16 bytes a
pixel, not ``12 p^2``. The inpainting still works on a window around the holes of at most
:data:`CONTEXT_PIXELS` (the whole image up to that size: every bundled photo), so a small
hole in a 12-megapixel photo costs what it costs in a 1-megapixel one.

Where this differs from the C++ PatchMatch behind pypatchmatch, and why: docs/method.md,
"The PatchMatch baseline".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nplib.holes import check_window, context_window
from nplib.io import InputError

#: ``callback(iteration, stage, offsets, dist)`` with stage "init", "propagation" or "search".
Callback = Callable[[int, str, np.ndarray, np.ndarray], None]

_JUMPS = (4, 2, 1)  # propagation distances of the inpainting's searches

#: The inpainting searches a window around the holes of at most this many pixels (the
#: whole image when it is no larger; the bundled photos are at most 0.9 megapixels).
CONTEXT_PIXELS = 1024 * 1024

#: EM iterations (search, then vote) per level, finest first; the last value holds for every
#: coarser level, and always for the coarsest below the finest, which starts from random
#: matches. Coarse levels fix the layout of the fill and are cheap, the finest only sharpens
#: it (benchmarks/README.md, "PatchMatch judged by LPIPS (issue 27)").
EM_ITERS = (2, 4, 16)

#: PatchMatch iterations (propagation and random search) per EM iteration, by level likewise.
SEARCH_ITERS = (1, 1, 2)

#: Price of a source chosen by several queries (:func:`usage_cost`): why 0.1, in
#: benchmarks/README.md, "PatchMatch judged by LPIPS (issue 27)".
USAGE_WEIGHT = 0.1

#: Holes whose bounding box with context spans more than this are refused: the memory grows
#: with the window's pixels (benchmarks/README.md, "PatchMatch").
MAX_SEARCH_PIXELS = 2048 * 2048


#: Queries handled at once: the search and the vote hold a few arrays of ``CHUNK x p^2 x 4``
#: float32 (1.6 MB each for 7x7 patches) whatever the size of the image.
CHUNK = 8192


def _windows(image: np.ndarray, patch_size: int) -> np.ndarray:
    """A view of shape (H, W, p*p*3)-like windows: ``[y, x]`` is the patch centred at (y, x)."""
    r = patch_size // 2
    pad = np.pad(image, ((r, r), (r, r), (0, 0)), mode="reflect")
    shape = (patch_size, patch_size, pad.shape[2])
    return np.lib.stride_tricks.sliding_window_view(pad, shape)[:, :, 0]


@dataclass(frozen=True)
class Patches:
    """Every ``p x p`` patch of an image, gathered when asked for instead of stored.

    The image is reflect-padded by ``p // 2`` and kept as (pixels, 4) float32, RGB and a
    zero, so that a patch is one ``np.take`` of p*p 16-byte pixels at fixed offsets from
    its top-left pixel. Memory: 16 bytes a pixel, where a matrix of every patch would take
    ``12 p^2`` (588 bytes for 7x7).
    """

    pixels: np.ndarray  # (Hp * Wp, 4) float32
    width: int  # Wp, the padded width
    patch_size: int  # p
    offsets: np.ndarray  # (p * p,) flat offsets of a window from its top-left pixel

    @classmethod
    def of(cls, image: np.ndarray, patch_size: int) -> Patches:
        r = patch_size // 2
        pad = np.pad(np.asarray(image, np.float32), ((r, r), (r, r), (0, 0)), mode="reflect")
        pixels = np.zeros((pad.shape[0] * pad.shape[1], 4), np.float32)
        pixels[:, :3] = pad.reshape(-1, 3)
        return cls(pixels, pad.shape[1], patch_size, _offsets(pad.shape[1], patch_size))

    def at(self, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """The patches centred at (ys, xs), as rows of an (N, p*p*4) float32 matrix."""
        corner = np.asarray(ys) * self.width + np.asarray(xs)  # top-left in the padded image
        return np.take(self.pixels, corner[:, None] + self.offsets, axis=0).reshape(len(corner), -1)

    def at_index(self, index: np.ndarray) -> np.ndarray:
        """The patches centred at flat indices ``y * W + x`` of the image (W its own width)."""
        return self.at(*np.divmod(index, self.width - 2 * (self.patch_size // 2)))


def _offsets(width: int, patch_size: int) -> np.ndarray:
    """Flat offsets of the pixels of a ``p x p`` window in an image ``width`` pixels wide."""
    dy, dx = np.mgrid[:patch_size, :patch_size]
    return (dy * width + dx).reshape(-1)


def _chunks(n: int) -> list[slice]:
    return [slice(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]


def _search(
    a: Patches,
    qyx: np.ndarray,
    b: Patches,
    src: np.ndarray,
    ok_b: np.ndarray,
    iters: int,
    rng: np.random.Generator,
    jumps: tuple[int, ...] = _JUMPS,
    alpha: float = 0.5,
    report: Callable[[int, str, np.ndarray, np.ndarray], None] | None = None,
    cost: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Improve the matches ``src`` (flat indices into b) of the patches of ``a`` at ``qyx``.

    ``ok_b``: (Hb, Wb) bool, pixels of b allowed as sources; ``cost``: optional (Hb * Wb,)
    price added to the SSD of each source (:func:`usage_cost`). Barnes et al. 2009, section
    3.2: propagation then random search, ``iters`` times, :data:`CHUNK` queries at a time.
    """
    hb, wb = ok_b.shape
    ok = ok_b.reshape(-1)

    def distance(aq: np.ndarray, cand: np.ndarray) -> np.ndarray:
        d = b.at_index(cand)
        d -= aq
        d = np.einsum("ij,ij->i", d, d)
        return d if cost is None else d + cost[cand]

    chunks = _chunks(len(qyx))
    dist = np.zeros(len(qyx), np.float32)
    for c in chunks:
        dist[c] = distance(a.at(*qyx[c].T), src[c])
    if report:
        report(0, "init", src, dist)
    # query index of every pixel of a's grid, to find a query's neighbours
    # (the margin of 2 * jump catches neighbours outside the grid; negative indices wrap into it)
    qid = np.full(tuple(qyx.max(0) + 1 + 2 * max(jumps)), -1)
    qid[qyx[:, 0], qyx[:, 1]] = np.arange(len(qyx))

    def try_candidates(c: slice, aq: np.ndarray, cy: np.ndarray, cx: np.ndarray) -> None:
        """The queries ``c`` try the sources centred at (cy, cx), clamped to b; keep the better."""
        cand = np.clip(cy, 0, hb - 1) * wb + np.clip(cx, 0, wb - 1)
        cand = np.where(ok[cand], cand, src[c])
        d = distance(aq, cand)
        better = d < dist[c]
        src[c][better], dist[c][better] = cand[better], d[better]

    for it in range(1, iters + 1):
        sign = 1 if it % 2 else -1  # odd iterations look left/up, even ones right/down
        for c in chunks:
            aq, (qy, qx), own = a.at(*qyx[c].T), qyx[c].T, np.arange(c.start, c.stop)
            for step in jumps:
                for dy, dx in ((0, sign * step), (sign * step, 0)):
                    nb = qid[qy - dy, qx - dx]  # negative indices hit the -1 margin
                    ny, nx = np.divmod(src[np.where(nb >= 0, nb, own)], wb)
                    try_candidates(c, aq, ny + dy, nx + dx)
        if report:
            report(it, "propagation", src, dist)
        for c in chunks:
            aq = a.at(*qyx[c].T)
            radius = max(hb, wb)
            while radius >= 1:
                sy, sx = np.divmod(src[c], wb)
                r = int(radius)
                dy, dx = rng.integers(-r, r + 1, (2, len(sy)))
                try_candidates(c, aq, sy + dy, sx + dx)
                radius *= alpha
        if report:
            report(it, "search", src, dist)
    return src, dist


def usage_cost(src: np.ndarray, dist: np.ndarray, weight: float, n: int) -> np.ndarray:
    """The price of each of ``n`` sources at the next search: ``weight`` times the median
    SSD of the matches ``src`` (``dist``) for every query beyond the first that chose it
    (docs/method.md, "The PatchMatch baseline"). Many queries on one smooth source
    is how a fill turns flat; the price sends them to other sources that fit almost as well."""
    uses = np.bincount(src, minlength=n).astype(np.float32)
    return weight * float(np.median(dist)) * np.maximum(uses - 1, 0)


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
        Patches.of(a, patch_size),
        qyx,
        Patches.of(b, patch_size),
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
    b: Patches, qyx: np.ndarray, src: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of the pixels that the patches of b at ``src`` (flat indices into b)
    put on a's grid of ``shape``, :data:`CHUNK` patches at a time."""
    h, w = shape
    r = b.patch_size // 2
    hp, wp = h + 2 * r, w + 2 * r
    window = _offsets(wp, b.patch_size)
    acc, tot = np.zeros((hp * wp, 3)), np.zeros(hp * wp)
    for c in _chunks(len(src)):
        vals = b.at_index(src[c]).reshape(-1, 4)
        idx = ((qyx[c, 0] * wp + qyx[c, 1])[:, None] + window).reshape(-1)
        for ch in range(3):
            acc[:, ch] += np.bincount(idx, vals[:, ch], hp * wp)
        tot += np.bincount(idx, minlength=hp * wp)
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
    acc, tot = _vote(Patches.of(b, patch_size), qyx, sy * b.shape[1] + sx, (h, w))
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


#: Weights of the children along each axis when a level is halved (:func:`_downsample`): the
#: C++ PatchMatch's ``MaskedImage::downsample`` kernel, six children a side.
DOWNSAMPLE_KERNEL = np.array([1, 5, 10, 10, 5, 1], np.float32)


def _halve(a: np.ndarray, axis: int) -> np.ndarray:
    """Weighted sums along ``axis`` at every second position: output ``i`` weighs the inputs
    ``2i - 2 .. 2i + 3`` by :data:`DOWNSAMPLE_KERNEL`; inputs beyond the ends count as 0."""
    n_out = (a.shape[axis] + 1) // 2
    pad = [(0, 0)] * a.ndim
    pad[axis] = (2, 4)
    padded = np.pad(a, pad)
    taps = (np.take(padded, 2 * np.arange(n_out) + i, axis=axis) for i in range(6))
    return sum(k * t for k, t in zip(DOWNSAMPLE_KERNEL, taps, strict=True))


def _downsample(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Halve the size as the C++ PatchMatch does (docs/method.md, "The PatchMatch baseline"):
    a coarse pixel is the :data:`DOWNSAMPLE_KERNEL`-weighted mean of its known children in a
    6x6 footprint, and a hole only when none of them is known. The coarse hole shrinks: its
    border takes the known colours around it, so the coarse fill starts from them."""
    known = (~mask).astype(np.float32)
    weight = _halve(_halve(known, 0), 1)
    total = _halve(_halve(image * known[..., None], 0), 1)
    coarse = total / np.maximum(weight, np.float32(1e-12))[..., None]
    return coarse.astype(np.float32), weight == 0


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
    known: np.ndarray, hole: np.ndarray, b: Patches, qyx: np.ndarray, src: np.ndarray
) -> np.ndarray:
    """Vote (Wexler et al. 2007, uniform weights): a hole pixel is the mean of what the
    overlapping matched patches put there; known pixels stay."""
    acc, tot = _vote(b, qyx, src, hole.shape)
    x = known.copy()
    x[hole] = (acc[hole] / tot[hole][:, None]).astype(np.float32)
    return x


def inpaint_patchmatch(
    image: np.ndarray,
    mask: np.ndarray,
    patch_size: int = 7,
    em_iters: Sequence[int] = EM_ITERS,
    search_iters: Sequence[int] = SEARCH_ITERS,
    seed: int = 0,
    context_pixels: int = CONTEXT_PIXELS,
    sources: Sequence[np.ndarray] = (),
    usage_weight: float = USAGE_WEIGHT,
) -> np.ndarray:
    """Fill the hole by multi-scale patch synthesis (Wexler et al. 2007) with PatchMatch.

    Coarse to fine over a pyramid halved as the C++ PatchMatch halves it (:func:`_downsample`:
    the hole shrinks at every level) down to a hole at most ~``2 * patch_size`` pixels thick,
    started from an onion-peel fill. At every level, ``em_iters[level]`` times
    (finest level first; the last value holds for every coarser level and always for the
    coarsest below the finest, which starts from random matches): search the nearest
    known patch of every patch touching the hole (:func:`nnf`'s PatchMatch,
    ``search_iters[level]`` iterations, warm-started), then vote. From the second EM
    iteration of a level on, a source that several queries chose costs ``usage_weight``
    times the median match SSD per extra query (:func:`usage_cost`), so that the fill does
    not copy one smooth patch over and over. The field is upsampled to start the next level,
    whose first estimate is voted from that level's own, finer pixels.
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
    check_window(rows, cols, MAX_SEARCH_PIXELS, "patchmatch")
    check_sources(mask[rows, cols], patch_size)
    out = image.copy()
    out[rows, cols] = _inpaint_window(
        image[rows, cols], mask[rows, cols], patch_size, em_iters, search_iters, seed, sources,
        usage_weight,
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
    em_iters: Sequence[int],
    search_iters: Sequence[int],
    seed: int,
    sources: Sequence[np.ndarray],
    usage_weight: float,
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
    # source photos on one canvas, halved as the window is
    source_levels = levels
    if len(sources):
        source_levels = [source_canvas(image, mask, sources)]
        while len(source_levels) < len(levels):
            source_levels.append(_downsample(*source_levels[-1]))

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
        canvas, invalid = source_levels[depth]
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
        b = Patches.of(canvas, patch_size)  # sources never touch the hole: fixed per level
        if prev is not None:  # first estimate at this level: vote with the upsampled field
            x = _fill(known_img, hole, b, qyx, src)
        n_em, n_search = (
            its[-1] if 0 < depth == len(levels) - 1 else its[min(depth, len(its) - 1)]
            for its in (em_iters, search_iters)
        )
        cost = None
        for _ in range(n_em):
            src, dist = _search(Patches.of(x, patch_size), qyx, b, src, ok_b, n_search, rng,
                                cost=cost)  # fmt: skip
            x = _fill(known_img, hole, b, qyx, src)
            if usage_weight:
                cost = usage_cost(src, dist - (0 if cost is None else cost[src]), usage_weight,
                                  invalid.size)  # fmt: skip
        prev = np.full((h, w, 2), -1)
        prev[qy, qx] = np.stack(np.divmod(src, cw), axis=1)
    return np.where(mask[..., None], x, image).astype(np.float32)
