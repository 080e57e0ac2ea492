"""The first artificial neurons: McCulloch and Pitts' threshold unit and Rosenblatt's perceptron.

* :func:`mcculloch_pitts` fires when enough of its binary inputs are on;
  :func:`find_threshold` searches for a threshold that realises a given
  boolean function, and :func:`binary_inputs` lists all inputs of ``n`` bits.
* :class:`Perceptron` is ``y = 1{w . x + b > 0}`` with Rosenblatt's learning
  rule; :meth:`Perceptron.fit` reports whether it converged.
* :func:`plot_boundary` draws the decision boundary of given ``(w, b)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes

from ._axes import get_axes
from ._validation import (
    as_tensor,
    check_features,
    check_float,
    check_int,
    check_same_length,
    check_seed,
    describe,
)
from .seeding import make_generator

__all__ = [
    "FitResult",
    "Perceptron",
    "binary_inputs",
    "find_threshold",
    "mcculloch_pitts",
    "perceptron_predict",
    "perceptron_update",
    "plot_boundary",
]


def binary_inputs(n_inputs: int) -> torch.Tensor:
    """All ``2 ** n_inputs`` binary input vectors, in counting order.

    Parameters
    ----------
    n_inputs : int
        Number of inputs, between 1 and 16.

    Returns
    -------
    Tensor of shape (2 ** n_inputs, n_inputs), int64

    Examples
    --------
    >>> binary_inputs(2)
    tensor([[0, 0],
            [0, 1],
            [1, 0],
            [1, 1]])
    """
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    if n_inputs > 16:
        raise ValueError(f"n_inputs must be at most 16, got {n_inputs}")
    codes = torch.arange(2**n_inputs)[:, None]  # (2^n, 1)
    bits = 2 ** torch.arange(n_inputs - 1, -1, -1)  # (n,) most significant first
    return (codes // bits) % 2


def _binary(name: str, x: Any) -> torch.Tensor:
    x = as_tensor(name, x, ndim=(1, 2))
    if x.dtype == torch.bool:
        x = x.long()
    if not bool(((x == 0) | (x == 1)).all()):
        raise ValueError(f"{name} must hold only 0s and 1s, got values {x.unique().tolist()[:6]}")
    return x.long()


def mcculloch_pitts(x: Any, threshold: int | float) -> torch.Tensor:
    """The McCulloch-Pitts unit: output 1 when the number of active inputs reaches ``threshold``.

    .. math:: y = 1\\{x_1 + \\dots + x_n \\ge \\theta\\}

    With ``n`` inputs, ``threshold=1`` computes OR and ``threshold=n`` computes AND.

    Parameters
    ----------
    x : Tensor or array of shape (n_inputs,) or (n_samples, n_inputs)
        Binary inputs (0 or 1).
    threshold : int or float
        The threshold theta.

    Returns
    -------
    Tensor of shape () or (n_samples,), int64

    Examples
    --------
    >>> x = binary_inputs(2)
    >>> mcculloch_pitts(x, 1).tolist(), mcculloch_pitts(x, 2).tolist()  # OR, AND
    ([0, 1, 1, 1], [0, 0, 0, 1])
    """
    x = _binary("x", x)
    threshold = check_float("threshold", threshold)
    return (x.sum(dim=-1) >= threshold).long()


def find_threshold(targets: Any) -> int | None:
    """The smallest threshold with which a McCulloch-Pitts unit computes a boolean function.

    Parameters
    ----------
    targets : Tensor, array or list of shape (2 ** n_inputs,)
        The wanted outputs (0 or 1) on the inputs of :func:`binary_inputs`,
        in that order.

    Returns
    -------
    int or None
        A threshold between 0 and ``n_inputs + 1``, or None when no threshold
        works (the function is not a threshold of the input count, e.g. XOR).

    Examples
    --------
    >>> find_threshold([0, 1, 1, 1]), find_threshold([0, 0, 0, 1]), find_threshold([0, 1, 1, 0])
    (1, 2, None)
    """
    targets = _binary("targets", targets)
    if targets.ndim != 1:
        raise ValueError(f"targets must be one-dimensional, got shape {tuple(targets.shape)}")
    n_rows = len(targets)
    n_inputs = n_rows.bit_length() - 1
    if n_rows < 2 or 2**n_inputs != n_rows:
        raise ValueError(f"targets must have 2 ** n_inputs entries, got {n_rows}")
    inputs = binary_inputs(n_inputs)
    for theta in range(n_inputs + 2):
        if torch.equal(mcculloch_pitts(inputs, theta), targets):
            return theta
    return None


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
    >>> from dlbook.data import xor
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
        y = _binary("y", y)
        if y.ndim != 1:
            raise ValueError(f"y must have shape (n_samples,), got {tuple(y.shape)}")
        check_same_length("X", X, "y", y)
        max_epochs = check_int("max_epochs", max_epochs, minimum=1)
        seed = check_seed("seed", seed)
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


def plot_boundary(
    w: Any,
    b: Any,
    *,
    extent: tuple[float, float, float, float] = (-2.0, 2.0, -2.0, 2.0),
    ax: Axes | None = None,
    shade: bool = True,
    normal: bool = True,
    color: str = "black",
    label: str | None = None,
) -> Axes:
    """Draw the decision boundary ``{x : w . x + b = 0}`` of a 2-D perceptron.

    The half-plane where the perceptron outputs 1 is shaded, and the vector
    ``w`` is drawn as an arrow from the point of the line closest to the
    origin, showing that it is perpendicular to the boundary.

    Parameters
    ----------
    w : Tensor or array of shape (2,)
        Weights; not both zero.
    b : float
        Bias.
    extent : (xmin, xmax, ymin, ymax), default (-2, 2, -2, 2)
    ax : Axes, optional
    shade : bool, default True
        Shade the side where ``w . x + b > 0``.
    normal : bool, default True
        Draw ``w`` as an arrow.
    color : str, default "black"
    label : str, optional
        Legend label of the line.

    Returns
    -------
    Axes

    Examples
    --------
    >>> ax = plot_boundary([1.0, 1.0], -1.0)
    >>> len(ax.lines)
    1
    """
    w_t, b_t = _weights(w, b)
    if len(w_t) != 2:
        raise ValueError(f"w must have shape (2,), got {tuple(w_t.shape)}")
    w_np = w_t.detach().cpu().double().numpy()
    bias = float(b_t)
    norm2 = float(w_np @ w_np)
    if norm2 == 0.0:
        raise ValueError("w must not be the zero vector: the boundary would not be a line")
    if len(extent) != 4 or not (extent[0] < extent[1] and extent[2] < extent[3]):
        raise ValueError(f"extent must be (xmin, xmax, ymin, ymax) with min < max, got {extent}")
    ax = get_axes(ax)
    xmin, xmax, ymin, ymax = (float(v) for v in extent)
    foot = -bias * w_np / norm2  # the point of the line closest to the origin
    direction = np.array([-w_np[1], w_np[0]]) / np.sqrt(norm2)  # along the line
    span = 2 * max(xmax - xmin, ymax - ymin) + float(np.abs(foot).sum())
    ends = foot[None, :] + np.array([-span, span])[:, None] * direction[None, :]  # (2, 2)
    if shade:
        # z = w . x + b is linear, so contouring it on a coarse grid is exact.
        gx, gy = np.meshgrid(np.linspace(xmin, xmax, 3), np.linspace(ymin, ymax, 3))
        z = w_np[0] * gx + w_np[1] * gy + bias
        if z.max() > 0:
            ax.contourf(gx, gy, z, levels=[0.0, z.max()], colors=[color], alpha=0.08)
    ax.plot(ends[:, 0], ends[:, 1], color=color, linewidth=1.5, label=label)
    if normal:
        unit = w_np / np.sqrt(norm2)
        ax.annotate(
            "",
            xy=tuple(foot + unit),
            xytext=tuple(foot),
            arrowprops={"arrowstyle": "->", "color": color, "linewidth": 1.3},
        )
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    return ax
