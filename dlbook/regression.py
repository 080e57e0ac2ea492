"""Least squares, solved in closed form and by gradient descent, and polynomial fits.

The model is linear in its parameters, ``y_hat = X w``, where the design
matrix ``X`` holds one row per example (add a column of ones for an
intercept, or use :func:`dlbook.data.polynomial_features`). The loss is the
mean squared error

.. math:: L(w) = \\frac{1}{n} \\lVert X w - y \\rVert^2,
          \\qquad \\nabla L(w) = \\frac{2}{n} X^\\top (X w - y).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes

from ._axes import get_axes
from ._validation import as_tensor, check_float, check_int, check_same_length, describe
from .data import polynomial_features

__all__ = [
    "GradientDescentResult",
    "gradient_descent_step",
    "least_squares",
    "least_squares_gd",
    "max_stable_lr",
    "mean_squared_error",
    "mse_gradient",
    "plot_polynomial",
    "polynomial_errors",
    "polynomial_fit",
    "polynomial_predict",
]


def _design(X: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
    X = as_tensor("X", X, ndim=2)
    y = as_tensor("y", y, ndim=1)
    check_same_length("X", X, "y", y)
    dtype = X.dtype if X.is_floating_point() else torch.float32
    return X.to(dtype), y.to(device=X.device, dtype=dtype)


def _params(w: Any, X: torch.Tensor) -> torch.Tensor:
    w = as_tensor("w", w, ndim=1)
    if len(w) != X.shape[1]:
        raise ValueError(f"w must have shape ({X.shape[1]},) to match X, got {tuple(w.shape)}")
    return w.to(device=X.device, dtype=X.dtype)


def mean_squared_error(y_pred: Any, y: Any) -> float:
    """The mean of the squared differences ``(y_pred - y) ** 2``.

    Parameters
    ----------
    y_pred : Tensor or array of shape (n_samples,)
    y : Tensor or array of shape (n_samples,)

    Returns
    -------
    float

    Examples
    --------
    >>> mean_squared_error([1.0, 2.0, 4.0], [1.0, 2.0, 2.0])
    1.3333333333333333
    """
    y_pred = as_tensor("y_pred", y_pred, ndim=1).double()
    y = as_tensor("y", y, ndim=1).double()
    check_same_length("y_pred", y_pred, "y", y)
    if len(y) == 0:
        raise ValueError("y must hold at least one value")
    return float(((y_pred - y.to(y_pred.device)) ** 2).mean())


def mse_gradient(X: Any, y: Any, w: Any) -> torch.Tensor:
    """Gradient of the mean squared error of ``X w`` with respect to ``w``: ``(2/n) X^T (X w - y)``.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
    w : Tensor of shape (n_features,)

    Returns
    -------
    Tensor of shape (n_features,)

    Examples
    --------
    >>> X = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    >>> mse_gradient(X, torch.tensor([1.0, 3.0]), torch.zeros(2))
    tensor([-4., -3.])
    """
    X, y = _design(X, y)
    w = _params(w, X)
    residual = X @ w - y  # (n,)
    return 2.0 / len(y) * (X.T @ residual)  # (d, n) @ (n,) -> (d,)


def least_squares(X: Any, y: Any) -> torch.Tensor:
    """The weights that minimise the mean squared error, in closed form.

    Solves the least-squares problem with :func:`torch.linalg.lstsq` in double
    precision (equivalent to the normal equations ``X^T X w = X^T y`` but
    numerically safer).

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)

    Returns
    -------
    Tensor of shape (n_features,)
        In the dtype of ``X`` (float32 for integer input).

    Examples
    --------
    >>> X = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> [round(v, 4) for v in least_squares(X, torch.tensor([1.0, 3.0, 5.0])).tolist()]
    [1.0, 2.0]
    """
    X, y = _design(X, y)
    solution = torch.linalg.lstsq(X.double().cpu(), y.double().cpu()[:, None]).solution
    return solution[:, 0].to(device=X.device, dtype=X.dtype)


def max_stable_lr(X: Any) -> float:
    """The learning rate above which gradient descent on the mean squared error diverges.

    The loss is a quadratic bowl whose curvature along its steepest direction
    is the largest eigenvalue ``lam`` of the Hessian ``(2/n) X^T X``. Gradient
    descent shrinks the error along that direction by the factor
    ``|1 - lr * lam|`` per step, so it converges for every start exactly when
    ``lr < 2 / lam``.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)

    Returns
    -------
    float
        ``2 / lam`` (infinite when ``X`` is all zeros).

    Examples
    --------
    >>> max_stable_lr(torch.tensor([[1.0], [1.0]]))  # Hessian 2, limit 2 / 2
    1.0
    """
    X = as_tensor("X", X, ndim=2).double().cpu()
    if len(X) == 0:
        raise ValueError("X must hold at least one row")
    hessian = 2.0 / len(X) * (X.T @ X)  # (d, d)
    largest = float(torch.linalg.eigvalsh(hessian).max())
    return float("inf") if largest <= 0 else 2.0 / largest


def gradient_descent_step(X: Any, y: Any, w: Any, lr: float) -> torch.Tensor:
    """One gradient-descent step on the mean squared error: ``w - lr * grad L(w)``.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
    w : Tensor of shape (n_features,)
    lr : float
        Learning rate eta, > 0.

    Returns
    -------
    Tensor of shape (n_features,)

    Examples
    --------
    >>> X = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    >>> gradient_descent_step(X, torch.tensor([1.0, 3.0]), torch.zeros(2), lr=0.1)
    tensor([0.4000, 0.3000])
    """
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    X_t, _ = _design(X, y)
    w = _params(w, X_t)
    return w - lr * mse_gradient(X, y, w)


@dataclass
class GradientDescentResult:
    """What :func:`least_squares_gd` did.

    Attributes
    ----------
    weights : Tensor of shape (n_features,)
        The final weights.
    losses : list of float
        The mean squared error before the first step and after every step
        (``steps + 1`` values).
    path : Tensor of shape (steps + 1, n_features)
        The weights before the first step and after every step.
    """

    weights: torch.Tensor
    losses: list[float]
    path: torch.Tensor


def least_squares_gd(
    X: Any,
    y: Any,
    *,
    lr: float = 0.1,
    steps: int = 100,
    w0: Any | None = None,
) -> GradientDescentResult:
    """Minimise the mean squared error of ``X w`` by plain gradient descent.

    Repeats ``w <- w - lr * (2/n) X^T (X w - y)`` for ``steps`` steps. For a
    small enough learning rate it converges to :func:`least_squares`.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
    lr : float, default 0.1
        Learning rate, > 0.
    steps : int, default 100
        Number of steps, >= 0.
    w0 : Tensor of shape (n_features,), optional
        Starting weights; zeros by default.

    Returns
    -------
    GradientDescentResult

    Raises
    ------
    ValueError
        If the iterates overflow (the learning rate is too large).

    Examples
    --------
    >>> X = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> y = torch.tensor([1.0, 3.0, 5.0])
    >>> result = least_squares_gd(X, y, lr=0.2, steps=500)
    >>> torch.allclose(result.weights, least_squares(X, y), atol=1e-4)
    True
    >>> len(result.losses), result.path.shape
    (501, torch.Size([501, 2]))
    """
    X, y = _design(X, y)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    steps = check_int("steps", steps, minimum=0)
    w = torch.zeros(X.shape[1], dtype=X.dtype, device=X.device) if w0 is None else _params(w0, X)
    path = [w.clone()]
    losses = [mean_squared_error(X @ w, y)]
    for step in range(steps):
        w = w - lr * mse_gradient(X, y, w)
        loss = mean_squared_error(X @ w, y) if bool(torch.isfinite(w).all()) else float("inf")
        if not np.isfinite(loss):
            raise ValueError(
                f"gradient descent diverged at step {step + 1}: lr={lr} is too large for this X"
            )
        path.append(w.clone())
        losses.append(loss)
    return GradientDescentResult(weights=w, losses=losses, path=torch.stack(path))


def polynomial_fit(x: Any, y: Any, degree: int) -> torch.Tensor:
    """Least-squares coefficients of a polynomial of the given degree.

    Parameters
    ----------
    x : Tensor of shape (n_samples,)
    y : Tensor of shape (n_samples,)
    degree : int
        Polynomial degree, >= 0.

    Returns
    -------
    Tensor of shape (degree + 1,), float64
        Coefficients of ``1, x, ..., x**degree``.

    Examples
    --------
    >>> x = torch.tensor([0.0, 1.0, 2.0, 3.0])
    >>> [round(c, 6) + 0.0 for c in polynomial_fit(x, x**2 - 1, 2).tolist()]  # -1 + x**2
    [-1.0, 0.0, 1.0]
    """
    x = as_tensor("x", x, ndim=1).double()
    y = as_tensor("y", y, ndim=1).double()
    check_same_length("x", x, "y", y)
    return least_squares(polynomial_features(x, degree), y)


def polynomial_predict(coefficients: Any, x: Any) -> torch.Tensor:
    """Evaluate a polynomial with coefficients of ``1, x, x**2, ...`` at ``x``.

    Parameters
    ----------
    coefficients : Tensor of shape (degree + 1,)
    x : Tensor of shape (n_samples,)

    Returns
    -------
    Tensor of shape (n_samples,), float64

    Examples
    --------
    >>> polynomial_predict(torch.tensor([-1.0, 0.0, 1.0]), torch.tensor([0.0, 2.0]))
    tensor([-1.,  3.], dtype=torch.float64)
    """
    coefficients = as_tensor("coefficients", coefficients, ndim=1).double()
    if len(coefficients) == 0:
        raise ValueError("coefficients must hold at least one value")
    x = as_tensor("x", x, ndim=1).double()
    return polynomial_features(x, len(coefficients) - 1) @ coefficients.to(x.device)


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
    if len(x_range) != 2 or not x_range[0] < x_range[1]:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range}")
    ax = get_axes(ax)
    grid = torch.linspace(float(x_range[0]), float(x_range[1]), 300, dtype=torch.float64)
    values = polynomial_predict(coefficients, grid).cpu().numpy()
    ax.plot(grid.numpy(), values, label=label, color=color)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    return ax
