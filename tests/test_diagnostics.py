"""Tests of dlbook.diagnostics: gradient norms, the depth experiment, clipping."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dlbook.data import circles
from dlbook.diagnostics import (
    clip_grad_norm_,
    count_linear_pieces,
    gradient_norms,
    sigmoid_derivative_bound,
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


def test_count_linear_pieces_of_known_functions() -> None:
    assert count_linear_pieces(lambda x: 3 * x + 1) == 1
    assert count_linear_pieces(lambda x: torch.abs(x - 0.3), resolution=1001) == 2
    with pytest.raises(TypeError, match="f must be a function"):
        count_linear_pieces(3)
    with pytest.raises(ValueError, match="hi must be greater than lo"):
        count_linear_pieces(torch.sin, lo=1.0, hi=0.0)
