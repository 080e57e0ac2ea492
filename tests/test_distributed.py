"""Tests of dlbook.distributed: two gloo processes train the same model as one process."""

from __future__ import annotations

import socket

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn

import dlbook as dl
from dlbook.distributed import free_port, train_data_parallel, train_single_process

FORK = "fork" in mp.get_all_start_methods()


@pytest.fixture
def data():
    return dl.data.circles(32, seed=0)


def test_free_port_can_be_bound():
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_single_process_is_plain_sgd(data):
    X, y = data
    model = dl.mlp([2, 8, 2], seed=0)
    trained, losses = train_single_process(model, X, y, epochs=2, lr=0.1, batch_size=16)
    reference = dl.mlp([2, 8, 2], seed=0)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    for _ in range(2):
        for start in (0, 16):
            optimizer.zero_grad()
            nn.functional.cross_entropy(
                reference(X[start : start + 16]), y[start : start + 16]
            ).backward()
            optimizer.step()
    assert len(losses) == 4
    for a, b in zip(trained.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(model[0].weight, dl.mlp([2, 8, 2], seed=0)[0].weight)  # untouched


@pytest.mark.skipif(not FORK, reason="the fork start method is not available here")
def test_two_processes_equal_one_process_fork(data):
    X, y = data
    model = dl.mlp([2, 8, 2], seed=0)
    ddp, ddp_losses = train_data_parallel(
        model, X, y, epochs=2, lr=0.1, batch_size=16, start_method="fork"
    )
    one, one_losses = train_single_process(model, X, y, epochs=2, lr=0.1, batch_size=16)
    assert ddp_losses == pytest.approx(one_losses, rel=1e-5)
    for a, b in zip(ddp.parameters(), one.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_worker_trains_a_private_copy(data, tmp_path):
    # Under spawn the model arrives in shared memory, shared by all ranks: each rank
    # must train its own copy. Run one rank in this process (world size 1) and check
    # that the model it was given is unchanged and the result equals one process.
    from dlbook.distributed import _Run, _worker

    X, y = data
    model = nn.Linear(2, 2)
    original = model.weight.detach().clone()
    result = tmp_path / "result.pt"
    _worker(0, _Run(1, model, X, y, 1, 0.5, 16, str(result)), free_port(), "gloo")
    torch.testing.assert_close(model.weight, original)
    trained = torch.load(result, weights_only=True)["state_dict"]
    one, _ = train_single_process(model, X, y, epochs=1, lr=0.5, batch_size=16)
    torch.testing.assert_close(trained["weight"], one.weight.detach())


@pytest.mark.skipif(
    FORK, reason="slow (each process imports PyTorch); the fork test covers it here"
)
def test_two_processes_equal_one_process_spawn(data):
    X, y = data
    model = nn.Linear(2, 2)
    ddp, _ = train_data_parallel(model, X, y, epochs=1, lr=0.5, batch_size=16)
    one, _ = train_single_process(model, X, y, epochs=1, lr=0.5, batch_size=16)
    torch.testing.assert_close(ddp.weight, one.weight, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": "mlp"}, TypeError, "model must be a torch.nn.Module"),
        ({"batch_size": 15}, ValueError, "batch_size must be a multiple of world_size=2"),
        ({"batch_size": 12}, ValueError, "positive multiple of batch_size=12"),
        ({"world_size": 0}, ValueError, "world_size must be a positive integer"),
        ({"lr": -0.1}, ValueError, "lr must be > 0"),
        ({"backend": "mpi"}, ValueError, "backend must be one of"),
        ({"start_method": "thread"}, ValueError, "start_method must be one of"),
        ({"y": torch.zeros(32)}, TypeError, "integer class labels"),
    ],
)
def test_errors(data, kwargs, error, match):
    X, y = data
    args = {"model": nn.Linear(2, 2), "X": X, "y": y}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train_data_parallel(args.pop("model"), args.pop("X"), args.pop("y"), **args)
