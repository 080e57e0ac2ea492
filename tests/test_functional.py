"""Tests of dlbook.functional: stable softmax, log-softmax, log-sum-exp and cross-entropy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlbook.functional import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    entropy,
    log_softmax,
    logsumexp,
    naive_softmax,
    softmax,
)

logit_rows = arrays(
    np.float64,
    st.integers(2, 8),
    elements=st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
)


@given(logit_rows)
def test_softmax_is_a_distribution_and_matches_torch(z: np.ndarray) -> None:
    p = softmax(z)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(p, torch.softmax(torch.from_numpy(z), 0).numpy(), atol=1e-12)
    np.testing.assert_allclose(
        log_softmax(z), torch.log_softmax(torch.from_numpy(z), 0).numpy(), rtol=1e-10, atol=1e-9
    )
    assert logsumexp(z) == pytest.approx(torch.logsumexp(torch.from_numpy(z), 0).item())


@given(logit_rows, st.floats(-50, 50))
def test_softmax_is_shift_invariant(z: np.ndarray, c: float) -> None:
    np.testing.assert_allclose(softmax(z + c), softmax(z), atol=1e-9)


def test_float32_logits_of_size_1e4_stay_finite_and_correct() -> None:
    z = np.array([1e4, 1e4 - 1.0, -1e4], dtype=np.float32)
    p, lp, lse = softmax(z), log_softmax(z), logsumexp(z)
    assert p.dtype == np.float32 and lp.dtype == np.float32
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp)) and np.isfinite(lse)
    e = np.exp(-1.0)
    np.testing.assert_allclose(p, [1 / (1 + e), e / (1 + e), 0.0], rtol=1e-6)
    np.testing.assert_allclose(lp[:2], [-np.log1p(e), -1 - np.log1p(e)], rtol=1e-5)
    assert float(lse) == pytest.approx(1e4 + np.log1p(e), rel=1e-7)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(naive_softmax(z)).any()  # what the shift prevents
    zt = torch.from_numpy(z)
    assert torch.isfinite(softmax(zt)).all() and torch.isfinite(log_softmax(zt)).all()


def test_temperature() -> None:
    z = np.array([2.0, 1.0, 0.1])
    np.testing.assert_allclose(softmax(z, temperature=2.0), softmax(z / 2))
    assert (
        entropy(softmax(z, temperature=0.5))
        < entropy(softmax(z))
        < entropy(softmax(z, temperature=5.0))
    )
    np.testing.assert_allclose(softmax(z, temperature=1e-3), [1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(softmax(z, temperature=1e6), np.full(3, 1 / 3), atol=1e-6)
    np.testing.assert_allclose(np.exp(log_softmax(z, temperature=3.0)), softmax(z, temperature=3.0))


def test_tensor_in_tensor_out_with_autograd() -> None:
    z = torch.tensor([[2.0, 1.0, 0.1], [0.0, 0.0, 5.0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0, 2])
    loss = cross_entropy(z, y)
    loss.backward()
    z2 = z.detach().clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(z2, y).backward()
    torch.testing.assert_close(z.grad, z2.grad)
    p = torch.softmax(z.detach(), 1)
    torch.testing.assert_close(z.grad, (p - torch.nn.functional.one_hot(y, 3)) / 2)
    assert softmax(z, axis=0).shape == z.shape


def test_cross_entropy_matches_torch_and_reductions() -> None:
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((7, 4)) * 5, rng.integers(0, 4, 7)
    ref = torch.nn.functional.cross_entropy(
        torch.from_numpy(z), torch.from_numpy(y), reduction="none"
    ).numpy()
    np.testing.assert_allclose(cross_entropy(z, y, reduction="none"), ref)
    assert float(cross_entropy(z, y, reduction="sum")) == pytest.approx(ref.sum())
    assert float(cross_entropy(z, y)) == pytest.approx(ref.mean())


@given(
    arrays(np.float64, 5, elements=st.floats(-1e4, 1e4)),
    arrays(np.float64, 5, elements=st.sampled_from([0.0, 1.0])),
)
def test_bce_with_logits_matches_torch(z: np.ndarray, y: np.ndarray) -> None:
    ref = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(z), torch.from_numpy(y), reduction="none"
    ).numpy()
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits(z, y, reduction="none"), ref, rtol=1e-10, atol=1e-12
    )


def test_entropy() -> None:
    assert float(entropy(np.array([1.0, 0.0]))) == 0.0
    assert float(entropy(torch.full((4,), 0.25))) == pytest.approx(np.log(4))


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"temperature must be > 0\.0, got 0\.0"):
        softmax(np.ones(3), temperature=0)
    with pytest.raises(TypeError, match="x must be a NumPy array or a tensor"):
        softmax("abc")
    with pytest.raises(ValueError, match=r"axis must be in \[-1, 1\)"):
        logsumexp(np.ones(3), axis=2)
    with pytest.raises(ValueError, match=r"logits must have shape \(n_samples, n_classes\)"):
        cross_entropy(np.ones(3), np.array([0]))
    with pytest.raises(TypeError, match="target must hold integer class indices"):
        cross_entropy(np.ones((1, 3)), np.array([0.5]))
    with pytest.raises(ValueError, match=r"target must have shape \(2,\)"):
        cross_entropy(np.ones((2, 3)), np.array([0]))
    with pytest.raises(ValueError, match="reduction must be"):
        cross_entropy(np.ones((1, 3)), np.array([0]), reduction="max")
    with pytest.raises(ValueError, match=r"target must hold values in \[0, 1\]"):
        binary_cross_entropy_with_logits(np.zeros(2), np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match="target must have the shape of logits"):
        binary_cross_entropy_with_logits(np.zeros(2), np.zeros(3))
