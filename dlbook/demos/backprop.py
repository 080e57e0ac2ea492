"""Backpropagation by hand on the smallest network that has a hidden layer.

:func:`two_one_one_step` runs one SGD step of the 2-1-1 sigmoid network of the
chapter on backpropagation with the layers of :mod:`dlbook.scratch`, and
reports every intermediate value the chapter derives on paper.
:func:`finite_difference_errors` measures how far central differences land from
the exact gradient, in float32 and float64, for a range of step sizes.
:class:`Value` is a scalar reverse-mode autograd engine in the spirit of
micrograd: every arithmetic operation records its inputs and a local backward
rule, and :meth:`Value.backward` visits the recorded graph in reverse
topological order; :func:`plot_graph` draws that graph.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .._axes import get_axes
from .._validation import check_float, check_int, check_sequence, describe

if TYPE_CHECKING:
    from matplotlib.axes import Axes
from ..scratch import SGD, BCEWithLogitsLoss, Linear, Sequential, Sigmoid

__all__ = ["Value", "finite_difference_errors", "plot_graph", "two_one_one_step"]


def _pair(name: str, value: Any) -> list[Any]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{name} must be a pair of numbers, got {describe(value)}")
    return list(value)


def two_one_one_step(
    x: tuple[float, float],
    y: float,
    *,
    w1: tuple[float, float],
    b1: float,
    w2: float,
    b2: float,
    lr: float,
) -> dict[str, Any]:
    """One SGD step of the 2-1-1 sigmoid network of the backpropagation chapter, run by the engine.

    The network is ``h = sigmoid(w1 . x + b1)``, ``y_hat = sigmoid(w2 h + b2)``
    with binary cross-entropy loss. The engine runs ``Linear(2, 1)``,
    ``Sigmoid``, ``Linear(1, 1)`` and :class:`dlbook.scratch.BCEWithLogitsLoss`
    (so the output sigmoid is folded into the loss, whose gradient with respect
    to ``z2`` is ``y_hat - y``).

    Parameters
    ----------
    x : (float, float)
        The input.
    y : float
        The label, 0 or 1.
    w1 : (float, float), b1 : float, w2 : float, b2 : float
        The parameters before the step.
    lr : float
        Learning rate.

    Returns
    -------
    dict
        Forward values ``z1, h, z2, y_hat, loss``; gradients ``delta2``
        (= dL/dz2), ``grad_h`` (= dL/dh), ``delta1`` (= dL/dz1), ``grad_w1``, ``grad_b1``,
        ``grad_w2``, ``grad_b2``; parameters after the step ``new_w1``,
        ``new_b1``, ``new_w2``, ``new_b2``; and ``new_loss``, the loss after it.

    Examples
    --------
    >>> out = two_one_one_step((1.0, 0.0), 1.0, w1=(0.0, 0.0), b1=0.0, w2=0.0, b2=0.0, lr=1.0)
    >>> out["h"], out["y_hat"], out["delta2"]
    (0.5, 0.5, -0.5)
    """
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    if y not in (0, 1, 0.0, 1.0):
        raise ValueError(f"y must be 0 or 1, got {describe(y)}")
    point = [check_float(f"x[{i}]", v) for i, v in enumerate(_pair("x", x))]
    weights = [check_float(f"w1[{i}]", v) for i, v in enumerate(_pair("w1", w1))]
    y, b1 = check_float("y", y), check_float("b1", b1)
    w2, b2 = check_float("w2", w2), check_float("b2", b2)
    first, act, second = Linear(2, 1), Sigmoid(), Linear(1, 1)
    assert first.bias is not None and second.bias is not None  # both built with biases
    first.weight.data[...] = np.asarray(weights, dtype=np.float64).reshape(1, 2)
    first.bias.data[...] = b1
    second.weight.data[...] = w2
    second.bias.data[...] = b2
    model, loss_fn = Sequential(first, act, second), BCEWithLogitsLoss()
    xb, yb = np.asarray(point, dtype=np.float64).reshape(1, 2), np.array([[float(y)]])
    z2 = model(xb)
    loss = loss_fn(z2, yb)
    model.zero_grad()
    delta2 = loss_fn.backward()
    grad_h = second.backward(delta2)
    delta1 = act.backward(grad_h)
    first.backward(delta1)
    out: dict[str, Any] = {
        "z1": float(first(xb)[0, 0]),
        "h": float(act(first(xb))[0, 0]),
        "z2": float(z2[0, 0]),
        "y_hat": float(0.5 * (1 + np.tanh(0.5 * z2[0, 0]))),
        "loss": loss,
        "delta2": float(delta2[0, 0]),
        "grad_h": float(grad_h[0, 0]),
        "delta1": float(delta1[0, 0]),
        "grad_w1": tuple(float(v) for v in first.weight.grad[0]),
        "grad_b1": float(first.bias.grad[0]),
        "grad_w2": float(second.weight.grad[0, 0]),
        "grad_b2": float(second.bias.grad[0]),
    }
    SGD(model.parameters(), lr=lr).step()
    out |= {
        "new_w1": tuple(float(v) for v in first.weight.data[0]),
        "new_b1": float(first.bias.data[0]),
        "new_w2": float(second.weight.data[0, 0]),
        "new_b2": float(second.bias.data[0]),
        "new_loss": loss_fn(model(xb), yb),
    }
    return out


def finite_difference_errors(
    epsilons: list[float], *, n_in: int = 5, n_out: int = 8, seed: int = 0
) -> dict[str, list[float]]:
    """Relative error of central differences for each step size, in float32 and float64.

    The function is ``L(W) = sum(tanh(W x) * r)`` for a random ``W`` of shape
    ``(n_out, n_in)``, input ``x`` and weights ``r``. For each ``eps`` every
    entry of ``W`` gets the estimate ``(L(W + eps e_i) - L(W - eps e_i)) / 2 eps``,
    computed in the given precision; the error is the largest deviation from
    autograd's gradient (in the same precision), divided by the largest entry
    of that gradient. Truncation makes it grow like ``eps**2`` for large steps,
    rounding like ``u / eps`` (``u`` the unit roundoff) for small ones.

    Parameters
    ----------
    epsilons : list of float
        Step sizes, each > 0.
    n_in, n_out : int, default 5 and 8
        Shape of ``W``.
    seed : int, default 0
        Seed of ``W``, ``x`` and ``r`` (drawn in float64, then rounded).

    Returns
    -------
    dict of str to list of float
        ``{"float32": [...], "float64": [...]}``, one error per step size.

    Examples
    --------
    >>> errors = finite_difference_errors([1e-2, 1e-6])
    >>> errors["float64"][1] < 1e-8 < errors["float32"][1]
    True
    """
    steps = [
        check_float(f"epsilons[{i}]", e, minimum=0.0, strict_minimum=True)
        for i, e in enumerate(check_sequence("epsilons", epsilons))
    ]
    if not steps:
        raise ValueError("epsilons must hold at least one step size, got an empty sequence")
    n_in, n_out = check_int("n_in", n_in, minimum=1), check_int("n_out", n_out, minimum=1)
    gen = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    weight = torch.randn(n_out, n_in, generator=gen, dtype=torch.float64)
    x = torch.randn(n_in, generator=gen, dtype=torch.float64)
    r = torch.randn(n_out, generator=gen, dtype=torch.float64)
    result: dict[str, list[float]] = {}
    for name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
        w, xd, rd = weight.to(dtype), x.to(dtype), r.to(dtype)

        def loss(w: torch.Tensor, xd: torch.Tensor = xd, rd: torch.Tensor = rd) -> torch.Tensor:
            return (torch.tanh(w @ xd) * rd).sum()

        leaf = w.clone().requires_grad_(True)
        loss(leaf).backward()
        assert leaf.grad is not None
        exact = leaf.grad
        errors = []
        for eps in steps:
            numeric = torch.zeros_like(w)
            for i in range(w.numel()):
                step = torch.zeros(w.numel(), dtype=dtype)
                step[i] = eps
                step = step.view_as(w)
                with torch.no_grad():
                    numeric.view(-1)[i] = (loss(w + step) - loss(w - step)) / (2 * eps)
            errors.append(float((numeric - exact).abs().max() / exact.abs().max()))
        result[name] = errors
    return result


class Value:
    """A scalar that records the operations applied to it, for reverse-mode autograd.

    ``+``, ``-``, ``*``, ``/``, ``**`` (by a number), :meth:`tanh`, :meth:`exp`
    and :meth:`relu` each return a new ``Value`` that remembers its inputs and
    how to pass a gradient back to them. :meth:`backward` then fills ``grad``
    (``dL/d(this value)``) of every value the result depends on. A value used
    several times collects the sum of its gradients along every path.

    Parameters
    ----------
    data : float
        The number.
    label : str, default ""
        A name, shown by :func:`plot_graph`.

    Examples
    --------
    >>> x = Value(3.0, label="x")
    >>> y = x * x + 2 * x           # x is used three times
    >>> y.backward()
    >>> x.grad                      # dy/dx = 2x + 2
    8.0
    """

    def __init__(self, data: float, *, label: str = "") -> None:
        self.data = check_float("data", data)
        if not isinstance(label, str):
            raise TypeError(f"label must be a string, got {describe(label)}")
        self.label = label
        self.grad = 0.0
        self._inputs: tuple[Value, ...] = ()
        self._op = ""
        self._backward: Callable[[], None] = lambda: None

    @staticmethod
    def _as_value(other: Any) -> Value:
        if isinstance(other, Value):
            return other
        if isinstance(other, bool) or not isinstance(other, numbers.Real):
            raise TypeError(
                f"a Value combines with a Value or a real number, got {describe(other)}"
            )
        return Value(float(other))

    def _result(self, data: float, inputs: tuple[Value, ...], op: str) -> Value:
        if not math.isfinite(data):
            raise ValueError(
                f"{op} gives a non-finite result ({data}) from {[v.data for v in inputs]}"
            )
        out = Value(data)
        out._inputs, out._op = inputs, op
        return out

    def __add__(self, other: Any) -> Value:
        other = self._as_value(other)
        out = self._result(self.data + other.data, (self, other), "+")

        def backward() -> None:  # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other: Any) -> Value:
        other = self._as_value(other)
        out = self._result(self.data * other.data, (self, other), "*")

        def backward() -> None:  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def __pow__(self, exponent: Any) -> Value:
        k = check_float("exponent", exponent)
        if self.data == 0 and k < 1:
            raise ValueError(f"0 ** {k} has no finite derivative")
        out = self._result(self.data**k, (self,), f"**{k:g}")

        def backward() -> None:  # d(a^k)/da = k a^(k-1)
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = backward
        return out

    def tanh(self) -> Value:
        """``tanh`` of this value; its derivative is ``1 - tanh^2``."""
        t = math.tanh(self.data)
        out = self._result(t, (self,), "tanh")

        def backward() -> None:
            self.grad += (1 - t * t) * out.grad

        out._backward = backward
        return out

    def exp(self) -> Value:
        """``exp`` of this value; its derivative is itself."""
        if self.data > 709:
            raise ValueError(f"exp overflows for data > 709, got {self.data}")
        out = self._result(math.exp(self.data), (self,), "exp")

        def backward() -> None:
            self.grad += out.data * out.grad

        out._backward = backward
        return out

    def relu(self) -> Value:
        """``max(0, value)``; its derivative is taken as 0 at 0."""
        out = self._result(max(0.0, self.data), (self,), "relu")

        def backward() -> None:
            self.grad += (self.data > 0) * out.grad

        out._backward = backward
        return out

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Any) -> Value:
        return self + (-self._as_value(other))

    def __truediv__(self, other: Any) -> Value:
        other = self._as_value(other)
        if other.data == 0:
            raise ZeroDivisionError("division of a Value by zero")
        return self * other**-1

    def __radd__(self, other: Any) -> Value:
        return self + other

    def __rmul__(self, other: Any) -> Value:
        return self * other

    def __rsub__(self, other: Any) -> Value:
        return self._as_value(other) + (-self)

    def __rtruediv__(self, other: Any) -> Value:
        return self._as_value(other) / self

    def topological_order(self) -> list[Value]:
        """Every value this one depends on, each after all of its inputs, ending with this one."""
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:  # depth first, without recursion (graphs can be deep)
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend(
                (child, False) for child in reversed(node._inputs) if id(child) not in seen
            )
        return order

    def backward(self) -> None:
        """Fill ``grad`` of every value this one depends on, with ``d(self)/d(value)``.

        Gradients are set to zero first, then this value's to 1, and the local
        rules run in reverse topological order, so each value's gradient is
        complete before it is passed on.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={self.grad:.4g})"


def plot_graph(root: Value, *, ax: Axes | None = None) -> Axes:
    """Draw the computation graph that produced ``root``, inputs on the left.

    Each value is a box with its label (or the operation that made it), its
    value and its gradient; an arrow runs from each input to each result.
    Columns are the longest distance from an input.

    Parameters
    ----------
    root : Value
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    >>> out = a * b + a
    >>> out.backward()
    >>> ax = plot_graph(out)
    >>> len([t for t in ax.texts if t.get_text()])  # one box per value: a, b, a*b, a*b + a
    4
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {describe(root)}")
    order = root.topological_order()
    depth: dict[int, int] = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(c)] for c in node._inputs), default=-1)
    columns: dict[int, list[Value]] = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    tallest = max(len(col) for col in columns.values())
    ax = get_axes(ax, figsize=(1.6 * len(columns) + 1, 0.9 * tallest + 1.0))
    where: dict[int, tuple[float, float]] = {}
    for d, col in columns.items():
        for j, node in enumerate(col):
            where[id(node)] = (2.0 * d, (len(col) - 1) / 2 - j)
    for node in order:
        x, y = where[id(node)]
        name = node.label or node._op or "const"
        ax.text(
            x,
            y,
            f"{name}\n{node.data:.3g}\ngrad {node.grad:.3g}",
            ha="center",
            va="center",
            fontsize=8,
            bbox={"boxstyle": "round", "fc": "#E8F1FA", "ec": "#0072B2"},
        )
        for child in node._inputs:
            cx, cy = where[id(child)]
            # a long edge arcs round the columns it skips: above them from a higher box
            bend = 0.0 if x - cx <= 2.0 else (-0.3 if cy >= y else 0.3)
            ax.annotate(
                "",
                xy=(x - 0.55, y),
                xytext=(cx + 0.55, cy),
                arrowprops={
                    "arrowstyle": "->",
                    "color": "0.3",
                    "connectionstyle": f"arc3,rad={bend}",
                },
            )
    ax.set_xlim(-0.9, 2.0 * (len(columns) - 1) + 0.9)
    ax.set_ylim(-tallest / 2 - 0.6, tallest / 2 + 0.6)
    ax.axis("off")
    return ax
