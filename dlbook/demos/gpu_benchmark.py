"""A recorded GPU benchmark: run it on a CUDA machine, commit the JSON, and the book shows it.

The book is built on a small CPU machine, so its live tables of timings have
CPU rows only. To put GPU numbers beside them, run this script on a machine
with an NVIDIA GPU::

    python -m dlbook.demos.gpu_benchmark --out dlbook/demos/recorded/<gpu-name>.json

and commit the file. It holds the measurements (matrix products in
float32, float16 and bfloat16; a training step of the book's MNIST-sized MLP
in float32, with mixed precision and compiled with ``torch.compile``; the
peak memory of those steps; host-to-GPU copies from pageable and pinned
memory), the same matrix products and training steps on the CPU of the same
machine (float32 and bfloat16, for a comparison of the two processors), and
their provenance: when, on which machine (GPU, driver, CPU,
PyTorch and CUDA versions, from :func:`dlbook.devices.machine_info`), with
which dlbook and command. :func:`load_recorded` reads every recording that
ships with dlbook, and :func:`recorded_tables` formats one for the page.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from .._validation import as_available_device, describe
from ..benchmark import (
    benchmark_matmul,
    benchmark_training_step,
    benchmark_transfer,
    markdown_table,
    measure_memory,
)
from ..devices import describe_machine, machine_info
from ..models import mlp
from ..precision import autocast_dtype
from ..training import TrainingStep

__all__ = ["RECORDED", "SCHEMA", "load_recorded", "main", "record", "recorded_tables"]

#: Version of the JSON layout that :func:`record` writes and :func:`load_recorded` reads.
SCHEMA = 1
#: Where the recordings that ship with dlbook live.
RECORDED = Path(__file__).with_name("recorded")
_KEYS = ("schema", "created", "command", "dlbook", "machine", "device", "matmul", "training_step")


def _driver() -> str | None:
    """The NVIDIA driver version, from ``nvidia-smi`` (None where it cannot be asked)."""
    try:
        done = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _step_memory(device: torch.device, dtype: torch.dtype | None, batch_size: int) -> int:
    """Peak bytes of one training step of the MNIST MLP (after a warm-up step)."""
    model = mlp([784, 256, 256, 10], seed=0).to(device)
    step = TrainingStep(model, torch.optim.SGD(model.parameters(), lr=1e-3), amp=dtype)
    X = torch.randn(batch_size, 784, device=device)
    y = torch.randint(0, 10, (batch_size,), device=device)
    step(X, y)  # the optimiser's and the allocator's first-step costs
    return measure_memory(lambda: step(X, y), device=device).peak


def _cpu_rows(
    *, quick: bool, min_run_time: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The CPU's matrix products and training steps, beside a GPU recording."""
    cpu = torch.device("cpu")
    sizes, batch_sizes = ([64, 128], [64]) if quick else ([256, 1024, 2048], [256, 4096])
    matmul = benchmark_matmul(sizes, device=cpu, min_run_time=min_run_time)
    model = mlp([784, 256, 256, 10], seed=0)
    steps = [
        benchmark_training_step(
            model, batch_size=b, device=cpu, autocast_dtype=amp, min_run_time=min_run_time
        )
        for b in batch_sizes
        for amp in (None, torch.bfloat16)
    ]
    return matmul, steps


def record(
    device: torch.device | str = "cuda",
    *,
    quick: bool = False,
    min_run_time: float = 0.2,
    compile: bool = True,
    command: str | None = None,
) -> dict[str, Any]:
    """Run the benchmarks on ``device`` and return the recording (JSON-ready).

    Parameters
    ----------
    device : torch.device or str, default "cuda"
        Where to measure; a CUDA device for a real recording, which then
        also measures the matrix products and the training steps on this
        machine's CPU (rows with ``device`` ``"cpu"``). The CPU alone runs a
        reduced set, for testing the script.
    quick : bool, default False
        Small sizes and short timings: a test of the script, not a benchmark.
    min_run_time : float, default 0.2
        Seconds of timed calls per measurement.
    compile : bool, default True
        Also time the training step of the model compiled with ``torch.compile``.
    command : str, optional
        The command line to store (``None``: this process's).

    Returns
    -------
    dict
        ``schema``, ``created`` (UTC, ISO 8601), ``command``, ``dlbook``
        (version and git commit), ``machine`` (:func:`dlbook.devices.machine_info`
        plus the NVIDIA ``driver``), ``device``, ``float32_matmul_precision``,
        ``matmul``, ``training_step``, ``memory`` and ``transfer`` rows.

    Examples
    --------
    >>> run = record("cpu", quick=True, compile=False, min_run_time=0.01)
    >>> run["device"], sorted(r["size"] for r in run["matmul"])
    ('cpu', [64, 128])
    """
    from .. import __version__

    device = as_available_device("device", device)
    if not isinstance(quick, bool) or not isinstance(compile, bool):
        raise TypeError(
            f"quick and compile must be bools, got {describe(quick)}, {describe(compile)}"
        )
    cuda = device.type == "cuda"
    if quick:
        sizes, batch_sizes = [64, 128], [64]
    else:
        sizes, batch_sizes = [256, 1024, 4096, 8192], [256, 4096]
    dtypes = [torch.float32]
    if cuda:
        dtypes.append(torch.float16)
        if torch.cuda.is_bf16_supported():
            dtypes.append(torch.bfloat16)
    low = autocast_dtype(device)
    matmul = []
    for dtype in dtypes:
        matmul += benchmark_matmul(sizes, device=device, dtype=dtype, min_run_time=min_run_time)
    steps = []
    model = mlp([784, 256, 256, 10], seed=0)
    for batch_size in batch_sizes:
        for amp in (None, low):
            steps.append(
                benchmark_training_step(
                    model,
                    batch_size=batch_size,
                    device=device,
                    autocast_dtype=amp,
                    min_run_time=min_run_time,
                )
            )
        if compile:
            steps.append(
                benchmark_training_step(
                    model,
                    batch_size=batch_size,
                    device=device,
                    compiled=True,
                    warmup=3,
                    min_run_time=min_run_time,
                )
            )
    memory = []
    transfer = []
    if cuda:
        cpu_matmul, cpu_steps = _cpu_rows(quick=quick, min_run_time=min_run_time)
        matmul += cpu_matmul
        steps += cpu_steps
        for amp in (None, low):
            precision = "float32" if amp is None else str(amp).removeprefix("torch.")
            peak = _step_memory(device, amp, batch_sizes[-1])
            memory.append(
                {"precision": precision, "batch_size": batch_sizes[-1], "peak_bytes": peak}
            )
        transfer = benchmark_transfer(
            16.0 if quick else 256.0, device=device, min_run_time=min_run_time
        )
    machine = machine_info()
    machine["driver"] = _driver() if cuda else None
    return {
        "schema": SCHEMA,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command if command is not None else shlex.join([sys.executable, *sys.argv]),
        "dlbook": {"version": __version__, "commit": _git_commit()},
        "machine": machine,
        "device": device.type,
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "matmul": matmul,
        "training_step": steps,
        "memory": memory,
        "transfer": transfer,
    }


def load_recorded(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """Read every recording (``*.json`` written by :func:`record`) in a folder, oldest first.

    Parameters
    ----------
    folder : str or Path, optional
        ``None`` reads the recordings that ship with dlbook (:data:`RECORDED`).

    Returns
    -------
    list of dict
        One recording per file, each with its ``path`` added; empty when
        there is none.

    Raises
    ------
    ValueError
        When a file is not a recording of this schema (the message names it).

    Examples
    --------
    >>> isinstance(load_recorded(), list)
    True
    """
    if folder is not None and not isinstance(folder, (str, Path)):
        raise TypeError(f"folder must be a path (str or Path) or None, got {describe(folder)}")
    folder = RECORDED if folder is None else Path(folder)
    if not folder.is_dir():
        return []
    runs = []
    for path in sorted(folder.glob("*.json")):
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"{path.name} is not a readable JSON recording: {err}") from None
        if not isinstance(run, dict):
            raise ValueError(f"{path.name} must hold a JSON object, got {type(run).__name__}")
        missing = [key for key in _KEYS if key not in run]
        if missing:
            raise ValueError(f"{path.name} is not a benchmark recording: missing {missing}")
        if run["schema"] != SCHEMA:
            raise ValueError(f"{path.name} has schema {run['schema']!r}, expected {SCHEMA}")
        describe_machine(run["machine"], device=run["device"])  # the provenance is complete
        runs.append({**run, "path": str(path)})
    return sorted(runs, key=lambda run: run["created"])


def recorded_tables(run: Mapping[str, Any]) -> str:
    """Markdown tables of one recording, each captioned with its machine and date.

    Parameters
    ----------
    run : mapping
        A recording from :func:`load_recorded` (or :func:`record`).

    Returns
    -------
    str
        A table of the matrix products and one of the training steps (with
        the peak memory of a step, when it was measured), each row naming
        its device: the GPU's rows first, then those of the same machine's CPU.

    Examples
    --------
    >>> run = record("cpu", quick=True, compile=False, min_run_time=0.01)
    >>> print(recorded_tables(run).splitlines()[0][:31])
    *Recorded matrix products* (cpu
    """
    if not isinstance(run, Mapping) or any(key not in run for key in _KEYS):
        raise TypeError(f"run must be a recording from load_recorded(), got {describe(run)}")
    where = describe_machine(run["machine"], device=run["device"])
    driver = run["machine"].get("driver")
    when = str(run["created"])[:10]
    source = f"{where}{f', driver {driver}' if driver else ''}; recorded {when}"
    matmul = [
        {**r, "ms": r["seconds"] * 1e3, "tflops": r["flop_per_s"] / 1e12} for r in run["matmul"]
    ]
    first = markdown_table(
        matmul,
        {
            "device": "{device}",
            "dtype": "{dtype}",
            "n": "{size}",
            "time (ms)": "{ms:.3f}",
            "TFLOP/s": "{tflops:.3f}",
        },
        caption=f"*Recorded matrix products* ({run['device']}: {source}).",
    )
    peaks = {(m["precision"], m["batch_size"]): m["peak_bytes"] for m in run.get("memory", [])}
    steps = []
    for r in run["training_step"]:
        gpu = r["device"] == run["device"]
        peak = peaks.get((r["precision"], r["batch_size"])) if gpu and not r["compiled"] else None
        steps.append(
            {
                **r,
                "how": r["precision"] + (", compiled" if r["compiled"] else ""),
                "ms": r["seconds"] * 1e3,
                "gflops": r["flop_per_s"] / 1e9,
                "memory": "" if peak is None else f"{peak / 2**20:.1f}",
            }
        )
    second = markdown_table(
        steps,
        {
            "device": "{device}",
            "batch": "{batch_size}",
            "precision": "{how}",
            "time per step (ms)": "{ms:.3f}",
            "samples/s": "{samples_per_s:,.0f}",
            "GFLOP/s": "{gflops:.1f}",
            "peak memory (MiB)": "{memory}",
        },
        caption=f"*Recorded training steps of the 784-256-256-10 MLP* ({run['device']}: {source}).",
    )
    return f"{first}\n\n{second}"


def main(argv: Sequence[str] | None = None) -> None:
    """The command line: ``python -m dlbook.demos.gpu_benchmark --out FILE [--quick]``.

    Parameters
    ----------
    argv : sequence of str, optional
        The command-line options (``None``: ``sys.argv[1:]``); ``--help`` lists them.
    """
    parser = argparse.ArgumentParser(
        prog="python -m dlbook.demos.gpu_benchmark",
        description="Record the book's GPU benchmark as JSON (commit it under "
        "dlbook/demos/recorded/ to show it in the book).",
    )
    parser.add_argument("--out", required=True, help="the JSON file to write")
    parser.add_argument("--device", default="cuda", help="default: cuda")
    parser.add_argument("--quick", action="store_true", help="small sizes: a test of the script")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    args = parser.parse_args(argv)
    run = record(args.device, quick=args.quick, compile=not args.no_compile)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}: {describe_machine(run['machine'], device=run['device'])}")


if __name__ == "__main__":
    main()
