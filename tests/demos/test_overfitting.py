"""Tests of dlbook.demos.overfitting: errors of polynomial fits and their plot."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from dlbook import data
from dlbook.demos.overfitting import plot_polynomial, polynomial_errors


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
