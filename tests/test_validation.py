"""Tests of the shared argument checks (dlbook._validation)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlbook import _validation as v


@given(st.integers(min_value=1, max_value=10**9))
def test_check_int_accepts_positive_integers(n):
    assert v.check_int("n", n, minimum=1) == n
    assert v.check_int("n", np.int64(n), minimum=1) == n


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (0, ValueError, "n must be a positive integer, got 0"),
        (True, TypeError, "n must be an integer, got True"),
        (2.0, TypeError, "n must be an integer, got 2.0"),
        ("3", TypeError, "n must be an integer, got '3'"),
    ],
)
def test_check_int_rejects(value, error, match):
    with pytest.raises(error, match=match):
        v.check_int("n", value, minimum=1)


def test_check_float_bounds():
    assert v.check_float("lr", 0.5, minimum=0, strict_minimum=True) == 0.5
    with pytest.raises(ValueError, match="lr must be > 0, got 0.0"):
        v.check_float("lr", 0.0, minimum=0, strict_minimum=True)
    with pytest.raises(ValueError, match="p must be <= 1.0, got 1.5"):
        v.check_fraction("p", 1.5)
    with pytest.raises(ValueError, match="x must be finite, got nan"):
        v.check_float("x", float("nan"))
    with pytest.raises(TypeError, match="x must be a real number"):
        v.check_float("x", "1")


def test_check_choice():
    assert v.check_choice("mode", "a", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match="mode must be one of 'a', 'b', got 'c'"):
        v.check_choice("mode", "c", ["a", "b"])


def test_as_tensor_converts_and_checks_dimensions():
    t = v.as_tensor("X", [[1, 2], [3, 4]], ndim=2)
    assert isinstance(t, torch.Tensor) and t.shape == (2, 2)
    assert v.as_tensor("X", np.zeros(3), ndim=(1, 2), dtype=torch.float32).dtype == torch.float32
    with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\), got shape \(3,\)"):
        v.as_tensor("X", torch.zeros(3), ndim=2)
    with pytest.raises(ValueError, match="X contains NaN or infinite values"):
        v.as_tensor("X", torch.tensor([1.0, float("inf")]))
    with pytest.raises(TypeError, match="X must be a tensor or array"):
        v.as_tensor("X", {"a": 1})
    with pytest.raises(TypeError, match="X must be a tensor or array of numbers"):
        v.as_tensor("X", [[1, 2], [3]])


def test_shape_checks():
    v.check_features("X", torch.zeros(4, 2), 2)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\), got \(4, 3\)"):
        v.check_features("X", torch.zeros(4, 3), 2)
    with pytest.raises(ValueError, match="same number of samples, got 4 and 3"):
        v.check_same_length("X", torch.zeros(4), "y", torch.zeros(3))


def test_describe_is_short():
    assert v.describe(torch.zeros(2, 3)) == "tensor of shape (2, 3) and dtype torch.float32"
    assert len(v.describe("x" * 500)) < 80


def test_check_classification_data_is_the_one_check_of_labelled_data():
    X, y = v.check_classification_data(np.zeros((3, 2), dtype=np.uint8), [0, 1, 1])
    assert X.dtype == torch.float32 and y.dtype == torch.int64
    X64, _ = v.check_classification_data(torch.zeros(3, 2), [0, 1, 1], dtype=torch.float64)
    assert X64.dtype == torch.float64
    with pytest.raises(
        TypeError, match="y must hold integer class labels, got dtype torch.float32"
    ):
        v.check_classification_data(torch.zeros(3, 2), torch.zeros(3))
    with pytest.raises(ValueError, match="same number of samples, got 3 and 2"):
        v.check_classification_data(torch.zeros(3, 2), [0, 1])
    with pytest.raises(ValueError, match="X must contain at least one sample, got 0"):
        v.check_classification_data(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\)"):
        v.check_classification_data(torch.zeros(3), [0, 1, 1])


def test_as_features_converts_exactly_representable_integers_only():
    assert v.as_features("X", torch.tensor([[1, 2]]), dtype=torch.float64).dtype == torch.float64
    assert v.as_features("X", torch.tensor([[True, False]])).tolist() == [[1.0, 0.0]]
    assert v.as_features("X", torch.tensor([[2**24]])).item() == 2**24
    with pytest.raises(ValueError, match=r"X holds the integer 16777217, which torch.float32"):
        v.as_features("X", torch.tensor([[2**24 + 1]]))
    with pytest.raises(TypeError, match="X must hold real numbers"):
        v.as_features("X", torch.zeros(2, 2, dtype=torch.complex64))


def test_as_tensor_reads_pandas_objects():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    tensor = v.as_tensor("X", frame, ndim=2)
    assert tensor.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    tensor[0, 0] = 5.0  # a writable copy, not pandas' read-only array
    assert v.as_tensor("y", pd.Series([0, 1])).tolist() == [0, 1]


def test_binary_model_and_device_checks():
    assert v.as_binary("x", [[True, False]]).tolist() == [[1, 0]]
    with pytest.raises(ValueError, match="x must hold only 0s and 1s"):
        v.as_binary("x", [0, 2])
    model = torch.nn.Linear(2, 2)
    assert v.check_model("model", model) is model
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got 'net'"):
        v.check_model("model", "net")
    assert v.as_available_device("device", "cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="device must name a device"):
        v.as_available_device("device", "tpu9")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="but CUDA is not available here"):
            v.as_available_device("device", "cuda:1")
