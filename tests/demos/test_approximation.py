"""Tests of dlbook.demos.approximation: exact interpolants, sawtooths and the width sweep."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlbook.demos.approximation import (
    relu_interpolant,
    sawtooth,
    sawtooth_network,
    shallow_sawtooth,
    tent_map,
    width_sweep,
)
from dlbook.diagnostics import count_linear_pieces


@given(st.lists(st.floats(-10, 10), min_size=2, max_size=12), st.integers(0, 2**16))
def test_relu_interpolant_is_exact_at_knots_and_linear_between(ys: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    xs = np.cumsum(rng.uniform(0.1, 1.0, len(ys)))
    net = relu_interpolant(xs, ys)
    assert net[0].out_features == len(ys) - 1
    grid = np.linspace(xs[0], xs[-1], 301)
    with torch.no_grad():
        out = net(torch.from_numpy(grid)[:, None])[:, 0].numpy()
    np.testing.assert_allclose(out, np.interp(grid, xs, ys), atol=1e-9)


def test_relu_interpolant_outside_the_knots() -> None:
    net = relu_interpolant([0.0, 1.0], [1.0, 3.0])
    out = net(torch.tensor([[-5.0], [2.0]], dtype=torch.float64))[:, 0].tolist()
    assert out == pytest.approx([1.0, 5.0])  # flat on the left, last slope on the right


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 7])
def test_deep_and_shallow_sawtooth_agree_and_have_2_to_the_depth_pieces(depth: int) -> None:
    deep, shallow = sawtooth_network(depth), shallow_sawtooth(depth)
    x = torch.rand(500, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(deep(x), sawtooth(x, depth))
        torch.testing.assert_close(shallow(x), sawtooth(x, depth))
    assert count_linear_pieces(deep) == 2**depth == count_linear_pieces(shallow)
    hidden = sum(m.out_features for m in deep if isinstance(m, torch.nn.Linear)) - 1
    assert hidden == 2 * depth
    assert shallow[0].out_features == 2**depth


def test_tent_map_values() -> None:
    torch.testing.assert_close(
        tent_map(np.array([0.0, 0.5, 0.75, 1.0])),
        torch.tensor([0.0, 1.0, 0.5, 0.0], dtype=torch.float64),
    )


def test_width_sweep_errors_fall_with_width() -> None:
    f = torch.sin
    knots = width_sweep(f, [2, 4, 8, 16], method="knots")
    assert all(a > b for a, b in zip(knots.max_error[:-1], knots.max_error[1:], strict=True))
    assert knots.max_error[-1] < 0.01
    trained = width_sweep(f, [1, 16], steps=60, seed=0)
    assert trained.rms_error[1] < trained.rms_error[0]
    again = width_sweep(f, [1, 16], steps=60, seed=0)
    assert again == trained
    fitted = width_sweep(f, [2, 64], method="lstsq", n_points=256, seed=1)
    assert fitted.max_error[1] < fitted.max_error[0] and fitted.method == "lstsq"


def test_errors() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        relu_interpolant([0.0, 0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        relu_interpolant([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match="at least 2 knots"):
        relu_interpolant([0.0], [1.0])
    with pytest.raises(ValueError, match="depth must be a positive integer, got 0"):
        sawtooth_network(0)
    with pytest.raises(ValueError, match="method must be one of"):
        width_sweep(torch.sin, [2], method="magic")
    with pytest.raises(ValueError, match="widths must hold at least one width"):
        width_sweep(torch.sin, [])


def test_folded_plane_network_repeats_its_lines_in_every_fold() -> None:
    from dlbook.demos.approximation import folded_plane_network
    from dlbook.demos.regions import activation_regions, max_regions

    weight, bias = [[1.0, 0.3], [-0.4, 1.0], [0.8, -1.0]], [-0.55, -0.35, 0.1]
    u = torch.rand(500, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    counts = []
    for folds in range(3):
        net = folded_plane_network(folds, weight, bias)
        assert (
            sum(m.out_features for m in net if isinstance(m, torch.nn.Linear)) - 1 == 4 * folds + 3
        )
        t = u
        for _ in range(folds):  # the same function: the lines applied to the folded square
            t = tent_map(t)
        expected = torch.relu(t @ torch.tensor(weight).double().T + torch.tensor(bias)).sum(1)
        with torch.no_grad():
            torch.testing.assert_close(net(u)[:, 0], expected)
        counts.append(activation_regions(net, extent=(0, 1, 0, 1), resolution=200).count)
    assert counts[0] == max_regions(3) == 7  # three lines in general position inside the square
    assert counts[1] > 3 * counts[0] and counts[2] > 3 * counts[1]  # each fold multiplies
    with pytest.raises(ValueError, match=r"weight must have shape \(H, 2\)"):
        folded_plane_network(1, [[1.0, 0.0, 0.0]], [0.0])
    with pytest.raises(ValueError, match=r"bias must have shape \(1,\), got \(2,\)"):
        folded_plane_network(1, [[1.0, 0.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match="no zero row"):
        folded_plane_network(1, [[0.0, 0.0]], [0.0])
