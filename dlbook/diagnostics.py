"""Looking inside a network: per-layer gradient norms, clipping, linear pieces.

:func:`gradient_norms` measures how large the gradient of the loss is at each
layer of a model on one batch (the chapter on vanishing gradients runs it
across many deep MLPs: :mod:`dlbook.demos.gradients`). :func:`clip_grad_norm_`
is gradient clipping written out, the same computation that
``dlbook.training.train(..., clip_grad_norm=c)`` applies through PyTorch.
:func:`sigmoid_derivative_bound` bounds what sigmoid layers do to a gradient,
and :func:`count_linear_pieces` counts the linear pieces of a ReLU network of
one input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ._validation import (
    as_features,
    call_model,
    check_float,
    check_int,
    check_model,
    check_same_length,
    describe,
)
from .devices import module_device, module_dtype
from .training import Loss, LossFn, get_loss

__all__ = [
    "clip_grad_norm_",
    "count_linear_pieces",
    "gradient_norms",
    "sigmoid_derivative_bound",
]


def _weighted_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d))
    ]


def gradient_norms(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    loss: str | LossFn | Loss = "cross_entropy",
) -> dict[str, float]:
    """Euclidean norm of the loss gradient with respect to each layer's weights, on one batch.

    Only the weight matrices (and kernels) of linear and convolutional
    layers are reported, in the order the model registers them, which for
    the builders of dlbook is from input to output. The gradients are
    computed with ``torch.autograd.grad``, so the ``.grad`` fields of the
    model are left untouched, and the model's train/eval mode is kept.

    Parameters
    ----------
    model : torch.nn.Module
    X : Tensor of shape (batch, ...)
        Moved to the model's device.
    y : Tensor of shape (batch,) or (batch, n_outputs)
    loss : {"cross_entropy", "mse", "bce_with_logits"} or callable, default "cross_entropy"
        As in :func:`dlbook.training.train`.

    Returns
    -------
    dict of str to float
        ``{layer name: ||dL/dW||}``, e.g. ``{"0": ..., "2": ...}`` for a
        ``Sequential``.

    Examples
    --------
    >>> from dlbook.models import mlp
    >>> model = mlp([2, 8, 8, 2], seed=0)
    >>> norms = gradient_norms(model, torch.randn(16, 2), torch.randint(2, (16,)))
    >>> list(norms)
    ['0', '2', '4']
    """
    model = check_model("model", model)
    loss_ = get_loss(loss)
    X = as_features("X", X, ndim=None, dtype=module_dtype(model))
    targets, largest = loss_.prepare_targets(y, dtype=module_dtype(model))
    check_same_length("X", X, "y", targets)
    if len(X) == 0:
        raise ValueError("X must contain at least one sample, got 0")
    layers = _weighted_layers(model)
    if not layers:
        raise ValueError("model has no linear or convolutional layer to measure")
    device = module_device(model)
    outputs = call_model(model, X.to(device))
    value = loss_.fn(outputs, loss_.align(outputs, targets.to(device), largest_label=largest))
    weights = [module.weight for _, module in layers if isinstance(module.weight, torch.Tensor)]
    grads = torch.autograd.grad(value, weights, allow_unused=True)
    return {
        name: 0.0 if grad is None else float(grad.norm())
        for (name, _), grad in zip(layers, grads, strict=True)
    }


def sigmoid_derivative_bound(depth: int) -> float:
    """Upper bound ``0.25 ** depth`` on the product of ``depth`` sigmoid derivatives.

    Since ``sigma'(z) = sigma(z) (1 - sigma(z)) <= 1/4`` for every ``z``, the
    activation factors a gradient picks up on its way back through ``depth``
    sigmoid layers multiply to at most ``0.25 ** depth``.

    Parameters
    ----------
    depth : int
        Number of sigmoid layers, at least 0.

    Returns
    -------
    float

    Examples
    --------
    >>> sigmoid_derivative_bound(5)
    0.0009765625
    """
    depth = check_int("depth", depth, minimum=0)
    return 0.25**depth


def _float64(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` in float64, on its device where the device has float64 (on the host for MPS)."""
    if tensor.device.type == "mps":
        return tensor.cpu().double()
    return tensor.double()


def clip_grad_norm_(parameters: Iterable[torch.Tensor], max_norm: float) -> float:
    """Rescale gradients in place so that their global norm is at most ``max_norm``.

    The global norm is ``sqrt(sum of squares of every gradient entry)``. When it
    exceeds ``max_norm`` every gradient is multiplied by ``max_norm / norm``,
    which shortens the step but keeps its direction. This is what
    ``torch.nn.utils.clip_grad_norm_`` does, written out.

    Parameters
    ----------
    parameters : iterable of Tensor
        Parameters whose ``.grad`` are clipped (those without one are skipped).
    max_norm : float
        Largest allowed global norm, > 0.

    Returns
    -------
    float
        The global norm *before* clipping (``inf`` or ``nan`` if a gradient was).

    Examples
    --------
    >>> w = torch.zeros(2, requires_grad=True)
    >>> w.grad = torch.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], 1.0)
    5.0
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    if isinstance(parameters, (str, bytes)) or not hasattr(parameters, "__iter__"):
        raise TypeError(f"parameters must be an iterable of tensors, got {describe(parameters)}")
    parameters = list(parameters)
    for i, p in enumerate(parameters):
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"parameters[{i}] must be a tensor, got {describe(p)}")
    max_norm = check_float("max_norm", max_norm, minimum=0.0, strict_minimum=True)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    # Summed in float64 for accuracy; MPS has no float64, so its gradients are summed on the host.
    squares = [(_float64(g.detach()) ** 2).sum() for g in grads]
    total = torch.sqrt(torch.stack([s.to(squares[0].device) for s in squares]).sum())
    scale = max_norm / (float(total) + 1e-6)
    if scale < 1.0:
        for g in grads:
            g.mul_(scale)
    return float(total)


def count_linear_pieces(
    f: Callable[[torch.Tensor], torch.Tensor] | nn.Module,
    *,
    lo: float = 0.0,
    hi: float = 1.0,
    resolution: int = 2**14 + 1,
    tol: float = 1e-6,
) -> int:
    """Count the linear pieces of a piecewise-linear function of one variable on [lo, hi].

    Evaluates ``f`` on a fine grid and counts the places where the slope
    changes by more than ``tol``.

    Parameters
    ----------
    f : callable or torch.nn.Module
        Maps a tensor of shape (n, 1) to shape (n, 1) (or (n,)).
    lo, hi : float, default 0 and 1
    resolution : int, default 16385
        Grid points; pieces shorter than the grid spacing are missed.
    tol : float, default 1e-6

    Returns
    -------
    int

    Examples
    --------
    >>> count_linear_pieces(lambda x: torch.relu(x - 0.5))  # flat, then a slope
    2
    """
    if not callable(f):
        raise TypeError(f"f must be a function or module, got {describe(f)}")
    resolution = check_int("resolution", resolution, minimum=3)
    lo, hi = check_float("lo", lo), check_float("hi", hi)
    tol = check_float("tol", tol, minimum=0.0)
    if not hi > lo:
        raise ValueError(f"hi must be greater than lo, got lo={lo}, hi={hi}")
    x = torch.linspace(lo, hi, resolution, dtype=torch.float64)[:, None]
    with torch.no_grad():
        y = f(x)
    if not isinstance(y, torch.Tensor) or y.numel() != resolution:
        raise TypeError(
            f"f must map a tensor of shape ({resolution}, 1) to one value per row, got "
            f"{describe(y)}"
        )
    y = y.reshape(-1).double()
    slope = torch.diff(y) / torch.diff(x.reshape(-1))
    changes = (torch.diff(slope).abs() > tol * max(1.0, float(slope.abs().max()))).int()
    # a kink inside one grid cell shows up as two consecutive slope changes
    kinks = int(((changes[1:] == 1) & (changes[:-1] == 0)).sum() + changes[0])
    return kinks + 1


if not TYPE_CHECKING:  # hidden from type checkers: a name that never existed stays an error

    def __getattr__(name: str) -> Any:
        """Name the new place of a function that moved out of this module."""
        from . import moved_attribute

        raise moved_attribute(__name__, name)
