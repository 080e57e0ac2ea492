"""How a tensor sits in memory: strides, views and contiguity, drawn.

A tensor is a block of memory (its *storage*) plus a recipe for reading it:
an offset and one *stride* per dimension, the number of storage places to
move for a step of one along that dimension. Entry ``[i, j]`` of a 2-D tensor
lives at ``offset + i * stride[0] + j * stride[1]``. :func:`storage_positions`
computes these positions and :func:`plot_memory_order` draws a 2-D tensor as a
grid whose cells are joined in the order they are stored: along the rows for a
contiguous tensor, down the columns for its transpose.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from .._axes import get_axes
from .._validation import describe

__all__ = ["plot_memory_order", "storage_positions"]


def storage_positions(t: torch.Tensor) -> torch.Tensor:
    """The place in its storage of every entry of a tensor: ``offset + sum_d index_d * stride_d``.

    Parameters
    ----------
    t : Tensor of any shape

    Returns
    -------
    Tensor of the shape of ``t``, int64
        Entry ``[i, j, ...]`` is where ``t[i, j, ...]`` is stored.

    Examples
    --------
    >>> x = torch.arange(6).reshape(2, 3)
    >>> storage_positions(x).tolist()
    [[0, 1, 2], [3, 4, 5]]
    >>> storage_positions(x.T).tolist()  # the transpose reads the same storage by columns
    [[0, 3], [1, 4], [2, 5]]
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"t must be a torch.Tensor, got {describe(t)}")
    positions = torch.full(t.shape, int(t.storage_offset()), dtype=torch.int64)
    for dim, (size, stride) in enumerate(zip(t.shape, t.stride(), strict=True)):
        shape = [1] * t.ndim
        shape[dim] = size
        positions = positions + stride * torch.arange(size).reshape(shape)  # broadcast
    return positions


def plot_memory_order(t: torch.Tensor, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Draw a 2-D tensor as a grid of its values, joined in the order they are stored.

    Each cell shows the entry's value; a line runs through the cells from the
    lowest storage position to the highest, so that a contiguous tensor is read
    row by row and a transposed one column by column. The title gives the shape
    and the strides (unless ``title`` replaces it).

    Parameters
    ----------
    t : Tensor of shape (rows, columns)
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_memory_order(torch.arange(6).reshape(2, 3))
    >>> ax.get_title()
    'shape (2, 3), stride (3, 1)'
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"t must be a torch.Tensor, got {describe(t)}")
    if t.ndim != 2:
        raise ValueError(f"t must have 2 dimensions, got shape {tuple(t.shape)}")
    if t.numel() == 0:
        raise ValueError(f"t must have at least one element to draw, got shape {tuple(t.shape)}")
    ax = get_axes(ax)
    rows, cols = t.shape
    positions = storage_positions(t).numpy()
    values = t.detach().cpu()
    for i in range(rows):
        for j in range(cols):
            # Plain cells: only the values and the red path carry meaning.
            ax.add_patch(
                Rectangle((j - 0.5, i - 0.5), 1.0, 1.0, facecolor="white", edgecolor="0.4")
            )
            value = values[i, j].item()
            text = f"{value:g}" if isinstance(value, float) else str(value)
            ax.text(j - 0.25, i - 0.25, text, ha="center", va="center", fontsize=10)
    order = np.argsort(positions.ravel(), kind="stable")
    ii, jj = np.unravel_index(order, (rows, cols))
    px, py = jj + 0.15, ii + 0.15  # the path runs below and right of the values
    ax.plot(px, py, color="tab:red", linewidth=1.2, marker="o", markersize=3)
    ax.annotate(
        "",
        xy=(px[1], py[1]) if len(order) > 1 else (px[0], py[0]),
        xytext=(px[0], py[0]),
        arrowprops={"arrowstyle": "->", "color": "tab:red", "linewidth": 1.5},
    )
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.set_xlabel("column index")
    ax.set_ylabel("row index")
    ax.set_title(title or f"shape {tuple(t.shape)}, stride {tuple(t.stride())}")
    return ax
