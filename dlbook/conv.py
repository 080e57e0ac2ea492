"""Two-dimensional convolution written out by hand.

:func:`conv2d` computes what ``torch.nn.functional.conv2d`` computes (a
cross-correlation, as in every deep learning library) with one loop over the
positions of the kernel, so that the formula

    y[n, o, k, l] = b[o] + sum_{c, i, j} W[o, c, i, j] * x[n, c, s*k + i, s*l + j]

is visible in the code. It runs on whatever device its inputs are on.
"""

from __future__ import annotations

import numbers

import torch

from ._validation import as_tensor, check_int, describe

__all__ = ["conv2d", "conv_output_size"]


def _pair(name: str, value: int | tuple[int, int], minimum: int) -> tuple[int, int]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value), int(value))
    if not isinstance(value, tuple) or len(value) != 2:
        raise TypeError(f"{name} must be an int or a pair of ints, got {describe(value)}")
    first = check_int(f"{name}[0]", value[0], minimum=minimum)
    second = check_int(f"{name}[1]", value[1], minimum=minimum)
    return first, second


def conv_output_size(size: int, kernel_size: int, *, stride: int = 1, padding: int = 0) -> int:
    """Length of one spatial side of a convolution's output.

    ``floor((size + 2 * padding - kernel_size) / stride) + 1``.

    Parameters
    ----------
    size : int
        Input height or width.
    kernel_size : int
    stride : int, default 1
    padding : int, default 0
        Zeros added on each side.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_output_size(28, 5)            # LeNet's first layer
    24
    >>> conv_output_size(8, 3, padding=1)  # "same" padding
    8
    >>> conv_output_size(7, 3, stride=2)
    3
    """
    size = check_int("size", size, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    padding = check_int("padding", padding, minimum=0)
    if size + 2 * padding < kernel_size:
        raise ValueError(
            f"kernel_size {kernel_size} is larger than the padded input "
            f"{size} + 2 * {padding} = {size + 2 * padding}"
        )
    return (size + 2 * padding - kernel_size) // stride + 1


def conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> torch.Tensor:
    """2-D convolution (cross-correlation) of a batch of images, written with one loop.

    For each kernel offset ``(i, j)`` the loop takes the strided slice of the
    (zero-padded) input that this offset sees at every output position and
    adds its product with ``W[:, :, i, j]`` to the output. The result equals
    ``torch.nn.functional.conv2d(x, weight, bias, stride, padding)``.

    Parameters
    ----------
    x : Tensor of shape (batch, in_channels, height, width)
    weight : Tensor of shape (out_channels, in_channels, kernel_height, kernel_width)
    bias : Tensor of shape (out_channels,), optional
    stride : int or (int, int), default 1
        Step between output positions, vertically and horizontally.
    padding : int or (int, int), default 0
        Zeros added on each side, vertically and horizontally.

    Returns
    -------
    Tensor of shape (batch, out_channels, out_height, out_width)
        With ``out_height = conv_output_size(height, kernel_height, stride, padding)``
        and the same for the width.

    Examples
    --------
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = torch.ones(1, 1, 2, 2)            # sums each 2x2 window
    >>> conv2d(x, w, stride=2)
    tensor([[[[10., 18.],
              [42., 50.]]]])
    >>> torch.allclose(conv2d(x, w, padding=1), torch.nn.functional.conv2d(x, w, padding=1))
    True
    """
    x = as_tensor("x", x, ndim=4)
    weight = as_tensor("weight", weight, ndim=4)
    if not x.is_floating_point() or not weight.is_floating_point():
        raise TypeError(f"x and weight must be floating point, got {x.dtype} and {weight.dtype}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} channels but weight expects {weight.shape[1]} "
            f"(x {tuple(x.shape)}, weight {tuple(weight.shape)})"
        )
    if bias is not None:
        bias = as_tensor("bias", bias, ndim=1)
        if bias.shape[0] != weight.shape[0]:
            raise ValueError(f"bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    sh, sw = _pair("stride", stride, minimum=1)
    ph, pw = _pair("padding", padding, minimum=0)
    n, _, height, width = x.shape
    out_channels, _, kh, kw = weight.shape
    oh = conv_output_size(height, kh, stride=sh, padding=ph)
    ow = conv_output_size(width, kw, stride=sw, padding=pw)
    x = torch.nn.functional.pad(x, (pw, pw, ph, ph))  # (N, C, H + 2ph, W + 2pw)
    out = x.new_zeros(n, out_channels, oh, ow)
    for i in range(kh):
        for j in range(kw):
            # the input pixel under kernel entry (i, j) for every output position
            patch = x[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]
            # (N, C, oh, ow) times (O, C) summed over C -> (N, O, oh, ow)
            out = out + torch.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out
