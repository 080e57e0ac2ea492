"""Shared fixtures and the `cuda` marker.

Tests marked ``@pytest.mark.cuda`` need a CUDA device; where there is none
they are skipped with a clear reason (and run on the GPU workflow). Tests
marked ``site`` check the built site and run only when asked for
(``pytest -m site``), after ``make book``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
from helpers import HAS_CUDA, REQUIRE_CUDA


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_CUDA and not HAS_CUDA:
        raise pytest.UsageError("DLBOOK_REQUIRE_CUDA=1 but torch sees no CUDA device")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_cuda = pytest.mark.skip(reason="needs a CUDA device (runs on the GPU workflow)")
    for item in items:
        if "cuda" in item.keywords and not HAS_CUDA:
            item.add_marker(skip_cuda)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened."""
    yield
    plt.close("all")


@pytest.fixture
def cuda_device() -> torch.device:
    """The first CUDA device (tests using it must carry the ``cuda`` marker)."""
    if not HAS_CUDA:
        pytest.skip("needs a CUDA device")
    return torch.device("cuda")
