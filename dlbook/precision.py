"""Mixed-precision training: ``torch.autocast`` and, for float16, a gradient scaler.

Under ``torch.autocast`` the operations that gain most from low precision
(matrix products, convolutions) run in a 16-bit type while the parameters,
the loss and the optimiser stay in float32. Two 16-bit types exist:

* ``float16`` (5 exponent bits): fast on every CUDA GPU since Volta and on
  Apple GPUs, but gradients below about 6e-8 underflow to zero, so the loss
  is multiplied by a large factor before ``backward`` and the gradients
  divided by it before the step (``torch.amp.GradScaler``, on CUDA and, from
  PyTorch 2.8, on MPS);
* ``bfloat16`` (8 exponent bits, float32's range, fewer mantissa bits): needs
  no scaler; the type used by autocast on the CPU and on recent GPUs.

Training with either is ``dl.train(model, X, y, amp=torch.bfloat16)`` (see
:class:`dlbook.training.TrainingStep`, which also unscales the gradients
before clipping them); this module picks the type and builds the scaler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from ._validation import (
    as_device,
    describe,
)

__all__ = ["autocast_dtype", "make_grad_scaler"]


def autocast_dtype(device: torch.device | str) -> torch.dtype:
    """The usual 16-bit autocast type of a device: float16 on CUDA and MPS, bfloat16 on the CPU.

    Parameters
    ----------
    device : torch.device or str

    Returns
    -------
    torch.dtype

    Examples
    --------
    >>> autocast_dtype("cpu")
    torch.bfloat16
    >>> autocast_dtype("cuda")
    torch.float16
    """
    device = as_device("device", device)
    return torch.bfloat16 if device.type == "cpu" else torch.float16


def make_grad_scaler(device: torch.device | str, dtype: torch.dtype | None) -> torch.amp.GradScaler:
    """A ``torch.amp.GradScaler`` that is enabled only where it is needed: float16 on a GPU.

    float16 on CUDA or MPS gets an enabled scaler; with any other combination
    (float32, bfloat16, the CPU) the scaler is disabled and its methods pass
    the loss and the step through unchanged, so one training loop serves all.
    The scaler is built for the device's type (``GradScaler("cuda")``,
    ``GradScaler("mps")``), where its scale and overflow flag then live.

    Parameters
    ----------
    device : torch.device or str
    dtype : torch.dtype or None
        The autocast type; ``None`` for full float32.

    Returns
    -------
    torch.amp.GradScaler

    Raises
    ------
    ValueError
        For float16 on a CUDA device when CUDA is not available (PyTorch would
        silently disable the scaler).

    Examples
    --------
    >>> make_grad_scaler("cpu", torch.bfloat16).is_enabled()
    False
    >>> make_grad_scaler("mps", torch.float16).is_enabled()
    True
    """
    device = as_device("device", device)
    if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(
            f"dtype must be a floating-point torch.dtype or None, got {describe(dtype)}"
        )
    enabled = device.type in ("cuda", "mps") and dtype == torch.float16
    if enabled and device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device is a CUDA device, but CUDA is not available here")
    return torch.amp.GradScaler(device.type, enabled=enabled)


if not TYPE_CHECKING:  # hidden from type checkers: a name that never existed stays an error

    def __getattr__(name: str) -> Any:
        """Name the new place of a function that moved out of this module."""
        from . import moved_attribute

        raise moved_attribute(__name__, name)
