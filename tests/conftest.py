"""Shared fixtures and the `cuda` marker.

Tests marked ``@pytest.mark.cuda`` need a CUDA device; where there is none
they are skipped with a clear reason (and run on the GPU workflow). Tests
marked ``site`` check the built site and run only when asked for
(``pytest -m site``), after ``make book``.

Hypothesis profiles: ``dev`` (the default: few examples, the same ones on every
run, so that ``make test`` takes seconds), ``ci`` (ten times as many, also the same
on every run, so that a red CI run can be reproduced) and ``explore`` (as many as
``ci``, freshly drawn: for hunting new failures), chosen by ``HYPOTHESIS_PROFILE``;
on a CI runner (``CI=true``) ``ci`` is the default. Property tests take their
number of examples from the profile and never
set ``max_examples`` themselves (tests/test_hypothesis_profiles.py checks that).
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
from helpers import HAS_CUDA, REQUIRE_CUDA, choose_profile
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,  # as hypothesis's own CI profile: a red run is reproducible
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    max_examples=200,
    deadline=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = choose_profile()
settings.load_profile(PROFILE)

# The tests run small models: one thread each is fastest, and on a machine shared with
# other work (or with the other test process of `make test`) PyTorch's default of one
# thread per core makes them many times slower. dlbook itself never sets this.
torch.set_num_threads(1)


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


def pytest_report_header(config: pytest.Config) -> str:
    return f"hypothesis profile: {PROFILE} ({settings.default.max_examples} examples)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    fuzz = sys.modules.get("api_fuzz")
    if fuzz is not None and fuzz.RESULTS:
        terminalreporter.write_line(fuzz.summary_line())
        if fuzz.REPORT:
            fuzz.write_report(fuzz.REPORT)
            terminalreporter.write_line(f"api fuzz report: {fuzz.REPORT}")
