"""Model builders and tools to look inside them."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from ._validation import as_tensor, check_choice, check_int, describe
from .seeding import seeded

__all__ = [
    "ACTIVATIONS",
    "collapse_linear",
    "count_parameters",
    "hidden_activations",
    "mlp",
    "mlp_from_parameters",
    "xor_network",
]

#: Activation modules by name, as accepted by :func:`mlp`.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "identity": nn.Identity,
}


def mlp(
    sizes: Sequence[int],
    *,
    activation: str = "relu",
    bias: bool = True,
    seed: int | None = None,
) -> nn.Sequential:
    """Build a multilayer perceptron ``Linear -> activation -> ... -> Linear``.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``(2, 20, 20, 20, 2)`` for two
        inputs, three hidden layers of 20 units and two outputs (logits).
    activation : str, default "relu"
        One of the keys of :data:`ACTIVATIONS`; applied after every hidden layer
        and not after the last one.
    bias : bool, default True
        Whether the linear layers have biases.
    seed : int, optional
        Seed for the initial weights (PyTorch's default initialisation); without
        it the global generator is used.

    Returns
    -------
    torch.nn.Sequential
        Layers alternate ``Linear`` and activation modules; the last is ``Linear``.

    Examples
    --------
    >>> model = mlp([2, 20, 20, 20, 2], seed=0)
    >>> model(torch.zeros(5, 2)).shape
    torch.Size([5, 2])
    >>> count_parameters(mlp([784, 256, 256, 10]))
    269322
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of layer widths, got {describe(sizes)}")
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")
    widths = [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
    check_choice("activation", activation, ACTIVATIONS)
    with seeded(seed):
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
            layers.append(nn.Linear(n_in, n_out, bias=bias))
            if i < len(widths) - 2:
                layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def mlp_from_parameters(
    parameters: Sequence[tuple[Any, Any]],
    *,
    activation: str = "relu",
) -> nn.Sequential:
    """Build an MLP whose weights and biases are given, e.g. chosen by hand.

    The result has the same layout as :func:`mlp` (``Linear -> activation ->
    ... -> Linear``), so every tool that works on :func:`mlp` models works on it.

    Parameters
    ----------
    parameters : sequence of (weight, bias) pairs
        One pair per linear layer, from input to output. ``weight`` is a tensor
        or array of shape ``(out_features, in_features)``, as in
        ``torch.nn.Linear``; ``bias`` has shape ``(out_features,)`` or is
        ``None`` for a layer without bias (then every layer must have none).
        Widths must chain: each layer's ``in_features`` is the previous
        layer's ``out_features``.
    activation : str, default "relu"
        One of the keys of :data:`ACTIVATIONS`, applied after every layer but
        the last.

    Returns
    -------
    torch.nn.Sequential
        Float32 parameters on the CPU, with gradients enabled.

    Examples
    --------
    >>> net = mlp_from_parameters([([[1.0], [-1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [0.0])])
    >>> net(torch.tensor([[-2.0], [3.0]]))  # relu(x) + relu(-x) = |x|
    tensor([[2.],
            [3.]], grad_fn=<AddmmBackward0>)
    """
    if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence):
        raise TypeError(
            f"parameters must be a sequence of (weight, bias) pairs, got {describe(parameters)}"
        )
    if len(parameters) == 0:
        raise ValueError("parameters must hold at least one (weight, bias) pair, got none")
    check_choice("activation", activation, ACTIVATIONS)
    layers: list[nn.Module] = []
    has_bias: bool | None = None
    previous_out: int | None = None
    for i, pair in enumerate(parameters):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"parameters[{i}] must be a (weight, bias) pair, got {describe(pair)}")
        weight = as_tensor(f"parameters[{i}] weight", pair[0], ndim=2, dtype=torch.float32)
        n_out, n_in = weight.shape
        if n_out == 0 or n_in == 0:
            raise ValueError(
                f"parameters[{i}] weight must have non-empty shape (out, in), "
                f"got {tuple(weight.shape)}"
            )
        if previous_out is not None and n_in != previous_out:
            raise ValueError(
                f"parameters[{i}] weight must have {previous_out} columns to follow a layer "
                f"with {previous_out} outputs, got shape {tuple(weight.shape)}"
            )
        bias = None
        if pair[1] is not None:
            bias = as_tensor(f"parameters[{i}] bias", pair[1], ndim=1, dtype=torch.float32)
            if bias.shape[0] != n_out:
                raise ValueError(
                    f"parameters[{i}] bias must have shape ({n_out},) to match the weight, "
                    f"got {tuple(bias.shape)}"
                )
        if has_bias is None:
            has_bias = bias is not None
        elif has_bias != (bias is not None):
            raise ValueError("parameters must give a bias for every layer or for none")
        linear = nn.Linear(n_in, n_out, bias=bias is not None)
        with torch.no_grad():
            linear.weight.copy_(weight.detach().cpu())
            if bias is not None:
                linear.bias.copy_(bias.detach().cpu())
        layers.append(linear)
        if i < len(parameters) - 1:
            layers.append(ACTIVATIONS[activation]())
        previous_out = n_out
    return nn.Sequential(*layers)


def collapse_linear(layers: nn.Sequential | nn.Linear | Sequence[nn.Module]) -> nn.Linear:
    """Merge a stack of linear layers (no nonlinearity between them) into one.

    For two layers ``x -> W1 x + b1 -> W2 (W1 x + b1) + b2`` the single
    equivalent layer has weight ``W2 @ W1`` and bias ``W2 @ b1 + b2``; longer
    stacks are merged pairwise from the input side.

    Parameters
    ----------
    layers : sequence of torch.nn.Module
        ``torch.nn.Linear`` layers, optionally separated by ``torch.nn.Identity``
        (so an ``mlp(..., activation="identity")`` qualifies). A nonlinear
        module is rejected: the stack would not collapse.

    Returns
    -------
    torch.nn.Linear
        A new layer (its own parameters, on the device of the inputs) that
        computes the same function; it has a bias if any input layer has one.

    Examples
    --------
    >>> stack = mlp([3, 5, 2], activation="identity", seed=0)
    >>> single = collapse_linear(stack)
    >>> single.weight.shape
    torch.Size([2, 3])
    >>> x = torch.randn(4, 3)
    >>> torch.allclose(single(x), stack(x), atol=1e-6)
    True
    """
    if isinstance(layers, nn.Linear):
        layers = [layers]
    if isinstance(layers, (str, bytes)) or not isinstance(layers, (Sequence, nn.Sequential)):
        raise TypeError(f"layers must be a sequence of torch.nn.Linear, got {describe(layers)}")
    linears: list[nn.Linear] = []
    for i, layer in enumerate(layers):
        if isinstance(layer, nn.Identity):
            continue
        if not isinstance(layer, nn.Linear):
            raise TypeError(
                f"layers[{i}] must be torch.nn.Linear or torch.nn.Identity, got "
                f"{type(layer).__name__}: a nonlinear layer does not collapse"
            )
        linears.append(layer)
    if not linears:
        raise ValueError("layers must contain at least one torch.nn.Linear, got none")
    first = linears[0]
    weight = first.weight.detach().clone()  # (D_1, D_0)
    bias = None if first.bias is None else first.bias.detach().clone()  # (D_1,)
    for i, layer in enumerate(linears[1:], start=1):
        if layer.in_features != weight.shape[0]:
            raise ValueError(
                f"linear layer {i} expects {layer.in_features} inputs but the layer before "
                f"it has {weight.shape[0]} outputs"
            )
        w = layer.weight.detach()  # (D_{l+1}, D_l)
        new_bias = None if bias is None else w @ bias  # W_l b  (D_{l+1},)
        if layer.bias is not None:
            new_bias = layer.bias.detach().clone() if new_bias is None else new_bias + layer.bias
        weight = w @ weight  # (D_{l+1}, D_0)
        bias = new_bias
    out_features, in_features = weight.shape
    single = nn.Linear(
        in_features, out_features, bias=bias is not None, device=weight.device, dtype=weight.dtype
    )
    with torch.no_grad():
        single.weight.copy_(weight)
        if bias is not None:
            single.bias.copy_(bias)
    return single


def xor_network() -> nn.Sequential:
    """A 2-2-1 ReLU network with hand-chosen weights that computes XOR on {0, 1}^2.

    The hidden units are ``h_1 = relu(x_1 + x_2)`` and
    ``h_2 = relu(x_1 + x_2 - 1)``; the output is ``h_1 - 2 h_2``, which is
    exactly 0, 1, 1, 0 on the inputs (0, 0), (0, 1), (1, 0), (1, 1).

    Returns
    -------
    torch.nn.Sequential
        ``Linear(2, 2) -> ReLU -> Linear(2, 1)``, as built by :func:`mlp_from_parameters`.

    Examples
    --------
    >>> net = xor_network()
    >>> X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> net(X).squeeze(1).tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    W1 = [[1.0, 1.0], [1.0, 1.0]]
    b1 = [0.0, -1.0]
    W2 = [[1.0, -2.0]]
    b2 = [0.0]
    return mlp_from_parameters([(W1, b1), (W2, b2)], activation="relu")


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Count the scalar parameters of a model.

    Parameters
    ----------
    model : torch.nn.Module
    trainable_only : bool, default True
        Count only parameters with ``requires_grad``.

    Returns
    -------
    int

    Examples
    --------
    >>> count_parameters(torch.nn.Linear(784, 256))  # 784 * 256 weights + 256 biases
    200960
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def hidden_activations(model: nn.Sequential, X: torch.Tensor) -> list[torch.Tensor]:
    """Return the post-activations ``h^1, h^2, ...`` of every hidden layer of an MLP.

    The outputs of the activation modules of a :func:`mlp` model are recorded
    during one forward pass, in evaluation mode and without gradients.

    Parameters
    ----------
    model : torch.nn.Sequential
        A model built by :func:`mlp` (or any ``Sequential`` whose hidden layers
        end in one of the modules of :data:`ACTIVATIONS`).
    X : Tensor of shape (n_samples, n_features)

    Returns
    -------
    list of Tensor
        One tensor of shape ``(n_samples, width_l)`` per hidden layer, on the CPU.

    Examples
    --------
    >>> model = mlp([2, 5, 3, 1], seed=0)
    >>> [h.shape for h in hidden_activations(model, torch.zeros(4, 2))]
    [torch.Size([4, 5]), torch.Size([4, 3])]
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be a torch.nn.Sequential, got {describe(model)}")
    X = as_tensor("X", X, ndim=2, dtype=torch.float32)
    kinds = tuple(type(factory()) for factory in ACTIVATIONS.values())
    outputs: list[torch.Tensor] = []
    hooks = [
        module.register_forward_hook(lambda _m, _i, out: outputs.append(out.detach().cpu()))
        for module in model
        if isinstance(module, kinds)
    ]
    was_training = model.training
    try:
        model.eval()
        first = next(iter(model.parameters()), None)
        device = first.device if first is not None else X.device
        with torch.no_grad():
            model(X.to(device))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return outputs
