"""Checkable exercises of the chapter on multilayer perceptrons."""

from __future__ import annotations

import torch

from ..models import count_parameters, mlp
from ._core import register

__all__: list[str] = []


@register(
    "mlp.parameter-count",
    hint="Each Linear(n_in, n_out) layer holds n_in * n_out weights and n_out biases.",
)
def _parameter_count() -> int:
    return count_parameters(mlp([784, 256, 256, 10]))
