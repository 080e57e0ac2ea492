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


def test_signal_statistics_show_the_input_dependence_vanish():
    from dlbook.data import circles
    from dlbook.demos.gradients import signal_statistics
    from dlbook.models import deep_mlp

    X, _ = circles(128, seed=0)
    X = (X - X.mean(0)) / X.std(0)
    plain = signal_statistics(deep_mlp(2, 2, depth=20, activation="sigmoid", seed=0), X)
    batch = signal_statistics(
        deep_mlp(2, 2, depth=20, activation="sigmoid", norm="batch", seed=0), X
    )
    assert plain.spread.shape == plain.rms.shape == plain.dead.shape == (20,)
    # the across-sample spread collapses while the activations keep their size
    assert plain.spread[-1] < 1e-6 * plain.spread[0] and plain.rms[-1] > 0.3
    # batch normalisation standardises each unit over the batch: spread 1, offset 0
    assert torch.allclose(batch.spread[1:], torch.ones(19), atol=0.02)
    assert batch.offset[1:].abs().max() < 1e-4
    relu = signal_statistics(deep_mlp(2, 2, depth=20, activation="relu", seed=0), X)
    assert 0.2 < relu.dead[-1] <= 1 and plain.dead.max() == 0  # sigmoid units never output 0
    # a unit that is zero for every example counts as dead; one on for some does not
    model = deep_mlp(2, 2, width=3, depth=1, activation="relu", seed=0)
    with torch.no_grad():
        model.input.weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]]))
        model.input.bias.copy_(torch.tensor([0.0, -10.0, 0.0]))
    stats = signal_statistics(model, torch.tensor([[1.0, 0.0], [-1.0, 0.0]]))
    assert stats.dead.tolist() == [pytest.approx(2 / 3)]
    with pytest.raises(TypeError, match="model must be a DeepMLP"):
        signal_statistics(torch.nn.Linear(2, 2), X)
    with pytest.raises(ValueError, match="X must have shape"):
        signal_statistics(model, torch.zeros(4, 3))
    with pytest.raises(ValueError, match="at least two examples"):
        signal_statistics(model, torch.zeros(1, 2))


def test_residual_stream_rms_measures_the_sum_not_the_branch():
    from dlbook.data import circles
    from dlbook.demos.gradients import residual_stream_rms, signal_statistics
    from dlbook.models import deep_mlp

    X, _ = circles(128, seed=0)
    X = (X - X.mean(0)) / X.std(0)
    plain = deep_mlp(2, 2, depth=20, init="he", residual=True, seed=0)
    batch = deep_mlp(2, 2, depth=20, init="he", residual=True, norm="batch", seed=0)
    stream, stream_bn = residual_stream_rms(plain, X), residual_stream_rms(batch, X)
    assert stream.shape == stream_bn.shape == (20,)
    # entry 0 is the input layer's activation, the same as signal_statistics sees
    assert stream[0] == pytest.approx(float(signal_statistics(plain, X).rms[0]), rel=1e-5)
    # without normalisation the stream explodes; with batch norm the branches stay near
    # sqrt(1/2) while the stream still grows, but far less
    assert stream[-1] > 1000 * stream[0]
    branch_bn = signal_statistics(batch, X).rms
    assert torch.allclose(branch_bn[1:], torch.full((19,), 0.5**0.5), atol=0.1)
    assert 2 * stream_bn[0] < stream_bn[-1] < 0.01 * stream[-1]
    # without skip connections a block's output is its activation
    chain = deep_mlp(2, 2, depth=5, seed=0)
    torch.testing.assert_close(residual_stream_rms(chain, X), signal_statistics(chain, X).rms)
    # a hand-made stream: the input layer gives (1, 0) and (0, 0), the block adds relu(3)
    model = deep_mlp(2, 2, width=2, depth=2, residual=True, seed=0)
    with torch.no_grad():
        model.input.weight.copy_(torch.eye(2))
        model.input.bias.zero_()
        model.blocks[0].linear.weight.zero_()
        model.blocks[0].linear.bias.fill_(3.0)
    rms = residual_stream_rms(model, torch.tensor([[1.0, 0.0], [-1.0, 0.0]]))
    assert rms.tolist() == pytest.approx([0.5, (0.25 * (16 + 9 + 9 + 9)) ** 0.5])
    with pytest.raises(TypeError, match="model must be a DeepMLP"):
        residual_stream_rms(torch.nn.Linear(2, 2), X)
    with pytest.raises(ValueError, match="X must have shape"):
        residual_stream_rms(model, torch.zeros(4, 3))


def test_gradient_through_time_separates_rnn_and_lstm():
    from dlbook.demos.gradients import gradient_through_time

    rnn = gradient_through_time("rnn", length=40, seeds=(0, 1))
    lstm = gradient_through_time("lstm", length=40, forget_bias=3.0, seeds=(0, 1))
    assert rnn.shape == lstm.shape == (2, 40)
    torch.testing.assert_close(rnn[:, -1], torch.ones(2))
    assert rnn[:, 0].max() < 1e-6 and lstm[:, 0].min() > 1e-2
    again = gradient_through_time("rnn", length=40, seeds=(0, 1))
    torch.testing.assert_close(rnn, again)
    with pytest.raises(ValueError, match="cell must be one of"):
        gradient_through_time("gru")
    with pytest.raises(ValueError, match="seeds must not be empty"):
        gradient_through_time(seeds=())
    with pytest.raises(TypeError, match="seeds must be a list"):
        gradient_through_time(seeds=3)
