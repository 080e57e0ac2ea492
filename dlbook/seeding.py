"""Reproducibility: seeding a whole chapter, seeded construction and seeded generators.

Three helpers, and the one rule behind them: ``seed=None`` means fresh
randomness, a given integer means the same draws every time.

* :func:`seed_everything` seeds Python's, NumPy's and PyTorch's global
  generators, once, at the top of a chapter;
* :func:`seeded` runs a block (building a model, drawing initial weights)
  with PyTorch's global generators seeded, and restores them afterwards;
* :func:`make_generator` returns a ``torch.Generator`` of its own, for the
  functions that draw (shuffling, data, masks) without touching global state.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from ._validation import check_int, check_seed

__all__ = ["make_generator", "seed_everything", "seeded"]


def seed_everything(seed: int, *, deterministic: bool = False) -> int:
    """Seed Python's, NumPy's and PyTorch's generators (CPU and every CUDA device).

    Parameters
    ----------
    seed : int
        A non-negative integer below 2**32.
    deterministic : bool, default False
        Also ask PyTorch for deterministic algorithms (slower on GPUs; some
        operations then raise instead of running non-deterministically).

    Returns
    -------
    int
        The seed, so that a chapter can print or glue it.

    Examples
    --------
    >>> import torch
    >>> _ = seed_everything(0)
    >>> a = torch.rand(2)
    >>> _ = seed_everything(0)
    >>> torch.equal(a, torch.rand(2))
    True
    """
    seed = check_int("seed", seed, minimum=0)
    if seed >= 2**32:
        raise ValueError(f"seed must be below 2**32, got {seed}")
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global generator is what people use
    torch.manual_seed(seed)  # also seeds every CUDA device
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return seed


@contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Run a block with PyTorch's global generators seeded, then restore them.

    Inside the block the CPU generator and every CUDA generator are seeded
    with ``seed`` (``torch.manual_seed``); on leaving it their states are put
    back as they were (``torch.random.fork_rng``), so seeded construction
    never changes what the rest of a program draws. With ``seed=None`` the
    block runs on the global generators as they are (fresh randomness, or
    whatever :func:`seed_everything` set).

    Parameters
    ----------
    seed : int or None
        A non-negative integer, or None for no seeding.

    Yields
    ------
    None

    Examples
    --------
    >>> with seeded(0):
    ...     first = torch.nn.Linear(2, 2).weight
    >>> with seeded(0):
    ...     second = torch.nn.Linear(2, 2).weight
    >>> torch.equal(first, second)
    True
    """
    seed = check_seed("seed", seed)
    if seed is None:
        yield
        return
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def make_generator(seed: int | None = None) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with ``seed``, or from fresh entropy when it is None.

    Every function of dlbook that draws random numbers takes ``seed=`` and
    builds its generator here, so ``seed=None`` means the same everywhere:
    fresh, unrepeatable randomness that does not depend on (or change) the
    global generators.

    Parameters
    ----------
    seed : int, optional
        A non-negative integer.

    Returns
    -------
    torch.Generator

    Examples
    --------
    >>> a = torch.rand(3, generator=make_generator(0))
    >>> torch.equal(a, torch.rand(3, generator=make_generator(0)))
    True
    >>> torch.equal(a, torch.rand(3, generator=make_generator()))
    False
    """
    seed = check_seed("seed", seed)
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    return generator
