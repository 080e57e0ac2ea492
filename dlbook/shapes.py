"""Follow a batch through a model and report the shape it has after every layer.

Most early bugs in deep learning code are shape bugs. :func:`trace_shapes`
runs one forward pass and records the output shape of every leaf module;
:func:`shape_table` formats the same record as a table; when a layer fails,
both raise an error that names the layer and the shape that arrived there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
from torch import nn

from ._validation import check_int, describe
from .devices import module_device, module_dtype

__all__ = ["LayerShape", "shape_table", "trace_shapes"]


class LayerShape(NamedTuple):
    """The output shape of one layer, as recorded by :func:`trace_shapes`."""

    name: str
    """Name of the module inside the model (``"0"``, ``"net.2"``, ...)."""
    layer: str
    """Short description of the module, e.g. ``"Linear(784 -> 256)"``."""
    shape: tuple[int, ...]
    """Shape of the module's output."""


def _describe_layer(module: nn.Module) -> str:
    if isinstance(module, nn.Linear):
        return f"Linear({module.in_features} -> {module.out_features})"
    extra = module.extra_repr()
    return f"{type(module).__name__}({extra})" if extra else type(module).__name__


def _example_input(model: nn.Module, x: Any) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, (tuple, list, torch.Size)):
        dims = tuple(check_int(f"x[{i}]", d, minimum=1) for i, d in enumerate(x))
        if not dims:
            raise ValueError("x must be a tensor or a non-empty shape such as (64, 784)")
        return torch.zeros(dims, device=module_device(model), dtype=module_dtype(model))
    raise TypeError(f"x must be a tensor or a shape such as (64, 784), got {describe(x)}")


def trace_shapes(model: nn.Module, x: torch.Tensor | Sequence[int]) -> list[LayerShape]:
    """Run one forward pass and record the output shape of every leaf module.

    The model runs in evaluation mode without gradients, and its training
    mode is restored afterwards. Modules that hold other modules (such as
    ``Sequential``) are not listed themselves, only their leaves, in the order
    in which they ran.

    Parameters
    ----------
    model : torch.nn.Module
    x : Tensor of shape (batch, ...) or a shape
        An example input, or just its shape (a zero tensor of that shape is
        made on the model's device).

    Returns
    -------
    list of LayerShape
        ``(name, layer, shape)`` per leaf module, in execution order.

    Raises
    ------
    ValueError
        When a layer fails on what it receives; the message names the layer
        and the shape of its input.

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    >>> [r.shape for r in trace_shapes(model, (64, 784))]
    [(64, 256), (64, 256), (64, 10)]
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    example = _example_input(model, x)
    records: list[LayerShape] = []
    current: dict[str, Any] = {}
    hooks = []

    def before(name: str, module: nn.Module):
        def hook(_module: nn.Module, inputs: tuple[Any, ...]) -> None:
            first = inputs[0] if inputs else None
            shape = tuple(first.shape) if isinstance(first, torch.Tensor) else None
            current["name"], current["layer"], current["shape"] = name, module, shape

        return hook

    def after(name: str, module: nn.Module):
        def hook(_module: nn.Module, _inputs: tuple[Any, ...], output: Any) -> None:
            if isinstance(output, torch.Tensor):
                records.append(LayerShape(name, _describe_layer(module), tuple(output.shape)))

        return hook

    for name, module in model.named_modules():
        if next(iter(module.children()), None) is None:  # a leaf
            label = name or type(module).__name__
            hooks.append(module.register_forward_pre_hook(before(label, module)))
            hooks.append(module.register_forward_hook(after(label, module)))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(example)
    except RuntimeError as err:
        if "name" not in current:
            raise
        raise ValueError(
            f"x of shape {tuple(example.shape)} does not fit the model: layer "
            f"{current['name']!r} ({_describe_layer(current['layer'])}) failed on an "
            f"input of shape {current['shape']}: {err}"
        ) from err
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return records


def shape_table(model: nn.Module, x: torch.Tensor | Sequence[int]) -> str:
    """Format :func:`trace_shapes` as a small text table, starting with the input.

    Parameters
    ----------
    model : torch.nn.Module
    x : Tensor of shape (batch, ...) or a shape

    Returns
    -------
    str
        A Markdown table with one row per layer.

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> print(shape_table(model, (5, 3)))
    layer                  output shape
    input                  (5, 3)
    0: Linear(3 -> 4)      (5, 4)
    1: ReLU                (5, 4)
    2: Linear(4 -> 2)      (5, 2)
    """
    records = trace_shapes(model, x)
    example_shape = tuple(x.shape) if isinstance(x, torch.Tensor) else tuple(int(d) for d in x)
    rows = [("input", example_shape)] + [(f"{r.name}: {r.layer}", r.shape) for r in records]
    width = max(len("layer"), *(len(label) for label, _ in rows)) + 6
    lines = ["layer".ljust(width) + "output shape"]
    lines += [label.ljust(width) + str(shape) for label, shape in rows]
    return "\n".join(lines)
