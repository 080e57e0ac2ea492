"""Tests of dlbook.models: builders, the collapse of linear stacks, XOR, counting, activations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from helpers import available_devices
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlbook.models import (
    ACTIVATIONS,
    collapse_linear,
    count_parameters,
    hidden_activations,
    mlp,
    mlp_from_parameters,
    xor_network,
)

CORNERS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


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
@settings(max_examples=25, deadline=None)
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
@settings(max_examples=30, deadline=None)
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


# ---------------------------------------------------------------- xor_network


def test_xor_network_truth_table_and_hidden_codes():
    net = xor_network()
    with torch.no_grad():
        out = net(CORNERS)
    assert out.shape == (4, 1)
    torch.testing.assert_close(out[:, 0], torch.tensor([0.0, 1.0, 1.0, 0.0]))
    (h,) = hidden_activations(net, CORNERS)
    torch.testing.assert_close(h, torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0]]))


def test_xor_network_layout_and_fresh_copies():
    a, b = xor_network(), xor_network()
    assert [type(m) for m in a] == [nn.Linear, nn.ReLU, nn.Linear]
    assert count_parameters(a) == 2 * 2 + 2 + 2 + 1
    with torch.no_grad():
        a[0].weight.zero_()
    assert torch.equal(b[0].weight, torch.ones(2, 2))


def test_xor_network_is_not_linear():
    with pytest.raises(TypeError, match="nonlinear layer does not collapse"):
        collapse_linear(xor_network())
