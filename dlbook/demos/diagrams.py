"""Diagrams of fully connected networks: units as nodes, weights as edges.

:func:`plot_network` draws an MLP given by its list of widths, one column of
nodes per layer and an edge for every weight, and can pick out the edges into
one unit, which are one row of that layer's weight matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.patches import Circle

from .._axes import get_axes
from .._validation import check_int, describe

__all__ = ["plot_network"]


def plot_network(
    sizes: Sequence[int],
    *,
    ax: Axes | None = None,
    highlight: tuple[int, int] | None = None,
    labels: bool = True,
) -> Axes:
    """Draw a fully connected network with the given widths as nodes and edges.

    Layer ``l`` (0 for the input) is a column of ``sizes[l]`` circles, and every
    unit of layer ``l`` is joined to every unit of layer ``l - 1``: the edges
    into layer ``l`` are the ``D_l x D_{l-1}`` entries of ``W_l``. Nodes are
    labelled ``x_j`` (inputs), ``h^l_j`` (hidden units) and ``z^L_j``
    (outputs, the logits), counted from 1 as in the book's formulas.

    Parameters
    ----------
    sizes : sequence of int
        Widths ``D_0, D_1, ..., D_L``, at least two layers of at least one unit.
    ax : Axes, optional
    highlight : (layer, unit), optional
        Draw the edges into unit ``unit`` (from 1) of layer ``layer`` (from 1)
        in colour and label them with the entries ``[W_l]_{unit, k}`` of the
        row of ``W_l`` they hold.
    labels : bool, default True
        Write the node names and a caption under every column.

    Returns
    -------
    Axes
        The Axes drawn on, with equal aspect and no axis lines.

    Examples
    --------
    >>> ax = plot_network([2, 3, 2])
    >>> len(ax.lines)  # 2 * 3 + 3 * 2 edges
    12
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of widths, got {describe(sizes)}")
    widths = [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
    if len(widths) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {widths}")
    if highlight is not None:
        if not isinstance(highlight, Sequence) or isinstance(highlight, (str, bytes)):
            raise TypeError(f"highlight must be a pair (layer, unit), got {describe(highlight)}")
        if len(highlight) != 2:
            raise ValueError(f"highlight must be a pair (layer, unit), got {tuple(highlight)}")
        layer = check_int("highlight[0]", highlight[0])
        unit = check_int("highlight[1]", highlight[1])
        if not (1 <= layer < len(widths) and 1 <= unit <= widths[layer]):
            raise ValueError(
                f"highlight must name a unit (layer, unit) of the network, got {highlight}"
            )
    ax = get_axes(ax)
    gap = 1.0
    tallest = max(widths)

    def position(layer: int, unit: int) -> tuple[float, float]:
        # unit counted from 0; each column centred vertically
        return 2.2 * layer, gap * ((widths[layer] - 1) / 2 - unit)

    last = len(widths) - 1
    for layer in range(1, len(widths)):
        for j in range(widths[layer]):
            for k in range(widths[layer - 1]):
                (x0, y0), (x1, y1) = position(layer - 1, k), position(layer, j)
                on = highlight == (layer, j + 1)
                ax.plot(
                    [x0, x1],
                    [y0, y1],
                    color="C1" if on else "0.75",
                    linewidth=1.8 if on else 0.8,
                    zorder=1 if on else 0,
                )
                if on and labels:
                    t = 0.3  # a point near the start of the edge, where edges are apart
                    ax.text(
                        x0 + t * (x1 - x0),
                        y0 + t * (y1 - y0) + 0.12,
                        f"$[W_{layer}]_{{{j + 1}{k + 1}}}$",
                        color="C1",
                        fontsize=8,
                        ha="center",
                        va="bottom",
                    )
    for layer, width in enumerate(widths):
        for j in range(width):
            x, y = position(layer, j)
            ax.add_patch(Circle((x, y), 0.28, facecolor="white", edgecolor="black", zorder=2))
            if labels:
                name = "x" if layer == 0 else ("z" if layer == last else "h")
                upper = "" if layer == 0 else f"^{{{layer}}}"
                ax.text(
                    x,
                    y,
                    f"${name}{upper}_{{{j + 1}}}$",
                    ha="center",
                    va="center",
                    fontsize=8,
                    zorder=3,
                )
        if labels:
            caption = (
                "input" if layer == 0 else "output" if layer == last else f"hidden layer {layer}"
            )
            bottom = -gap * (tallest - 1) / 2 - 0.75
            text = f"{caption}\n$D_{layer} = {width}$"
            ax.text(2.2 * layer, bottom, text, ha="center", va="top", fontsize=8)
    ax.set_xlim(-0.6, 2.2 * last + 0.6)
    ax.set_ylim(-gap * (tallest - 1) / 2 - 1.6, gap * (tallest - 1) / 2 + 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax
