"""The neural patch (texture) loss and the joint optimisation of the hole's pixels.

docs/method.md, "Two networks, one optimisation" and "The neural patch loss, made
differentiable". With the texture network ``phi`` (frozen VGG-19) the hole's pixels minimise

    E(x) = E_c(x, content) + alpha * E_t(phi(x)) + beta * TV(x)

- ``E_t``: for every 3x3 patch ``P_i`` of a VGG feature map centred on a hole
  position (the *queries*), the squared distance to its nearest *source* patch,
  a patch of the known region (sampled with stride 2, never touching the hole):
  ``E_t = sum_i ||P_i(phi(x)) - P_nn(i)||^2`` on relu3_1 and relu4_1.
- Nearest neighbours by normalised cross-correlation, computed as a convolution
  (the CNNMRF trick, Li & Wand 2016): the L2-normalised source patches are the
  filters of a conv layer, the query feature map is convolved with them and a
  max over the filter dimension picks the best source. The matches are then held
  fixed (piecewise-constant selection), so the gradient flows through the queries.
- ``E_c``: squared distance to the content prediction over the hole; ``TV``: the
  squared total variation (docs/method.md, "Two networks, one optimisation"), over pixel
  pairs that touch the hole.

Only the hole's pixels are free (``x = known + hole * z``), and VGG runs on a
window around the hole, not the whole image. :func:`optimise` is one scale; the
multi-scale pipeline (docs/method.md, "High resolution: the multi-scale stack") calls it
once per level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from nplib.baselines import diffusion_fill, mean_fill
from nplib.candidates import augmented, strip_fill
from nplib.device import has_fast_bfloat16, image_to_tensor, pick_device, tensor_to_image
from nplib.holes import check_window, hole_bbox, texture_window
from nplib.io import InputError
from nplib.solve import SolveSettings, minimise
from nplib.vgg import STRIDES, load_vgg, receptive_field

#: The paper's texture layers (docs/method.md, "The neural patch loss, made differentiable").
PAPER_LAYERS = ("relu3_1", "relu4_1")

#: Weights of E = E_c + ALPHA E_t + BETA TV. The paper's alpha = beta = 5e-6 are for its
#: own pixel and VGG scale: BETA converts its TV to [0, 1] pixels (5e-6 * 255^2, rounded)
#: and ALPHA is where texture appears in a sweep and stops changing (docs/method.md,
#: "The energy's units", which gives the sweep and the terms' magnitudes).
ALPHA = 5e-4
BETA = 0.3

#: The largest window (holes' bounding box plus context) we optimise, in pixels: VGG-19 to
#: relu4_1 with its backward pass needs memory in proportion to the window's pixels
#: (benchmarks/README.md, "Memory on a 12-megapixel photo"); larger holes are refused
#: with this limit named.
MAX_WINDOW_PIXELS = 2048 * 2048


#: The weight of ``E_c`` on a VGG layer (``TextureSettings.content_layer``), where it is the
#: mean squared feature difference over the window, as in the authors' code: their 20
#: against their texture weight 1e-4, in our E_t's units (an inner position of E_t weighs
#: 9 alpha here), so 20 * 9 * ALPHA / 1e-4 (docs/method.md, "The texture stage the
#: authors ran").
CONTENT_WEIGHT = 20 * 9 * ALPHA / 1e-4


@dataclass(frozen=True)
class TextureSettings:
    """The energy ``E`` that :func:`optimise` minimises at one scale: its weights, layers,
    patches and candidates; each field is documented once here. How it is minimised
    (iterations, rematching, optimiser) is :class:`nplib.solve.SolveSettings`.

    The weights and the patches are docs/method.md, "Two networks, one optimisation" and
    "The neural patch loss, made differentiable"; our units are in "The energy's units".
    The four fields that may be None are the ones a multi-scale schedule sets per level
    (:class:`nplib.synthesis.Schedule`): None leaves them to it, and at one scale gives
    :data:`ONE_SCALE`'s value; a value given here holds at every level.
    """

    alpha: float = ALPHA  # weight of E_t (see ALPHA)
    beta: float = BETA  # weight of TV (see BETA)
    layers: tuple[str, ...] | None = None  # VGG layers of E_t (one scale: PAPER_LAYERS)
    margin: int | None = None  # context around the hole (one scale: window's default)
    patch_size: int = 3  # feature patches of k x k positions
    source_stride: int = 2  # source patches on a grid of this stride
    chunk: int = 1024  # sources per convolution when matching: bounds the memory
    usage_weight: float = 0.0  # penalty on over-used sources (spread_matches); 0: the paper
    distance: str = "ncc"  # how queries are matched (match): "ncc", the paper's, or "l2"
    # docs/method.md, "The texture stage the authors ran": each default below is ours,
    # the alternative the authors' code
    candidates: str = "window"  # one of CANDIDATES
    query_stride: int = 1  # queries on a grid of this stride (the authors': 2)
    query_reach: bool | None = None  # also query known positions whose receptive field
    # sees the hole (one scale: False)
    votes: str = "sum"  # a position's weight: "sum" of its queries, or "mean" (the authors')
    content_layer: str | None = None  # E_c on pixels (None, the paper's) or this VGG layer
    content_weight: float = CONTENT_WEIGHT  # E_c's weight when on a VGG layer
    precision: str | None = None  # VGG's arithmetic: one of PRECISIONS (one scale: float32)

    def resolve(self, **level: object) -> TextureSettings:
        """These settings with each field left None taken from ``level`` (a schedule's
        values at one level), else from :data:`ONE_SCALE`; fields already set stay."""
        unset = {k: level.get(k, ONE_SCALE[k]) for k in ONE_SCALE if getattr(self, k) is None}
        return replace(self, **unset)


#: The values of :class:`TextureSettings`' per-level fields when no schedule sets them.
ONE_SCALE: dict[str, object] = dict(
    layers=PAPER_LAYERS, margin=None, query_reach=False, precision="float32"
)


#: Where the candidate patches come from (:class:`HoleEnergy`): "window", ours, the known
#: patches of the current fill, recomputed at every rematch; "strip", the patches of the
#: strip-filled window (:func:`nplib.candidates.strip_fill`); "authors", those of its
#: rotated and scaled copies too (:func:`nplib.candidates.augmented`), both computed once
#: a level; "window+strip" and "window+authors", both sets.
CANDIDATES = ("window", "strip", "authors", "window+strip", "window+authors")


#: VGG's arithmetic in :class:`HoleEnergy`: "float32"; "bfloat16" (autocast, channels-last
#: input; the energy itself stays float32), faster where the device runs it natively and the
#: same fills (benchmarks/README.md, "The speed ladder at a CPU's price"); "auto": bfloat16
#: where :func:`nplib.device.has_fast_bfloat16`, else float32.
PRECISIONS = ("float32", "bfloat16", "auto")


class NoSourceError(ValueError):
    """A layer's feature map has no patch fully outside the hole (a small window)."""


def layer_mask(mask: torch.Tensor, stride: int) -> torch.Tensor:
    """A (H, W) pixel hole mask at a layer of stride ``stride``: (ceil(H/s), ceil(W/s)) bool.

    A feature position is hole when any pixel of its ``stride x stride`` cell is
    (max-pooling, with the same ceil rounding as VGG's pooling layers).
    """
    m = mask.to(torch.float32)[None, None]
    return F.max_pool2d(m, stride, stride, ceil_mode=True)[0, 0] > 0


def query_area(hole: torch.Tensor, reach: int = 0) -> torch.Tensor:
    """The positions whose patches are queries: the layer's hole grown by ``reach`` positions
    (0: the hole itself). Known positions within reach of the hole have features that see
    the fill, so querying them forces the fill's border to continue its surroundings."""
    if reach <= 0:
        return hole
    grown = F.max_pool2d(hole[None, None].float(), 2 * reach + 1, 1, reach)[0, 0]
    return grown > 0


def layer_reach(layer: str) -> int:
    """How many positions of ``layer`` away from the hole a feature still sees a hole pixel:
    half its receptive field (:func:`nplib.vgg.receptive_field`) in positions."""
    return math.ceil(receptive_field(layer) / 2 / STRIDES[layer])


def source_patches(
    feat: torch.Tensor, hole: torch.Tensor, patch_size: int = 3, stride: int = 2
) -> tuple[torch.Tensor, torch.Tensor]:
    """The data set PATCHES: ``patch_size`` patches of ``feat`` (C, h, w) on a ``stride`` grid.

    A patch with any hole position in its footprint is never a source. Returns the
    patches (S, C, p, p) and their centres (S, 2) as (row, col).
    """
    c, h, w = feat.shape
    p, pad = patch_size, patch_size // 2
    keep = _sources(hole, p, stride)
    if not keep.any():
        raise NoSourceError(f"no {p}x{p} source patch at this layer lies outside the hole")
    patches = F.unfold(feat[None], p, stride=stride)[0]  # (C*p*p, L)
    ys = torch.arange(pad, h - pad, stride, device=feat.device)
    xs = torch.arange(pad, w - pad, stride, device=feat.device)
    centres = torch.cartesian_prod(ys, xs)
    return patches[:, keep].T.reshape(-1, c, p, p), centres[keep]


def _sources(hole: torch.Tensor, patch_size: int, stride: int) -> torch.Tensor:
    """(L,) bool over the ``patch_size`` patches on a ``stride`` grid of a layer's (h, w) hole
    mask: True where the patch has no hole position (none when the map is smaller)."""
    if min(hole.shape) < patch_size:
        return torch.zeros(0, dtype=torch.bool, device=hole.device)
    touches = F.max_pool2d(hole[None, None].float(), patch_size, stride)[0, 0].flatten() > 0
    return ~touches


def photo_patches(feat: torch.Tensor, patch_size: int = 3, stride: int = 2) -> torch.Tensor:
    """Every ``patch_size`` patch of another photo's feature map ``feat`` (C, h, w) on a
    ``stride`` grid, as extra sources (S, C, p, p) for :func:`build_target`; a map smaller
    than a patch gives none (docs/method.md, "Patches from other photos")."""
    c, h, w = feat.shape
    if min(h, w) < patch_size:
        return feat.new_zeros(0, c, patch_size, patch_size)
    patches = F.unfold(feat[None], patch_size, stride=stride)[0]  # (C*p*p, L)
    return patches.T.reshape(-1, c, patch_size, patch_size)


def match(
    feat: torch.Tensor,
    queries: torch.Tensor,
    patches: torch.Tensor,
    chunk: int = 1024,
    penalty: torch.Tensor | None = None,
    distance: str = "ncc",
    stride: int = 1,
) -> tuple[torch.Tensor, int]:
    """Index of the best source for every query of ``feat`` (C, h, w), and peak bytes.

    ``queries`` (h, w) bool marks the query positions (the hole, or :func:`query_area`);
    with ``stride`` > 1 only those on a grid of that stride from the top-left corner of
    their bounding box are queries (:func:`query_grid`), the authors' stride-2 queries.

    Normalised cross-correlation as a convolution (CNNMRF, Li & Wand 2016): the
    L2-normalised patches (S, C, p, p) are the filters; the zero-padded query map,
    cropped to the queries' bounding box, is convolved (with ``stride``) with ``chunk`` of
    them at a time, keeping a running max / argmax over the filter dimension. The query's
    own norm is the same for every source, so it does not change the argmax. Returns
    the indices (Q,) for the queries in row-major order and the size in
    bytes of the largest response tensor (chunk x box area), the peak extra memory.

    ``penalty`` (S,), if given, is subtracted from each source's cosine similarity (the
    response divided by the query's norm) before the argmax (:func:`spread_matches`).
    ``distance="l2"`` matches by the plain squared distance instead, the loss's own: the
    filters are the raw patches and the response ``q . s - ||s||^2 / 2`` (its argmax is
    the argmin of ``||q - s||^2``); a penalty is then subtracted from that response.
    """
    pad = patches.shape[-1] // 2
    y0, y1, x0, x1 = hole_bbox(queries.cpu().numpy())
    region = F.pad(feat[None], (pad, pad, pad, pad))[:, :, y0 : y1 + 2 * pad, x0 : x1 + 2 * pad]
    grid = query_grid(queries, stride)
    norms = patches.flatten(1).norm(dim=1)
    if distance == "ncc":
        filters = patches / norms.clamp_min(1e-8)[:, None, None, None]
    elif distance == "l2":
        filters, half_sq = patches, 0.5 * norms**2
    else:
        raise ValueError(f"unknown distance {distance!r}: use ncc or l2")
    best = torch.full(grid.shape, -torch.inf, device=feat.device, dtype=feat.dtype)
    arg = torch.zeros(grid.shape, dtype=torch.long, device=feat.device)
    if penalty is not None and distance == "ncc":
        norm = F.unfold(region, patches.shape[-1], stride=stride)[0].norm(dim=0).clamp_min(1e-8)
        norm = norm.reshape(grid.shape)
    peak = 0
    for start in range(0, len(filters), chunk):
        resp = F.conv2d(region, filters[start : start + chunk], stride=stride)[0]  # (chunk, gh, gw)
        peak = max(peak, resp.numel() * resp.element_size())
        if distance == "l2":
            resp = resp - half_sq[start : start + chunk, None, None]
        if penalty is not None:
            scaled = resp / norm if distance == "ncc" else resp
            resp = scaled - penalty[start : start + chunk, None, None]
        val, idx = resp.max(dim=0)
        better = val > best
        best = torch.where(better, val, best)
        arg = torch.where(better, idx + start, arg)
    return arg[grid], peak


def query_grid(queries: torch.Tensor, stride: int = 1) -> torch.Tensor:
    """``queries`` (h, w) cropped to their bounding box and subsampled with ``stride`` from
    its top-left corner: (ceil(bh / stride), ceil(bw / stride)) bool, the positions
    :func:`match` answers, in the order of its result."""
    y0, y1, x0, x1 = hole_bbox(queries.cpu().numpy())
    return queries[y0:y1:stride, x0:x1:stride]


#: Re-assignments of :func:`spread_matches`: the usage counts settle after two or three.
SPREAD_ROUNDS = 3


def spread_matches(
    feat: torch.Tensor,
    queries: torch.Tensor,
    patches: torch.Tensor,
    nn: torch.Tensor,
    weight: float,
    chunk: int = 1024,
    distance: str = "ncc",
    stride: int = 1,
) -> torch.Tensor:
    """Re-match with a source-usage penalty, against the collapse of nearest-neighbour
    matching onto a few source patches (docs/method.md, "Source usage").

    A source's usage is how many queries chose it, over the even share ``Q / S``; each
    query then takes ``argmax_s cos(q, s) - weight * usage(s)``, :data:`SPREAD_ROUNDS`
    times, starting from the plain matches ``nn``. A simplified form of the uniformity
    term of Kaspar et al., "Self Tuning Texture Optimization" (2015); ``weight = 0`` is the
    paper's plain nearest neighbour.
    """
    share = len(nn) / len(patches)
    for _ in range(SPREAD_ROUNDS):
        usage = torch.bincount(nn, minlength=len(patches)).to(feat.dtype) / share
        nn, _ = match(feat, queries, patches, chunk, weight * usage, distance, stride)
    return nn


@dataclass
class PatchTarget:
    """The fixed matches of one layer, folded into a target map (see :func:`texture_energy`).

    ``box`` is the queries' bounding box at the layer (the hole's, or the hole grown by
    the layer's reach); ``target`` and ``weight`` cover it plus a ``pad`` border, in the
    zero-padded feature map's coordinates.
    """

    layer: str
    box: tuple[int, int, int, int]
    pad: int
    target: torch.Tensor  # (C, bh + 2 pad, bw + 2 pad): overlap-averaged matched sources
    weight: torch.Tensor  # (1, bh + 2 pad, bw + 2 pad): queries covering ("sum") or 0/1 ("mean")
    const: float  # sum_i ||P_nn(i)||^2 - sum_k n_k ||T_k||^2 ("sum"), 0 ("mean")
    nn: torch.Tensor  # (Q,) index of each query's source
    source_centres: torch.Tensor  # (S, 2) of the image's own sources; nn >= S: another photo
    peak_bytes: int


def build_target(
    layer: str,
    feat: torch.Tensor,
    hole: torch.Tensor,
    patch_size: int = 3,
    source_stride: int = 2,
    chunk: int = 1024,
    usage_weight: float = 0.0,
    extra_patches: torch.Tensor | None = None,
    distance: str = "ncc",
    *,
    own_sources: bool = True,
    query_stride: int = 1,
    reach: int = 0,
    votes: str = "sum",
) -> PatchTarget:
    """Match the queries of ``feat`` (C, h, w) to source patches and fold the matches.

    The queries are the hole's positions, grown by ``reach`` positions
    (:func:`query_area`) and taken on a ``query_stride`` grid (:func:`query_grid`); the
    candidate patches are the known patches of ``feat`` (:func:`source_patches`; none with
    ``own_sources=False``) and ``extra_patches``.

    ``extra_patches`` (S2, C, p, p), if given, are patches of other photos
    (:func:`photo_patches`) that join the image's own source patches as candidates
    (docs/method.md, "Patches from other photos"); their indices follow the own ones. With
    ``usage_weight`` > 0 the matches are spread over more source patches
    (:func:`spread_matches`); ``distance`` is :func:`match`'s. The matched source patches are
    placed at their queries' centres and folded (summed where they overlap); dividing by the
    overlap count ``n`` gives the target map ``T``. With ``votes="sum"`` a position weighs ``n``
    in :func:`texture_energy` (the loss summed over the queries); with ``"mean"`` every covered
    position weighs 1, as the authors' gradient, which divides the patches' pull by the overlap
    count. ``feat`` should be detached: the matches are held fixed.
    """
    if votes not in ("sum", "mean"):
        raise ValueError(f"unknown votes {votes!r}: use sum or mean")
    c = feat.shape[0]
    if own_sources:
        patches, centres = source_patches(feat, hole, patch_size, source_stride)
    else:
        patches = feat.new_zeros(0, c, patch_size, patch_size)
        centres = torch.zeros(0, 2, dtype=torch.long, device=feat.device)
    if extra_patches is not None:
        patches = torch.cat([patches, extra_patches])
    if not len(patches):
        raise NoSourceError("no source patch at this layer")
    queries = query_area(hole, reach)
    nn, peak = match(feat, queries, patches, chunk, distance=distance, stride=query_stride)
    if usage_weight:
        nn = spread_matches(feat, queries, patches, nn, usage_weight, chunk, distance, query_stride)
    pad, s = patch_size // 2, query_stride
    y0, y1, x0, x1 = hole_bbox(queries.cpu().numpy())
    grid = query_grid(queries, s)
    (gh, gw), on = grid.shape, grid.flatten()
    folded = ((gh - 1) * s + patch_size, (gw - 1) * s + patch_size)
    fill = (0, x1 - x0 + 2 * pad - folded[1], 0, y1 - y0 + 2 * pad - folded[0])

    def fold(cols: torch.Tensor) -> torch.Tensor:  # the box plus its pad border
        return F.pad(F.fold(cols[None], folded, patch_size, stride=s)[0], fill)

    picked = patches[nn].flatten(1)  # (Q, C*p*p)
    cols = feat.new_zeros(picked.shape[1], gh * gw)
    cols[:, on] = picked.T
    total = fold(cols)
    ones = feat.new_zeros(patch_size * patch_size, gh * gw)
    ones[:, on] = 1.0
    count = fold(ones)
    target = total / count.clamp_min(1.0)
    if votes == "sum":
        weight, const = count, float((picked**2).sum() - (count * target**2).sum())
    else:
        weight, const = (count > 0).to(feat.dtype), 0.0
    return PatchTarget(layer, (y0, y1, x0, x1), pad, target, weight, const, nn, centres, peak)


def texture_energy(feat: torch.Tensor, t: PatchTarget) -> torch.Tensor:
    """``E_t`` of one layer with fixed matches, through the precomputed fold.

    For a position k covered by n_k hole patches whose matched sources put the
    vectors s_ik there, ``sum_i ||phi_k - s_ik||^2 = n_k ||phi_k - T_k||^2 + c_k``
    with ``T_k = mean_i s_ik`` and ``c_k = sum_i ||s_ik||^2 - n_k ||T_k||^2``
    independent of x. Summing over k gives exactly
    ``sum_i ||P_i(phi(x)) - P_nn(i)||^2 = sum_k n_k ||phi_k - T_k||^2 + const``
    without materialising the unfolded query patches.
    """
    p = t.pad
    y0, y1, x0, x1 = t.box
    region = F.pad(feat, (p, p, p, p))[..., y0 : y1 + 2 * p, x0 : x1 + 2 * p]
    return (t.weight * (region - t.target) ** 2).sum() + t.const


def content_energy(x: torch.Tensor, content: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """``E_c``: squared Euclidean distance to the content prediction over the hole
    (docs/method.md, "Two networks, one optimisation")."""
    return (hole * (x - content) ** 2).sum()


def tv_energy(x: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """``TV = sum (x[i,j+1]-x[i,j])^2 + (x[i+1,j]-x[i,j])^2`` over pairs touching the hole.

    ``x`` is (..., H, W) and ``hole`` (H, W) bool; pairs of two known pixels are
    constant and left out, so the value measures the fill only.
    """
    h = hole.to(x.dtype)
    dx = (x[..., :, 1:] - x[..., :, :-1]) ** 2 * torch.maximum(h[:, 1:], h[:, :-1])
    dy = (x[..., 1:, :] - x[..., :-1, :]) ** 2 * torch.maximum(h[1:, :], h[:-1, :])
    return dx.sum() + dy.sum()


def check_context(
    mask: np.ndarray,
    settings: TextureSettings = TextureSettings(),
    *,
    method: str = "texture",
    scale: int = 1,
) -> None:
    """The least :func:`optimise` needs of ``mask``, checked before any VGG pass.

    Its window (:func:`nplib.holes.texture_window`, with ``settings.margin``) must be larger
    than the deepest layer's stride on both sides (VGG's reflect padding needs two feature rows
    there: 9x9 pixels for relu4_1), and one of ``settings.layers`` must have a source patch
    clear of the hole: ``patch_size`` feature positions a side, a square of known pixels about
    ``patch_size`` times the layer's stride a side (12x12 for relu3_1). ``scale`` is the level's
    downscaling, for the message. Anything less is a one-line :class:`InputError` naming
    ``method``. Fields of ``settings`` left None take their one-scale values
    (:meth:`TextureSettings.resolve`).
    """
    settings = settings.resolve()
    rows, cols = texture_window(mask, settings.margin)
    h, w = rows.stop - rows.start, cols.stop - cols.start
    at = f" at its 1/{scale} scale" if scale > 1 else ""
    deepest = max(STRIDES[n] for n in settings.layers)
    if min(h, w) <= deepest:
        side = deepest + 1
        got = f"got {w}x{h}" if (h, w) == mask.shape else f"its window is {w}x{h}"
        raise InputError(
            f"{method} needs an image of at least {side}x{side} pixels{at} (VGG-19 sees it at "
            f"1/{deepest} resolution), {got}"
        )
    m = torch.from_numpy(np.ascontiguousarray(mask[rows, cols]))
    p = settings.patch_size
    holes = [layer_mask(m, STRIDES[n]) for n in settings.layers]
    if not any(_sources(hole, p, settings.source_stride).any() for hole in holes):
        side = p * min(STRIDES[n] for n in settings.layers) * scale
        raise InputError(
            f"{method} needs known pixels around the hole to copy from: about a {side}x{side} "
            "square of them clear of the hole, and the mask leaves none"
        )


def _to_tensor(a: np.ndarray, device: torch.device) -> torch.Tensor:
    return image_to_tensor(a, device, np.float32).contiguous()


class HoleEnergy:
    """``E = E_c + alpha E_t + beta TV`` as a function of the hole's pixels ``z`` of one window.

    ``x = known + hole * z`` is the window; VGG sees only it. :meth:`rematch` finds the
    nearest sources of the current fill and holds them fixed until the next call.
    ``sources`` are other (H', W', 3) photos at this scale whose patches join the window's
    own as candidates (docs/method.md, "Patches from other photos"); their features are
    computed once, here. Fields of ``settings`` left None take their one-scale values
    (:meth:`TextureSettings.resolve`).
    ``settings.candidates`` (:data:`CANDIDATES`) may replace or join the window's own
    sources with the patches of its strip-filled copy, or of that copy rotated and scaled
    too (:mod:`nplib.candidates`); their features are computed once, here.
    """

    def __init__(
        self,
        image: np.ndarray,
        mask: np.ndarray,
        content: np.ndarray | None,
        settings: TextureSettings,
        device: torch.device,
        sources: Sequence[np.ndarray] = (),
    ):
        settings = settings.resolve()
        if settings.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {settings.precision!r}: use {PRECISIONS}")
        self.settings, self.vgg = settings, load_vgg(device)
        self.bfloat16 = settings.precision == "bfloat16" or (
            settings.precision == "auto" and has_fast_bfloat16(torch.device(device))
        )
        self.rows, self.cols = texture_window(mask, settings.margin)
        self.mask = torch.from_numpy(np.ascontiguousarray(mask[self.rows, self.cols])).to(device)
        self.hole = self.mask.to(torch.float32)
        self.known = _to_tensor(image[self.rows, self.cols], device) * (1 - self.hole)
        self.ref = None if content is None else _to_tensor(content[self.rows, self.cols], device)
        self.ref_feat = None  # the reference's features, for E_c on a VGG layer
        if self.ref is not None and settings.content_layer is not None:
            with torch.no_grad():
                layer = settings.content_layer
                self.ref_feat = self.features(self.known + self.hole * self.ref, [layer])[layer]
        self.layer_holes = {n: layer_mask(self.mask, STRIDES[n]) for n in settings.layers}
        self.extra_patches: dict[str, torch.Tensor | None] = dict.fromkeys(settings.layers)
        copies = [_to_tensor(photo, device) for photo in sources]
        kind = settings.candidates
        if kind not in CANDIDATES:
            raise ValueError(f"unknown candidates {kind!r}: use {', '.join(CANDIDATES)}")
        if kind != "window":
            filled = strip_fill(image[self.rows, self.cols], mask[self.rows, self.cols])
            filled_t = _to_tensor(filled, device)
            copies += augmented(filled_t) if kind.endswith("authors") else [filled_t]
        for copy in copies:
            with torch.no_grad():
                feats = self.features(copy, settings.layers)
            for n in settings.layers:
                new = photo_patches(feats[n][0], settings.patch_size, settings.source_stride)
                old = self.extra_patches[n]
                self.extra_patches[n] = new if old is None else torch.cat([old, new])
        self.targets: list[PatchTarget] = []
        self.passes = 0  # VGG forward + backward passes of __call__

    def features(self, x: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        """VGG's features of ``x`` at ``layers``, float32, computed in ``settings.precision``."""
        if not self.bfloat16:
            return self.vgg(x, layers)
        with torch.autocast(x.device.type, torch.bfloat16):
            feats = self.vgg(x.contiguous(memory_format=torch.channels_last), layers)
        return {n: f.float() for n, f in feats.items()}

    def start(self, init: np.ndarray) -> torch.Tensor:
        """The free variable ``z`` (1, 3, h, w) from an (H, W, 3) start of the whole image."""
        return _to_tensor(init[self.rows, self.cols], self.known.device) * self.hole

    def rematch(self, z: torch.Tensor) -> None:
        """Match the fill's hole patches to sources, per layer. A coarse layer of a small
        window may have no source and is then left out."""
        s = self.settings
        with torch.no_grad():
            feats = self.features(self.known + self.hole * z, s.layers)
        self.targets = []
        for n in s.layers:
            try:
                self.targets.append(build_target(
                    n, feats[n][0], self.layer_holes[n], s.patch_size, s.source_stride, s.chunk,
                    s.usage_weight, self.extra_patches[n], s.distance,
                    own_sources=s.candidates.startswith("window"), query_stride=s.query_stride,
                    reach=layer_reach(n) if s.query_reach else 0, votes=s.votes,
                ))  # fmt: skip
            except NoSourceError:
                continue
        if not self.targets:
            raise InputError("the hole leaves no known patch to copy from: give it more context")

    def __call__(self, z: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """E at ``z`` with the current matches, and its terms as floats (E_t and TV unweighted)."""
        x = self.known + self.hole * z
        s = self.settings
        feats = self.features(x, list(dict.fromkeys([*s.layers, s.content_layer or s.layers[0]])))
        self.passes += 1
        e_t = sum(texture_energy(feats[t.layer][0], t) for t in self.targets)
        if self.ref_feat is not None:
            diff = feats[s.content_layer] - self.ref_feat
            e_c = s.content_weight * (diff**2).mean()
        elif self.ref is not None:
            e_c = content_energy(x, self.ref, self.hole)
        else:
            e_c = x.new_zeros(())
        tv = tv_energy(x, self.mask)
        e = e_c + self.settings.alpha * e_t + self.settings.beta * tv
        vals = {"E": e, "E_c": e_c, "E_t": e_t, "TV": tv}
        return e, {key: float(v.detach()) for key, v in vals.items()}

    def image(self, z: torch.Tensor, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """``image`` with the window's hole pixels taken from ``z``."""
        x = tensor_to_image((self.known + self.hole * z).detach().clamp(0, 1))
        out = image.copy()
        r, c = self.rows, self.cols
        out[r, c] = np.where(mask[r, c, None], x, image[r, c])
        return out


def optimise(
    image: np.ndarray,
    mask: np.ndarray,
    init: np.ndarray,
    content: np.ndarray | None = None,
    texture: TextureSettings = TextureSettings(),
    solve: SolveSettings = SolveSettings(),
    *,
    sources: Sequence[np.ndarray] = (),
    device: torch.device | str | None = None,
    progress: bool = True,
) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Minimise ``E = E_c + alpha E_t + beta TV`` over the hole's pixels at one scale.

    ``init`` (H, W, 3) gives the hole's starting pixels, ``content`` the content prediction
    (None: no ``E_c`` term); ``texture`` the energy's weights, layers and patches
    (:class:`TextureSettings`), ``solve`` its iterations, rematching and optimiser
    (:class:`nplib.solve.SolveSettings`; the loop is :func:`nplib.solve.minimise`). Only a
    window around the hole (:func:`nplib.holes.texture_window`) is fed to VGG. ``sources``:
    other photos at this scale, whose patches are candidates too (:class:`HoleEnergy`). Returns
    the image (known pixels untouched) and the energy terms per iteration: ``history[k]`` holds
    E, E_c, E_t, TV (E_t and TV unweighted), the seconds elapsed ("time") and VGG passes
    ("passes") before iteration k, and ``history[iters]`` after the last one.
    """
    energy = HoleEnergy(image, mask, content, texture, pick_device(device), sources)
    z, history = minimise(energy, energy.start(init), solve, progress=progress, desc="texture")
    return energy.image(z, image, mask), history


def texture_inpaint(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    init: str | np.ndarray | None = None,
    content: np.ndarray | None = None,
    texture: TextureSettings = TextureSettings(),
    solve: SolveSettings = SolveSettings(),
    sources: Sequence[np.ndarray] = (),
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Single-scale neural patch inpainting (CLI ``--method texture``).

    ``sources``: other photos of the scene, at the image's scale, whose patches are
    candidates beside the image's own (docs/method.md, "Patches from other photos").

    ``init``: "mean" (the paper's coarsest-level start), "diffusion", or an
    (H, W, 3) image; None uses ``content`` when given, else "diffusion" (docs/method.md,
    "Lessons measured on these machines": low frequencies must come from the start; a smooth
    fill beats a flat colour).
    The window around the hole is checked first (:func:`nplib.holes.check_window`,
    :func:`check_context`). The method is deterministic; ``seed`` is accepted for the
    common method signature and draws nothing.
    """
    check_window(*texture_window(mask, texture.margin), MAX_WINDOW_PIXELS)
    check_context(mask, texture, method="texture")
    if init is None:
        init = content if content is not None else "diffusion"
    if isinstance(init, str):
        fills = {"mean": mean_fill, "diffusion": diffusion_fill}
        if init not in fills:
            raise ValueError(f"unknown init {init!r}: use mean, diffusion or an image")
        init = fills[init](image, mask)
    out, _ = optimise(
        image, mask, init, content, texture, solve, sources=sources, device=device,
        progress=progress,
    )
    return out
