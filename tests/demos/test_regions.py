"""Tests of dlbook.demos.regions: linear regions of ReLU networks and pieces of decision regions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dlbook.data import circles
from dlbook.demos.regions import (
    DeadUnitHistory,
    activation_regions,
    class_pieces,
    dead_unit_history,
    folding_network,
    max_regions,
)
from dlbook.models import mlp, mlp_from_parameters
from dlbook.training import train


def _one_layer(W1, b1) -> torch.nn.Sequential:
    return mlp_from_parameters([(W1, b1), ([[1.0] * len(b1)], [0.0])])


def test_max_regions_is_the_arrangement_count():
    assert [max_regions(h) for h in range(7)] == [1 + h + h * (h - 1) // 2 for h in range(7)]
    assert max_regions(5, n_inputs=1) == 6
    assert max_regions(4, n_inputs=3) == sum(math.comb(4, k) for k in range(4)) == 15
    assert max_regions(3, n_inputs=5) == 2**3  # fewer hyperplanes than dimensions: every pattern
    with pytest.raises(ValueError, match="n_units"):
        max_regions(-1)


@pytest.mark.parametrize(
    ("W1", "b1", "expected"),
    [
        ([[1.0, 0.0]], [0.0], 2),
        ([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0], 4),
        ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -1.0], 7),  # general position
        ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 0.0], 6),  # three through one point
        ([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], [1.0, 0.0, -1.0], 4),  # parallel
        ([[1.0, 0.0]], [10.0], 1),  # a line outside the window
    ],
)
def test_activation_regions_of_known_arrangements(W1, b1, expected):
    assert activation_regions(_one_layer(W1, b1), resolution=201).count == expected
    # the probes at the crossings make the count exact even on a grid of 3 x 3 points
    assert activation_regions(_one_layer(W1, b1), resolution=3).count == expected


def test_a_sliver_thinner_than_the_grid_is_counted():
    # x2 = 0 and x2 = 1e-3 (x1 - 1) cross at (1, 0) at a tiny angle; with x1 = 0 the three
    # lines are in general position and cut the window into 7 cells, one a thin triangle
    # (height 1e-3 at x1 = 0) that a 400 x 400 grid of spacing 0.015 misses.
    net = _one_layer([[0.0, 1.0], [-1e-3, 1.0], [1.0, 0.0]], [0.0, 1e-3, 0.0])
    assert activation_regions(net, resolution=400).count == 7
    grid_only = activation_regions(net, resolution=400).labels
    assert len(np.unique(grid_only)) < 7  # the grid alone misses it; the probes find it


def test_random_lines_reach_the_bound_in_a_window_holding_every_crossing():
    angles = torch.arange(6) * torch.pi / 6 + 0.1  # six directions, no two parallel
    normals = torch.stack([angles.cos(), angles.sin()], dim=1)
    offsets = torch.tensor([0.3, -0.7, 1.1, -0.2, 0.6, -1.3])
    net = _one_layer(normals, offsets)
    found = activation_regions(net, extent=(-12, 12, -12, 12), resolution=900)
    assert found.count == max_regions(6) == 22


def test_region_labels_and_lookup():
    found = activation_regions(_one_layer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), resolution=101)
    assert found.labels.shape == (101, 101)
    assert set(np.unique(found.labels)) == {0, 1, 2, 3}
    quadrants = found.at(torch.tensor([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]))
    assert len(set(quadrants.tolist())) == 4
    assert found.at([[-2.9, -2.9]])[0] == found.labels[0, 0]  # row 0 is the lowest x_2


def test_deep_networks_and_errors():
    net = mlp([2, 8, 8, 1], seed=0)
    deep = activation_regions(net, resolution=200)
    shallow_patterns = activation_regions(
        torch.nn.Sequential(net[0], net[1], torch.nn.Linear(8, 1)), resolution=200
    )
    assert deep.count >= shallow_patterns.count  # the second layer can only cut regions further
    with pytest.raises(ValueError, match="extent"):
        activation_regions(net, extent=(1, 0, 0, 1))
    with pytest.raises(ValueError, match="hidden layer"):
        activation_regions(torch.nn.Sequential(torch.nn.Linear(2, 1)))
    with pytest.raises(TypeError, match="model"):
        activation_regions("net")


def test_class_pieces_counts_separate_islands():
    # class 1 (second logit) where relu(1 - |x1 - 2|) + relu(1 - |x1 + 2|) > 1/2: two bands
    W1 = [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]
    b1 = [-1.0, -2.0, -3.0, 3.0, 2.0, 1.0]
    W2 = [[0.0] * 6, [1.0, -2.0, 1.0, 1.0, -2.0, 1.0]]
    net = mlp_from_parameters([(W1, b1), (W2, [0.0, -0.5])])
    pieces = class_pieces(net, resolution=121)
    assert pieces.count == 2
    left, right, middle = pieces.at([[-2.0, 0.0], [2.0, 0.0], [0.0, 0.0]])
    assert left > 0 and right > 0 and left != right and middle == 0
    one_logit = mlp_from_parameters([([[1.0, 0.0]], [0.0])])  # sigmoid of x1
    assert class_pieces(one_logit, resolution=50).count == 1


def test_dead_unit_history_is_the_run_of_one_train_call():
    X, y = circles(60, seed=0)
    net, ref = mlp([2, 6, 2], seed=0), mlp([2, 6, 2], seed=0)
    run = dead_unit_history(net, X, y, lr=0.05, epochs=40)
    train(ref, X, y, lr=0.05, epochs=40)
    torch.testing.assert_close(net[0].weight, ref[0].weight)
    assert run.dead[0].shape == (41, 6) and run.first_layer_steps.shape == (40, 6)
    with torch.no_grad():
        assert torch.equal(run.dead[0][-1], (net[0](X) <= 0).all(dim=0))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_unit_dead_from_the_start_never_moves(optimizer):
    X, y = circles(60, seed=0)
    net = mlp([2, 4, 2], seed=0)
    with torch.no_grad():
        net[0].bias[0] = -100.0  # its line is far from every point
    run = dead_unit_history(net, X, y, optimizer=optimizer, lr=0.05, epochs=20)
    assert bool(run.dead[0][:, 0].all())
    assert float(run.first_layer_steps[:, 0].abs().max()) == 0.0
    assert float(run.first_layer_steps[:, 1:].sum()) > 0.0


def test_under_adam_a_unit_that_died_keeps_drifting_then_stops():
    X, y = circles(100, seed=0)
    run = dead_unit_history(mlp([2, 6, 2], seed=0), X, y, lr=0.05, epochs=150)
    died = run.dead[0][-1] & ~run.dead[0][0]
    assert bool(died.any())
    for j in torch.nonzero(died).flatten().tolist():
        t = int(torch.nonzero(run.dead[0][:, j]).min())  # the first epoch it is dead after
        assert float(run.first_layer_steps[t, j]) > 1e-3  # zero gradient, but Adam steps on
        assert float(run.first_layer_steps[-1, j]) < 1e-6  # the momentum dies away


def test_revived_units_and_errors():
    dead = torch.tensor([[False, True, True], [True, True, False], [False, True, True]])
    history = DeadUnitHistory(dead=[dead], first_layer_steps=torch.zeros(2, 3))
    assert history.revived()[0].tolist() == [True, False, True]
    X, y = circles(20, seed=0)
    with pytest.raises(ValueError, match="optimizer"):
        dead_unit_history(mlp([2, 3, 2], seed=0), X, y, optimizer="rmsprop")
    with pytest.raises(TypeError, match="model"):
        dead_unit_history(torch.nn.Linear(2, 2), X, y)
    with pytest.raises(ValueError, match="epochs"):
        dead_unit_history(mlp([2, 3, 2], seed=0), X, y, epochs=0)


@pytest.mark.parametrize("folds", [0, 1, 2, 3])
def test_each_fold_multiplies_the_diamonds_by_four(folds):
    net = folding_network(folds)
    assert sum(isinstance(m, torch.nn.ReLU) for m in net) == folds + 1
    pieces = class_pieces(net, extent=(-2, 2, -2, 2), resolution=400)
    assert pieces.count == 4**folds
    # the centres: coordinates +-1 +- 1/2 +- ... with one term per fold
    centres = torch.zeros(1)
    for k in range(1, folds + 1):
        c = 2.0 ** (1 - k)
        centres = torch.cat([centres - c, centres + c])
    grid = torch.cartesian_prod(centres, centres)
    with torch.no_grad():
        torch.testing.assert_close(net(grid).squeeze(1), torch.full((len(grid),), 0.2))
        assert bool((net(torch.tensor([[2.0, 2.0]])) < 0).all())


def test_folding_network_rejects_touching_diamonds():
    with pytest.raises(ValueError, match="radius"):
        folding_network(2, radius=0.6)
    with pytest.raises(ValueError, match="folds"):
        folding_network(-1)
