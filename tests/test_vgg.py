"""The texture network is the pretrained VGG-19, wired as in vgg_normalised.pth."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nplib.vgg import (
    LAYER_INDEX,
    STRIDES,
    VGG19,
    WEIGHTS_SHA256,
    file_sha256,
    load_vgg,
    weights_path,
)


def test_weights_file_is_the_pretrained_one():
    assert file_sha256(weights_path()) == WEIGHTS_SHA256


def test_first_layer_is_rgb_to_caffe_bgr():
    vgg = load_vgg("cpu")
    x = torch.tensor([1.0, 0.5, 0.0]).view(1, 3, 1, 1)  # RGB
    y = vgg.layers[0](x).flatten()
    # BGR * 255 minus the ImageNet mean pixel (103.939, 116.779, 123.68)
    expected = torch.tensor([0.0 - 103.939, 127.5 - 116.779, 255.0 - 123.68])
    assert torch.allclose(y, expected, atol=1e-3)


def test_named_layers_shapes_and_frozen():
    vgg = load_vgg("cpu")
    x = torch.rand(1, 3, 100, 77)
    feats = vgg(x, list(LAYER_INDEX))
    for name, f in feats.items():
        s = STRIDES[name]
        assert f.shape[-2:] == (math.ceil(100 / s), math.ceil(77 / s)), name
    assert feats["relu3_1"].shape[1] == 256 and feats["relu4_1"].shape[1] == 512
    assert feats["relu4_2"].shape[1] == 512  # the authors' content layer
    assert all(not p.requires_grad for p in vgg.parameters())
    with pytest.raises(ValueError, match="unknown VGG layer"):
        vgg(x, ["relu5_1"])


def _warp(x: torch.Tensor, angle: float, scale: float):
    a = math.radians(angle)
    c, s = math.cos(a) / scale, math.sin(a) / scale
    theta = torch.tensor([[[c, -s, 0.05], [s, c, -0.03]]])
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="reflection"), grid


def _match_accuracy(vgg: VGG19, photo: np.ndarray, layer: str = "relu4_1") -> float:
    """Fraction of 3x3 feature patches of a warped, re-lit, noisy copy whose nearest
    neighbour (normalised cross-correlation) in the original lies where the warp says."""
    stride, size = STRIDES[layer], photo.shape[0]
    a = torch.from_numpy(photo).permute(2, 0, 1)[None]
    b, grid = _warp(a, angle=15, scale=1.2)
    g = torch.Generator().manual_seed(1)
    b = (b**0.8 * 0.8 + 0.1 + 0.05 * torch.randn(b.shape, generator=g)).clamp(0, 1)
    fa, fb = vgg(a, [layer])[layer], vgg(b, [layer])[layer]
    pa = F.normalize(F.unfold(fa, 3), dim=1)[0]
    pb = F.normalize(F.unfold(fb, 3), dim=1)[0]
    best = (pb.T @ pa).argmax(1)
    wa, hb, wb = fa.shape[-1] - 2, fb.shape[-2] - 2, fb.shape[-1] - 2
    ii, jj = torch.meshgrid(torch.arange(hb), torch.arange(wb), indexing="ij")
    py = ((ii + 1) * stride + stride // 2).clamp(max=size - 1)
    px = ((jj + 1) * stride + stride // 2).clamp(max=size - 1)
    src = grid[0, py, px]  # where each b patch centre was sampled from in a, in [-1, 1]
    true_x = ((src[..., 0] + 1) * size / 2 - stride / 2) / stride - 1
    true_y = ((src[..., 1] + 1) * size / 2 - stride / 2) / stride - 1
    found_y, found_x = best.view(hb, wb) // wa, best.view(hb, wb) % wa
    inside = (src.abs() < 0.9).all(-1)
    ok = ((found_y - true_y).abs() <= 1.5) & ((found_x - true_x).abs() <= 1.5)
    return ok[inside].float().mean().item()


def test_pretrained_features_match_warped_copy_far_better_than_random(photo):
    pretrained = _match_accuracy(load_vgg("cpu"), photo)
    torch.manual_seed(0)
    random = _match_accuracy(VGG19(pretrained=False), photo)
    # measured on this crop: 0.66 pretrained vs 0.33 random (seed 0)
    assert pretrained > 0.55, pretrained
    assert random < 0.40, random
    assert pretrained - random > 0.2


def test_fingerprint_of_a_fixed_input():
    """Activations of a fixed synthetic input; catches wrong wiring or weights."""
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 64), indexing="ij")
    x = torch.stack([xx, yy, (xx * 7).sin() * 0.5 + 0.5])[None]
    feats = load_vgg("cpu")(x, ["relu1_1", "relu3_1", "relu4_1"])
    got = [round(float(f.mean()), 3) for f in feats.values()]
    assert got == pytest.approx(FINGERPRINT, rel=1e-3)


FINGERPRINT = [1.983, 1.544, 1.442]


def test_receptive_fields_of_the_texture_layers():
    from nplib.vgg import receptive_field

    # 3x3 convolutions add 2 px times the stride so far, 2x2 poolings 1 px times it
    assert receptive_field("relu1_1") == 3 and receptive_field("relu3_1") == 24
    assert receptive_field("relu4_1") == 68 and receptive_field("relu4_2") == 84
