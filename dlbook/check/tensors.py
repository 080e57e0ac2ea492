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
    return tuple((torch.zeros(2, 1, 4) + torch.zeros(3, 1)).shape)


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


@register(
    "tensors.index-shape",
    kind="shape",
    by_hand=True,
    hint="Go through the index from the left: ':' keeps a dimension, None inserts one of "
    "size 1, an integer removes one, and dimensions not mentioned are kept.",
)
def _index_shape() -> tuple[int, ...]:
    return tuple(torch.zeros(4, 5, 6)[:, None, 0].shape)


@register(
    "tensors.view-sum",
    by_hand=True,
    hint="A slice is a view: writing into it writes into x. An integer-tensor index makes a "
    "copy: writing into it does not.",
)
def _view_sum() -> int:
    x = torch.arange(12).reshape(3, 4)
    y = x[:, 1]  # a view
    y[0] = 100
    z = x[torch.tensor([0, 1])]  # a copy
    z[0, 0] = -50
    return int(x.sum())


@register(
    "tensors.in-place",
    kind="close",
    by_hand=True,
    hint="p /= ... divides the tensor that was passed in, in place: the caller's scores change.",
)
def _in_place() -> float:
    scores = torch.tensor([1.0, 3.0], dtype=torch.float64)
    p = scores
    p /= p.sum()  # in place: scores changes too
    return float(scores[1])


def _matrices() -> list[tuple[torch.Tensor]]:
    generator = torch.Generator().manual_seed(2)
    shapes = [(4, 4), (7, 3), (2, 9)]  # a square matrix, where the bug runs silently
    return [(torch.randn(*s, generator=generator, dtype=torch.float64) * 3 + 1,) for s in shapes]


@register(
    "tensors.standardise-rows",
    kind="function",
    inputs=_matrices,
    hint="The mean and standard deviation of each row have shape (n,); keep the reduced "
    "dimension (keepdim=True) so that they broadcast as a column of shape (n, 1).",
)
def _standardise_rows(X: torch.Tensor) -> torch.Tensor:
    mean = X.mean(dim=1)[:, None]  # (n, 1)
    std = X.std(dim=1)[:, None]  # (n, 1), unbiased, as torch.std by default
    return (X - mean) / std


def _point_sets() -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(3)
    sizes = [(5, 3, 2), (1, 4, 3), (6, 6, 1)]
    sets = [
        (
            torch.randn(n, d, generator=generator, dtype=torch.float64),
            torch.randn(m, d, generator=generator, dtype=torch.float64),
        )
        for n, m, d in sizes
    ]
    # Twenty-four points of P again, each moved by about 1e-9, and three others: the true
    # squared distances (about 1e-17) are far below the rounding error of the expansion
    # (up to about 1e-14), so some come out negative (about a third of them, each by the
    # luck of its rounding) and an unclamped square root gives NaN.
    P = 3 * torch.randn(24, 5, generator=generator, dtype=torch.float64) + 1
    near = P[torch.randperm(24, generator=generator)]
    near = near + 1e-9 * torch.randn(24, 5, generator=generator, dtype=torch.float64)
    Q = torch.cat([near, torch.randn(3, 5, generator=generator, dtype=torch.float64)])
    return [*sets, (P, Q)]


@register(
    "tensors.pairwise-distances",
    kind="function",
    inputs=_point_sets,
    hint="The squared norms of the rows of P form a column (n, 1), those of Q a row (1, m), "
    "and P @ Q.T holds the products; add them as in the expansion, clamp at 0 and take the "
    "square root.",
)
def _pairwise_distances(P: torch.Tensor, Q: torch.Tensor) -> torch.Tensor:
    # Differences, never the expansion (cdist uses it above 25 rows): exact near zero.
    return torch.cdist(P, Q, compute_mode="donot_use_mm_for_euclid_dist")


@register(
    "tensors.video-numel",
    by_hand=True,
    hint="Multiply all five sizes of the shape (batch, frames, channels, height, width): "
    "a colour frame has 3 channels.",
)
def _video_numel() -> int:
    return torch.zeros(8, 16, 3, 64, 64).numel()
