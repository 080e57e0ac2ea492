"""Argument checks shared by the public functions of dlbook.

Every check raises a ``TypeError`` or ``ValueError`` whose message names the
argument, what was expected and what arrived, e.g.
``"n_samples must be a positive integer, got -3"``. There is one check per kind
of input (an integer, a tensor, features, binary inputs, classification data, a
model, a device); the public functions of dlbook call these and never write
their own.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

__all__: list[str] = []  # private module


def describe(value: Any) -> str:
    """Return a short description of ``value`` for error messages."""
    if isinstance(value, torch.Tensor):
        return f"tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def check_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """Return ``value`` as an ``int``, rejecting bools, floats and values below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        if minimum == 1:
            raise ValueError(f"{name} must be a positive integer, got {value}")
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return value


def check_float(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` inside the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None:
        if strict_minimum and value <= minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value}")
        if not strict_minimum and value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_fraction(name: str, value: Any) -> float:
    """Return ``value`` as a float in the closed interval [0, 1]."""
    return check_float(name, value, minimum=0.0, maximum=1.0)


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (strings)."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"{name} must be one of {listed}, got {describe(value)}")
    return value


def check_seed(name: str, value: Any) -> int | None:
    """Return a seed: ``None`` or a non-negative integer."""
    if value is None:
        return None
    seed = check_int(name, value, minimum=0)
    if seed >= 2**63:
        raise ValueError(f"{name} must be below 2**63 (PyTorch's limit), got {seed}")
    return seed


def as_tensor(
    name: str,
    value: Any,
    *,
    ndim: int | Sequence[int] | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Convert an array-like to a tensor and check its number of dimensions.

    Tensors keep their device; NumPy arrays, nested lists and objects with a
    ``to_numpy()`` method (pandas ``DataFrame`` and ``Series``) are converted.
    """
    if isinstance(value, torch.Tensor):
        tensor = value
    elif callable(getattr(value, "to_numpy", None)) and not isinstance(value, np.ndarray):
        array = np.asarray(value.to_numpy())
        if not array.flags.writeable:  # pandas' copy-on-write arrays are read-only
            array = array.copy()
        return as_tensor(name, array, ndim=ndim, dtype=dtype)
    elif isinstance(value, (np.ndarray, list, tuple)) or isinstance(value, numbers.Number):
        try:
            tensor = torch.as_tensor(np.asarray(value))
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{name} must be a tensor or array of numbers, got {describe(value)}"
            ) from err
    else:
        raise TypeError(f"{name} must be a tensor or array, got {describe(value)}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if tensor.ndim not in allowed:
            wanted = " or ".join(str(a) for a in allowed)
            raise ValueError(
                f"{name} must have {wanted} dimension(s), got shape {tuple(tensor.shape)}"
            )
    if tensor.is_floating_point() or tensor.is_complex():
        if not torch.isfinite(tensor).all():
            raise ValueError(f"{name} contains NaN or infinite values")
    if dtype is not None:
        tensor = tensor.to(dtype)
    return tensor


def check_dtype(name: str, value: Any, *, floating: bool = True) -> torch.dtype:
    """Return ``value`` if it is a ``torch.dtype`` (a floating one when ``floating``)."""
    if not isinstance(value, torch.dtype):
        raise TypeError(
            f"{name} must be a torch.dtype such as torch.float32, got {describe(value)}"
        )
    if floating and not value.is_floating_point:
        raise ValueError(f"{name} must be a floating-point torch.dtype, got {value}")
    return value


def check_callable(name: str, value: Any) -> Any:
    """Return ``value`` if it can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {describe(value)}")
    return value


def check_color(name: str, value: Any) -> Any:
    """Return ``value`` if matplotlib reads it as a colour ("C0", "#0072B2", (r, g, b))."""
    from matplotlib.colors import is_color_like

    if isinstance(value, bool) or not is_color_like(value):
        raise ValueError(
            f"{name} must be a matplotlib colour such as 'C0' or '#0072B2', got {describe(value)}"
        )
    return value


def check_sequence(name: str, value: Any, *, length: int | None = None) -> list[Any]:
    """Return ``value`` as a list if it is a sequence (not a string) of ``length`` items."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        if not (isinstance(value, torch.Tensor) and value.ndim == 1):
            raise TypeError(f"{name} must be a sequence such as a list, got {describe(value)}")
    items = list(value)
    if length is not None and len(items) != length:
        raise ValueError(f"{name} must have {length} entries, got {len(items)}")
    return items


def check_features(name: str, X: torch.Tensor, n_features: int) -> None:
    """Raise if a 2-D ``X`` does not have ``n_features`` columns."""
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (n_samples, {n_features}), got {tuple(X.shape)}")


def check_same_length(name_a: str, a: Any, name_b: str, b: Any) -> None:
    """Raise if two sequences or tensors differ in their first dimension."""
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of samples, got {len(a)} and {len(b)}"
        )


def as_device(name: str, device: Any) -> torch.device:
    """Return ``torch.device(device)``; ``None`` means the CPU."""
    if device is None:
        return torch.device("cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"{name} must name a device such as 'cpu' or 'cuda', got {describe(device)}"
        ) from err


def check_model(name: str, model: Any) -> nn.Module:
    """Return ``model`` if it is a ``torch.nn.Module``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {describe(model)}")
    return model


_OUT_OF_MEMORY = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)


def call_model(model: Any, inputs: torch.Tensor, name: str = "X") -> Any:
    """``model(inputs)``, turning the RuntimeError of a model that cannot take them into a
    ValueError naming the model and the inputs (a feature count or dtype that does not fit)."""
    try:
        return model(inputs)
    except _OUT_OF_MEMORY:
        raise
    except RuntimeError as err:
        raise ValueError(
            f"model cannot take {name} of shape {tuple(inputs.shape)} and dtype "
            f"{inputs.dtype}: {err}"
        ) from err


def as_binary(name: str, x: Any, *, ndim: int | Sequence[int] = (1, 2)) -> torch.Tensor:
    """Return binary inputs (0s and 1s, or booleans) as an int64 tensor."""
    x = as_tensor(name, x, ndim=ndim)
    if x.dtype == torch.bool:
        x = x.long()
    if not bool(((x == 0) | (x == 1)).all()):
        raise ValueError(f"{name} must hold only 0s and 1s, got values {x.unique().tolist()[:6]}")
    return x.long()


def as_features(
    name: str,
    X: Any,
    *,
    ndim: int | Sequence[int] | None = 2,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Return input features in the floating-point ``dtype`` a model computes in.

    Floating-point features are converted; integer, ``uint8`` and boolean
    features too, after checking that every value is an integer that ``dtype``
    represents exactly (up to 2**24 for float32, 2**53 for float64).
    """
    X = as_tensor(name, X, ndim=ndim)
    if X.is_complex():
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    if not X.is_floating_point() and X.dtype != torch.bool and X.numel():
        digits = 1 - int(np.log2(torch.finfo(dtype).eps))  # 24 for float32
        largest = int(X.abs().max())
        if largest > 2**digits:
            raise ValueError(
                f"{name} holds the integer {largest}, which {dtype} cannot represent exactly "
                f"(it is exact only up to 2**{digits}); convert {name} to a floating-point "
                f"dtype yourself or use a model in a wider dtype"
            )
    return X.to(dtype)


def check_classification_data(
    X: Any,
    y: Any,
    *,
    x_ndim: int | Sequence[int] | None = 2,
    dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Check a classification data set and return ``(X in dtype, y as int64 labels)``.

    ``X`` must have ``x_ndim`` dimensions (features as in :func:`as_features`),
    ``y`` one dimension of integer class labels, both the same positive
    number of samples.
    """
    X = as_features("X", X, ndim=x_ndim, dtype=dtype)
    y = as_tensor("y", y, ndim=1)
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    check_same_length("X", X, "y", y)
    if len(X) == 0:
        raise ValueError("X must contain at least one sample, got 0")
    return X, y.long()


def as_available_device(name: str, device: Any) -> torch.device:
    """Return ``torch.device(device)``, refusing a CUDA or MPS device this machine lacks."""
    device = as_device(name, device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{name}={str(device)!r} was asked for, but CUDA is not available here "
            "(torch.cuda.is_available() is False); dl.get_device() picks what is"
        )
    if device.type == "cuda" and device.index is not None:
        if device.index >= torch.cuda.device_count():
            raise ValueError(
                f"{name}={str(device)!r} was asked for, but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)"
            )
    mps = getattr(torch.backends, "mps", None)
    if device.type == "mps" and not (mps is not None and mps.is_available()):
        raise ValueError(
            f"{name}={str(device)!r} was asked for, but MPS is not available here "
            "(torch.backends.mps.is_available() is False); dl.get_device() picks what is"
        )
    return device
