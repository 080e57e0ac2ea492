"""Tests of dlbook.shapes: tracing the output shape of every layer."""

from __future__ import annotations

import pytest
import torch
from helpers import available_devices
from torch import nn

from dlbook import models, shapes


def test_trace_shapes_of_the_mnist_mlp():
    model = models.mlp([784, 256, 256, 10])
    records = shapes.trace_shapes(model, (64, 784))
    assert [r.shape for r in records] == [(64, 256)] * 4 + [(64, 10)]
    assert [r.name for r in records] == ["0", "1", "2", "3", "4"]
    assert records[0].layer == "Linear(784 -> 256)"
    assert records[1].layer == "ReLU"


def test_trace_shapes_with_a_tensor_nested_modules_and_mode_restored():
    model = nn.Sequential(nn.Flatten(), nn.Sequential(nn.Linear(12, 5), nn.Dropout(0.5)))
    model.train()
    records = shapes.trace_shapes(model, torch.ones(2, 3, 4))
    assert [r.name for r in records] == ["0", "1.0", "1.1"]
    assert [r.shape for r in records] == [(2, 12), (2, 5), (2, 5)]
    assert records[2].layer == "Dropout(p=0.5, inplace=False)"
    assert model.training  # mode restored
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_trace_shapes_of_a_single_leaf_module():
    records = shapes.trace_shapes(nn.Linear(3, 2), torch.zeros(4, 3))
    assert records == [shapes.LayerShape("Linear", "Linear(3 -> 2)", (4, 2))]


def test_shape_error_names_the_layer_and_removes_hooks():
    model = models.mlp([784, 256, 10])
    with pytest.raises(
        ValueError,
        match=r"layer '0' \(Linear\(784 -> 256\)\) failed on an input of shape \(64, 28, 28\)",
    ):
        shapes.trace_shapes(model, (64, 28, 28))
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())
    assert len(shapes.trace_shapes(model, (1, 784))) == 3


def test_shape_table_lists_input_and_layers():
    table = shapes.shape_table(nn.Sequential(nn.Linear(3, 4), nn.Tanh()), torch.zeros(5, 3))
    lines = table.splitlines()
    assert lines[0].startswith("layer") and lines[0].endswith("output shape")
    assert lines[1].split() == ["input", "(5,", "3)"]
    assert lines[2].endswith("(5, 4)") and "Tanh" in lines[3]


@pytest.mark.parametrize(
    ("model", "x", "error", "match"),
    [
        ("model", (1, 2), TypeError, "model must be a torch.nn.Module"),
        (nn.Linear(2, 2), "1, 2", TypeError, "x must be a tensor or a shape"),
        (nn.Linear(2, 2), (), ValueError, "non-empty shape"),
        (nn.Linear(2, 2), (0, 2), ValueError, r"x\[0\] must be a positive integer"),
        (nn.Linear(2, 2), (1.5, 2), TypeError, r"x\[0\] must be an integer"),
    ],
)
def test_trace_shapes_errors(model, x, error, match):
    with pytest.raises(error, match=match):
        shapes.trace_shapes(model, x)


@pytest.mark.parametrize("device", available_devices())
def test_trace_shapes_on_the_model_device(device):
    model = models.mlp([6, 4, 2]).to(device)
    records = shapes.trace_shapes(model, (3, 6))  # a shape: zeros made on the model's device
    assert records[-1].shape == (3, 2)
    assert shapes.trace_shapes(model, torch.zeros(3, 6, device=device))[0].shape == (3, 4)
