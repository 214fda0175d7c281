"""``nplib.inpaint``: every method keeps known pixels bit-identical and fills the hole."""

import numpy as np
import pytest

import nplib
from nplib.io import InputError
from nplib.metrics import psnr


@pytest.fixture
def holed(photo):
    mask = np.zeros(photo.shape[:2], bool)
    mask[100:140, 90:150] = True
    mask[0:20, 230:256] = True  # a second hole, touching the border
    return photo, mask


@pytest.mark.parametrize("method", ["mean", "diffusion", "patchmatch"])
def test_known_pixels_bit_identical(holed, method):
    image, mask = holed
    out = nplib.inpaint(image, mask, method)
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.array_equal(out[~mask], image[~mask])
    assert not np.allclose(out[mask], image[mask])


def test_diffusion_beats_mean_colour(holed):
    image, mask = holed
    assert psnr(nplib.inpaint(image, mask, "diffusion"), image, mask) > psnr(
        nplib.inpaint(image, mask, "mean"), image, mask
    ) + 1.0


def test_bad_inputs(holed):
    image, mask = holed
    with pytest.raises(InputError, match="unknown method"):
        nplib.inpaint(image, mask, "magic")
    with pytest.raises(InputError, match="empty"):
        nplib.inpaint(image, np.zeros_like(mask))
    with pytest.raises(InputError, match="does not match"):
        nplib.inpaint(image, mask[:-1])
    with pytest.raises(InputError, match="no CUDA|unknown device|unsupported"):
        nplib.inpaint(image, mask, device="tpu")
