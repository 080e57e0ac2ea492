"""Checkable exercises of the chapter on libraries and GPUs."""

from __future__ import annotations

import torch

from ..benchmark import matmul_flop
from ..data import patient_data, train_test_split
from ..demos.pitfalls import saved_tensor_bytes
from ..models import mlp
from ..optim import SGD, Adam
from ._core import register

__all__: list[str] = []


@register(
    "libraries-and-gpus.momentum-speedup",
    kind="close",
    by_hand=True,
    hint="With a constant gradient the velocity obeys u <- mu u + g; find its fixed point.",
)
def _momentum_speedup() -> float:
    w = torch.zeros(1, requires_grad=True)
    optimizer = SGD([w], lr=0.01, momentum=0.9)
    before = 0.0
    for _ in range(300):  # loss = w, so the gradient is always 1
        optimizer.zero_grad()
        w.sum().backward()
        before = float(w.detach())
        optimizer.step()
    step = before - float(w.detach())
    return step / 0.01  # the last step over a plain SGD step (lr * gradient)


@register(
    "libraries-and-gpus.adam-first-step",
    kind="close",
    by_hand=True,
    hint="On the first step m_hat = g and v_hat = g**2 exactly (bias correction).",
)
def _adam_first_step() -> float:
    w = torch.tensor([5.0], requires_grad=True)
    optimizer = Adam([w], lr=0.01)
    (123.0 * w).sum().backward()  # gradient 123
    optimizer.step()
    return 5.0 - float(w.detach())


@register(
    "libraries-and-gpus.matmul-flop",
    kind="function",
    hint="Each of the n * m outputs is a dot product of length k: k multiplications, k additions.",
    inputs=lambda: [(1, 1, 1), (2, 3, 4), (64, 784, 256), (1000, 1000, 1000)],
)
def _matmul_flop(n: int, k: int, m: int) -> int:
    return matmul_flop(n, k, m)


@register(
    "libraries-and-gpus.saved-activations",
    kind="close",
    by_hand=True,
    hint="Count each block of memory once: the input and each hidden layer's ReLU output "
    "(4 bytes per float32 number); the weights are not counted.",
)
def _saved_activations() -> float:
    model = mlp([784, 4096, 4096, 10], seed=0)
    return float(saved_tensor_bytes(model, torch.zeros(256, 784)))


@register(
    "libraries-and-gpus.leaky-split",
    kind="close",
    by_hand=True,
    hint="For each test row, ask whether its patient id occurs among the training rows' ids.",
)
def _leaky_split() -> float:
    _, _, groups = patient_data(30, 3, seed=0)
    g_train, g_test = train_test_split(groups, test_size=0.3, seed=0)
    seen = set(g_train.tolist())
    return sum(int(g) in seen for g in g_test.tolist()) / len(g_test)
