"""Tests of dlbook.sequences."""

from __future__ import annotations

import pytest
import torch

from dlbook.sequences import first_symbol


def test_shapes_labels_and_one_hot():
    X, y = first_symbol(50, length=7, n_symbols=5, seed=0)
    assert X.shape == (50, 7, 5) and X.dtype == torch.float32
    assert y.shape == (50,) and y.dtype == torch.int64
    torch.testing.assert_close(X.sum(dim=2), torch.ones(50, 7))
    assert torch.equal(X[:, 0].argmax(dim=1), y)
    assert set(y.tolist()) <= set(range(5))


def test_seed_reproducible_and_noise():
    a, _ = first_symbol(10, seed=3)
    b, _ = first_symbol(10, seed=3)
    c, _ = first_symbol(10, seed=4)
    assert torch.equal(a, b) and not torch.equal(a, c)
    noisy, y = first_symbol(10, noise=0.1, seed=3)
    assert not torch.equal(noisy, a)
    assert torch.equal(noisy[:, 0].argmax(dim=1), y)


def test_later_steps_carry_no_label_information():
    X, y = first_symbol(4000, length=3, n_symbols=2, seed=0)
    agree = (X[:, -1].argmax(dim=1) == y).float().mean()
    assert abs(float(agree) - 0.5) < 0.05


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_samples": 0}, ValueError, "n_samples must be a positive integer"),
        ({"length": 0}, ValueError, "length must be a positive integer"),
        ({"n_symbols": 1}, ValueError, "n_symbols must be an integer >= 2"),
        ({"noise": -1.0}, ValueError, "noise must be >= 0"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"length": 2.5}, TypeError, "length must be an integer"),
    ],
)
def test_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        first_symbol(**kwargs)
