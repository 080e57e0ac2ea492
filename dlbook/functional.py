"""Numerically stable softmax, log-softmax, log-sum-exp and cross-entropy.

Every function accepts a NumPy array or a PyTorch tensor and returns the same
kind (a tensor stays on its device and keeps its dtype and autograd graph), so
the NumPy engine of :mod:`dlbook.scratch` and PyTorch code share one
implementation. The trick throughout is to subtract the largest logit before
exponentiating: ``exp(x - max(x))`` never overflows, and the shift cancels in
every ratio.

Infinite logits get their limits: the ``+inf`` entries of a row share all of its
probability (``softmax([inf, 0]) = [1, 0]``) and ``-inf`` entries get probability
0. NaN propagates: a row holding a NaN gives NaN, never a number that looks
fine. An empty class axis, or an empty batch averaged with ``reduction="mean"``,
is an error.
"""

from __future__ import annotations

import numbers
from typing import Any, TypeVar

import numpy as np
import torch

from ._validation import as_tensor, check_float, check_int, describe

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
        if x.is_complex():
            raise TypeError(f"{name} must hold real numbers, got {describe(x)}")
        if not x.is_floating_point():
            x = x.to(torch.get_default_dtype())
        return x
    if isinstance(x, (np.ndarray, list, tuple, numbers.Real)) and not isinstance(x, bool):
        try:
            array = np.asarray(x)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name} must be an array of real numbers, got {describe(x)}") from err
        if array.dtype.kind in "biu":
            array = array.astype(np.float64)
        if array.dtype.kind != "f":
            raise TypeError(f"{name} must hold real numbers, got {describe(x)}")
        return array
    raise TypeError(f"{name} must be a NumPy array or a tensor, got {describe(x)}")


def _like(name: str, value: Any, like: Any) -> Any:
    """``value`` as a tensor on ``like``'s device, or as a NumPy array, checked for its type."""
    if isinstance(like, torch.Tensor):
        return as_tensor(name, value).to(like.device)
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        value = value.float() if value.dtype == torch.bfloat16 else value
        value = value.numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of numbers, got {describe(value)}") from err
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers, got {describe(value)}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def _nonempty(name: str, x: Any, axis: int) -> None:
    if x.ndim and x.shape[axis] == 0:
        raise ValueError(
            f"{name} must have at least one entry along axis {axis}, got shape {tuple(x.shape)}"
        )


def _limits(scaled: Any, axis: int) -> tuple[Any, Any, Any]:
    """Rows (along ``axis``) holding +inf and no NaN, the +inf entries, and their count."""
    if isinstance(scaled, torch.Tensor):
        pos = torch.isposinf(scaled)
        nan = torch.isnan(scaled).any(dim=axis, keepdim=True)
        has = pos.any(dim=axis, keepdim=True) & ~nan
        return has, pos, pos.sum(dim=axis, keepdim=True)
    pos = np.isposinf(scaled)
    nan = np.isnan(scaled).any(axis=axis, keepdims=True)
    has = pos.any(axis=axis, keepdims=True) & ~nan
    return has, pos, pos.sum(axis=axis, keepdims=True)


def _shift(scaled: Any, axis: int, has: Any) -> Any:
    """``x - max(x)`` along ``axis``; rows with +inf (``has``) become 0, the limit is taken apart.

    The maximum is treated as a constant (detached): the shift cancels, so its
    gradient is zero, and rows of only -inf are left unshifted.
    """
    if isinstance(scaled, torch.Tensor):
        safe = torch.where(has, torch.zeros_like(scaled), scaled)
        m = safe.amax(dim=axis, keepdim=True).detach()
        return safe - torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    safe_array = np.where(has, 0.0, scaled).astype(scaled.dtype)
    m = np.max(safe_array, axis=axis, keepdims=True)
    return safe_array - np.where(np.isfinite(m), m, 0.0).astype(scaled.dtype)


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
    _nonempty("x", x, axis)
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
        Non-negative, summing to one along ``axis``. A row with ``+inf``
        entries shares its probability among them; ``-inf`` entries get 0; a
        row with a NaN is NaN.

    Examples
    --------
    >>> softmax(np.array([2.0, 1.0, 0.1])).round(3)
    array([0.659, 0.242, 0.099])
    >>> softmax(np.array([1e4, 0.0], dtype=np.float32))  # no overflow
    array([1., 0.], dtype=float32)
    >>> softmax(np.array([np.inf, 0.0, -np.inf]))  # the limits
    array([1., 0., 0.])
    """
    x = _as_float("x", x)
    axis = _axis("axis", axis, x.ndim)
    t = _temperature(temperature)
    _nonempty("x", x, axis)
    scaled = x / t
    has, pos, count = _limits(scaled, axis)
    shifted = _shift(scaled, axis, has)
    if isinstance(scaled, torch.Tensor):
        e = torch.exp(shifted)
        p = e / e.sum(dim=axis, keepdim=True)
        limit = pos.to(p.dtype) / count.clamp_min(1).to(p.dtype)  # +inf entries share all
        return torch.where(has, limit, p)
    with np.errstate(invalid="ignore"):  # 0 / 0 in rows of NaN or only -inf: NaN
        e = np.exp(shifted)
        p = e / np.sum(e, axis=axis, keepdims=True)
    limit = (pos / np.maximum(count, 1)).astype(p.dtype)
    return np.where(has, limit, p)


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
        Non-positive values whose exponentials sum to one along ``axis``, with
        the limits of :func:`softmax` for infinite logits.

    Examples
    --------
    >>> log_softmax(np.array([1e4, 0.0], dtype=np.float32))
    array([     0., -10000.], dtype=float32)
    """
    x = _as_float("x", x)
    axis = _axis("axis", axis, x.ndim)
    scaled = x / _temperature(temperature)
    _nonempty("x", x, axis)
    has, pos, count = _limits(scaled, axis)
    # (x - m) - log(sum(exp(x - m))): subtracting m first keeps float32 precision
    shifted = _shift(scaled, axis, has)
    if isinstance(scaled, torch.Tensor):
        logp = shifted - torch.log(torch.exp(shifted).sum(dim=axis, keepdim=True))
        share = -torch.log(count.clamp_min(1).to(logp.dtype))  # log(1 / count) for +inf entries
        limit = torch.where(pos, share, torch.full_like(logp, -torch.inf))
        return torch.where(has, limit, logp)
    with np.errstate(invalid="ignore", divide="ignore"):  # rows of NaN or only -inf
        logp = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    limit = np.where(pos, -np.log(np.maximum(count, 1)), -np.inf).astype(logp.dtype)
    return np.where(has, limit, logp)


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
    t: Any = _like("target", target, like)
    if isinstance(t, torch.Tensor):
        bad = t.is_floating_point() or t.is_complex() or t.dtype == torch.bool
    else:
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


def _check_reduction(reduction: Any, n: int, name: str) -> None:
    if not isinstance(reduction, str) or reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {describe(reduction)}")
    if reduction == "mean" and n == 0:
        raise ValueError(
            f"{name} must hold at least one sample for reduction='mean' (the mean of an "
            "empty batch is undefined), got 0"
        )


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
        A scalar, or shape (n_samples,) for ``reduction="none"``. A ``+inf``
        logit at the target (and nowhere else in its row) costs 0, one
        elsewhere costs ``+inf``.

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
    _check_reduction(reduction, len(logits), "logits")
    n, k = logits.shape
    if k == 0:
        raise ValueError(f"logits must have at least one class, got shape {tuple(logits.shape)}")
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
    ``-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z))`` and never overflows; an
    infinite logit gets the limit (0 for ``z = +inf, y = 1``, ``+inf`` for
    ``z = +inf, y < 1``). NaN logits give NaN; NaN targets are an error.

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
    _check_reduction(reduction, z.numel() if isinstance(z, torch.Tensor) else z.size, "logits")
    y: Any = _like("target", target, z)
    if tuple(y.shape) != tuple(z.shape):
        raise ValueError(
            f"target must have the shape of logits {tuple(z.shape)}, got {tuple(y.shape)}"
        )
    if y.size if isinstance(y, np.ndarray) else y.numel():  # NaN was refused by _like
        if float(y.min()) < 0 or float(y.max()) > 1:
            raise ValueError(
                f"target must hold values in [0, 1], got values from {float(y.min())} to "
                f"{float(y.max())}"
            )
    linear: Any
    losses: Any
    # max(z, 0) - z y, written so that a sure right answer (z = +inf with y = 1, or
    # z = -inf with y = 0) costs 0 instead of inf - inf = NaN.
    if isinstance(z, torch.Tensor):
        y = y.to(z.dtype)
        zero = torch.zeros_like(z)
        linear = torch.where(
            z >= 0, torch.where(y == 1, zero, z * (1 - y)), torch.where(y == 0, zero, -z * y)
        )
        losses = linear + torch.log1p(torch.exp(-z.abs()))
    else:
        y = y.astype(z.dtype)
        with np.errstate(invalid="ignore"):  # inf * 0, replaced by the limit 0
            linear = np.where(z >= 0, np.where(y == 1, 0, z * (1 - y)), np.where(y == 0, 0, -z * y))
        losses = (linear + np.log1p(np.exp(-np.abs(z)))).astype(z.dtype)
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
        The input shape without ``axis``. Each entry contributes as in
        ``torch.special.entr``: ``-p log p`` for ``p > 0``, 0 for ``p = 0``,
        ``-inf`` for ``p < 0`` and NaN for NaN (a NaN never becomes 0). The
        gradient at ``p = 0`` is 0, not NaN, in every dtype.

    Examples
    --------
    >>> round(float(entropy(np.full(4, 0.25))), 6)  # ln 4
    1.386294
    """
    p = _as_float("p", p)
    axis = _axis("axis", axis, p.ndim)
    if isinstance(p, torch.Tensor):
        positive = p > 0
        safe = torch.where(positive, p, torch.ones_like(p))  # log is never taken of 0
        other = torch.where(p == 0, 0.0, torch.where(p < 0, -torch.inf, torch.nan)).to(p.dtype)
        return torch.where(positive, -p * torch.log(safe), other).sum(dim=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = p > 0
        other = np.where(p == 0, 0.0, np.where(p < 0, -np.inf, np.nan))
        terms = np.where(positive, -p * np.log(np.where(positive, p, 1.0)), other)
    return np.sum(terms.astype(p.dtype), axis=axis)
