"""Tests of dlbook.demos.digits: the three models on the 8x8 digits."""

from __future__ import annotations

import pytest

from dlbook.demos.digits import compare_on_digits


def test_compare_on_digits_beats_chance_and_is_reproducible():
    rows = compare_on_digits(epochs=1, seed=0)
    again = compare_on_digits(epochs=1, seed=0)
    assert [r.name for r in rows] == ["logistic regression", "MLP", "CNN"]
    assert all(r.test_accuracy > 0.5 for r in rows)
    assert [r.test_accuracy for r in rows] == [r.test_accuracy for r in again]
    assert rows[0].parameters == 650
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        compare_on_digits(epochs=0)


@pytest.mark.cuda
def test_compare_on_digits_on_gpu_close_to_cpu(cuda_device):
    cpu = compare_on_digits(epochs=2, seed=0)
    gpu = compare_on_digits(epochs=2, seed=0, device=cuda_device)
    for a, b in zip(cpu, gpu, strict=True):
        assert abs(a.test_accuracy - b.test_accuracy) < 0.03
