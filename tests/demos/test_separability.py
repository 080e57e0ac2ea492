"""Tests of dlbook.demos.separability: separability by linear programming, margins, the pocket."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from dlbook.data import binary_inputs, blobs, xor
from dlbook.demos.separability import (
    cover_count,
    is_linearly_separable,
    max_margin,
    novikoff_bound,
    pocket_perceptron,
    separable_boolean_functions,
    separating_hyperplane,
)
from dlbook.linear import Perceptron

CORNERS = binary_inputs(2).double()


def _separable_by_integer_weights(X: torch.Tensor, y: torch.Tensor, limit: int = 3) -> bool:
    """Brute force: threshold functions of few inputs have small integer weights."""
    for w in itertools.product(range(-limit, limit + 1), repeat=X.shape[1]):
        z = X @ torch.tensor(w, dtype=X.dtype)
        for b in np.arange(-2 * limit - 0.5, 2 * limit + 1.0, 1.0):
            if torch.equal((z + b > 0).long(), y):
                return True
    return False


def test_separating_hyperplane_separates_and_refuses_xor():
    for table in binary_inputs(4):
        found = separating_hyperplane(CORNERS, table)
        if found is None:
            assert table.tolist() in ([0, 1, 1, 0], [1, 0, 0, 1])
            continue
        w, b = found
        s = 2.0 * table.double() - 1.0
        assert bool((s * (CORNERS @ w + b) >= 1 - 1e-7).all())


def test_separable_functions_against_brute_force():
    tables = separable_boolean_functions(2).tolist()
    assert len(tables) == 14
    inputs = binary_inputs(3).double()
    three = separable_boolean_functions(3)
    assert len(three) == 104  # the number of threshold functions of 3 variables (OEIS A000609)
    for table in binary_inputs(8)[::7]:  # a spread of the 256 truth tables
        expected = _separable_by_integer_weights(inputs, table)
        assert (table.tolist() in three.tolist()) == expected


def test_separable_boolean_functions_limits():
    assert len(separable_boolean_functions(1)) == 4
    with pytest.raises(ValueError, match="n_inputs must be at most 3"):
        separable_boolean_functions(4)


def test_cover_count_small_cases():
    assert cover_count(4, 2) == 14
    assert cover_count(2, 1) == 4  # two points on a line: every labelling
    assert cover_count(3, 2) == 8  # three points in the plane: every labelling
    assert cover_count(8, 3) == 128
    # N <= D + 1 points in general position can be labelled in every way
    assert all(cover_count(n, d) == 2**n for d in range(1, 6) for n in range(1, d + 2))


def test_cover_count_matches_random_points_in_general_position():
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(5, 2, generator=gen, dtype=torch.float64)
    n_separable = sum(is_linearly_separable(X, t) for t in binary_inputs(5))
    assert n_separable == cover_count(5, 2) == 2 * (1 + 4 + 6)


def test_max_margin_of_and_is_one_over_sqrt_17():
    y = (CORNERS[:, 0] * CORNERS[:, 1]).long()
    result = max_margin(CORNERS, y)
    assert result.margin == pytest.approx(1 / math.sqrt(17), rel=1e-6)
    assert result.radius == pytest.approx(math.sqrt(3))
    torch.testing.assert_close(
        result.weight,
        torch.tensor([2.0, 2.0], dtype=torch.float64) / math.sqrt(17),
        atol=1e-6,
        rtol=0,
    )
    assert result.bias == pytest.approx(-3 / math.sqrt(17), abs=1e-6)
    assert novikoff_bound(CORNERS, y) == pytest.approx(51.0, rel=1e-5)


def test_max_margin_beats_every_direction_on_a_sphere():
    X, y = blobs(20, margin=0.4, seed=1)
    result = max_margin(X, y)
    assert float(torch.cat([result.weight, torch.tensor([result.bias]).double()]).norm()) == (
        pytest.approx(1.0)
    )
    # a dense grid of unit vectors (theta, phi) in R^3: none has a larger margin
    A = torch.cat([X.double(), torch.ones(20, 1, dtype=torch.float64)], dim=1)
    s = 2.0 * y.double() - 1.0
    theta, phi = torch.meshgrid(
        torch.linspace(0, math.pi, 400, dtype=torch.float64),
        torch.linspace(-math.pi, math.pi, 800, dtype=torch.float64),
        indexing="ij",
    )
    U = torch.stack([theta.sin() * phi.cos(), theta.sin() * phi.sin(), theta.cos()], -1)
    margins = ((U.reshape(-1, 3) @ A.T) * s).min(dim=1).values
    assert float(margins.max()) <= result.margin + 1e-9
    assert float(margins.max()) > result.margin - 5e-3  # the grid comes close to it


def test_the_convergence_bound_holds_for_many_orders():
    X, y = blobs(30, distance=2.5, std=0.8, margin=0.3, center=(1.0, 0.5), seed=3)
    bound = novikoff_bound(X, y)
    for seed in range(10):
        fit = Perceptron(2).fit(X, y, shuffle=True, seed=seed)
        assert fit.converged and fit.updates <= bound


def test_margin_of_inseparable_data_is_an_error():
    with pytest.raises(ValueError, match="linearly separable"):
        max_margin(*xor())


@pytest.mark.parametrize(("shuffle", "seed"), [(False, None), (True, 0), (True, 3)])
def test_pocket_last_weights_are_those_of_the_library(shuffle, seed):
    X, y = blobs(60, margin=0.0, distance=1.0, seed=2)  # overlapping, most likely inseparable
    result = pocket_perceptron(X, y, epochs=7, shuffle=shuffle, seed=seed)
    model = Perceptron(2)
    fit = model.fit(X, y, max_epochs=7, shuffle=shuffle, seed=seed)
    torch.testing.assert_close(result.last[0], model.weight.double(), atol=1e-4, rtol=0)
    assert result.last[1] == pytest.approx(float(model.bias), abs=1e-4)
    assert result.updates == fit.updates


def _train_errors(X, y, w, b):
    return int(((X.double() @ w + b > 0).long() != y).sum())


def test_pocket_is_monotone_and_the_average_is_the_mean_of_visited_weights():
    X, y = xor(10, noise=0.3, seed=0)
    result = pocket_perceptron(X, y, epochs=5)
    pocket = result.errors["pocket"]
    assert all(a >= b for a, b in itertools.pairwise(pocket))
    assert pocket[-1] <= min(result.errors["last"])
    assert pocket[-1] == _train_errors(X, y, *result.pocket)
    assert result.errors["last"][-1] == _train_errors(X, y, *result.last)
    # the average written out: the weights after every visit, 5 epochs of 40 visits
    v, total = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    A = torch.cat([X.double(), torch.ones(len(X), 1, dtype=torch.float64)], dim=1)
    for _ in range(5):
        for a, label in zip(A, y.tolist(), strict=True):
            v = v + (label - int(a @ v > 0)) * a
            total = total + v
    mean = total / (5 * len(X))
    torch.testing.assert_close(result.average[0], mean[:2])
    assert result.average[1] == pytest.approx(float(mean[2]))


def test_pocket_rejects_bad_input():
    with pytest.raises(ValueError, match="labels 0 and 1"):
        pocket_perceptron([[0.0], [1.0]], [0, 2])
    with pytest.raises(ValueError, match="epochs"):
        pocket_perceptron([[0.0], [1.0]], [0, 1], epochs=0)
    with pytest.raises(TypeError, match="integer class labels"):
        is_linearly_separable([[0.0], [1.0]], [0.0, 1.0])
