"""Tests of dlbook.perceptron: McCulloch-Pitts units, the perceptron and its plots."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from helpers import available_devices
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import data, perceptron


def test_binary_inputs_enumerates_all_vectors():
    inputs = perceptron.binary_inputs(3)
    assert inputs.shape == (8, 3) and inputs.dtype == torch.int64
    assert inputs.tolist() == [list(t) for t in itertools.product([0, 1], repeat=3)]


@pytest.mark.parametrize(
    ("n", "error", "match"),
    [(0, ValueError, "positive"), (17, ValueError, "at most 16"), (2.0, TypeError, "integer")],
)
def test_binary_inputs_errors(n, error, match):
    with pytest.raises(error, match=match):
        perceptron.binary_inputs(n)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_mcculloch_pitts_or_and_and(n):
    x = perceptron.binary_inputs(n)
    assert torch.equal(perceptron.mcculloch_pitts(x, 1), x.max(dim=1).values)
    assert torch.equal(perceptron.mcculloch_pitts(x, n), x.min(dim=1).values)


def test_mcculloch_pitts_single_vector_and_bool_input():
    assert int(perceptron.mcculloch_pitts(torch.tensor([1, 0, 1]), 2)) == 1
    assert int(perceptron.mcculloch_pitts(np.array([True, False]), 2)) == 0


@pytest.mark.parametrize(
    ("x", "threshold", "error", "match"),
    [
        ([0, 2], 1, ValueError, "x must hold only 0s and 1s"),
        ([[[0]]], 1, ValueError, "x must have 1 or 2 dimension"),
        ([0, 1], "1", TypeError, "threshold must be a real number"),
    ],
)
def test_mcculloch_pitts_errors(x, threshold, error, match):
    with pytest.raises(error, match=match):
        perceptron.mcculloch_pitts(x, threshold)


def test_find_threshold_for_known_functions():
    x = perceptron.binary_inputs(3)
    assert perceptron.find_threshold(x.max(dim=1).values) == 1
    assert perceptron.find_threshold(x.min(dim=1).values) == 3
    assert perceptron.find_threshold((x.sum(dim=1) >= 2).long()) == 2
    assert perceptron.find_threshold(torch.ones(8, dtype=torch.long)) == 0
    assert perceptron.find_threshold(torch.zeros(8, dtype=torch.long)) == 4
    assert perceptron.find_threshold([0, 1, 1, 0]) is None  # XOR
    assert perceptron.find_threshold([0, 1, 0, 1]) is None  # depends on which input is on


@pytest.mark.parametrize(
    ("targets", "match"),
    [
        ([0, 1, 1], "2 \\*\\* n_inputs entries"),
        ([1], "2 \\*\\* n_inputs entries"),
        ([[0, 1]], "one-dimensional"),
        ([0, 3], "only 0s and 1s"),
    ],
)
def test_find_threshold_errors(targets, match):
    with pytest.raises(ValueError, match=match):
        perceptron.find_threshold(targets)


def test_predict_and_update_by_hand():
    X = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    assert perceptron.perceptron_predict(X, [1.0, 1.0], -1.0).tolist() == [0, 1, 0]
    w, b = perceptron.perceptron_update(
        torch.tensor([1.0, 1.0]), -1.0, torch.tensor([2.0, 0.0]), 0, lr=0.5
    )
    torch.testing.assert_close(w, torch.tensor([0.0, 1.0]))
    torch.testing.assert_close(b, torch.tensor(-1.5))
    same = perceptron.perceptron_update(w, b, torch.tensor([0.0, 3.0]), 1)
    torch.testing.assert_close(same[0], w)  # correctly classified: no change


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (([1.0, 1.0], 0.0, [1.0], 1), {}, ValueError, r"x must have shape \(2,\)"),
        (([1.0, 1.0], 0.0, [1.0, 0.0], 2), {}, ValueError, "y must be 0 or 1"),
        (([1.0, 1.0], 0.0, [1.0, 0.0], True), {}, ValueError, "y must be 0 or 1"),
        (([1.0, 1.0], 0.0, [1.0, 0.0], 1), {"lr": 0.0}, ValueError, "lr must be > 0"),
        (([[1.0]], 0.0, [1.0], 1), {}, ValueError, "w must have 1 dimension"),
        (([1.0], [0.0], [1.0], 1), {}, ValueError, "b must have 0 dimension"),
    ],
)
def test_update_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        perceptron.perceptron_update(*args, **kwargs)


def test_predict_errors():
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 3\)"):
        perceptron.perceptron_predict(torch.zeros(4, 2), torch.zeros(3), 0.0)


def test_fit_learns_and_or_nand_but_not_xor():
    X = perceptron.binary_inputs(2)
    for y in (X[:, 0] & X[:, 1], X[:, 0] | X[:, 1], 1 - (X[:, 0] & X[:, 1])):
        model = perceptron.Perceptron(2)
        result = model.fit(X, y)
        assert result.converged and result.mistakes[-1] == 0
        assert result.epochs == len(result.mistakes)
        assert result.updates == sum(result.mistakes)
        assert torch.equal(model.predict(X), y)
    result = perceptron.Perceptron(2).fit(*data.xor(), max_epochs=40)
    assert not result.converged and result.epochs == 40
    assert min(result.mistakes) > 0


def test_fit_matches_a_hand_written_loop_and_records_the_path():
    X, y = data.blobs(30, seed=0)
    model = perceptron.Perceptron(2, lr=0.5)
    result = model.fit(X, y, record=True)
    w, b = torch.zeros(2), torch.zeros(())
    for _ in range(result.epochs):
        for xi, yi in zip(X, y.tolist(), strict=True):
            w, b = perceptron.perceptron_update(w, b, xi, yi, lr=0.5)
    torch.testing.assert_close(model.weight, w)
    torch.testing.assert_close(model.bias, b)
    assert len(result.path) == result.updates + 1
    torch.testing.assert_close(result.path[-1][0], w)
    assert torch.equal(result.path[0][0], torch.zeros(2))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), margin=st.floats(0.3, 1.5))
def test_fit_converges_on_separable_blobs_within_the_novikoff_bound(seed, margin):
    X, y = data.blobs(40, margin=margin, seed=seed)
    model = perceptron.Perceptron(2)
    result = model.fit(X, y, max_epochs=1000)
    assert result.converged
    assert torch.equal(model.predict(X), y)
    # Novikoff: updates <= (R / gamma)^2 with the separator u = (1, 1, 0) / sqrt(2) on (x, 1).
    radius_sq = float((X.double() ** 2).sum(dim=1).max()) + 1.0
    gamma = margin / 2
    assert result.updates <= radius_sq / gamma**2


def test_fit_shuffle_is_seeded():
    X, y = data.blobs(30, std=1.2, margin=0.1, seed=3)
    a = perceptron.Perceptron(2).fit(X, y, shuffle=True, seed=1, record=True)
    b = perceptron.Perceptron(2).fit(X, y, shuffle=True, seed=1, record=True)
    assert a.mistakes == b.mistakes
    assert all(torch.equal(p[0], q[0]) for p, q in zip(a.path, b.path, strict=True))


def test_decision_function_and_repr():
    model = perceptron.Perceptron(3, lr=0.1)
    model.weight = torch.tensor([1.0, -1.0, 2.0])
    model.bias = torch.tensor(0.5)
    X = torch.tensor([[1.0, 1.0, 1.0], [0.0, 1.0, -1.0]])
    torch.testing.assert_close(model.decision_function(X), torch.tensor([2.5, -2.5]))
    assert model.predict(X).tolist() == [1, 0]
    assert repr(model) == "Perceptron(n_features=3, lr=0.1)"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: perceptron.Perceptron(0), ValueError, "n_features must be a positive integer"),
        (lambda: perceptron.Perceptron(2, lr=-1.0), ValueError, "lr must be > 0"),
        (
            lambda: perceptron.Perceptron(2).predict(torch.zeros(3, 3)),
            ValueError,
            r"X must have shape \(n_samples, 2\)",
        ),
        (
            lambda: perceptron.Perceptron(2).fit(
                torch.zeros(3, 2), torch.zeros(4, dtype=torch.long)
            ),
            ValueError,
            "same number of samples",
        ),
        (
            lambda: perceptron.Perceptron(2).fit(torch.zeros(2, 2), torch.tensor([0, 5])),
            ValueError,
            "y must hold only 0s and 1s",
        ),
        (
            lambda: perceptron.Perceptron(2).fit(
                torch.zeros(2, 2), torch.zeros(2, 1, dtype=torch.long)
            ),
            ValueError,
            r"y must have shape \(n_samples,\)",
        ),
        (
            lambda: perceptron.Perceptron(2).fit(
                torch.zeros(2, 2), torch.zeros(2, dtype=torch.long), max_epochs=0
            ),
            ValueError,
            "max_epochs must be a positive integer",
        ),
    ],
)
def test_perceptron_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_plot_boundary_line_lies_on_the_boundary_and_arrow_is_w():
    _, ax = plt.subplots()
    out = perceptron.plot_boundary(torch.tensor([1.0, 1.0]), -1.0, ax=ax, label="b")
    assert out is ax
    xs, ys = ax.lines[0].get_data()
    np.testing.assert_allclose(np.asarray(xs) + np.asarray(ys), 1.0, atol=1e-9)
    arrow = ax.texts[0]
    start, end = np.array(arrow.xyann), np.array(arrow.xy)
    np.testing.assert_allclose(end - start, np.array([1.0, 1.0]) / np.sqrt(2), atol=1e-9)
    assert ax.get_xlim() == (-2.0, 2.0)


def test_plot_boundary_vertical_line_and_options():
    ax = perceptron.plot_boundary(np.array([2.0, 0.0]), 1.0, shade=False, normal=False)
    xs, _ = ax.lines[0].get_data()
    np.testing.assert_allclose(xs, -0.5, atol=1e-9)
    assert not ax.texts and not ax.collections


@pytest.mark.parametrize(
    ("w", "b", "kwargs", "error", "match"),
    [
        ([0.0, 0.0], 0.0, {}, ValueError, "w must not be the zero vector"),
        ([1.0, 0.0, 1.0], 0.0, {}, ValueError, r"w must have shape \(2,\)"),
        ([1.0, 0.0], 0.0, {"extent": (1, 0, 0, 1)}, ValueError, "extent must be"),
        ([1.0, 0.0], 0.0, {"ax": "axes"}, TypeError, "ax must be a matplotlib Axes"),
    ],
)
def test_plot_boundary_errors(w, b, kwargs, error, match):
    with pytest.raises(error, match=match):
        perceptron.plot_boundary(w, b, **kwargs)


@pytest.mark.parametrize("device", available_devices())
def test_perceptron_accepts_inputs_on_any_device(device):
    X = perceptron.binary_inputs(2).to(device)
    y = (X[:, 0] | X[:, 1]).cpu()
    model = perceptron.Perceptron(2)
    assert model.fit(X, y).converged
    assert torch.equal(model.predict(X).cpu(), y)
    w = torch.tensor([1.0, 1.0], device=device)
    out = perceptron.perceptron_predict(X.float(), w, -0.5)
    assert out.device.type == torch.device(device).type
