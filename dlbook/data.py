"""Synthetic data sets, generated on the fly (nothing is downloaded).

Generators follow scikit-learn's conventions: ``(n_samples, *, ..., seed=None)``
returning ``(X, y)``, here as PyTorch tensors: ``X`` float32 of shape
``(n_samples, n_features)`` and ``y`` int64 class labels of shape ``(n_samples,)``
(or float32 targets for regression).

* classification toys: :func:`circles`, :func:`xor`, :func:`blobs`;
* regression: :func:`noisy_line`, :func:`noisy_sine`, :func:`polynomial_features`;
* inputs of logic units and point clouds for layers: :func:`binary_inputs`,
  :func:`grid_cloud`, :func:`gaussian_cloud`;
* grouped rows: :func:`patient_data` (several scans of each patient);
* sequences that need a long memory: :func:`first_symbol`;
* splitting: :func:`train_test_split`, :func:`group_train_test_split`;
* encodings: :func:`one_hot`, :func:`tokenize`, :class:`BagOfWords`.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ._validation import (
    as_tensor,
    check_float,
    check_fraction,
    check_int,
    check_same_length,
    check_seed,
    check_sequence,
    describe,
)
from .seeding import make_generator

__all__ = [
    "BagOfWords",
    "binary_inputs",
    "blobs",
    "circles",
    "first_symbol",
    "gaussian_cloud",
    "grid_cloud",
    "group_train_test_split",
    "k_fold_split",
    "noisy_line",
    "noisy_sine",
    "one_hot",
    "patient_data",
    "polynomial_features",
    "tokenize",
    "train_test_split",
    "xor",
]


def _as_tensors(X: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Generated arrays as the tensors every generator returns: float32, labels int64."""
    labels = y.astype(np.int64) if np.issubdtype(y.dtype, np.integer) else y.astype(np.float32)
    return torch.from_numpy(X.astype(np.float32)), torch.from_numpy(labels)


def circles(
    n_samples: int = 100,
    *,
    df: float = 12.0,
    radius: float = 1.0,
    flip: float = 0.05,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points from a heavy-tailed 2-D cloud, labelled by whether they fall inside a circle.

    Each coordinate is drawn independently from Student's t distribution with
    ``df`` degrees of freedom. A point gets label 1 when it lies strictly inside
    the circle of the given ``radius`` around the origin, 0 otherwise. Then
    exactly ``round(flip * n_samples)`` labels, chosen at random, are flipped
    to play the part of label noise.

    Parameters
    ----------
    n_samples : int, default 100
        Number of points.
    df : float, default 12.0
        Degrees of freedom of the t distribution (smaller: heavier tails).
    radius : float, default 1.0
        Radius of the circle that separates the classes.
    flip : float, default 0.05
        Fraction of labels to flip, in [0, 1].
    seed : int, optional
        Seed of the generator; the same seed gives the same data.

    Returns
    -------
    X : Tensor of shape (n_samples, 2), float32
        The points.
    y : Tensor of shape (n_samples,), int64
        Labels in {0, 1}.

    Examples
    --------
    >>> X, y = circles(100, seed=0)
    >>> X.shape, y.shape, y.dtype
    (torch.Size([100, 2]), torch.Size([100]), torch.int64)
    >>> inside = (X.norm(dim=1) < 1).long()
    >>> int((inside != y).sum())  # 5% of 100 labels flipped
    5
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    df = check_float("df", df, minimum=0.0, strict_minimum=True)
    radius = check_float("radius", radius, minimum=0.0, strict_minimum=True)
    flip = check_fraction("flip", flip)
    seed = check_seed("seed", seed)

    rng = np.random.default_rng(seed)
    X = rng.standard_t(df, size=(n_samples, 2))
    y = (np.linalg.norm(X, axis=1) < radius).astype(np.int64)
    n_flip = round(flip * n_samples)
    flipped = rng.choice(n_samples, size=n_flip, replace=False)
    y[flipped] = 1 - y[flipped]
    return _as_tensors(X, y)


# --------------------------------------------------------------------------- regression


def noisy_line(
    n_samples: int = 50,
    *,
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 0.3,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points scattered around a straight line, for linear regression.

    The inputs ``x`` are drawn uniformly from [-1, 1] and the targets are
    ``slope * x + intercept`` plus Gaussian noise of standard deviation ``noise``.

    Parameters
    ----------
    n_samples : int, default 50
        Number of points.
    slope, intercept : float, default 2.0 and 1.0
        The line the targets scatter around.
    noise : float, default 0.3
        Standard deviation of the Gaussian noise, >= 0.
    seed : int, optional
        Seed of the generator; the same seed gives the same data.

    Returns
    -------
    x : Tensor of shape (n_samples,), float32
        Inputs in [-1, 1].
    y : Tensor of shape (n_samples,), float32
        Noisy targets.

    Examples
    --------
    >>> x, y = noisy_line(5, noise=0.0, seed=0)
    >>> x.shape, y.dtype
    (torch.Size([5]), torch.float32)
    >>> bool(torch.allclose(y, 2 * x + 1))
    True
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    slope = check_float("slope", slope)
    intercept = check_float("intercept", intercept)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=n_samples)
    y = slope * x + intercept + noise * rng.standard_normal(n_samples)
    return _as_tensors(x, y)


def noisy_sine(
    n_samples: int = 20,
    *,
    noise: float = 0.2,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy samples of one period of a sine wave, for demonstrations of overfitting.

    The inputs are drawn uniformly from [0, 1] and the targets are
    ``sin(2 * pi * x)`` plus Gaussian noise of standard deviation ``noise``.

    Parameters
    ----------
    n_samples : int, default 20
        Number of points.
    noise : float, default 0.2
        Standard deviation of the noise, >= 0.
    seed : int, optional
        Seed of the generator.

    Returns
    -------
    x : Tensor of shape (n_samples,), float32
        Inputs in [0, 1].
    y : Tensor of shape (n_samples,), float32
        Noisy targets.

    Examples
    --------
    >>> x, y = noisy_sine(4, noise=0.0, seed=1)
    >>> bool(torch.allclose(y, torch.sin(2 * torch.pi * x), atol=1e-6))
    True
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=n_samples)
    y = np.sin(2 * np.pi * x) + noise * rng.standard_normal(n_samples)
    return _as_tensors(x, y)


def polynomial_features(
    x: torch.Tensor | np.ndarray | Sequence[float], degree: int, *, bias: bool = True
) -> torch.Tensor:
    """The powers ``1, x, x**2, ..., x**degree`` of a one-dimensional input, as columns.

    A linear model on these features is a polynomial in ``x``, so fitting it by
    least squares is polynomial regression.

    Parameters
    ----------
    x : Tensor or array of shape (n_samples,) or (n_samples, 1)
        The inputs.
    degree : int
        Highest power, >= 0 (>= 1 when ``bias`` is False).
    bias : bool, default True
        Include the column of ones (the power 0).

    Returns
    -------
    Tensor of shape (n_samples, degree + 1), or (n_samples, degree) without bias
        Same dtype and device as ``x`` (float32 for integer input).

    Examples
    --------
    >>> polynomial_features(torch.tensor([1.0, 2.0, 3.0]), 2)
    tensor([[1., 1., 1.],
            [1., 2., 4.],
            [1., 3., 9.]])
    """
    x = as_tensor("x", x, ndim=(1, 2))
    if x.ndim == 2:
        if x.shape[1] != 1:
            raise ValueError(
                f"x must have shape (n_samples,) or (n_samples, 1), got {tuple(x.shape)}"
            )
        x = x[:, 0]
    if not x.is_floating_point():
        x = x.float()
    degree = check_int("degree", degree, minimum=0 if bias else 1)
    first = 0 if bias else 1
    powers = torch.arange(first, degree + 1, device=x.device, dtype=x.dtype)
    return x[:, None] ** powers  # (n, 1) ** (p,) -> (n, p)


# ------------------------------------------------------------------------ splitting


def _n_samples_of(arrays: tuple[Any, ...]) -> int:
    if not arrays:
        raise ValueError("at least one array is required")
    for i, a in enumerate(arrays):
        if not isinstance(a, (torch.Tensor, np.ndarray, list, tuple)):
            raise TypeError(f"arrays[{i}] must be a tensor, array or list, got {describe(a)}")
    n = len(arrays[0])
    for i, a in enumerate(arrays[1:], start=1):
        check_same_length("arrays[0]", arrays[0], f"arrays[{i}]", a)
    return n


def _take(a: Any, index: np.ndarray) -> Any:
    if isinstance(a, torch.Tensor):
        return a[torch.as_tensor(index, dtype=torch.long, device=a.device)]
    if isinstance(a, np.ndarray):
        return a[index]
    return [a[i] for i in index]


def _n_test(name: str, test_size: Any, n: int) -> int:
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        n_test = check_int(name, test_size, minimum=1)
    else:
        fraction = check_float(name, test_size, minimum=0.0, maximum=1.0, strict_minimum=True)
        if fraction >= 1.0:
            raise ValueError(f"{name} must be a fraction in (0, 1) or a count, got {fraction}")
        n_test = int(np.ceil(fraction * n))
    if n_test >= n:
        raise ValueError(
            f"{name}={test_size!r} leaves nothing to train on: {n_test} of {n} go to the test side"
        )
    return n_test


def train_test_split(
    *arrays: Any, test_size: float | int = 0.3, seed: int | None = None
) -> list[Any]:
    """Split arrays into random training and test parts, row by row.

    The same random permutation is applied to every array, so ``X`` and ``y``
    stay aligned. The order of the result follows scikit-learn:
    ``a_train, a_test, b_train, b_test, ...``.

    Parameters
    ----------
    *arrays : Tensors, arrays or lists of the same length n_samples
    test_size : float or int, default 0.3
        A fraction in (0, 1) (the test side gets ``ceil(test_size * n)`` rows)
        or a number of test rows.
    seed : int, optional
        Seed of the permutation; the same seed gives the same split.

    Returns
    -------
    list
        Two pieces per input array, of the same type as that array.

    Examples
    --------
    >>> X, y = torch.arange(20).reshape(10, 2), torch.arange(10)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, seed=0)
    >>> X_train.shape, X_test.shape, y_test.shape
    (torch.Size([7, 2]), torch.Size([3, 2]), torch.Size([3]))
    >>> bool((X_test[:, 0] == 2 * y_test).all())  # rows stay aligned
    True
    """
    n = _n_samples_of(arrays)
    n_test = _n_test("test_size", test_size, n)
    seed = check_seed("seed", seed)
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    out: list[Any] = []
    for a in arrays:
        out.extend([_take(a, train), _take(a, test)])
    return out


def k_fold_split(
    n_samples: int, k: int = 5, *, seed: int | None = None
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Row indices of k-fold cross-validation: ``k`` (training, validation) pairs.

    The rows are shuffled once (the permutation of :func:`train_test_split`
    for the same seed) and cut into ``k`` folds whose sizes differ by at most
    one. Fold ``i`` is the validation part of pair ``i`` and the other folds
    are its training part, so every row is validated exactly once.

    Parameters
    ----------
    n_samples : int
        Number of rows, >= 2.
    k : int, default 5
        Number of folds, from 2 to ``n_samples``.
    seed : int, optional
        Seed of the permutation.

    Returns
    -------
    list of (Tensor, Tensor)
        ``k`` pairs of int64 index tensors ``(train, validation)``.

    Examples
    --------
    >>> folds = k_fold_split(10, k=3, seed=0)
    >>> [(len(train), len(val)) for train, val in folds]
    [(6, 4), (7, 3), (7, 3)]
    >>> sorted(torch.cat([val for _, val in folds]).tolist()) == list(range(10))
    True
    """
    n_samples = check_int("n_samples", n_samples, minimum=2)
    k = check_int("k", k, minimum=2)
    if k > n_samples:
        raise ValueError(f"k must be at most n_samples ({n_samples}), got {k}")
    seed = check_seed("seed", seed)
    order = np.random.default_rng(seed).permutation(n_samples)
    folds = np.array_split(order, k)
    return [
        (
            torch.from_numpy(np.concatenate(folds[:i] + folds[i + 1 :]).astype(np.int64)),
            torch.from_numpy(folds[i].astype(np.int64)),
        )
        for i in range(k)
    ]


def group_train_test_split(
    *arrays: Any,
    groups: Any,
    test_size: float | int = 0.3,
    seed: int | None = None,
) -> list[Any]:
    """Split arrays so that every group lies entirely on one side.

    Use it when rows are not independent: several images of one patient,
    frames of one video, sentences of one document. A random row split would
    put near-copies on both sides and make the test score too optimistic.
    Whole groups are drawn at random for the test side.

    Parameters
    ----------
    *arrays : Tensors, arrays or lists of the same length n_samples
    groups : Tensor, array or list of shape (n_samples,)
        The group of each row (any hashable values); at least two distinct groups.
    test_size : float or int, default 0.3
        A fraction in (0, 1) of the *groups* (``ceil(test_size * n_groups)`` go
        to the test side) or a number of test groups.
    seed : int, optional
        Seed of the choice of groups.

    Returns
    -------
    list
        ``a_train, a_test, b_train, b_test, ...`` as in :func:`train_test_split`.

    Examples
    --------
    >>> X = torch.arange(8.0)
    >>> patient = [0, 0, 1, 1, 2, 2, 3, 3]
    >>> X_train, X_test = group_train_test_split(X, groups=patient, test_size=0.25, seed=0)
    >>> len(X_train), len(X_test)
    (6, 2)
    >>> sorted({patient[int(i)] for i in X_test})  # one whole patient
    [2]
    """
    _n_samples_of(arrays)
    if isinstance(groups, torch.Tensor):
        group_list = groups.detach().cpu().tolist()
    elif isinstance(groups, np.ndarray):
        group_list = groups.tolist()
    elif isinstance(groups, (list, tuple)):
        group_list = list(groups)
    else:
        raise TypeError(f"groups must be a tensor, array or list, got {describe(groups)}")
    check_same_length("arrays[0]", arrays[0], "groups", group_list)
    unique = list(dict.fromkeys(group_list))  # first-seen order, deterministic
    if len(unique) < 2:
        raise ValueError(f"groups must hold at least two distinct groups, got {len(unique)}")
    n_test = _n_test("test_size", test_size, len(unique))
    seed = check_seed("seed", seed)
    chosen = np.random.default_rng(seed).permutation(len(unique))[:n_test]
    test_groups = {unique[i] for i in chosen}
    is_test = np.array([g in test_groups for g in group_list])
    test, train = np.flatnonzero(is_test), np.flatnonzero(~is_test)
    out: list[Any] = []
    for a in arrays:
        out.extend([_take(a, train), _take(a, test)])
    return out


# ---------------------------------------------------------------- classification toys


def xor(
    n_per_corner: int = 1, *, noise: float = 0.0, seed: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The XOR problem: the corners of the unit square, labelled by ``x1 XOR x2``.

    With the defaults this is the exact truth table, in the order
    (0, 0), (0, 1), (1, 0), (1, 1). With ``n_per_corner > 1`` or ``noise > 0``
    each corner contributes ``n_per_corner`` points, jittered by Gaussian noise
    of standard deviation ``noise`` (labels stay those of the corner).

    Parameters
    ----------
    n_per_corner : int, default 1
        Points per corner.
    noise : float, default 0.0
        Standard deviation of the jitter, >= 0.
    seed : int, optional
        Seed of the jitter.

    Returns
    -------
    X : Tensor of shape (4 * n_per_corner, 2), float32
    y : Tensor of shape (4 * n_per_corner,), int64

    Examples
    --------
    >>> X, y = xor()
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n_per_corner = check_int("n_per_corner", n_per_corner, minimum=1)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_seed("seed", seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    X = np.repeat(corners, n_per_corner, axis=0)  # (4 * n_per_corner, 2)
    y = np.repeat(labels, n_per_corner)
    if noise > 0:
        X = X + noise * np.random.default_rng(seed).standard_normal(X.shape)
    return _as_tensors(X, y)


def blobs(
    n_samples: int = 100,
    *,
    distance: float = 3.0,
    std: float = 0.7,
    margin: float = 0.5,
    center: Sequence[float] = (0.0, 0.0),
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two Gaussian blobs that a straight line separates, with a guaranteed gap.

    Class 0 is centred at ``c - (distance / 2) * u`` and class 1 at
    ``c + (distance / 2) * u`` with ``u = (1, 1) / sqrt(2)`` and ``c = center``.
    Points that would fall within ``margin / 2`` of the line ``u . (x - c) = 0``
    or on the wrong side of it are drawn again, so the classes are linearly separable with a gap of
    at least ``margin`` (the setting of the perceptron convergence theorem).
    The two classes get ``n_samples // 2`` and ``n_samples - n_samples // 2`` points.

    Parameters
    ----------
    n_samples : int, default 100
        Number of points, >= 2.
    distance : float, default 3.0
        Distance between the two centres, > 0.
    std : float, default 0.7
        Standard deviation of each blob, > 0.
    margin : float, default 0.5
        Width of the empty band around the separating line, in [0, distance).
    center : (float, float), default (0, 0)
        The midpoint between the two blobs; moving it away from the origin
        means a separating line needs a bias.
    seed : int, optional
        Seed of the generator.

    Returns
    -------
    X : Tensor of shape (n_samples, 2), float32
    y : Tensor of shape (n_samples,), int64
        Labels in {0, 1}.

    Examples
    --------
    >>> X, y = blobs(50, margin=1.0, seed=0)
    >>> side = X.sum(dim=1) / 2 ** 0.5  # projection on u
    >>> bool((side[y == 1] > 0.5).all() and (side[y == 0] < -0.5).all())
    True
    """
    n_samples = check_int("n_samples", n_samples, minimum=2)
    distance = check_float("distance", distance, minimum=0.0, strict_minimum=True)
    std = check_float("std", std, minimum=0.0, strict_minimum=True)
    margin = check_float("margin", margin, minimum=0.0)
    if margin >= distance:
        raise ValueError(f"margin must be smaller than distance={distance}, got {margin}")
    if isinstance(center, (str, bytes)) or not isinstance(center, Sequence) or len(center) != 2:
        raise TypeError(f"center must be a pair of numbers (x1, x2), got {describe(center)}")
    middle = np.array([check_float(f"center[{i}]", c) for i, c in enumerate(center)])
    seed = check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    u = np.array([1.0, 1.0]) / np.sqrt(2.0)
    counts = (n_samples // 2, n_samples - n_samples // 2)
    parts, labels = [], []
    for label, count in enumerate(counts):
        sign = 1.0 if label == 1 else -1.0
        kept = np.empty((0, 2))
        while len(kept) < count:
            draw = sign * (distance / 2) * u + std * rng.standard_normal((2 * count, 2))
            good = sign * (draw @ u) > margin / 2  # on its own side, outside the gap
            kept = np.concatenate([kept, draw[good]])
        parts.append(kept[:count])
        labels.append(np.full(count, label, dtype=np.int64))
    X = np.concatenate(parts) + middle  # (n_samples, 2)
    y = np.concatenate(labels)
    order = rng.permutation(n_samples)
    return _as_tensors(X[order], y[order])


# ---------------------------------------------------- logic inputs and point clouds


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


def grid_cloud(n_per_side: int = 15, *, extent: float = 2.0) -> np.ndarray:
    """A square grid of points in ``[-extent, extent]^2``, row by row.

    Parameters
    ----------
    n_per_side : int, default 15
    extent : float, default 2.0

    Returns
    -------
    array of shape (n_per_side**2, 2)

    Examples
    --------
    >>> grid_cloud(3, extent=1.0)[:3]
    array([[-1., -1.],
           [ 0., -1.],
           [ 1., -1.]])
    """
    n = check_int("n_per_side", n_per_side, minimum=2)
    extent = check_float("extent", extent, minimum=0.0, strict_minimum=True)
    ticks = np.linspace(-extent, extent, n)
    gx, gy = np.meshgrid(ticks, ticks)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def gaussian_cloud(
    n_samples: int = 300,
    *,
    mean: Sequence[float] = (1.0, 0.5),
    scale: Sequence[float] = (1.5, 0.5),
    seed: int | None = None,
) -> np.ndarray:
    """Points drawn from an axis-aligned Gaussian: an off-centre, stretched cloud.

    Parameters
    ----------
    n_samples : int, default 300
    mean : (float, float), default (1.0, 0.5)
    scale : (float, float), default (1.5, 0.5)
        Standard deviations along the two axes.
    seed : int, optional

    Returns
    -------
    array of shape (n_samples, 2)

    Examples
    --------
    >>> gaussian_cloud(5, seed=0).shape
    (5, 2)
    """
    n = check_int("n_samples", n_samples, minimum=1)
    centre = [
        check_float(f"mean[{i}]", v) for i, v in enumerate(check_sequence("mean", mean, length=2))
    ]
    spread = [
        check_float(f"scale[{i}]", v, minimum=0.0)
        for i, v in enumerate(check_sequence("scale", scale, length=2))
    ]
    rng = np.random.default_rng(check_seed("seed", seed))
    return np.asarray(centre) + rng.standard_normal((n, 2)) * np.asarray(spread)


# ------------------------------------------------------------- grouped and sequential


def patient_data(
    n_patients: int = 30,
    per_patient: int = 10,
    *,
    n_features: int = 10,
    signal: float = 1.5,
    spread: float = 2.0,
    noise: float = 0.3,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Grouped data where rows of one group look alike: several scans of each patient.

    Every patient has a diagnosis (label 0 or 1, half of the patients each)
    and a personal "look", a centre drawn from a normal distribution of
    standard deviation ``spread`` in every feature. Each of the patient's rows
    is that centre, plus ``signal`` times the diagnosis (as +1 or -1) in the
    first feature (the only thing that carries over to new patients), plus a
    little ``noise``. A model can score well on a random row split by
    recognising the patients it has seen; on new patients only the weak
    signal helps.

    Parameters
    ----------
    n_patients : int, default 30
        Number of groups, at least 2.
    per_patient : int, default 10
        Rows per group.
    n_features : int, default 10
    signal : float, default 1.5
        Shift of the first feature between the classes, >= 0.
    spread : float, default 2.0
        Standard deviation of the patient centres, >= 0.
    noise : float, default 0.3
        Standard deviation of the row-to-row noise, >= 0.
    seed : int, optional

    Returns
    -------
    X : Tensor of shape (n_patients * per_patient, n_features), float32
    y : Tensor of shape (n_patients * per_patient,), int64
    groups : Tensor of shape (n_patients * per_patient,), int64
        The patient of each row.

    Examples
    --------
    >>> X, y, groups = patient_data(4, 3, seed=0)
    >>> X.shape, groups.tolist()
    (torch.Size([12, 10]), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
    >>> bool((y.reshape(4, 3) == y.reshape(4, 3)[:, :1]).all())  # one label per patient
    True
    """
    n_patients = check_int("n_patients", n_patients, minimum=2)
    per_patient = check_int("per_patient", per_patient, minimum=1)
    n_features = check_int("n_features", n_features, minimum=1)
    signal = check_float("signal", signal, minimum=0.0)
    spread = check_float("spread", spread, minimum=0.0)
    noise = check_float("noise", noise, minimum=0.0)
    generator = make_generator(seed)
    diagnosis = torch.arange(n_patients) % 2  # half of the patients in each class
    diagnosis = diagnosis[torch.randperm(n_patients, generator=generator)]
    centres = spread * torch.randn(n_patients, n_features, generator=generator)
    groups = torch.arange(n_patients).repeat_interleave(per_patient)  # (n,)
    y = diagnosis[groups]  # (n,)
    X = centres[groups] + noise * torch.randn(len(groups), n_features, generator=generator)
    X[:, 0] += signal * (2 * y - 1).float()
    return X, y.long(), groups


def first_symbol(
    n_samples: int = 512,
    *,
    length: int = 20,
    n_symbols: int = 4,
    noise: float = 0.0,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences of one-hot symbols labelled by their first symbol.

    Every step of every sequence is a symbol drawn uniformly from
    ``n_symbols`` and one-hot encoded; the label is the symbol at step 0. The
    later steps carry no information about the label, so the best a model
    without memory can do is chance, ``1 / n_symbols``.

    Parameters
    ----------
    n_samples : int, default 512
        Number of sequences.
    length : int, default 20
        Steps per sequence (at least 1). The longer, the further back the
        label lies when the model reaches the end.
    n_symbols : int, default 4
        Size of the alphabet and number of classes (at least 2).
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to the one-hot vectors.
    seed : int, optional
        Seed of the generator; the same seed gives the same data.

    Returns
    -------
    X : Tensor of shape (n_samples, length, n_symbols), float32
        The sequences, batch first, as ``torch.nn.RNN(batch_first=True)`` expects.
    y : Tensor of shape (n_samples,), int64
        The first symbol of each sequence.

    Examples
    --------
    >>> X, y = first_symbol(8, length=5, n_symbols=3, seed=0)
    >>> X.shape, y.shape
    (torch.Size([8, 5, 3]), torch.Size([8]))
    >>> bool((X[:, 0].argmax(dim=1) == y).all())
    True
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    length = check_int("length", length, minimum=1)
    n_symbols = check_int("n_symbols", n_symbols, minimum=2)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_seed("seed", seed)
    generator = make_generator(seed)
    symbols = torch.randint(n_symbols, (n_samples, length), generator=generator)  # (N, T)
    X = torch.nn.functional.one_hot(symbols, n_symbols).float()  # (N, T, K)
    if noise > 0:
        X = X + noise * torch.randn(X.shape, generator=generator)
    return X, symbols[:, 0].clone()


# ------------------------------------------------------------------- representations


def one_hot(
    labels: torch.Tensor | np.ndarray | Sequence[int], num_classes: int | None = None
) -> torch.Tensor:
    """Encode integer class labels as one-hot vectors.

    Label ``k`` becomes the vector with a 1 in position ``k`` and 0 elsewhere.

    Parameters
    ----------
    labels : Tensor, array or list of int, of any shape S
        Class labels in ``{0, ..., num_classes - 1}``.
    num_classes : int, optional
        Number of classes K; defaults to ``max(labels) + 1``.

    Returns
    -------
    Tensor of shape (*S, K), float32
        On the device of ``labels``.

    Examples
    --------
    >>> one_hot(torch.tensor([0, 2, 1]))
    tensor([[1., 0., 0.],
            [0., 0., 1.],
            [0., 1., 0.]])
    >>> one_hot([1], num_classes=4)
    tensor([[0., 1., 0., 0.]])
    """
    labels = as_tensor("labels", labels)
    if labels.dtype == torch.bool or labels.is_floating_point() or labels.is_complex():
        raise TypeError(f"labels must hold integers, got dtype {labels.dtype}")
    labels = labels.long()
    if labels.numel() and int(labels.min()) < 0:
        raise ValueError(f"labels must be >= 0, got {int(labels.min())}")
    largest = int(labels.max()) if labels.numel() else -1
    if num_classes is None:
        if largest < 0:
            raise ValueError("num_classes is required when labels is empty")
        num_classes = largest + 1
    num_classes = check_int("num_classes", num_classes, minimum=1)
    if largest >= num_classes:
        raise ValueError(f"labels must be < num_classes={num_classes}, got a label {largest}")
    return torch.nn.functional.one_hot(labels, num_classes).float()


_TOKEN = re.compile(r"[a-z0-9']+")


def tokenize(text: str) -> list[str]:
    """Split a text into lower-case word tokens (letters, digits and apostrophes).

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str
        The tokens in order of appearance.

    Examples
    --------
    >>> tokenize("The cat sat. The CAT!")
    ['the', 'cat', 'sat', 'the', 'cat']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {describe(text)}")
    return _TOKEN.findall(text.lower())


class BagOfWords:
    """Turn documents into vectors of word counts over a fixed vocabulary.

    :meth:`fit` collects the vocabulary of a corpus (sorted alphabetically);
    :meth:`transform` maps each document to a vector whose entry ``k`` counts
    the occurrences of word ``k``. Words outside the vocabulary are ignored.
    :meth:`one_hot` gives the finer representation the counts summarise: one
    one-hot column per word of the document.

    Parameters
    ----------
    min_count : int, default 1
        Keep only words seen at least this often in the corpus given to :meth:`fit`.

    Attributes
    ----------
    vocabulary : list of str
        The words, in the order of the vector entries (set by :meth:`fit`).

    Examples
    --------
    >>> bow = BagOfWords().fit(["the cat sat", "the dog sat on the cat"])
    >>> bow.vocabulary
    ['cat', 'dog', 'on', 'sat', 'the']
    >>> bow.transform(["the cat and the dog"])
    tensor([[1., 1., 0., 0., 2.]])
    >>> bow.one_hot("the cat").shape  # (vocabulary, length)
    torch.Size([5, 2])
    """

    def __init__(self, *, min_count: int = 1) -> None:
        self.min_count = check_int("min_count", min_count, minimum=1)
        self.vocabulary: list[str] = []
        self._index: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"BagOfWords(min_count={self.min_count}, vocabulary_size={len(self.vocabulary)})"

    @staticmethod
    def _documents(documents: Any) -> list[str]:
        if isinstance(documents, str) or not isinstance(documents, Sequence):
            raise TypeError(f"documents must be a list of strings, got {describe(documents)}")
        for i, doc in enumerate(documents):
            if not isinstance(doc, str):
                raise TypeError(f"documents[{i}] must be a string, got {describe(doc)}")
        return list(documents)

    def _require_fit(self) -> None:
        if not self._index:
            raise ValueError("this BagOfWords has no vocabulary yet: call fit(documents) first")

    def fit(self, documents: Sequence[str]) -> BagOfWords:
        """Learn the vocabulary of ``documents`` (a list of strings); returns ``self``."""
        docs = self._documents(documents)
        counts: dict[str, int] = {}
        for doc in docs:
            for token in tokenize(doc):
                counts[token] = counts.get(token, 0) + 1
        self.vocabulary = sorted(w for w, c in counts.items() if c >= self.min_count)
        if not self.vocabulary:
            raise ValueError("documents contain no words to build a vocabulary from")
        self._index = {w: i for i, w in enumerate(self.vocabulary)}
        return self

    def transform(self, documents: Sequence[str]) -> torch.Tensor:
        """Count vectors: Tensor of shape (n_documents, vocabulary_size), float32."""
        self._require_fit()
        docs = self._documents(documents)
        out = torch.zeros(len(docs), len(self.vocabulary))
        for row, doc in enumerate(docs):
            for token in tokenize(doc):
                col = self._index.get(token)
                if col is not None:
                    out[row, col] += 1
        return out

    def fit_transform(self, documents: Sequence[str]) -> torch.Tensor:
        """:meth:`fit` then :meth:`transform` on the same documents."""
        return self.fit(documents).transform(documents)

    def one_hot(self, document: str) -> torch.Tensor:
        """One-hot columns of one document: Tensor of shape (vocabulary_size, n_known_words).

        Column ``t`` is the one-hot vector of the ``t``-th word of the document
        that is in the vocabulary; summing over the columns gives the counts of
        :meth:`transform`.
        """
        self._require_fit()
        if not isinstance(document, str):
            raise TypeError(f"document must be a string, got {describe(document)}")
        ids = [self._index[t] for t in tokenize(document) if t in self._index]
        matrix = torch.zeros(len(self.vocabulary), len(ids))
        matrix[ids, torch.arange(len(ids))] = 1.0
        return matrix
