"""Tests of dlbook.distributed: two gloo processes train the same model as one process."""

from __future__ import annotations

import socket
import sys

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn
from torch.utils.data import TensorDataset

import dlbook as dl
from dlbook.distributed import (
    RankInfo,
    default_start_method,
    free_port,
    init_from_env,
    rank_device,
    shard_loader,
    train_data_parallel,
    train_rank,
    train_single_process,
)

FORK = "fork" in mp.get_all_start_methods()
ENV = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


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


def test_worker_trains_a_private_copy(data, tmp_path, monkeypatch):
    # Under spawn the model arrives in shared memory, shared by all ranks: each rank
    # must train its own copy. Run one rank in this process (world size 1) and check
    # that the model it was given is unchanged and the result equals one process.
    from dlbook.distributed import _Run, _worker

    for name in ENV:  # the worker sets what torchrun would; undo it afterwards
        monkeypatch.setenv(name, "")
    X, y = data
    model = nn.Linear(2, 2)
    original = model.weight.detach().clone()
    result = tmp_path / "result.pt"
    _worker(0, _Run(1, model, X, y, 1, 0.5, 16, False, 0, str(result)), free_port(), "gloo")
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
        (
            {"X": torch.randn(33, 2), "y": torch.zeros(33, dtype=torch.long), "batch_size": 4},
            ValueError,
            "number of samples must be a multiple of world_size=2",
        ),
        ({"shuffle": 1}, TypeError, "shuffle must be a bool"),
        ({"seed": None}, TypeError, "seed must be an integer"),
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


def test_default_start_method(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_start_method() == "spawn"  # fork is unsafe on macOS (Metal, MPS)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    assert default_start_method() == "spawn"  # a CUDA context cannot be forked
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    assert default_start_method() == ("fork" if FORK else "spawn")
    assert default_start_method("gloo") == default_start_method()
    # GPU processes are never forked, even before this process touched CUDA
    assert default_start_method("nccl") == "spawn"
    with pytest.raises(ValueError, match="backend must be one of"):
        default_start_method("mpi")


def test_nccl_starts_its_processes_with_spawn_by_default(data, monkeypatch):
    # Without a GPU here: pretend there are enough, and catch the start of the processes.
    import dlbook.distributed as distributed

    started = []

    def start_processes(fn, *, args, nprocs, join, start_method):
        started.append(start_method)
        raise RuntimeError("not started")

    monkeypatch.setattr(distributed, "rank_device", lambda backend, rank: torch.device("cuda", 0))
    monkeypatch.setattr(torch.distributed, "is_nccl_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    monkeypatch.setattr(mp, "start_processes", start_processes)
    with pytest.raises(RuntimeError, match="not started"):
        train_data_parallel(nn.Linear(2, 2), *data, backend="nccl")
    with pytest.raises(RuntimeError, match="not started"):
        train_data_parallel(nn.Linear(2, 2), *data, backend="gloo")
    assert started == ["spawn", default_start_method("gloo")]
    if FORK:
        with pytest.raises(ValueError, match="cannot be used with backend='nccl'"):
            train_data_parallel(nn.Linear(2, 2), *data, backend="nccl", start_method="fork")


def _draw_after_training(rank, X, y, port, folder):
    """One rank of test_ranks_draw_different_random_numbers: train, then draw a mask."""
    import os

    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE="2",
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    info = init_from_env("gloo", timeout=60.0)
    try:
        model = dl.mlp([2, 8, 2], dropout=0.5, seed=0)
        ddp, _ = train_rank(model, TensorDataset(X, y), info, epochs=1, batch_size=16, seed=3)
        mask = torch.nn.functional.dropout(torch.ones(64), 0.5)  # the next mask of this rank
        torch.save(mask, f"{folder}/{rank}.pt")
        del ddp
    finally:
        import gc

        gc.collect()
        torch.distributed.destroy_process_group()


@pytest.mark.skipif(not FORK, reason="the fork start method is not available here")
def test_ranks_draw_different_random_numbers(data, tmp_path):
    # Forked ranks inherit this process's generator: without a seed per rank (seed + rank)
    # their dropout masks would be identical.
    X, y = data
    torch.manual_seed(0)
    mp.start_processes(
        _draw_after_training,
        args=(X, y, free_port(), str(tmp_path)),
        nprocs=2,
        start_method="fork",
    )
    masks = [torch.load(tmp_path / f"{r}.pt", weights_only=True) for r in (0, 1)]
    assert not torch.equal(masks[0], masks[1])
    # and reproducibly: rank r's stream starts from seed + r = 3 + r
    for r, mask in enumerate(masks):
        torch.manual_seed(3 + r)
        model = dl.mlp([2, 8, 2], dropout=0.5, seed=0)
        loader = shard_loader(TensorDataset(X, y), batch_size=16, world_size=2, rank=r)
        for xb, _ in loader:  # the masks drawn while training, one forward per step
            model.train()(xb)
        torch.testing.assert_close(torch.nn.functional.dropout(torch.ones(64), 0.5), mask)


def test_rank_device():
    assert rank_device("gloo", 3) == torch.device("cpu")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(ValueError, match=f"has none, this machine has {count} CUDA device"):
        rank_device("nccl", count)
    with pytest.raises(ValueError, match="backend must be one of"):
        rank_device("mpi", 0)


def test_init_from_env_needs_the_launcher(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT are"):
        init_from_env("gloo")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    with pytest.raises(
        RuntimeError, match="MASTER_PORT is missing: start the script with torchrun"
    ):
        init_from_env("gloo")


@pytest.mark.parametrize("shuffle", [False, True])
def test_shards_of_the_ranks_make_up_the_global_batches(shuffle):
    n, batch, world = 24, 8, 4
    data = TensorDataset(torch.arange(n), torch.zeros(n, dtype=torch.long))
    one = shard_loader(data, batch_size=batch, world_size=1, rank=0, shuffle=shuffle, seed=3)
    ranks = [
        shard_loader(data, batch_size=batch, world_size=world, rank=r, shuffle=shuffle, seed=3)
        for r in range(world)
    ]
    for epoch in range(2):
        for loader in (one, *ranks):
            loader.sampler.set_epoch(epoch)
        global_batches = [xb.tolist() for xb, _ in one]
        shards = [[xb.tolist() for xb, _ in loader] for loader in ranks]
        assert all(len(s) == len(global_batches) for s in shards)
        for k, whole in enumerate(global_batches):
            assert len(whole) == batch
            assert sorted(i for s in shards for i in s[k]) == sorted(whole)
        if epoch == 0:
            first = global_batches
    assert (first != global_batches) == shuffle  # a new order in each epoch when shuffling


def test_shard_loader_errors():
    data = TensorDataset(torch.zeros(8, 1), torch.zeros(8, dtype=torch.long))
    with pytest.raises(ValueError, match="batch_size must be a multiple of world_size=3"):
        shard_loader(data, batch_size=4, world_size=3, rank=0)
    with pytest.raises(ValueError, match="rank must be below world_size=2"):
        shard_loader(data, batch_size=4, world_size=2, rank=2)
    with pytest.raises(TypeError, match="dataset must be a torch.utils.data.Dataset"):
        shard_loader([1, 2], batch_size=2, world_size=1, rank=0)


def test_train_rank_checks_its_rank_info(data):
    with pytest.raises(TypeError, match="info must be a RankInfo"):
        train_rank(nn.Linear(2, 2), TensorDataset(*data), {"rank": 0})
    info = RankInfo(0, 0, 1, "gloo", torch.device("cpu"))
    assert info.device.type == "cpu"


@pytest.mark.skipif(not FORK, reason="the fork start method is not available here")
def test_shuffled_two_processes_equal_one_process(data):
    X, y = data
    model = dl.mlp([2, 8, 2], seed=0)
    options = dict(epochs=3, lr=0.1, batch_size=8, shuffle=True, seed=5)
    ddp, ddp_losses = train_data_parallel(model, X, y, start_method="fork", **options)
    one, one_losses = train_single_process(model, X, y, **options)
    assert ddp_losses == pytest.approx(one_losses, rel=1e-5)
    for a, b in zip(ddp.parameters(), one.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    unshuffled, _ = train_single_process(model, X, y, **{**options, "shuffle": False})
    assert not torch.allclose(unshuffled[0].weight, one[0].weight)


@pytest.mark.skipif(not FORK, reason="the fork start method is not available here")
def test_batch_norm_is_where_data_parallel_differs(data):
    # Each rank normalises with its own shard's statistics: not the single-process result.
    X, y = data
    model = dl.mlp([2, 8, 2], norm="batch", seed=0)
    ddp, _ = train_data_parallel(model, X, y, epochs=2, lr=0.1, batch_size=16, start_method="fork")
    one, _ = train_single_process(model, X, y, epochs=2, lr=0.1, batch_size=16)
    gap = max(
        (a - b).abs().max().item() for a, b in zip(ddp.parameters(), one.parameters(), strict=True)
    )
    assert gap > 1e-4


@pytest.mark.torchrun
def test_the_torchrun_script_equals_one_process():
    # The real launcher: torchrun starts two gloo processes that run dlbook.demos.ddp_train.
    from dlbook.demos import ddp_train

    options = dict(samples=32, hidden=8, epochs=2, batch_size=8)
    result = ddp_train.launch(2, backend="gloo", **options)
    assert (result["world_size"], result["backend"], result["device"]) == (2, "gloo", "cpu")
    model, losses = ddp_train.reference(**options)
    assert result["losses"] == pytest.approx(losses, rel=1e-5)
    for name, value in model.state_dict().items():
        torch.testing.assert_close(result["state_dict"][name], value, rtol=1e-5, atol=1e-6)


def test_launch_reports_a_failing_run():
    from dlbook.demos import ddp_train

    with pytest.raises(TypeError, match="unknown options"):
        ddp_train.launch(2, width=3)
    with pytest.raises(TypeError, match="must be a number or a string"):
        ddp_train.launch(2, epochs=[1])


@pytest.mark.cuda
def test_nccl_on_one_gpu_equals_the_cpu(data):
    # The GPU path: nccl, set_device, the model and batches on the rank's GPU, device_ids.
    if not torch.distributed.is_nccl_available():
        pytest.skip("this PyTorch build has no NCCL")
    X, y = data
    model = dl.mlp([2, 8, 2], seed=0)
    options = dict(epochs=2, lr=0.1, batch_size=16, shuffle=True, seed=1)
    # no start_method: the default for nccl must be one that works with CUDA (spawn)
    gpu, gpu_losses = train_data_parallel(model, X, y, world_size=1, backend="nccl", **options)
    cpu, cpu_losses = train_single_process(model, X, y, **options)
    assert gpu_losses == pytest.approx(cpu_losses, rel=1e-4, abs=1e-5)
    for a, b in zip(gpu.parameters(), cpu.parameters(), strict=True):
        assert a.device.type == "cpu"
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.cuda
def test_nccl_two_gpus_equal_one_process(data):
    if torch.cuda.device_count() < 2 or not torch.distributed.is_nccl_available():
        pytest.skip("needs two CUDA devices and NCCL")
    X, y = data
    model = dl.mlp([2, 8, 2], seed=0)
    gpu, _ = train_data_parallel(
        model, X, y, backend="nccl", start_method="spawn", epochs=2, lr=0.1, batch_size=16
    )
    cpu, _ = train_single_process(model, X, y, epochs=2, lr=0.1, batch_size=16)
    for a, b in zip(gpu.parameters(), cpu.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.cuda
@pytest.mark.torchrun
def test_the_torchrun_script_takes_nccl_and_the_gpu_by_default():
    from dlbook.demos import ddp_train

    options = dict(samples=32, hidden=8, epochs=2, batch_size=8)
    result = ddp_train.launch(1, **options)
    assert (result["backend"], result["device"]) == ("nccl", "cuda")
    _, losses = ddp_train.reference(**options)
    assert result["losses"] == pytest.approx(losses, rel=1e-4, abs=1e-5)


def test_nccl_without_gpus_is_refused(data):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="backend='nccl' needs one CUDA device per process"):
        train_data_parallel(nn.Linear(2, 2), *data, backend="nccl")
