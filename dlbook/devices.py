"""Choosing a device and moving things onto it."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from collections.abc import Mapping
from typing import Any, TypeVar

import torch

from ._validation import as_available_device, check_choice, describe

__all__ = [
    "describe_device",
    "describe_machine",
    "environment",
    "get_device",
    "machine_info",
    "module_device",
    "module_dtype",
    "synchronize",
]

T = TypeVar("T", torch.Tensor, torch.nn.Module)


def get_device(prefer: str | None = None) -> torch.device:
    """Return the best available device: CUDA, then Apple's MPS, then the CPU.

    Parameters
    ----------
    prefer : {"cuda", "mps", "cpu"}, optional
        Ask for one kind. ``"cuda"`` or ``"mps"`` falls back to the CPU when
        that kind is not available, so a chapter runs everywhere.

    Returns
    -------
    torch.device

    Examples
    --------
    >>> get_device("cpu")
    device(type='cpu')
    """
    if prefer is not None:
        check_choice("prefer", prefer, ("cuda", "mps", "cpu"))
    if prefer in (None, "cuda") and torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if prefer in (None, "mps") and mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def module_device(module: torch.nn.Module) -> torch.device:
    """Return the device of a module's first parameter or buffer (the CPU if it has none).

    Parameters
    ----------
    module : torch.nn.Module

    Returns
    -------
    torch.device

    Examples
    --------
    >>> module_device(torch.nn.Linear(2, 3))
    device(type='cpu')
    """
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {describe(module)}")
    for parameter in module.parameters():
        return parameter.device
    for buffer in module.buffers():
        return buffer.device
    return torch.device("cpu")


def synchronize(device: torch.device | str | None = None) -> None:
    """Wait until all queued work on ``device`` has finished (a no-op on the CPU).

    Parameters
    ----------
    device : torch.device or str, optional
        ``None`` means the CPU.

    Examples
    --------
    >>> synchronize("cpu")
    """
    device = as_available_device("device", device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def module_dtype(module: torch.nn.Module) -> torch.dtype:
    """Return the floating-point dtype of a module's first floating parameter or buffer.

    Inputs to the module should be in this dtype; a module without floating
    parameters or buffers gets ``torch.get_default_dtype()`` (float32).

    Parameters
    ----------
    module : torch.nn.Module

    Returns
    -------
    torch.dtype

    Examples
    --------
    >>> module_dtype(torch.nn.Linear(2, 3).double())
    torch.float64
    """
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {describe(module)}")
    for tensor in (*module.parameters(), *module.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.get_default_dtype()


def describe_device(device: torch.device | str | None = None) -> str:
    """Return a short description of a device, e.g. its GPU name and memory.

    A CPU is named by its model, its logical cores and the threads PyTorch
    uses. For a CPU with more than one PyTorch thread a second line suggests
    ``torch.set_num_threads(1)``: when other programs keep the cores busy,
    small models train many times faster on one thread (threads that wait for
    each other's cores cost more than they gain). Nothing here changes the
    setting.

    Parameters
    ----------
    device : torch.device or str, optional
        Defaults to :func:`get_device`'s choice.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_device("cpu").startswith("cpu")
    True
    """
    device = get_device() if device is None else as_available_device("device", device)
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        memory = props.total_memory / 2**30
        capability = f"{props.major}.{props.minor}"
        return f"cuda: {props.name}, {memory:.0f} GiB, compute capability {capability}"
    if device.type == "mps":
        return "mps: Apple GPU"
    threads = torch.get_num_threads()
    text = f"cpu: {_cpu_name()}, {os.cpu_count()} logical cores, {threads} PyTorch thread(s)"
    if threads > 1:
        text += (
            "\nsmall models on a busy machine often train much faster on one thread: "
            "torch.set_num_threads(1)"
        )
    return text


def _package_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(packages: tuple[str, ...] = ("numpy", "matplotlib", "dlbook")) -> dict[str, str]:
    """Describe the software and hardware a computation runs on.

    Parameters
    ----------
    packages : tuple of str, default ("numpy", "matplotlib", "dlbook")
        Distributions whose installed versions are listed after Python and
        PyTorch ("not installed" when absent).

    Returns
    -------
    dict of str to str
        Component name to version or description, in a fixed order: Python,
        PyTorch, the packages, operating system, CPU, GPU and PyTorch's CPU
        thread count.

    Examples
    --------
    >>> info = environment(("numpy",))
    >>> list(info)[:3]
    ['Python', 'PyTorch', 'numpy']
    >>> info["PyTorch"] == torch.__version__
    True
    """
    if (
        isinstance(packages, str)
        or not isinstance(packages, (tuple, list))
        or not all(isinstance(p, str) for p in packages)
    ):
        raise TypeError(f"packages must be a tuple of distribution names, got {describe(packages)}")
    machine = machine_info()
    if machine["gpus"]:
        gpu = "; ".join(_describe_gpu(g) for g in machine["gpus"])
    else:
        mps = getattr(torch.backends, "mps", None)
        gpu = "Apple GPU (MPS)" if mps is not None and mps.is_available() else "none"
    info = {"Python": platform.python_version(), "PyTorch": torch.__version__}
    info.update({package: _package_version(package) for package in packages})
    info["Operating system"] = f"{platform.system()} {platform.release()} ({platform.machine()})"
    info["CPU"] = f"{_cpu_name()}, {os.cpu_count()} logical cores"
    info["GPU"] = gpu
    cuda = machine["cuda"]
    info["PyTorch build"] = f"CUDA {cuda}" if cuda else "CPU only (no CUDA)"
    info["PyTorch CPU threads"] = str(torch.get_num_threads())
    return info


def machine_info() -> dict[str, Any]:
    """The hardware and PyTorch build a measurement runs on, as plain data (JSON-ready).

    Returns
    -------
    dict
        ``cpu`` (the processor's model name), ``logical_cores``,
        ``torch_threads`` (``torch.get_num_threads()``), ``torch`` (version),
        ``cuda`` (the CUDA version PyTorch was built with, ``None`` for a
        CPU-only build), ``gpus`` (one dict per CUDA device: ``name``,
        ``memory_gib``, ``capability``), ``platform`` and ``python``.

    Examples
    --------
    >>> info = machine_info()
    >>> info["torch"] == torch.__version__, info["logical_cores"] >= 1
    (True, True)
    """
    gpus = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            gpus.append(
                {
                    "name": props.name,
                    "memory_gib": round(props.total_memory / 2**30, 1),
                    "capability": f"{props.major}.{props.minor}",
                }
            )
    return {
        "cpu": _cpu_name(),
        "logical_cores": os.cpu_count() or 1,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "gpus": gpus,
        "platform": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": platform.python_version(),
    }


def _describe_gpu(gpu: Mapping[str, Any]) -> str:
    return f"{gpu['name']} ({gpu['memory_gib']:.0f} GiB, compute capability {gpu['capability']})"


def describe_machine(info: Mapping[str, Any] | None = None, *, device: str = "cpu") -> str:
    """One line that names a machine, for the caption of a table of measurements.

    Parameters
    ----------
    info : mapping, optional
        A :func:`machine_info` dictionary (for instance one stored with a
        recorded benchmark); ``None`` describes this machine.
    device : {"cpu", "cuda", "mps"}, default "cpu"
        The kind of device the measurements ran on: a CUDA line names the GPU
        first, then the CPU that drove it.

    Returns
    -------
    str

    Examples
    --------
    >>> info = {"cpu": "Example CPU", "logical_cores": 4, "torch_threads": 1,
    ...         "torch": "2.8.0", "cuda": None, "gpus": []}
    >>> describe_machine(info)
    'Example CPU (4 logical cores, 1 PyTorch thread); PyTorch 2.8.0, CPU-only build'
    """
    info = machine_info() if info is None else info
    if not isinstance(info, Mapping):
        raise TypeError(f"info must be a mapping from machine_info(), got {describe(info)}")
    device = check_choice("device", device, ("cpu", "cuda", "mps"))
    try:
        threads = int(info["torch_threads"])
        cpu = (
            f"{info['cpu']} ({info['logical_cores']} logical cores, "
            f"{threads} PyTorch thread{'s' if threads != 1 else ''})"
        )
        build = f"CUDA {info['cuda']}" if info["cuda"] else "CPU-only build"
        software = f"PyTorch {info['torch']}, {build}"
        gpus = list(info["gpus"])
    except KeyError as err:
        raise ValueError(f"info must have the keys of machine_info(), missing {err}") from None
    if device == "cuda":
        if not gpus:
            raise ValueError("device='cuda' but info lists no GPU")
        return f"{_describe_gpu(gpus[0])} with {cpu}; {software}"
    if device == "mps":
        return f"Apple GPU (MPS) with {cpu}; {software}"
    return f"{cpu}; {software}"
