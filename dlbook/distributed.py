"""Data-parallel training with ``torch.distributed``, small enough to run on a laptop CPU.

Data parallelism keeps one full copy of the model in each of ``world_size``
processes. Every global batch is cut into ``world_size`` equal shards; each
process computes the gradient on its shard, the gradients are averaged across
processes (an *all-reduce*, done by ``DistributedDataParallel`` during
``backward``), and every process applies the same update. The copies therefore
stay identical, and the result equals training in one process on the whole
batch: :func:`train_data_parallel` and :func:`train_single_process` check
exactly that.

On GPUs one would use the ``nccl`` backend with one process per GPU; here the
``gloo`` backend runs the same program as processes on the CPU, talking over a
free port on localhost.
"""

from __future__ import annotations

import copy
import datetime
import gc
import os
import socket
import tempfile
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from ._validation import (
    check_choice,
    check_classification_data,
    check_float,
    check_int,
    check_model,
)
from .training import train

__all__ = ["free_port", "train_data_parallel", "train_single_process"]


def free_port() -> int:
    """Ask the operating system for a TCP port on localhost that is free right now.

    Examples
    --------
    >>> 0 < free_port() < 65536
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check_inputs(
    model: Any, X: Any, y: Any, world_size: int, epochs: int, lr: float, batch_size: int | None
) -> tuple[nn.Module, torch.Tensor, torch.Tensor, int, int, float, int]:
    model = check_model("model", model)
    X, y = check_classification_data(X, y)
    X, y = X.cpu(), y.cpu()
    world_size = check_int("world_size", world_size, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    n = len(X)
    batch_size = n if batch_size is None else check_int("batch_size", batch_size, minimum=1)
    if batch_size % world_size != 0:
        raise ValueError(
            f"batch_size must be a multiple of world_size={world_size} so that every "
            f"process gets an equal shard, got {batch_size}"
        )
    if n % batch_size != 0:
        raise ValueError(
            f"the number of samples must be a positive multiple of batch_size={batch_size}, got {n}"
        )
    return model, X, y, world_size, epochs, lr, batch_size


def train_single_process(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 5,
    lr: float = 0.1,
    batch_size: int | None = None,
) -> tuple[nn.Module, list[float]]:
    """Plain SGD on a copy of ``model`` in this process, batches in order (the reference).

    This is ``dl.train(copy, X, y, optimizer="sgd", lr=lr, batch_size=batch_size,
    shuffle=False)``, the same loop each process of :func:`train_data_parallel`
    runs on its shard.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier of flat inputs; it is copied, not changed.
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
        Integer class labels.
    epochs : int, default 5
    lr : float, default 0.1
    batch_size : int, optional
        Examples per step; ``None`` uses all of them. Must divide ``n_samples``.

    Returns
    -------
    model : torch.nn.Module
        The trained copy.
    losses : list of float
        Cross-entropy of every step.

    Examples
    --------
    >>> X, y = torch.randn(8, 2), torch.tensor([0, 1] * 4)
    >>> trained, losses = train_single_process(nn.Linear(2, 2), X, y, epochs=3)
    >>> len(losses)
    3
    """
    model, X, y, _, epochs, lr, batch_size = _check_inputs(model, X, y, 1, epochs, lr, batch_size)
    model = copy.deepcopy(model).cpu()
    history = train(
        model, X, y, optimizer="sgd", lr=lr, epochs=epochs, batch_size=batch_size, shuffle=False
    )
    return model, history.step_loss


@dataclass(frozen=True)
class _Run:
    """What each process of :func:`train_data_parallel` is sent (pickled) to train."""

    world_size: int
    model: nn.Module
    X: torch.Tensor
    y: torch.Tensor
    epochs: int
    lr: float
    batch_size: int
    result_path: str


def _train_rank(rank: int, run: _Run, model: nn.Module) -> None:
    """One rank's training, inside an initialised process group: ``dl.train`` on a DDP model.

    A ``DistributedSampler`` without shuffling gives rank ``r`` the examples
    ``r, r + world_size, ...``, so the shards of the ranks' ``k``-th batches
    make up exactly the ``k``-th global batch of ``batch_size`` examples.
    """
    from torch.nn.parallel import DistributedDataParallel

    ddp = DistributedDataParallel(model)  # broadcasts rank 0's parameters to all ranks
    dataset = TensorDataset(run.X, run.y)
    sampler: DistributedSampler[int] = DistributedSampler(
        dataset, num_replicas=run.world_size, rank=rank, shuffle=False
    )
    loader = DataLoader(dataset, batch_size=run.batch_size // run.world_size, sampler=sampler)
    # Each step's loss is the mean over this rank's shard; DDP all-reduces the gradients
    # during backward, so every rank takes the same step as one process on the whole batch.
    history = train(ddp, loader, optimizer="sgd", lr=run.lr, epochs=run.epochs)
    losses = torch.tensor(history.step_loss, dtype=torch.float64)
    dist.all_reduce(losses)  # sum over ranks: one collective for the whole run
    if rank == 0:
        state = {
            "state_dict": ddp.module.state_dict(),
            "losses": (losses / run.world_size).tolist(),
        }
        torch.save(state, run.result_path)


def _worker(rank: int, run: _Run, port: int, backend: str) -> None:
    """One process of :func:`train_data_parallel` (run by ``torch.multiprocessing``)."""
    torch.set_num_threads(1)  # the processes share the machine's cores
    # Tensors sent to spawned processes live in shared memory: without a private
    # copy, every rank would update the same parameters.
    model = copy.deepcopy(run.model)
    dist.init_process_group(
        backend,
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=run.world_size,
        timeout=datetime.timedelta(seconds=60),
    )
    try:
        _train_rank(rank, run, model)
    finally:
        # The DDP wrapper (and its reducer, which holds the process group) must be gone
        # before the group is destroyed; freeing it afterwards can deadlock.
        gc.collect()
        dist.destroy_process_group()


def train_data_parallel(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    world_size: int = 2,
    backend: str = "gloo",
    start_method: str = "spawn",
    epochs: int = 5,
    lr: float = 0.1,
    batch_size: int | None = None,
) -> tuple[nn.Module, list[float]]:
    """Train a copy of ``model`` with ``DistributedDataParallel`` in ``world_size`` processes.

    The processes are started with ``torch.multiprocessing.spawn`` and meet
    through ``init_process_group`` at a free port on localhost. Each global
    batch of ``batch_size`` examples is cut into ``world_size`` shards of equal
    size; each process computes the loss on its shard, DDP averages the
    gradients during ``backward``, and every process takes the same plain SGD
    step. The result equals :func:`train_single_process` on the same data.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier of flat inputs built from ``torch.nn`` layers (it is
        pickled to the new processes, so its class must be importable, not
        defined in a notebook). It is copied, not changed.
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
        Integer class labels.
    world_size : int, default 2
        Number of processes.
    backend : {"gloo", "nccl"}, default "gloo"
        ``"gloo"`` runs on CPUs; ``"nccl"`` is for one process per GPU and is
        not used by this CPU example.
    start_method : {"spawn", "fork", "forkserver"}, default "spawn"
        How the processes start. ``"spawn"`` works everywhere but each new
        process imports PyTorch afresh (seconds); ``"fork"`` (Linux and macOS
        only) copies the running process and starts at once.
    epochs : int, default 5
    lr : float, default 0.1
    batch_size : int, optional
        Global batch size, a multiple of ``world_size`` that divides
        ``n_samples``; ``None`` uses all samples.

    Returns
    -------
    model : torch.nn.Module
        A trained copy (on the CPU) with rank 0's final parameters.
    losses : list of float
        Loss of every step, averaged over the processes.

    Examples
    --------
    >>> X, y = torch.randn(8, 2), torch.tensor([0, 1] * 4)
    >>> model = nn.Linear(2, 2)
    >>> ddp_model, _ = train_data_parallel(model, X, y, epochs=2)  # doctest: +SKIP
    >>> one_model, _ = train_single_process(model, X, y, epochs=2)
    >>> torch.allclose(ddp_model.weight, one_model.weight, atol=1e-6)  # doctest: +SKIP
    True
    """
    model, X, y, world_size, epochs, lr, batch_size = _check_inputs(
        model, X, y, world_size, epochs, lr, batch_size
    )
    check_choice("backend", backend, ("gloo", "nccl"))
    check_choice("start_method", start_method, ("spawn", "fork", "forkserver"))
    if start_method not in mp.get_all_start_methods():
        raise ValueError(f"start_method {start_method!r} is not available on this platform")
    if backend == "gloo" and not dist.is_available():
        raise RuntimeError("torch.distributed is not available in this PyTorch build")
    model = copy.deepcopy(model).cpu().train()
    with tempfile.TemporaryDirectory() as folder:
        result_path = os.path.join(folder, "result.pt")
        run = _Run(world_size, model, X, y, epochs, lr, batch_size, result_path)
        mp.start_processes(
            _worker,
            args=(run, free_port(), backend),
            nprocs=world_size,
            join=True,
            start_method=start_method,
        )
        result = torch.load(result_path, map_location="cpu", weights_only=True)
    model.load_state_dict(result["state_dict"])
    return model, result["losses"]
