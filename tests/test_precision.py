"""Tests of dlbook.precision: autocast types, the gradient scaler and mixed-precision training."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlbook as dl
from dlbook.precision import autocast_dtype, make_grad_scaler, train_mixed_precision


def test_autocast_dtype_per_device():
    assert autocast_dtype("cpu") == torch.bfloat16
    assert autocast_dtype(torch.device("cuda")) == torch.float16
    with pytest.raises(ValueError, match="device must name a device"):
        autocast_dtype("tpu9")


def test_grad_scaler_is_enabled_only_for_float16_on_cuda():
    assert not make_grad_scaler("cpu", torch.bfloat16).is_enabled()
    assert not make_grad_scaler("cpu", None).is_enabled()
    with pytest.raises(TypeError, match="dtype must be a floating-point"):
        make_grad_scaler("cpu", torch.int8)


def test_disabled_scaler_passes_loss_through():
    scaler = make_grad_scaler("cpu", None)
    loss = torch.tensor(2.5)
    assert scaler.scale(loss) is loss


def test_float32_training_matches_plain_sgd():
    X, y = dl.data.circles(32, seed=0)
    model = dl.mlp([2, 8, 2], seed=0)
    trained, losses = train_mixed_precision(
        model, X, y, dtype=None, epochs=3, batch_size=32, lr=0.1, seed=0
    )
    reference = dl.mlp([2, 8, 2], seed=0)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    expected = []
    for _ in range(3):  # one full batch per epoch: the order does not matter
        loss = nn.functional.cross_entropy(reference(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        expected.append(float(loss.detach()))
    assert losses == pytest.approx(expected, rel=1e-5)
    for a, b in zip(trained.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_bfloat16_training_on_cpu_follows_float32():
    X, y = dl.data.circles(128, seed=0)
    model = dl.mlp([2, 16, 2], seed=0)
    before = [p.detach().clone() for p in model.parameters()]
    _, full = train_mixed_precision(model, X, y, epochs=5, seed=0)
    low_model, low = train_mixed_precision(model, X, y, dtype=torch.bfloat16, epochs=5, seed=0)
    assert len(full) == len(low) == 10
    assert low_model[0].weight.dtype == torch.float32  # master weights stay float32
    assert max(abs(a - b) for a, b in zip(full, low, strict=True)) < 0.05
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": "mlp"}, TypeError, "model must be a torch.nn.Module"),
        ({"dtype": torch.int32}, TypeError, "dtype must be a floating-point"),
        ({"y": torch.zeros(16)}, TypeError, "integer class labels"),
        ({"y": torch.zeros(3, dtype=torch.long)}, ValueError, "same number of samples"),
        ({"epochs": 0}, ValueError, "epochs must be a positive integer"),
        ({"lr": 0.0}, ValueError, "lr must be > 0"),
    ],
)
def test_train_mixed_precision_errors(kwargs, error, match):
    args = {
        "model": nn.Linear(2, 2),
        "X": torch.zeros(16, 2),
        "y": torch.zeros(16, dtype=torch.long),
    }
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train_mixed_precision(args.pop("model"), args.pop("X"), args.pop("y"), **args)


@pytest.mark.cuda
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_mixed_precision_on_cuda_follows_cpu_float32(cuda_device, dtype):
    if dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    X, y = dl.data.circles(128, seed=0)
    model = dl.mlp([2, 16, 2], seed=0)
    _, cpu_losses = train_mixed_precision(model, X, y, epochs=5, device="cpu", seed=0)
    trained, gpu_losses = train_mixed_precision(
        model, X, y, dtype=dtype, epochs=5, device=cuda_device, seed=0
    )
    assert next(trained.parameters()).device.type == "cuda"
    assert next(trained.parameters()).dtype == torch.float32
    assert max(abs(a - b) for a, b in zip(cpu_losses, gpu_losses, strict=True)) < 0.05


@pytest.mark.cuda
def test_grad_scaler_enabled_for_float16_on_cuda(cuda_device):
    scaler = make_grad_scaler(cuda_device, torch.float16)
    assert scaler.is_enabled()
    assert float(scaler.scale(torch.tensor(1.0, device=cuda_device))) > 1.0
