"""Checkable exercises of the chapter on multilayer perceptrons."""

from __future__ import annotations

import torch

from ..demos.logic import xor_network
from ..demos.regions import max_regions
from ..models import (
    collapse_linear,
    count_parameters,
    hidden_activations,
    mlp,
    mlp_from_parameters,
)
from ._core import register

__all__: list[str] = []

#: The four inputs of a Boolean function of two variables, shape (4, 2).
_CORNERS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))

#: The hand-set 1-3-1 ReLU network of the exercise on kinks: (weight, bias) per layer.
KINK_NETWORK = (
    ([[1.0], [-2.0], [0.5]], [1.0, 2.0, -1.0]),
    ([[1.0, 1.0, -3.0]], [0.0]),
)


@register(
    "mlp.parameter-count",
    by_hand=True,
    hint="Each Linear(n_in, n_out) layer holds n_in * n_out weights and n_out biases.",
)
def _parameter_count() -> int:
    return count_parameters(mlp([784, 256, 256, 10]))


@register(
    "mlp.linear-stack-shape",
    kind="shape",
    by_hand=True,
    hint="The collapsed weight is the product W_3 W_2 W_1; its shape is (outputs, inputs).",
)
def _linear_stack_shape() -> torch.Size:
    return collapse_linear(mlp([3, 5, 4, 2], activation="identity", seed=0)).weight.shape


@register(
    "mlp.xnor-network",
    kind="function",
    inputs=lambda: [(torch.tensor(_CORNERS),)],
    hint=(
        "XNOR is 1 - XOR. Keep the hidden layer of dl.demos.logic.xor_network() and change "
        "only the output layer: negate its weights and set its bias to 1."
    ),
)
def _xnor_network(X: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return 1.0 - xor_network()(X)  # (4, 1)


@register(
    "mlp.kinks",
    kind="close",
    by_hand=True,
    hint="Unit j is relu(w_j x + b_j); its slope changes where w_j x + b_j = 0, at x = -b_j / w_j.",
)
def _kinks() -> torch.Tensor:
    first = mlp_from_parameters(KINK_NETWORK)[0]  # Linear(1, 3)
    assert isinstance(first, torch.nn.Linear)
    kinks = -first.bias.detach() / first.weight.detach()[:, 0]  # (3,)
    return torch.sort(kinks).values


@register(
    "mlp.hidden-shape",
    kind="shape",
    by_hand=True,
    hint="Activations have one row per example in the batch and one column per unit of the layer.",
)
def _hidden_shape() -> torch.Size:
    model = mlp([784, 512, 128, 10], seed=0)
    return hidden_activations(model, torch.zeros(64, 784))[1].shape  # h^2: (64, 128)


def _random_relu_inputs() -> list[tuple[torch.Tensor, ...]]:
    generator = torch.Generator().manual_seed(4)
    cases: list[tuple[torch.Tensor, ...]] = []
    for _ in range(8):
        x = torch.randn(2, generator=generator) * 2  # (2,)
        W1, b1 = torch.randn(2, 2, generator=generator), torch.randn(2, generator=generator)
        W2, b2 = torch.randn(2, 2, generator=generator), torch.randn(2, generator=generator)
        W3, b3 = torch.randn(1, 2, generator=generator), torch.randn(1, generator=generator)
        cases.append((x, W1, b1, W2, b2, W3, b3))
    return cases


@register(
    "mlp.two-hidden-relu",
    kind="function",
    inputs=_random_relu_inputs,
    hint=(
        "Work from the inside out: z1 = W1 x + b1, h1 = relu(z1), z2 = W2 h1 + b2, "
        "h2 = relu(z2), y = W3 h2 + b3. Return the single number y[0]."
    ),
    atol=1e-5,
)
def _two_hidden_relu(
    x: torch.Tensor,
    W1: torch.Tensor,
    b1: torch.Tensor,
    W2: torch.Tensor,
    b2: torch.Tensor,
    W3: torch.Tensor,
    b3: torch.Tensor,
) -> torch.Tensor:
    net = mlp_from_parameters([(W1, b1), (W2, b2), (W3, b3)], activation="relu")
    with torch.no_grad():
        return net(x.unsqueeze(0))[0, 0]  # a scalar tensor


@register(
    "mlp.max-regions",
    by_hand=True,
    hint="Add the lines one at a time: the m-th line crosses the m - 1 earlier ones at most "
    "once each, so it is cut into at most m pieces, and each piece splits one region in two.",
)
def _max_regions() -> int:
    return max_regions(4, n_inputs=2)
