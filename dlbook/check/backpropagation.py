"""Checkable exercises of the chapter on backpropagation."""

from __future__ import annotations

import numpy as np
import torch

from ..demos.backprop import two_one_one_step
from ..scratch import Linear, Sigmoid
from ._core import register

__all__: list[str] = []


@register(
    "backpropagation.weight-grad-shape",
    kind="shape",
    by_hand=True,
    hint="dL/dW has the shape of W, which is (out_features, in_features).",
)
def _weight_grad_shape() -> tuple[int, ...]:
    layer = Linear(784, 256, seed=0)
    layer(np.zeros((64, 784)))
    layer.backward(np.ones((64, 256)))
    return layer.weight.grad.shape


@register(
    "backpropagation.sigmoid-derivative",
    kind="function",
    hint="sigma'(z) = sigma(z) (1 - sigma(z)).",
    inputs=lambda: [(torch.linspace(-6.0, 6.0, 49, dtype=torch.float64),)],
)
def _sigmoid_derivative(z: torch.Tensor) -> torch.Tensor:
    act = Sigmoid()
    act(z.numpy()[None, :])
    return torch.from_numpy(act.backward(np.ones((1, len(z))))[0])


@register(
    "backpropagation.linear-weight-grad",
    kind="function",
    hint="For a batch, dL/dW = delta^T X: (out, n) times (n, in).",
    inputs=lambda: [
        (
            torch.arange(6.0, dtype=torch.float64).reshape(2, 3),
            torch.linspace(-1.0, 1.0, 8, dtype=torch.float64).reshape(2, 4),
        ),
    ],
)
def _linear_weight_grad(delta: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    layer = Linear(X.shape[1], delta.shape[1], seed=0)
    layer(X.numpy())
    layer.backward(delta.numpy())
    return torch.from_numpy(layer.weight.grad)


@register(
    "backpropagation.worked-step",
    kind="close",
    by_hand=True,
    hint="Redo the chapter's steps with y = 0: delta2 = y_hat - 0 is now positive.",
)
def _worked_step() -> float:
    out = two_one_one_step((0.5, 1.0), 0.0, w1=(0.2, -0.4), b1=0.1, w2=0.6, b2=-0.3, lr=0.5)
    return out["new_w2"]
