"""Tests of dlbook.models: builders, the collapse of linear stacks, XOR, counting, activations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from helpers import available_devices
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from dlbook.models import (
    ACTIVATIONS,
    Block,
    autoencoder,
    collapse_linear,
    count_parameters,
    deep_mlp,
    hidden_activations,
    initialize_,
    logistic_regression,
    mlp,
    mlp_from_parameters,
    sequence_classifier,
    small_cnn,
)


def _same_state(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# ---------------------------------------------------------------- mlp


def test_mlp_layout_and_shapes():
    model = mlp([2, 20, 20, 20, 2], seed=0)
    kinds = [type(m) for m in model]
    assert kinds == [nn.Linear, nn.ReLU] * 3 + [nn.Linear]
    widths = [(m.in_features, m.out_features) for m in model if isinstance(m, nn.Linear)]
    assert widths == [(2, 20), (20, 20), (20, 20), (20, 2)]
    assert model(torch.zeros(7, 2)).shape == (7, 2)


def test_mlp_without_hidden_layer_is_one_linear():
    model = mlp([3, 4])
    assert len(model) == 1 and isinstance(model[0], nn.Linear)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_mlp_uses_requested_activation(name):
    model = mlp([2, 3, 3, 1], activation=name, seed=0)
    expected = type(ACTIVATIONS[name]())
    assert [type(m) for m in model[1::2]] == [expected, expected]


def test_mlp_bias_false():
    model = mlp([2, 3, 1], bias=False, seed=0)
    assert all(m.bias is None for m in model if isinstance(m, nn.Linear))
    assert count_parameters(model) == 2 * 3 + 3 * 1


def test_mlp_same_seed_same_weights_different_seed_different():
    a, b, c = mlp([2, 5, 2], seed=3), mlp([2, 5, 2], seed=3), mlp([2, 5, 2], seed=4)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=False):
        torch.testing.assert_close(pa, pb)
    assert not torch.equal(a[0].weight, c[0].weight)


def test_mlp_seed_leaves_global_generator_untouched():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    mlp([2, 5, 2], seed=0)
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize(
    ("sizes", "error", "match"),
    [
        ("abc", TypeError, "sizes must be a sequence"),
        (5, TypeError, "sizes must be a sequence"),
        ([3], ValueError, "at least an input and an output"),
        ([2, 0, 1], ValueError, r"sizes\[1\] must be a positive integer, got 0"),
        ([2, 2.5, 1], TypeError, r"sizes\[1\] must be an integer"),
    ],
)
def test_mlp_rejects_bad_sizes(sizes, error, match):
    with pytest.raises(error, match=match):
        mlp(sizes)


def test_mlp_rejects_bad_activation_and_seed():
    with pytest.raises(ValueError, match=r"activation must be one of .*'relu'.*got 'softplus'"):
        mlp([2, 1], activation="softplus")
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        mlp([2, 1], seed=-1)


# ---------------------------------------------------------------- count_parameters


@given(st.lists(st.integers(min_value=1, max_value=12), min_size=2, max_size=5))
def test_count_parameters_matches_formula(sizes):
    expected = sum(d_out * (d_in + 1) for d_in, d_out in itertools.pairwise(sizes))
    assert count_parameters(mlp(sizes, seed=0)) == expected


def test_count_parameters_mnist_mlp():
    assert count_parameters(mlp([784, 256, 256, 10])) == 784 * 256 + 256 + 256 * 256 + 256 + 2570


def test_count_parameters_trainable_only():
    model = mlp([4, 3, 2], seed=0)
    model[0].weight.requires_grad_(False)
    assert count_parameters(model) == 3 + 3 * 2 + 2
    assert count_parameters(model, trainable_only=False) == 4 * 3 + 3 + 3 * 2 + 2


def test_count_parameters_rejects_non_module():
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module, got"):
        count_parameters([torch.zeros(3)])


# ---------------------------------------------------------------- hidden_activations


def test_hidden_activations_shapes_and_values():
    model = mlp([2, 5, 3, 1], seed=0)
    X = torch.randn(4, 2)
    h1, h2 = hidden_activations(model, X)
    assert h1.shape == (4, 5) and h2.shape == (4, 3)
    with torch.no_grad():
        torch.testing.assert_close(h1, torch.relu(model[0](X)))
        torch.testing.assert_close(h2, torch.relu(model[2](h1)))
    assert not h1.requires_grad


def test_hidden_activations_restores_mode_and_removes_hooks():
    model = mlp([2, 3, 1], seed=0)
    model.train()
    hidden_activations(model, torch.zeros(2, 2))
    assert model.training
    assert all(not m._forward_hooks for m in model)


def test_hidden_activations_accepts_arrays_and_no_hidden_layer():
    assert hidden_activations(mlp([2, 1]), np.zeros((3, 2))) == []
    h = hidden_activations(mlp([2, 4, 1], seed=0), [[0.0, 1.0]])
    assert h[0].shape == (1, 4) and h[0].dtype == torch.float32


def test_hidden_activations_rejects_bad_input():
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Sequential"):
        hidden_activations(nn.Linear(2, 2), torch.zeros(1, 2))
    with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\), got shape \(2,\)"):
        hidden_activations(mlp([2, 1]), torch.zeros(2))


@pytest.mark.parametrize("device", available_devices())
def test_hidden_activations_returns_cpu_tensors(device):
    model = mlp([2, 3, 1], seed=0).to(device)
    (h,) = hidden_activations(model, torch.zeros(2, 2))
    assert h.device.type == "cpu"


@pytest.mark.cuda
def test_hidden_activations_on_cuda(cuda_device):
    model = mlp([2, 3, 1], seed=0)
    X = torch.randn(5, 2)
    expected = hidden_activations(model, X)[0]
    got = hidden_activations(model.to(cuda_device), X)[0]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- mlp_from_parameters


def test_mlp_from_parameters_sets_weights_exactly():
    W1, b1 = torch.randn(3, 2), torch.randn(3)
    W2, b2 = torch.randn(1, 3), torch.randn(1)
    net = mlp_from_parameters([(W1, b1), (W2, b2)], activation="tanh")
    assert [type(m) for m in net] == [nn.Linear, nn.Tanh, nn.Linear]
    X = torch.randn(6, 2)
    expected = torch.tanh(X @ W1.T + b1) @ W2.T + b2
    torch.testing.assert_close(net(X), expected)
    assert all(p.requires_grad for p in net.parameters())


def test_mlp_from_parameters_copies_rather_than_shares():
    W = torch.ones(1, 2)
    net = mlp_from_parameters([(W, None)])
    W.zero_()
    torch.testing.assert_close(net[0].weight, torch.ones(1, 2))
    assert net[0].bias is None


def test_mlp_from_parameters_accepts_nested_lists():
    net = mlp_from_parameters([([[1.0], [-1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [0.0])])
    x = torch.tensor([[-2.0], [3.0], [0.5]])
    torch.testing.assert_close(net(x), x.abs())  # relu(x) + relu(-x) = |x|


@pytest.mark.parametrize(
    ("parameters", "error", "match"),
    [
        ("W", TypeError, "parameters must be a sequence of"),
        ([], ValueError, "at least one"),
        ([(torch.ones(2, 2),)], TypeError, r"parameters\[0\] must be a \(weight, bias\) pair"),
        ([(torch.ones(2), None)], ValueError, r"parameters\[0\] weight must have 2 dimension"),
        ([(torch.ones(0, 2), None)], ValueError, "non-empty shape"),
        ([(torch.ones(2, 2), torch.ones(3))], ValueError, r"bias must have shape \(2,\)"),
        (
            [(torch.ones(3, 2), None), (torch.ones(1, 4), None)],
            ValueError,
            r"parameters\[1\] weight must have 3 columns",
        ),
        (
            [(torch.ones(3, 2), torch.ones(3)), (torch.ones(1, 3), None)],
            ValueError,
            "a bias for every layer or for none",
        ),
        ([(torch.full((1, 1), float("nan")), None)], ValueError, "NaN or infinite"),
        ([("ab", None)], TypeError, "must be a tensor or array"),
    ],
)
def test_mlp_from_parameters_rejects_bad_input(parameters, error, match):
    with pytest.raises(error, match=match):
        mlp_from_parameters(parameters)


def test_mlp_from_parameters_rejects_bad_activation():
    with pytest.raises(ValueError, match="activation must be one of"):
        mlp_from_parameters([(torch.ones(1, 1), None)], activation="step")


# ---------------------------------------------------------------- collapse_linear


@given(
    st.lists(st.integers(min_value=1, max_value=6), min_size=2, max_size=5),
    st.integers(min_value=0, max_value=1000),
    st.booleans(),
)
def test_collapse_linear_computes_the_same_function(sizes, seed, bias):
    stack = mlp(sizes, activation="identity", bias=bias, seed=seed)
    single = collapse_linear(stack)
    assert single.weight.shape == (sizes[-1], sizes[0])
    assert (single.bias is not None) == bias
    X = torch.randn(5, sizes[0], generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        torch.testing.assert_close(single(X), stack(X), rtol=1e-4, atol=1e-5)


def test_collapse_linear_two_layer_formula():
    first, second = nn.Linear(2, 4), nn.Linear(4, 3)
    single = collapse_linear([first, second])
    with torch.no_grad():
        torch.testing.assert_close(single.weight, second.weight @ first.weight)
        torch.testing.assert_close(single.bias, second.weight @ first.bias + second.bias)


def test_collapse_linear_mixed_biases_and_single_layer():
    first, second = nn.Linear(2, 3, bias=False), nn.Linear(3, 1)
    single = collapse_linear([first, second])
    with torch.no_grad():
        torch.testing.assert_close(single.bias, second.bias)
    only = nn.Linear(2, 2)
    copy = collapse_linear(only)
    assert copy is not only
    torch.testing.assert_close(copy.weight, only.weight)
    first, second = nn.Linear(2, 3), nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        torch.testing.assert_close(
            collapse_linear([first, second]).bias, second.weight @ first.bias
        )


def test_collapse_linear_result_is_independent_of_inputs():
    stack = mlp([2, 3, 2], activation="identity", seed=0)
    single = collapse_linear(stack)
    before = single.weight.detach().clone()
    with torch.no_grad():
        stack[0].weight.add_(1.0)
    torch.testing.assert_close(single.weight, before)
    assert single.weight.requires_grad


def test_collapse_linear_gradient_matches_autograd_of_product():
    first, second = nn.Linear(2, 3), nn.Linear(3, 2)
    single = collapse_linear([first, second])
    x = torch.randn(4, 2)
    single(x).sum().backward()
    W = (second.weight @ first.weight).detach().requires_grad_(True)
    (x @ W.T).sum().backward()
    torch.testing.assert_close(single.weight.grad, W.grad)


def test_collapse_linear_rejects_nonlinear_and_bad_input():
    with pytest.raises(TypeError, match=r"layers\[1\] must be torch.nn.Linear .*got ReLU"):
        collapse_linear(mlp([2, 3, 1], seed=0))
    with pytest.raises(ValueError, match=r"at least one torch\.nn\.Linear"):
        collapse_linear([nn.Identity()])
    with pytest.raises(ValueError, match="expects 4 inputs but the layer before it has 3"):
        collapse_linear([nn.Linear(2, 3), nn.Linear(4, 1)])
    with pytest.raises(TypeError, match=r"layers must be a sequence of torch\.nn\.Linear"):
        collapse_linear("linear")
    with pytest.raises(TypeError, match="layers must be a sequence"):
        collapse_linear(42)


@pytest.mark.parametrize("device", available_devices())
def test_collapse_linear_keeps_device(device):
    stack = mlp([2, 3, 1], activation="identity", seed=0).to(device)
    single = collapse_linear(stack)
    assert single.weight.device.type == device


# ------------------------------------------------------------ deeper architectures


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
    from dlbook.data import first_symbol
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


def test_mlp_norm_and_dropout_layout_and_seed():
    model = mlp([2, 8, 8, 3], norm="batch", dropout=0.2, seed=1)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout"] * 2 + ["Linear"]
    assert model[3].p == 0.2
    assert _same_state(model, mlp([2, 8, 8, 3], norm="batch", dropout=0.2, seed=1))
    plain = mlp([2, 8, 2], dropout=0.5, seed=0)
    assert [type(m).__name__ for m in plain] == ["Linear", "ReLU", "Dropout", "Linear"]


def test_mlp_norm_and_dropout_leave_the_global_generator_alone():
    torch.manual_seed(3)
    expected = torch.rand(1)
    torch.manual_seed(3)
    mlp([2, 4, 2], norm="batch", dropout=0.5, seed=0)
    assert torch.equal(torch.rand(1), expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sizes": [2]}, ValueError, "at least an input and an output"),
        ({"sizes": "2,3"}, TypeError, "sequence of layer widths"),
        ({"sizes": [2, 0, 2]}, ValueError, r"sizes\[1\] must be a positive integer"),
        ({"sizes": [2, 2], "dropout": 1.0}, ValueError, r"dropout must lie in \[0, 1\)"),
        ({"sizes": [2, 2], "seed": -1}, ValueError, "seed must be an integer >= 0"),
    ],
)
def test_mlp_norm_and_dropout_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        mlp(**kwargs)
