"""Tests of dlbook.diagnostics: gradient norms, the depth experiment, clipping."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import available_devices
from torch import nn

from dlbook.data import circles
from dlbook.diagnostics import (
    GradientProfile,
    clip_grad_norm_,
    gradient_norms,
    plot_gradient_profiles,
    sigmoid_derivative_bound,
    vanishing_gradient_experiment,
)
from dlbook.models import mlp


def test_gradient_norms_match_autograd_and_leave_grad_alone():
    model = mlp([2, 5, 3], seed=0)
    X, y = circles(20, seed=0)
    norms = gradient_norms(model, X, y)
    assert list(norms) == ["0", "2"]
    loss = nn.functional.cross_entropy(model(X), y)
    loss.backward()
    assert norms["0"] == pytest.approx(float(model[0].weight.grad.norm()), rel=1e-5)
    assert norms["2"] == pytest.approx(float(model[2].weight.grad.norm()), rel=1e-5)
    model.zero_grad(set_to_none=True)
    gradient_norms(model, X, y)
    assert model[0].weight.grad is None


def test_gradient_norms_other_losses_and_conv():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 1))
    X = torch.randn(4, 1, 4, 4)
    norms = gradient_norms(model, X, torch.rand(4), loss="bce_with_logits")
    assert list(norms) == ["0", "2"] and all(v > 0 for v in norms.values())
    assert set(
        gradient_norms(nn.Linear(3, 2), torch.randn(5, 3), torch.randn(5, 2), loss="mse")
    ) == {""}


def test_gradient_norms_errors():
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        gradient_norms(lambda x: x, torch.zeros(2, 2), torch.zeros(2))
    with pytest.raises(ValueError, match="no linear or convolutional layer"):
        gradient_norms(nn.ReLU(), torch.zeros(2, 2), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="same number of samples"):
        gradient_norms(nn.Linear(2, 2), torch.zeros(3, 2), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="at least one sample"):
        gradient_norms(nn.Linear(2, 2), torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))


def test_experiment_shows_vanishing_and_remedies():
    profiles = vanishing_gradient_experiment(
        depths=(5, 20),
        activations=("sigmoid", "relu"),
        inits=("default", "he"),
        width=16,
        n_samples=64,
    )
    assert len(profiles) == 8 and all(isinstance(p, GradientProfile) for p in profiles)
    by = {(p.depth, p.activation, p.init): p for p in profiles}
    assert by[20, "sigmoid", "default"].norms.shape == (21,)
    # deeper sigmoid nets: the first layer's gradient shrinks by orders of magnitude
    assert by[20, "sigmoid", "default"].norms[0] < 1e-6 * by[5, "sigmoid", "default"].norms[0]
    # ReLU with He initialisation keeps the first and last layers within a factor of 100
    assert 1e-2 < by[20, "relu", "he"].ratio < 1e2
    common = {
        "depths": 20,
        "activations": "sigmoid",
        "inits": "default",
        "width": 16,
        "n_samples": 64,
    }
    residual = vanishing_gradient_experiment(residual=True, **common)
    batch = vanishing_gradient_experiment(norm="batch", **common)
    assert residual[0].ratio > 1e6 * by[20, "sigmoid", "default"].ratio
    assert batch[0].ratio > 1e-2
    assert residual[0].label == "sigmoid, default, residual"
    assert batch[0].label == "sigmoid, default, batch norm"


def test_experiment_is_reproducible_and_validates():
    a = vanishing_gradient_experiment(depths=3, activations="tanh", inits="xavier", seed=1)
    b = vanishing_gradient_experiment(depths=3, activations="tanh", inits="xavier", seed=1)
    torch.testing.assert_close(a[0].norms, b[0].norms)
    with pytest.raises(ValueError, match="activations must be one of"):
        vanishing_gradient_experiment(activations="softplus")
    with pytest.raises(ValueError, match="inits must be one of"):
        vanishing_gradient_experiment(inits=["he", "zero"])
    with pytest.raises(ValueError, match="depths must be a positive integer"):
        vanishing_gradient_experiment(depths=[0])
    with pytest.raises(ValueError, match="depths must not be empty"):
        vanishing_gradient_experiment(depths=[])
    with pytest.raises(ValueError, match="inits must not be empty"):
        vanishing_gradient_experiment(inits=[])
    with pytest.raises(ValueError, match="norm must be one of"):
        vanishing_gradient_experiment(norm="group")


def test_plot_gradient_profiles():
    profiles = vanishing_gradient_experiment(depths=4, activations="relu", inits=("default", "he"))
    ax = plot_gradient_profiles(profiles)
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    assert len(plot_gradient_profiles(profiles[0]).lines) == 1
    with pytest.raises(TypeError, match="profiles must be a non-empty list"):
        plot_gradient_profiles([])


def test_sigmoid_bound():
    assert sigmoid_derivative_bound(0) == 1.0
    assert sigmoid_derivative_bound(10) == 0.25**10
    z = torch.linspace(-10, 10, 1001)
    assert float((torch.sigmoid(z) * (1 - torch.sigmoid(z))).max()) <= sigmoid_derivative_bound(1)
    with pytest.raises(ValueError, match="depth must be an integer >= 0"):
        sigmoid_derivative_bound(-1)


def _with_grads(seed: int) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    params = [torch.zeros(3, 2, requires_grad=True), torch.zeros(4, requires_grad=True)]
    for p in params:
        p.grad = 10 * torch.randn(p.shape, generator=gen)
    return params


@pytest.mark.parametrize("max_norm", [0.5, 5.0, 1e6])
def test_clip_grad_norm_matches_torch(max_norm):
    ours, theirs = _with_grads(0), _with_grads(0)
    total = clip_grad_norm_(ours, max_norm)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm)
    assert total == pytest.approx(float(expected), rel=1e-6)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a.grad, b.grad)
    assert (
        math.sqrt(sum(float((p.grad**2).sum()) for p in ours)) <= max_norm * (1 + 1e-5)
        or max_norm > total
    )


def test_clip_grad_norm_edge_cases():
    w = torch.zeros(2, requires_grad=True)
    assert clip_grad_norm_([w], 1.0) == 0.0
    w.grad = torch.tensor([3.0, 4.0])
    assert clip_grad_norm_(w, 10.0) == 5.0
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        clip_grad_norm_([w], 0.0)


@pytest.mark.cuda
@pytest.mark.parametrize("device", available_devices())
def test_experiment_on_device_matches_cpu(device):
    cpu = vanishing_gradient_experiment(depths=6, activations="tanh", inits="xavier")
    dev = vanishing_gradient_experiment(depths=6, activations="tanh", inits="xavier", device=device)
    torch.testing.assert_close(dev[0].norms, cpu[0].norms, rtol=1e-3, atol=1e-6)
