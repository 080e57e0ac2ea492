"""Mixed-precision training: ``torch.autocast`` and, for float16 on CUDA, a gradient scaler.

Under ``torch.autocast`` the operations that gain most from low precision
(matrix products, convolutions) run in a 16-bit type while the parameters,
the loss and the optimiser stay in float32. Two 16-bit types exist:

* ``float16`` (5 exponent bits): fast on every CUDA GPU since Volta, but
  gradients below about 6e-8 underflow to zero, so the loss is multiplied by a
  large factor before ``backward`` and the gradients divided by it before the
  step (``torch.amp.GradScaler``);
* ``bfloat16`` (8 exponent bits, float32's range, fewer mantissa bits): needs
  no scaler; the type used by autocast on the CPU and on recent GPUs.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ._validation import (
    as_device,
    as_tensor,
    check_float,
    check_int,
    describe,
)
from .devices import module_device
from .seeding import make_generator

__all__ = ["autocast_dtype", "make_grad_scaler", "train_mixed_precision"]


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
    """A ``torch.amp.GradScaler`` that is enabled only where it is needed: float16 on CUDA.

    With any other combination the scaler is disabled and its methods pass
    the loss and the step through unchanged, so one training loop serves all.

    Parameters
    ----------
    device : torch.device or str
    dtype : torch.dtype or None
        The autocast type; ``None`` for full float32.

    Examples
    --------
    >>> make_grad_scaler("cpu", torch.bfloat16).is_enabled()
    False
    """
    device = as_device("device", device)
    if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(
            f"dtype must be a floating-point torch.dtype or None, got {describe(dtype)}"
        )
    enabled = device.type == "cuda" and dtype == torch.float16
    return torch.amp.GradScaler("cuda" if device.type == "cuda" else "cpu", enabled=enabled)


def train_mixed_precision(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    dtype: torch.dtype | None = None,
    epochs: int = 20,
    lr: float = 0.05,
    batch_size: int = 64,
    device: torch.device | str | None = None,
    seed: int | None = None,
) -> tuple[nn.Module, list[float]]:
    """Train a copy of a classifier with SGD, the forward pass under ``torch.autocast``.

    The loop is the five-step loop with the mixed-precision additions: the
    forward pass and loss under ``torch.autocast(device_type, dtype)``, then
    ``scaler.scale(loss).backward()``, ``scaler.step(optimizer)`` and
    ``scaler.update()`` (the scaler is a pass-through unless float16 on CUDA).

    Parameters
    ----------
    model : torch.nn.Module
        A classifier; it is copied, not changed.
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
        Integer class labels.
    dtype : torch.dtype, optional
        The autocast type, e.g. ``torch.bfloat16``; ``None`` trains in float32
        (autocast off), the reference to compare with.
    epochs : int, default 20
    lr : float, default 0.05
    batch_size : int, default 64
    device : torch.device or str, optional
        Where to train; ``None`` means where the model is.
    seed : int, optional
        Seed of the batch order.

    Returns
    -------
    model : torch.nn.Module
        The trained copy, with float32 parameters, on ``device``.
    losses : list of float
        Loss of every step.

    Examples
    --------
    >>> X, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> trained, losses = train_mixed_precision(model, X, y, dtype=torch.bfloat16, epochs=2, seed=0)
    >>> len(losses), trained[0].weight.dtype
    (2, torch.float32)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    X = as_tensor("X", X, ndim=2).float()
    y = as_tensor("y", y, ndim=1)
    if y.is_floating_point():
        raise TypeError(f"y must hold integer class labels, got {y.dtype}")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of samples, got {len(X)} and {len(y)}")
    if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(
            f"dtype must be a floating-point torch.dtype or None, got {describe(dtype)}"
        )
    epochs = check_int("epochs", epochs, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    device = module_device(model) if device is None else as_device("device", device)
    generator = make_generator(seed)

    model = copy.deepcopy(model).to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scaler = make_grad_scaler(device, dtype)
    X, y = X.to(device), y.long().to(device)
    losses: list[float] = []
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator).to(device)
        for start in range(0, len(X), batch_size):
            index = order[start : start + batch_size]
            with torch.autocast(
                device.type, dtype=dtype or torch.float32, enabled=dtype is not None
            ):
                logits = model(X[index])  # (B, n_classes), in dtype
                loss = nn.functional.cross_entropy(logits.float(), y[index])  # float32
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()  # scaled up for float16 on CUDA
            scaler.step(optimizer)  # unscales; skips the step if a gradient overflowed
            scaler.update()
            losses.append(float(loss.detach()))
    return model, losses


if not TYPE_CHECKING:  # hidden from type checkers: a name that never existed stays an error

    def __getattr__(name: str) -> Any:
        """Name the new place of a function that moved out of this module."""
        from . import moved_attribute

        raise moved_attribute(__name__, name)
