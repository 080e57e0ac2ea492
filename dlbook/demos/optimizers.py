"""A test bed for optimisers: an ill-conditioned bowl, the path an optimiser takes, and a plot.

:func:`ravine` is a quadratic bowl much steeper in one direction than the
other, :func:`descend` records the path an optimiser (for example
:class:`dlbook.optim.SGD` or :class:`dlbook.optim.Adam`) takes on a function of
a few variables, written out as a loop to show the five steps, and
:func:`plot_paths` draws the paths over the contours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes

from .._axes import get_axes
from .._validation import as_tensor, check_float, check_int, describe

__all__ = ["descend", "plot_paths", "ravine"]


def ravine(w: torch.Tensor, *, curvature: float = 20.0) -> torch.Tensor:
    r"""An ill-conditioned quadratic bowl :math:`f(w) = \tfrac12 (w_1^2 + c\, w_2^2)`.

    Its minimum is 0 at the origin. Along :math:`w_2` the bowl is ``curvature``
    times steeper than along :math:`w_1`, the situation in which plain
    gradient descent zig-zags and crawls.

    Parameters
    ----------
    w : Tensor of shape (2,) or (n_points, 2)
        One point or a batch of points.
    curvature : float, default 20.0
        The ratio :math:`c > 0` of the two curvatures.

    Returns
    -------
    Tensor of shape () or (n_points,)
        The value of the bowl at each point.

    Examples
    --------
    >>> ravine(torch.tensor([1.0, 1.0]))
    tensor(10.5000)
    """
    w = as_tensor("w", w, ndim=(1, 2))
    if not w.is_floating_point():
        w = w.double()  # integer squares overflow
    if w.shape[-1] != 2:
        raise ValueError(
            f"w must have 2 coordinates in its last dimension, got shape {tuple(w.shape)}"
        )
    curvature = check_float("curvature", curvature, minimum=0.0, strict_minimum=True)
    return 0.5 * (w[..., 0] ** 2 + curvature * w[..., 1] ** 2)


def descend(
    fn: Callable[[torch.Tensor], torch.Tensor],
    start: Sequence[float] | torch.Tensor,
    make_optimizer: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    *,
    steps: int = 50,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run an optimiser on a function of a few variables and record its path.

    Parameters
    ----------
    fn : callable
        Maps a tensor of shape ``(n_variables,)`` to a scalar tensor.
    start : sequence of float or Tensor of shape (n_variables,)
        The starting point.
    make_optimizer : callable
        Receives ``[w]`` (the list holding the one parameter tensor) and
        returns an optimiser, e.g. ``lambda p: dl.optim.Adam(p, lr=0.1)``.
    steps : int, default 50
        Number of optimiser steps.

    Returns
    -------
    path : Tensor of shape (steps + 1, n_variables)
        The point before each step and after the last one.
    losses : Tensor of shape (steps + 1,)
        ``fn`` at every point of the path.

    Examples
    --------
    >>> from dlbook.optim import SGD
    >>> path, losses = descend(ravine, [2.0, 1.0], lambda p: SGD(p, lr=0.05), steps=10)
    >>> path.shape, bool(losses[-1] < losses[0])
    (torch.Size([11, 2]), True)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {describe(fn)}")
    if not callable(make_optimizer):
        raise TypeError(f"make_optimizer must be callable, got {describe(make_optimizer)}")
    if not isinstance(start, (torch.Tensor, np.ndarray, list, tuple)):
        raise TypeError(f"start must be a point such as [2.0, 1.0], got {describe(start)}")
    w0 = as_tensor("start", start if isinstance(start, torch.Tensor) else list(start), ndim=1)
    if len(w0) == 0:
        raise ValueError("start must have at least one coordinate, got none")
    steps = check_int("steps", steps, minimum=1)
    w = w0.detach().clone().float().requires_grad_(True)
    optimizer = make_optimizer([w])
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"make_optimizer must return a torch.optim.Optimizer, got {describe(optimizer)}"
        )
    try:
        first = fn(w)
    except (TypeError, ValueError) as err:
        raise ValueError(f"fn cannot be evaluated at start={w0.tolist()}: {err}") from err
    if not isinstance(first, torch.Tensor) or first.numel() != 1:
        raise TypeError(f"fn must return a scalar tensor, got {describe(first)}")
    path, losses = [w.detach().clone()], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = fn(w)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
        path.append(w.detach().clone())
    losses.append(fn(w).detach())
    return torch.stack(path), torch.stack(losses)


def plot_paths(
    paths: Mapping[str, torch.Tensor | np.ndarray],
    fn: Callable[[torch.Tensor], torch.Tensor] = ravine,
    *,
    extent: Sequence[float] = (-5.0, 5.0, -2.0, 2.0),
    ax: Axes | None = None,
) -> Axes:
    """Draw optimiser paths over the contours of a function of two variables.

    Parameters
    ----------
    paths : mapping of str to Tensor of shape (n_points, 2)
        One path per optimiser, labelled by the key.
    fn : callable, default :func:`ravine`
        Maps points of shape ``(n, 2)`` to values of shape ``(n,)``.
    extent : (xmin, xmax, ymin, ymax), default (-5, 5, -2, 2)
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        The Axes drawn on, with equal scales on both axes: the contours, one
        line per path and the minimum.

    Examples
    --------
    >>> from dlbook.optim import SGD
    >>> path, _ = descend(ravine, [-4.0, 1.5], lambda p: SGD(p, lr=0.05), steps=5)
    >>> ax = plot_paths({"SGD": path})
    >>> len(ax.get_lines())
    1
    """
    if not isinstance(paths, Mapping) or not paths:
        raise TypeError(f"paths must be a non-empty mapping of name to path, got {describe(paths)}")
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {describe(fn)}")
    if isinstance(extent, (str, bytes)) or not isinstance(extent, (Sequence, np.ndarray)):
        raise TypeError(f"extent must be (xmin, xmax, ymin, ymax), got {describe(extent)}")
    if len(extent) != 4:
        raise ValueError(f"extent must be (xmin, xmax, ymin, ymax), got {extent!r}")
    xmin, xmax, ymin, ymax = (check_float(f"extent[{i}]", e) for i, e in enumerate(extent))
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(f"extent must have xmin < xmax and ymin < ymax, got {tuple(extent)}")
    ax = get_axes(ax)
    xs, ys = np.linspace(xmin, xmax, 200), np.linspace(ymin, ymax, 120)
    gx, gy = np.meshgrid(xs, ys)
    grid = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1)).float()
    with torch.no_grad():
        heights = fn(grid)
    if not isinstance(heights, torch.Tensor) or heights.numel() != gx.size:
        raise TypeError(f"fn must map points of shape (n, 2) to n values, got {describe(heights)}")
    values = heights.reshape(gx.shape).numpy()
    levels = np.quantile(values, np.linspace(0.02, 0.98, 12))
    ax.contour(gx, gy, values, levels=np.unique(levels), colors="0.75", linewidths=0.8)
    for name, path in paths.items():
        points = as_tensor(f"paths[{name!r}]", path, ndim=2).detach().cpu().numpy()
        if points.shape[1] != 2:
            raise ValueError(f"paths[{name!r}] must have shape (n_points, 2), got {points.shape}")
        ax.plot(points[:, 0], points[:, 1], marker="o", markersize=2.5, linewidth=1.2, label=name)
    ax.scatter([0.0], [0.0], marker="*", color="black", s=80, zorder=3)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")  # the shape of the bowl, and the angles of the steps, to scale
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend(loc="lower right", fontsize="small")
    return ax
