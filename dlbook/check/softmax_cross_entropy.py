"""Checkable exercises of the chapter on softmax and cross-entropy."""

from __future__ import annotations

import numpy as np
import torch

from ..functional import cross_entropy, log_softmax, softmax
from ._core import register

__all__: list[str] = []


@register(
    "softmax-cross-entropy.probabilities",
    kind="close",
    by_hand=True,
    hint="Exponentiate each logit, add them up, divide each by the sum.",
)
def _probabilities() -> np.ndarray:
    return softmax(np.array([2.0, 1.0, 0.1]))


@register(
    "softmax-cross-entropy.uniform-loss",
    kind="close",
    by_hand=True,
    hint="A uniform guess gives the right class probability 1/K.",
)
def _uniform_loss() -> float:
    return float(cross_entropy(np.zeros((1, 10)), np.array([3])))


@register(
    "softmax-cross-entropy.logit-gradient",
    kind="close",
    by_hand=True,
    hint="The gradient is p - y, with y the one-hot label.",
)
def _logit_gradient() -> np.ndarray:
    z = torch.tensor([[2.0, 1.0, 0.1]], dtype=torch.float64, requires_grad=True)
    cross_entropy(z, torch.tensor([1])).backward()
    assert z.grad is not None
    return z.grad[0].numpy()


@register(
    "softmax-cross-entropy.stable-log-softmax",
    kind="function",
    hint="Subtract the largest logit first; then log-softmax is z - m - log(sum(exp(z - m))).",
    inputs=lambda: [
        (np.array([1.0, 2.0, 3.0]),),
        (np.array([1000.0, 0.0, -1000.0]),),
        (np.array([-1e4, -1e4 + 1.0]),),
    ],
)
def _stable_log_softmax(z: np.ndarray) -> np.ndarray:
    return log_softmax(z)
