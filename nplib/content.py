"""The content network: a Context-Encoder-style generator (docs/method.md, "Content network").

Context Encoders (Pathak et al. CVPR 2016) fill a hole with a convolutional encoder,
a bottleneck and a deconvolutional decoder, trained with an L2 reconstruction loss
plus an adversarial loss. The paper keeps that design with two changes for stable
training: every activation is an **ELU**, and the channel-wise fully-connected layer
becomes a plain **fully-connected bottleneck**.

What this implementation adds, following the lessons in docs/method.md, "A context encoder
trained for 20 minutes" (blurry fills with seams and colour casts at the hole border):

- the hole is not filled with the mean colour but with a cheap smooth fill
  (:func:`nplib.baselines.pull_push_fill`, pull-push plus Jacobi smoothing, like
  :func:`nplib.baselines.diffusion_fill` but batched), and the mask is a 4th input
  channel, so any hole shape works;
- the network predicts a **residual** over that fill for the whole window; its last
  layer starts at zero, so an untrained network returns the cheap fill;
- the loss covers the hole plus Context Encoders' overlap border (the known ring
  around the hole, weighted 10x), so the prediction meets the known pixels without
  a seam; only the hole is pasted back.

Two configurations share the code: ``paper`` (128x128 input, 64x64 centre hole, 79M
parameters, for GPU users) and ``classroom`` (64x64 input, 32x32 hole, 5M parameters,
small enough to train on a 2-core CPU; the shipped weights in ``nplib/checkpoints/``).

At inference the window's low frequencies come from the membrane fill at full
resolution and the network's residual is added on top (:func:`predict_window`).
"""

from __future__ import annotations

import importlib.resources
import os
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from nplib.baselines import diffusion_fill, pull_push_fill
from nplib.data import centre_mask
from nplib.device import image_to_tensor, pick_device, tensor_to_image
from nplib.holes import content_window
from nplib.io import InputError, atomic_write, check_image, check_mask
from nplib.pyramid import resize

#: The shipped generators: package data (``nplib/checkpoints/``), found by importlib.resources.
CHECKPOINT_DIR = importlib.resources.files("nplib") / "checkpoints"

#: The shipped generator every method uses unless told otherwise.
DEFAULT_MODEL = "classroom-l2adv"


@dataclass(frozen=True)
class Config:
    """Sizes of one content network. ``channels`` has one entry per stride-2 layer."""

    size: int  # input/output window side (pixels)
    channels: tuple[int, ...]  # encoder widths; the decoder mirrors them
    bottleneck: int  # width of the fully-connected bottleneck
    overlap: int  # Context Encoders' overlap border (pixels), weighted 10x
    # Jacobi steps a level of the cheap fill the network refines
    # (:func:`nplib.baselines.pull_push_fill`): at 32 it is close to the membrane fill that
    # inference adds the residual to, so what the network learns to correct is what
    # inference corrects (docs/method.md, "The content network as we build it").
    fill_iters: int = 8

    @property
    def code_side(self) -> int:
        return self.size // 2 ** len(self.channels)


CONFIGS = {
    # 128 -> 4x4x512 = 8192 -> 4000 -> 8192: Context Encoders' sizes (79M parameters).
    "paper": Config(128, (64, 128, 256, 512, 512), bottleneck=4000, overlap=4, fill_iters=32),
    # 64 -> 4x4x128 = 2048 -> 1024 -> 2048: ~5M parameters, ~10 MB in half precision.
    "classroom": Config(64, (32, 64, 128, 128), bottleneck=1024, overlap=2, fill_iters=32),
}


# ----------------------------------------------------------------------------- fills and masks


def loss_weights(hole: torch.Tensor, overlap: int) -> torch.Tensor:
    """Per-pixel L2 weights (B, 1, H, W): 1 in the hole, 10 on the ``overlap``-pixel known
    ring around it (Context Encoders' overlap border), 0 elsewhere."""
    h = hole.float()
    ring = F.max_pool2d(h, 2 * overlap + 1, stride=1, padding=overlap) - h
    return h + 10.0 * ring


def centre_hole(batch: int, size: int) -> torch.Tensor:
    """(batch, 1, size, size) bool masks with the paper's centre hole
    (:func:`nplib.data.centre_mask`, half of each side)."""
    return torch.from_numpy(centre_mask(size, size)).repeat(batch, 1, 1, 1)


def random_hole(size: int, rng: np.random.Generator) -> np.ndarray:
    """One (size, size) bool training mask: a centre hole, a random rectangle or random brush
    strokes (an interactive notebook lets people draw any mask), each a third of the time."""
    kind = rng.integers(3)
    if kind == 0:
        return centre_mask(size, size)
    hole = np.zeros((size, size), dtype=bool)
    if kind == 1:
        h, w = rng.integers(size // 8, size * 5 // 8, size=2)
        top, left = rng.integers(0, size - h), rng.integers(0, size - w)
        hole[top : top + h, left : left + w] = True
        return hole
    grid = np.mgrid[:size, :size]
    for _ in range(rng.integers(1, 4)):
        vertices = np.cumsum(rng.normal(0, size / 5, size=(rng.integers(2, 6), 2)), axis=0)
        vertices += rng.uniform(size / 4, 3 * size / 4, size=2)
        t = np.linspace(0, 1, 12)[:, None]
        points = np.concatenate([a + t * (b - a) for a, b in pairwise(vertices)])
        radius = rng.uniform(size / 32, size / 10)
        dist2 = ((grid[None] - points[:, :, None, None]) ** 2).sum(1)
        hole |= (dist2 <= radius**2).any(axis=0)
    if not hole.any() or hole.all():
        return centre_mask(size, size)
    return hole


# ----------------------------------------------------------------------------- networks


class Generator(nn.Module):
    """Encoder -> fully-connected bottleneck -> decoder, ELU everywhere
    (docs/method.md, "Content network").

    Shapes for ``classroom`` (``paper`` adds a layer: 128 -> 4, widths 64..512, FC 4000):

    ====================  =================  ==========================================
    layer                 output             note
    ====================  =================  ==========================================
    input                 (B, 4, 64, 64)     RGB with the hole cheaply filled + mask
    conv 4x4 s2 + ELU     (B, 32, 32, 32)
    conv 4x4 s2 + ELU     (B, 64, 16, 16)
    conv 4x4 s2 + ELU     (B, 128, 8, 8)
    conv 4x4 s2 + ELU     (B, 128, 4, 4)     flattened to 2048
    linear + ELU          (B, 1024)          fully-connected bottleneck
    linear + ELU          (B, 2048)          reshaped to (B, 128, 4, 4)
    deconv 4x4 s2 + ELU   (B, 128, 8, 8)
    deconv 4x4 s2 + ELU   (B, 64, 16, 16)
    deconv 4x4 s2 + ELU   (B, 32, 32, 32)
    deconv 4x4 s2         (B, 3, 64, 64)     residual, zero at initialisation
    output                (B, 3, 64, 64)     cheap fill + residual, the whole window
    ====================  =================  ==========================================
    """

    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        widths = (4, *cfg.channels)
        self.encoder = nn.Sequential(
            *(m for a, b in pairwise(widths) for m in (nn.Conv2d(a, b, 4, 2, 1), nn.ELU()))
        )
        code = cfg.channels[-1] * cfg.code_side**2
        self.bottleneck = nn.Sequential(
            nn.Flatten(),
            nn.Linear(code, cfg.bottleneck),
            nn.ELU(),
            nn.Linear(cfg.bottleneck, code),
            nn.ELU(),
            nn.Unflatten(1, (cfg.channels[-1], cfg.code_side, cfg.code_side)),
        )
        back = (*cfg.channels[::-1], 3)
        layers: list[nn.Module] = []
        for a, b in pairwise(back):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1), nn.ELU()]
        self.decoder = nn.Sequential(*layers[:-1])  # no activation on the residual
        nn.init.zeros_(self.decoder[-1].weight)
        nn.init.zeros_(self.decoder[-1].bias)

    def forward(self, image: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
        """image (B, 3, S, S) in [0, 1], hole (B, 1, S, S) bool -> prediction (B, 3, S, S)."""
        fill = pull_push_fill(image, hole, self.cfg.fill_iters)
        x = torch.cat([fill, hole.to(image.dtype)], 1) * 2 - 1
        return fill + self.decoder(self.bottleneck(self.encoder(x)))


class Discriminator(nn.Module):
    """Real or filled? Strided convs + ELU, then a linear logit (Context Encoders' adversary).

    It sees the whole window with the hole composited in, plus the mask (any hole shape):
    (B, 4, 64, 64) -> (B, 32, 32, 32) -> (B, 64, 16, 16) -> (B, 128, 8, 8)
    -> (B, 128, 4, 4) -> linear -> (B,) logits (``classroom`` widths).
    """

    def __init__(self, cfg: Config):
        super().__init__()
        widths = (4, *cfg.channels)
        self.net = nn.Sequential(
            *(m for a, b in pairwise(widths) for m in (nn.Conv2d(a, b, 4, 2, 1), nn.ELU())),
            nn.Flatten(),
            nn.Linear(cfg.channels[-1] * cfg.code_side**2, 1),
        )

    def forward(self, image: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([image, hole.to(image.dtype)], 1) * 2 - 1)[:, 0]


# ----------------------------------------------------------------------------- losses


def reconstruction_loss(
    pred: torch.Tensor, target: torch.Tensor, hole: torch.Tensor, overlap: int
) -> torch.Tensor:
    """Squared error over the hole and its overlap border (weighted 10x), divided by the hole's
    size, averaged over the batch: the hole's mean squared error when the border is matched
    exactly. Each window counts equally, so the mean over a batch split between processes
    is the mean of their means (distributed training in :mod:`nplib.train`)."""
    w = loss_weights(hole, overlap)
    per_window = (w * (pred - target) ** 2).sum((1, 2, 3)) / (3 * hole.sum((1, 2, 3))).clamp_min(1)
    return per_window.mean()


def generator_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    hole: torch.Tensor,
    overlap: int,
    disc: Discriminator | None = None,
    adv_weight: float = 0.001,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Context Encoders' joint loss ``(1 - adv_weight) * L2 + adv_weight * adversarial``
    (0.999 / 0.001 in docs/method.md, "Content network"). ``adv_weight=0`` (or no ``disc``) is
    L2 only.

    Returns (total, l2, adversarial) where adversarial is the non-saturating GAN loss of
    the composited fill.
    """
    l2 = reconstruction_loss(pred, target, hole, overlap)
    if disc is None or adv_weight == 0:
        return l2, l2, torch.zeros((), device=pred.device)
    fake = torch.where(hole, pred, target)
    logits = disc(fake, hole)
    adv = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    return (1 - adv_weight) * l2 + adv_weight * adv, l2, adv


def discriminator_loss(
    disc: Discriminator, pred: torch.Tensor, target: torch.Tensor, hole: torch.Tensor
) -> torch.Tensor:
    """Binary cross-entropy: real windows -> 1, windows with the (detached) fill -> 0.

    Real and filled windows go through the discriminator as one batch (one forward pass,
    as distributed training wants)."""
    fake = torch.where(hole, pred.detach(), target)
    logits = disc(torch.cat([target, fake]), torch.cat([hole, hole]))
    labels = torch.cat([torch.ones(len(target)), torch.zeros(len(target))]).to(logits)
    return 2 * F.binary_cross_entropy_with_logits(logits, labels)


# ----------------------------------------------------------------------------- checkpoints


def save(path: str | os.PathLike, gen: Generator, meta: dict) -> None:
    """Ship the generator's weights only, in half precision, with its config and ``meta``."""
    state = {k: v.detach().half().cpu() for k, v in gen.state_dict().items()}
    blob = {"config": asdict(gen.cfg), "weights": state, "meta": meta}
    atomic_write(Path(path), lambda tmp: torch.save(blob, tmp))


def load(name: str = DEFAULT_MODEL, device: str | torch.device | None = None) -> Generator:
    """Load a shipped generator: a name in :data:`CHECKPOINT_DIR` ('classroom-l2adv',
    'classroom-l2') or a path to a ``.pt`` file. Raises InputError if missing or corrupt."""
    path = Path(name) if name.endswith(".pt") else CHECKPOINT_DIR / f"{name}.pt"
    if not path.is_file():
        raise InputError(f"content model not found: {path} (train one with python -m nplib.train)")
    try:
        with path.open("rb") as f:
            blob = torch.load(f, map_location="cpu", weights_only=True)
        cfg = Config(**{**blob["config"], "channels": tuple(blob["config"]["channels"])})
        gen = Generator(cfg)
        gen.load_state_dict({k: v.float() for k, v in blob["weights"].items()})
    except Exception as err:  # any unpickling or shape error means a bad file
        raise InputError(f"corrupt content model {path}: {type(err).__name__}") from None
    dev = pick_device(device)
    return gen.to(dev).eval()


# ----------------------------------------------------------------------------- inference


@torch.no_grad()
def predict_window(gen: Generator, window: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """Fill square windows of any side: (B, 3, S, S), (B, 1, S, S) bool -> (B, 3, S, S).

    The window is resized to the network's input size, where the network predicts a residual
    over its cheap fill. That residual is upsampled and added to the membrane fill
    (:func:`nplib.baselines.diffusion_fill`) of the window at its own resolution, so the low
    frequencies come from the best cheap fill at full resolution (docs/method.md, "Lessons
    measured on these machines") and the network adds what a smooth fill cannot. Known pixels
    are composited back.
    """
    size = gen.cfg.size
    small = resize(window, size)
    small_hole = resize(hole.float(), size) > 0  # a pixel touching the hole is hole
    pre_fill = pull_push_fill(small, small_hole, gen.cfg.fill_iters)
    residual = resize(gen(small, small_hole) - pre_fill, window.shape[-1])
    images = window.permute(0, 2, 3, 1).cpu().numpy()
    holes = hole[:, 0].cpu().numpy()
    base = np.stack([diffusion_fill(i, h) for i, h in zip(images, holes, strict=True)])
    out = torch.from_numpy(base).permute(0, 3, 1, 2).to(window.device) + residual
    return torch.where(hole, out.clamp(0, 1), window)


def content_inpaint(
    image: np.ndarray,
    mask: np.ndarray,
    *,
    model: str = DEFAULT_MODEL,
    device: str | torch.device | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Fill ``mask``'s hole in ``image`` with the content network
    (docs/method.md, "Content network").

    The network runs on a square window about twice the hole's bounding box (see
    :func:`nplib.holes.content_window`), resized to its input size; its prediction is resized
    back and only the hole's pixels are replaced. Works for any image size and hole position.
    The network is deterministic: ``seed`` is accepted for the common method signature.
    """
    image = check_image(image)
    mask = check_mask(image, mask)
    gen = load(model, device)
    dev = next(gen.parameters()).device
    top, left, side = content_window(mask)
    pad = side  # enough for any window position content_window returns
    img_p = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="symmetric")
    mask_p = np.pad(mask, pad, mode="symmetric")
    sl = np.s_[top + pad : top + pad + side, left + pad : left + pad + side]
    window, hole = image_to_tensor(img_p[sl], dev), image_to_tensor(mask_p[sl], dev)
    filled = tensor_to_image(predict_window(gen, window, hole))
    out = img_p.copy()
    out[sl] = filled
    out = out[pad:-pad, pad:-pad]
    return np.where(mask[..., None], out, image).astype(np.float32)


# ----------------------------------------------------------------------------- evaluation


def centre_fill(gen: Generator, crops: np.ndarray) -> np.ndarray:
    """Fill the paper's centre hole (half of each side) of every crop: (N, S, S, 3) -> same."""
    x = torch.from_numpy(crops).permute(0, 3, 1, 2).to(next(gen.parameters()).device)
    out = predict_window(gen, x, centre_hole(len(crops), crops.shape[1]).to(x.device))
    return out.permute(0, 2, 3, 1).cpu().numpy()
