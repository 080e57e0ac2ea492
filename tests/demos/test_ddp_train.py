"""Tests of dlbook.demos.ddp_train that need no launcher (torchrun runs it in test_distributed)."""

from __future__ import annotations

import pytest
import torch

import dlbook as dl
from dlbook.demos.ddp_train import DEFAULTS, _parser, main, reference


def test_the_command_line_defaults_are_the_reference_defaults():
    args = _parser().parse_args([])
    assert args.backend is None and args.out is None
    assert {k: getattr(args, k) for k in DEFAULTS} == DEFAULTS


def test_reference_is_single_process_training_with_shuffling():
    model, losses = reference(samples=32, epochs=2, batch_size=8)
    assert len(losses) == 8
    X, y = dl.data.circles(32, seed=1)
    again, _ = dl.distributed.train_single_process(
        dl.mlp([2, 32, 2], seed=0), X, y, epochs=2, lr=0.2, batch_size=8, shuffle=True, seed=0
    )
    for a, b in zip(model.parameters(), again.parameters(), strict=True):
        torch.testing.assert_close(a, b)
    with pytest.raises(TypeError, match="unknown options"):
        reference(width=3)


def test_main_outside_a_launcher_says_how_to_start_it(monkeypatch):
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="start the script with torchrun"):
        main([])
