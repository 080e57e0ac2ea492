"""Data-parallel training with ``torch.distributed``: one program for CPUs (gloo) and GPUs (nccl).

Data parallelism keeps one full copy of the model in each of ``world_size``
processes (*ranks*). Every global batch is cut into ``world_size`` equal
shards; each rank computes the gradient of the mean loss on its shard, the
gradients are averaged across ranks (an *all-reduce*, done by
``DistributedDataParallel`` during ``backward``), and every rank applies the
same update. The copies therefore stay identical.

Every rank runs the same code, whoever started it:

1. :func:`init_from_env` joins the process group from the environment
   variables a launcher sets (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
   ``MASTER_ADDR``, ``MASTER_PORT``: the ``env://`` rendezvous). With the
   ``nccl`` backend it first binds the process to GPU number ``LOCAL_RANK``
   (``torch.cuda.set_device``).
2. :func:`train_rank` moves the model to the rank's device, wraps it in
   ``DistributedDataParallel`` (with ``device_ids=[local_rank]`` on a GPU),
   serves the rank its shard of every batch with a ``DistributedSampler``
   (:func:`shard_loader`), and trains with the step of ``dl.train``.

The real launcher is ``torchrun`` (``python -m torch.distributed.run``): the
script :mod:`dlbook.demos.ddp_train` is started by it. From a notebook,
:func:`train_data_parallel` starts the ranks with ``torch.multiprocessing``
and sets the same variables. :func:`train_single_process` is the reference:
the same batches, in one process, without DDP.

When is the result *exactly* the single-process one (up to the order of
floating-point additions)? When the shards have equal size (the number of
samples is a multiple of ``world_size``; otherwise ``DistributedSampler``
repeats samples to even them out) and the loss of an example depends only
on that example and the parameters, not on the other examples of its batch
nor on random numbers. Batch normalisation breaks the second condition:
each rank normalises with its own shard's statistics
(``torch.nn.SyncBatchNorm`` computes them over the global batch, on GPUs),
and DDP copies rank 0's running averages to the other ranks at every forward
pass. Dropout breaks it too: each rank draws its own masks, which are not
the masks one process would draw for the whole batch. So that the ranks do
draw *different* masks, :func:`train_rank` seeds rank ``r``'s random number
generator with ``seed + r``: forked processes would otherwise all inherit
the parent's generator, and in spawned ones the CUDA generator starts from
the same fixed default seed in every process.
"""

from __future__ import annotations

import copy
import datetime
import gc
import os
import socket
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler, TensorDataset

from ._validation import (
    check_choice,
    check_classification_data,
    check_float,
    check_int,
    check_model,
    check_seed,
    describe,
)
from .devices import module_device
from .training import TrainingStep

__all__ = [
    "RankInfo",
    "default_start_method",
    "free_port",
    "init_from_env",
    "rank_device",
    "shard_loader",
    "train_data_parallel",
    "train_rank",
    "train_single_process",
]

_BACKENDS = ("gloo", "nccl")
_ENV = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


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


def default_start_method(backend: str = "gloo") -> str:
    """How :func:`train_data_parallel` should start processes here: ``"fork"`` or ``"spawn"``.

    ``"fork"`` copies the running process and starts at once, but it is safe
    only on Linux, only for children that do not use the GPU, and only while
    this process has not touched CUDA (a CUDA context cannot be copied; even
    ``torch.cuda.is_available()`` can leave state behind that breaks CUDA in a
    forked child, unless ``PYTORCH_NVML_BASED_CUDA_CHECK=1`` is set). On
    macOS, where Python itself defaults to ``"spawn"``, system frameworks
    (Metal, which the MPS device runs on, among them) are not safe to use in a
    forked child. Everywhere else, and always for ``backend="nccl"`` (whose
    processes compute on GPUs), the answer is ``"spawn"``: fresh interpreters
    that import PyTorch (seconds).

    Parameters
    ----------
    backend : {"gloo", "nccl"}, default "gloo"
        The backend the processes will use: ``"nccl"`` means GPUs, hence
        ``"spawn"``.

    Returns
    -------
    str

    Examples
    --------
    >>> default_start_method() in ("fork", "spawn")
    True
    >>> default_start_method("nccl")
    'spawn'
    """
    backend = check_choice("backend", backend, _BACKENDS)
    if (
        backend == "gloo"
        and sys.platform.startswith("linux")
        and "fork" in mp.get_all_start_methods()
        and not torch.cuda.is_initialized()
    ):
        return "fork"
    return "spawn"


@dataclass(frozen=True)
class RankInfo:
    """Who this process is in the group, and where it computes.

    Attributes
    ----------
    rank : int
        0, ..., ``world_size - 1``, unique across all machines.
    local_rank : int
        The process's number on its own machine (its GPU's number with nccl).
    world_size : int
        Number of processes in the group.
    backend : {"gloo", "nccl"}
    device : torch.device
        ``cuda:<local_rank>`` with nccl, the CPU with gloo.
    """

    rank: int
    local_rank: int
    world_size: int
    backend: str
    device: torch.device


def rank_device(backend: str, local_rank: int) -> torch.device:
    """The device a rank computes on: GPU ``local_rank`` with nccl, the CPU with gloo.

    Parameters
    ----------
    backend : {"gloo", "nccl"}
    local_rank : int
        The process's number on its machine.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        For nccl without a CUDA device numbered ``local_rank`` (one GPU per process).

    Examples
    --------
    >>> rank_device("gloo", 1)
    device(type='cpu')
    """
    backend = check_choice("backend", backend, _BACKENDS)
    local_rank = check_int("local_rank", local_rank, minimum=0)
    if backend == "gloo":
        return torch.device("cpu")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if local_rank >= count:
        raise ValueError(
            f"backend='nccl' needs one CUDA device per process: local rank {local_rank} "
            f"has none, this machine has {count} CUDA device(s); use backend='gloo' on CPUs"
        )
    return torch.device("cuda", local_rank)


def init_from_env(backend: str | None = None, *, timeout: float = 120.0) -> RankInfo:
    """Join the process group described by the launcher's environment variables (``env://``).

    ``torchrun`` sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR`` and ``MASTER_PORT`` in every process it starts. With the
    nccl backend the process is bound to its GPU (``torch.cuda.set_device``)
    *before* the group is created, so that NCCL's communicators and every
    later ``.to("cuda")`` use that GPU rather than GPU 0.

    Parameters
    ----------
    backend : {"gloo", "nccl"}, optional
        ``None`` picks nccl when CUDA (and NCCL) is available, gloo otherwise.
    timeout : float, default 120.0
        Seconds to wait for the other processes in collective operations.

    Returns
    -------
    RankInfo

    Raises
    ------
    RuntimeError
        When a variable the launcher sets is missing (the script was not
        started by ``torchrun``).

    Examples
    --------
    >>> import os
    >>> os.environ.update(RANK="0", LOCAL_RANK="0", WORLD_SIZE="1",
    ...                   MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    >>> info = init_from_env("gloo")
    >>> info.rank, info.world_size, info.device
    (0, 1, device(type='cpu'))
    >>> dist.destroy_process_group()
    >>> for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
    ...     del os.environ[name]
    """
    missing = [name for name in _ENV if name not in os.environ]
    if missing:
        raise RuntimeError(
            f"init_from_env needs the environment variables a launcher sets, but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing: start the "
            "script with torchrun --nproc_per_node=N (or python -m torch.distributed.run)"
        )
    if backend is None:
        nccl = torch.cuda.is_available() and dist.is_nccl_available()
        backend = "nccl" if nccl else "gloo"
    backend = check_choice("backend", backend, _BACKENDS)
    # torch keeps the timeout in milliseconds in a C int: a week is far inside that.
    timeout = check_float("timeout", timeout, minimum=0.0, strict_minimum=True, maximum=604800.0)
    rank = int(os.environ["RANK"])
    world_size = int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    device = rank_device(backend, local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)  # before the group: NCCL binds to the current device
    dist.init_process_group(
        backend,
        init_method="env://",
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=timeout),
    )
    return RankInfo(rank, local_rank, world_size, backend, device)


def shard_loader(
    dataset: Dataset,
    *,
    batch_size: int,
    world_size: int,
    rank: int,
    shuffle: bool = False,
    seed: int = 0,
    pin_memory: bool = False,
) -> DataLoader:
    """A ``DataLoader`` that gives one rank its shard of every global batch.

    A ``DistributedSampler`` orders the indices (a random permutation drawn
    from ``seed + epoch`` when ``shuffle``, the same on every rank: call
    ``loader.sampler.set_epoch(epoch)`` before each epoch) and gives rank
    ``r`` the positions ``r, r + world_size, r + 2 world_size, ...``. Each rank
    then takes batches of ``batch_size // world_size``, so the shards of the
    ranks' ``k``-th batches together are the ``k``-th global batch of
    ``batch_size`` consecutive indices. With ``world_size=1`` this is the
    order one process would use.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
    batch_size : int
        The global batch size, a multiple of ``world_size``.
    world_size, rank : int
    shuffle : bool, default False
    seed : int, default 0
    pin_memory : bool, default False
        Page-locked batches, for fast non-blocking copies to a GPU.

    Returns
    -------
    torch.utils.data.DataLoader

    Examples
    --------
    >>> data = TensorDataset(torch.arange(8.0).reshape(8, 1), torch.zeros(8, dtype=torch.long))
    >>> [xb.flatten().tolist() for xb, _ in shard_loader(data, batch_size=4, world_size=2, rank=1)]
    [[1.0, 3.0], [5.0, 7.0]]
    """
    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset must be a torch.utils.data.Dataset, got {describe(dataset)}")
    world_size = check_int("world_size", world_size, minimum=1)
    rank = check_int("rank", rank, minimum=0)
    if rank >= world_size:
        raise ValueError(f"rank must be below world_size={world_size}, got {rank}")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size % world_size != 0:
        raise ValueError(
            f"batch_size must be a multiple of world_size={world_size} so that every "
            f"rank gets an equal shard, got {batch_size}"
        )
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be a bool, got {describe(shuffle)}")
    seed = check_int("seed", seed, minimum=0)
    if not isinstance(pin_memory, bool):
        raise TypeError(f"pin_memory must be a bool, got {describe(pin_memory)}")
    sampler: DistributedSampler[int] = DistributedSampler(
        dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed
    )
    return DataLoader(
        dataset, batch_size=batch_size // world_size, sampler=sampler, pin_memory=pin_memory
    )


def _fit(model: nn.Module, loader: DataLoader, *, epochs: int, lr: float) -> torch.Tensor:
    """Plain SGD with the :class:`dlbook.training.TrainingStep` of ``dl.train``.

    The loop is written out (rather than calling ``dl.train``) so that the
    sampler reshuffles before every epoch (``set_epoch``) and no evaluation
    pass runs in between; the step losses stay on the device until the end.
    """
    device = module_device(model)
    model.train()
    step = TrainingStep(model, torch.optim.SGD(model.parameters(), lr=lr))
    losses = []
    for epoch in range(epochs):
        loader.sampler.set_epoch(epoch)  # type: ignore[attr-defined]
        for xb, yb in loader:
            xb = xb.to(device, non_blocking=xb.is_pinned())
            yb = yb.to(device, non_blocking=yb.is_pinned())
            losses.append(step(xb, yb).loss)
    return torch.stack(losses).double()


def train_rank(
    model: nn.Module,
    dataset: Dataset,
    info: RankInfo,
    *,
    epochs: int = 5,
    lr: float = 0.1,
    batch_size: int = 64,
    shuffle: bool = False,
    seed: int = 0,
) -> tuple[nn.Module, list[float]]:
    """One rank's training, inside an initialised process group: plain SGD on a DDP model.

    The model is moved to ``info.device`` and wrapped in
    ``DistributedDataParallel`` (``device_ids=[local_rank]`` on a GPU), which
    copies rank 0's parameters to every rank and, during each ``backward``,
    averages the gradients across ranks; each step is the
    :class:`dlbook.training.TrainingStep` of ``dl.train``. The rank's random
    number generator is seeded with ``seed + rank`` first, so that random
    layers such as dropout draw different masks on different ranks, and the
    same masks in every run. Every rank must call this with the same
    arguments.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier; it is moved to the rank's device and trained in place.
    dataset : torch.utils.data.Dataset
        The whole training set of ``(x, y)`` pairs, the same on every rank
        (:func:`shard_loader` picks each rank's part).
    info : RankInfo
        From :func:`init_from_env`.
    epochs : int, default 5
    lr : float, default 0.1
        Learning rate of plain SGD.
    batch_size : int, default 64
        The global batch size, a multiple of ``info.world_size``.
    shuffle : bool, default False
        A new order every epoch, the same on all ranks.
    seed : int, default 0
        Seed of the order (the same on every rank); rank ``r`` also seeds
        ``torch.manual_seed(seed + r)``.

    Returns
    -------
    ddp : DistributedDataParallel
        The wrapped model, from ``torch.nn.parallel`` (``ddp.module`` is ``model``).
    losses : list of float
        Loss of every step on its global batch (the mean of the ranks' shard
        losses), the same list on every rank.
    """
    from torch.nn.parallel import DistributedDataParallel

    model = check_model("model", model)
    if not isinstance(info, RankInfo):
        raise TypeError(f"info must be a RankInfo (from init_from_env), got {describe(info)}")
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    seed = check_int("seed", seed, minimum=0)
    torch.manual_seed(seed + info.rank)  # dropout: different masks on different ranks
    on_gpu = info.device.type == "cuda"
    model.to(info.device)
    # device_ids: DDP's buckets and the all-reduce live on this rank's GPU.
    ddp = DistributedDataParallel(model, device_ids=[info.device.index] if on_gpu else None)
    loader = shard_loader(
        dataset,
        batch_size=batch_size,
        world_size=info.world_size,
        rank=info.rank,
        shuffle=shuffle,
        seed=seed,
        pin_memory=on_gpu,
    )
    # Each step's loss is the mean over this rank's shard; DDP all-reduces the gradients
    # during backward, so every rank takes the same step as one process on the whole batch.
    losses = _fit(ddp, loader, epochs=epochs, lr=lr)
    dist.all_reduce(losses)  # sum over ranks: one collective for the whole run
    return ddp, (losses / info.world_size).tolist()


def _check_inputs(
    model: Any,
    X: Any,
    y: Any,
    world_size: int,
    epochs: int,
    lr: float,
    batch_size: int | None,
    shuffle: bool,
    seed: int,
) -> tuple[nn.Module, torch.Tensor, torch.Tensor, int, int, float, int, bool, int]:
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
    if n % world_size != 0:
        raise ValueError(
            f"the number of samples must be a multiple of world_size={world_size} (otherwise "
            f"DistributedSampler repeats samples to even out the shards), got {n}"
        )
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be a bool, got {describe(shuffle)}")
    checked = check_seed("seed", seed)
    if checked is None:
        raise TypeError("seed must be an integer: every rank must draw the same order")
    return model, X, y, world_size, epochs, lr, batch_size, shuffle, checked


def train_single_process(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 5,
    lr: float = 0.1,
    batch_size: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
) -> tuple[nn.Module, list[float]]:
    """Plain SGD on a copy of ``model`` in this process: the reference for data parallelism.

    The batches are those of :func:`shard_loader` with ``world_size=1``: the
    global batches that the ranks of :func:`train_data_parallel` split
    between them, in the same order (shuffled from the same seed).

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
        Examples per step; ``None`` uses all of them.
    shuffle : bool, default False
        A new order every epoch, drawn from ``seed + epoch``.
    seed : int, default 0

    Returns
    -------
    model : torch.nn.Module
        The trained copy (on the CPU).
    losses : list of float
        Cross-entropy of every step.

    Examples
    --------
    >>> X, y = torch.randn(8, 2), torch.tensor([0, 1] * 4)
    >>> trained, losses = train_single_process(nn.Linear(2, 2), X, y, epochs=3)
    >>> len(losses)
    3
    """
    model, X, y, _, epochs, lr, batch_size, shuffle, seed = _check_inputs(
        model, X, y, 1, epochs, lr, batch_size, shuffle, seed
    )
    model = copy.deepcopy(model).cpu()
    loader = shard_loader(
        TensorDataset(X, y), batch_size=batch_size, world_size=1, rank=0, shuffle=shuffle, seed=seed
    )
    return model, _fit(model, loader, epochs=epochs, lr=lr).tolist()


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
    shuffle: bool
    seed: int
    result_path: str


def _worker(rank: int, run: _Run, port: int, backend: str) -> None:
    """One process of :func:`train_data_parallel`: set what torchrun would set, then train."""
    torch.set_num_threads(1)  # the processes share the machine's cores
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(run.world_size),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    info = init_from_env(backend, timeout=60.0)
    try:
        # Tensors sent to spawned processes live in shared memory: without a private
        # copy, every rank would update the same parameters.
        model = copy.deepcopy(run.model)
        ddp, losses = train_rank(
            model,
            TensorDataset(run.X, run.y),
            info,
            epochs=run.epochs,
            lr=run.lr,
            batch_size=run.batch_size,
            shuffle=run.shuffle,
            seed=run.seed,
        )
        if info.rank == 0:
            state = {name: t.cpu() for name, t in model.state_dict().items()}  # model is ddp.module
            torch.save({"state_dict": state, "losses": losses}, run.result_path)
        del ddp
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
    start_method: str | None = None,
    epochs: int = 5,
    lr: float = 0.1,
    batch_size: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
) -> tuple[nn.Module, list[float]]:
    """Train a copy of ``model`` with ``DistributedDataParallel`` in ``world_size`` processes.

    The processes are started with ``torch.multiprocessing``, given the
    environment variables ``torchrun`` would set (a free port on localhost),
    and each runs :func:`init_from_env` and :func:`train_rank`. Each global
    batch of ``batch_size`` examples is cut into ``world_size`` shards of equal
    size; each process computes the loss on its shard, DDP averages the
    gradients during ``backward``, and every process takes the same plain SGD
    step. For a model without batch normalisation or dropout the result
    equals :func:`train_single_process` on the same data, up to rounding.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier of flat inputs built from ``torch.nn`` layers (it is
        pickled to the new processes, so its class must be importable, not
        defined in a notebook). It is copied, not changed.
    X : Tensor of shape (n_samples, n_features)
        ``n_samples`` must be a multiple of ``world_size``.
    y : Tensor of shape (n_samples,)
        Integer class labels.
    world_size : int, default 2
        Number of processes (with nccl, at most the number of GPUs).
    backend : {"gloo", "nccl"}, default "gloo"
        ``"gloo"`` trains on the CPU; ``"nccl"`` gives process ``k`` GPU ``k``.
    start_method : {"spawn", "fork", "forkserver"}, optional
        How the processes start; ``None`` uses
        :func:`default_start_method` for ``backend`` (``"spawn"`` for nccl).
        ``"fork"`` is refused with nccl and once this process has
        initialised CUDA.
    epochs : int, default 5
    lr : float, default 0.1
    batch_size : int, optional
        Global batch size, a multiple of ``world_size``; ``None`` uses all samples.
    shuffle : bool, default False
        A new order every epoch (the same on every rank).
    seed : int, default 0
        Seed of the order; process ``r`` also seeds its random numbers with
        ``seed + r`` (:func:`train_rank`).

    Returns
    -------
    model : torch.nn.Module
        A trained copy (on the CPU) with rank 0's final parameters.
    losses : list of float
        Loss of every step on its global batch.

    Examples
    --------
    >>> X, y = torch.randn(8, 2), torch.tensor([0, 1] * 4)
    >>> model = nn.Linear(2, 2)
    >>> ddp_model, _ = train_data_parallel(model, X, y, epochs=2)  # doctest: +SKIP
    >>> one_model, _ = train_single_process(model, X, y, epochs=2)
    >>> torch.allclose(ddp_model.weight, one_model.weight, atol=1e-6)  # doctest: +SKIP
    True
    """
    model, X, y, world_size, epochs, lr, batch_size, shuffle, seed = _check_inputs(
        model, X, y, world_size, epochs, lr, batch_size, shuffle, seed
    )
    backend = check_choice("backend", backend, _BACKENDS)
    if start_method is None:
        start_method = default_start_method(backend)
    check_choice("start_method", start_method, ("spawn", "fork", "forkserver"))
    if start_method not in mp.get_all_start_methods():
        raise ValueError(f"start_method {start_method!r} is not available on this platform")
    if not dist.is_available():
        raise RuntimeError("torch.distributed is not available in this PyTorch build")
    if backend == "nccl":
        rank_device("nccl", world_size - 1)  # one GPU per process, or a ValueError
        if not dist.is_nccl_available():
            raise ValueError("backend='nccl' is not available in this PyTorch build")
    if start_method == "fork" and backend == "nccl":
        raise ValueError(
            "start_method='fork' cannot be used with backend='nccl': processes that use "
            "the GPU must not be forked; use 'spawn' (the default for nccl)"
        )
    if start_method == "fork" and torch.cuda.is_initialized():
        raise ValueError(
            "start_method='fork' cannot be used after this process initialised CUDA "
            "(a CUDA context cannot be copied); use 'spawn'"
        )
    model = copy.deepcopy(model).cpu().train()
    with tempfile.TemporaryDirectory() as folder:
        result_path = os.path.join(folder, "result.pt")
        run = _Run(world_size, model, X, y, epochs, lr, batch_size, shuffle, seed, result_path)
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
