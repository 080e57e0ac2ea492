"""Looking at gradients: per-layer norms, the vanishing-gradient experiment, clipping.

:func:`gradient_norms` measures how large the gradient of the loss is at each
layer of a model on one batch. :func:`vanishing_gradient_experiment` does so
for deep MLPs across depths, activations, initialisations, skip connections
and normalisation, which is the experiment of the chapter on vanishing
gradients. :func:`clip_grad_norm_` is gradient clipping written out, the same
computation that ``dlbook.training.train(..., clip_grad_norm=c)`` applies
through PyTorch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.axes import Axes
from torch import nn

from ._validation import (
    check_choice,
    check_float,
    check_int,
    describe,
)
from .architectures import INITIALIZATIONS, NORMALIZATIONS, deep_mlp
from .devices import module_device
from .models import ACTIVATIONS
from .training import LossFn, _prepare

__all__ = [
    "GradientProfile",
    "clip_grad_norm_",
    "gradient_norms",
    "plot_gradient_profiles",
    "sigmoid_derivative_bound",
    "vanishing_gradient_experiment",
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
    loss: str | LossFn = "cross_entropy",
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
    X, y, loss_fn, _ = _prepare(model, X, y, loss, x_ndim=None)
    layers = _weighted_layers(model)
    if not layers:
        raise ValueError("model has no linear or convolutional layer to measure")
    device = module_device(model)
    outputs = model(X.to(device))
    if loss == "bce_with_logits" and outputs.ndim == 2 and outputs.shape[1] == 1:
        outputs = outputs.squeeze(1)
    value = loss_fn(outputs, y.to(device))
    weights = [module.weight for _, module in layers if isinstance(module.weight, torch.Tensor)]
    grads = torch.autograd.grad(value, weights, allow_unused=True)
    return {
        name: 0.0 if grad is None else float(grad.norm())
        for (name, _), grad in zip(layers, grads, strict=True)
    }


@dataclass(frozen=True)
class GradientProfile:
    """Per-layer gradient norms of one deep MLP configuration at initialisation.

    Attributes
    ----------
    activation, init : str
    depth : int
        Hidden layers; ``norms`` has ``depth + 1`` entries.
    residual : bool
    norm : str or None
    norms : Tensor of shape (depth + 1,)
        ``||dL/dW_l||`` for the linear layers from input (index 0) to output.
    """

    activation: str
    init: str
    depth: int
    residual: bool
    norm: str | None
    norms: torch.Tensor

    @property
    def ratio(self) -> float:
        """First-layer norm divided by last-layer norm (below 1: vanishing; above 1: exploding)."""
        return float(self.norms[0] / self.norms[-1])

    @property
    def label(self) -> str:
        """A short description such as ``"sigmoid, xavier, residual"``."""
        parts = [self.activation, self.init]
        if self.residual:
            parts.append("residual")
        if self.norm is not None:
            parts.append(f"{self.norm} norm")
        return ", ".join(parts)


def _as_tuple(name: str, values: str | Iterable[str], choices: Iterable[str]) -> tuple[str, ...]:
    items = (values,) if isinstance(values, str) else tuple(values)
    if not items:
        raise ValueError(f"{name} must not be empty")
    options = tuple(choices)
    return tuple(check_choice(name, v, options) for v in items)


def vanishing_gradient_experiment(
    *,
    depths: int | Sequence[int] = (5, 10, 20),
    activations: str | Sequence[str] = ("sigmoid", "tanh", "relu"),
    inits: str | Sequence[str] = ("default", "xavier", "he"),
    residual: bool = False,
    norm: str | None = None,
    width: int = 32,
    n_samples: int = 256,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> list[GradientProfile]:
    """Measure per-layer gradient norms of freshly initialised deep MLPs.

    For every combination of depth, activation and initialisation a
    :func:`dlbook.architectures.deep_mlp` is built with the same seed and its
    :func:`gradient_norms` are taken on one batch of the two-class circles
    data (:func:`dlbook.data.circles`, standardised). Nothing is trained: the
    profile shows how the gradient signal is passed back through the layers
    at the start of training.

    Parameters
    ----------
    depths : int or sequence of int, default (5, 10, 20)
        Numbers of hidden layers.
    activations : str or sequence of str, default ("sigmoid", "tanh", "relu")
        Keys of :data:`dlbook.models.ACTIVATIONS`.
    inits : str or sequence of str, default ("default", "xavier", "he")
    residual : bool, default False
        Skip connections around the hidden blocks.
    norm : {"batch", "layer"}, optional
        Normalisation inside the hidden blocks.
    width : int, default 32
    n_samples : int, default 256
        Size of the batch.
    seed : int, default 0
        Seeds the data and every model's weights.
    device : torch.device or str, optional
        Where to compute (the CPU when ``None``).

    Returns
    -------
    list of GradientProfile
        In the order depth, then activation, then initialisation.

    Examples
    --------
    >>> profiles = vanishing_gradient_experiment(depths=10, activations="sigmoid", inits="default")
    >>> p = profiles[0]
    >>> p.norms.shape, p.ratio < 1e-3
    (torch.Size([11]), True)
    """
    from .data import circles

    depth_list = (depths,) if isinstance(depths, int) else tuple(depths)
    if not depth_list:
        raise ValueError("depths must not be empty")
    depth_list = tuple(check_int("depths", d, minimum=1) for d in depth_list)
    activation_list = _as_tuple("activations", activations, ACTIVATIONS)
    init_list = _as_tuple("inits", inits, INITIALIZATIONS)
    if norm is not None:
        check_choice("norm", norm, NORMALIZATIONS)
    seed = check_int("seed", seed, minimum=0)
    n_samples = check_int("n_samples", n_samples, minimum=2)
    X, y = circles(n_samples, seed=seed)
    X = (X - X.mean(0)) / X.std(0)  # (n_samples, 2), standardised
    profiles = []
    for depth in depth_list:
        for activation in activation_list:
            for init in init_list:
                model = deep_mlp(
                    2,
                    2,
                    width=width,
                    depth=depth,
                    activation=activation,
                    init=init,
                    residual=residual,
                    norm=norm,
                    seed=seed,
                )
                if device is not None:
                    model.to(device)
                norms = gradient_norms(model, X, y)
                profiles.append(
                    GradientProfile(
                        activation,
                        init,
                        depth,
                        bool(residual),
                        norm,
                        torch.tensor(list(norms.values())),
                    )
                )
    return profiles


def plot_gradient_profiles(profiles: Sequence[GradientProfile], *, ax: Axes | None = None) -> Axes:
    """Plot per-layer gradient norms (log scale) against layer index, one line per profile.

    Parameters
    ----------
    profiles : sequence of GradientProfile
        From :func:`vanishing_gradient_experiment`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_gradient_profiles(vanishing_gradient_experiment(depths=5, inits="he"))
    >>> len(ax.lines)
    3
    """
    from .plotting import _axes

    if isinstance(profiles, GradientProfile):
        profiles = [profiles]
    if not profiles or not all(isinstance(p, GradientProfile) for p in profiles):
        raise TypeError(
            f"profiles must be a non-empty list of GradientProfile, got {describe(profiles)}"
        )
    ax = _axes(ax)
    for profile in profiles:
        layers = np.arange(1, len(profile.norms) + 1)
        values = profile.norms.cpu().numpy().clip(min=1e-30)
        ax.plot(layers, values, marker="o", markersize=3, label=profile.label)
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_ylabel(r"$\|\partial L / \partial W_l\|$")
    ax.legend(fontsize=8)
    return ax


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
    max_norm = check_float("max_norm", max_norm, minimum=0.0, strict_minimum=True)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    total = torch.sqrt(torch.stack([(g.detach().double() ** 2).sum() for g in grads]).sum())
    scale = max_norm / (float(total) + 1e-6)
    if scale < 1.0:
        for g in grads:
            g.mul_(scale)
    return float(total)
