"""Training the content network: the folder data set, the input pipeline, the command, resuming,
and several processes under torchrun (gloo on the CPU)."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from nplib import content, data, dataset, train

TINY = content.Config(size=16, channels=(8, 16), bottleneck=32, overlap=1)
SUFFIXES = (".jpg", ".png", ".webp", ".bmp", ".tif")


def _photo(rng, h, w):
    """A smooth random colour image (blocks upsampled), uint8."""
    small = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), dtype=np.uint8)
    return Image.fromarray(small).resize((w, h), Image.BICUBIC)


def _make_folder(root: Path) -> Path:
    """24 readable photos of 80-120 px in five formats and nested folders, an RGBA and a
    grey one among them, plus one corrupt file and one photo too small for a 64 px crop."""
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(24):
        sub = root / f"set{i % 3}" / ("deep" if i % 5 == 0 else "")
        sub.mkdir(parents=True, exist_ok=True)
        im = _photo(rng, int(rng.integers(80, 121)), int(rng.integers(80, 121)))
        im = im.convert("RGBA") if i == 1 else im.convert("L") if i == 2 else im
        im.save(sub / f"p{i:02d}{SUFFIXES[i % len(SUFFIXES)]}")
    (root / "set0" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    _photo(rng, 40, 100).save(root / "set1" / "tiny.png")
    (root / "notes.txt").write_text("not an image")
    (root.parent / "val").mkdir(exist_ok=True)
    _photo(rng, 130, 140).save(root.parent / "val" / "v.png")  # one validation photo, 6 crops
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return _make_folder(tmp_path_factory.mktemp("data") / "photos")


def test_list_photos_skips_and_reports_bad_files(folder):
    found = dataset.list_photos(folder, 64)
    assert len(found.paths) == 24 and found.paths == sorted(found.paths)
    assert [p.name for p in found.unreadable] == ["broken.jpg"]
    assert [p.name for p in found.too_small] == ["tiny.png"]
    first = folder / "set0" / "broken.jpg"
    assert found.report() == f"skipped 2 of 26 files: 1 unreadable, 1 too small; first: {first}"


def test_exif_orientation_is_applied(tmp_path):
    im = _photo(np.random.default_rng(1), 70, 100)  # 100 wide, 70 high as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    im.save(tmp_path / "phone.jpg", exif=exif)
    assert dataset._size(tmp_path / "phone.jpg") == (70, 100)
    assert dataset.open_photo(tmp_path / "phone.jpg").size == (70, 100)
    with pytest.raises(train.InputError, match="at least 80 px"):  # the displayed width is 70
        dataset.list_photos(tmp_path, 80)


def test_empty_or_unusable_folder_is_an_input_error(tmp_path):
    with pytest.raises(train.InputError, match="no usable photos.*no image files"):
        dataset.list_photos(tmp_path, 64)
    (tmp_path / "bad.png").write_bytes(b"nope")
    with pytest.raises(train.InputError, match="no usable photos.*1 image file "):
        dataset.list_photos(tmp_path, 64)
    with pytest.raises(train.InputError, match="not found"):
        dataset.list_photos(tmp_path / "missing", 64)


def test_crops_depend_only_on_their_number(folder):
    paths = dataset.list_photos(folder, 64).paths
    a, b = dataset.TrainingCrops(paths, 64, seed=3), dataset.TrainingCrops(paths, 64, 3, cache=0)
    for k in (0, 7, 10**9):
        (xa, ha), (xb, hb) = a[k], b[k]
        assert torch.equal(xa, xb) and torch.equal(ha, hb)
        assert xa.shape == (3, 64, 64) and xa.dtype == torch.float32 and hb.dtype == torch.bool
        assert 0 <= xa.min() and xa.max() <= 1 and ha.any()
    assert not torch.equal(a[0][0], a[1][0])
    assert not torch.equal(a[0][0], dataset.TrainingCrops(paths, 64, seed=4)[0][0])

    def batches(workers):
        loader = torch.utils.data.DataLoader(a, batch_size=4, sampler=range(12),
                                             num_workers=workers)  # fmt: skip
        return [x for x, _ in loader]

    assert all(torch.equal(p, q) for p, q in zip(batches(0), batches(2), strict=True))


def test_split_photos_is_seeded_and_disjoint(folder):
    paths = dataset.list_photos(folder, 64).paths
    tr, val = dataset.split_photos(paths, 0.25, seed=0)
    assert len(val) == 6 and not set(tr) & set(val) and sorted(tr + val) == paths
    assert dataset.split_photos(paths, 0.25, seed=0) == (tr, val)
    with pytest.raises(train.InputError, match="between 0 and 1"):
        dataset.split_photos(paths, 1.5, seed=0)


def test_val_fraction_holds_photos_out_of_training(folder):
    a = argparse.Namespace(data=folder, val_data=None, val_fraction=0.25, seed=0)
    photos, val = train._photos(a, 64, 0)
    assert len(photos) == 18 and val.shape == (36, 128, 128, 3)  # 6 photos, 6 crops each
    assert train._photos(a, 64, 1) == (photos, None)  # only rank 0 makes validation crops


def _state(out: Path, name: str) -> dict:
    return torch.load(out / f"{name}.state.pt", weights_only=True)  # tensors, numbers, text


def _flags(folder, out, steps, *extra):
    return ["content", "--data", str(folder), "--val-data", str(folder.parent / "val"),
            "--steps", str(steps),
            "--batch", "4", "--eval-every", "1000", "--out", str(out), "--quiet",
            "--threads", "1", *extra]  # fmt: skip


@pytest.mark.parametrize("flags,message", [
    (["--data", "{empty}"], "no usable photos"),
    (["--data", "{empty}/missing"], "data folder not found"),
    (["--val-fraction", "0.1"], "need --data"),
    (["--amp", "--device", "cpu"], "needs CUDA"),
    (["--batch", "3", "--resume"], "nothing to resume"),
])  # fmt: skip
def test_bad_options_exit_2_with_one_line(tmp_path, capsys, flags, message):
    (tmp_path / "empty").mkdir()
    flags = [f.format(empty=tmp_path / "empty") for f in flags]
    with pytest.raises(SystemExit) as exit:
        train.main(["content", "--steps", "1", "--out", str(tmp_path / "out"), *flags])
    err = capsys.readouterr().err
    assert exit.value.code == 2 and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "out").exists()


def test_resume_gives_the_same_weights(tmp_path):
    run = train.RunSettings(steps=6, batch=4, eval_every=1000)
    photos = [train.image_path("astronaut")]
    val = data.heldout_crops(32, 1)[:2]

    def go(out, steps, resume=False):
        train.train(TINY, "tiny", out, train.RunSettings(**{**run.__dict__, "steps": steps}),
                    photos, val, resume=resume, progress=False)  # fmt: skip
        return _state(out, "tiny")

    straight = go(tmp_path / "a", 6)
    go(tmp_path / "b", 3)
    resumed = go(tmp_path / "b", 6, resume=True)
    assert resumed["step"] == 6
    for key in ("gen", "disc", "opt_g"):
        flat = [(k, v) for k, v in straight[key].items() if isinstance(v, torch.Tensor)]
        for k, v in flat:
            assert torch.equal(v, resumed[key][k]), (key, k)
    assert len(resumed["log"]["eval"]) == 2  # steps 3 and 6
    assert content.load(str(tmp_path / "b" / "tiny.pt")).cfg == TINY


def test_missing_lpips_weights_stop_training_before_it_starts(tmp_path, capsys, monkeypatch):
    def missing():
        raise FileNotFoundError("LPIPS weights need the metrics extra")

    monkeypatch.setattr(train, "weights_path", missing)
    with pytest.raises(SystemExit) as exit:
        train.main(["content", "--steps", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exit.value.code == 2 and err == "error: LPIPS weights need the metrics extra\n"
    assert not (tmp_path / "out").exists()


def test_resume_unpickles_only_what_a_state_holds(tmp_path):
    run = train.RunSettings(steps=2, batch=4, eval_every=1000, adv_weight=0)
    s = train.TrainState.create(TINY, run, torch.device("cpu"), 1, 1)
    s.log["train"].append({"step": 1, "l2": np.float64(0.5)})  # as logs before floats were
    s.save(tmp_path, "old")
    resumed = train.TrainState.create(TINY, run, torch.device("cpu"), 1, 1)
    resumed.load(tmp_path / "old.state.pt", run)
    assert resumed.log["train"][-1]["l2"] == 0.5
    torch.save({"gen": s.gen.state_dict(), "evil": argparse.Namespace()}, tmp_path / "x.state.pt")
    with pytest.raises(train.InputError, match="cannot resume from .*x.state.pt"):
        resumed.load(tmp_path / "x.state.pt", run)


def test_ema_ships_the_average(tmp_path):
    run = train.RunSettings(steps=4, batch=4, eval_every=1000, adv_weight=0, ema=0.5)
    train.train(TINY, "tiny", tmp_path, run, [train.image_path("astronaut")],
                data.heldout_crops(32, 1)[:2], progress=False)  # fmt: skip
    state = _state(tmp_path, "tiny")
    shipped = content.load(str(tmp_path / "tiny.pt"))
    for k, v in shipped.state_dict().items():
        assert torch.allclose(v, state["ema"][k].half().float())
    assert any(not torch.equal(state["ema"][k], state["gen"][k]) for k in state["gen"])


def _params(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.named_parameters()}


def _batch(n: int = 4):
    """Crops 0..n-1 of the astronaut photo: the first batch of a run with seed 0."""
    crops = dataset.TrainingCrops([train.image_path("astronaut")], TINY.size, seed=0)
    x, hole = zip(*(crops[k] for k in range(n)), strict=True)
    return torch.stack(x), torch.stack(hole)


def test_train_step_l2_only_moves_the_generator_and_its_average():
    run = train.RunSettings(batch=4, adv_weight=0, ema=0.75)
    s = train.TrainState.create(TINY, run, "cpu")
    assert s.disc is None and s.opt_d is None and s.step == 0
    before = _params(s.gen)
    l2, adv, d = train.train_step(s, *_batch(), run)
    assert s.step == 1 and l2.item() > 0 and adv.item() == 0 and d.item() == 0
    after = _params(s.gen)
    assert any(not torch.equal(before[k], after[k]) for k in after)  # the zero-initialised
    # last layer first: the generator starts as the membrane fill
    for k, e in _params(s.ema).items():  # the moving average with decay 0.75
        assert torch.equal(e, before[k].lerp(after[k], 0.25)), k


def test_train_step_with_the_discriminator_is_one_step_of_train(tmp_path):
    run = train.RunSettings(steps=1, batch=4, eval_every=1000)
    s = train.TrainState.create(TINY, run, "cpu")
    d_before = _params(s.disc)
    l2, adv, d = train.train_step(s, *_batch(), run)
    assert l2.item() > 0 and adv.item() > 0 and d.item() > 0
    assert all(not torch.equal(d_before[k], v) for k, v in _params(s.disc).items())
    assert all(p.requires_grad for p in s.disc.parameters())  # given back after G's step
    val = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32)
    log = train.train(TINY, "tiny", tmp_path, run, [train.image_path("astronaut")], val,
                      progress=False)  # fmt: skip
    state = _state(tmp_path, "tiny")
    for key, net in (("gen", s.gen), ("disc", s.disc)):  # bit for bit
        for k, v in net.state_dict().items():
            assert torch.equal(v, state[key][k]), (key, k)
    assert log["train"][-1]["l2"] == pytest.approx(l2.item())


def test_lr_at_follows_the_schedule():
    cosine = train.RunSettings(steps=100, lr=1e-3, lr_decay="cosine")
    assert train.lr_at(cosine, 0) == 1e-3
    assert train.lr_at(cosine, 50) == pytest.approx(5e-4, rel=1e-12)
    assert train.lr_at(cosine, 100) == pytest.approx(0, abs=1e-15)
    assert 0 < train.lr_at(cosine, 75) < 5e-4 < train.lr_at(cosine, 25) < 1e-3
    constant = train.RunSettings(steps=100, lr=1e-3)
    assert [train.lr_at(constant, k) for k in (0, 50, 100)] == [1e-3] * 3


# ----------------------------------------------------------------------------- torchrun


def _torchrun(flags, nproc=2):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           f"--nproc_per_node={nproc}", "-m", "nplib.train", *flags]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)  # fmt: skip


def _finish(proc, timeout=180):
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


@pytest.fixture(scope="module")
def two_processes(folder, tmp_path_factory):
    """A 6-step run of two processes under torchrun (gloo), uninterrupted."""
    out = tmp_path_factory.mktemp("two")
    _finish(_torchrun(_flags(folder, out, 6)))
    return _state(out, "classroom-l2adv")


def test_training_on_a_folder_in_one_process_equals_two(folder, tmp_path, capsys, two_processes):
    train.main(_flags(folder, tmp_path, 6))
    err = capsys.readouterr().err
    assert "skipped 2 of 26 files: 1 unreadable, 1 too small" in err
    log = json.loads((tmp_path / "classroom-l2adv.json").read_text())
    assert log["photos"] == 24 and log["eval"][-1]["step"] == 6
    assert {"psnr", "lpips"} <= set(log["eval"][-1])
    assert (tmp_path / "classroom-l2adv.png").is_file()
    assert content.load(str(tmp_path / "classroom-l2adv.pt")).cfg == content.CONFIGS["classroom"]

    one, two = _state(tmp_path, "classroom-l2adv"), two_processes
    assert two["log"]["in_sync"] and two["log"]["args"]["world"] == 2  # both ranks agree
    # Float rounding differs (a mean of two half-batch gradients vs one full-batch mean); Adam's
    # first steps, ~lr * sign(gradient), amplify it to ~1e-5 where a gradient is near zero.
    for key in ("gen", "disc"):
        for k, v in one[key].items():
            diff = (v - two[key][k]).abs()
            assert diff.max() < 5e-5 and diff.mean() < 1e-7, (key, k)
    l1 = [r["l2"] for r in one["log"]["train"]]
    l2 = [r["l2"] for r in two["log"]["train"]]
    assert np.allclose(l1, l2, rtol=1e-6)  # the logged loss is the mean over both processes


def test_killed_torchrun_resumes_to_the_same_weights(folder, tmp_path, two_processes):
    flags = _flags(folder, tmp_path, 6)
    proc = _torchrun([*flags, "--save-minutes", "0"])  # a checkpoint every step
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if (tmp_path / "classroom-l2adv.state.pt").is_file():
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)  # as a scheduler's kill: torchrun stops its workers
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0, out
    stopped_at = _state(tmp_path, "classroom-l2adv")["step"]
    _finish(_torchrun([*flags, "--resume"]))
    resumed = _state(tmp_path, "classroom-l2adv")
    assert 1 <= stopped_at < 6 and resumed["step"] == 6
    for key in ("gen", "disc"):
        for k, v in two_processes[key].items():
            assert torch.equal(v, resumed[key][k]), (key, k)
