"""Linear separability and the perceptron: exact tests, the margin, learning without a separator.

:func:`separating_hyperplane` decides by linear programming whether some
``(w, b)`` puts every example of class 1 on ``w . x + b > 0`` and every example
of class 0 on the other side; :func:`separable_boolean_functions` uses it to
list the Boolean functions one perceptron computes, and
:func:`cover_count` is Cover's count of the separable labellings of points in
general position. :func:`max_margin` finds the separator of largest margin in
the augmented space of the convergence theorem, and :func:`novikoff_bound` the
theorem's bound ``(R / gamma) ** 2`` on the number of updates. For data that
no line separates, :func:`pocket_perceptron` runs Rosenblatt's rule and keeps
two better answers beside its last weights: the best weights seen so far
(Gallant's pocket) and the average of all weights visited (the averaged
perceptron).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from scipy.optimize import linprog, minimize

from .._validation import as_binary, check_classification_data, check_float, check_int
from ..data import binary_inputs
from ..seeding import make_generator

__all__ = [
    "MarginResult",
    "PocketResult",
    "cover_count",
    "is_linearly_separable",
    "max_margin",
    "novikoff_bound",
    "pocket_perceptron",
    "separable_boolean_functions",
    "separating_hyperplane",
]


def _signed_augmented(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Inputs with a constant 1 appended, and labels 0/1 turned into signs -1/+1."""
    X_t, y_t = check_classification_data(X, y, dtype=torch.float64)
    if not bool(((y_t == 0) | (y_t == 1)).all()):
        raise ValueError(f"y must hold labels 0 and 1, got {y_t.unique().tolist()[:6]}")
    X_np = X_t.cpu().numpy()
    augmented = np.hstack([X_np, np.ones((len(X_np), 1))])  # (n, D + 1)
    signs = 2.0 * y_t.cpu().numpy() - 1.0  # (n,)
    return augmented, signs


def separating_hyperplane(X: Any, y: Any) -> tuple[torch.Tensor, float] | None:
    """Weights ``(w, b)`` that separate two classes strictly, or None when none exist.

    Solves the linear feasibility problem ``s_i (w . x_i + b) >= 1`` for all
    ``i``, with ``s_i = 2 y_i - 1``, by linear programming (HiGHS). For finitely
    many points, strict separation is possible exactly when this problem is
    feasible (scale any strict separator until its smallest ``|w . x + b|`` is 1).

    Parameters
    ----------
    X : Tensor or array of shape (n_samples, n_features)
    y : Tensor or array of shape (n_samples,)
        Labels 0 and 1.

    Returns
    -------
    (Tensor of shape (n_features,), float) or None
        A separating ``(w, b)`` in float64, or None when the classes are not
        linearly separable.

    Examples
    --------
    >>> X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    >>> separating_hyperplane(X, [0, 0, 0, 1]) is None  # AND
    False
    >>> separating_hyperplane(X, [0, 1, 1, 0]) is None  # XOR
    True
    """
    A, s = _signed_augmented(X, y)
    n, d = A.shape
    result = linprog(
        c=np.zeros(d),
        A_ub=-(s[:, None] * A),  # -s_i (x_i, 1) . (w, b) <= -1
        b_ub=-np.ones(n),
        bounds=[(None, None)] * d,
        method="highs",
    )
    if result.status == 2:  # infeasible
        return None
    if result.status != 0:  # pragma: no cover - HiGHS failed for another reason
        raise RuntimeError(f"linear programming failed: {result.message}")
    v = torch.from_numpy(result.x)
    return v[:-1], float(v[-1])


def is_linearly_separable(X: Any, y: Any) -> bool:
    """Whether some hyperplane ``w . x + b = 0`` separates the two classes strictly.

    Parameters
    ----------
    X : Tensor or array of shape (n_samples, n_features)
    y : Tensor or array of shape (n_samples,)
        Labels 0 and 1.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_linearly_separable([[0.0], [1.0], [2.0]], [0, 1, 1])
    True
    >>> is_linearly_separable([[0.0], [1.0], [2.0]], [0, 1, 0])
    False
    """
    return separating_hyperplane(X, y) is not None


def separable_boolean_functions(n_inputs: int) -> torch.Tensor:
    """The truth tables of the Boolean functions of ``n_inputs`` inputs that a perceptron computes.

    Every one of the ``2 ** (2 ** n_inputs)`` truth tables on the inputs of
    :func:`dlbook.data.binary_inputs` is tested with
    :func:`is_linearly_separable`.

    Parameters
    ----------
    n_inputs : int
        Between 1 and 3 (four inputs would need 65,536 linear programs).

    Returns
    -------
    Tensor of shape (n_separable, 2 ** n_inputs), int64
        One truth table per row, in counting order of the tables.

    Examples
    --------
    >>> tables = separable_boolean_functions(2)
    >>> len(tables)  # all but XOR and XNOR
    14
    >>> [0, 1, 1, 0] in tables.tolist(), [0, 0, 1, 0] in tables.tolist()
    (False, True)
    """
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    if n_inputs > 3:
        raise ValueError(f"n_inputs must be at most 3, got {n_inputs}")
    inputs = binary_inputs(n_inputs).double()  # (2^n, n)
    tables = binary_inputs(2**n_inputs)  # (2^(2^n), 2^n): every truth table
    keep = [table for table in tables if is_linearly_separable(inputs, table)]
    return torch.stack(keep)


def cover_count(n_points: int, dim: int) -> int:
    """Cover's count of the linearly separable labellings of points in general position.

    For ``N`` points in general position in ``R^dim`` (no ``dim + 1`` of them on
    one hyperplane), the number of the ``2 ** N`` labellings that some
    hyperplane ``w . x + b = 0`` separates is

    .. math:: C(N, d) = 2 \\sum_{k=0}^{d-1} \\binom{N - 1}{k}, \\qquad d = \\text{dim} + 1

    (Cover, 1965, with the bias counted as one more dimension). For points
    that are not in general position it is an upper bound.

    Parameters
    ----------
    n_points : int
        N, at least 1.
    dim : int
        The dimension of the input space, at least 1.

    Returns
    -------
    int

    Examples
    --------
    >>> cover_count(4, 2)  # the corners of the square: 14 of the 16 labellings
    14
    >>> cover_count(8, 3)  # an upper bound for the cube, whose corners are not in general position
    128
    """
    n_points = check_int("n_points", n_points, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    return 2 * sum(math.comb(n_points - 1, k) for k in range(dim + 1))


@dataclass
class MarginResult:
    """The separator of largest margin of :func:`max_margin`, in the augmented space.

    Attributes
    ----------
    weight : Tensor of shape (n_features,)
    bias : float
        ``(weight, bias)`` has Euclidean norm 1.
    margin : float
        gamma: the smallest ``s_i (weight . x_i + bias)`` over the examples, the
        largest possible for a unit vector ``(weight, bias)``.
    radius : float
        R: the largest norm of an augmented input ``(x_i, 1)``.
    """

    weight: torch.Tensor
    bias: float
    margin: float
    radius: float


def max_margin(X: Any, y: Any) -> MarginResult:
    """The unit vector ``u = (w, b)`` that separates the classes with the largest margin.

    In the augmented space of the perceptron convergence theorem, where each
    input is ``(x, 1)`` and the weights are ``(w, b)``, it maximises
    ``gamma = min_i s_i u . (x_i, 1)`` over unit vectors ``u``. This is the
    quadratic program ``min |v|^2`` subject to ``s_i v . (x_i, 1) >= 1``
    (solved with SLSQP, started from a feasible point found by linear
    programming), with ``u = v / |v|`` and ``gamma = 1 / |v|``.

    Parameters
    ----------
    X : Tensor or array of shape (n_samples, n_features)
    y : Tensor or array of shape (n_samples,)
        Labels 0 and 1, linearly separable.

    Returns
    -------
    MarginResult

    Raises
    ------
    ValueError
        If the classes are not linearly separable.

    Examples
    --------
    >>> X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    >>> result = max_margin(X, [0, 0, 0, 1])  # AND: gamma = 1 / sqrt(17)
    >>> round(result.margin * 17**0.5, 6), round(result.radius**2, 6)
    (1.0, 3.0)
    """
    start = separating_hyperplane(X, y)
    if start is None:
        raise ValueError("X and y must be linearly separable to have a margin")
    A, s = _signed_augmented(X, y)
    G = s[:, None] * A  # (n, D + 1): the constraints are G v >= 1
    v0 = np.append(start[0].numpy(), start[1])
    result = minimize(
        lambda v: v @ v,
        v0,
        jac=lambda v: 2 * v,
        constraints=[{"type": "ineq", "fun": lambda v: G @ v - 1.0, "jac": lambda v: G}],
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )
    v = result.x if result.success and (G @ result.x).min() > 1 - 1e-7 else v0
    norm = float(np.linalg.norm(v))
    u = v / norm
    return MarginResult(
        weight=torch.from_numpy(u[:-1].copy()),
        bias=float(u[-1]),
        margin=float((G @ u).min()),
        radius=float(np.linalg.norm(A, axis=1).max()),
    )


def novikoff_bound(X: Any, y: Any) -> float:
    """The convergence theorem's bound ``(R / gamma) ** 2`` on the perceptron's updates.

    With ``R`` and ``gamma`` from :func:`max_margin`, the perceptron rule
    started from zero weights makes at most this many updates on the data, in
    any order of visits and with any learning rate.

    Parameters
    ----------
    X : Tensor or array of shape (n_samples, n_features)
    y : Tensor or array of shape (n_samples,)
        Labels 0 and 1, linearly separable.

    Returns
    -------
    float

    Examples
    --------
    >>> X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    >>> round(novikoff_bound(X, [0, 0, 0, 1]), 6)  # AND: R^2 / gamma^2 = 3 * 17
    51.0
    """
    result = max_margin(X, y)
    return (result.radius / result.margin) ** 2


@dataclass
class PocketResult:
    """What :func:`pocket_perceptron` found: three answers and their training errors.

    Attributes
    ----------
    last, pocket, average : (Tensor of shape (n_features,), float)
        ``(w, b)`` after the last update; the weights with the fewest training
        errors among all weights visited (the pocket); and the average of the
        weights over every visit of an example (the averaged perceptron).
    errors : dict of str to list of int
        For ``"last"``, ``"pocket"`` and ``"average"``: training errors of
        that answer at the end of every epoch.
    updates : int
        Number of updates (mistakes) of the rule.
    """

    last: tuple[torch.Tensor, float]
    pocket: tuple[torch.Tensor, float]
    average: tuple[torch.Tensor, float]
    errors: dict[str, list[int]] = field(default_factory=dict)
    updates: int = 0


def _errors(A: np.ndarray, labels: np.ndarray, v: np.ndarray) -> int:
    return int(((A @ v > 0).astype(np.int64) != labels).sum())


def pocket_perceptron(
    X: Any,
    y: Any,
    *,
    epochs: int = 50,
    lr: float = 1.0,
    shuffle: bool = False,
    seed: int | None = None,
) -> PocketResult:
    """Rosenblatt's rule for a fixed number of epochs, with the pocket and the average kept.

    The rule and the order of visits are those of
    :meth:`dlbook.linear.Perceptron.fit` (weights start at zero; with
    ``shuffle`` a new random order every epoch, drawn in the same way), but it
    does not stop at a mistake-free epoch. Beside the last weights it keeps

    - the **pocket**, a simplified form of Gallant's (1990) "ratchet": after
      every update, the new weights replace the pocketed ones only if they make
      fewer training errors (Gallant's ratchet also asks for a longer run of
      consecutive correct classifications);
    - the **average** of the weights after every visit of an example (the
      averaged perceptron, the simple form of Freund and Schapire's voted
      perceptron, 1999).

    Parameters
    ----------
    X : Tensor or array of shape (n_samples, n_features)
    y : Tensor or array of shape (n_samples,)
        Labels 0 and 1.
    epochs : int, default 50
    lr : float, default 1.0
        Learning rate, > 0.
    shuffle : bool, default False
    seed : int, optional
        Seed of the shuffling.

    Returns
    -------
    PocketResult

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0], [4.0]]
    >>> result = pocket_perceptron(X, [0, 0, 1, 0, 1], epochs=20)  # no threshold is right
    >>> result.errors["last"][:6]  # the last weights keep changing
    [3, 2, 2, 1, 2, 1]
    >>> result.errors["pocket"][:6]  # the pocket only improves
    [2, 2, 1, 1, 1, 1]
    """
    A, s = _signed_augmented(X, y)
    labels = as_binary("y", y, ndim=1).numpy()
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    generator = make_generator(seed)
    n, d = A.shape
    v = np.zeros(d)
    pocket, pocket_errors = v.copy(), _errors(A, labels, v)
    total, visits, updates = np.zeros(d), 0, 0
    errors: dict[str, list[int]] = {"last": [], "pocket": [], "average": []}
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).tolist() if shuffle else range(n)
        for i in order:
            if (A[i] @ v > 0) != bool(labels[i]):  # a mistake: y - y_hat = s_i
                v = v + lr * s[i] * A[i]
                updates += 1
                now = _errors(A, labels, v)
                if now < pocket_errors:
                    pocket, pocket_errors = v.copy(), now
            total += v
            visits += 1
        errors["last"].append(_errors(A, labels, v))
        errors["pocket"].append(pocket_errors)
        errors["average"].append(_errors(A, labels, total / visits))

    def split(vector: np.ndarray) -> tuple[torch.Tensor, float]:
        return torch.from_numpy(vector[:-1].copy()), float(vector[-1])

    return PocketResult(
        last=split(v),
        pocket=split(pocket),
        average=split(total / visits),
        errors=errors,
        updates=updates,
    )
