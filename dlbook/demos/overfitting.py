"""Overfitting in one picture: polynomials of growing degree fitted by least squares.

:func:`polynomial_errors` reports the training and held-out error of each degree;
:func:`ridge_polynomial_fit` fits with weight decay, and :func:`weight_decay_errors`
reports the errors for several strengths of it; :func:`plot_polynomial` draws a
fitted polynomial. :func:`selection_experiment` runs the whole procedure on one
fresh data set: choose the degree, or the weight decay, on a validation set and
score the choice once on a test set. :func:`bias_variance` splits the expected test
error of each degree into noise, squared bias and variance, measured over many
resampled training sets. The unregularised fits themselves are
:func:`dlbook.linear.polynomial_fit` and :func:`dlbook.linear.polynomial_predict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from matplotlib.axes import Axes

from .._axes import get_axes
from .._validation import (
    as_tensor,
    check_choice,
    check_color,
    check_float,
    check_int,
    check_same_length,
    check_sequence,
    describe,
)
from ..data import noisy_sine, polynomial_features, train_test_split
from ..linear import mean_squared_error, polynomial_fit, polynomial_predict
from ..seeding import make_generator

__all__ = [
    "BiasVariance",
    "Selection",
    "bias_variance",
    "plot_polynomial",
    "polynomial_errors",
    "ridge_polynomial_fit",
    "selection_experiment",
    "weight_decay_errors",
]


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


def ridge_polynomial_fit(x: Any, y: Any, degree: int, *, weight_decay: float) -> torch.Tensor:
    """Coefficients of the polynomial that minimises the mean squared error plus weight decay.

    The loss is ``(1/n) ||P c - y||^2 + (weight_decay / 2) ||c||^2``, where ``P``
    holds the powers ``1, x, ..., x**degree``: every coefficient is penalised,
    as ``torch.optim.SGD(..., weight_decay=weight_decay)`` penalises every
    parameter it is given. Setting its gradient to zero gives
    ``(P^T P + (n * weight_decay / 2) I) c = P^T y``, solved here through the
    singular value decomposition of ``P`` (accurate for any weight decay).

    Parameters
    ----------
    x : Tensor of shape (n_samples,)
    y : Tensor of shape (n_samples,)
    degree : int
        Polynomial degree, >= 0.
    weight_decay : float
        The strength ``alpha >= 0`` of the penalty; 0 is plain least squares
        (:func:`dlbook.linear.polynomial_fit`).

    Returns
    -------
    Tensor of shape (degree + 1,), float64

    Examples
    --------
    >>> x = torch.tensor([0.0, 1.0, 2.0, 3.0])
    >>> plain = ridge_polynomial_fit(x, 2 * x, 1, weight_decay=0.0)
    >>> [round(c, 6) + 0.0 for c in plain.tolist()]
    [0.0, 2.0]
    >>> shrunk = ridge_polynomial_fit(x, 2 * x, 1, weight_decay=1.0)
    >>> bool(shrunk.norm() < plain.norm())
    True
    """
    weight_decay = check_float("weight_decay", weight_decay, minimum=0.0)
    degree = check_int("degree", degree, minimum=0)
    if weight_decay == 0.0:
        return polynomial_fit(x, y, degree)
    x = as_tensor("x", x, ndim=1).double().cpu()
    y = as_tensor("y", y, ndim=1).double().cpu()
    check_same_length("x", x, "y", y)
    P = polynomial_features(x, degree)  # (n, degree + 1)
    # With P = U S V^T the solution is V diag(s / (s^2 + lam)) U^T y: stable for every
    # lam >= 0, however large, where forming P^T P would square P's condition number.
    lam = len(x) * weight_decay / 2
    U, S, Vh = torch.linalg.svd(P, full_matrices=False)
    return Vh.T @ ((S / (S**2 + lam)) * (U.T @ y))


def weight_decay_errors(
    x_train: Any,
    y_train: Any,
    x_eval: Any,
    y_eval: Any,
    degree: int,
    weight_decays: Sequence[float],
) -> tuple[list[float], list[float]]:
    """Training and held-out mean squared error of one degree for several weight decays.

    Parameters
    ----------
    x_train, y_train : Tensor of shape (n_train,)
    x_eval, y_eval : Tensor of shape (n_eval,)
        Held-out data: a validation or a test set.
    degree : int
    weight_decays : sequence of float
        Strengths of the penalty of :func:`ridge_polynomial_fit`, each >= 0.

    Returns
    -------
    train_errors, eval_errors : list of float
        One value per weight decay.

    Examples
    --------
    >>> x = torch.linspace(0, 1, 8)
    >>> train, _ = weight_decay_errors(x, 3 * x, x, 3 * x, 1, [0.0, 0.1, 1.0])
    >>> train[0] < train[1] < train[2]  # more decay, worse fit of the training data
    True
    """
    if (
        isinstance(weight_decays, (str, bytes))
        or not isinstance(weight_decays, Sequence)
        or not weight_decays
    ):
        raise TypeError(
            f"weight_decays must be a non-empty sequence of numbers, got {describe(weight_decays)}"
        )
    degree = check_int("degree", degree, minimum=0)
    x_train, y_train, x_eval, y_eval = (
        as_tensor(name, value, ndim=1)
        for name, value in (
            ("x_train", x_train),
            ("y_train", y_train),
            ("x_eval", x_eval),
            ("y_eval", y_eval),
        )
    )
    check_same_length("x_train", x_train, "y_train", y_train)
    check_same_length("x_eval", x_eval, "y_eval", y_eval)
    train_errors, eval_errors = [], []
    for i, alpha in enumerate(weight_decays):
        alpha = check_float(f"weight_decays[{i}]", alpha, minimum=0.0)
        coefficients = ridge_polynomial_fit(x_train, y_train, degree, weight_decay=alpha)
        train_errors.append(mean_squared_error(polynomial_predict(coefficients, x_train), y_train))
        eval_errors.append(mean_squared_error(polynomial_predict(coefficients, x_eval), y_eval))
    return train_errors, eval_errors


#: The weight decays :func:`selection_experiment` chooses from: 1e-10, 1e-9, ..., 1.
DEFAULT_DECAYS: tuple[float, ...] = tuple(10.0**power for power in range(-10, 1))


@dataclass(frozen=True)
class Selection:
    """What :func:`selection_experiment` chose on the validation set, and its test errors.

    Attributes
    ----------
    degree : int
        The degree with the smallest validation error (no weight decay).
    test_error : float
        Test error of that degree, fitted on the training set.
    test_error_max_degree : float
        Test error of the highest degree without weight decay.
    weight_decay : float
        The weight decay with the smallest validation error, at the highest degree.
    test_error_decayed : float
        Test error of the highest degree with that weight decay.
    """

    degree: int
    test_error: float
    test_error_max_degree: float
    weight_decay: float
    test_error_decayed: float


def selection_experiment(
    seed: int,
    *,
    n_samples: int = 24,
    n_val: int = 6,
    n_test: int = 6,
    noise: float = 0.25,
    degrees: Sequence[int] = tuple(range(10)),
    weight_decays: Sequence[float] = DEFAULT_DECAYS,
) -> Selection:
    """Draw a noisy sine, split it three ways, choose a model on validation, score it on test.

    The data are ``dlbook.data.noisy_sine(n_samples, noise=noise, seed=seed)``.
    ``n_test`` points are set aside first (``train_test_split(..., seed=0)``),
    then ``n_val`` of the rest (the same call on the rest); the remaining
    points train every model. The degree (among ``degrees``, without weight
    decay) and the weight decay of the highest degree (among
    ``weight_decays``) are chosen where the validation error is smallest; the
    test set is used only to score those choices.

    Parameters
    ----------
    seed : int
        Seed of the data set.
    n_samples, n_val, n_test : int, default 24, 6, 6
        Sizes of the whole data set and of its validation and test parts.
    noise : float, default 0.25
    degrees : sequence of int, default 0 to 9
    weight_decays : sequence of float, default 1e-10, 1e-9, ..., 1

    Returns
    -------
    Selection

    Examples
    --------
    >>> s = selection_experiment(0)
    >>> s.degree in range(10), s.weight_decay > 0
    (True, True)
    """
    n_samples = check_int("n_samples", n_samples, minimum=3)
    n_val = check_int("n_val", n_val, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    if n_val + n_test >= n_samples:
        raise ValueError(
            f"n_val + n_test must leave training points, got {n_val} + {n_test} of {n_samples}"
        )
    degrees = [
        check_int(f"degrees[{i}]", d, minimum=0)
        for i, d in enumerate(check_sequence("degrees", degrees))
    ]
    if not degrees:
        raise ValueError("degrees must name at least one degree, got an empty sequence")
    decays = [
        check_float(f"weight_decays[{i}]", w, minimum=0.0)
        for i, w in enumerate(check_sequence("weight_decays", weight_decays))
    ]
    if not decays:
        raise ValueError("weight_decays must hold at least one value, got an empty sequence")
    x, y = noisy_sine(n_samples, noise=noise, seed=seed)
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=n_test, seed=0)
    x_train, x_val, y_train, y_val = train_test_split(x_rest, y_rest, test_size=n_val, seed=0)
    _, val = polynomial_errors(x_train, y_train, x_val, y_val, degrees)
    _, test = polynomial_errors(x_train, y_train, x_test, y_test, degrees)
    best = min(range(len(degrees)), key=lambda i: val[i])
    top = max(range(len(degrees)), key=lambda i: degrees[i])
    _, val_decay = weight_decay_errors(x_train, y_train, x_val, y_val, degrees[top], decays)
    _, test_decay = weight_decay_errors(x_train, y_train, x_test, y_test, degrees[top], decays)
    chosen = min(range(len(decays)), key=lambda i: val_decay[i])
    return Selection(
        degree=degrees[best],
        test_error=test[best],
        test_error_max_degree=test[top],
        weight_decay=float(decays[chosen]),
        test_error_decayed=test_decay[chosen],
    )


@dataclass(frozen=True)
class BiasVariance:
    """The expected test error of polynomial fits, split as :func:`bias_variance` measures it.

    Every tuple has one entry per degree, averaged over the evaluation inputs.

    Attributes
    ----------
    degrees : tuple of int
    bias_squared : tuple of float
        Squared distance of the average fit (over the training sets) from the true function.
    variance : tuple of float
        Variance of the fit across training sets.
    noise_variance : float
        Variance of the noise on the targets, ``noise ** 2``: what no model removes.
    test_error : tuple of float
        Measured mean squared error of the fits on fresh noisy targets.
    """

    degrees: tuple[int, ...]
    bias_squared: tuple[float, ...]
    variance: tuple[float, ...]
    noise_variance: float
    test_error: tuple[float, ...]


def bias_variance(
    degrees: Sequence[int] = tuple(range(8)),
    *,
    n_train: int = 12,
    n_datasets: int = 200,
    noise: float = 0.25,
    n_points: int = 100,
    design: str = "uniform",
    weight_decay: float = 0.0,
    seed: int = 0,
) -> BiasVariance:
    """Measure noise, squared bias and variance of polynomial fits over resampled data sets.

    Draws ``n_datasets`` training sets of ``n_train`` noisy samples of
    ``sin(2 pi x)`` and fits a polynomial of each degree to each, by least squares
    or, with ``weight_decay``, by :func:`ridge_polynomial_fit`. With
    ``design="uniform"`` each training set is
    ``dlbook.data.noisy_sine(n_train, noise=noise)``, its inputs independent and
    uniform on [0, 1]; some sets then bunch their inputs and leave wide gaps, in
    which fits of high degree swing without bound, and the averages over the sets
    are dominated by a few of them. With ``design="stratified"`` the ``i``-th input
    is uniform on ``[i / n_train, (i + 1) / n_train]``, one in each equal part of
    [0, 1], so that the expectations exist and the averages settle. At ``n_points``
    evenly spaced inputs in [0, 1] (where the training inputs are drawn from) it
    compares the fits with the true function ``sin(2 pi x)`` and with fresh noisy
    targets, one per data set and input. For the average ``f_bar`` of the fits,
    ``bias_squared`` is the mean of ``(f_bar - f) ** 2`` and ``variance`` the mean
    variance of the fits around ``f_bar``; in expectation ``test_error`` equals
    ``noise_variance + bias_squared + variance``, and the measured values agree
    up to the sampling noise of the fresh targets.

    Parameters
    ----------
    degrees : sequence of int, default 0 to 7
        Each below ``n_train``.
    n_train : int, default 12
        Training points per data set.
    n_datasets : int, default 200
        Number of resampled training sets, >= 2.
    noise : float, default 0.25
        Standard deviation of the noise on the targets.
    n_points : int, default 100
        Evaluation inputs.
    design : {"uniform", "stratified"}, default "uniform"
        How the training inputs are drawn (see above).
    weight_decay : float, default 0.0
        The strength ``alpha >= 0`` of the penalty of :func:`ridge_polynomial_fit`;
        0 is plain least squares.
    seed : int, default 0
        Seed of the training sets and of the fresh targets.

    Returns
    -------
    BiasVariance

    Examples
    --------
    >>> bv = bias_variance([1, 3], n_datasets=50, seed=0)
    >>> bv.bias_squared[0] > bv.bias_squared[1], bv.variance[0] < bv.variance[1]
    (True, True)
    >>> plain = bias_variance([9], design="stratified", seed=0)
    >>> decayed = bias_variance([9], design="stratified", weight_decay=1e-4, seed=0)
    >>> bool(decayed.variance[0] < plain.variance[0] / 10)
    True
    """
    n_train = check_int("n_train", n_train, minimum=1)
    degrees = [
        check_int(f"degrees[{i}]", d, minimum=0)
        for i, d in enumerate(check_sequence("degrees", degrees))
    ]
    if not degrees:
        raise ValueError("degrees must name at least one degree, got an empty sequence")
    if max(degrees) >= n_train:
        raise ValueError(
            f"degrees must be below n_train ({n_train}) so that each fit is determined, "
            f"got {max(degrees)}"
        )
    n_datasets = check_int("n_datasets", n_datasets, minimum=2)
    noise = check_float("noise", noise, minimum=0.0, maximum=1e6)
    n_points = check_int("n_points", n_points, minimum=1)
    design = check_choice("design", design, ("uniform", "stratified"))
    weight_decay = check_float("weight_decay", weight_decay, minimum=0.0)
    generator = make_generator(check_int("seed", seed, minimum=0))
    grid = torch.linspace(0.0, 1.0, n_points, dtype=torch.float64)
    truth = torch.sin(2 * torch.pi * grid)  # (n_points,)
    seeds = torch.randint(0, 2**31 - 1, (n_datasets,), generator=generator).tolist()
    fresh = truth + noise * torch.randn(
        n_datasets, n_points, generator=generator, dtype=torch.float64
    )
    shape = (n_datasets, n_train)
    if design == "uniform":
        samples = [noisy_sine(n_train, noise=noise, seed=data_seed) for data_seed in seeds]
        xs = torch.stack([x for x, _ in samples]).double()  # (n_datasets, n_train)
        ys = torch.stack([y for _, y in samples]).double()
    else:  # one input in each of the n_train equal parts of [0, 1]
        offsets = torch.rand(shape, generator=generator, dtype=torch.float64)
        xs = (torch.arange(n_train, dtype=torch.float64) + offsets) / n_train
        ys = torch.sin(2 * torch.pi * xs) + noise * torch.randn(
            shape, generator=generator, dtype=torch.float64
        )
    lam = n_train * weight_decay / 2  # as in ridge_polynomial_fit
    fits = torch.empty(len(degrees), n_datasets, n_points, dtype=torch.float64)
    for k, degree in enumerate(degrees):  # every data set's fit at once
        powers = torch.arange(degree + 1, dtype=torch.float64)
        P = xs[..., None] ** powers  # (n_datasets, n_train, degree + 1)
        if weight_decay == 0.0:
            coefficients = torch.linalg.lstsq(P, ys[..., None], driver="gelsd").solution[..., 0]
        else:  # V diag(s / (s^2 + lam)) U^T y, as ridge_polynomial_fit solves it
            U, S, Vh = torch.linalg.svd(P, full_matrices=False)
            projected = (U.transpose(1, 2) @ ys[..., None])[..., 0]  # (n_datasets, d + 1)
            coefficients = (Vh.transpose(1, 2) @ (S / (S**2 + lam) * projected)[..., None])[..., 0]
        fits[k] = ((grid[:, None] ** powers) @ coefficients.T).T  # (R, n_points)
    average = fits.mean(dim=1)  # (degrees, n_points): f_bar
    bias_squared = ((average - truth) ** 2).mean(dim=1)
    variance = fits.var(dim=1, unbiased=False).mean(dim=1)
    test_error = ((fresh - fits) ** 2).mean(dim=(1, 2))
    return BiasVariance(
        degrees=tuple(degrees),
        bias_squared=tuple(bias_squared.tolist()),
        variance=tuple(variance.tolist()),
        noise_variance=noise**2,
        test_error=tuple(test_error.tolist()),
    )
