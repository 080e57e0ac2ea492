"""Tests of dlbook.demos.gradients: the vanishing-gradient experiment and its plot."""

from __future__ import annotations

import pytest
import torch
from helpers import available_devices

from dlbook.demos.gradients import (
    GradientProfile,
    plot_gradient_profiles,
    vanishing_gradient_experiment,
)


def test_experiment_shows_vanishing_and_remedies():
    profiles = vanishing_gradient_experiment(
        depths=(5, 20),
        activations=("sigmoid", "relu"),
        inits=("default", "he"),
        width=16,
        n_samples=64,
    )
    assert len(profiles) == 8 and all(isinstance(p, GradientProfile) for p in profiles)
    by = {(p.depth, p.activation, p.init): p for p in profiles}
    assert by[20, "sigmoid", "default"].norms.shape == (21,)
    # deeper sigmoid nets: the first layer's gradient shrinks by orders of magnitude
    assert by[20, "sigmoid", "default"].norms[0] < 1e-6 * by[5, "sigmoid", "default"].norms[0]
    # ReLU with He initialisation keeps the first and last layers within a factor of 100
    assert 1e-2 < by[20, "relu", "he"].ratio < 1e2
    common = {
        "depths": 20,
        "activations": "sigmoid",
        "inits": "default",
        "width": 16,
        "n_samples": 64,
    }
    residual = vanishing_gradient_experiment(residual=True, **common)
    batch = vanishing_gradient_experiment(norm="batch", **common)
    assert residual[0].ratio > 1e6 * by[20, "sigmoid", "default"].ratio
    assert batch[0].ratio > 1e-2
    assert residual[0].label == "sigmoid, default, residual"
    assert batch[0].label == "sigmoid, default, batch norm"


def test_experiment_is_reproducible_and_validates():
    a = vanishing_gradient_experiment(depths=3, activations="tanh", inits="xavier", seed=1)
    b = vanishing_gradient_experiment(depths=3, activations="tanh", inits="xavier", seed=1)
    torch.testing.assert_close(a[0].norms, b[0].norms)
    with pytest.raises(ValueError, match="activations must be one of"):
        vanishing_gradient_experiment(activations="softplus")
    with pytest.raises(ValueError, match="inits must be one of"):
        vanishing_gradient_experiment(inits=["he", "zero"])
    with pytest.raises(ValueError, match="depths must be a positive integer"):
        vanishing_gradient_experiment(depths=[0])
    with pytest.raises(ValueError, match="depths must not be empty"):
        vanishing_gradient_experiment(depths=[])
    with pytest.raises(ValueError, match="inits must not be empty"):
        vanishing_gradient_experiment(inits=[])
    with pytest.raises(ValueError, match="norm must be one of"):
        vanishing_gradient_experiment(norm="group")


def test_plot_gradient_profiles():
    profiles = vanishing_gradient_experiment(depths=4, activations="relu", inits=("default", "he"))
    ax = plot_gradient_profiles(profiles)
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    assert len(plot_gradient_profiles(profiles[0]).lines) == 1
    with pytest.raises(TypeError, match="profiles must be a non-empty list"):
        plot_gradient_profiles([])


@pytest.mark.cuda
@pytest.mark.parametrize("device", available_devices())
def test_experiment_on_device_matches_cpu(device):
    cpu = vanishing_gradient_experiment(depths=6, activations="tanh", inits="xavier")
    dev = vanishing_gradient_experiment(depths=6, activations="tanh", inits="xavier", device=device)
    torch.testing.assert_close(dev[0].norms, cpu[0].norms, rtol=1e-3, atol=1e-6)
