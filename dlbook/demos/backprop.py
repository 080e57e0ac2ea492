"""Backpropagation by hand on the smallest network that has a hidden layer.

:func:`two_one_one_step` runs one SGD step of the 2-1-1 sigmoid network of the
chapter on backpropagation with the layers of :mod:`dlbook.scratch`, and
reports every intermediate value the chapter derives on paper.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_float, describe
from ..scratch import SGD, BCEWithLogitsLoss, Linear, Sequential, Sigmoid

__all__ = ["two_one_one_step"]


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
