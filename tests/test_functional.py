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


# ----------------------------------------------------------- limits, NaN, empty input

INF = np.inf


@pytest.mark.parametrize("as_input", [np.array, torch.tensor], ids=["numpy", "torch"])
def test_infinite_logits_get_their_limits(as_input) -> None:
    z = as_input([[INF, 0.0, -INF], [INF, INF, 1.0], [-INF, 2.0, 0.0]])
    expected = [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 1 / (1 + np.exp(-2)), 0.0]]
    expected[2][2] = 1 - expected[2][1]
    np.testing.assert_allclose(np.asarray(softmax(z)), expected, atol=1e-7)
    logp = np.asarray(log_softmax(z))
    np.testing.assert_allclose(logp[0], [0.0, -INF, -INF])
    np.testing.assert_allclose(logp[1], [-np.log(2), -np.log(2), -INF])
    np.testing.assert_allclose(np.exp(logp), expected, atol=1e-7)
    assert np.asarray(logsumexp(z)).tolist() == [INF, INF, pytest.approx(2.126928, abs=1e-6)]
    target = as_input([0, 2, 1])
    losses = np.asarray(cross_entropy(z, target, reduction="none"))
    assert losses[0] == 0.0 and losses[1] == INF and np.isfinite(losses[2])


@pytest.mark.parametrize("as_input", [np.array, torch.tensor], ids=["numpy", "torch"])
def test_nan_propagates_and_never_becomes_a_number(as_input) -> None:
    z = as_input([[np.nan, 1.0], [INF, np.nan], [0.0, 1.0]])
    for out in (softmax(z), log_softmax(z)):
        out = np.asarray(out)
        assert np.isnan(out[:2]).all() and np.isfinite(out[2]).all()
    assert np.isnan(np.asarray(logsumexp(z))[:2]).all()
    assert np.isnan(float(entropy(as_input([np.nan, 1.0]))))
    assert float(entropy(as_input([0.0, 1.0]))) == 0.0
    assert float(entropy(as_input([-0.5, 1.5]))) == -INF  # as torch.special.entr
    nan_logit = binary_cross_entropy_with_logits(as_input([np.nan, 1.0]), as_input([0.0, 1.0]))
    assert np.isnan(float(nan_logit))


def test_bce_limits_for_infinite_logits() -> None:
    z = np.array([INF, INF, -INF, -INF, INF])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    np.testing.assert_array_equal(
        binary_cross_entropy_with_logits(z, y, reduction="none"), [0.0, INF, 0.0, INF, INF]
    )
    zt = torch.tensor([INF, -INF, 3.0], requires_grad=True)
    loss = binary_cross_entropy_with_logits(zt, torch.tensor([1.0, 0.0, 1.0]), reduction="sum")
    loss.backward()
    assert float(loss.detach()) == pytest.approx(float(np.log1p(np.exp(-3.0))))
    assert torch.isfinite(zt.grad).all()


def test_softmax_gradient_stays_finite_next_to_infinite_logits() -> None:
    z = torch.tensor([[INF, 0.0, 1.0], [1.0, 2.0, -INF]], requires_grad=True)
    (softmax(z) * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert torch.isfinite(z.grad).all()
    assert torch.equal(z.grad[0], torch.zeros(3))  # the limit does not move


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_entropy_gradient_at_zero_is_finite(dtype) -> None:
    p = torch.tensor([0.0, 0.25, 0.75], dtype=dtype, requires_grad=True)
    entropy(p).backward()
    assert torch.isfinite(p.grad).all() and float(p.grad[0]) == 0.0
    torch.testing.assert_close(p.grad[1:], -(torch.log(p.detach()[1:]) + 1))
    logits = torch.tensor([0.0, -200.0], dtype=torch.float32, requires_grad=True)
    entropy(softmax(logits)).backward()  # softmax underflows to an exact 0
    assert torch.isfinite(logits.grad).all()


def test_empty_input_is_a_clear_error_where_the_result_is_undefined() -> None:
    with pytest.raises(ValueError, match="x must have at least one entry along axis"):
        softmax(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="x must have at least one entry along axis"):
        log_softmax(torch.zeros(0))
    with pytest.raises(ValueError, match="x must have at least one entry along axis"):
        logsumexp(np.zeros(0))
    with pytest.raises(ValueError, match="logits must hold at least one sample"):
        cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="logits must hold at least one sample"):
        binary_cross_entropy_with_logits(torch.zeros(0), torch.zeros(0))
    assert softmax(np.zeros((0, 3))).shape == (0, 3)  # an empty batch of rows is fine
    assert float(cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int), reduction="sum")) == 0


def test_bad_targets_are_named() -> None:
    with pytest.raises(ValueError, match="target contains NaN"):
        binary_cross_entropy_with_logits(np.zeros(2), np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match="target contains NaN"):
        binary_cross_entropy_with_logits(torch.zeros(2), torch.tensor([np.nan, 1.0]))
    with pytest.raises(TypeError, match="target must be"):
        cross_entropy(torch.zeros(1, 2), {"a": 1})
    with pytest.raises(TypeError, match="x must hold real numbers"):
        softmax(torch.zeros(2, dtype=torch.complex64))


logits_with_limits = arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.integers(1, 5)),
    elements=st.one_of(st.floats(-50, 50), st.sampled_from([INF, -INF, np.nan])),
)


@given(logits_with_limits)
def test_softmax_agrees_with_torch_wherever_torch_is_defined(z: np.ndarray) -> None:
    p = softmax(z)
    ref = torch.softmax(torch.from_numpy(z), 1).numpy()
    defined = np.isfinite(ref).all(axis=1) | np.isnan(z).any(axis=1)
    np.testing.assert_allclose(p[defined], ref[defined], atol=1e-12)
    rows = ~np.isnan(z).any(axis=1) & ~np.isneginf(z).all(axis=1)
    np.testing.assert_allclose(p[rows].sum(axis=1), 1.0)
    assert (np.isnan(p).any(axis=1) == (np.isnan(z).any(axis=1) | np.isneginf(z).all(axis=1))).all()
