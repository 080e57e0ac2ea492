"""Tests of dlbook.demos.overfitting: errors of polynomial fits and their plot."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from dlbook import data, linear
from dlbook.demos.overfitting import (
    bias_variance,
    plot_polynomial,
    polynomial_errors,
    ridge_polynomial_fit,
    selection_experiment,
    weight_decay_errors,
)


def test_polynomial_errors_training_error_never_increases_with_degree():
    x, y = data.noisy_sine(30, seed=0)
    x_train, x_test, y_train, y_test = data.train_test_split(x, y, seed=0)
    train, test = polynomial_errors(x_train, y_train, x_test, y_test, range(0, 8))
    assert len(train) == len(test) == 8
    assert all(a >= b - 1e-9 for a, b in itertools.pairwise(train))
    assert train[0] == pytest.approx(float(y_train.double().var(unbiased=False)))


def test_plot_polynomial_draws_the_curve():
    _, ax = plt.subplots()
    out = plot_polynomial(torch.tensor([0.0, 0.0, 1.0]), x_range=(-1.0, 2.0), ax=ax, label="x^2")
    assert out is ax
    xs, ys = ax.lines[0].get_data()
    assert xs[0] == -1.0 and xs[-1] == 2.0
    np.testing.assert_allclose(ys, np.asarray(xs) ** 2)
    with pytest.raises(ValueError, match="x_range must be"):
        plot_polynomial(torch.zeros(2), x_range=(1.0, 0.0))
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot_polynomial(torch.zeros(2), ax=1)


def test_polynomial_errors_rejects_bad_degrees():
    with pytest.raises(TypeError, match="degrees must be a non-empty sequence"):
        polynomial_errors([0.0], [0.0], [0.0], [0.0], [])
    with pytest.raises(TypeError, match=r"degrees\[0\] must be an integer"):
        polynomial_errors([0.0], [0.0], [0.0], [0.0], [1.5])


def test_ridge_fit_is_where_the_penalised_gradient_vanishes():
    x, y = data.noisy_sine(12, seed=4)
    alpha = 1e-3
    coefficients = ridge_polynomial_fit(x, y, 9, weight_decay=alpha)
    P = data.polynomial_features(x.double(), 9)
    theta = coefficients.clone().requires_grad_(True)
    (((P @ theta - y.double()) ** 2).mean() + alpha / 2 * (theta**2).sum()).backward()
    assert float(theta.grad.abs().max()) < 1e-9
    # The normal equations of the penalised loss, solved with NumPy.
    Pn, yn = P.numpy(), y.double().numpy()
    expected = np.linalg.solve(Pn.T @ Pn + 12 * alpha / 2 * np.eye(10), Pn.T @ yn)
    np.testing.assert_allclose(coefficients.numpy(), expected, rtol=1e-6)
    torch.testing.assert_close(
        ridge_polynomial_fit(x, y, 3, weight_decay=0.0), linear.polynomial_fit(x, y, 3)
    )


def test_weight_decay_errors_training_error_grows_with_the_decay():
    x, y = data.noisy_sine(20, seed=0)
    x_train, x_val, y_train, y_val = data.train_test_split(x, y, seed=0)
    decays = [0.0, 1e-6, 1e-3, 1.0, 100.0]
    train, val = weight_decay_errors(x_train, y_train, x_val, y_val, 9, decays)
    assert len(train) == len(val) == 5
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(train))
    with pytest.raises(TypeError, match="weight_decays must be a non-empty sequence"):
        weight_decay_errors(x_train, y_train, x_val, y_val, 9, [])
    with pytest.raises(ValueError, match=r"weight_decays\[0\] must be"):
        weight_decay_errors(x_train, y_train, x_val, y_val, 9, [-1.0])


def test_selection_experiment_chooses_on_validation_and_scores_on_test():
    s = selection_experiment(7)
    x, y = data.noisy_sine(24, noise=0.25, seed=7)
    x_rest, x_test, y_rest, y_test = data.train_test_split(x, y, test_size=6, seed=0)
    x_train, x_val, y_train, y_val = data.train_test_split(x_rest, y_rest, test_size=6, seed=0)
    _, val = polynomial_errors(x_train, y_train, x_val, y_val, list(range(10)))
    assert s.degree == int(np.argmin(val))
    _, test = polynomial_errors(x_train, y_train, x_test, y_test, [s.degree, 9])
    assert s.test_error == pytest.approx(test[0])
    assert s.test_error_max_degree == pytest.approx(test[1])
    assert s.weight_decay in [10.0**k for k in range(-10, 1)]
    again = selection_experiment(7)  # the same seed: the same data and the same choices
    assert (again.degree, again.weight_decay) == (s.degree, s.weight_decay)
    assert again.test_error_decayed == pytest.approx(s.test_error_decayed, rel=1e-9)
    with pytest.raises(ValueError, match="must leave training points"):
        selection_experiment(0, n_samples=12, n_val=6, n_test=6)


def test_bias_variance_of_the_constant_fit_matches_the_formulas():
    bv = bias_variance([0, 3], n_train=12, n_datasets=400, noise=0.25, seed=0)
    assert bv.degrees == (0, 3) and bv.noise_variance == pytest.approx(0.0625)
    # The constant fit is the mean of the 12 targets: on average 0 (the mean of the sine),
    # so its squared bias is the mean of sin^2 over the grid, and its variance is
    # (Var sin(2 pi U) + noise^2) / 12 = (0.5 + 0.0625) / 12.
    grid = torch.linspace(0, 1, 100, dtype=torch.float64)
    assert bv.bias_squared[0] == pytest.approx(
        float((torch.sin(2 * torch.pi * grid) ** 2).mean()), abs=0.02
    )
    assert bv.variance[0] == pytest.approx(0.5625 / 12, rel=0.15)
    assert bv.bias_squared[1] < 0.05 * bv.bias_squared[0]  # a cubic follows one period
    for b, v, t in zip(bv.bias_squared, bv.variance, bv.test_error, strict=True):
        assert t == pytest.approx(bv.noise_variance + b + v, rel=0.05)


def test_bias_variance_repeats_with_its_seed_and_checks_its_arguments():
    a = bias_variance([1], n_datasets=5, seed=1)
    again, other = (
        bias_variance([1], n_datasets=5, seed=1),
        bias_variance([1], n_datasets=5, seed=2),
    )
    # The same seed draws the same data sets; the least-squares solves agree to rounding
    # (a multithreaded BLAS may sum in another order), another seed draws other data.
    for field in ("bias_squared", "variance", "test_error"):
        assert getattr(again, field) == pytest.approx(getattr(a, field), rel=1e-12)
        assert getattr(other, field) != pytest.approx(getattr(a, field), rel=1e-3)
    with pytest.raises(ValueError, match="degrees must be below n_train \\(4\\)"):
        bias_variance([4], n_train=4)
    with pytest.raises(ValueError, match="n_datasets must be an integer >= 2, got 1"):
        bias_variance([1], n_datasets=1)
    with pytest.raises(ValueError, match="degrees must name at least one degree"):
        bias_variance([])
    with pytest.raises(ValueError, match="design must be one of 'uniform', 'stratified'"):
        bias_variance([1], design="even")
    with pytest.raises(ValueError, match="weight_decay"):
        bias_variance([1], weight_decay=-1.0)


def test_bias_variance_with_spread_inputs_settles_across_seeds():
    # Inputs drawn independently let a few near-degenerate training sets dominate the
    # variance of a high degree; one input in each twelfth of [0, 1] keeps it stable.
    wild = [bias_variance([7], seed=s).variance[0] for s in range(3)]
    tame = [bias_variance([7], design="stratified", seed=s).variance[0] for s in range(3)]
    assert max(wild) > 10 * min(wild)
    assert max(tame) < 1.5 * min(tame)
    bv = bias_variance([0, 9], design="stratified", seed=0)
    for b, v, t in zip(bv.bias_squared, bv.variance, bv.test_error, strict=True):
        assert t == pytest.approx(bv.noise_variance + b + v, rel=0.05)


def test_bias_variance_with_weight_decay_trades_variance_for_bias():
    plain = bias_variance([9], design="stratified", seed=3)
    decayed = bias_variance([9], design="stratified", weight_decay=1e-4, seed=3)
    assert decayed.variance[0] < plain.variance[0] / 10
    assert decayed.bias_squared[0] > 10 * decayed.variance[0] / 200
    # An enormous decay shrinks every fit to nearly zero: bias^2 -> mean of sin^2, variance -> 0.
    flat = bias_variance([3], design="stratified", weight_decay=1e6, seed=0)
    grid = torch.linspace(0, 1, 100, dtype=torch.float64)
    assert flat.bias_squared[0] == pytest.approx(
        float((torch.sin(2 * torch.pi * grid) ** 2).mean()), rel=1e-3
    )
    assert flat.variance[0] < 1e-8
    # weight_decay=0 and a vanishing one agree (least squares and the SVD solve).
    tiny = bias_variance([2], design="stratified", weight_decay=1e-15, seed=0)
    exact = bias_variance([2], design="stratified", seed=0)
    assert tiny.variance[0] == pytest.approx(exact.variance[0], rel=1e-6)
