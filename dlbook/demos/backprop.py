"""Backpropagation by hand on the smallest network that has a hidden layer.

:func:`two_one_one_step` runs one SGD step of the 2-1-1 sigmoid network of the
chapter on backpropagation with the layers of :mod:`dlbook.scratch`, and
reports every intermediate value the chapter derives on paper.
:func:`finite_difference_errors` measures how far central differences land from
the exact gradient, in float32 and float64, for a range of step sizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .._validation import check_float, check_int, check_sequence, describe
from ..scratch import SGD, BCEWithLogitsLoss, Linear, Sequential, Sigmoid

__all__ = ["finite_difference_errors", "two_one_one_step"]


def _pair(name: str, value: Any) -> list[Any]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{name} must be a pair of numbers, got {describe(value)}")
    return list(value)


def two_one_one_step(
    x: tuple[float, float],
    y: float,
    *,
    w1: tuple[float, float],
    b1: float,
    w2: float,
    b2: float,
    lr: float,
) -> dict[str, Any]:
    """One SGD step of the 2-1-1 sigmoid network of the backpropagation chapter, run by the engine.

    The network is ``h = sigmoid(w1 . x + b1)``, ``y_hat = sigmoid(w2 h + b2)``
    with binary cross-entropy loss. The engine runs ``Linear(2, 1)``,
    ``Sigmoid``, ``Linear(1, 1)`` and :class:`dlbook.scratch.BCEWithLogitsLoss`
    (so the output sigmoid is folded into the loss, whose gradient with respect
    to ``z2`` is ``y_hat - y``).

    Parameters
    ----------
    x : (float, float)
        The input.
    y : float
        The label, 0 or 1.
    w1 : (float, float), b1 : float, w2 : float, b2 : float
        The parameters before the step.
    lr : float
        Learning rate.

    Returns
    -------
    dict
        Forward values ``z1, h, z2, y_hat, loss``; gradients ``delta2``
        (= dL/dz2), ``delta1`` (= dL/dz1), ``grad_w1``, ``grad_b1``,
        ``grad_w2``, ``grad_b2``; parameters after the step ``new_w1``,
        ``new_b1``, ``new_w2``, ``new_b2``; and ``new_loss``, the loss after it.

    Examples
    --------
    >>> out = two_one_one_step((1.0, 0.0), 1.0, w1=(0.0, 0.0), b1=0.0, w2=0.0, b2=0.0, lr=1.0)
    >>> out["h"], out["y_hat"], out["delta2"]
    (0.5, 0.5, -0.5)
    """
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    if y not in (0, 1, 0.0, 1.0):
        raise ValueError(f"y must be 0 or 1, got {describe(y)}")
    point = [check_float(f"x[{i}]", v) for i, v in enumerate(_pair("x", x))]
    weights = [check_float(f"w1[{i}]", v) for i, v in enumerate(_pair("w1", w1))]
    y, b1 = check_float("y", y), check_float("b1", b1)
    w2, b2 = check_float("w2", w2), check_float("b2", b2)
    first, act, second = Linear(2, 1), Sigmoid(), Linear(1, 1)
    assert first.bias is not None and second.bias is not None  # both built with biases
    first.weight.data[...] = np.asarray(weights, dtype=np.float64).reshape(1, 2)
    first.bias.data[...] = b1
    second.weight.data[...] = w2
    second.bias.data[...] = b2
    model, loss_fn = Sequential(first, act, second), BCEWithLogitsLoss()
    xb, yb = np.asarray(point, dtype=np.float64).reshape(1, 2), np.array([[float(y)]])
    z2 = model(xb)
    loss = loss_fn(z2, yb)
    model.zero_grad()
    delta2 = loss_fn.backward()
    grad_h = second.backward(delta2)
    delta1 = act.backward(grad_h)
    first.backward(delta1)
    out: dict[str, Any] = {
        "z1": float(first(xb)[0, 0]),
        "h": float(act(first(xb))[0, 0]),
        "z2": float(z2[0, 0]),
        "y_hat": float(0.5 * (1 + np.tanh(0.5 * z2[0, 0]))),
        "loss": loss,
        "delta2": float(delta2[0, 0]),
        "delta1": float(delta1[0, 0]),
        "grad_w1": tuple(float(v) for v in first.weight.grad[0]),
        "grad_b1": float(first.bias.grad[0]),
        "grad_w2": float(second.weight.grad[0, 0]),
        "grad_b2": float(second.bias.grad[0]),
    }
    SGD(model.parameters(), lr=lr).step()
    out |= {
        "new_w1": tuple(float(v) for v in first.weight.data[0]),
        "new_b1": float(first.bias.data[0]),
        "new_w2": float(second.weight.data[0, 0]),
        "new_b2": float(second.bias.data[0]),
        "new_loss": loss_fn(model(xb), yb),
    }
    return out


def finite_difference_errors(
    epsilons: list[float], *, n_in: int = 5, n_out: int = 8, seed: int = 0
) -> dict[str, list[float]]:
    """Relative error of central differences for each step size, in float32 and float64.

    The function is ``L(W) = sum(tanh(W x) * r)`` for a random ``W`` of shape
    ``(n_out, n_in)``, input ``x`` and weights ``r``. For each ``eps`` every
    entry of ``W`` gets the estimate ``(L(W + eps e_i) - L(W - eps e_i)) / 2 eps``,
    computed in the given precision; the error is the largest deviation from
    autograd's gradient (in the same precision), divided by the largest entry
    of that gradient. Truncation makes it grow like ``eps**2`` for large steps,
    rounding like ``u / eps`` (``u`` the unit roundoff) for small ones.

    Parameters
    ----------
    epsilons : list of float
        Step sizes, each > 0.
    n_in, n_out : int, default 5 and 8
        Shape of ``W``.
    seed : int, default 0
        Seed of ``W``, ``x`` and ``r`` (drawn in float64, then rounded).

    Returns
    -------
    dict of str to list of float
        ``{"float32": [...], "float64": [...]}``, one error per step size.

    Examples
    --------
    >>> errors = finite_difference_errors([1e-2, 1e-6])
    >>> errors["float64"][1] < 1e-8 < errors["float32"][1]
    True
    """
    steps = [
        check_float(f"epsilons[{i}]", e, minimum=0.0, strict_minimum=True)
        for i, e in enumerate(check_sequence("epsilons", epsilons))
    ]
    if not steps:
        raise ValueError("epsilons must hold at least one step size, got an empty sequence")
    n_in, n_out = check_int("n_in", n_in, minimum=1), check_int("n_out", n_out, minimum=1)
    gen = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    weight = torch.randn(n_out, n_in, generator=gen, dtype=torch.float64)
    x = torch.randn(n_in, generator=gen, dtype=torch.float64)
    r = torch.randn(n_out, generator=gen, dtype=torch.float64)
    result: dict[str, list[float]] = {}
    for name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
        w, xd, rd = weight.to(dtype), x.to(dtype), r.to(dtype)

        def loss(w: torch.Tensor, xd: torch.Tensor = xd, rd: torch.Tensor = rd) -> torch.Tensor:
            return (torch.tanh(w @ xd) * rd).sum()

        leaf = w.clone().requires_grad_(True)
        loss(leaf).backward()
        assert leaf.grad is not None
        exact = leaf.grad
        errors = []
        for eps in steps:
            numeric = torch.zeros_like(w)
            for i in range(w.numel()):
                step = torch.zeros(w.numel(), dtype=dtype)
                step[i] = eps
                step = step.view_as(w)
                with torch.no_grad():
                    numeric.view(-1)[i] = (loss(w + step) - loss(w - step)) / (2 * eps)
            errors.append(float((numeric - exact).abs().max() / exact.abs().max()))
        result[name] = errors
    return result
