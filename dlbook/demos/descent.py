"""Gradient descent on a quadratic bowl: its curvatures, and the paths drawn over its contours.

The mean squared error of a linear model, ``L(w) = (1/n) ||X w - y||^2``, is a
quadratic bowl with the constant Hessian ``H = (2/n) X^T X``. Its eigenvalues
are the curvatures of the bowl along its axes: :func:`curvatures` returns them
with the numbers that govern gradient descent on it, and :func:`plot_mse_contours`
draws the contours of the bowl with the paths that descent takes (for example the
``path`` of :func:`dlbook.linear.least_squares_gd`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes

from .._axes import get_axes
from .._validation import as_tensor, check_int, check_same_length, check_sequence, describe
from ..linear import least_squares
from ..plotting import _extent

__all__ = ["Curvatures", "curvatures", "plot_mse_contours"]


@dataclass(frozen=True)
class Curvatures:
    """The curvatures of the least-squares bowl and what they imply for gradient descent.

    Attributes
    ----------
    eigenvalues : tuple of float
        Eigenvalues of the Hessian ``(2/n) X^T X``, smallest first.
    condition_number : float
        ``lam_max / lam_min`` (infinite when ``lam_min`` is 0).
    max_stable_lr : float
        ``2 / lam_max``: gradient descent converges from every start exactly
        when the learning rate is below it.
    best_lr : float
        ``2 / (lam_min + lam_max)``, the fixed learning rate whose slowest
        direction shrinks fastest.
    best_rate : float
        ``(kappa - 1) / (kappa + 1)``: the factor by which the distance to the
        minimum shrinks per step, at worst, with ``best_lr``.
    """

    eigenvalues: tuple[float, ...]
    condition_number: float
    max_stable_lr: float
    best_lr: float
    best_rate: float


def curvatures(X: Any) -> Curvatures:
    """The eigenvalues of the Hessian of the mean squared error, and the rates they imply.

    Gradient descent with learning rate ``lr`` multiplies the error along the
    eigenvector of eigenvalue ``lam`` by ``1 - lr * lam`` each step.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_features)
        The design matrix.

    Returns
    -------
    Curvatures

    Examples
    --------
    >>> X = torch.tensor([[2.0, 0.0], [0.0, 1.0]])  # Hessian diag(4, 1)
    >>> c = curvatures(X)
    >>> c.eigenvalues, c.condition_number, c.max_stable_lr, c.best_lr, c.best_rate
    ((1.0, 4.0), 4.0, 0.5, 0.4, 0.6)
    """
    X = as_tensor("X", X, ndim=2).double().cpu()
    if len(X) == 0:
        raise ValueError("X must hold at least one row")
    hessian = 2.0 / len(X) * (X.T @ X)  # (d, d)
    eigenvalues = torch.linalg.eigvalsh(hessian).clamp(min=0.0)  # ascending
    low, high = float(eigenvalues[0]), float(eigenvalues[-1])
    if high <= 0:
        raise ValueError("X must not be all zeros: the loss has no curvature")
    kappa = high / low if low > 0 else float("inf")
    rate = (kappa - 1) / (kappa + 1) if np.isfinite(kappa) else 1.0
    return Curvatures(
        eigenvalues=tuple(float(v) for v in eigenvalues),
        condition_number=kappa,
        max_stable_lr=2.0 / high,
        best_lr=2.0 / (low + high),
        best_rate=rate,
    )


def plot_mse_contours(
    X: Any,
    y: Any,
    paths: Mapping[str, Any],
    *,
    extent: Sequence[float],
    ax: Axes | None = None,
    levels: int = 12,
    labels: tuple[str, str] = ("$b$", "$w$"),
) -> Axes:
    """Draw the contours of the mean squared error of a two-parameter linear model, with paths.

    The contour levels are spaced evenly in the square root of the excess loss
    ``L(w) - L(w*)``, so that on a round bowl they would be evenly spaced circles.
    The axes have equal aspect: the bowl's shape is drawn as it is.

    Parameters
    ----------
    X : Tensor of shape (n_samples, 2)
        The design matrix.
    y : Tensor of shape (n_samples,)
    paths : mapping of str to Tensor of shape (n_points, 2)
        Parameter vectors visited by an optimiser, one path per label.
    extent : (xmin, xmax, ymin, ymax)
        The region of parameter space drawn.
    ax : matplotlib Axes, optional
    levels : int, default 12
        Number of contour lines.
    labels : (str, str), default ("$b$", "$w$")
        Names of the two parameters, for the axes.

    Returns
    -------
    matplotlib Axes
        Drawn on: the contours, one line per path, and the minimum as a star.

    Examples
    --------
    >>> from dlbook.linear import least_squares_gd
    >>> X = torch.tensor([[1.0, -1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = torch.tensor([0.0, 1.0, 2.0])
    >>> path = least_squares_gd(X, y, lr=0.3, steps=5).path
    >>> ax = plot_mse_contours(X, y, {"lr 0.3": path}, extent=(-1, 2, -1, 2))
    >>> len(ax.get_lines())
    1
    """
    X = as_tensor("X", X, ndim=2).double().cpu()
    y = as_tensor("y", y, ndim=1).double().cpu()
    check_same_length("X", X, "y", y)
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {tuple(X.shape)}")
    if not isinstance(paths, Mapping) or not paths:
        raise TypeError(f"paths must be a non-empty mapping of name to path, got {describe(paths)}")
    xmin, xmax, ymin, ymax = _extent(extent)
    levels = check_int("levels", levels, minimum=1)
    labels = tuple(check_sequence("labels", labels, length=2))
    ax = get_axes(ax)
    g0, g1 = np.meshgrid(np.linspace(xmin, xmax, 241), np.linspace(ymin, ymax, 241))
    grid = torch.from_numpy(np.stack([g0.ravel(), g1.ravel()], axis=1))  # (G, 2)
    residuals = X @ grid.T - y[:, None]  # (n, G)
    values = (residuals**2).mean(dim=0).reshape(g0.shape).numpy()
    best = least_squares(X, y)
    floor = float(((X @ best - y) ** 2).mean())
    radii = np.linspace(0.0, np.sqrt(max(values.max() - floor, 1e-12)), levels + 1)[1:]
    ax.contour(g0, g1, values, levels=floor + radii**2, colors="0.7", linewidths=0.8)
    for name, path in paths.items():
        points = as_tensor(f"paths[{name!r}]", path, ndim=2).detach().double().cpu().numpy()
        if points.shape[1] != 2:
            raise ValueError(f"paths[{name!r}] must have shape (n_points, 2), got {points.shape}")
        ax.plot(points[:, 0], points[:, 1], marker="o", markersize=2.5, linewidth=1.1, label=name)
    ax.scatter([float(best[0])], [float(best[1])], marker="*", color="black", s=90, zorder=3)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    return ax
