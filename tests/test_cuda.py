"""CUDA tests of the foundations: placement, training, seeding and state dicts across devices.

Every test carries the ``cuda`` marker: without a GPU they are skipped (see
conftest.py); on the GPU workflow they run and compare against the CPU.
"""

from __future__ import annotations

import io

import pytest
import torch

import dlbook as dl

pytestmark = pytest.mark.cuda


def test_get_device_prefers_cuda(cuda_device):
    assert dl.get_device().type == "cuda"
    assert dl.get_device("cuda").type == "cuda"
    assert dl.get_device("cpu").type == "cpu"
    assert dl.devices.describe_device(cuda_device).startswith("cuda: ")


def test_model_and_batch_placement(cuda_device):
    model = dl.mlp([2, 8, 2], seed=0).to(cuda_device)
    assert dl.devices.module_device(model).type == "cuda"
    X, _ = dl.data.circles(16, seed=0)
    out = model(X.to(cuda_device))
    assert out.device.type == "cuda"
    cpu_model = dl.mlp([2, 8, 2], seed=0)
    torch.testing.assert_close(out.cpu(), cpu_model(X), rtol=1e-4, atol=1e-5)


def test_train_on_cuda_matches_cpu(cuda_device):
    X, y = dl.data.circles(128, seed=0)
    histories, models = [], []
    for device in ("cpu", cuda_device):
        model = dl.mlp([2, 16, 2], seed=0)
        histories.append(
            dl.train(model, X, y, epochs=20, lr=0.01, batch_size=32, seed=0, device=device)
        )
        models.append(model)
    assert dl.devices.module_device(models[1]).type == "cuda"
    assert histories[1].loss == pytest.approx(histories[0].loss, rel=1e-3, abs=1e-4)
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        torch.testing.assert_close(b.detach().cpu(), a.detach(), rtol=1e-3, atol=1e-4)
    scores = dl.evaluate(models[1], X, y)
    assert scores["accuracy"] == pytest.approx(dl.evaluate(models[0], X, y)["accuracy"], abs=0.02)


def test_seed_everything_makes_cuda_draws_reproducible(cuda_device):
    dl.seed_everything(7)
    first = torch.randn(1000, device=cuda_device)
    dropout = torch.nn.functional.dropout(torch.ones(1000, device=cuda_device), 0.5)
    dl.seed_everything(7)
    assert torch.equal(torch.randn(1000, device=cuda_device), first)
    assert torch.equal(
        torch.nn.functional.dropout(torch.ones(1000, device=cuda_device), 0.5), dropout
    )
    dl.seed_everything(8)
    assert not torch.equal(torch.randn(1000, device=cuda_device), first)


def test_state_dict_saved_on_cuda_loads_on_cpu(cuda_device):
    model = dl.mlp([2, 8, 2], seed=0).to(cuda_device)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, map_location="cpu", weights_only=True)
    assert all(t.device.type == "cpu" for t in state.values())
    cpu_model = dl.mlp([2, 8, 2])
    cpu_model.load_state_dict(state)
    X = torch.randn(5, 2)
    torch.testing.assert_close(cpu_model(X), model(X.to(cuda_device)).cpu(), rtol=1e-4, atol=1e-5)


def test_state_dict_saved_on_cpu_loads_on_cuda(cuda_device):
    model = dl.mlp([2, 8, 2], seed=0)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, map_location=cuda_device, weights_only=True)
    assert all(t.device.type == "cuda" for t in state.values())
    gpu_model = dl.mlp([2, 8, 2]).to(cuda_device)
    gpu_model.load_state_dict(state)
    torch.testing.assert_close(gpu_model[0].weight.cpu(), model[0].weight)


def test_pitfall_demonstrations_run_on_cuda(cuda_device):
    X, y = dl.data.circles(64, seed=0)
    model = dl.mlp([2, 16, 2], norm="batch", dropout=0.5, seed=0)
    cpu_grad = dl.demos.pitfalls.accumulated_gradient(model, X, y, backward_calls=2)
    gpu_grad = dl.demos.pitfalls.accumulated_gradient(model.to(cuda_device), X, y, backward_calls=2)
    torch.testing.assert_close(gpu_grad, cpu_grad, rtol=1e-4, atol=1e-5)
    assert dl.demos.pitfalls.prediction_spread(model, X, mode="eval") == 0.0
    assert dl.demos.pitfalls.saved_tensor_bytes(model, X, no_grad=True) == 0


def test_a_training_step_never_waits_for_the_gpu(cuda_device):
    # dl.train reads the device once per epoch: inside a step nothing may synchronise
    # (float32, with clipping; a float16 scaler reads one overflow flag per step).
    from dlbook.training import TrainingStep

    model = dl.mlp([20, 64, 3], seed=0).to(cuda_device)
    step = TrainingStep(model, torch.optim.SGD(model.parameters(), lr=0.1), clip_grad_norm=1.0)
    X = torch.randn(32, 20, device=cuda_device)
    y = torch.randint(0, 3, (32,), device=cuda_device)
    step(X, y)  # warm-up: the first step builds the optimiser state
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        results = [step(X, y) for _ in range(3)]
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert all(r.loss.device.type == "cuda" for r in results)


def test_float16_training_unscales_before_clipping(cuda_device):
    # Against the CPU in float32: the recorded gradient norms are the true (unscaled)
    # ones, and clipping acts on them; without scaler.unscale_ they would be ~65536x larger.
    X, y = dl.data.circles(128, seed=0)
    options = dict(epochs=3, lr=0.05, batch_size=32, seed=0, optimizer="sgd", clip_grad_norm=0.5)
    cpu = dl.train(dl.mlp([2, 16, 2], seed=0), X, y, **options)
    gpu_model = dl.mlp([2, 16, 2], seed=0)
    gpu = dl.train(gpu_model, X, y, device=cuda_device, amp=torch.float16, **options)
    assert len(gpu.grad_norm) == len(cpu.grad_norm)
    assert gpu.grad_norm == pytest.approx(cpu.grad_norm, rel=2e-2, abs=1e-3)
    assert gpu.step_loss == pytest.approx(cpu.step_loss, rel=2e-2, abs=1e-3)
    assert not gpu.diverged


def test_matmul_error_and_clipping_run_on_cuda(cuda_device):
    # The float64 reference of matmul_error is computed on the host, on every device.
    low = dl.demos.precision.matmul_error(torch.float16, device=cuda_device)
    assert 1e-5 < low < 1e-2
    w = torch.zeros(2, device=cuda_device, requires_grad=True)
    w.grad = torch.tensor([3.0, 4.0], device=cuda_device)
    assert dl.diagnostics.clip_grad_norm_([w], 1.0) == pytest.approx(5.0)
    torch.testing.assert_close(w.grad.cpu(), torch.tensor([0.6, 0.8]))
