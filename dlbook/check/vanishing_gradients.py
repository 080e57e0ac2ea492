"""Checkable exercises of the chapter on vanishing gradients."""

from __future__ import annotations

import math

import torch

from ..diagnostics import clip_grad_norm_, sigmoid_derivative_bound
from ._core import register

__all__: list[str] = []


@register(
    "vanishing-gradients.depth-below-one-millionth",
    by_hand=True,
    hint="Find the smallest M with 0.25 ** M < 1e-6; dl.diagnostics.sigmoid_derivative_bound(M) "
    "computes 0.25 ** M.",
)
def _depth_below_one_millionth() -> int:
    depth = 0
    while sigmoid_derivative_bound(depth) >= 1e-6:
        depth += 1
    return depth


def _tanh_derivative(z: torch.Tensor) -> torch.Tensor:
    return 4 * torch.sigmoid(2 * z) * (1 - torch.sigmoid(2 * z))


@register(
    "vanishing-gradients.tanh-derivative",
    kind="function",
    hint="tanh'(z) = 1 - tanh(z)**2; it is 1 at z = 0 and tends to 0 as |z| grows.",
    inputs=lambda: [(torch.linspace(-5, 5, 21),), (torch.tensor([0.0, 10.0, -0.5]),)],
)
def _tanh_derivative_reference(z: torch.Tensor) -> torch.Tensor:
    return _tanh_derivative(z)


@register(
    "vanishing-gradients.relu-default-variance-factor",
    kind="close",
    by_hand=True,
    hint="PyTorch's default draws W from U(-a, a) with a = 1/sqrt(fan_in), whose variance is "
    "a**2 / 3; a ReLU keeps half of the second moment.",
)
def _relu_default_variance_factor() -> float:
    # PyTorch's default is kaiming_uniform_ with a = sqrt(5): Var(W) = gain**2 / fan_in
    gain = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    return gain**2 / 2


def _clip_reference(g: torch.Tensor, max_norm: float) -> torch.Tensor:
    parameter = torch.zeros_like(g, requires_grad=True)
    parameter.grad = g.clone()
    clip_grad_norm_([parameter], max_norm)
    return parameter.grad


@register(
    "vanishing-gradients.clip",
    kind="function",
    hint="If ||g|| > max_norm, return g * max_norm / ||g||; otherwise return g unchanged.",
    inputs=lambda: [
        (torch.tensor([3.0, 4.0]), 1.0),
        (torch.tensor([0.3, -0.4]), 1.0),
        (torch.tensor([[10.0, 0.0], [0.0, -10.0]]), 2.0),
    ],
    rtol=1e-4,
    atol=1e-5,
)
def _clip(g: torch.Tensor, max_norm: float) -> torch.Tensor:
    return _clip_reference(g, max_norm)
