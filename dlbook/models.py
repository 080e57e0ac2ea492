"""Model builders and tools to look inside them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ._validation import as_tensor, check_choice, check_int, describe

__all__ = ["ACTIVATIONS", "mlp", "hidden_activations", "count_parameters"]

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
    generator_state = None
    if seed is not None:
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(check_int("seed", seed, minimum=0))
    try:
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(nn.Linear(n_in, n_out, bias=bias))
            if i < len(widths) - 2:
                layers.append(ACTIVATIONS[activation]())
    finally:
        if generator_state is not None:
            torch.random.set_rng_state(generator_state)
    return nn.Sequential(*layers)


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
