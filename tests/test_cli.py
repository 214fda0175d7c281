"""The ``nplib`` command: the output contract and one-line errors with exit code 2."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nplib.cli import main
from nplib.io import read_image


@pytest.fixture
def files(tmp_path, photo):
    img = (photo[:64, :80] * 255).round().astype(np.uint8)
    Image.fromarray(img).save(tmp_path / "in.png")
    mask = np.zeros((64, 80), np.uint8)
    mask[20:40, 30:50] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    return tmp_path, img, mask > 0


def test_inpaint_writes_same_size_with_known_pixels_identical(files):
    d, img, hole = files
    assert main(["inpaint", str(d / "in.png"), "--mask", str(d / "mask.png"),
                 "-o", str(d / "out.png"), "--method", "diffusion"]) == 0
    out = np.asarray(Image.open(d / "out.png"))
    assert out.shape == img.shape
    assert np.array_equal(out[~hole], img[~hole])
    assert not np.array_equal(out[hole], img[hole])


def _bad(d, capsys, argv, needle):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("nplib: error:") and needle in err, err
    assert not (d / "out.png").exists()
    assert [p.name for p in d.iterdir() if p.name.startswith(".")] == []


def test_bad_inputs_one_line_exit_2_no_output(files, capsys):
    d, img, _ = files
    out = ["-o", str(d / "out.png")]
    (d / "junk.png").write_bytes(b"\x89PNG but not really")
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(d / "small.png")
    Image.fromarray(np.zeros((64, 80), np.uint8)).save(d / "empty.png")
    Image.fromarray(np.full((64, 80), 255, np.uint8)).save(d / "full.png")
    img_, mask_ = str(d / "in.png"), str(d / "mask.png")
    _bad(d, capsys, ["inpaint", str(d / "missing.png"), "--mask", mask_, *out], "not found")
    _bad(d, capsys, ["inpaint", img_, "--mask", str(d / "missing.png"), *out], "not found")
    _bad(d, capsys, ["inpaint", str(d / "junk.png"), "--mask", mask_, *out], "cannot read")
    _bad(d, capsys, ["inpaint", img_, "--mask", str(d / "small.png"), *out], "does not match")
    _bad(d, capsys, ["inpaint", img_, "--mask", str(d / "empty.png"), *out], "empty")
    _bad(d, capsys, ["inpaint", img_, "--mask", str(d / "full.png"), *out], "whole image")
    _bad(d, capsys, ["inpaint", img_, "--mask", mask_, "--method", "magic", *out], "unknown method")
    _bad(d, capsys, ["inpaint", img_, "--mask", mask_, "-o", str(d / "out.xyz")], "format")
    _bad(d, capsys, ["inpaint", img_, "--mask", mask_, *out, "--seed", "x"], "invalid int")
    _bad(d, capsys, ["inpaint", img_, *out], "required")
    _bad(d, capsys, ["inpaint", img_, "--mask", mask_, *out, "--schedule", "best"],
         "invalid choice")
    _bad(d, capsys, ["inpaint", img_, "--mask", mask_, *out, "--method", "mean",
                     "--schedule", "fast"], "schedule applies to full only")  # fmt: skip


def test_methods_lists_every_method(capsys):
    from nplib.methods import METHODS

    assert main(["methods"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(METHODS)


def test_python_dash_m_runs_the_cli(files):
    d, _, _ = files
    proc = subprocess.run([sys.executable, "-m", "nplib", "inpaint", str(d / "in.png"),
                           "--mask", str(d / "nope.png"), "-o", str(d / "out.png")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"nplib: error: file not found: {d / 'nope.png'}"


def test_demo_writes_result_and_figure(tmp_path, capsys):
    from nplib import data
    from nplib.cli import DEMO_IMAGE, DEMO_MASK

    assert main(["demo", "--out", str(tmp_path), "--method", "diffusion"]) == 0
    result = read_image(tmp_path / "result.png")
    image, mask = data.load_image(DEMO_IMAGE), data.load_mask(DEMO_MASK)
    assert result.shape == image.shape
    assert np.array_equal((result * 255).round()[~mask], (image * 255).round()[~mask])
    assert (tmp_path / "side_by_side.png").stat().st_size > 10_000
    assert str(tmp_path.resolve()) in capsys.readouterr().out


# ----------------------------------------------------------------------------- fuzz


@pytest.fixture
def _alarm():
    """``alarm(seconds)``: a run still going after that many seconds fails the test as hung."""
    import signal

    def hung(signum, frame):
        raise TimeoutError("the CLI hung")

    old = signal.signal(signal.SIGALRM, hung)
    yield signal.alarm
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_fuzz_real_world_files_exit_0_with_output_or_2_with_one_line(tmp_path, photo, capsys,
                                                                     _alarm):
    """Every case of tests/realworld.py: exit 0 and a correct output, or exit 2, one line and
    no output file; in time, and never an exception (a traceback) or a hang."""
    from realworld import make_cases

    from nplib.io import read_mask, to_uint8

    d, out_dir = tmp_path / "files", tmp_path / "out"
    d.mkdir()
    out_dir.mkdir()
    cases = make_cases(d, (photo[:48, :64] * 255).round().astype(np.uint8))
    assert len(cases) >= 40
    for i, (image, mask, method, expected) in enumerate(cases):
        out = out_dir / f"{i}.png"
        argv = ["inpaint", str(image), "--mask", str(mask), "-o", str(out), "--method", method,
                "--device", "cpu"]  # fmt: skip
        what = f"{image.name} + {mask.name} with {method}"
        _alarm(60)
        code = main(argv)  # an exception here is the traceback a user would see
        _alarm(0)
        cap = capsys.readouterr()
        if expected is None:
            assert code == 0 and cap.err == "", (what, cap.err)
            inp, hole = read_image(image), read_mask(mask)
            result = np.asarray(Image.open(out).convert("RGB"))
            assert result.shape == inp.shape, what
            assert np.array_equal(result[~hole], to_uint8(inp)[~hole]), what
        else:
            assert code == 2 and cap.out == "", (what, cap)
            assert cap.err.startswith("nplib: error: ") and cap.err.count("\n") == 1, (what, cap)
            assert expected in cap.err, (what, cap.err)
            assert not out.exists(), what
        assert [p.name for p in out_dir.iterdir() if p.name.startswith(".")] == [], what


def test_unwritable_output_is_one_line_and_over_the_limit_in_a_real_process(tmp_path, files,
                                                                            capsys):
    from realworld import png_header

    d, _, _ = files
    _bad(d, capsys, ["inpaint", str(d / "in.png"), "--mask", str(d / "mask.png"),
                     "-o", str(d / "in.png" / "out.png"), "--method", "mean"], "cannot write")
    png_header(tmp_path / "warn.png", 10000, 10000)  # Pillow warns at this size: not printed
    proc = subprocess.run([sys.executable, "-m", "nplib", "inpaint", str(tmp_path / "warn.png"),
                           "--mask", str(d / "mask.png"), "-o", str(d / "out.png")],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "10000x10000 (100 megapixels), over the limit of 8192x8192" in proc.stderr
