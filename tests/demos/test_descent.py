"""Tests of dlbook.demos.descent: the curvatures of the least-squares bowl and its contour plot."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from dlbook import data, linear
from dlbook.demos.descent import curvatures, plot_mse_contours


def test_curvatures_match_numpy_and_the_rates_they_imply():
    x, _ = data.noisy_line(40, seed=3)
    X = torch.stack([torch.ones_like(x), x + 1], dim=1)
    c = curvatures(X)
    lam = np.linalg.eigvalsh(2 / 40 * X.double().numpy().T @ X.double().numpy())
    np.testing.assert_allclose(c.eigenvalues, lam, rtol=1e-10)
    assert c.condition_number == pytest.approx(lam[1] / lam[0])
    assert c.max_stable_lr == pytest.approx(linear.max_stable_lr(X))
    assert c.best_lr == pytest.approx(2 / (lam[0] + lam[1]))
    # With the best rate both extreme directions shrink by the same factor.
    factors = np.abs(1 - c.best_lr * lam)
    np.testing.assert_allclose(factors, c.best_rate, rtol=1e-10)


def test_gradient_descent_error_shrinks_by_the_predicted_factor():
    X = torch.tensor([[2.0, 0.0], [0.0, 0.5]], dtype=torch.float64)  # Hessian diag(4, 0.25)
    y = torch.tensor([1.0, 1.0], dtype=torch.float64)
    c = curvatures(X)
    path = linear.least_squares_gd(X, y, lr=c.best_lr, steps=10).path
    errors = (path - linear.least_squares(X, y)).norm(dim=1)
    np.testing.assert_allclose((errors[1:] / errors[:-1]).numpy(), c.best_rate, rtol=1e-8)


def test_curvatures_of_a_rank_deficient_design_have_infinite_condition_number():
    X = torch.tensor([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    c = curvatures(X)
    assert c.condition_number == float("inf") and c.best_rate == 1.0
    with pytest.raises(ValueError, match="must not be all zeros"):
        curvatures(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="at least one row"):
        curvatures(torch.zeros(0, 2))


def test_plot_mse_contours_draws_paths_the_minimum_and_equal_axes():
    x, y = data.noisy_line(20, seed=0)
    X = torch.stack([torch.ones_like(x), x], dim=1)
    paths = {"a": linear.least_squares_gd(X, y, lr=0.2, steps=4).path, "b": torch.zeros(3, 2)}
    _, ax = plt.subplots()
    out = plot_mse_contours(X, y, paths, extent=(-1, 3, -1, 3), ax=ax, labels=("b", "w"))
    assert out is ax and len(ax.get_lines()) == 2
    np.testing.assert_allclose(ax.get_lines()[0].get_xydata(), paths["a"].double().numpy())
    star = ax.collections[-1].get_offsets()[0]
    np.testing.assert_allclose(star, linear.least_squares(X, y).double().numpy(), rtol=1e-6)
    assert ax.get_aspect() == 1.0 and ax.get_xlabel() == "b"
    plt.close("all")


def test_plot_mse_contours_rejects_bad_input():
    X, y = torch.ones(4, 2), torch.zeros(4)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        plot_mse_contours(torch.ones(4, 3), y, {"p": torch.zeros(2, 2)}, extent=(0, 1, 0, 1))
    with pytest.raises(TypeError, match="paths must be a non-empty mapping"):
        plot_mse_contours(X, y, {}, extent=(0, 1, 0, 1))
    with pytest.raises(ValueError, match="extent must"):
        plot_mse_contours(X, y, {"p": torch.zeros(2, 2)}, extent=(1, 0, 0, 1))
    with pytest.raises(ValueError, match=r"paths\['p'\] must have shape"):
        plot_mse_contours(X, y, {"p": torch.zeros(2, 3)}, extent=(0, 1, 0, 1))
    with pytest.raises(ValueError, match="same number of samples"):
        plot_mse_contours(X, torch.zeros(3), {"p": torch.zeros(2, 2)}, extent=(0, 1, 0, 1))
    plt.close("all")
