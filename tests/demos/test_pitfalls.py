"""Tests of dlbook.demos.pitfalls: each demonstration shows its effect, leaving the model alone."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

import dlbook as dl
from dlbook.demos.pitfalls import (
    accumulated_gradient,
    batch_dependence,
    prediction_spread,
    saved_tensor_bytes,
    training_losses,
)


@pytest.fixture
def data():
    return dl.data.circles(64, seed=0)


def _same_state(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("calls", [1, 2, 4])
def test_gradients_accumulate_without_zero_grad(data, calls):
    X, y = data
    model = dl.mlp([2, 8, 2], seed=0)
    before = copy.deepcopy(model)
    once = accumulated_gradient(model, X, y, backward_calls=1)
    piled = accumulated_gradient(model, X, y, backward_calls=calls)
    zeroed = accumulated_gradient(model, X, y, backward_calls=calls, zero_grad=True)
    torch.testing.assert_close(piled, calls * once)
    torch.testing.assert_close(zeroed, once)
    assert _same_state(model, before)
    assert all(p.grad is None for p in model.parameters())


def test_accumulated_gradient_matches_autograd(data):
    X, y = data
    model = dl.mlp([2, 4, 2], seed=0)
    nn.functional.cross_entropy(model(X), y).backward()
    expected = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    torch.testing.assert_close(accumulated_gradient(model, X, y, backward_calls=1), expected)


def test_training_losses_zero_grad_helps_and_is_reproducible():
    X, y = dl.data.circles(200, seed=0)
    model = dl.mlp([2, 16, 16, 2], seed=0)
    good = training_losses(model, X, y, steps=100, lr=0.3, seed=0)
    again = training_losses(model, X, y, steps=100, lr=0.3, seed=0)
    bad = training_losses(model, X, y, steps=100, lr=0.3, zero_grad=False, seed=0)
    assert good == again and len(good) == 100
    assert good[0] == bad[0]  # the first step is the same either way
    assert sum(good[-20:]) < sum(bad[-20:])


def test_prediction_spread_train_vs_eval(data):
    X, _ = data
    model = dl.mlp([2, 16, 2], norm="batch", dropout=0.5, seed=0)
    before = copy.deepcopy(model)
    assert prediction_spread(model, X, mode="eval") == 0.0
    first = prediction_spread(model, X, mode="train", seed=0)
    assert first > 0
    assert prediction_spread(model, X, mode="train", seed=0) == first
    assert _same_state(model, before) and model.training


def test_prediction_spread_keeps_global_generator_when_seeded(data):
    X, _ = data
    torch.manual_seed(5)
    expected = torch.rand(1)
    torch.manual_seed(5)
    prediction_spread(dl.mlp([2, 4, 2], norm="batch", dropout=0.5, seed=0), X, seed=1)
    assert torch.equal(torch.rand(1), expected)


def test_batch_dependence_only_in_train_mode_with_batchnorm(data):
    X, _ = data
    model = dl.mlp([2, 16, 2], norm="batch", dropout=0.5, seed=0)
    assert batch_dependence(model, X + 1, mode="train") > 1e-3
    assert batch_dependence(model, X + 1, mode="eval") == 0.0
    no_bn = dl.mlp([2, 16, 2], dropout=0.5, seed=0)
    assert batch_dependence(no_bn, X + 1, mode="train") == 0.0


def test_saved_tensor_bytes(data):
    X, _ = data
    model = dl.mlp([2, 32, 32, 2], seed=0)
    assert saved_tensor_bytes(model, X, no_grad=True) == 0
    saved = saved_tensor_bytes(model, X)
    n = len(X)
    # Each distinct storage once: the input and the two ReLU outputs (each saved by its
    # ReLU and by the next layer), not the weights, which stay in memory anyway.
    assert saved == (n * 2 + 2 * n * 32) * 4
    with_weights = saved_tensor_bytes(model, X, parameters=True)
    assert with_weights - saved == (32 * 32 + 2 * 32) * 4  # W_2, W_3: W_1 is not needed
    assert saved_tensor_bytes(model, torch.cat([X, X])) == 2 * saved  # grows with the batch
    assert model.training
    with pytest.raises(TypeError, match="parameters must be a bool"):
        saved_tensor_bytes(model, X, parameters=1)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda X, y: accumulated_gradient("model", X, y),
            TypeError,
            "model must be a torch.nn.Module",
        ),
        (
            lambda X, y: accumulated_gradient(nn.Linear(2, 2), X, y.float()),
            TypeError,
            "integer class labels",
        ),
        (
            lambda X, y: accumulated_gradient(nn.Linear(2, 2), X, y[:3]),
            ValueError,
            "same number of samples",
        ),
        (
            lambda X, y: accumulated_gradient(nn.Linear(2, 2), X, y, backward_calls=0),
            ValueError,
            "backward_calls",
        ),
        (lambda X, y: training_losses(nn.Linear(2, 2), X, y, lr=0), ValueError, "lr must be > 0"),
        (
            lambda X, y: training_losses(nn.Linear(2, 2), X[:0], y[:0]),
            ValueError,
            "at least one sample",
        ),
        (
            lambda X, y: prediction_spread(nn.Linear(2, 2), X, mode="test"),
            ValueError,
            "mode must be one of",
        ),
        (
            lambda X, y: prediction_spread(nn.Linear(2, 2), X, repeats=1),
            ValueError,
            "repeats must be an integer >= 2",
        ),
        (lambda X, y: batch_dependence(nn.Linear(2, 2), X[:3]), ValueError, "at least 4 samples"),
        (
            lambda X, y: saved_tensor_bytes(nn.Linear(2, 2), X, no_grad=1),
            TypeError,
            "no_grad must be a bool",
        ),
    ],
)
def test_errors(data, call, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        call(X, y)


def test_training_losses_agrees_with_dl_train_where_they_overlap():
    X, y = dl.data.circles(96, seed=0)
    model = dl.mlp([2, 16, 2], seed=0)
    written_out = training_losses(model, X, y, steps=3 * 3, lr=0.1, batch_size=32, seed=4)
    history = dl.train(
        copy.deepcopy(model), X, y, optimizer="sgd", lr=0.1, epochs=3, batch_size=32, seed=4
    )
    assert written_out == pytest.approx(history.step_loss, rel=1e-6)


def test_dead_relu_units_stay_dead_and_elu_units_come_back() -> None:
    from dlbook.demos.pitfalls import dead_units

    before, after = dead_units("relu", steps=100, seed=1)
    assert before == 8 and after >= 8  # zero gradient: the silenced units never move
    assert dead_units("relu", steps=100, seed=1) == (before, after)  # seeded
    elu_before, elu_after = dead_units("elu", steps=100, seed=1)
    assert elu_before == 8 and elu_after < 8
    assert dead_units("leaky_relu", n_killed=0, steps=0)[0] <= 1  # few silent by chance
    with pytest.raises(ValueError, match="activation must be one of"):
        dead_units("tanh")
    with pytest.raises(ValueError, match=r"n_killed must be at most n_units=4, got 5"):
        dead_units("relu", n_units=4, n_killed=5)
    with pytest.raises(ValueError, match=r"negative_slope must be in \(0, 1\), got 1.5"):
        dead_units("leaky_relu", negative_slope=1.5)
