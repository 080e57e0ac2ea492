"""Checkable exercises of the chapter on the supervised learning setup."""

from __future__ import annotations

import torch

from ..data import noisy_line, train_test_split
from ..linear import gradient_descent_step, max_stable_lr
from ._core import register

__all__: list[str] = []


@register(
    "supervised-learning.test-size",
    by_hand=True,
    hint="The test side gets test_size * n_samples rows, rounded up; count them with len().",
)
def _test_size() -> int:
    _, test = train_test_split(torch.arange(50), test_size=0.3, seed=0)
    return len(test)


@register(
    "supervised-learning.cross-entropy",
    kind="close",
    by_hand=True,
    hint="Cross-entropy is minus the natural logarithm of the probability of the correct class.",
)
def _cross_entropy() -> float:
    probabilities = torch.tensor([[0.7, 0.2, 0.1]], dtype=torch.float64)
    correct = torch.tensor([1])
    return float(torch.nn.functional.nll_loss(probabilities.log(), correct))


def _gd_inputs() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]]:
    generator = torch.Generator().manual_seed(0)
    cases = []
    for n, d, lr in [(5, 2, 0.1), (8, 3, 0.05), (1, 1, 0.5)]:
        X = torch.randn(n, d, generator=generator, dtype=torch.float64)
        y = torch.randn(n, generator=generator, dtype=torch.float64)
        w = torch.randn(d, generator=generator, dtype=torch.float64)
        cases.append((X, y, w, lr))
    return cases


@register(
    "supervised-learning.gd-step",
    kind="function",
    inputs=_gd_inputs,
    hint="The gradient of (1/n) * sum((X @ w - y) ** 2) is (2/n) * X.T @ (X @ w - y); "
    "step against it: w - lr * gradient.",
)
def _gd_step(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, lr: float) -> torch.Tensor:
    return gradient_descent_step(X, y, w, lr)


@register(
    "supervised-learning.stable-lr",
    kind="close",
    hint="Build the design matrix [1, x], take the largest eigenvalue lam of (2/n) X^T X "
    "(torch.linalg.eigvalsh) and return 2 / lam.",
)
def _stable_lr() -> float:
    x, _ = noisy_line(50, seed=0)
    X = torch.stack([torch.ones_like(x), x], dim=1)  # (50, 2)
    return max_stable_lr(X)
