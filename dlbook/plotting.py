"""Figures used throughout the book.

Every helper takes ``ax=None`` (a new figure is made when it is ``None``),
returns the Axes it drew on, accepts tensors or arrays, never calls
``plt.show()`` and never changes global style. :func:`set_book_style` is the
one function that does, and chapters call it once, explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import torch
from cycler import cycler
from matplotlib.axes import Axes

from ._axes import get_axes
from ._validation import (
    as_tensor,
    check_color,
    check_features,
    check_float,
    check_int,
    check_sequence,
    describe,
)
from .devices import module_device, module_dtype
from .models import hidden_activations
from .training import predict_proba

__all__ = [
    "BOOK_STYLE",
    "CLASS_COLORS",
    "OKABE_ITO",
    "plot_boundary",
    "plot_decision_surface",
    "plot_history",
    "plot_lines",
    "plot_neuron_map",
    "plot_points",
    "plot_units_1d",
    "set_book_style",
]

#: The palette of Okabe and Ito (2008), distinguishable with every common colour-vision
#: deficiency: black, orange, sky blue, bluish green, yellow, blue, vermillion and
#: reddish purple.
OKABE_ITO = (
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
)

#: Colours of class 0 and class 1 (colour-blind safe; the first two of the colour cycle).
CLASS_COLORS = ("#0072B2", "#E69F00")

#: The rcParams that :func:`set_book_style` applies.
BOOK_STYLE: dict[str, Any] = {
    "figure.figsize": (6.0, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    # Opaque white figures (the notebook's inline backend makes them transparent), so
    # the dark text of a figure stays readable on the site's dark theme, in a notebook
    # with a dark theme and in print.
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    # Okabe-Ito without black (kept for boundaries and annotations), yellow last since it
    # is the least visible on white.
    "axes.prop_cycle": cycler(
        color=[*CLASS_COLORS, "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
    ),
    "legend.frameon": False,
    "image.cmap": "viridis",
}

Extent = tuple[float, float, float, float]


def set_book_style() -> None:
    """Apply the book's matplotlib style (:data:`BOOK_STYLE`) to ``rcParams``.

    Call it once at the top of a chapter; nothing in dlbook calls it on import.
    """
    rc: dict[Any, Any] = mpl.rcParams  # typed by key literals; ours are plain strings
    rc.update(BOOK_STYLE)


#: The largest coordinate a plotted box may have.
EXTENT_LIMIT = 1e15


def _extent(extent: Sequence[float]) -> Extent:
    items = check_sequence("extent", extent)
    if len(items) != 4:
        raise ValueError(f"extent must be (xmin, xmax, ymin, ymax), got {tuple(items)}")
    xmin, xmax, ymin, ymax = (check_float(f"extent[{i}]", v) for i, v in enumerate(items))
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(f"extent must have xmin < xmax and ymin < ymax, got {tuple(extent)}")
    if max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) > EXTENT_LIMIT:
        # A model evaluates the grid in float32: beyond this its outputs overflow.
        raise ValueError(
            f"extent must lie within +-{EXTENT_LIMIT:g} (the grid is evaluated in float32), "
            f"got {tuple(extent)}"
        )
    return xmin, xmax, ymin, ymax


def _grid(extent: Extent, resolution: int) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    xmin, xmax, ymin, ymax = extent
    xs = np.linspace(xmin, xmax, resolution)
    ys = np.linspace(ymin, ymax, resolution)
    gx, gy = np.meshgrid(xs, ys)  # (R, R) each
    points = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32))
    return gx, gy, points  # points: (R * R, 2)


def plot_points(
    X: torch.Tensor | np.ndarray,
    y: torch.Tensor | np.ndarray,
    *,
    ax: Axes | None = None,
    size: float = 22,
) -> Axes:
    """Scatter 2-D points coloured by a binary label.

    Class 0 is drawn as circles and class 1 as squares, in the two
    :data:`CLASS_COLORS`, so the classes stay apart in grey scale too.

    Parameters
    ----------
    X : Tensor or array of shape (n_samples, 2)
    y : Tensor or array of shape (n_samples,)
        Labels in {0, 1}.
    ax : Axes, optional
    size : float, default 22
        Marker area.

    Returns
    -------
    Axes
        The Axes drawn on, one scatter collection per class.
    """
    size = check_float("size", size, minimum=0.0)
    X = as_tensor("X", X, ndim=2).detach().cpu()
    if X.is_complex():
        raise TypeError(f"X must hold real numbers, got dtype {X.dtype}")
    X = X.double()  # any real dtype (bfloat16 has no NumPy twin)
    y = as_tensor("y", y, ndim=1).detach().cpu()
    check_features("X", X, 2)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of samples, got {len(X)} and {len(y)}")
    ax = get_axes(ax)
    for label, (color, marker) in enumerate(zip(CLASS_COLORS, ("o", "s"), strict=False)):
        mask = (y == label).numpy()
        ax.scatter(
            X[mask, 0].numpy(),
            X[mask, 1].numpy(),
            s=size,
            c=color,
            marker=marker,
            edgecolors="white",
            linewidths=0.6,
            label=f"class {label}",
        )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    return ax


def plot_decision_surface(
    model: torch.nn.Module,
    X: torch.Tensor | np.ndarray | None = None,
    y: torch.Tensor | np.ndarray | None = None,
    *,
    extent: Sequence[float] = (-3.0, 3.0, -3.0, 3.0),
    resolution: int = 200,
    ax: Axes | None = None,
    colorbar: bool = True,
) -> Axes:
    """Shade the plane by a two-class model's probability of class 1.

    The model maps points of shape ``(n, 2)`` to logits of shape ``(n, 2)``
    (softmax is applied) or ``(n, 1)`` / ``(n,)`` (sigmoid is applied). The
    0.5 contour, the decision boundary, is drawn in black.

    Parameters
    ----------
    model : torch.nn.Module
    X : Tensor or array of shape (n_samples, 2), optional
        Points to draw on top.
    y : Tensor or array of shape (n_samples,), optional
        Their labels (required with ``X``).
    extent : (xmin, xmax, ymin, ymax), default (-3, 3, -3, 3)
    resolution : int, default 200
        Grid points per axis.
    ax : Axes, optional
    colorbar : bool, default True

    Returns
    -------
    Axes
        The Axes drawn on, with filled probability contours and the boundary.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    box = _extent(extent)
    resolution = check_int("resolution", resolution, minimum=2)
    if (X is None) != (y is None):
        raise ValueError("X and y must be given together")
    first = next((m for m in model.modules() if hasattr(m, "in_features")), None)
    if first is not None and first.in_features != 2:
        raise ValueError(
            f"model must take points of the plane, inputs of shape (n, 2), but its first layer "
            f"{first} takes {first.in_features} features"
        )
    gx, gy, points = _grid(box, resolution)
    try:
        proba = predict_proba(model, points)  # evaluation mode, no gradients, on the CPU
    except RuntimeError as err:
        raise ValueError(
            f"model must map inputs of shape (n, 2) to logits, but it failed: {err}"
        ) from err
    if proba.ndim == 2 and proba.shape[1] == 2:
        prob = proba[:, 1]  # softmax of two logits
    elif proba.ndim == 1 or proba.shape[1] == 1:
        prob = proba.reshape(-1)  # sigmoid of one logit
    else:
        raise ValueError(
            f"model must return logits of shape (n, 2) or (n, 1) for 2-D inputs, "
            f"got {tuple(proba.shape)}"
        )
    prob_grid = prob.reshape(resolution, resolution).numpy()
    ax = get_axes(ax)
    image = ax.contourf(gx, gy, prob_grid, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.75)
    ax.contour(gx, gy, prob_grid, levels=[0.5], colors="black", linewidths=1.2)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="$P(y = 1 \\mid x)$", shrink=0.85)
    if X is not None and y is not None:
        plot_points(X, y, ax=ax)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    return ax


def plot_neuron_map(
    model: torch.nn.Sequential,
    *,
    layer: int,
    unit: int,
    extent: Sequence[float] = (-3.0, 3.0, -3.0, 3.0),
    resolution: int = 150,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Show the activation of one hidden unit as a function of the 2-D input.

    Parameters
    ----------
    model : torch.nn.Sequential
        An MLP on 2-D inputs, as built by :func:`dlbook.models.mlp`.
    layer : int
        Hidden layer, counted from 1 (the first hidden layer is ``h^1``).
    unit : int
        Index of the unit inside that layer, from 0.
    extent : (xmin, xmax, ymin, ymax), default (-3, 3, -3, 3)
    resolution : int, default 150
    ax : Axes, optional
    title : str, optional
        Defaults to ``"layer {layer}, unit {unit}"``.

    Returns
    -------
    Axes
        The Axes drawn on, showing the unit's activation as an image.
    """
    box = _extent(extent)
    layer = check_int("layer", layer, minimum=1)
    unit = check_int("unit", unit, minimum=0)
    resolution = check_int("resolution", resolution, minimum=2)
    _gx, _gy, points = _grid(box, resolution)
    activations = hidden_activations(model, points)
    if layer > len(activations):
        raise ValueError(
            f"layer must be between 1 and {len(activations)} for this model, got {layer}"
        )
    h = activations[layer - 1]  # (R * R, width)
    if unit >= h.shape[1]:
        raise ValueError(f"unit must be below the width {h.shape[1]} of layer {layer}, got {unit}")
    values = h[:, unit].reshape(resolution, resolution).numpy()
    ax = get_axes(ax)
    ax.imshow(values, origin="lower", extent=box, cmap="magma", aspect="equal")
    ax.set_title(title if title is not None else f"layer {layer}, unit {unit}")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_history(history: Any, *, ax: Axes | None = None, log: bool = False) -> Axes:
    """Plot the training (and validation) loss of a :class:`dlbook.training.History`.

    Parameters
    ----------
    history : History
    ax : Axes, optional
    log : bool, default False
        Use a logarithmic loss axis.

    Returns
    -------
    Axes
        The Axes drawn on: one curve per recorded loss.
    """
    if not hasattr(history, "loss") or not hasattr(history, "val_loss"):
        raise TypeError(f"history must be a dlbook History, got {describe(history)}")
    if not history.loss:
        raise ValueError("history holds no epochs to plot")
    ax = get_axes(ax)
    epochs = np.arange(1, len(history.loss) + 1)
    ax.plot(epochs, history.loss, label="training loss")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, label="validation loss")
        ax.legend()
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    return ax


def plot_lines(
    weight: torch.Tensor | np.ndarray,
    bias: torch.Tensor | np.ndarray | None = None,
    *,
    extent: Sequence[float] = (-3.0, 3.0, -3.0, 3.0),
    ax: Axes | None = None,
    arrows: bool = True,
    colors: Sequence[str] | None = None,
) -> Axes:
    """Draw the lines ``w_j . x + b_j = 0`` of the rows of a weight matrix on 2-D inputs.

    Each row of the first weight matrix of an MLP on the plane is a linear
    classifier; this draws its decision line and, with ``arrows``, a short
    arrow along ``w_j`` pointing to the side where ``w_j . x + b_j > 0``.

    Parameters
    ----------
    weight : Tensor or array of shape (n_lines, 2)
        One row per line, e.g. ``layer.weight`` of a ``Linear(2, n_lines)``.
    bias : Tensor or array of shape (n_lines,), optional
        Offsets ``b_j``; zero when omitted.
    extent : (xmin, xmax, ymin, ymax), default (-3, 3, -3, 3)
        The window the lines are clipped to (also set as the axis limits).
    ax : Axes, optional
    arrows : bool, default True
        Mark the positive side of every line with an arrow.
    colors : sequence of str, optional
        Line colours, cycled; defaults to the Axes' colour cycle.

    Returns
    -------
    Axes
        The Axes drawn on, its limits set to ``extent``.

    Examples
    --------
    >>> ax = plot_lines(torch.tensor([[1.0, 1.0]]), torch.tensor([-1.0]))
    >>> len(ax.lines)
    1
    """
    weight = as_tensor("weight", weight, ndim=2, dtype=torch.float64).detach().cpu()
    check_features("weight", weight, 2)
    if bias is None:
        bias = torch.zeros(len(weight), dtype=torch.float64)
    else:
        bias = as_tensor("bias", bias, ndim=1, dtype=torch.float64).detach().cpu()
        if len(bias) != len(weight):
            raise ValueError(
                f"bias must have shape ({len(weight)},) to match weight, got {tuple(bias.shape)}"
            )
    norms = weight.norm(dim=1)
    if bool((norms == 0).any()):
        zero = int(torch.nonzero(norms == 0)[0, 0])
        raise ValueError(f"weight row {zero} is zero, so it defines no line")
    xmin, xmax, ymin, ymax = _extent(extent)
    ax = get_axes(ax)
    if colors is None:
        colors = [c["color"] for c in mpl.rcParams["axes.prop_cycle"]]
    colors = check_sequence("colors", colors)
    if not colors:
        raise ValueError("colors must hold at least one colour, got none")
    for i, color in enumerate(colors):
        check_color(f"colors[{i}]", color)
    span = max(xmax - xmin, ymax - ymin)
    centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
    for j, (w, b) in enumerate(zip(weight.numpy(), bias.numpy(), strict=False)):
        color = colors[j % len(colors)]
        unit = w / np.linalg.norm(w)
        # The point of the line closest to the centre of the window, and the line's direction.
        foot = centre - (w @ centre + b) / (w @ w) * w
        along = np.array([-unit[1], unit[0]])
        ends = np.stack([foot - 2 * span * along, foot + 2 * span * along])  # (2, 2)
        ax.plot(ends[:, 0], ends[:, 1], color=color, linewidth=1.4)
        if arrows:
            length = 0.08 * span
            ax.annotate(
                "",
                xy=tuple(foot + length * unit),
                xytext=tuple(foot),
                arrowprops={"arrowstyle": "->", "color": color, "linewidth": 1.4},
            )
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    return ax


def plot_units_1d(
    model: torch.nn.Sequential,
    *,
    extent: Sequence[float] = (-3.0, 3.0),
    resolution: int = 400,
    ax: Axes | None = None,
    show_units: bool = True,
) -> Axes:
    """Plot a one-hidden-layer network on 1-D inputs and the contributions of its units.

    For ``x -> Linear(1, H) -> activation -> Linear(H, 1)`` the output is
    ``c + sum_j v_j h_j(x)``; each term ``v_j h_j(x)`` is drawn as a thin
    dashed curve (a hinge, for ReLU) and their sum, the network, as a thick line.

    Parameters
    ----------
    model : torch.nn.Sequential
        ``Linear(1, H)``, one activation module, ``Linear(H, 1)``, e.g. built by
        :func:`dlbook.models.mlp` with ``sizes=(1, H, 1)``.
    extent : (xmin, xmax), default (-3, 3)
    resolution : int, default 400
        Number of input points.
    ax : Axes, optional
    show_units : bool, default True
        Draw the scaled units ``v_j h_j(x)`` as well as the output.

    Returns
    -------
    Axes
        The Axes drawn on: a dashed curve per unit and the output.

    Examples
    --------
    >>> from dlbook.models import mlp
    >>> ax = plot_units_1d(mlp([1, 3, 1], seed=0))
    >>> len(ax.lines)  # three units and the output
    4
    """
    if not isinstance(model, torch.nn.Sequential):
        raise TypeError(f"model must be a torch.nn.Sequential, got {describe(model)}")
    layers = list(model)
    if (
        len(layers) != 3
        or not isinstance(layers[0], torch.nn.Linear)
        or not isinstance(layers[2], torch.nn.Linear)
        or layers[0].in_features != 1
        or layers[2].out_features != 1
    ):
        raise ValueError(
            "model must be Linear(1, H) -> activation -> Linear(H, 1), got "
            + " -> ".join(type(layer).__name__ for layer in layers)
        )
    lo, hi = (
        check_float(f"extent[{i}]", v)
        for i, v in enumerate(check_sequence("extent", extent, length=2))
    )
    if not lo < hi:
        raise ValueError(f"extent must be (xmin, xmax) with xmin < xmax, got {(lo, hi)}")
    resolution = check_int("resolution", resolution, minimum=2)
    xs = torch.linspace(lo, hi, resolution, dtype=module_dtype(model)).unsqueeze(1)  # (R, 1)
    first, act, last = layers
    assert isinstance(first, torch.nn.Linear) and isinstance(last, torch.nn.Linear)  # checked above
    device = module_device(model)
    with torch.no_grad():
        h = act(first(xs.to(device))).cpu()  # (R, H)
        terms = h * last.weight.detach().cpu()[0]  # v_j h_j(x): (R, H)
        output = model(xs.to(device)).cpu()[:, 0]  # (R,)
    ax = get_axes(ax)
    x = xs[:, 0].numpy()
    if show_units:
        for j in range(terms.shape[1]):
            ax.plot(x, terms[:, j].numpy(), linestyle="--", linewidth=1.0, alpha=0.8)
    ax.plot(x, output.numpy(), color="black", linewidth=2.2, label="network output")
    ax.set_xlabel("$x$")
    ax.set_ylabel("$\\hat{y}$")
    return ax


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
        The Axes drawn on, with equal scales so that ``w`` looks perpendicular.

    Examples
    --------
    >>> ax = plot_boundary([1.0, 1.0], -1.0)
    >>> len(ax.lines)
    1
    """
    w_t = as_tensor("w", w, ndim=1).detach().cpu().double()
    if len(w_t) != 2:
        raise ValueError(f"w must have shape (2,), got {tuple(w_t.shape)}")
    w_np = w_t.numpy()
    b_t = as_tensor("b", b, ndim=0)
    if b_t.is_complex():
        raise TypeError(f"b must be a real number, got {describe(b)}")
    bias = float(b_t)
    norm2 = float(w_np @ w_np)
    if norm2 == 0.0:
        raise ValueError("w must not be the zero vector: the boundary would not be a line")
    xmin, xmax, ymin, ymax = _extent(extent)
    check_color("color", color)
    ax = get_axes(ax)
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
