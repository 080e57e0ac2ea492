"""Classical linear models: least squares and Rosenblatt's perceptron.

**Least squares.** The model is linear in its parameters, ``y_hat = X w``,
where the design matrix ``X`` holds one row per example (add a column of ones
for an intercept, or use :func:`dlbook.data.polynomial_features`). The loss is
the mean squared error

.. math:: L(w) = \\frac{1}{n} \\lVert X w - y \\rVert^2,
          \\qquad \\nabla L(w) = \\frac{2}{n} X^\\top (X w - y),

minimised in closed form (:func:`least_squares`) or by gradient descent
(:func:`least_squares_gd`); :func:`polynomial_fit` is least squares on powers
of ``x``.

**Threshold units.** :func:`mcculloch_pitts` fires when enough of its binary
inputs are on; :class:`Perceptron` is ``y = 1{w . x + b > 0}`` with
Rosenblatt's learning rule (:func:`perceptron_update`), and
:meth:`Perceptron.fit` reports whether it converged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ._validation import (
    as_binary,
    as_tensor,
    check_features,
    check_float,
    check_int,
    check_same_length,
    describe,
)
from .data import polynomial_features
from .seeding import make_generator

__all__ = [
    "FitResult",
    "GradientDescentResult",
    "Perceptron",
    "gradient_descent_step",
    "least_squares",
    "least_squares_gd",
    "max_stable_lr",
    "mcculloch_pitts",
    "mean_squared_error",
    "mse_gradient",
    "perceptron_predict",
    "perceptron_update",
    "polynomial_fit",
    "polynomial_predict",
]


def _design(X: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
    X = as_tensor("X", X, ndim=2)
    y = as_tensor("y", y, ndim=1)
    check_same_length("X", X, "y", y)
    dtype = X.dtype if X.is_floating_point() else torch.float32
    return X.to(dtype), y.to(device=X.device, dtype=dtype)


def _params(w: Any, X: torch.Tensor, name: str = "w") -> torch.Tensor:
    w = as_tensor(name, w, ndim=1)
    if len(w) != X.shape[1]:
        raise ValueError(f"{name} must have shape ({X.shape[1]},) to match X, got {tuple(w.shape)}")
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
        The mean squared error, computed in float64.

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
        The gradient of the mean squared error at ``w``.

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


def least_squares(X: Any, y: Any, *, rcond: float | None = None) -> torch.Tensor:
    """The weights that minimise the mean squared error, in closed form.

    Solves the least-squares problem with :func:`torch.linalg.lstsq` in double
    precision (equivalent to the normal equations ``X^T X w = X^T y`` but
    numerically safer), through the singular value decomposition (LAPACK's
    ``gelsd``, as :func:`numpy.linalg.lstsq` does). Singular values of ``X``
    below ``rcond`` times the largest count as zero; when the columns of ``X``
    are linearly dependent in that sense, so that many weights reach the same
    minimum, it returns the one of least norm.

    ``X`` is taken exactly as given, in double precision. A float32 ``X`` whose
    columns are dependent only up to float32 rounding (a column that is a
    combination of others, computed in float32) is then of full rank, and the
    minimum is reached with very large weights that float32 cannot hold
    accurately; pass ``rcond=1e-6`` (a few units of float32 rounding) to treat
    such columns as dependent, or drop the redundant column.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
    rcond : float, optional
        Relative cutoff for small singular values, in [0, 1). Default: float64's
        machine epsilon times ``max(n_samples, n_features)``, as in NumPy.

    Returns
    -------
    Tensor of shape (n_features,)
        In the dtype of ``X`` (float32 for integer input).

    Examples
    --------
    >>> X = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> [round(v, 4) for v in least_squares(X, torch.tensor([1.0, 3.0, 5.0])).tolist()]
    [1.0, 2.0]
    >>> X = torch.tensor([[1.0, 1.0], [1.0, 1.0]])  # two equal columns: the least-norm split
    >>> least_squares(X, torch.tensor([2.0, 2.0]))
    tensor([1., 1.])
    """
    X, y = _design(X, y)
    if rcond is None:
        rcond = torch.finfo(torch.float64).eps * max(X.shape)
    else:
        rcond = check_float("rcond", rcond, minimum=0.0)
        if rcond >= 1:
            raise ValueError(f"rcond must be in [0, 1), got {rcond}")
    # gelsd, not the CPU default gelsy: gelsy's rank estimate for exactly dependent
    # columns can flip between calls on the same input, and a rank too low gives
    # weights whose error is not the minimum.
    solution = torch.linalg.lstsq(
        X.double().cpu(), y.double().cpu()[:, None], rcond=rcond, driver="gelsd"
    ).solution
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
        The weights after the step (``w`` itself is not changed).

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
        The final weights, the loss after every step and the path.

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
    w = (
        torch.zeros(X.shape[1], dtype=X.dtype, device=X.device)
        if w0 is None
        else _params(w0, X, "w0")
    )
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
        The polynomial's values at ``x``.

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


# ------------------------------------------------------------------ threshold units


def mcculloch_pitts(x: Any, threshold: int | float) -> torch.Tensor:
    """The McCulloch-Pitts unit: output 1 when the number of active inputs reaches ``threshold``.

    .. math:: y = 1\\{x_1 + \\dots + x_n \\ge \\tau\\}

    With ``n`` inputs, ``threshold=1`` computes OR and ``threshold=n`` computes AND.

    Parameters
    ----------
    x : Tensor or array of shape (n_inputs,) or (n_samples, n_inputs)
        Binary inputs (0 or 1).
    threshold : int or float
        The threshold tau.

    Returns
    -------
    Tensor of shape () or (n_samples,), int64
        1 where the unit fires, 0 elsewhere.

    Examples
    --------
    >>> from dlbook.data import binary_inputs
    >>> x = binary_inputs(2)
    >>> mcculloch_pitts(x, 1).tolist(), mcculloch_pitts(x, 2).tolist()  # OR, AND
    ([0, 1, 1, 1], [0, 0, 0, 1])
    """
    x = as_binary("x", x)
    threshold = check_float("threshold", threshold)
    return (x.sum(dim=-1) >= threshold).long()


def _weights(w: Any, b: Any) -> tuple[torch.Tensor, torch.Tensor]:
    w = as_tensor("w", w, ndim=1)
    w = w if w.is_floating_point() else w.float()
    b_tensor = as_tensor("b", b, ndim=0)
    return w, b_tensor.to(device=w.device, dtype=w.dtype)


def perceptron_predict(X: Any, w: Any, b: Any) -> torch.Tensor:
    """Perceptron outputs ``1{X w + b > 0}``.

    Parameters
    ----------
    X : Tensor or array of shape (n_samples, n_features)
    w : Tensor or array of shape (n_features,)
    b : float or Tensor of shape ()

    Returns
    -------
    Tensor of shape (n_samples,), int64
        The predicted labels, 0 or 1.

    Examples
    --------
    >>> X = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    >>> perceptron_predict(X, torch.tensor([1.0, 1.0]), -1.0)
    tensor([0, 1])
    """
    w, b = _weights(w, b)
    X = as_tensor("X", X, ndim=2)
    check_features("X", X, len(w))
    return (X.to(w.dtype) @ w + b > 0).long()  # (n, d) @ (d,) -> (n,)


def perceptron_update(
    w: Any, b: Any, x: Any, y: int, *, lr: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of Rosenblatt's rule: ``w += lr (y - y_hat) x`` and ``b += lr (y - y_hat)``.

    Nothing changes when the example is already classified correctly.

    Parameters
    ----------
    w : Tensor of shape (n_features,)
    b : float or Tensor of shape ()
    x : Tensor of shape (n_features,)
    y : int
        The label, 0 or 1.
    lr : float, default 1.0
        Learning rate, > 0.

    Returns
    -------
    w : Tensor of shape (n_features,)
        New weights (the inputs are never modified in place).
    b : Tensor of shape ()
        New bias.

    Examples
    --------
    >>> w, b = perceptron_update(torch.zeros(2), 0.0, torch.tensor([1.0, 1.0]), 1)
    >>> w.tolist(), b.item()
    ([1.0, 1.0], 1.0)
    """
    w, b = _weights(w, b)
    x = as_tensor("x", x, ndim=1).to(w.dtype)
    if len(x) != len(w):
        raise ValueError(f"x must have shape ({len(w)},) like w, got {tuple(x.shape)}")
    if isinstance(y, torch.Tensor) and y.numel() == 1:
        y = int(y.item())
    if isinstance(y, bool) or y not in (0, 1):
        raise ValueError(f"y must be 0 or 1, got {describe(y)}")
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    return _step(w, b, x, y, lr)[:2]


def _step(
    w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: int, lr: float
) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """The rule on checked inputs; also says whether the example was a mistake."""
    error = y - int(x @ w + b > 0)  # -1, 0 or +1
    if error == 0:
        return w, b, False
    return w + lr * error * x, b + lr * error, True


@dataclass
class FitResult:
    """What :meth:`Perceptron.fit` did.

    Attributes
    ----------
    converged : bool
        True when a whole epoch passed without a mistake.
    epochs : int
        Epochs run: up to and including the first mistake-free epoch, or
        ``max_epochs`` when it did not converge.
    updates : int
        Total number of weight updates (mistakes).
    mistakes : list of int
        Mistakes in each epoch.
    path : list of (Tensor, Tensor)
        ``(w, b)`` at the start and after every update, when ``record=True``.
    """

    converged: bool
    epochs: int
    updates: int
    mistakes: list[int] = field(default_factory=list)
    path: list[tuple[torch.Tensor, torch.Tensor]] = field(default_factory=list, repr=False)


class Perceptron:
    """Rosenblatt's perceptron ``y = 1{w . x + b > 0}`` with its learning rule.

    Weights and bias start at zero, so training is deterministic given the
    order of the examples.

    Parameters
    ----------
    n_features : int
        Input dimension D.
    lr : float, default 1.0
        Learning rate of the update rule, > 0.

    Attributes
    ----------
    weight : Tensor of shape (n_features,), float32
    bias : Tensor of shape (), float32

    Examples
    --------
    >>> from dlbook.data import binary_inputs, xor
    >>> X = binary_inputs(2)
    >>> p = Perceptron(2)
    >>> p.fit(X, X[:, 0] & X[:, 1]).converged  # AND is learnable
    True
    >>> p.predict(X).tolist()
    [0, 0, 0, 1]
    >>> Perceptron(2).fit(*xor(), max_epochs=50).converged  # XOR is not
    False
    """

    def __init__(self, n_features: int, *, lr: float = 1.0) -> None:
        self.n_features = check_int("n_features", n_features, minimum=1)
        self.lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
        self.weight = torch.zeros(self.n_features)
        self.bias = torch.zeros(())

    def __repr__(self) -> str:
        return f"Perceptron(n_features={self.n_features}, lr={self.lr})"

    def _inputs(self, X: Any) -> torch.Tensor:
        X = as_tensor("X", X, ndim=2)
        check_features("X", X, self.n_features)
        return X.to(device=self.weight.device, dtype=self.weight.dtype)

    def decision_function(self, X: Any) -> torch.Tensor:
        """Pre-activations ``z = X w + b``: Tensor of shape (n_samples,)."""
        return self._inputs(X) @ self.weight + self.bias

    def predict(self, X: Any) -> torch.Tensor:
        """Predicted labels ``1{z > 0}``: Tensor of shape (n_samples,), int64."""
        return (self.decision_function(X) > 0).long()

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        max_epochs: int = 100,
        shuffle: bool = False,
        seed: int | None = None,
        record: bool = False,
    ) -> FitResult:
        """Cycle through the examples, applying :func:`perceptron_update` to each.

        Training stops after the first epoch without a mistake (converged) or
        after ``max_epochs`` epochs (did not converge). It continues from the
        current weights, so call it on a fresh :class:`Perceptron` to start over.

        Parameters
        ----------
        X : Tensor or array of shape (n_samples, n_features)
        y : Tensor or array of shape (n_samples,)
            Labels 0 or 1.
        max_epochs : int, default 100
        shuffle : bool, default False
            Visit the examples in a new random order each epoch.
        seed : int, optional
            Seed of the shuffling.
        record : bool, default False
            Keep ``(w, b)`` after every update in :attr:`FitResult.path`.

        Returns
        -------
        FitResult
        """
        X = self._inputs(X)
        y = as_binary("y", y)
        if y.ndim != 1:
            raise ValueError(f"y must have shape (n_samples,), got {tuple(y.shape)}")
        check_same_length("X", X, "y", y)
        max_epochs = check_int("max_epochs", max_epochs, minimum=1)
        generator = make_generator(seed)
        result = FitResult(converged=False, epochs=0, updates=0)
        if record:
            result.path.append((self.weight.clone(), self.bias.clone()))
        labels = y.tolist()
        for _ in range(max_epochs):
            order = torch.randperm(len(X), generator=generator) if shuffle else range(len(X))
            mistakes = 0
            for i in order:
                i = int(i)
                w, b, wrong = _step(self.weight, self.bias, X[i], labels[i], self.lr)
                if wrong:
                    mistakes += 1
                    self.weight, self.bias = w, b
                    if record:
                        result.path.append((w.clone(), b.clone()))
            result.epochs += 1
            result.updates += mistakes
            result.mistakes.append(mistakes)
            if mistakes == 0:
                result.converged = True
                break
        return result
