"""Tests of dlbook.demos.geometry: point clouds, applying layers and the gallery plot."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlbook import scratch
from dlbook.data import gaussian_cloud, grid_cloud
from dlbook.demos.geometry import apply_layer, plot_cloud, plot_layer_gallery


def test_apply_layer_with_engine_torch_and_function_agree() -> None:
    X = gaussian_cloud(40, seed=0)
    out_engine = apply_layer(scratch.L2Normalize(), X)
    out_torch = apply_layer(torch.nn.Sequential(), X)
    np.testing.assert_allclose(np.linalg.norm(out_engine, axis=1), 1.0)
    np.testing.assert_allclose(out_torch, X, rtol=1e-6)
    relu = apply_layer(lambda x: np.maximum(x, 0), X)
    assert relu.min() >= 0


def test_batch_norm_centres_and_scales_the_cloud() -> None:
    out = apply_layer(scratch.BatchNorm1d(2), gaussian_cloud(200, seed=1))
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1.0, atol=1e-3)


def test_plots_return_axes() -> None:
    X = grid_cloud(5)
    axes = plot_layer_gallery({"relu": scratch.ReLU(), "l2": scratch.L2Normalize()}, X)
    assert len(axes) == 3 and axes[1].get_title() == "relu"
    assert plot_cloud(torch.zeros(3, 2)).collections


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\)"):
        apply_layer(lambda x: x, np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"layer must map shape \(n, 2\) to \(n, 2\)"):
        apply_layer(lambda x: x[:, :1], np.zeros((3, 2)))
    with pytest.raises(TypeError, match="layer must be a module or a function"):
        apply_layer(3, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="axes must hold 2 Axes"):
        plot_layer_gallery({"a": lambda x: x}, grid_cloud(3), axes=[None])
    with pytest.raises(TypeError, match="layers must be a non-empty dict"):
        plot_layer_gallery({}, grid_cloud(3))
