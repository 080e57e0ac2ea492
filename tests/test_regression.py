"""Tests of dlbook.regression: least squares in closed form and by gradient descent."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from helpers import available_devices
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import data, regression


def _line_design(n=40, seed=0):
    x, y = data.noisy_line(n, seed=seed)
    return torch.stack([torch.ones_like(x), x], dim=1), y


def test_mean_squared_error():
    assert regression.mean_squared_error(torch.tensor([1.0, 3.0]), [0.0, 0.0]) == 5.0
    with pytest.raises(ValueError, match="same number of samples"):
        regression.mean_squared_error([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="at least one value"):
        regression.mean_squared_error(torch.zeros(0), torch.zeros(0))
    with pytest.raises(ValueError, match="y_pred must have 1 dimension"):
        regression.mean_squared_error(torch.zeros(2, 1), torch.zeros(2))


def test_gradient_matches_autograd():
    X, y = _line_design()
    X, y = X.double(), y.double()
    w = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    ((X @ w - y) ** 2).mean().backward()
    torch.testing.assert_close(regression.mse_gradient(X, y, w.detach()), w.grad)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000), n=st.integers(3, 30), d=st.integers(1, 3))
def test_gradient_is_zero_at_the_closed_form_solution(seed, n, d):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.randn(n, generator=g, dtype=torch.float64)
    w = regression.least_squares(X, y)
    assert w.dtype == torch.float64 and w.shape == (d,)
    torch.testing.assert_close(
        regression.mse_gradient(X, y, w), torch.zeros(d, dtype=torch.float64), atol=1e-8, rtol=0
    )


def test_least_squares_recovers_an_exact_line_and_integer_input():
    X = torch.tensor([[1, 0], [1, 1], [1, 2], [1, 3]])
    w = regression.least_squares(X, torch.tensor([1, 3, 5, 7]))
    assert w.dtype == torch.float32
    torch.testing.assert_close(w, torch.tensor([1.0, 2.0]))


def test_gradient_descent_matches_closed_form_and_loss_decreases():
    X, y = _line_design()
    result = regression.least_squares_gd(X, y, lr=0.5, steps=300)
    torch.testing.assert_close(result.weights, regression.least_squares(X, y), atol=1e-4, rtol=0)
    assert len(result.losses) == 301 and result.path.shape == (301, 2)
    assert all(a >= b - 1e-7 for a, b in itertools.pairwise(result.losses))
    torch.testing.assert_close(result.path[-1], result.weights)


def test_gradient_descent_step_and_start():
    X, y = _line_design()
    w0 = torch.tensor([1.0, -1.0])
    one = regression.gradient_descent_step(X, y, w0, 0.1)
    torch.testing.assert_close(one, w0 - 0.1 * regression.mse_gradient(X, y, w0))
    result = regression.least_squares_gd(X, y, lr=0.1, steps=1, w0=w0)
    torch.testing.assert_close(result.weights, one)
    assert regression.least_squares_gd(X, y, steps=0).losses == [
        regression.mean_squared_error(torch.zeros(len(y)), y)
    ]


def test_max_stable_lr_separates_convergence_from_divergence():
    X, y = _line_design()
    limit = regression.max_stable_lr(X)
    hessian = 2 / len(X) * X.double().T @ X.double()
    assert limit == pytest.approx(2 / float(torch.linalg.eigvalsh(hessian).max()))
    ok = regression.least_squares_gd(X, y, lr=0.95 * limit, steps=400)
    torch.testing.assert_close(ok.weights, regression.least_squares(X, y), atol=1e-3, rtol=0)
    bad = regression.least_squares_gd(X, y, lr=1.05 * limit, steps=200)
    assert bad.losses[-1] > bad.losses[0]
    assert regression.max_stable_lr(torch.zeros(3, 2)) == float("inf")


def test_gradient_descent_divergence_is_reported():
    X, y = _line_design()
    with pytest.raises(ValueError, match=r"diverged at step \d+: lr=50\.0 is too large"):
        regression.least_squares_gd(X, y, lr=50.0, steps=1000)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda X, y: regression.least_squares(X, y[:-1]), ValueError, "same number of samples"),
        (lambda X, y: regression.least_squares(X[:, 0], y), ValueError, "X must have 2 dimension"),
        (
            lambda X, y: regression.mse_gradient(X, y, torch.zeros(3)),
            ValueError,
            r"w must have shape \(2,\)",
        ),
        (
            lambda X, y: regression.gradient_descent_step(X, y, torch.zeros(2), 0.0),
            ValueError,
            "lr must be > 0",
        ),
        (
            lambda X, y: regression.least_squares_gd(X, y, steps=-1),
            ValueError,
            "steps must be an integer >= 0",
        ),
        (
            lambda X, y: regression.least_squares_gd(X, y, w0=torch.zeros(1)),
            ValueError,
            r"w must have shape \(2,\)",
        ),
        (lambda X, y: regression.max_stable_lr(torch.zeros(0, 2)), ValueError, "at least one row"),
        (lambda X, y: regression.least_squares(X, "y"), TypeError, "y must be a tensor or array"),
    ],
)
def test_errors(call, error, match):
    X, y = _line_design(10)
    with pytest.raises(error, match=match):
        call(X, y)


def test_polynomial_fit_and_predict_recover_a_cubic():
    x = torch.linspace(-1, 1, 20)
    y = 1 - 2 * x + 0.5 * x**3
    coefficients = regression.polynomial_fit(x, y, 3)
    torch.testing.assert_close(
        coefficients, torch.tensor([1.0, -2.0, 0.0, 0.5], dtype=torch.float64), atol=1e-5, rtol=0
    )
    torch.testing.assert_close(
        regression.polynomial_predict(coefficients, x), y.double(), atol=1e-5, rtol=0
    )


def test_polynomial_errors_training_error_never_increases_with_degree():
    x, y = data.noisy_sine(30, seed=0)
    x_train, x_test, y_train, y_test = data.train_test_split(x, y, seed=0)
    train, test = regression.polynomial_errors(x_train, y_train, x_test, y_test, range(0, 8))
    assert len(train) == len(test) == 8
    assert all(a >= b - 1e-9 for a, b in itertools.pairwise(train))
    assert train[0] == pytest.approx(float(y_train.double().var(unbiased=False)))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: regression.polynomial_fit(torch.zeros(3), torch.zeros(2), 1),
            ValueError,
            "same number of samples",
        ),
        (
            lambda: regression.polynomial_fit(torch.zeros(3), torch.zeros(3), -1),
            ValueError,
            "degree must be an integer >= 0",
        ),
        (
            lambda: regression.polynomial_predict(torch.zeros(0), torch.zeros(3)),
            ValueError,
            "at least one value",
        ),
        (
            lambda: regression.polynomial_errors([0.0], [0.0], [0.0], [0.0], []),
            TypeError,
            "degrees must be a non-empty sequence",
        ),
        (
            lambda: regression.polynomial_errors([0.0], [0.0], [0.0], [0.0], [1.5]),
            TypeError,
            r"degrees\[0\] must be an integer",
        ),
    ],
)
def test_polynomial_errors_paths(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_plot_polynomial_draws_the_curve():
    _, ax = plt.subplots()
    out = regression.plot_polynomial(
        torch.tensor([0.0, 0.0, 1.0]), x_range=(-1.0, 2.0), ax=ax, label="x^2"
    )
    assert out is ax
    xs, ys = ax.lines[0].get_data()
    assert xs[0] == -1.0 and xs[-1] == 2.0
    np.testing.assert_allclose(ys, np.asarray(xs) ** 2)
    with pytest.raises(ValueError, match="x_range must be"):
        regression.plot_polynomial(torch.zeros(2), x_range=(1.0, 0.0))
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        regression.plot_polynomial(torch.zeros(2), ax=1)


@pytest.mark.parametrize("device", available_devices())
def test_least_squares_and_gradient_descent_stay_on_the_device(device):
    X, y = _line_design()
    X, y = X.to(device), y.to(device)
    w = regression.least_squares(X, y)
    assert w.device.type == torch.device(device).type
    result = regression.least_squares_gd(X, y, lr=0.5, steps=200)
    assert result.weights.device.type == torch.device(device).type
    torch.testing.assert_close(result.weights, w, atol=1e-4, rtol=0)
