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

from .._axes import get_axes
from .._validation import as_available_device, check_choice, check_int, describe
from ..data import circles
from ..diagnostics import gradient_norms
from ..models import ACTIVATIONS, INITIALIZATIONS, NORMALIZATIONS, deep_mlp

__all__ = ["GradientProfile", "plot_gradient_profiles", "vanishing_gradient_experiment"]


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
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_ylabel(r"$\|\partial L / \partial W_l\|$")
    ax.legend(fontsize=8)
    return ax
