"""Data-parallel training started by ``torchrun``: the skeleton of a multi-GPU training script.

Run it with the launcher, one process per GPU (or, without GPUs, per CPU process)::

    torchrun --standalone --nproc_per_node=2 -m dlbook.demos.ddp_train --out result.pt

(``python -m torch.distributed.run`` is the same program as ``torchrun``.)
The launcher starts ``--nproc_per_node`` copies of this module and gives each
the environment variables ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``MASTER_ADDR`` and ``MASTER_PORT``; ``--standalone`` lets it find a free
port on this machine itself. Every copy runs :func:`main`: it joins the
process group (nccl and its own GPU where CUDA is available, gloo on the CPU
otherwise), builds the same data and the same initial model, and trains it
with ``DistributedDataParallel`` on its shard of every batch
(:func:`dlbook.distributed.train_rank`). Rank 0 alone writes the result.

:func:`launch` starts it from Python with ``python -m torch.distributed.run``,
which is how the tests run it (the chapter trains in processes of its own,
with :func:`dlbook.distributed.train_data_parallel`); :func:`reference` trains
the same model on the same batches in one process.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

import torch
import torch.distributed as dist
from torch.utils.data import TensorDataset

from .._validation import check_float, check_int, describe
from ..data import circles
from ..distributed import init_from_env, train_rank, train_single_process
from ..models import mlp

__all__ = ["launch", "main", "reference"]

#: What :func:`main` trains unless told otherwise (the chapter's example).
DEFAULTS: dict[str, Any] = {
    "samples": 256,
    "hidden": 32,
    "epochs": 10,
    "lr": 0.2,
    "batch_size": 64,
    "seed": 0,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchrun --standalone --nproc_per_node=N -m dlbook.demos.ddp_train",
        description="Train a small MLP on the circle data with DistributedDataParallel.",
    )
    parser.add_argument("--out", help="file for rank 0's result (torch.save)")
    parser.add_argument("--backend", choices=("gloo", "nccl"), help="default: nccl on GPUs")
    parser.add_argument("--samples", type=int, default=DEFAULTS["samples"])
    parser.add_argument("--hidden", type=int, default=DEFAULTS["hidden"])
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    parser.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    parser.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """What every process started by torchrun runs: join the group, train, rank 0 writes.

    Parameters
    ----------
    argv : sequence of str, optional
        The command-line options (``None``: ``sys.argv[1:]``); ``--help`` lists them.
    """
    args = _parser().parse_args(argv)
    info = init_from_env(args.backend)  # reads RANK, LOCAL_RANK, WORLD_SIZE; binds the GPU
    try:
        X, y = circles(args.samples, seed=1)  # every rank builds the same data ...
        model = mlp([2, args.hidden, 2], seed=0)  # ... and the same initial model
        ddp, losses = train_rank(
            model,
            TensorDataset(X, y),
            info,
            epochs=args.epochs,
            lr=args.lr,
            batch_size=args.batch_size,
            shuffle=True,  # DistributedSampler: a new order each epoch, the same on all ranks
            seed=args.seed,
        )
        if info.rank == 0 and args.out:  # one process writes
            state = {name: t.cpu() for name, t in model.state_dict().items()}  # model is ddp.module
            result = {
                "state_dict": state,
                "losses": losses,
                "world_size": info.world_size,
                "backend": info.backend,
                "device": info.device.type,
            }
            torch.save(result, args.out)
        del ddp
    finally:
        gc.collect()  # DDP's reducer must be gone before its group
        dist.destroy_process_group()


def reference(**options: Any) -> tuple[torch.nn.Module, list[float]]:
    """The same training in one process, without DDP: what :func:`main` must reproduce.

    Parameters
    ----------
    **options
        ``samples``, ``hidden``, ``epochs``, ``lr``, ``batch_size``, ``seed``
        (the defaults of ``DEFAULTS``).

    Returns
    -------
    model : torch.nn.Module
    losses : list of float

    Examples
    --------
    >>> model, losses = reference(samples=16, epochs=1, batch_size=8)
    >>> len(losses)
    2
    """
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown options {sorted(unknown)}; expected some of {sorted(DEFAULTS)}")
    o = {**DEFAULTS, **options}
    X, y = circles(o["samples"], seed=1)
    return train_single_process(
        mlp([2, o["hidden"], 2], seed=0),
        X,
        y,
        epochs=o["epochs"],
        lr=o["lr"],
        batch_size=o["batch_size"],
        shuffle=True,
        seed=o["seed"],
    )


def launch(nproc: int = 2, *, timeout: float = 300.0, **options: Any) -> dict[str, Any]:
    """Run this script with ``python -m torch.distributed.run`` and return rank 0's result.

    Parameters
    ----------
    nproc : int, default 2
        ``--nproc_per_node``: processes on this machine.
    timeout : float, default 300.0
        Seconds before the run is abandoned.
    **options
        Command-line options of :func:`main` (``epochs=3`` is ``--epochs 3``).

    Returns
    -------
    dict
        ``state_dict``, ``losses``, ``world_size``, ``backend`` and ``device``.

    Raises
    ------
    RuntimeError
        When torchrun fails; the message ends with what it printed.
    """
    nproc = check_int("nproc", nproc, minimum=1)
    timeout = check_float("timeout", timeout, minimum=0.0, strict_minimum=True, maximum=86400.0)
    unknown = set(options) - set(DEFAULTS) - {"backend"}
    if unknown:
        raise TypeError(f"unknown options {sorted(unknown)}; expected some of {sorted(DEFAULTS)}")
    flags = []
    for name, value in options.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError(
                f"options[{name!r}] must be a number or a string, got {describe(value)}"
            )
        flags += [f"--{name.replace('_', '-')}", str(value)]
    # One thread per process (torchrun would say so on stderr otherwise).
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "result.pt")
        command = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            f"--nproc_per_node={nproc}",
            "-m",
            __name__,
            "--out",
            out,
            *flags,
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0 or not os.path.exists(out):
            tail = (done.stdout + done.stderr)[-3000:]
            raise RuntimeError(f"torchrun exited with status {done.returncode}:\n{tail}")
        return torch.load(out, map_location="cpu", weights_only=True)


if __name__ == "__main__":
    main()
