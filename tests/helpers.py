"""Helpers shared by the unit tests (imported as ``from helpers import ...``)."""

from __future__ import annotations

import os
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]

HAS_CUDA = torch.cuda.is_available()
#: On the GPU workflow a missing GPU is an error, not a reason to skip.
REQUIRE_CUDA = os.environ.get("DLBOOK_REQUIRE_CUDA") == "1"


def available_devices() -> list[str]:
    """The devices to parametrise device tests over: the CPU, plus CUDA when present."""
    return ["cpu", "cuda"] if HAS_CUDA else ["cpu"]


def choose_profile() -> str:
    """HYPOTHESIS_PROFILE, else "ci" on a CI runner (CI=true), else "dev"."""
    default = "ci" if os.environ.get("CI", "").lower() == "true" else "dev"
    return os.environ.get("HYPOTHESIS_PROFILE", default)
