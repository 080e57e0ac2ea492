"""Tests of dlbook.demos.memory: storage positions from strides, and their drawing."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from dlbook.demos.memory import plot_memory_order, storage_positions


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x,
        lambda x: x.T,
        lambda x: x[1:, ::2],
        lambda x: x.reshape(2, 6)[:, 1:4],
        lambda x: x.unsqueeze(0).expand(2, 3, 4),
    ],
)
def test_storage_positions_point_at_the_values(make):
    base = torch.arange(12.0).reshape(3, 4)  # value == storage position
    t = make(base)
    positions = storage_positions(t)
    assert positions.shape == t.shape
    flat = base.reshape(-1)  # the storage, in order
    torch.testing.assert_close(flat[positions], t)


def test_plot_memory_order_joins_cells_in_storage_order():
    x = torch.arange(6).reshape(2, 3)
    _, (a, b) = plt.subplots(1, 2)
    plot_memory_order(x, ax=a)
    plot_memory_order(x.T, ax=b, title="transpose")
    rows_first = a.get_lines()[0].get_xydata()
    np.testing.assert_allclose(rows_first[:3, 1], rows_first[0, 1])  # first the top row
    cols_first = b.get_lines()[0].get_xydata()
    np.testing.assert_allclose(cols_first[:3, 0], cols_first[0, 0])  # first the left column
    assert a.get_title() == "shape (2, 3), stride (3, 1)" and b.get_title() == "transpose"
    assert sorted(t.get_text() for t in a.texts if t.get_text()) == ["0", "1", "2", "3", "4", "5"]
    plt.close("all")


def test_memory_demo_rejects_bad_input():
    with pytest.raises(TypeError, match="t must be a torch.Tensor"):
        storage_positions([1, 2])
    with pytest.raises(ValueError, match="t must have 2 dimensions"):
        plot_memory_order(torch.zeros(2, 2, 2))
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot_memory_order(torch.zeros(2, 2), ax="no")
