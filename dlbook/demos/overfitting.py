"""Overfitting in one picture: polynomials of growing degree fitted by least squares.

:func:`polynomial_errors` reports the training and test error of each degree;
:func:`plot_polynomial` draws a fitted polynomial. The fits themselves are
:func:`dlbook.linear.polynomial_fit` and :func:`dlbook.linear.polynomial_predict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from matplotlib.axes import Axes

from .._axes import get_axes
from .._validation import (
    as_tensor,
    check_color,
    check_float,
    check_int,
    check_same_length,
    describe,
)
from ..linear import mean_squared_error, polynomial_fit, polynomial_predict

__all__ = ["plot_polynomial", "polynomial_errors"]


def polynomial_errors(
    x_train: Any,
    y_train: Any,
    x_test: Any,
    y_test: Any,
    degrees: Sequence[int],
) -> tuple[list[float], list[float]]:
    """Training and test mean squared error of least-squares polynomials of several degrees.

    Parameters
    ----------
    x_train, y_train : Tensor of shape (n_train,)
    x_test, y_test : Tensor of shape (n_test,)
    degrees : sequence of int

    Returns
    -------
    train_errors, test_errors : list of float
        One value per degree.

    Examples
    --------
    >>> x = torch.linspace(0, 1, 8)
    >>> train, test = polynomial_errors(x, 3 * x, x + 0.05, 3 * (x + 0.05), [0, 1])
    >>> [round(e, 6) for e in train], [round(e, 6) for e in test]
    ([0.964286, 0.0], [0.986786, 0.0])
    """
    if isinstance(degrees, (str, bytes)) or not isinstance(degrees, Sequence) or not degrees:
        raise TypeError(
            f"degrees must be a non-empty sequence of integers, got {describe(degrees)}"
        )
    x_train, y_train, x_test, y_test = (
        as_tensor(name, value, ndim=1)
        for name, value in (
            ("x_train", x_train),
            ("y_train", y_train),
            ("x_test", x_test),
            ("y_test", y_test),
        )
    )
    check_same_length("x_train", x_train, "y_train", y_train)
    check_same_length("x_test", x_test, "y_test", y_test)
    if len(x_train) == 0 or len(x_test) == 0:
        raise ValueError(
            f"x_train and x_test must hold at least one point, got {len(x_train)} and {len(x_test)}"
        )
    train_errors, test_errors = [], []
    for i, degree in enumerate(degrees):
        degree = check_int(f"degrees[{i}]", degree, minimum=0)
        coefficients = polynomial_fit(x_train, y_train, degree)
        train_errors.append(mean_squared_error(polynomial_predict(coefficients, x_train), y_train))
        test_errors.append(mean_squared_error(polynomial_predict(coefficients, x_test), y_test))
    return train_errors, test_errors


def plot_polynomial(
    coefficients: Any,
    *,
    x_range: tuple[float, float] = (0.0, 1.0),
    ax: Axes | None = None,
    label: str | None = None,
    color: str | None = None,
) -> Axes:
    """Draw the curve of a polynomial over an interval.

    Parameters
    ----------
    coefficients : Tensor of shape (degree + 1,)
        Coefficients of ``1, x, x**2, ...``.
    x_range : (float, float), default (0, 1)
    ax : Axes, optional
    label : str, optional
    color : str, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = plot_polynomial(torch.tensor([0.0, 1.0]), label="y = x")
    >>> len(ax.lines)
    1
    """
    if color is not None:
        check_color("color", color)
    if isinstance(x_range, (str, bytes)) or not isinstance(x_range, Sequence):
        raise TypeError(f"x_range must be a pair (start, stop), got {describe(x_range)}")
    if len(x_range) != 2:
        raise TypeError(f"x_range must be a pair (start, stop), got {describe(x_range)}")
    start, stop = check_float("x_range[0]", x_range[0]), check_float("x_range[1]", x_range[1])
    if not start < stop:
        raise ValueError(f"x_range must be (low, high) with low < high, got {tuple(x_range)}")
    ax = get_axes(ax)
    grid = torch.linspace(start, stop, 300, dtype=torch.float64)
    values = polynomial_predict(coefficients, grid).cpu().numpy()
    ax.plot(grid.numpy(), values, label=label, color=color)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    return ax
