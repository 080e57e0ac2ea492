"""What a layer does to the plane: transform a 2-D point cloud and draw before and after.

A layer is any map from arrays of shape (n, 2) to shape (n, 2): a
:mod:`dlbook.scratch` module, a ``torch.nn.Module`` or a plain function.
Points keep their colour, so one can follow each point through the layer. The
clouds themselves come from :func:`dlbook.data.grid_cloud` and
:func:`dlbook.data.gaussian_cloud`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes

from .._axes import get_axes
from .._validation import as_tensor, check_features, check_float, describe

__all__ = ["apply_layer", "plot_cloud", "plot_layer_gallery"]


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
    ref = P if colour_by is None else as_tensor("colour_by", colour_by).double().numpy()
    if ref.shape != P.shape:
        raise ValueError(f"colour_by must have the shape of points {P.shape}, got {ref.shape}")
    size = check_float("size", size, minimum=0.0)
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
    >>> from dlbook.data import grid_cloud
    >>> axes = plot_layer_gallery({"doubled": lambda x: 2 * x}, grid_cloud(5))
    >>> len(axes)
    2
    """
    if not isinstance(layers, dict) or not layers:
        raise TypeError(
            f"layers must be a non-empty dict of title -> layer, got {describe(layers)}"
        )
    for title, layer in layers.items():
        if not callable(layer):
            raise TypeError(
                f"layers[{title!r}] must be a module or a function, got {describe(layer)}"
            )
    X_t = as_tensor("X", X, ndim=2).detach().cpu()
    check_features("X", X_t, 2)
    X_np = X_t.double().numpy()
    if axes is None:
        _, grid = plt.subplots(1, len(layers) + 1, figsize=(2.3 * (len(layers) + 1), 2.5))
        axes = list(np.atleast_1d(grid))
    if isinstance(axes, (str, bytes)) or not hasattr(axes, "__len__"):
        raise TypeError(f"axes must be a sequence of Axes, got {describe(axes)}")
    if len(axes) != len(layers) + 1:
        raise ValueError(f"axes must hold {len(layers) + 1} Axes, got {len(axes)}")
    plot_cloud(X_np, ax=axes[0], title=input_title, size=size)
    for ax, (title, layer) in zip(axes[1:], layers.items(), strict=True):
        plot_cloud(apply_layer(layer, X_np), colour_by=X_np, ax=ax, title=title, size=size)
    return list(axes)
