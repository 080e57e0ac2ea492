"""Checkable exercises of the chapter on architectures."""

from __future__ import annotations

import torch

from ..conv import conv2d, conv_output_size
from ..models import autoencoder, count_parameters, small_cnn
from ._core import register

__all__: list[str] = []


@register(
    "architectures.conv-shape",
    kind="shape",
    by_hand=True,
    hint="Each spatial side becomes floor((n + 2 * padding - kernel) / stride) + 1; the channel "
    "dimension becomes the number of filters.",
)
def _conv_shape() -> tuple[int, ...]:
    side = conv_output_size(32, 3, stride=2, padding=1)
    return (64, 16, side, side)


@register(
    "architectures.cnn-parameters",
    by_hand=True,
    hint="A Conv2d(c_in, c_out, 3) holds c_out * c_in * 3 * 3 weights and c_out biases; "
    "pooling has no parameters.",
)
def _cnn_parameters() -> int:
    return count_parameters(small_cnn(10))


@register(
    "architectures.autoencoder-parameters",
    by_hand=True,
    hint="Count the four linear layers 64 -> 32 -> 2 -> 32 -> 64, weights and biases.",
)
def _autoencoder_parameters() -> int:
    return count_parameters(autoencoder(64, latent_dim=2, hidden=(32,)))


def _single_channel(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return conv2d(x[None, None], w[None, None])[0, 0]


def _conv_inputs() -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    return [
        (torch.arange(16.0).reshape(4, 4), torch.ones(2, 2)),
        (torch.randn(6, 5, generator=generator), torch.randn(3, 3, generator=generator)),
        (torch.randn(5, 7, generator=generator), torch.randn(1, 4, generator=generator)),
    ]


@register(
    "architectures.conv2d-single",
    kind="function",
    hint="The output has shape (H - kh + 1, W - kw + 1); entry (k, l) is "
    "(w * x[k:k + kh, l:l + kw]).sum().",
    inputs=_conv_inputs,
    rtol=1e-4,
    atol=1e-5,
)
def _conv2d_single(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return _single_channel(x, w)
