"""Checkable exercises of the chapter on the perceptron."""

from __future__ import annotations

import torch

from ..data import binary_inputs
from ..demos.logic import find_threshold
from ..demos.separability import novikoff_bound, separable_boolean_functions
from ..linear import Perceptron, perceptron_predict
from ._core import register

__all__: list[str] = []


@register(
    "perceptron.majority-threshold",
    by_hand=True,
    hint="The unit fires when at least tau inputs are on; majority of three means "
    "more than half of them. Give the integer threshold.",
)
def _majority_threshold() -> int:
    inputs = binary_inputs(3)
    majority = (inputs.sum(dim=1) >= 2).long()
    tau = find_threshold(majority)
    assert tau is not None
    return tau


@register(
    "perceptron.perpendicular",
    by_hand=True,
    hint="Take two points p and q on the boundary and compute w . (p - q).",
)
def _perpendicular() -> bool:
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        w = torch.randn(2, generator=generator, dtype=torch.float64)
        b = float(torch.randn((), generator=generator, dtype=torch.float64))
        foot = -b * w / (w @ w)  # on the boundary
        along = torch.stack([-w[1], w[0]])  # any direction in the boundary
        p, q = foot + 2.0 * along, foot - 3.0 * along
        if abs(float((p - q) @ w)) > 1e-9 or abs(float(p @ w + b)) > 1e-9:
            return False
    return True


def _predict_inputs() -> list[tuple[torch.Tensor, torch.Tensor, float]]:
    generator = torch.Generator().manual_seed(1)
    return [
        (binary_inputs(2).float(), torch.tensor([1.0, 1.0]), -1.0),
        (binary_inputs(2).float(), torch.tensor([-1.0, 1.0]), 0.0),
        (torch.randn(10, 3, generator=generator), torch.tensor([0.5, -1.0, 2.0]), 0.3),
    ]


@register(
    "perceptron.predict",
    kind="function",
    inputs=_predict_inputs,
    hint="Compute z = X @ w + b, then (z > 0) as integers; a point exactly on the "
    "boundary (z = 0) belongs to class 0.",
)
def _predict(X: torch.Tensor, w: torch.Tensor, b: float) -> torch.Tensor:
    return perceptron_predict(X, w, b)


@register(
    "perceptron.and-updates",
    by_hand=True,
    hint="Start from w = (0, 0), b = 0 and visit (0,0), (0,1), (1,0), (1,1) in this order; "
    "count every example that is misclassified when it is visited, over all epochs.",
)
def _and_updates() -> int:
    X = binary_inputs(2)
    y = X[:, 0] & X[:, 1]
    return Perceptron(2, lr=1.0).fit(X, y).updates


@register(
    "perceptron.cube-corners",
    by_hand=True,
    hint="Evaluate w . x + b = x1 + x2 + x3 - 1.5 at each of the 8 corners and count the "
    "positive values.",
)
def _cube_corners() -> int:
    corners = binary_inputs(3).float()
    return int(perceptron_predict(corners, torch.ones(3), -1.5).sum())


@register(
    "perceptron.and-bound",
    kind="close",
    by_hand=True,
    hint="R^2 = 3. With u = (a, a, c), the margins are -c, -(a + c) twice and 2a + c; make "
    "the smallest one as large as possible subject to 2a^2 + c^2 = 1, then compute R^2 / gamma^2 "
    "with the square roots kept exact (rounding gamma on the way shifts the result).",
)
def _and_bound() -> float:
    X = binary_inputs(2)
    return novikoff_bound(X, X[:, 0] & X[:, 1])


@register(
    "perceptron.separable-three",
    hint="Run is_linearly_separable on every one of the 256 truth tables "
    "dl.data.binary_inputs(8) on the inputs dl.data.binary_inputs(3), and count.",
)
def _separable_three() -> int:
    return len(separable_boolean_functions(3))
