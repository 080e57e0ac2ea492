"""Tests of dlbook.seeding."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from dlbook.seeding import seed_everything


def draws() -> tuple[float, float, torch.Tensor]:
    return random.random(), float(np.random.rand()), torch.rand(3)  # noqa: NPY002


def test_same_seed_gives_same_draws_in_every_generator():
    seed_everything(123)
    first = draws()
    seed_everything(123)
    second = draws()
    assert first[:2] == second[:2]
    assert torch.equal(first[2], second[2])


def test_different_seeds_differ():
    seed_everything(1)
    a = torch.rand(5)
    seed_everything(2)
    assert not torch.equal(a, torch.rand(5))


def test_returns_the_seed():
    assert seed_everything(7) == 7


@pytest.mark.parametrize(
    ("seed", "error", "match"),
    [
        (-1, ValueError, "seed must be an integer >= 0, got -1"),
        (2**32, ValueError, "seed must be below 2\\*\\*32"),
        (1.5, TypeError, "seed must be an integer, got 1.5"),
        ("0", TypeError, "seed must be an integer"),
    ],
)
def test_rejects_bad_seeds(seed, error, match):
    with pytest.raises(error, match=match):
        seed_everything(seed)


@pytest.mark.cuda
def test_seeds_cuda_generators():
    seed_everything(5)
    a = torch.rand(4, device="cuda")
    seed_everything(5)
    b = torch.rand(4, device="cuda")
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_seeded_block_is_reproducible_and_restores_the_global_generator():
    from dlbook.seeding import seeded

    torch.manual_seed(11)
    expected = torch.rand(2)
    torch.manual_seed(11)
    with seeded(0):
        first = torch.rand(3)
    assert torch.equal(torch.rand(2), expected)  # the global stream is untouched
    with seeded(0):
        assert torch.equal(torch.rand(3), first)


def test_seeded_none_uses_the_global_generator():
    from dlbook.seeding import seeded

    torch.manual_seed(4)
    expected = torch.rand(3)
    torch.manual_seed(4)
    with seeded(None):
        assert torch.equal(torch.rand(3), expected)


def test_make_generator_seeded_and_fresh():
    from dlbook.seeding import make_generator

    a = torch.randperm(50, generator=make_generator(3))
    assert torch.equal(a, torch.randperm(50, generator=make_generator(3)))
    torch.manual_seed(0)
    fresh = torch.randperm(50, generator=make_generator(None))
    torch.manual_seed(0)
    assert not torch.equal(fresh, torch.randperm(50, generator=make_generator()))
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        make_generator(-1)
    with pytest.raises(TypeError, match="seed must be an integer"):
        seeded_value = 1.5
        make_generator(seeded_value)
