"""Checkable exercises of the chapter on tensors."""

from __future__ import annotations

import torch

from ..data import BagOfWords, one_hot
from ..models import mlp
from ..shapes import trace_shapes
from ._core import register

__all__: list[str] = []


@register(
    "tensors.hidden-shape",
    kind="shape",
    by_hand=True,
    hint="A Linear(n_in, n_out) layer keeps the batch dimension and replaces the last "
    "dimension n_in by n_out.",
)
def _hidden_shape() -> tuple[int, ...]:
    records = trace_shapes(mlp([784, 128, 64, 10]), (32, 784))
    return records[2].shape  # the output of the second Linear layer


@register(
    "tensors.broadcast-shape",
    kind="shape",
    by_hand=True,
    hint="Align the shapes on the right; each pair of sizes must be equal or contain a 1, "
    "and the result takes the larger size. A missing dimension counts as 1.",
)
def _broadcast_shape() -> tuple[int, ...]:
    return tuple((torch.zeros(5, 1, 3) + torch.zeros(4, 1)).shape)


def _one_hot_inputs() -> list[tuple[torch.Tensor, int]]:
    return [
        (torch.tensor([0, 2, 1]), 3),
        (torch.tensor([3]), 5),
        (torch.tensor([1, 1, 0, 4]), 6),
    ]


@register(
    "tensors.one-hot",
    kind="function",
    inputs=_one_hot_inputs,
    dtype="floating",
    hint="Start from torch.zeros(len(labels), num_classes) and put a 1 in row i, column labels[i].",
)
def _one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    return one_hot(labels, num_classes)


@register(
    "tensors.word-order",
    by_hand=True,
    hint="A bag of words keeps how often each word occurs, and nothing else.",
)
def _word_order() -> bool:
    documents = ["dog bites man", "man bites dog"]
    counts = BagOfWords().fit_transform(documents)
    return bool(torch.equal(counts[0], counts[1]))
