"""The content network (docs/method.md, "Content network"): shapes, losses, training,
checkpoints, inference."""

import numpy as np
import pytest
import torch

from nplib import baselines, content
from nplib.io import InputError

TINY = content.Config(size=16, channels=(8, 16), bottleneck=32, overlap=1)


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny networks run fastest on one thread (and the test machine is shared)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _batch(size: int, n: int = 2):
    x = torch.rand(n, 3, size, size)
    return x, content.centre_hole(n, size)


@pytest.mark.parametrize("name", ["classroom", "paper"])
def test_generator_and_discriminator_shapes(name):
    cfg = content.CONFIGS[name]
    with torch.device("meta"):  # skip initialising the paper's 79M parameters
        gen, disc = content.Generator(cfg), content.Discriminator(cfg)
    for net in (gen, disc):
        for p in net.to_empty(device="cpu").parameters():
            torch.nn.init.constant_(p, 1e-3)
    x, hole = torch.rand(1, 3, cfg.size, cfg.size), content.centre_hole(1, cfg.size)
    with torch.no_grad():
        pred = gen(x, hole)
        logits = disc(pred, hole)
    assert pred.shape == x.shape and logits.shape == (1,)


def test_untrained_generator_returns_the_pull_push_fill_and_keeps_known_pixels():
    x, hole = _batch(32)
    fill = baselines.pull_push_fill(x, hole)
    assert torch.equal(fill[~hole.expand_as(x)], x[~hole.expand_as(x)])
    gen = content.Generator(content.CONFIGS["classroom"])
    x, hole = _batch(64)
    with torch.no_grad():
        assert torch.allclose(gen(x, hole), baselines.pull_push_fill(x, hole, gen.cfg.fill_iters))


def test_classroom_checkpoint_fits_the_budget():
    gen = content.Generator(content.CONFIGS["classroom"])
    assert sum(p.numel() for p in gen.parameters()) * 2 < 20e6  # half precision bytes


def test_loss_weights_border_ten_times():
    hole = content.centre_hole(1, 16)
    w = content.loss_weights(hole, overlap=2)[0, 0]
    assert w[8, 8] == 1 and w[3, 8] == 10 and w[2, 8] == 10 and w[1, 8] == 0 and w[0, 0] == 0
    x, _ = _batch(16, 1)
    err = x.clone()
    err[..., 2, 8] += 0.5  # one error on the border
    on_border = content.reconstruction_loss(err, x, hole, 2)
    err = x.clone()
    err[..., 8, 8] += 0.5  # the same error in the hole
    assert torch.isclose(on_border, 10 * content.reconstruction_loss(err, x, hole, 2))


def test_adversarial_term_switches_off():
    x, hole = _batch(16)
    disc = content.Discriminator(TINY)
    pred = x + 0.1
    total, l2, adv = content.generator_loss(pred, x, hole, 1, disc, adv_weight=0)
    assert total == l2 and adv == 0
    total, l2, adv = content.generator_loss(pred, x, hole, 1, disc, adv_weight=0.001)
    assert adv > 0 and torch.isclose(total, 0.999 * l2 + 0.001 * adv)
    assert content.discriminator_loss(disc, pred, x, hole) > 0


def test_tiny_overfit():
    torch.manual_seed(0)
    x, hole = _batch(16, 8)
    gen = content.Generator(TINY)
    opt = torch.optim.Adam(gen.parameters(), lr=1e-2)
    losses = []
    for _ in range(150):
        loss = content.reconstruction_loss(gen(x, hole), x, hole, TINY.overlap)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 10


def test_random_holes_are_varied_and_valid():
    rng = np.random.default_rng(0)
    holes = [content.random_hole(64, rng) for _ in range(30)]
    assert all(h.any() and not h.all() for h in holes)
    assert len({h.sum() for h in holes}) > 10


def test_load_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        content.load(str(tmp_path / "missing.pt"))
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="corrupt"):
        content.load(str(bad))


@pytest.fixture
def tiny_model(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "tiny.pt"
    content.save(path, content.Generator(TINY), {})
    return str(path)


@pytest.mark.parametrize(
    "shape,box",
    [((40, 60), (10, 20, 25, 35)), ((100, 30), (0, 0, 20, 30)), ((7, 9), (6, 8, 7, 9))],
)
def test_content_inpaint_any_size_and_position(tiny_model, shape, box):
    rng = np.random.default_rng(0)
    image = rng.random((*shape, 3), dtype=np.float32)
    mask = np.zeros(shape, bool)
    mask[box[0] : box[2], box[1] : box[3]] = True
    out = content.content_inpaint(image, mask, model=tiny_model)
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.array_equal(out[~mask], image[~mask])
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    assert not np.array_equal(out[mask], image[mask])


def test_content_inpaint_on_a_photo(tiny_model, photo):
    mask = np.zeros(photo.shape[:2], bool)
    mask[200:240, 10:90] = True
    out = content.content_inpaint(photo, mask, model=tiny_model)
    assert np.array_equal(out[~mask], photo[~mask])
    ring = np.zeros_like(mask)
    ring[195:245, 5:95] = True
    ring &= ~mask  # an untrained model returns the cheap fill: the colours around the hole
    assert np.abs(out[mask].mean(0) - photo[ring].mean(0)).max() < 0.05
