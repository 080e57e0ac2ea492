"""Checkable exercises of the chapter on layers as building blocks."""

from __future__ import annotations

import numpy as np
import torch

from ..scratch import BatchNorm1d, Dropout, L2Normalize, LayerNorm, Sigmoid
from ._core import register

__all__: list[str] = []


@register(
    "layers.tanh-from-sigmoid",
    kind="function",
    hint="tanh(x) = 2 sigmoid(2x) - 1.",
    inputs=lambda: [(torch.linspace(-5.0, 5.0, 41, dtype=torch.float64),)],
)
def _tanh_from_sigmoid(x: torch.Tensor) -> torch.Tensor:
    s = Sigmoid()(2 * x.numpy()[None, :])[0]
    return torch.from_numpy(2 * s - 1)


@register(
    "layers.norm-parameters",
    by_hand=True,
    hint="Batch norm and layer norm each learn a scale and a shift per feature; l2 "
    "normalisation learns nothing.",
)
def _norm_parameters() -> int:
    layers = [BatchNorm1d(64), LayerNorm(64), L2Normalize()]
    return sum(p.data.size for layer in layers for p in layer.parameters())


@register(
    "layers.dropout-scale",
    kind="close",
    by_hand=True,
    hint="Kept entries are divided by the probability of being kept, 1 - p.",
)
def _dropout_scale() -> float:
    out = Dropout(0.2, seed=0)(np.ones((1, 1000)))
    return float(out.max())


@register(
    "layers.l2-normalise",
    kind="close",
    by_hand=True,
    hint="Divide the vector by its length sqrt(1 + 4 + 4).",
)
def _l2_normalise() -> np.ndarray:
    return L2Normalize()(np.array([[1.0, -2.0, 2.0]]))[0]
