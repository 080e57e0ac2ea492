"""The vanishing-gradient experiment: per-layer gradient norms of deep MLPs at initialisation.

:func:`vanishing_gradient_experiment` measures
:func:`dlbook.diagnostics.gradient_norms` of freshly built
:func:`dlbook.models.deep_mlp` networks across depths, activations,
initialisations, skip connections and normalisation;
:func:`plot_gradient_profiles` draws the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .._axes import get_axes
from .._validation import (
    as_available_device,
    as_features,
    check_choice,
    check_features,
    check_int,
    describe,
)
from ..data import circles, first_symbol
from ..diagnostics import gradient_norms
from ..models import (
    ACTIVATIONS,
    INITIALIZATIONS,
    NORMALIZATIONS,
    DeepMLP,
    deep_mlp,
    sequence_classifier,
)

__all__ = [
    "GradientProfile",
    "SignalStatistics",
    "gradient_through_time",
    "plot_gradient_profiles",
    "residual_stream_rms",
    "signal_statistics",
    "vanishing_gradient_experiment",
]


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
    :func:`dlbook.models.deep_mlp` is built with the same seed and its
    :func:`dlbook.diagnostics.gradient_norms` are taken on one batch of the two-class circles
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
    if not isinstance(depths, (int, list, tuple)) or isinstance(depths, bool):
        raise TypeError(f"depths must be an int or a list of ints, got {describe(depths)}")
    for name, values in (("activations", activations), ("inits", inits)):
        if not isinstance(values, (str, list, tuple)):
            raise TypeError(f"{name} must be a name or a list of names, got {describe(values)}")
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
                    model.to(as_available_device("device", device))
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


@dataclass(frozen=True)
class SignalStatistics:
    """The forward signal of a deep MLP, layer by layer, on one batch.

    Every tensor has one entry per activation layer, from the input layer
    (index 0) to the last hidden block.

    Attributes
    ----------
    spread : Tensor of shape (depth,)
        Across-sample standard deviation of each unit's activation input
        (after normalisation, if any), averaged over the units: how much the
        layer's input to the activation still depends on the example.
    offset : Tensor of shape (depth,)
        Root mean square over the units of each unit's mean activation input:
        the part that is the same for every example.
    rms : Tensor of shape (depth,)
        Root mean square of the activations (outputs).
    dead : Tensor of shape (depth,)
        Fraction of units whose output is zero for every example of the batch.
    """

    spread: torch.Tensor
    offset: torch.Tensor
    rms: torch.Tensor
    dead: torch.Tensor


def signal_statistics(model: DeepMLP, X: torch.Tensor) -> SignalStatistics:
    """Measure how the forward signal of a :func:`dlbook.models.deep_mlp` changes layer by layer.

    One forward pass on ``X`` without gradients records, at every activation,
    its input and output. The model's mode is left as it is (in training mode,
    batch normalisation uses the batch's own statistics).

    Parameters
    ----------
    model : DeepMLP
        From :func:`dlbook.models.deep_mlp`.
    X : Tensor of shape (batch, n_inputs)
        At least two examples.

    Returns
    -------
    SignalStatistics

    Examples
    --------
    >>> from dlbook.models import deep_mlp
    >>> stats = signal_statistics(deep_mlp(2, 2, depth=4, seed=0), torch.randn(64, 2))
    >>> stats.spread.shape, bool((stats.dead >= 0).all())
    (torch.Size([4]), True)
    """
    if not isinstance(model, DeepMLP):
        raise TypeError(
            f"model must be a DeepMLP from dlbook.models.deep_mlp, got {describe(model)}"
        )
    X = as_features("X", X)
    check_features("X", X, model.input.in_features)
    if len(X) < 2:
        raise ValueError(f"X must hold at least two examples, got {describe(X)}")
    activations = [model.input_activation, *(block.activation for block in model.blocks)]
    modules = [a for a in activations if isinstance(a, torch.nn.Module)]
    records: list[tuple[torch.Tensor, torch.Tensor]] = []

    def record(
        module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor
    ) -> None:
        records.append((inputs[0].detach().double(), output.detach().double()))

    handles = [a.register_forward_hook(record) for a in modules]
    try:
        with torch.no_grad():
            model(X.to(model.input.weight.device, model.input.weight.dtype))
    finally:
        for handle in handles:
            handle.remove()
    spread = torch.stack([z.std(0).mean() for z, _ in records]).float()
    offset = torch.stack([z.mean(0).pow(2).mean().sqrt() for z, _ in records]).float()
    rms = torch.stack([h.pow(2).mean().sqrt() for _, h in records]).float()
    dead = torch.stack([(h == 0).all(0).double().mean() for _, h in records]).float()
    return SignalStatistics(spread.cpu(), offset.cpu(), rms.cpu(), dead.cpu())


def residual_stream_rms(model: DeepMLP, X: torch.Tensor) -> torch.Tensor:
    """Root mean square of the signal passed from block to block of a deep MLP.

    The model is one of :func:`dlbook.models.deep_mlp`.

    One forward pass on ``X`` without gradients records the output of the
    input layer and of every hidden block. With ``residual=True`` a block's
    output is the stream ``h + F(h)`` that the next block receives, not the
    branch ``F(h)`` alone (which :func:`signal_statistics` measures at the
    activation). The model's mode is left as it is.

    Parameters
    ----------
    model : DeepMLP
        From :func:`dlbook.models.deep_mlp`.
    X : Tensor of shape (batch, n_inputs)

    Returns
    -------
    Tensor of shape (depth,)
        Entry 0 after the input layer, entry ``l`` after hidden block ``l``:
        the root mean square over the batch and the units.

    Examples
    --------
    >>> from dlbook.models import deep_mlp
    >>> X = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    >>> rms = residual_stream_rms(deep_mlp(2, 2, depth=10, init="he", residual=True, seed=0), X)
    >>> rms.shape, bool(rms[-1] > rms[0])
    (torch.Size([10]), True)
    """
    if not isinstance(model, DeepMLP):
        raise TypeError(
            f"model must be a DeepMLP from dlbook.models.deep_mlp, got {describe(model)}"
        )
    X = as_features("X", X)
    check_features("X", X, model.input.in_features)
    if len(X) == 0:
        raise ValueError("X must hold at least one example, got 0 rows")
    records: list[torch.Tensor] = []

    def record(
        module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor
    ) -> None:
        records.append(output.detach().double())

    handles = [model.input_activation.register_forward_hook(record)]
    handles += [block.register_forward_hook(record) for block in model.blocks]
    try:
        with torch.no_grad():
            model(X.to(model.input.weight.device, model.input.weight.dtype))
    finally:
        for handle in handles:
            handle.remove()
    return torch.stack([h.pow(2).mean().sqrt() for h in records]).float().cpu()


def gradient_through_time(
    cell: str = "rnn",
    *,
    length: int = 100,
    hidden_size: int = 32,
    forget_bias: float = 1.0,
    n_symbols: int = 4,
    n_samples: int = 256,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
) -> torch.Tensor:
    """How much the loss at the end of a sequence depends on each step's input, at initialisation.

    For every seed a :func:`dlbook.models.sequence_classifier` is built and
    one batch of :func:`dlbook.data.first_symbol` sequences (same seed) is
    passed forward and backward. The result is the norm of ``dL/dx_t`` over
    the batch and the features at every step ``t``, divided by its value at
    the last step: the gradient that reaches step ``t`` through the
    recurrence, relative to the step next to the loss.

    Parameters
    ----------
    cell : {"rnn", "lstm"}, default "rnn"
    length : int, default 100
        Steps per sequence.
    hidden_size : int, default 32
    forget_bias : float, default 1.0
        Initial bias of the LSTM's forget gate (ignored for ``"rnn"``).
    n_symbols : int, default 4
    n_samples : int, default 256
    seeds : sequence of int, default (0, 1, 2, 3, 4)

    Returns
    -------
    Tensor of shape (len(seeds), length)
        Row ``r`` belongs to ``seeds[r]``; column ``length - 1`` is 1.

    Examples
    --------
    >>> ratios = gradient_through_time("rnn", length=20, seeds=(0, 1))
    >>> ratios.shape, bool(ratios[:, 0].max() < ratios[:, -1].min())
    (torch.Size([2, 20]), True)
    """
    check_choice("cell", cell, ("rnn", "lstm"))
    length = check_int("length", length, minimum=1)
    n_samples = check_int("n_samples", n_samples, minimum=1)
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (list, tuple, range)):
        raise TypeError(f"seeds must be a list of non-negative integers, got {describe(seeds)}")
    if not seeds:
        raise ValueError("seeds must not be empty")
    seed_list = [check_int("seeds", s, minimum=0) for s in seeds]
    rows = []
    for seed in seed_list:
        X, y = first_symbol(n_samples, length=length, n_symbols=n_symbols, seed=seed)
        model = sequence_classifier(
            n_symbols,
            n_symbols,
            cell=cell,
            hidden_size=hidden_size,
            forget_bias=forget_bias,
            seed=seed,
        )
        X = X.clone().requires_grad_(True)  # (n_samples, length, n_symbols)
        torch.nn.functional.cross_entropy(model(X), y).backward()
        assert X.grad is not None
        norms = X.grad.double().norm(dim=(0, 2))  # (length,)
        rows.append((norms / norms[-1]).float())
    return torch.stack(rows)


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
        The Axes drawn on: one line per profile, on a log scale.

    Examples
    --------
    >>> ax = plot_gradient_profiles(vanishing_gradient_experiment(depths=5, inits="he"))
    >>> len(ax.lines)
    3
    """
    if isinstance(profiles, GradientProfile):
        profiles = [profiles]
    if isinstance(profiles, (str, bytes)) or not hasattr(profiles, "__iter__"):
        raise TypeError(f"profiles must be a list of GradientProfile, got {describe(profiles)}")
    if not profiles or not all(isinstance(p, GradientProfile) for p in profiles):
        raise TypeError(
            f"profiles must be a non-empty list of GradientProfile, got {describe(profiles)}"
        )
    ax = get_axes(ax)
    for profile in profiles:
        layers = np.arange(1, len(profile.norms) + 1)
        values = profile.norms.cpu().numpy().clip(min=1e-30)
        ax.plot(layers, values, marker="o", markersize=3, label=profile.label)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_ylabel(r"$\|\partial L / \partial W_l\|$")
    ax.legend(fontsize=8)
    return ax
