"""Tests of dlbook.conv: the hand-written convolution against torch's."""

from __future__ import annotations

import pytest
import torch
from helpers import available_devices
from hypothesis import given
from hypothesis import strategies as st

from dlbook.conv import conv2d, conv_output_size


@pytest.mark.parametrize("stride", [1, 2, (1, 3)])
@pytest.mark.parametrize("padding", [0, 1, (2, 0)])
@pytest.mark.parametrize("channels", [(1, 1), (3, 4)])
def test_conv2d_matches_torch(stride, padding, channels):
    gen = torch.Generator().manual_seed(0)
    c_in, c_out = channels
    x = torch.randn(2, c_in, 9, 7, generator=gen)
    w = torch.randn(c_out, c_in, 3, 2, generator=gen)
    b = torch.randn(c_out, generator=gen)
    expected = torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
    torch.testing.assert_close(conv2d(x, w, b, stride=stride, padding=padding), expected)


@given(
    n=st.integers(1, 2),
    c_in=st.integers(1, 3),
    c_out=st.integers(1, 3),
    size=st.integers(3, 8),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    seed=st.integers(0, 1000),
)
def test_conv2d_property(n, c_in, c_out, size, k, stride, padding, seed):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c_in, size, size + 1, generator=gen, dtype=torch.float64)
    w = torch.randn(c_out, c_in, k, k, generator=gen, dtype=torch.float64)
    out = conv2d(x, w, stride=stride, padding=padding)
    expected = torch.nn.functional.conv2d(x, w, stride=stride, padding=padding)
    torch.testing.assert_close(out, expected)
    assert out.shape[2] == conv_output_size(size, k, stride=stride, padding=padding)


def test_conv2d_gradients_match_torch():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 2, 5, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 2, 3, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(lambda a, b: conv2d(a, b, stride=2, padding=1), (x, w))


def test_conv_output_size_and_errors():
    assert conv_output_size(28, 5) == 24
    assert conv_output_size(5, 3, stride=2, padding=1) == 3
    with pytest.raises(ValueError, match="kernel_size 5 is larger"):
        conv_output_size(2, 5)
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        conv_output_size(5, 3, stride=0)


def test_conv2d_errors():
    x, w = torch.zeros(1, 2, 4, 4), torch.zeros(3, 2, 2, 2)
    with pytest.raises(ValueError, match="x has 1 channels but weight expects 2"):
        conv2d(torch.zeros(1, 1, 4, 4), w)
    with pytest.raises(ValueError, match="x must have 4 dimension"):
        conv2d(torch.zeros(4, 4), w)
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\)"):
        conv2d(x, w, torch.zeros(2))
    with pytest.raises(TypeError, match="floating point"):
        conv2d(x.long(), w)
    with pytest.raises(TypeError, match="stride must be an int or a pair"):
        conv2d(x, w, stride=(1, 1, 1))
    with pytest.raises(ValueError, match=r"padding\[0\] must be an integer >= 0"):
        conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv2d(x, torch.zeros(3, 2, 5, 5))


@pytest.mark.cuda
@pytest.mark.parametrize("device", available_devices())
def test_conv2d_on_device_matches_cpu(device):
    gen = torch.Generator().manual_seed(0)
    x, w = torch.randn(2, 3, 8, 8, generator=gen), torch.randn(4, 3, 3, 3, generator=gen)
    out = conv2d(x.to(device), w.to(device), stride=2, padding=1)
    assert out.device.type == device
    torch.testing.assert_close(out.cpu(), conv2d(x, w, stride=2, padding=1), rtol=1e-4, atol=1e-4)
