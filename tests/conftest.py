"""Shared fixtures and the `cuda` marker.

Tests marked ``@pytest.mark.cuda`` need a CUDA device; where there is none
they are skipped with a clear reason (and run on the GPU workflow). Tests
marked ``site`` check the built site and run only when asked for
(``pytest -m site``), after ``make book``.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

HAS_CUDA = torch.cuda.is_available()
#: On the GPU workflow a missing GPU is an error, not a reason to skip.
REQUIRE_CUDA = os.environ.get("DLBOOK_REQUIRE_CUDA") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_CUDA and not HAS_CUDA:
        raise pytest.UsageError("DLBOOK_REQUIRE_CUDA=1 but torch sees no CUDA device")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_cuda = pytest.mark.skip(reason="needs a CUDA device (runs on the GPU workflow)")
    for item in items:
        if "cuda" in item.keywords and not HAS_CUDA:
            item.add_marker(skip_cuda)


def available_devices() -> list[str]:
    """The devices to parametrise device tests over: the CPU, plus CUDA when present."""
    return ["cpu", "cuda"] if HAS_CUDA else ["cpu"]


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
