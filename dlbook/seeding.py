"""Reproducibility: one call seeds every random number generator a chapter uses."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from ._validation import check_int

__all__ = ["seed_everything"]


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
