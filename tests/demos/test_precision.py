"""Tests of dlbook.demos.precision: the error of a product under autocast."""

from __future__ import annotations

import pytest
import torch

from dlbook.demos.precision import matmul_error


def test_matmul_error_orders_the_precisions():
    full = matmul_error(torch.float32, n=64)
    half = matmul_error(torch.bfloat16, n=64)
    assert full < 1e-6 < half < 1e-2
    assert matmul_error(torch.bfloat16, n=64, seed=0) == half
    with pytest.raises(TypeError, match="dtype must be a floating-point"):
        matmul_error(torch.int64)


@pytest.mark.cuda
def test_float16_matmul_error_on_cuda(cuda_device):
    assert matmul_error(torch.float16, device=cuda_device) < 1e-2
