"""Tests of dlbook.demos.logic: thresholds of Boolean functions and the XOR network."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlbook.data import binary_inputs, xor
from dlbook.demos.logic import find_threshold, xor_from_random_starts, xor_network
from dlbook.models import collapse_linear, count_parameters, hidden_activations, mlp
from dlbook.training import evaluate, train

CORNERS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def test_find_threshold_for_known_functions():
    x = binary_inputs(3)
    assert find_threshold(x.max(dim=1).values) == 1
    assert find_threshold(x.min(dim=1).values) == 3
    assert find_threshold((x.sum(dim=1) >= 2).long()) == 2
    assert find_threshold(torch.ones(8, dtype=torch.long)) == 0
    assert find_threshold(torch.zeros(8, dtype=torch.long)) == 4
    assert find_threshold([0, 1, 1, 0]) is None  # XOR
    assert find_threshold([0, 1, 0, 1]) is None  # depends on which input is on


@pytest.mark.parametrize(
    ("targets", "match"),
    [
        ([0, 1, 1], "2 \\*\\* n_inputs entries"),
        ([1], "2 \\*\\* n_inputs entries"),
        ([[0, 1]], "one-dimensional"),
        ([0, 3], "only 0s and 1s"),
    ],
)
def test_find_threshold_errors(targets, match):
    with pytest.raises(ValueError, match=match):
        find_threshold(targets)


def test_xor_network_truth_table_and_hidden_codes():
    net = xor_network()
    with torch.no_grad():
        out = net(CORNERS)
    assert out.shape == (4, 1)
    torch.testing.assert_close(out[:, 0], torch.tensor([0.0, 1.0, 1.0, 0.0]))
    (h,) = hidden_activations(net, CORNERS)
    torch.testing.assert_close(h, torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0]]))


def test_xor_network_layout_and_fresh_copies():
    a, b = xor_network(), xor_network()
    assert [type(m) for m in a] == [nn.Linear, nn.ReLU, nn.Linear]
    assert count_parameters(a) == 2 * 2 + 2 + 2 + 1
    with torch.no_grad():
        a[0].weight.zero_()
    assert torch.equal(b[0].weight, torch.ones(2, 2))


def test_xor_network_is_not_linear():
    with pytest.raises(TypeError, match="nonlinear layer does not collapse"):
        collapse_linear(xor_network())


@pytest.mark.parametrize("seed", [0, 3])
def test_each_start_is_the_run_of_dl_train(seed):
    runs = xor_from_random_starts(4, seeds=[7, seed], epochs=120)
    net = mlp([2, 4, 2], seed=seed)
    train(net, *xor(), lr=0.05, epochs=120)
    scores = evaluate(net, *xor())
    torch.testing.assert_close(runs.loss[1], torch.tensor(scores["loss"]), atol=1e-4, rtol=1e-3)
    assert bool(runs.solved[1]) == (scores["accuracy"] == 1.0)


def test_wide_layers_learn_xor_more_often_than_two_units():
    narrow = xor_from_random_starts(2, seeds=range(30))
    wide = xor_from_random_starts(8, seeds=range(30))
    assert 0.0 < narrow.rate < wide.rate
    assert bool((wide.loss[wide.solved] < 0.1).all())
    assert narrow.seeds == list(range(30)) and narrow.solved.dtype == torch.bool


def test_xor_from_random_starts_rejects_bad_input():
    with pytest.raises(ValueError, match="hidden"):
        xor_from_random_starts(0)
    with pytest.raises(ValueError, match="seeds"):
        xor_from_random_starts(2, seeds=[])
    with pytest.raises(TypeError, match="seeds"):
        xor_from_random_starts(2, seeds="abc")
    with pytest.raises(ValueError, match="lr"):
        xor_from_random_starts(2, lr=-1.0)
