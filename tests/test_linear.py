"""Tests of dlbook.linear: least squares, McCulloch-Pitts units and the perceptron."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from helpers import available_devices
from hypothesis import given
from hypothesis import strategies as st

from dlbook import data, linear


def _line_design(n=40, seed=0):
    x, y = data.noisy_line(n, seed=seed)
    return torch.stack([torch.ones_like(x), x], dim=1), y


def test_mean_squared_error():
    assert linear.mean_squared_error(torch.tensor([1.0, 3.0]), [0.0, 0.0]) == 5.0
    with pytest.raises(ValueError, match="same number of samples"):
        linear.mean_squared_error([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="at least one value"):
        linear.mean_squared_error(torch.zeros(0), torch.zeros(0))
    with pytest.raises(ValueError, match="y_pred must have 1 dimension"):
        linear.mean_squared_error(torch.zeros(2, 1), torch.zeros(2))


def test_gradient_matches_autograd():
    X, y = _line_design()
    X, y = X.double(), y.double()
    w = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    ((X @ w - y) ** 2).mean().backward()
    torch.testing.assert_close(linear.mse_gradient(X, y, w.detach()), w.grad)


@given(seed=st.integers(0, 1000), n=st.integers(3, 30), d=st.integers(1, 3))
def test_gradient_is_zero_at_the_closed_form_solution(seed, n, d):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.randn(n, generator=g, dtype=torch.float64)
    w = linear.least_squares(X, y)
    assert w.dtype == torch.float64 and w.shape == (d,)
    torch.testing.assert_close(
        linear.mse_gradient(X, y, w), torch.zeros(d, dtype=torch.float64), atol=1e-8, rtol=0
    )


def test_least_squares_recovers_an_exact_line_and_integer_input():
    X = torch.tensor([[1, 0], [1, 1], [1, 2], [1, 3]])
    w = linear.least_squares(X, torch.tensor([1, 3, 5, 7]))
    assert w.dtype == torch.float32
    torch.testing.assert_close(w, torch.tensor([1.0, 2.0]))


def test_least_squares_with_dependent_columns_is_the_least_norm_minimum_every_call():
    # Columns 0, 2 and 3 are equal: LAPACK's gelsy (torch's CPU default) put the rank
    # of this X at 1 on about one call in ten, and returned weights with a larger error.
    X = torch.tensor([[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [-1.2, -0.4], [0.9, 1.1], [0.1, -0.7]])
    X = torch.cat([X, X[:, :1], X[:, :1]], dim=1)
    y = torch.tensor([0.3, 1.2, -0.4, 0.8, 2.0, -1.0])
    expected = torch.linalg.pinv(X.double()) @ y.double()
    for _ in range(100):
        w = linear.least_squares(X, y)
        torch.testing.assert_close(w.double(), expected, atol=1e-6, rtol=0)


def test_least_squares_rcond_treats_float32_dependence_as_dependence():
    # Fahrenheit = 1.8 Celsius + 32, computed in float32: dependent only up to rounding.
    c = torch.linspace(-10.0, 30.0, 20)
    X = torch.stack([torch.ones_like(c), c, 1.8 * c + 32], dim=1)
    y = torch.randn(20, generator=torch.Generator().manual_seed(0)) + 0.5 * c
    exact = torch.stack([torch.ones(20), c, 1.8 * c + 32], dim=1).double()  # float64 columns
    exact[:, 2] = 1.8 * exact[:, 1] + 32
    least_norm = torch.linalg.pinv(exact) @ y.double()
    assert linear.least_squares(X, y).abs().max() > 1e4  # full rank in float64: huge weights
    w = linear.least_squares(X, y, rcond=1e-6)
    torch.testing.assert_close(w.double(), least_norm, atol=1e-4, rtol=1e-4)
    with pytest.raises(ValueError, match=r"rcond must be in \[0, 1\), got 1.0"):
        linear.least_squares(X, y, rcond=1.0)
    with pytest.raises(ValueError, match="rcond"):
        linear.least_squares(X, y, rcond=-1e-3)
    with pytest.raises(TypeError, match="rcond must be a real number"):
        linear.least_squares(X, y, rcond="small")


def test_gradient_descent_matches_closed_form_and_loss_decreases():
    X, y = _line_design()
    result = linear.least_squares_gd(X, y, lr=0.5, steps=300)
    torch.testing.assert_close(result.weights, linear.least_squares(X, y), atol=1e-4, rtol=0)
    assert len(result.losses) == 301 and result.path.shape == (301, 2)
    assert all(a >= b - 1e-7 for a, b in itertools.pairwise(result.losses))
    torch.testing.assert_close(result.path[-1], result.weights)


def test_gradient_descent_step_and_start():
    X, y = _line_design()
    w0 = torch.tensor([1.0, -1.0])
    one = linear.gradient_descent_step(X, y, w0, 0.1)
    torch.testing.assert_close(one, w0 - 0.1 * linear.mse_gradient(X, y, w0))
    result = linear.least_squares_gd(X, y, lr=0.1, steps=1, w0=w0)
    torch.testing.assert_close(result.weights, one)
    assert linear.least_squares_gd(X, y, steps=0).losses == [
        linear.mean_squared_error(torch.zeros(len(y)), y)
    ]


def test_max_stable_lr_separates_convergence_from_divergence():
    X, y = _line_design()
    limit = linear.max_stable_lr(X)
    hessian = 2 / len(X) * X.double().T @ X.double()
    assert limit == pytest.approx(2 / float(torch.linalg.eigvalsh(hessian).max()))
    ok = linear.least_squares_gd(X, y, lr=0.95 * limit, steps=400)
    torch.testing.assert_close(ok.weights, linear.least_squares(X, y), atol=1e-3, rtol=0)
    bad = linear.least_squares_gd(X, y, lr=1.05 * limit, steps=200)
    assert bad.losses[-1] > bad.losses[0]
    assert linear.max_stable_lr(torch.zeros(3, 2)) == float("inf")


def test_gradient_descent_divergence_is_reported():
    X, y = _line_design()
    with pytest.raises(ValueError, match=r"diverged at step \d+: lr=50\.0 is too large"):
        linear.least_squares_gd(X, y, lr=50.0, steps=1000)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda X, y: linear.least_squares(X, y[:-1]), ValueError, "same number of samples"),
        (lambda X, y: linear.least_squares(X[:, 0], y), ValueError, "X must have 2 dimension"),
        (
            lambda X, y: linear.mse_gradient(X, y, torch.zeros(3)),
            ValueError,
            r"w must have shape \(2,\)",
        ),
        (
            lambda X, y: linear.gradient_descent_step(X, y, torch.zeros(2), 0.0),
            ValueError,
            "lr must be > 0",
        ),
        (
            lambda X, y: linear.least_squares_gd(X, y, steps=-1),
            ValueError,
            "steps must be an integer >= 0",
        ),
        (
            lambda X, y: linear.least_squares_gd(X, y, w0=torch.zeros(1)),
            ValueError,
            r"w0 must have shape \(2,\)",
        ),
        (lambda X, y: linear.max_stable_lr(torch.zeros(0, 2)), ValueError, "at least one row"),
        (lambda X, y: linear.least_squares(X, "y"), TypeError, "y must be a tensor or array"),
        (
            lambda X, y: linear.polynomial_fit(torch.zeros(3), torch.zeros(2), 1),
            ValueError,
            "same number of samples",
        ),
        (
            lambda X, y: linear.polynomial_fit(torch.zeros(3), torch.zeros(3), -1),
            ValueError,
            "degree must be an integer >= 0",
        ),
        (
            lambda X, y: linear.polynomial_predict(torch.zeros(0), torch.zeros(3)),
            ValueError,
            "at least one value",
        ),
        (lambda X, y: linear.Perceptron(0), ValueError, "n_features must be a positive integer"),
        (lambda X, y: linear.Perceptron(2, lr=-1.0), ValueError, "lr must be > 0"),
        (
            lambda X, y: linear.Perceptron(2).predict(torch.zeros(3, 3)),
            ValueError,
            r"X must have shape \(n_samples, 2\)",
        ),
        (
            lambda X, y: linear.Perceptron(2).fit(
                torch.zeros(3, 2), torch.zeros(4, dtype=torch.long)
            ),
            ValueError,
            "same number of samples",
        ),
        (
            lambda X, y: linear.Perceptron(2).fit(torch.zeros(2, 2), torch.tensor([0, 5])),
            ValueError,
            "y must hold only 0s and 1s",
        ),
        (
            lambda X, y: linear.Perceptron(2).fit(
                torch.zeros(2, 2), torch.zeros(2, 1, dtype=torch.long)
            ),
            ValueError,
            r"y must have shape \(n_samples,\)",
        ),
        (
            lambda X, y: linear.Perceptron(2).fit(
                torch.zeros(2, 2), torch.zeros(2, dtype=torch.long), max_epochs=0
            ),
            ValueError,
            "max_epochs must be a positive integer",
        ),
    ],
)
def test_errors(call, error, match):
    X, y = _line_design(10)
    with pytest.raises(error, match=match):
        call(X, y)


def test_polynomial_fit_and_predict_recover_a_cubic():
    x = torch.linspace(-1, 1, 20)
    y = 1 - 2 * x + 0.5 * x**3
    coefficients = linear.polynomial_fit(x, y, 3)
    torch.testing.assert_close(
        coefficients, torch.tensor([1.0, -2.0, 0.0, 0.5], dtype=torch.float64), atol=1e-5, rtol=0
    )
    torch.testing.assert_close(
        linear.polynomial_predict(coefficients, x), y.double(), atol=1e-5, rtol=0
    )


@pytest.mark.parametrize("device", available_devices())
def test_least_squares_and_gradient_descent_stay_on_the_device(device):
    X, y = _line_design()
    X, y = X.to(device), y.to(device)
    w = linear.least_squares(X, y)
    assert w.device.type == torch.device(device).type
    result = linear.least_squares_gd(X, y, lr=0.5, steps=200)
    assert result.weights.device.type == torch.device(device).type
    torch.testing.assert_close(result.weights, w, atol=1e-4, rtol=0)


# ------------------------------------------------------------------ threshold units


def test_mcculloch_pitts_single_vector_and_bool_input():
    assert int(linear.mcculloch_pitts(torch.tensor([1, 0, 1]), 2)) == 1
    assert int(linear.mcculloch_pitts(np.array([True, False]), 2)) == 0


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
        linear.mcculloch_pitts(x, threshold)


def test_predict_and_update_by_hand():
    X = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    assert linear.perceptron_predict(X, [1.0, 1.0], -1.0).tolist() == [0, 1, 0]
    w, b = linear.perceptron_update(
        torch.tensor([1.0, 1.0]), -1.0, torch.tensor([2.0, 0.0]), 0, lr=0.5
    )
    torch.testing.assert_close(w, torch.tensor([0.0, 1.0]))
    torch.testing.assert_close(b, torch.tensor(-1.5))
    same = linear.perceptron_update(w, b, torch.tensor([0.0, 3.0]), 1)
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
def test_perceptron_update_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        linear.perceptron_update(*args, **kwargs)


def test_perceptron_predict_errors():
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 3\)"):
        linear.perceptron_predict(torch.zeros(4, 2), torch.zeros(3), 0.0)


def test_fit_learns_and_or_nand_but_not_xor():
    X = data.binary_inputs(2)
    for y in (X[:, 0] & X[:, 1], X[:, 0] | X[:, 1], 1 - (X[:, 0] & X[:, 1])):
        model = linear.Perceptron(2)
        result = model.fit(X, y)
        assert result.converged and result.mistakes[-1] == 0
        assert result.epochs == len(result.mistakes)
        assert result.updates == sum(result.mistakes)
        assert torch.equal(model.predict(X), y)
    result = linear.Perceptron(2).fit(*data.xor(), max_epochs=40)
    assert not result.converged and result.epochs == 40
    assert min(result.mistakes) > 0


def test_fit_matches_a_hand_written_loop_and_records_the_path():
    X, y = data.blobs(30, seed=0)
    model = linear.Perceptron(2, lr=0.5)
    result = model.fit(X, y, record=True)
    w, b = torch.zeros(2), torch.zeros(())
    for _ in range(result.epochs):
        for xi, yi in zip(X, y.tolist(), strict=True):
            w, b = linear.perceptron_update(w, b, xi, yi, lr=0.5)
    torch.testing.assert_close(model.weight, w)
    torch.testing.assert_close(model.bias, b)
    assert len(result.path) == result.updates + 1
    torch.testing.assert_close(result.path[-1][0], w)
    assert torch.equal(result.path[0][0], torch.zeros(2))


@given(seed=st.integers(0, 10_000), margin=st.floats(0.3, 1.5))
def test_fit_converges_on_separable_blobs_within_the_novikoff_bound(seed, margin):
    X, y = data.blobs(40, margin=margin, seed=seed)
    model = linear.Perceptron(2)
    result = model.fit(X, y, max_epochs=1000)
    assert result.converged
    assert torch.equal(model.predict(X), y)
    # Novikoff: updates <= (R / gamma)^2 with the separator u = (1, 1, 0) / sqrt(2) on (x, 1).
    radius_sq = float((X.double() ** 2).sum(dim=1).max()) + 1.0
    gamma = margin / 2
    assert result.updates <= radius_sq / gamma**2


def test_fit_shuffle_is_seeded():
    X, y = data.blobs(30, std=1.2, margin=0.1, seed=3)
    a = linear.Perceptron(2).fit(X, y, shuffle=True, seed=1, record=True)
    b = linear.Perceptron(2).fit(X, y, shuffle=True, seed=1, record=True)
    assert a.mistakes == b.mistakes
    assert all(torch.equal(p[0], q[0]) for p, q in zip(a.path, b.path, strict=True))


def test_decision_function_and_repr():
    model = linear.Perceptron(3, lr=0.1)
    model.weight = torch.tensor([1.0, -1.0, 2.0])
    model.bias = torch.tensor(0.5)
    X = torch.tensor([[1.0, 1.0, 1.0], [0.0, 1.0, -1.0]])
    torch.testing.assert_close(model.decision_function(X), torch.tensor([2.5, -2.5]))
    assert model.predict(X).tolist() == [1, 0]
    assert repr(model) == "Perceptron(n_features=3, lr=0.1)"


@pytest.mark.parametrize("device", available_devices())
def test_perceptron_accepts_inputs_on_any_device(device):
    X = data.binary_inputs(2).to(device)
    y = (X[:, 0] | X[:, 1]).cpu()
    model = linear.Perceptron(2)
    assert model.fit(X, y).converged
    assert torch.equal(model.predict(X).cpu(), y)
    w = torch.tensor([1.0, 1.0], device=device)
    out = linear.perceptron_predict(X.float(), w, -0.5)
    assert out.device.type == torch.device(device).type
