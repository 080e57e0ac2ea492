"""What a layer does to the plane: transform a 2-D point cloud and draw before and after.

A layer is any map from arrays of shape (n, 2) to shape (n, 2): a
:mod:`dlbook.scratch` module, a ``torch.nn.Module`` or a plain function.
Points keep their colour, so one can follow each point through the layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

from ._axes import get_axes
from ._validation import as_tensor, check_features, check_float, check_int, check_seed, describe

__all__ = ["apply_layer", "gaussian_cloud", "grid_cloud", "plot_cloud", "plot_layer_gallery"]


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
    if len(mean) != 2 or len(scale) != 2:
        raise ValueError(f"mean and scale must have 2 entries each, got {mean} and {scale}")
    rng = np.random.default_rng(check_seed("seed", seed))
    return np.asarray(mean) + rng.standard_normal((n, 2)) * np.asarray(scale)


def apply_layer(layer: Any, X: np.ndarray | torch.Tensor) -> np.ndarray:
    """Run a layer on points of shape (n, 2) and return the result as a NumPy array.

    Parameters
    ----------
    layer : dlbook.scratch.Module, torch.nn.Module or callable
        Maps (n, 2) to (n, 2). A torch module runs in evaluation mode on float32.
    X : array or Tensor of shape (n, 2)

    Returns
    -------
    array of shape (n, 2)

    Examples
    --------
    >>> apply_layer(lambda x: 2 * x, np.ones((3, 2)))[0]
    array([2., 2.])
    """
    X = as_tensor("X", X, ndim=2).detach().cpu()
    check_features("X", X, 2)
    if isinstance(layer, torch.nn.Module):
        was = layer.training
        layer.eval()
        try:
            with torch.no_grad():
                out = layer(X.float()).numpy()
        finally:
            layer.train(was)
    elif callable(layer):
        out = layer(X.double().numpy())
        out = out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
    else:
        raise TypeError(f"layer must be a module or a function, got {describe(layer)}")
    if out.shape != tuple(X.shape):
        raise ValueError(f"layer must map shape (n, 2) to (n, 2), got {tuple(out.shape)}")
    return out.astype(np.float64)


def _colours(X: np.ndarray) -> np.ndarray:
    """A colour per point from its angle and radius in the input (so points can be followed)."""
    angle = (np.arctan2(X[:, 1], X[:, 0]) + np.pi) / (2 * np.pi)
    return plt.get_cmap("twilight")(angle)


def plot_cloud(
    points: np.ndarray | torch.Tensor,
    *,
    colour_by: np.ndarray | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    size: float = 10,
) -> Axes:
    """Scatter a 2-D point cloud, coloured by the angle of ``colour_by`` (default: the points).

    Parameters
    ----------
    points : array or Tensor of shape (n, 2)
    colour_by : array of shape (n, 2), optional
        The input cloud, so that transformed points keep their input colour.
    ax : Axes, optional
    title : str, optional
    size : float, default 10

    Returns
    -------
    Axes
    """
    P = as_tensor("points", points, ndim=2).detach().cpu().double().numpy()
    if P.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {P.shape}")
    ref = P if colour_by is None else np.asarray(colour_by, dtype=np.float64)
    if ref.shape != P.shape:
        raise ValueError(f"colour_by must have the shape of points {P.shape}, got {ref.shape}")
    ax = get_axes(ax, figsize=(3, 3))
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.scatter(P[:, 0], P[:, 1], s=size, c=_colours(ref), edgecolors="none")
    ax.set_aspect("equal", adjustable="datalim")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_layer_gallery(
    layers: dict[str, Callable[..., Any] | Any],
    X: np.ndarray | torch.Tensor,
    *,
    axes: Sequence[Axes] | None = None,
    input_title: str = "input",
    size: float = 8,
) -> list[Axes]:
    """Draw the input cloud and, next to it, its image under each layer.

    Parameters
    ----------
    layers : dict of str to layer
        Titles and layers, each as accepted by :func:`apply_layer`.
    X : array or Tensor of shape (n, 2)
    axes : sequence of Axes, optional
        ``len(layers) + 1`` axes; a new row of panels is made when omitted.
    input_title : str, default "input"
    size : float, default 8

    Returns
    -------
    list of Axes

    Examples
    --------
    >>> axes = plot_layer_gallery({"doubled": lambda x: 2 * x}, grid_cloud(5))
    >>> len(axes)
    2
    """
    if not isinstance(layers, dict) or not layers:
        raise TypeError(
            f"layers must be a non-empty dict of title -> layer, got {describe(layers)}"
        )
    X_np = as_tensor("X", X, ndim=2).detach().cpu().double().numpy()
    if axes is None:
        _, grid = plt.subplots(1, len(layers) + 1, figsize=(2.3 * (len(layers) + 1), 2.5))
        axes = list(np.atleast_1d(grid))
    if len(axes) != len(layers) + 1:
        raise ValueError(f"axes must hold {len(layers) + 1} Axes, got {len(axes)}")
    plot_cloud(X_np, ax=axes[0], title=input_title, size=size)
    for ax, (title, layer) in zip(axes[1:], layers.items(), strict=True):
        plot_cloud(apply_layer(layer, X_np), colour_by=X_np, ax=ax, title=title, size=size)
    return list(axes)
