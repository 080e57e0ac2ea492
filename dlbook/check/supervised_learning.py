"""Checkable exercises of the chapter on the supervised learning setup."""

from __future__ import annotations

import torch

from ..data import noisy_line, train_test_split
from ..demos.descent import curvatures
from ..linear import gradient_descent_step, least_squares, max_stable_lr
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
    by_hand=True,
    hint="Build the design matrix [1, x], take the largest eigenvalue lam of (2/n) X^T X "
    "(torch.linalg.eigvalsh) and return 2 / lam.",
)
def _stable_lr() -> float:
    x, _ = noisy_line(50, seed=0)
    X = torch.stack([torch.ones_like(x), x], dim=1)  # (50, 2)
    return max_stable_lr(X)


@register(
    "supervised-learning.best-rate",
    kind="close",
    by_hand=True,
    hint="With eta* = 2 / (lam_min + lam_max) both extreme directions shrink by the same "
    "factor |1 - eta* lam|; write it with the condition number kappa = lam_max / lam_min.",
)
def _best_rate() -> float:
    X = torch.diag(torch.tensor([2.0, 0.5], dtype=torch.float64))  # Hessian diag(4, 0.25)
    return curvatures(X).best_rate


@register(
    "supervised-learning.zero-eigenvalues",
    by_hand=True,
    hint="An eigenvalue of (2/N) X^T X is zero for each independent direction v with X v = 0: "
    "look for a combination of the three columns that vanishes on every row.",
)
def _zero_eigenvalues() -> int:
    c = torch.linspace(-10.0, 30.0, 20, dtype=torch.float64)
    X = torch.stack([torch.ones_like(c), c, 1.8 * c + 32], dim=1)  # (20, 3)
    eigenvalues = torch.linalg.eigvalsh(2 / len(c) * X.T @ X)
    return int((eigenvalues.abs() < 1e-9 * eigenvalues.max()).sum())


def _ridge_inputs() -> list[tuple[torch.Tensor, torch.Tensor, float]]:
    generator = torch.Generator().manual_seed(1)
    cases = []
    for n, d, alpha in [(6, 2, 0.1), (10, 4, 0.01), (3, 5, 1.0)]:
        X = torch.randn(n, d, generator=generator, dtype=torch.float64)
        y = torch.randn(n, generator=generator, dtype=torch.float64)
        cases.append((X, y, alpha))
    return cases


@register(
    "supervised-learning.ridge",
    kind="function",
    inputs=_ridge_inputs,
    hint="Set the gradient (2/n) X^T (X theta - y) + alpha theta to zero: "
    "(X^T X + (n alpha / 2) I) theta = X^T y, with n the number of rows of X.",
)
def _ridge(X: torch.Tensor, y: torch.Tensor, alpha: float) -> torch.Tensor:
    n, d = X.shape
    # The same penalised problem as least squares on X with sqrt(n alpha / 2) I appended.
    X_aug = torch.cat([X, (n * alpha / 2) ** 0.5 * torch.eye(d, dtype=X.dtype)])
    y_aug = torch.cat([y, torch.zeros(d, dtype=y.dtype)])
    return least_squares(X_aug, y_aug)
