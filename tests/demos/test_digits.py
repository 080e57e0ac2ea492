"""Tests of dlbook.demos.digits: hand-made features and the four models on the 8x8 digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlbook.demos.digits import compare_on_digits, gradient_histograms


def test_compare_on_digits_beats_chance_and_is_reproducible():
    rows = compare_on_digits(epochs=1, seed=0)
    again = compare_on_digits(epochs=1, seed=0)
    names = ["logistic regression", "gradient histograms + SVM", "MLP", "CNN"]
    assert [r.name for r in rows] == names
    assert all(r.test_accuracy > 0.5 for r in rows)
    assert [r.test_accuracy for r in rows] == [r.test_accuracy for r in again]
    assert rows[0].parameters == 650
    assert rows[1].parameters == 128 * 10 + 10
    # the converged linear models fit the training set well
    assert rows[0].train_accuracy > 0.95 and rows[1].train_accuracy > 0.95
    assert np.isfinite(rows[0].train_loss) and np.isnan(rows[1].train_loss)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        compare_on_digits(epochs=0)


def test_gradient_histograms_measure_edge_directions():
    vertical = np.zeros((1, 8, 8))
    vertical[0, :, 4:] = 1.0  # an edge between columns 3 and 4: horizontal gradient
    horizontal = vertical.transpose(0, 2, 1).copy()  # vertical gradient
    fv, fh = gradient_histograms(vertical), gradient_histograms(horizontal)
    assert fv.shape == (1, 128)
    assert np.isclose(np.linalg.norm(fv), 1.0)
    bins_v = fv.reshape(4, 4, 8).sum(axis=(0, 1))
    bins_h = fh.reshape(4, 4, 8).sum(axis=(0, 1))
    assert bins_v.argmax() == 0  # direction 0: along x
    assert bins_h.argmax() == 4  # direction pi/2: along y
    # only the cells the edge passes through respond
    cells = fv.reshape(4, 4, 8).sum(axis=2)
    assert (cells[:, 1:3] > 0).all() and (cells[:, [0, 3]] == 0).all()
    # tensors of shape (n, 1, 8, 8) and flat rows give the same features
    as_images = torch.tensor(vertical, dtype=torch.float32)[:, None]
    np.testing.assert_allclose(gradient_histograms(as_images), fv, atol=1e-6)
    np.testing.assert_allclose(gradient_histograms(vertical.reshape(1, 64)), fv)


def test_gradient_histograms_reject_bad_input():
    with pytest.raises(ValueError, match="cells must divide the image side 8, got 3"):
        gradient_histograms(np.zeros((2, 8, 8)), cells=3)
    with pytest.raises(ValueError, match="images must be a non-empty batch of square"):
        gradient_histograms(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="images contains NaN or infinite values"):
        gradient_histograms(np.full((1, 8, 8), np.nan))
    with pytest.raises(ValueError, match="bins must be a positive integer"):
        gradient_histograms(np.zeros((1, 8, 8)), bins=0)


@pytest.mark.cuda
def test_compare_on_digits_on_gpu_close_to_cpu(cuda_device):
    cpu = compare_on_digits(epochs=2, seed=0)
    gpu = compare_on_digits(epochs=2, seed=0, device=cuda_device)
    for a, b in zip(cpu, gpu, strict=True):
        assert abs(a.test_accuracy - b.test_accuracy) < 0.03
