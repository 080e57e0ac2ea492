"""Tests of dlbook.architectures."""

from __future__ import annotations

import pytest
import torch
from helpers import available_devices
from torch import nn

from dlbook.architectures import (
    Block,
    autoencoder,
    compare_on_digits,
    deep_mlp,
    initialize_,
    logistic_regression,
    sequence_classifier,
    small_cnn,
)
from dlbook.models import count_parameters


@torch.no_grad()
def test_initialize_variances():
    layer = nn.Linear(500, 400)
    initialize_(layer, "he", seed=0)
    assert abs(float(layer.weight.var()) * 500 - 2.0) < 0.05
    assert torch.count_nonzero(layer.bias) == 0
    initialize_(layer, "xavier", seed=0)
    assert abs(float(layer.weight.var()) * 900 - 2.0) < 0.05
    initialize_(layer, "default", seed=0)
    assert float(layer.weight.abs().max()) <= 1 / 500**0.5
    before = initialize_(nn.Linear(50, 50), "he", seed=1).weight.clone()
    after = initialize_(nn.Linear(50, 50), "he", gain=2.0, seed=1).weight
    torch.testing.assert_close(after, 2 * before)


def test_initialize_keeps_global_random_state():
    layer = nn.Linear(3, 3)
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    initialize_(layer, seed=0)
    deep_mlp(2, 2, depth=2, seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_initialize_errors():
    with pytest.raises(ValueError, match="scheme must be one of"):
        initialize_(nn.Linear(2, 2), "orthogonal")
    with pytest.raises(TypeError, match=r"module must be a torch\.nn\.Module"):
        initialize_("layer")
    with pytest.raises(ValueError, match="gain must be > 0"):
        initialize_(nn.Linear(2, 2), gain=0.0)


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
@pytest.mark.parametrize("residual", [False, True])
def test_deep_mlp_shapes_and_layers(norm, residual):
    model = deep_mlp(
        3, 4, width=8, depth=5, activation="tanh", residual=residual, norm=norm, seed=0
    )
    assert model(torch.randn(6, 3)).shape == (6, 4)
    assert len(model.linears) == 6
    assert all(block.residual == residual for block in model.blocks)


def test_deep_mlp_same_seed_same_weights_and_init():
    a = deep_mlp(2, 2, depth=3, init="he", seed=0)
    b = deep_mlp(2, 2, depth=3, init="he", seed=0)
    c = deep_mlp(2, 2, depth=3, init="he", seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.input.weight, c.input.weight)
    assert torch.count_nonzero(a.output.bias) == 0


def test_block_residual_adds_input():
    block = Block(4, activation="relu", residual=True)
    plain = Block(4, activation="relu", residual=False)
    plain.load_state_dict(block.state_dict())
    x = torch.randn(5, 4)
    torch.testing.assert_close(block(x), x + plain(x))
    assert "residual=True" in repr(block)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"depth": 0}, ValueError, "depth must be a positive integer"),
        ({"activation": "swish"}, ValueError, "activation must be one of"),
        ({"init": "lecun"}, ValueError, "init must be one of"),
        ({"norm": "group"}, ValueError, "norm must be one of"),
        ({"width": 2.0}, TypeError, "width must be an integer"),
    ],
)
def test_deep_mlp_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        deep_mlp(2, 2, **kwargs)


def test_block_errors():
    with pytest.raises(ValueError, match="norm must be one of"):
        Block(3, norm="instance")


def test_small_cnn_shapes_and_errors():
    model = small_cnn(5, in_channels=3, image_size=16, channels=(4, 4, 8), seed=0)
    assert model(torch.zeros(2, 3, 16, 16)).shape == (2, 5)
    assert count_parameters(small_cnn(seed=0)) == 8 * 9 + 8 + 16 * 8 * 9 + 16 + 64 * 10 + 10
    with pytest.raises(ValueError, match="divisible by 2\\*\\*len\\(channels\\) = 4"):
        small_cnn(image_size=6)
    with pytest.raises(TypeError, match="channels must be a non-empty sequence"):
        small_cnn(channels=())


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_sequence_classifier(cell):
    model = sequence_classifier(3, 5, cell=cell, hidden_size=6, seed=0)
    assert model(torch.zeros(4, 7, 3)).shape == (4, 5)
    expected = nn.LSTM if cell == "lstm" else nn.RNN
    assert isinstance(model.recurrent, expected)


def test_sequence_classifier_forget_bias_and_errors():
    model = sequence_classifier(3, 2, cell="lstm", hidden_size=4, forget_bias=2.0, seed=0)
    total = model.recurrent.bias_ih_l0 + model.recurrent.bias_hh_l0
    torch.testing.assert_close(total[4:8], torch.full((4,), 2.0))
    with pytest.raises(ValueError, match="cell must be one of"):
        sequence_classifier(3, 2, cell="gru")


def test_lstm_remembers_first_symbol_where_training_is_short():
    from dlbook.sequences import first_symbol
    from dlbook.training import train

    X, y = first_symbol(64, length=4, n_symbols=2, seed=0)
    model = sequence_classifier(2, 2, cell="lstm", hidden_size=8, seed=0)
    history = train(model, X, y, lr=0.05, epochs=40, seed=0)
    assert history.accuracy[-1] == 1.0


def test_autoencoder_shapes_range_and_errors():
    model = autoencoder(64, latent_dim=2, hidden=(16, 8), seed=0)
    x = torch.rand(5, 1, 8, 8)
    assert model.encode(x).shape == (5, 2)
    out = model(x).detach()
    assert out.shape == (5, 64) and float(out.min()) >= 0 and float(out.max()) <= 1
    assert model.decode(torch.zeros(3, 2)).shape == (3, 64)
    with pytest.raises(TypeError, match="hidden must be a sequence"):
        autoencoder(64, hidden=16)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer"):
        autoencoder(64, latent_dim=0)


def test_logistic_regression():
    model = logistic_regression(64, 10, seed=0)
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    assert count_parameters(model) == 650


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
@pytest.mark.parametrize("device", available_devices())
def test_models_on_device_match_cpu(device):
    x = torch.randn(4, 1, 8, 8)
    cases = [
        (small_cnn(seed=0), x),
        (deep_mlp(64, 10, depth=3, norm="layer", seed=0), x.flatten(1)),
        (sequence_classifier(3, 2, seed=0), torch.randn(2, 5, 3)),
        (autoencoder(64, seed=0), x),
    ]
    for model, inputs in cases:
        model.eval()
        with torch.no_grad():
            expected = model(inputs)
            got = model.to(device)(inputs.to(device))
        assert got.device.type == device
        torch.testing.assert_close(got.cpu(), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.cuda
def test_compare_on_digits_on_gpu_close_to_cpu(cuda_device):
    cpu = compare_on_digits(epochs=2, seed=0)
    gpu = compare_on_digits(epochs=2, seed=0, device=cuda_device)
    for a, b in zip(cpu, gpu, strict=True):
        assert abs(a.test_accuracy - b.test_accuracy) < 0.03
