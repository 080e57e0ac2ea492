"""Tests of dlbook.precision: autocast types and the gradient scaler (training: test_training)."""

from __future__ import annotations

import pytest
import torch

from dlbook.precision import autocast_dtype, make_grad_scaler


def test_autocast_dtype_per_device():
    assert autocast_dtype("cpu") == torch.bfloat16
    assert autocast_dtype(torch.device("cuda")) == torch.float16
    with pytest.raises(ValueError, match="device must name a device"):
        autocast_dtype("tpu9")


def test_grad_scaler_is_enabled_only_for_float16_on_a_gpu():
    assert not make_grad_scaler("cpu", torch.bfloat16).is_enabled()
    assert not make_grad_scaler("cpu", torch.float16).is_enabled()
    assert not make_grad_scaler("cpu", None).is_enabled()
    with pytest.raises(TypeError, match="dtype must be a floating-point"):
        make_grad_scaler("cpu", torch.int8)


def test_float16_on_mps_gets_a_scaler_built_for_mps():
    # float16 underflows on Apple GPUs as on CUDA; PyTorch >= 2.8 scales gradients there.
    scaler = make_grad_scaler("mps", torch.float16)
    assert scaler.is_enabled()
    assert scaler._device == "mps"
    assert not make_grad_scaler("mps", torch.bfloat16).is_enabled()
    assert not make_grad_scaler("mps", None).is_enabled()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_float16_scaler_for_cuda_without_cuda_is_an_error():
    with pytest.raises(ValueError, match="CUDA is not available here"):
        make_grad_scaler("cuda", torch.float16)
    assert not make_grad_scaler("cuda", None).is_enabled()


def test_disabled_scaler_passes_loss_through():
    scaler = make_grad_scaler("cpu", None)
    loss = torch.tensor(2.5)
    assert scaler.scale(loss) is loss


@pytest.mark.cuda
def test_grad_scaler_enabled_for_float16_on_cuda(cuda_device):
    scaler = make_grad_scaler(cuda_device, torch.float16)
    assert scaler.is_enabled()
    assert scaler._device == "cuda"  # its scale and overflow flag live on the GPU
    assert float(scaler.scale(torch.tensor(1.0, device=cuda_device))) > 1.0
