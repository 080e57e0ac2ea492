"""Checkable exercises of the chapter on universal approximation."""

from __future__ import annotations

import torch

from ..demos.approximation import relu_interpolant, sawtooth_network
from ..diagnostics import count_linear_pieces
from ._core import register

__all__: list[str] = []


@register(
    "universal-approximation.sawtooth-pieces",
    by_hand=True,
    hint="Each tent map doubles the number of linear pieces; one tent has two.",
)
def _sawtooth_pieces() -> int:
    return count_linear_pieces(sawtooth_network(6))


@register(
    "universal-approximation.interpolant-units",
    by_hand=True,
    hint="One hidden unit starts at every knot except the last.",
)
def _interpolant_units() -> int:
    knots = torch.linspace(0.0, 1.0, 11, dtype=torch.float64)
    first: torch.nn.Linear = relu_interpolant(knots, torch.sin(knots))[0]  # type: ignore[assignment]
    return first.out_features


def _hat(x: torch.Tensor) -> torch.Tensor:
    return torch.relu(x + 1) - 2 * torch.relu(x) + torch.relu(x - 1)


@register(
    "universal-approximation.hat",
    kind="function",
    hint="Start with relu(x + 1); subtract twice relu(x) to turn down at 0; add relu(x - 1).",
    inputs=lambda: [(torch.linspace(-3.0, 3.0, 61, dtype=torch.float64),)],
)
def _hat_reference(x: torch.Tensor) -> torch.Tensor:
    net = relu_interpolant([-1.0, 0.0, 1.0, 2.0], [0.0, 1.0, 0.0, 0.0])
    out = net(x.reshape(-1, 1)).reshape(x.shape).detach()
    assert torch.allclose(out, _hat(x))  # the built network is the hat function
    return out


@register(
    "universal-approximation.minimum-width",
    by_hand=True,
    hint="The width theorem for ReLU networks asks for max(n + 1, m) units per layer.",
)
def _minimum_width() -> int:
    n_inputs, n_outputs = 3, 2
    return max(n_inputs + 1, n_outputs)
