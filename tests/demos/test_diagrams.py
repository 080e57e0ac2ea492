"""Tests of dlbook.demos.diagrams: the node-and-edge drawing of an MLP."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.patches import Circle

from dlbook.demos.diagrams import plot_network


def test_one_node_per_unit_and_one_edge_per_weight():
    fig, ax = plt.subplots()
    plot_network([3, 4, 2], ax=ax)
    assert len([p for p in ax.patches if isinstance(p, Circle)]) == 3 + 4 + 2
    assert len(ax.lines) == 3 * 4 + 4 * 2
    assert ax.get_aspect() == 1.0 and not ax.axison
    plt.close(fig)


def test_highlight_colours_one_row_of_the_weight_matrix():
    fig, ax = plt.subplots()
    plot_network([2, 3, 2], ax=ax, highlight=(1, 2))
    coloured = [line for line in ax.lines if line.get_linewidth() > 1.0]
    assert len(coloured) == 2  # the two weights of row 2 of W_1
    texts = [t.get_text() for t in ax.texts]
    assert "$[W_1]_{21}$" in texts and "$[W_1]_{22}$" in texts
    assert "$h^{1}_{2}$" in texts and "$x_{1}$" in texts and "$z^{2}_{1}$" in texts
    plt.close(fig)


@pytest.mark.parametrize(
    ("sizes", "kwargs", "error", "match"),
    [
        ([2], {}, ValueError, "at least an input and an output"),
        ("2-3-2", {}, TypeError, "sequence of widths"),
        ([2, 0, 1], {}, ValueError, "sizes\\[1\\]"),
        ([2, 3, 1], {"highlight": (2, 2)}, ValueError, "highlight"),
        ([2, 3, 1], {"highlight": (0, 1)}, ValueError, "highlight"),
    ],
)
def test_errors(sizes, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_network(sizes, **kwargs)
