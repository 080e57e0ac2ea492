"""How much precision a matrix product loses under autocast, measured against float64."""

from __future__ import annotations

import torch

from .._validation import as_available_device, check_int, describe
from ..seeding import make_generator

__all__ = ["matmul_error"]


def matmul_error(
    dtype: torch.dtype,
    *,
    n: int = 256,
    device: torch.device | str = "cpu",
    seed: int | None = 0,
) -> float:
    """Relative error of a matrix product under autocast with ``dtype``, against float64.

    Parameters
    ----------
    dtype : torch.dtype
        ``torch.float32`` (autocast off), ``torch.bfloat16`` or ``torch.float16``.
    n : int, default 256
        Size of the two random square matrices.
    device : torch.device or str, default "cpu"
    seed : int, optional
        Seed of the matrices.

    Returns
    -------
    float
        ``||C - C64|| / ||C64||`` in the Frobenius norm.

    Examples
    --------
    >>> matmul_error(torch.float32) < 1e-6 < matmul_error(torch.bfloat16) < 1e-2
    True
    """
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {describe(dtype)}")
    n = check_int("n", n, minimum=1)
    device = as_available_device("device", device)
    generator = make_generator(seed)
    A = torch.randn(n, n, generator=generator, dtype=torch.float64)
    B = torch.randn(n, n, generator=generator, dtype=torch.float64)
    exact = A @ B
    A32, B32 = A.float().to(device), B.float().to(device)
    low = dtype != torch.float32
    with torch.autocast(device.type, dtype=dtype if low else torch.float32, enabled=low):
        C = A32 @ B32
    C = C.cpu().double()  # float64 on the host: MPS has no float64
    return float(torch.linalg.norm(C - exact) / torch.linalg.norm(exact))
