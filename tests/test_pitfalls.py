"""Tests of dlbook.pitfalls: each demonstration shows its effect and leaves the model alone."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

import dlbook as dl
from dlbook.pitfalls import (
    accumulated_gradient,
    batch_dependence,
    dropout_batchnorm_mlp,
    patient_data,
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


def test_dropout_batchnorm_mlp_layout_and_seed():
    model = dropout_batchnorm_mlp([2, 8, 8, 3], dropout=0.2, seed=1)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout"] * 2 + ["Linear"]
    assert model[3].p == 0.2
    assert _same_state(model, dropout_batchnorm_mlp([2, 8, 8, 3], dropout=0.2, seed=1))
    plain = dropout_batchnorm_mlp([2, 8, 2], batch_norm=False, seed=0)
    assert [type(m).__name__ for m in plain] == ["Linear", "ReLU", "Dropout", "Linear"]


def test_dropout_batchnorm_mlp_does_not_touch_the_global_generator():
    torch.manual_seed(3)
    expected = torch.rand(1)
    torch.manual_seed(3)
    dropout_batchnorm_mlp([2, 4, 2], seed=0)
    assert torch.equal(torch.rand(1), expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sizes": [2]}, ValueError, "at least an input and an output"),
        ({"sizes": "2,3"}, TypeError, "sequence of layer widths"),
        ({"sizes": [2, 0, 2]}, ValueError, r"sizes\[1\] must be a positive integer"),
        ({"sizes": [2, 2], "dropout": 1.0}, ValueError, r"dropout must lie in \[0, 1\)"),
        ({"sizes": [2, 2], "seed": -1}, ValueError, "seed must be an integer >= 0"),
    ],
)
def test_dropout_batchnorm_mlp_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        dropout_batchnorm_mlp(**kwargs)


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
    model = dropout_batchnorm_mlp([2, 16, 2], seed=0)
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
    prediction_spread(dropout_batchnorm_mlp([2, 4, 2], seed=0), X, seed=1)
    assert torch.equal(torch.rand(1), expected)


def test_batch_dependence_only_in_train_mode_with_batchnorm(data):
    X, _ = data
    model = dropout_batchnorm_mlp([2, 16, 2], seed=0)
    assert batch_dependence(model, X + 1, mode="train") > 1e-3
    assert batch_dependence(model, X + 1, mode="eval") == 0.0
    no_bn = dropout_batchnorm_mlp([2, 16, 2], batch_norm=False, seed=0)
    assert batch_dependence(no_bn, X + 1, mode="train") == 0.0


def test_saved_tensor_bytes(data):
    X, _ = data
    model = dl.mlp([2, 32, 32, 2], seed=0)
    assert saved_tensor_bytes(model, X, no_grad=True) == 0
    saved = saved_tensor_bytes(model, X)
    assert saved >= 2 * 64 * 32 * 4  # at least the two hidden activations
    assert saved_tensor_bytes(model, torch.cat([X, X])) > saved  # grows with the batch
    assert model.training


def test_patient_data_structure_and_seed():
    X, y, groups = patient_data(6, 4, n_features=3, seed=0)
    assert X.shape == (24, 3) and X.dtype == torch.float32
    assert groups.tolist() == [g for g in range(6) for _ in range(4)]
    per_patient = y.reshape(6, 4)
    assert bool((per_patient == per_patient[:, :1]).all())
    assert int(per_patient[:, 0].sum()) == 3  # half of the patients in each class
    X2, y2, g2 = patient_data(6, 4, n_features=3, seed=0)
    assert torch.equal(X, X2) and torch.equal(y, y2) and torch.equal(groups, g2)
    Xn, _, _ = patient_data(6, 4, n_features=3, noise=0.0, signal=0.0, seed=0)
    assert bool((Xn.reshape(6, 4, 3) == Xn.reshape(6, 4, 3)[:, :1]).all())


def test_random_split_overestimates_and_group_split_is_honest():
    X, y, groups = patient_data(30, 8, seed=0)
    Xtr, Xte, ytr, yte = dl.data.train_test_split(X, y, test_size=0.3, seed=0)
    Gtr, Gte, gytr, gyte, gtr, gte = dl.data.group_train_test_split(
        X, y, groups, groups=groups, test_size=0.3, seed=0
    )
    assert not set(gtr.tolist()) & set(gte.tolist())
    scores = []
    for a, b, c, d in ((Xtr, Xte, ytr, yte), (Gtr, Gte, gytr, gyte)):
        model = dl.mlp([10, 32, 2], seed=0)
        dl.train(model, a, c, epochs=60, lr=0.02)
        scores.append(dl.evaluate(model, b, d)["accuracy"])
    assert scores[0] > scores[1]


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
        (lambda X, y: patient_data(1), ValueError, "n_patients must be an integer >= 2"),
        (lambda X, y: patient_data(4, noise=-1.0), ValueError, "noise must be >= 0"),
    ],
)
def test_errors(data, call, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        call(X, y)
