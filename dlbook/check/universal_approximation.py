"""Checkable exercises of the chapter on universal approximation."""

from __future__ import annotations

import torch

from ..demos.approximation import relu_interpolant, sawtooth, sawtooth_network
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


def _generator() -> torch.Generator:
    return torch.Generator().manual_seed(0)


def _hat(x: torch.Tensor) -> torch.Tensor:
    return torch.relu(x + 1) - 2 * torch.relu(x) + torch.relu(x - 1)


@register(
    "universal-approximation.hat",
    kind="function",
    hint="Start with relu(x + 1); subtract twice relu(x) to turn down at 0; add relu(x - 1).",
    inputs=lambda: [
        (torch.linspace(-3.0, 3.0, 61, dtype=torch.float64),),
        (torch.linspace(-1000.0, 1000.0, 2001, dtype=torch.float64),),  # far out on both sides
        (torch.empty(200, dtype=torch.float64).uniform_(-5.0, 5.0, generator=_generator()),),
    ],
)
def _hat_reference(x: torch.Tensor) -> torch.Tensor:
    net = relu_interpolant([-1.0, 0.0, 1.0, 2.0], [0.0, 1.0, 0.0, 0.0])  # flat beyond both ends
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


@register(
    "universal-approximation.yarotsky-error",
    kind="close",
    by_hand=True,
    hint="F_M interpolates x^2 at spacing 2^-M; with f'' = 2 the interpolation error is h^2 / 4.",
)
def _yarotsky_error() -> float:
    x = torch.linspace(0.0, 1.0, 4097, dtype=torch.float64)
    approx = x - sum(sawtooth(x, s) / 4**s for s in range(1, 4))
    return float((approx - x**2).abs().max())
