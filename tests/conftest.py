import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture
def photo() -> np.ndarray:
    """A real bundled photo, 256x256 crop, float32 RGB in [0, 1]."""
    from nplib import data

    return data.load_image("astronaut")[:256, 128:384].copy()
