"""Tests of the engine's SiLU and threshold layers against torch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dlbook.scratch import SiLU, Threshold, check_gradients


def _x(n: int = 6, d: int = 5, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d)) * 3
    return x + np.sign(x) * 0.05  # away from the step at 0


def _torch_pass(module: nn.Module, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xt = torch.tensor(x, requires_grad=True)
    out = module(xt)
    if not out.requires_grad:  # a bare step has no graph: its gradient is zero
        return out.numpy(), np.zeros_like(x)
    out.backward(torch.from_numpy(g))
    return out.detach().numpy(), xt.grad.numpy()


def test_silu_matches_torch_forward_and_backward() -> None:
    x, g = _x(), np.random.default_rng(1).standard_normal((6, 5))
    layer = SiLU()
    out = layer(x)
    grad = layer.backward(g)
    out_t, grad_t = _torch_pass(nn.SiLU().double(), x, g)
    np.testing.assert_allclose(out, out_t, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad, grad_t, rtol=1e-10, atol=1e-13)
    assert type(layer.torch_module()) is nn.SiLU


def test_silu_gradient_matches_finite_differences_and_dips_below_zero() -> None:
    assert max(check_gradients(SiLU(), _x()).values()) < 1e-6
    layer = SiLU()
    z = np.linspace(-6, 6, 1201)[None, :]
    layer(z)
    slope = layer.backward(np.ones_like(z))[0]
    assert slope.min() < -0.09  # the derivative's dip near x = -2.4
    assert abs(z[0, slope.argmin()] + 2.4) < 0.05
    assert np.isfinite(SiLU()(np.array([[-1000.0, 1000.0]]))).all()  # no overflow


@pytest.mark.parametrize("straight_through", [False, True])
def test_threshold_matches_its_torch_twin(straight_through: bool) -> None:
    x, g = _x(), np.random.default_rng(2).standard_normal((6, 5))
    layer = Threshold(straight_through=straight_through)
    out = layer(x)
    grad = layer.backward(g)
    out_t, grad_t = _torch_pass(layer.torch_module().double(), x, g)
    np.testing.assert_array_equal(out, (x > 0).astype(float))
    np.testing.assert_array_equal(out, out_t)
    np.testing.assert_allclose(grad, grad_t)
    if straight_through:  # the gradient passes exactly where |x| <= 1
        np.testing.assert_array_equal(grad, g * (np.abs(x) <= 1))
        assert (grad != 0).any()
    else:
        assert not grad.any()


def test_threshold_is_zero_at_zero_and_checks_its_option() -> None:
    np.testing.assert_array_equal(Threshold()(np.array([[0.0, -0.0, 1e-300]])), [[0, 0, 1]])
    with pytest.raises(TypeError, match=r"straight_through must be True or False, got"):
        Threshold(straight_through=1)  # type: ignore[arg-type]
