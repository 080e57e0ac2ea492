"""Timing on CPUs and GPUs done right, and what the numbers mean.

GPU work is *asynchronous*: a CUDA call returns as soon as the kernel is
queued, long before it has run. Timing it with a wall clock around the call
measures the queueing, not the work. :func:`time_function` therefore builds on
``torch.utils.benchmark.Timer``, which

* runs warm-up calls first (the first call pays for CUDA context creation,
  kernel selection and memory allocation),
* reads its clock only after synchronising the device (``torch.cuda.synchronize``
  on CUDA, ``torch.mps.synchronize`` on Apple GPUs),
* times blocks of calls, as many per block as it takes to measure reliably,
  until ``min_run_time`` seconds have passed (``blocked_autorange``),
* runs with a fixed number of CPU threads, recorded in the result.

On top of it, :func:`benchmark_matmul` and :func:`benchmark_training_step`
report achieved floating-point operations per second (FLOP/s), and
:func:`make_loader` and :func:`benchmark_transfer` show pinned host memory
and non-blocking copies, :func:`measure_memory` reads the GPU memory a
function needs from PyTorch's CUDA allocator, and :func:`profile_operations`
says which operations the time goes to (``torch.profiler``). Every table of timings should
say where it was measured: :func:`dlbook.devices.describe_machine` names the
machine, and :func:`markdown_table` puts it in a caption.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from . import devices
from ._validation import (
    as_available_device,
    as_device,
    as_tensor,
    check_float,
    check_int,
    check_same_length,
    describe,
)
from .devices import module_device, module_dtype
from .seeding import make_generator
from .training import TrainingStep

__all__ = [
    "MemoryUse",
    "Timing",
    "available_devices",
    "benchmark_matmul",
    "benchmark_training_step",
    "benchmark_transfer",
    "linear_training_flop",
    "make_loader",
    "markdown_table",
    "matmul_flop",
    "measure_memory",
    "profile_operations",
    "time_function",
]


@dataclass(frozen=True)
class Timing:
    """Seconds per call of a timed function, one value per timed block of calls.

    ``torch.utils.benchmark.Timer`` calls the function ``number_per_run``
    times in a row per block, so that even a very fast function takes long
    enough to measure, and reports each block's time divided by its calls.

    Attributes
    ----------
    times : tuple of float
        Seconds per call in each timed block (warm-up calls excluded).
    device : str
        The device type the calls ran on.
    threads : int
        PyTorch CPU threads used while timing.
    number_per_run : int, default 1
        Calls in each block (``len(times) * number_per_run`` calls were timed).
    """

    times: tuple[float, ...]
    device: str
    threads: int
    number_per_run: int = 1

    @property
    def median(self) -> float:
        """Median seconds per call: robust to the odd slow block."""
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        """Fastest block, in seconds per call: the one least disturbed by other work."""
        return min(self.times)

    @property
    def mean(self) -> float:
        """Mean seconds per call."""
        return statistics.fmean(self.times)

    @property
    def iqr(self) -> float:
        """Interquartile range of the blocks' seconds per call (0 for fewer than 2 blocks)."""
        if len(self.times) < 2:
            return 0.0
        quartiles = statistics.quantiles(self.times, n=4, method="inclusive")
        return quartiles[2] - quartiles[0]


def available_devices() -> list[torch.device]:
    """The devices this machine can compute on: the CPU, then CUDA and MPS when present.

    Examples
    --------
    >>> available_devices()[0]
    device(type='cpu')
    """
    devices = [torch.device("cpu")]
    if torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append(torch.device("mps"))
    return devices


def time_function(
    fn: Callable[[], Any],
    *,
    device: torch.device | str | None = None,
    warmup: int = 1,
    min_run_time: float = 0.1,
    threads: int | None = None,
    min_blocks: int = 1,
) -> Timing:
    """Time a function of no arguments with ``torch.utils.benchmark.Timer``.

    After ``warmup`` untimed calls, ``Timer.blocked_autorange`` times blocks of
    calls until ``min_run_time`` seconds have passed; the clock is read only
    after synchronising ``device``, so asynchronous GPU work is counted in full.
    For a fast function ``blocked_autorange`` may spend all of ``min_run_time``
    on one long block, which gives a median but no spread; ``min_blocks > 1``
    sizes the blocks to about ``min_run_time / min_blocks`` seconds each and
    times at least ``min_blocks`` of them, so that :attr:`Timing.iqr` means
    something.

    Parameters
    ----------
    fn : callable
        The work to time, e.g. ``lambda: A @ B``.
    device : torch.device or str, optional
        Where ``fn`` computes, synchronised around the clock; ``None`` means
        the CPU.
    warmup : int, default 1
        Untimed calls first (context creation, kernel choice, caches); the
        Timer's own first calls, which choose the block size, warm up too.
    min_run_time : float, default 0.1
        Seconds of timed calls, at least.
    threads : int, optional
        PyTorch CPU threads to time with (``torch.set_num_threads`` for the
        duration, restored afterwards); ``None`` keeps the current number.
    min_blocks : int, default 1
        Timed blocks, at least. With the default, ``blocked_autorange`` chooses
        the blocks; with more, each block takes about ``min_run_time /
        min_blocks`` seconds and blocks are timed until both ``min_blocks`` and
        ``min_run_time`` are reached.

    Returns
    -------
    Timing
        With the thread count it ran with.

    Examples
    --------
    >>> A = torch.randn(64, 64)
    >>> timing = time_function(lambda: A @ A, min_run_time=0.01)
    >>> timing.best > 0, timing.threads == torch.get_num_threads()
    (True, True)
    >>> len(time_function(lambda: A @ A, min_run_time=0.01, min_blocks=5).times) >= 5
    True
    """
    from torch.utils import benchmark

    if not callable(fn):
        raise TypeError(f"fn must be callable, got {describe(fn)}")
    device = as_available_device("device", device)
    warmup = check_int("warmup", warmup, minimum=0)
    min_run_time = check_float(
        "min_run_time", min_run_time, minimum=0.0, strict_minimum=True, maximum=3600.0
    )
    threads = (
        torch.get_num_threads() if threads is None else check_int("threads", threads, minimum=1)
    )
    min_blocks = check_int("min_blocks", min_blocks, minimum=1)
    for _ in range(warmup):
        fn()
    devices.synchronize(device)

    def clock() -> float:
        devices.synchronize(device)  # the work queued so far is done before the clock is read
        return time.perf_counter()

    timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, timer=clock, num_threads=threads)
    if min_blocks == 1:
        measurement = timer.blocked_autorange(min_run_time=min_run_time)
        per_call, number = list(measurement.times), int(measurement.number_per_run)
    else:
        per_call, number = _timed_blocks(timer, min_run_time, min_blocks)
    # A clock can read 0 for very fast calls; keep times positive for rates.
    times = tuple(max(float(t), 1e-12) for t in per_call)
    return Timing(times, device.type, threads, number)


def _timed_blocks(timer: Any, min_run_time: float, min_blocks: int) -> tuple[list[float], int]:
    """Seconds per call in blocks of about ``min_run_time / min_blocks`` seconds each."""
    target = min_run_time / min_blocks
    number, took = 1, 0.0
    while number < 10**9:  # grow the block until it is long enough to size it
        took = float(timer.timeit(number).raw_times[0])
        if took >= target / 10:
            break
        number *= 10
    number = max(1, math.ceil(number * target / max(took, 1e-9)))
    per_call: list[float] = []
    start = time.perf_counter()
    while len(per_call) < min_blocks or time.perf_counter() - start < min_run_time:
        per_call.append(float(timer.timeit(number).times[0]))
    return per_call, number


def matmul_flop(n: int, k: int | None = None, m: int | None = None) -> int:
    """Floating-point operations of a product of an (n, k) and a (k, m) matrix: 2 n k m.

    Each of the n m outputs takes k multiplications and k additions (counting
    the first addition, as is customary).

    Parameters
    ----------
    n : int
        Rows of the first matrix.
    k : int, optional
        Columns of the first matrix and rows of the second; defaults to ``n``.
    m : int, optional
        Columns of the second matrix; defaults to ``n``.

    Returns
    -------
    int

    Examples
    --------
    >>> matmul_flop(2)
    16
    >>> matmul_flop(64, 784, 256)
    25690112
    """
    n = check_int("n", n, minimum=1)
    k = n if k is None else check_int("k", k, minimum=1)
    m = n if m is None else check_int("m", m, minimum=1)
    return 2 * n * k * m


def linear_training_flop(model: nn.Module, batch_size: int) -> int:
    """FLOP of the matrix products of one training step of a model's linear layers.

    The forward pass multiplies each example by every weight matrix, 2 FLOP
    per weight. The backward pass computes each layer's weight gradient
    (2 more per weight) and, for every layer but the first, the gradient with
    respect to the layer's input (2 more): the first layer's input is the
    data, which needs no gradient, and autograd does not compute it. A step
    therefore costs ``4 x W_1 x batch + 6 x (other weights) x batch``, twice
    the forward pass for the first layer and three times for every later
    one. This is what ``torch.utils.flop_counter.FlopCounterMode`` counts for
    an MLP whose first module is its first ``nn.Linear`` (the tests compare
    the two). Biases, activations, the loss and the optimiser are ignored:
    they cost little next to the matrix products of a wide MLP.

    Parameters
    ----------
    model : torch.nn.Module
        Must contain at least one ``nn.Linear``; the first one (in the order
        of ``model.modules()``) is taken to receive the data.
    batch_size : int

    Returns
    -------
    int

    Examples
    --------
    >>> linear_training_flop(nn.Linear(784, 256), batch_size=64)
    51380224
    >>> mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    >>> linear_training_flop(mlp, batch_size=64) == (4 * 784 + 6 * 10) * 256 * 64
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    weights = [m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear)]
    if not weights:
        raise ValueError("model must contain at least one nn.Linear layer, got none")
    return (4 * weights[0] + 6 * sum(weights[1:])) * batch_size


def _check_dtype(dtype: Any, name: str = "dtype") -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"{name} must be a floating-point torch.dtype, got {describe(dtype)}")
    return dtype


def benchmark_matmul(
    sizes: Sequence[int] = (256, 512, 1024),
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    warmup: int = 1,
    min_run_time: float = 0.1,
    seed: int | None = 0,
) -> list[dict[str, Any]]:
    """Time the product of two random square matrices and report the achieved FLOP/s.

    Parameters
    ----------
    sizes : sequence of int, default (256, 512, 1024)
        Matrix sizes n (each product is (n, n) @ (n, n), 2 n^3 FLOP).
    device : torch.device or str, optional
        Where to compute; ``None`` means the CPU.
    dtype : torch.dtype, default torch.float32
    warmup : int, default 1
    min_run_time : float, default 0.1
        As in :func:`time_function`, for each size.
    seed : int, optional
        Seed of the random matrices.

    Returns
    -------
    list of dict
        One row per size with keys ``device``, ``dtype``, ``size``,
        ``seconds`` (the fastest timed block: the one least disturbed by other
        work on the machine, as :mod:`timeit` recommends), ``flop_per_s`` and
        ``threads``.

    Examples
    --------
    >>> rows = benchmark_matmul([32, 64], min_run_time=0.01)
    >>> [row["size"] for row in rows], rows[0]["flop_per_s"] > 0
    ([32, 64], True)
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or not sizes:
        raise TypeError(f"sizes must be a non-empty sequence of integers, got {describe(sizes)}")
    sizes = [check_int(f"sizes[{i}]", n, minimum=1) for i, n in enumerate(sizes)]
    device = as_available_device("device", device)
    dtype = _check_dtype(dtype)
    generator = make_generator(seed)
    rows = []
    for n in sizes:
        A = torch.randn(n, n, generator=generator).to(device=device, dtype=dtype)
        B = torch.randn(n, n, generator=generator).to(device=device, dtype=dtype)
        timing = time_function(
            lambda: A @ B,  # noqa: B023
            device=device,
            warmup=warmup,
            min_run_time=min_run_time,
        )
        rows.append(
            {
                "device": device.type,
                "dtype": str(dtype).removeprefix("torch."),
                "size": n,
                "seconds": timing.best,
                "flop_per_s": matmul_flop(n) / timing.best,
                "threads": timing.threads,
            }
        )
    return rows


def benchmark_training_step(
    model: nn.Module,
    *,
    batch_size: int = 256,
    device: torch.device | str | None = None,
    autocast_dtype: torch.dtype | None = None,
    compiled: bool = False,
    warmup: int = 1,
    min_run_time: float = 0.1,
    seed: int | None = 0,
) -> dict[str, Any]:
    """Time one full training step: the :class:`dlbook.training.TrainingStep` of ``dl.train``.

    A copy of the model is moved to ``device`` and trained with SGD on a
    random batch of inputs and class labels; the original model is not
    changed. The step is exactly the one :func:`dlbook.training.train` takes
    (forward, loss, ``zero_grad``, ``backward``, optimiser step, with autocast
    and a gradient scaler when asked for).

    Parameters
    ----------
    model : torch.nn.Module
        A classifier of flat inputs: its first layer must be ``nn.Linear``
        (its ``in_features`` sets the input width) and its last layer
        ``nn.Linear`` (its ``out_features`` sets the number of classes).
    batch_size : int, default 256
    device : torch.device or str, optional
        Where to train; ``None`` means where the model is.
    autocast_dtype : torch.dtype, optional
        Mixed precision, as ``amp`` of :func:`dlbook.training.train`:
        ``torch.bfloat16`` or ``torch.float16`` (on CUDA with a gradient
        scaler). ``None`` trains in float32.
    compiled : bool, default False
        Train the copy compiled with ``torch.compile`` (the first calls
        compile it: give ``warmup`` a few of them).
    warmup : int, default 1
    min_run_time : float, default 0.1
        As in :func:`time_function`.
    seed : int, optional
        Seed of the random batch.

    Returns
    -------
    dict
        Keys ``device``, ``precision``, ``compiled``, ``batch_size``,
        ``seconds`` (fastest timed block), ``samples_per_s``, ``flop_per_s``
        (from :func:`linear_training_flop`) and ``threads``.

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 3))
    >>> row = benchmark_training_step(model, batch_size=16, min_run_time=0.01)
    >>> row["device"], row["precision"], row["samples_per_s"] > 0
    ('cpu', 'float32', True)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError("model must contain nn.Linear layers (first and last), got none")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    device = module_device(model) if device is None else as_available_device("device", device)
    if autocast_dtype is not None:
        autocast_dtype = _check_dtype(autocast_dtype, "autocast_dtype")
        if autocast_dtype not in (torch.bfloat16, torch.float16):
            raise ValueError(
                f"autocast_dtype must be torch.bfloat16 or torch.float16, got {autocast_dtype}"
            )
    generator = make_generator(seed)
    n_in, n_classes = linears[0].in_features, linears[-1].out_features
    if not isinstance(compiled, bool):
        raise TypeError(f"compiled must be a bool, got {describe(compiled)}")
    model = copy.deepcopy(model).to(device).train()
    X = torch.randn(batch_size, n_in, generator=generator).to(device, module_dtype(model))
    y = torch.randint(0, n_classes, (batch_size,), generator=generator).to(device)
    if compiled:
        model = torch.compile(model)  # type: ignore[assignment]
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    step = TrainingStep(model, optimizer, loss="cross_entropy", amp=autocast_dtype)
    timing = time_function(
        lambda: step(X, y), device=device, warmup=warmup, min_run_time=min_run_time
    )
    precision = "float32" if autocast_dtype is None else str(autocast_dtype).removeprefix("torch.")
    return {
        "device": device.type,
        "precision": precision,
        "compiled": compiled,
        "batch_size": batch_size,
        "seconds": timing.best,
        "samples_per_s": batch_size / timing.best,
        "flop_per_s": linear_training_flop(model, batch_size) / timing.best,
        "threads": timing.threads,
    }


def make_loader(
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    batch_size: int = 64,
    shuffle: bool = False,
    pin_memory: bool | None = None,
    seed: int | None = None,
) -> DataLoader:
    """A ``DataLoader`` over tensors, with pinned memory when a CUDA device is present.

    Pinned (page-locked) host memory is copied to the GPU directly, by DMA;
    with ``tensor.to(device, non_blocking=True)`` the call only queues the copy
    and returns, so the host can prepare the next batch while it runs.
    (Overlapping a copy with GPU computation as well needs a separate CUDA
    stream: on the default stream the GPU runs them one after the other.)

    Parameters
    ----------
    X : Tensor of shape (n_samples, ...)
    y : Tensor of shape (n_samples, ...)
    batch_size : int, default 64
    shuffle : bool, default False
        Reshuffle every epoch (with ``seed`` for a reproducible order).
    pin_memory : bool, optional
        ``None`` pins exactly when CUDA is available (pinning needs a GPU).
    seed : int, optional
        Seed of the shuffling generator.

    Returns
    -------
    torch.utils.data.DataLoader
        Yields ``(xb, yb)`` batches.

    Examples
    --------
    >>> loader = make_loader(torch.zeros(10, 3), torch.arange(10), batch_size=4)
    >>> [len(xb) for xb, _ in loader]
    [4, 4, 2]
    """
    X = as_tensor("X", X)
    y = as_tensor("y", y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"X and y need a sample dimension, got shapes {tuple(X.shape)} and {tuple(y.shape)}"
        )
    check_same_length("X", X, "y", y)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if pin_memory is None:
        pin_memory = torch.cuda.is_available()
    if not isinstance(pin_memory, bool):
        raise TypeError(f"pin_memory must be a bool or None, got {describe(pin_memory)}")
    if pin_memory and not torch.cuda.is_available():
        raise ValueError("pin_memory=True needs a CUDA device, and none is available")
    generator = make_generator(seed) if shuffle else None
    return DataLoader(
        TensorDataset(X, y),
        batch_size=batch_size,
        shuffle=shuffle,
        pin_memory=pin_memory,
        generator=generator,
    )


def benchmark_transfer(
    megabytes: float = 64.0,
    *,
    device: torch.device | str = "cuda",
    warmup: int = 1,
    min_run_time: float = 0.1,
) -> list[dict[str, Any]]:
    """Measure host-to-GPU copy bandwidth from pageable and from pinned memory.

    Parameters
    ----------
    megabytes : float, default 64.0
        Size of the float32 buffer copied (MB of 10**6 bytes).
    device : torch.device or str, default "cuda"
        A CUDA device.
    warmup : int, default 1
    min_run_time : float, default 0.1
        As in :func:`time_function`.

    Returns
    -------
    list of dict
        Two rows (``pinned`` False then True) with ``seconds`` (fastest
        copy) and ``bytes_per_s``.

    Raises
    ------
    ValueError
        If ``device`` is not a CUDA device (pinned memory is a CUDA feature).

    Examples
    --------
    >>> benchmark_transfer(1.0, device="cpu")
    Traceback (most recent call last):
    ...
    ValueError: device must be a CUDA device for a transfer benchmark, got cpu
    """
    if (
        isinstance(megabytes, bool)
        or not isinstance(megabytes, (int, float))
        or not math.isfinite(megabytes)
        or megabytes <= 0
    ):
        raise ValueError(f"megabytes must be a positive number, got {describe(megabytes)}")
    device = as_available_device("device", device)
    if device.type != "cuda":
        raise ValueError(
            f"device must be a CUDA device for a transfer benchmark, got {device.type}"
        )
    n = max(1, int(megabytes * 1e6 / 4))
    pageable = torch.randn(n)
    rows = []
    for pinned in (False, True):
        source = pageable.pin_memory() if pinned else pageable
        timing = time_function(
            lambda: source.to(device, non_blocking=True),  # noqa: B023
            device=device,
            warmup=warmup,
            min_run_time=min_run_time,
        )
        nbytes = source.numel() * source.element_size()
        rows.append({"pinned": pinned, "seconds": timing.best, "bytes_per_s": nbytes / timing.best})
    return rows


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Send what native code writes to file descriptor 2 to the null device meanwhile.

    The profiler's C++ library logs a line when it starts and one when it
    stops, below Python's ``sys.stderr``; in a notebook they would show up as
    error output. In a script, whose ``sys.stderr`` is file descriptor 2, Python's
    own warnings and prints to ``sys.stderr`` are silenced too while it lasts.
    """
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 (an embedded interpreter): nothing to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def profile_operations(
    fn: Callable[[], Any],
    *,
    calls: int = 5,
    warmup: int = 1,
    device: torch.device | str | None = None,
) -> list[dict[str, Any]]:
    """Profile calls of a function with ``torch.profiler`` and sum the time per operation.

    After ``warmup`` untimed calls, ``calls`` calls run inside
    ``torch.profiler.profile`` (CPU activity, and CUDA kernels on a CUDA
    device), and the recorded events are summed per operation
    (``key_averages``). The profiler's own log lines on the process's error
    output are silenced.

    Parameters
    ----------
    fn : callable
        The work to profile, e.g. one training step.
    calls : int, default 5
        Profiled calls.
    warmup : int, default 1
        Calls before profiling (first-call costs are not what one wants to see).
    device : torch.device or str, optional
        Where ``fn`` computes (synchronised before the profile ends); ``None``
        means the CPU.

    Returns
    -------
    list of dict
        One row per operation, most own CPU time first, with keys ``name``
        (e.g. ``"aten::mm"``), ``calls`` (in all profiled calls),
        ``self_cpu_s`` (CPU seconds spent in the operation itself, not in the
        operations it calls), ``cpu_share`` (its share of the sum of
        ``self_cpu_s``, so the shares add up to 1) and ``self_device_s`` (GPU
        kernel seconds; 0 on the CPU).

    Examples
    --------
    >>> A = torch.randn(64, 64)
    >>> rows = profile_operations(lambda: A @ A, calls=3)
    >>> [(row["name"], row["calls"]) for row in rows if row["name"] == "aten::mm"]
    [('aten::mm', 3)]
    """
    from torch.profiler import ProfilerActivity, profile

    if not callable(fn):
        raise TypeError(f"fn must be callable, got {describe(fn)}")
    calls = check_int("calls", calls, minimum=1)
    warmup = check_int("warmup", warmup, minimum=0)
    device = as_available_device("device", device)
    activities = [ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    for _ in range(warmup):
        fn()
    devices.synchronize(device)
    with _quiet_native_stderr(), profile(activities=activities) as prof:
        for _ in range(calls):
            fn()
        devices.synchronize(device)
    events = list(prof.key_averages())
    total = sum(e.self_cpu_time_total for e in events) or 1.0
    rows = [
        {
            "name": e.key,
            "calls": int(e.count),
            "self_cpu_s": e.self_cpu_time_total / 1e6,
            "cpu_share": e.self_cpu_time_total / total,
            # named self_cuda_time_total before PyTorch 2.4
            "self_device_s": getattr(
                e, "self_device_time_total", getattr(e, "self_cuda_time_total", 0.0)
            )
            / 1e6,
        }
        for e in events
    ]
    return sorted(rows, key=lambda row: row["self_cpu_s"], reverse=True)


@dataclass(frozen=True)
class MemoryUse:
    """GPU memory used by one call, in bytes, as counted by PyTorch's CUDA allocator.

    Attributes
    ----------
    peak : int
        The highest amount allocated at any moment of the call, above what was
        allocated before it (``torch.cuda.max_memory_allocated``).
    kept : int
        What was still allocated when the call returned, with its result still
        held (``torch.cuda.memory_allocated``): for a forward pass with
        autograd on, the activations saved for ``backward``.
    """

    peak: int
    kept: int


def measure_memory(fn: Callable[[], Any], *, device: torch.device | str = "cuda") -> MemoryUse:
    """Measure the GPU memory that one call of ``fn`` allocates.

    The allocator's peak counter is reset, ``fn`` is called, the device is
    synchronised, and the peak and the memory still in use (while ``fn``'s
    result is held) are read, both relative to the memory allocated before
    the call. The numbers count tensors, not the allocator's cache
    (``torch.cuda.memory_reserved``) nor the CUDA context.

    Parameters
    ----------
    fn : callable
        The work to measure, e.g. ``lambda: model(X)``.
    device : torch.device or str, default "cuda"
        A CUDA device.

    Returns
    -------
    MemoryUse

    Raises
    ------
    ValueError
        If ``device`` is not a CUDA device (only the CUDA allocator keeps these counts).

    Examples
    --------
    >>> measure_memory(lambda: torch.zeros(3), device="cpu")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: device must be a CUDA device to measure memory (...), got cpu
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {describe(fn)}")
    device = as_device("device", device)
    if device.type != "cuda":
        raise ValueError(
            "device must be a CUDA device to measure memory "
            f"(torch.cuda.max_memory_allocated), got {device.type}"
        )
    device = as_available_device("device", device)
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    start = torch.cuda.memory_allocated(device)
    result = fn()
    torch.cuda.synchronize(device)
    peak = torch.cuda.max_memory_allocated(device) - start
    kept = torch.cuda.memory_allocated(device) - start
    del result
    return MemoryUse(int(peak), int(kept))


def markdown_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Mapping[str, str],
    *,
    caption: str | None = None,
) -> str:
    """Format rows of results as a Markdown table, with a caption above it.

    Parameters
    ----------
    rows : sequence of dict
    columns : mapping of str to str
        Column header -> a format string filled in with the row's keys, e.g.
        ``{"time (ms)": "{ms:.2f}"}``; scale values into the units you want
        before formatting.
    caption : str, optional
        A paragraph put above the table: what was measured, on which machine
        (:func:`dlbook.devices.describe_machine`) and when.

    Returns
    -------
    str

    Examples
    --------
    >>> print(markdown_table([{"n": 2, "t": 0.5}], {"size": "{n}", "time (s)": "{t:.2f}"}))
    | size | time (s) |
    |---|---|
    | 2 | 0.50 |
    >>> print(markdown_table([{"n": 2}], {"size": "{n}"}, caption="Sizes."))
    Sizes.
    <BLANKLINE>
    | size |
    |---|
    | 2 |
    """
    if caption is not None and not isinstance(caption, str):
        raise TypeError(f"caption must be a string or None, got {describe(caption)}")
    if not isinstance(columns, Mapping) or not columns:
        raise TypeError(
            f"columns must be a non-empty mapping of header to format, got {describe(columns)}"
        )
    for header, fmt in columns.items():
        if not isinstance(fmt, str):
            raise TypeError(f"columns[{header!r}] must be a format string, got {describe(fmt)}")
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise TypeError(f"rows must be a sequence of mappings, got {describe(rows)}")
    lines = ["| " + " | ".join(map(str, columns)) + " |", "|" + "---|" * len(columns)]
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TypeError(f"rows[{i}] must be a mapping of column values, got {describe(row)}")
        try:
            cells = [fmt.format(**row) for fmt in columns.values()]
        except KeyError as err:
            raise ValueError(f"rows[{i}] has no key {err} used in columns") from None
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    return table if caption is None else f"{caption}\n\n{table}"


if not TYPE_CHECKING:  # hidden from type checkers: a name that never existed stays an error

    def __getattr__(name: str) -> Any:
        """Name the new place of a function that moved out of this module."""
        from . import moved_attribute

        raise moved_attribute(__name__, name)
