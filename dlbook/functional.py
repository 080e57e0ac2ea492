"""Numerically stable softmax, log-softmax, log-sum-exp and cross-entropy.

Every function accepts a NumPy array or a PyTorch tensor and returns the same
kind (a tensor stays on its device and keeps its dtype and autograd graph), so
the NumPy engine of :mod:`dlbook.scratch` and PyTorch code share one
implementation. The trick throughout is to subtract the largest logit before
exponentiating: ``exp(x - max(x))`` never overflows, and the shift cancels in
every ratio.
"""

from __future__ import annotations

import numbers
from typing import Any, TypeVar

import numpy as np
import torch

from ._validation import check_float, check_int, describe

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "entropy",
    "log_softmax",
    "logsumexp",
    "naive_softmax",
    "softmax",
]

Array = TypeVar("Array", np.ndarray, torch.Tensor)


def _as_float(name: str, x: Any) -> Any:
    """Return a floating tensor unchanged, or a floating NumPy array for anything else."""
    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            x = x.to(torch.get_default_dtype())
        return x
    if isinstance(x, (np.ndarray, list, tuple, numbers.Real)) and not isinstance(x, bool):
        array = np.asarray(x)
        if array.dtype.kind in "biu":
            array = array.astype(np.float64)
        if array.dtype.kind != "f":
            raise TypeError(f"{name} must hold real numbers, got {describe(x)}")
        return array
    raise TypeError(f"{name} must be a NumPy array or a tensor, got {describe(x)}")


def _axis(name: str, axis: Any, ndim: int) -> int:
    axis = check_int(name, axis)
    if not -max(ndim, 1) <= axis < max(ndim, 1):
        raise ValueError(
            f"{name} must be in [-{max(ndim, 1)}, {max(ndim, 1)}) for an input with "
            f"{ndim} dimension(s), got {axis}"
        )
    return axis


def _temperature(temperature: Any) -> float:
    return check_float("temperature", temperature, minimum=0.0, strict_minimum=True)


def logsumexp(x: Array, axis: int = -1, *, keepdims: bool = False) -> Array:
    """Compute ``log(sum(exp(x)))`` along an axis without overflow.

    Uses ``m + log(sum(exp(x - m)))`` with ``m = max(x)``, so every exponent is
    at most zero.

    Parameters
    ----------
    x : array or Tensor of shape (..., n, ...)
    axis : int, default -1
        The axis to reduce.
    keepdims : bool, default False
        Keep the reduced axis with length one.

    Returns
    -------
    array or Tensor
        The input shape without ``axis`` (or with length one there).

    Examples
    --------
    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # log(2 e^1000) = 1000 + log 2
    1000.6931471805599
    """
    x = _as_float("x", x)
    axis = _axis("axis", axis, x.ndim)
    if isinstance(x, torch.Tensor):
        m = x.amax(dim=axis, keepdim=True).detach()
        m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
        out = m + torch.log(torch.exp(x - m).sum(dim=axis, keepdim=True))
        return out if keepdims else out.squeeze(axis)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0).astype(x.dtype)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(x: Array, axis: int = -1, *, temperature: float = 1.0) -> Array:
    """Turn logits into probabilities: ``exp(x / T) / sum(exp(x / T))``, computed stably.

    Parameters
    ----------
    x : array or Tensor of shape (..., n_classes, ...)
        Logits.
    axis : int, default -1
        The class axis.
    temperature : float, default 1.0
        ``T > 0``. Below 1 sharpens the distribution towards the largest logit,
        above 1 flattens it towards uniform.

    Returns
    -------
    array or Tensor of the same shape
        Non-negative, summing to one along ``axis``.

    Examples
    --------
    >>> softmax(np.array([2.0, 1.0, 0.1])).round(3)
    array([0.659, 0.242, 0.099])
    >>> softmax(np.array([1e4, 0.0], dtype=np.float32))  # no overflow
    array([1., 0.], dtype=float32)
    """
    x = _as_float("x", x)
    axis = _axis("axis", axis, x.ndim)
    t = _temperature(temperature)
    scaled = x / t
    if isinstance(scaled, torch.Tensor):
        shifted = scaled - scaled.amax(dim=axis, keepdim=True).detach()
        e = torch.exp(shifted)
        return e / e.sum(dim=axis, keepdim=True)
    shifted = scaled - np.max(scaled, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: Array, axis: int = -1, *, temperature: float = 1.0) -> Array:
    """Log-probabilities ``x / T - logsumexp(x / T)``, finite even for huge logits.

    Parameters
    ----------
    x : array or Tensor of shape (..., n_classes, ...)
    axis : int, default -1
    temperature : float, default 1.0

    Returns
    -------
    array or Tensor of the same shape
        Non-positive values whose exponentials sum to one along ``axis``.

    Examples
    --------
    >>> log_softmax(np.array([1e4, 0.0], dtype=np.float32))
    array([     0., -10000.], dtype=float32)
    """
    x = _as_float("x", x)
    axis = _axis("axis", axis, x.ndim)
    scaled = x / _temperature(temperature)
    # (x - m) - log(sum(exp(x - m))): subtracting m first keeps float32 precision
    if isinstance(scaled, torch.Tensor):
        shifted = scaled - scaled.amax(dim=axis, keepdim=True).detach()
        return shifted - torch.log(torch.exp(shifted).sum(dim=axis, keepdim=True))
    shifted = scaled - np.max(scaled, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def naive_softmax(x: Array, axis: int = -1) -> Array:
    """The textbook formula ``exp(x) / sum(exp(x))`` with no shift: overflows for large logits.

    Kept to show what goes wrong; use :func:`softmax` in real code.

    Parameters
    ----------
    x : array or Tensor of shape (..., n_classes, ...)
        Logits.
    axis : int, default -1
        The axis that holds the classes.

    Returns
    -------
    array or Tensor of the same shape
        NaN where ``exp`` overflowed.

    Examples
    --------
    >>> with np.errstate(over="ignore", invalid="ignore"):
    ...     naive_softmax(np.array([1e4, 0.0], dtype=np.float32))
    array([nan,  0.], dtype=float32)
    """
    x = _as_float("x", x)
    axis = _axis("axis", axis, x.ndim)
    if isinstance(x, torch.Tensor):
        e = torch.exp(x)
        return e / e.sum(dim=axis, keepdim=True)
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


def _targets(target: Any, n: int, n_classes: int, like: Any) -> Any:
    t: Any
    if isinstance(like, torch.Tensor):
        t = torch.as_tensor(target, device=like.device)
        bad = t.is_floating_point() or t.is_complex() or t.dtype == torch.bool
    else:
        t = np.asarray(target)
        bad = t.dtype.kind not in "iu"
    if bad:
        raise TypeError(f"target must hold integer class indices, got {describe(target)}")
    if tuple(t.shape) != (n,):
        raise ValueError(f"target must have shape ({n},) to match the logits, got {tuple(t.shape)}")
    if n and (int(t.min()) < 0 or int(t.max()) >= n_classes):
        raise ValueError(
            f"target must hold class indices in [0, {n_classes}), got values from "
            f"{int(t.min())} to {int(t.max())}"
        )
    return t.long() if isinstance(t, torch.Tensor) else t.astype(np.int64)


def cross_entropy(logits: Array, target: Any, *, reduction: str = "mean") -> Array:
    """Multi-class cross-entropy ``-log softmax(logits)[target]`` computed from logits.

    Parameters
    ----------
    logits : array or Tensor of shape (n_samples, n_classes)
    target : array or Tensor of shape (n_samples,)
        Integer class indices in ``[0, n_classes)``.
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    array or Tensor
        A scalar, or shape (n_samples,) for ``reduction="none"``.

    Examples
    --------
    >>> float(cross_entropy(np.zeros((4, 10)), np.array([0, 1, 2, 3])))  # ln 10
    2.302585092994046
    """
    logits = _as_float("logits", logits)
    if logits.ndim != 2:
        raise ValueError(
            f"logits must have shape (n_samples, n_classes), got {tuple(logits.shape)}"
        )
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    n, k = logits.shape
    t = _targets(target, n, k, logits)
    logp = log_softmax(logits, axis=1)
    if isinstance(logp, torch.Tensor):
        losses = -logp.gather(1, t[:, None]).squeeze(1)
    else:
        losses = -np.take_along_axis(logp, t[:, None], axis=1)[:, 0]
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def binary_cross_entropy_with_logits(
    logits: Array, target: Any, *, reduction: str = "mean"
) -> Array:
    """Binary cross-entropy of labels in [0, 1] given logits, without computing sigmoid first.

    Uses ``max(z, 0) - z * y + log(1 + exp(-|z|))``, which equals
    ``-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z))`` and never overflows.

    Parameters
    ----------
    logits : array or Tensor of shape (n_samples,) or any shape
    target : array or Tensor of the same shape
        Labels (or probabilities) in [0, 1].
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    array or Tensor
        A scalar, or the input shape for ``reduction="none"``.

    Examples
    --------
    >>> float(binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0])))  # ln 2
    0.6931471805599453
    >>> float(binary_cross_entropy_with_logits(np.array([-1e4]), np.array([1.0])))
    10000.0
    """
    z = _as_float("logits", logits)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    y: Any
    if isinstance(z, torch.Tensor):
        y = torch.as_tensor(target, dtype=z.dtype, device=z.device)
        xp_shape = tuple(y.shape)
    else:
        y = np.asarray(target, dtype=z.dtype)
        xp_shape = y.shape
    if xp_shape != tuple(z.shape):
        raise ValueError(f"target must have the shape of logits {tuple(z.shape)}, got {xp_shape}")
    if len(xp_shape) and (float(y.min()) < 0 or float(y.max()) > 1):
        raise ValueError("target must hold values in [0, 1]")
    if isinstance(z, torch.Tensor):
        losses = torch.clamp(z, min=0) - z * y + torch.log1p(torch.exp(-z.abs()))
    else:
        losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def entropy(p: Array, axis: int = -1) -> Array:
    """Shannon entropy ``-sum p log p`` (in nats) of probability vectors; ``0 log 0 = 0``.

    Parameters
    ----------
    p : array or Tensor of shape (..., n_classes, ...)
        Probabilities, summing to one along ``axis``.
    axis : int, default -1
        The axis of the distribution (the classes).

    Returns
    -------
    array or Tensor
        The input shape without ``axis``.

    Examples
    --------
    >>> round(float(entropy(np.full(4, 0.25))), 6)  # ln 4
    1.386294
    """
    p = _as_float("p", p)
    axis = _axis("axis", axis, p.ndim)
    if isinstance(p, torch.Tensor):
        terms = torch.where(p > 0, -p * torch.log(p.clamp_min(1e-300)), torch.zeros_like(p))
        return terms.sum(dim=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return np.sum(terms, axis=axis)
