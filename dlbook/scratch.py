"""A from-scratch neural network engine in NumPy, with explicit backward passes.

Every layer has a ``forward`` that stores what its ``backward`` needs, and a
``backward`` that receives ``dL/d(output)`` and returns ``dL/d(input)`` while
writing ``dL/d(parameter)`` into each parameter's ``grad``. Names and shapes
follow ``torch.nn``: ``Linear(in_features, out_features)`` holds a weight of
shape ``(out_features, in_features)``. Inputs are batches: arrays of shape
``(n_samples, n_features)``.

A training step reads::

    loss = loss_fn(model(X), y)       # forward
    optimizer.zero_grad()
    model.backward(loss_fn.backward())  # backward, last layer first
    optimizer.step()                    # p <- p - lr * grad

A :class:`Module` finds its parts the way ``torch.nn.Module`` does: every
attribute that is a :class:`Parameter` is one of its parameters, every
attribute that is a :class:`Module` (or a list of them) one of its children, so
a model of your own built from the engine's layers reports all its parameters,
trains and switches mode as a whole, and has a :meth:`Module.state_dict`. A
module may be used several times in one forward pass: what each call stores
for its backward pass is kept on a stack, and backward calls (made in reverse
order, as reverse mode does) take them back one by one. A forward pass between a
loss and its backward pass (on validation data, say) replaces what was stored; a
backward call given the very array the loss's ``backward()`` returned knows which
pass that loss saw, and raises ``RuntimeError`` rather than return wrong gradients.
:meth:`~dlbook.scratch.Module.to_torch`
and :func:`from_torch` convert to and from the equivalent ``torch.nn`` model.
"""

from __future__ import annotations

import collections
import functools
import itertools
import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from scipy.special import erf
from torch import nn

from ._validation import check_choice, check_float, check_int, check_seed, describe
from .functional import binary_cross_entropy_with_logits, cross_entropy, softmax

__all__ = [
    "GELU",
    "SGD",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "L2Normalize",
    "LayerNorm",
    "Linear",
    "MSELoss",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "Threshold",
    "check_gradients",
    "from_torch",
    "mlp",
    "numerical_gradient",
]


class Parameter:
    """A learnable array and the gradient of the loss with respect to it.

    Parameters
    ----------
    data : array
        The values; stored as a floating array.

    Examples
    --------
    >>> p = Parameter(np.zeros(3))
    >>> p.grad
    array([0., 0., 0.])
    """

    def __init__(self, data: np.ndarray) -> None:
        array = _numbers("data", data)
        self.data = array if array.dtype.kind == "f" else array.astype(np.float64)
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape})"


def _numbers(name: str, x: Any) -> np.ndarray:
    """``x`` as a NumPy array of real numbers (a copy for anything but an array)."""
    if isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a NumPy array, got {describe(x)}: use .numpy()")
    try:
        array = np.array(x, copy=not isinstance(x, np.ndarray) or None)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers, got {describe(x)}") from err
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got {describe(x)}")
    return array


def _batch(name: str, x: Any, n_features: int | None = None) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {describe(x)}")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (n_samples, n_features), got {x.shape}")
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (n_samples, {n_features}), got {x.shape}")
    return x


#: Forward passes started from the outside (not from inside another module's forward).
_PASSES = itertools.count(1)
_DEPTH = 0
#: The outputs of the latest outside forward passes and the gradients losses computed from
#: them, each with the number of its pass: backward checks that the values a module stored
#: come from the pass that produced the gradient it is given (matched by identity).
_OUTPUTS: collections.deque[tuple[Any, int]] = collections.deque(maxlen=16)
_GRADIENTS: collections.deque[tuple[Any, int]] = collections.deque(maxlen=16)


def _pass_of(array: Any, registry: collections.deque[tuple[Any, int]]) -> int | None:
    for candidate, number in reversed(registry):
        if candidate is array:
            return number
    return None


def _recorded_forward(forward: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a ``forward`` so that what it stores on ``self`` is pushed on the module's stack."""

    @functools.wraps(forward)
    def wrapper(self: Module, *args: Any, **kwargs: Any) -> Any:
        state = self.__dict__
        if state.get("_recording") is not None:  # super().forward() inside a recorded call
            return forward(self, *args, **kwargs)
        global _DEPTH
        outside = _DEPTH == 0
        if outside:
            Module._current_pass = next(_PASSES)
        stack = state.setdefault("_saved", [])
        if stack and stack[-1][0] != Module._current_pass:
            stack.clear()  # left by an earlier pass that had no backward (evaluation)
        names: set[str] = set()
        state["_recording"] = names
        _DEPTH += 1
        try:
            out = forward(self, *args, **kwargs)
        finally:
            _DEPTH -= 1
            state["_recording"] = None
        stack.append((Module._current_pass, {name: state[name] for name in names}))
        if outside:
            _OUTPUTS.append((out, Module._current_pass))
        return out

    wrapper._records = True  # type: ignore[attr-defined]
    return wrapper


def _replayed_backward(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a ``backward`` so that it sees what the matching forward call stored."""

    @functools.wraps(backward)
    def wrapper(self: Module, *args: Any, **kwargs: Any) -> Any:
        state = self.__dict__
        if state.get("_replaying"):  # super().backward() inside a replayed call
            return backward(self, *args, **kwargs)
        stack = state.get("_saved")
        if not stack:
            raise RuntimeError(
                f"{type(self).__name__}.backward() was called more often than its forward "
                "pass: call the module on an input first, and backward once per call"
            )
        if args:
            origin = _pass_of(args[0], _GRADIENTS)
            if origin is not None and origin != stack[-1][0]:
                raise RuntimeError(
                    f"{type(self).__name__}.backward() was given the gradient of a loss on "
                    f"forward pass {origin}, but the values it stored come from a later "
                    f"forward pass {stack[-1][0]} (for example on validation data), which "
                    "replaced them: run backward before the next forward pass, or repeat "
                    "the forward pass and the loss"
                )
        _, saved = stack.pop()
        state.update(saved)  # the stored input and output of the matching call
        state["_replaying"] = True
        try:
            return backward(self, *args, **kwargs)
        finally:
            state["_replaying"] = False

    wrapper._records = True  # type: ignore[attr-defined]
    return wrapper


class Module:
    """Base class: a differentiable map with a forward and a backward pass.

    Subclasses implement ``forward(x)``, storing on ``self`` what the backward
    pass needs, and ``backward(grad_output)``, which reads it back, adds to
    each parameter's ``grad`` and returns the gradient with respect to ``x``.
    They keep their learnable arrays as :class:`Parameter` attributes and
    their parts as :class:`Module` attributes (or lists of modules), found by
    :meth:`named_children` as ``torch.nn.Module`` finds them; override
    :meth:`named_children` to name them otherwise, and :meth:`named_buffers`
    for non-learnable state. What a call of ``forward`` stores is kept on a
    stack, so one module may be used several times in a pass; its backward
    calls must then come in reverse order (the last use first), which is the
    order reverse mode visits them.

    Examples
    --------
    >>> class TwoLayers(Module):
    ...     def __init__(self):
    ...         self.hidden, self.act, self.out = Linear(3, 4, seed=0), Tanh(), Linear(4, 1, seed=1)
    ...     def forward(self, x):
    ...         return self.out(self.act(self.hidden(x)))
    ...     def backward(self, grad):
    ...         return self.hidden.backward(self.act.backward(self.out.backward(grad)))
    >>> [name for name, _ in TwoLayers().named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    """

    training: bool = True
    _current_pass: int = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, wrap in (("forward", _recorded_forward), ("backward", _replayed_backward)):
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_records", False):
                setattr(cls, name, wrap(method))

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        recording = self.__dict__.get("_recording")
        if recording is not None:
            recording.add(name)

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad_output: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    # ------------------------------------------------------------- the parts

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for each attribute that is a module or a list of modules."""
        for name, value in list(vars(self).items()):
            if name.startswith("_"):
                continue
            if isinstance(value, Module):
                yield name, value
            elif (
                isinstance(value, (list, tuple))
                and value
                and all(isinstance(v, Module) for v in value)
            ):
                for i, child in enumerate(value):
                    yield f"{name}.{i}", child

    def children(self) -> list[Module]:
        """The direct sub-modules, in the order they were assigned."""
        return [child for _, child in self.named_children()]

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it, depth first."""
        yield self
        for child in self.children():
            yield from child.modules()

    def _own_parameters(self) -> Iterator[tuple[str, Parameter]]:
        for name, value in list(vars(self).items()):
            if isinstance(value, Parameter):
                yield name, value
            elif (
                isinstance(value, (list, tuple))
                and value
                and all(isinstance(v, Parameter) for v in value)
            ):
                for i, p in enumerate(value):
                    yield f"{name}.{i}", p

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` pairs, named like torch's ``state_dict`` keys.

        A parameter shared by two modules is yielded once, under its first name.
        """
        seen: set[int] = set()
        for name, p in self._all_parameters(""):
            if id(p) not in seen:
                seen.add(id(p))
                yield name, p

    def _all_parameters(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name, p in self._own_parameters():
            yield prefix + name, p
        for name, child in self.named_children():
            for sub, p in child.named_parameters():
                yield f"{prefix}{name}.{sub}", p

    def parameters(self) -> list[Parameter]:
        """The learnable parameters of the module and its children."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        """Yield non-learnable state (batch norm's running statistics), children's included."""
        for name, child in self.named_children():
            for sub, buffer in child.named_buffers():
                yield f"{name}.{sub}", buffer

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero."""
        for p in self.parameters():
            p.grad[...] = 0.0

    def train(self, mode: bool = True) -> Module:
        """Switch training mode on (dropout drops, batch norm uses batch statistics)."""
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (dropout off, batch norm uses its running statistics)."""
        return self.train(False)

    # ------------------------------------------------------------- the state

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter and buffer, by the names torch uses.

        Returns
        -------
        OrderedDict of str to array
            ``{"0.weight": ..., "0.bias": ..., "1.running_mean": ...}``.

        Examples
        --------
        >>> list(Linear(2, 1, seed=0).state_dict())
        ['weight', 'bias']
        """
        state: OrderedDict[str, np.ndarray] = OrderedDict()
        for name, p in self.named_parameters():
            state[name] = p.data.copy()
        for name, buffer in self.named_buffers():
            state[name] = np.array(buffer, copy=True)
        return state

    def load_state_dict(self, state_dict: Any, *, strict: bool = True) -> Module:
        """Copy arrays (or tensors) into the parameters and buffers, in place.

        Parameters
        ----------
        state_dict : mapping of str to array or Tensor
            As returned by :meth:`state_dict` (or a torch model's ``state_dict()``
            of the same architecture; its ``num_batches_tracked`` are ignored).
        strict : bool, default True
            Every key must match; with False, keys missing on either side are
            skipped.

        Returns
        -------
        Module
            ``self``.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(
                f"state_dict must be a mapping of names to arrays, got {describe(state_dict)}"
            )
        given = {k: v for k, v in state_dict.items() if not str(k).endswith("num_batches_tracked")}
        mine: dict[str, np.ndarray] = {n: p.data for n, p in self.named_parameters()}
        mine.update(self.named_buffers())
        if strict and set(given) != set(mine):
            missing, unexpected = sorted(set(mine) - set(given)), sorted(set(given) - set(mine))
            raise ValueError(
                f"state_dict must have the keys of this module: missing {missing}, "
                f"unexpected {unexpected}"
            )
        for key, target in mine.items():
            if key not in given:
                continue
            value = given[key]
            if isinstance(value, torch.Tensor):
                value = value.detach().cpu().double().numpy()
            value = np.asarray(value)
            if value.shape != target.shape:
                raise ValueError(
                    f"state_dict[{key!r}] must have shape {target.shape}, got {value.shape}"
                )
            target[...] = value
        return self

    def load_torch(self, module: Any) -> Module:
        """Copy the parameters (and buffers) of the matching ``torch.nn`` module into this one.

        Parameters
        ----------
        module : torch.nn.Module
            Same architecture, e.g. ``torch.nn.Linear(3, 2)`` for ``Linear(3, 2)``.

        Returns
        -------
        Module
            ``self``.
        """
        if not isinstance(module, nn.Module):
            raise TypeError(f"module must be a torch.nn.Module, got {describe(module)}")
        state = {k: v.detach().cpu().double().numpy() for k, v in module.state_dict().items()}
        mine = dict(self.named_parameters()) | dict(self.named_buffers())
        wanted = {k for k in state if not k.endswith("num_batches_tracked")}
        if wanted != set(mine):
            raise ValueError(
                f"module must have the parameters {sorted(mine)}, got {sorted(wanted)}"
            )
        return self.load_state_dict(state, strict=False)

    # ------------------------------------------------------------- to torch

    def torch_module(self) -> nn.Module:
        """A new ``torch.nn`` module of the same architecture (its weights are not copied).

        Layers with a torch equivalent define it; :meth:`~dlbook.scratch.Module.to_torch` copies the
        weights. A module of your own can define it too (for instance as an
        ``nn.Sequential`` of its children's ``torch_module()``).
        """
        raise TypeError(
            f"{type(self).__name__} has no torch.nn equivalent: define its torch_module() "
            "method to export it"
        )

    def to_torch(self, *, dtype: torch.dtype = torch.float64) -> nn.Module:
        """The equivalent ``torch.nn`` model, with this module's parameters, buffers and mode.

        Parameters
        ----------
        dtype : torch.dtype, default torch.float64
            The engine computes in float64; so does the exported model by default.

        Returns
        -------
        torch.nn.Module
            Gives the same outputs and gradients as this module.

        Examples
        --------
        >>> engine = mlp([3, 4, 2], seed=0)
        >>> model = engine.to_torch()
        >>> x = np.ones((5, 3))
        >>> bool(np.allclose(model(torch.from_numpy(x)).detach().numpy(), engine(x)))
        True
        """
        if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
            raise TypeError(f"dtype must be a floating torch.dtype, got {describe(dtype)}")
        model = self.torch_module().to(dtype)
        # Parameters and buffers are matched in order (layer by layer), so a module of
        # one's own may name its parts otherwise than the torch model does.
        pairs: list[tuple[list[tuple[str, Any]], list[tuple[str, Any]]]] = [
            (list(self.named_parameters()), list(model.named_parameters())),
            (
                list(self.named_buffers()),
                [(n, b) for n, b in model.named_buffers() if not n.endswith("num_batches_tracked")],
            ),
        ]
        for mine, theirs in pairs:
            shapes = [tuple(np.shape(getattr(v, "data", v))) for _, v in mine]
            if shapes != [tuple(v.shape) for _, v in theirs]:
                raise TypeError(
                    f"{type(self).__name__}.torch_module() must give a model whose parameters "
                    f"and buffers have the shapes {shapes} in this order, got "
                    f"{[tuple(v.shape) for _, v in theirs]}"
                )
            with torch.no_grad():
                for (_, value), (_, target) in zip(mine, theirs, strict=True):
                    array = value.data if isinstance(value, Parameter) else value
                    target.copy_(torch.from_numpy(np.asarray(array)))
        return model.train(self.training)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class Linear(Module):
    """Affine map ``y = x W^T + b``; each row of ``weight`` is one neuron.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
    seed : int, optional
        Seed of the initial weights, drawn like PyTorch's from
        ``U(-1/sqrt(in_features), 1/sqrt(in_features))``.

    Shape
    -----
    input (n, in_features) -> output (n, out_features).
    ``weight`` (out_features, in_features), ``bias`` (out_features,).

    Examples
    --------
    >>> layer = Linear(3, 2, seed=0)
    >>> layer.weight.shape, layer(np.ones((5, 3))).shape
    ((2, 3), (5, 2))
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, *, seed: int | None = None
    ) -> None:
        self.in_features = check_int("in_features", in_features, minimum=1)
        self.out_features = check_int("out_features", out_features, minimum=1)
        self.weight = Parameter(np.empty((self.out_features, self.in_features)))
        self.bias = Parameter(np.empty(self.out_features)) if bias else None
        self.reset_parameters(seed=seed)

    def reset_parameters(self, *, seed: int | None = None) -> None:
        """Redraw the weights and biases uniformly in ``±1/sqrt(in_features)``."""
        rng = np.random.default_rng(check_seed("seed", seed))
        bound = 1.0 / math.sqrt(self.in_features)
        self.weight.data[...] = rng.uniform(-bound, bound, self.weight.shape)
        if self.bias is not None:
            self.bias.data[...] = rng.uniform(-bound, bound, self.bias.shape)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = _batch("x", x, self.in_features)
        out = x @ self.weight.data.T  # (n, out)
        return out + self.bias.data if self.bias is not None else out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self.weight.grad += grad_output.T @ self._x  # (out, n) @ (n, in) = (out, in)
        if self.bias is not None:
            self.bias.grad += grad_output.sum(axis=0)  # (out,)
        return grad_output @ self.weight.data  # (n, out) @ (out, in) = (n, in)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )

    def torch_module(self) -> nn.Module:
        return nn.Linear(self.in_features, self.out_features, bias=self.bias is not None)


class _Elementwise(Module):
    """An activation applied to every entry; subclasses give the function and its derivative."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not isinstance(x, np.ndarray):
            raise TypeError(f"x must be a NumPy array, got {describe(x)}")
        self._x = x
        self._out = self.function(x)
        return self._out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return grad_output * self.derivative()

    def function(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def derivative(self) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class ReLU(_Elementwise):
    """``max(x, 0)``; derivative 1 where ``x > 0`` and 0 elsewhere.

    Examples
    --------
    >>> ReLU()(np.array([[-1.0, 2.0]]))
    array([[0., 2.]])
    """

    def function(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0.0)

    def derivative(self) -> np.ndarray:
        return (~(self._x <= 0)).astype(self._x.dtype)  # NaN passes the gradient, as in torch

    def torch_module(self) -> nn.Module:
        return nn.ReLU()


class Sigmoid(_Elementwise):
    """``1 / (1 + exp(-x))``, computed as ``(1 + tanh(x / 2)) / 2`` so it never overflows.

    Its derivative is ``s (1 - s)``, at most 1/4.

    Examples
    --------
    >>> Sigmoid()(np.array([[0.0, 1000.0]]))
    array([[0.5, 1. ]])
    """

    def function(self, x: np.ndarray) -> np.ndarray:
        return 0.5 * (1.0 + np.tanh(0.5 * x))

    def derivative(self) -> np.ndarray:
        return self._out * (1.0 - self._out)

    def torch_module(self) -> nn.Module:
        return nn.Sigmoid()


class Tanh(_Elementwise):
    """``tanh(x) = 2 sigmoid(2x) - 1``; derivative ``1 - tanh(x)^2``.

    Examples
    --------
    >>> Tanh()(np.array([[0.0]]))
    array([[0.]])
    """

    def function(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def derivative(self) -> np.ndarray:
        return 1.0 - self._out**2

    def torch_module(self) -> nn.Module:
        return nn.Tanh()


class GELU(_Elementwise):
    """Gaussian error linear unit ``x * Phi(x)``, ``Phi`` the standard normal CDF (exact form).

    Derivative ``Phi(x) + x * phi(x)`` with ``phi`` the normal density.

    Examples
    --------
    >>> GELU()(np.array([[0.0, 1.0]])).round(4)
    array([[0.    , 0.8413]])
    """

    def function(self, x: np.ndarray) -> np.ndarray:
        return x * 0.5 * (1.0 + erf(x / math.sqrt(2.0)))

    def derivative(self) -> np.ndarray:
        x = self._x
        cdf = 0.5 * (1.0 + erf(x / math.sqrt(2.0)))
        pdf = np.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi)
        return cdf + x * pdf

    def torch_module(self) -> nn.Module:
        return nn.GELU()


class Softmax(Module):
    """Softmax along the last axis (the classes), computed stably.

    Backward: ``s * (g - sum(g * s))`` row by row, the Jacobian-vector product
    of ``diag(s) - s s^T``.

    Examples
    --------
    >>> Softmax()(np.array([[0.0, 0.0]]))
    array([[0.5, 0.5]])
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = softmax(_batch("x", x), axis=-1)
        return self._out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        s = self._out
        return s * (grad_output - np.sum(grad_output * s, axis=-1, keepdims=True))

    def torch_module(self) -> nn.Module:
        return nn.Softmax(dim=-1)


def _normalise_backward(
    g_hat: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray, axis: int
) -> np.ndarray:
    """Gradient through ``x_hat = (x - mean) * inv_std`` with statistics over ``axis``."""
    mean_g = g_hat.mean(axis=axis, keepdims=True)
    mean_gx = (g_hat * x_hat).mean(axis=axis, keepdims=True)
    return inv_std * (g_hat - mean_g - x_hat * mean_gx)


class BatchNorm1d(Module):
    """Batch normalisation: standardise each feature over the batch, then scale and shift.

    In training mode it uses the batch's mean and (biased) variance and updates
    running estimates ``r <- (1 - momentum) r + momentum * batch_stat`` (the
    running variance uses the unbiased estimate, as in PyTorch); in evaluation
    mode it uses the running estimates, so one sample's output no longer
    depends on the others.

    Parameters
    ----------
    num_features : int
    eps : float, default 1e-5
    momentum : float, default 0.1

    Shape
    -----
    input (n, num_features) -> output (n, num_features); ``weight`` (gamma) and
    ``bias`` (beta) of shape (num_features,).

    Examples
    --------
    >>> bn = BatchNorm1d(2)
    >>> out = bn(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> out.mean(axis=0), out.std(axis=0).round(3)
    (array([0., 0.]), array([1., 1.]))
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        self.num_features = check_int("num_features", num_features, minimum=1)
        self.eps = check_float("eps", eps, minimum=0.0, strict_minimum=True)
        self.momentum = check_float("momentum", momentum, minimum=0.0, maximum=1.0)
        self.weight = Parameter(np.ones(self.num_features))
        self.bias = Parameter(np.zeros(self.num_features))
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)
        self.training = True

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        yield "running_mean", self.running_mean
        yield "running_var", self.running_var

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = _batch("x", x, self.num_features)
        if self.training:
            if len(x) < 2:
                raise ValueError(f"x must hold at least 2 samples in training mode, got {len(x)}")
            mean, var = x.mean(axis=0), x.var(axis=0)  # (d,), per feature over the batch
            n = len(x)
            self.running_mean[...] = (1 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var[...] = (
                1 - self.momentum
            ) * self.running_var + self.momentum * var * n / (n - 1)
        else:
            mean, var = self.running_mean, self.running_var
        self._inv_std = 1.0 / np.sqrt(var + self.eps)
        self._x_hat = (x - mean) * self._inv_std  # (n, d)
        self._used_batch = self.training
        return self.weight.data * self._x_hat + self.bias.data

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self.weight.grad += np.sum(grad_output * self._x_hat, axis=0)
        self.bias.grad += np.sum(grad_output, axis=0)
        g_hat = grad_output * self.weight.data
        if not self._used_batch:  # fixed statistics: a per-feature affine map
            return g_hat * self._inv_std
        return _normalise_backward(g_hat, self._x_hat, self._inv_std, axis=0)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"

    def torch_module(self) -> nn.Module:
        return nn.BatchNorm1d(self.num_features, eps=self.eps, momentum=self.momentum)


class LayerNorm(Module):
    """Layer normalisation: standardise each sample over its features, then scale and shift.

    Same in training and evaluation; samples never interact.

    Parameters
    ----------
    normalized_shape : int
        Number of features.
    eps : float, default 1e-5

    Shape
    -----
    input (n, normalized_shape) -> output (n, normalized_shape).

    Examples
    --------
    >>> LayerNorm(3)(np.array([[1.0, 2.0, 3.0]])).round(3)
    array([[-1.225,  0.   ,  1.225]])
    """

    def __init__(self, normalized_shape: int, eps: float = 1e-5) -> None:
        self.normalized_shape = check_int("normalized_shape", normalized_shape, minimum=1)
        self.eps = check_float("eps", eps, minimum=0.0, strict_minimum=True)
        self.weight = Parameter(np.ones(self.normalized_shape))
        self.bias = Parameter(np.zeros(self.normalized_shape))

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = _batch("x", x, self.normalized_shape)
        mean = x.mean(axis=1, keepdims=True)  # (n, 1), per sample
        self._inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + self.eps)
        self._x_hat = (x - mean) * self._inv_std
        return self.weight.data * self._x_hat + self.bias.data

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        self.weight.grad += np.sum(grad_output * self._x_hat, axis=0)
        self.bias.grad += np.sum(grad_output, axis=0)
        g_hat = grad_output * self.weight.data
        return _normalise_backward(g_hat, self._x_hat, self._inv_std, axis=1)

    def extra_repr(self) -> str:
        return f"({self.normalized_shape},), eps={self.eps}"

    def torch_module(self) -> nn.Module:
        return nn.LayerNorm(self.normalized_shape, eps=self.eps)


class _TorchL2Normalize(nn.Module):
    """``torch.nn.functional.normalize(x, dim=1)`` as a module: the twin of L2Normalize."""

    def __init__(self, eps: float) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(x, dim=1, eps=self.eps)


class L2Normalize(Module):
    """Project each sample onto the unit sphere: ``x / max(||x||, eps)``; no parameters.

    Matches ``torch.nn.functional.normalize(x, dim=1)``.

    Examples
    --------
    >>> L2Normalize()(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = check_float("eps", eps, minimum=0.0, strict_minimum=True)

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = _batch("x", x)
        norm = np.linalg.norm(x, axis=1, keepdims=True)  # (n, 1)
        self._clamped = norm <= self.eps
        self._norm = np.maximum(norm, self.eps)
        self._out = x / self._norm
        return self._out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        y = self._out
        radial = np.where(self._clamped, 0.0, np.sum(grad_output * y, axis=1, keepdims=True))
        return (grad_output - y * radial) / self._norm

    def extra_repr(self) -> str:
        return f"eps={self.eps}"

    def torch_module(self) -> nn.Module:
        return _TorchL2Normalize(self.eps)


class Dropout(Module):
    """Zero each entry with probability ``p`` in training, scaling the rest by ``1 / (1 - p)``.

    In evaluation mode it is the identity. The scaling keeps the expected
    output equal to the input, so nothing changes at test time.

    Parameters
    ----------
    p : float, default 0.5
        Drop probability, in [0, 1).
    seed : int, optional
        Seed of the masks.

    Examples
    --------
    >>> drop = Dropout(0.5, seed=0)
    >>> sorted(set(drop(np.ones((2, 4))).ravel()))
    [np.float64(0.0), np.float64(2.0)]
    >>> drop.eval()(np.ones((1, 2)))
    array([[1., 1.]])
    """

    def __init__(self, p: float = 0.5, *, seed: int | None = None) -> None:
        self.p = check_float("p", p, minimum=0.0)
        if self.p >= 1.0:
            raise ValueError(f"p must be in [0, 1), got {self.p}")
        self.rng = np.random.default_rng(check_seed("seed", seed))
        self.training = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not isinstance(x, np.ndarray):
            raise TypeError(f"x must be a NumPy array, got {describe(x)}")
        if not self.training or self.p == 0.0:
            self.mask = np.ones_like(x)
        else:
            keep = self.rng.random(x.shape) >= self.p
            self.mask = keep / (1.0 - self.p)
        return x * self.mask

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return grad_output * self.mask

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def torch_module(self) -> nn.Module:
        return nn.Dropout(self.p)


class Sequential(Module):
    """Apply layers in order; backward runs through them in reverse.

    Examples
    --------
    >>> model = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1))
    >>> model(np.zeros((4, 2))).shape
    (4, 1)
    >>> [name for name, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"layers[{i}] must be a dlbook.scratch Module, got {describe(layer)}"
                )
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def torch_module(self) -> nn.Module:
        return nn.Sequential(*(layer.torch_module() for layer in self.layers))

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


class SiLU(_Elementwise):
    """Sigmoid-weighted linear unit ``x * sigmoid(x)`` (also called swish).

    Derivative ``s + x s (1 - s)`` with ``s = sigmoid(x)``; it is negative for
    ``x`` below about -1.28, with its minimum -0.100 at about -2.40. Matches
    ``torch.nn.SiLU``.

    Examples
    --------
    >>> SiLU()(np.array([[0.0, 1.0]])).round(4)
    array([[0.    , 0.7311]])
    """

    def function(self, x: np.ndarray) -> np.ndarray:
        self._s = 0.5 * (1.0 + np.tanh(0.5 * x))  # sigmoid without overflow
        return x * self._s

    def derivative(self) -> np.ndarray:
        s = 0.5 * (1.0 + np.tanh(0.5 * self._x))
        return s + self._x * s * (1.0 - s)

    def torch_module(self) -> nn.Module:
        return nn.SiLU()


class _TorchThreshold(nn.Module):
    """The step ``1{x > 0}``; with ``straight_through`` the gradient of ``hardtanh``."""

    def __init__(self, straight_through: bool) -> None:
        super().__init__()
        self.straight_through = straight_through

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        step = (x > 0).to(x.dtype)
        if not self.straight_through:
            return step
        clipped = nn.functional.hardtanh(x)
        return clipped + (step - clipped).detach()  # value of the step, gradient of hardtanh

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}"


class Threshold(_Elementwise):
    """The perceptron's step ``1{x > 0}`` (0 at ``x = 0``).

    Its true derivative is zero wherever it exists, so no gradient passes.
    With ``straight_through=True`` the backward pass pretends the forward
    was ``hardtanh`` and passes the gradient where ``|x| <= 1``: the
    straight-through estimator used to train binarised networks.

    Parameters
    ----------
    straight_through : bool, default False

    Examples
    --------
    >>> step = Threshold()
    >>> step(np.array([[-1.0, 0.0, 2.0]]))
    array([[0., 0., 1.]])
    >>> step.backward(np.ones((1, 3)))
    array([[0., 0., 0.]])
    >>> ste = Threshold(straight_through=True)
    >>> _ = ste(np.array([[-3.0, 0.5]]))
    >>> ste.backward(np.ones((1, 2)))
    array([[0., 1.]])
    """

    def __init__(self, *, straight_through: bool = False) -> None:
        if not isinstance(straight_through, bool):
            raise TypeError(
                f"straight_through must be True or False, got {describe(straight_through)}"
            )
        self.straight_through = straight_through

    def function(self, x: np.ndarray) -> np.ndarray:
        return (x > 0).astype(np.result_type(x.dtype, np.float32))

    def derivative(self) -> np.ndarray:
        x = self._x
        if not self.straight_through:
            return np.zeros(x.shape, dtype=np.result_type(x.dtype, np.float32))
        return (np.abs(x) <= 1).astype(np.result_type(x.dtype, np.float32))

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}" if self.straight_through else ""

    def torch_module(self) -> nn.Module:
        return _TorchThreshold(self.straight_through)


def _floating(x: Any, name: str = "prediction") -> np.ndarray:
    """A floating array: float inputs keep their dtype, other inputs become float64."""
    x = _numbers(name, x)
    if x.size == 0:
        raise ValueError(f"{name} must hold at least one value, got shape {x.shape}")
    return x if x.dtype.kind == "f" else x.astype(np.float64)


class _Loss:
    """A loss: calling it returns a float; ``backward()`` returns dL/d(prediction)."""

    _pass: int | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        backward = cls.__dict__.get("backward")
        if callable(backward):

            @functools.wraps(backward)
            def tagged(self: _Loss) -> np.ndarray:
                grad = backward(self)
                if self._pass is not None:  # the prediction was a model's output
                    _GRADIENTS.append((grad, self._pass))
                return grad

            cls.backward = tagged  # type: ignore[method-assign]

    def __call__(self, prediction: np.ndarray, target: np.ndarray) -> float:
        self._pass = _pass_of(prediction, _OUTPUTS)
        return self.forward(prediction, target)

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:  # pragma: no cover
        raise NotImplementedError

    def backward(self) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(_Loss):
    """Mean squared error ``mean((prediction - target)^2)`` over every entry.

    Examples
    --------
    >>> loss = MSELoss()
    >>> loss(np.array([[1.0], [3.0]]), np.array([[0.0], [0.0]]))
    5.0
    >>> loss.backward()
    array([[1.],
           [3.]])
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        prediction = _floating(prediction)
        target = _numbers("target", target).astype(prediction.dtype)
        if target.shape != np.shape(prediction):
            raise ValueError(
                f"target must have the shape of prediction {np.shape(prediction)}, "
                f"got {target.shape}"
            )
        self._diff = prediction - target
        return float(np.mean(self._diff**2))

    def backward(self) -> np.ndarray:
        return 2.0 * self._diff / self._diff.size


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits (sigmoid folded in); gradient ``(sigmoid(z) - y) / n``.

    Examples
    --------
    >>> loss = BCEWithLogitsLoss()
    >>> round(loss(np.array([0.0]), np.array([1.0])), 4)
    0.6931
    >>> loss.backward()
    array([-0.5])
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        self._z = _floating(prediction)
        self._y = _numbers("target", target).astype(self._z.dtype)
        return float(binary_cross_entropy_with_logits(self._z, self._y))

    def backward(self) -> np.ndarray:
        s = 0.5 * (1.0 + np.tanh(0.5 * self._z))
        return (s - self._y) / self._z.size


class CrossEntropyLoss(_Loss):
    """Multi-class cross-entropy from logits and integer labels; gradient ``(p - onehot(y)) / n``.

    Examples
    --------
    >>> loss = CrossEntropyLoss()
    >>> round(loss(np.zeros((1, 4)), np.array([2])), 4)  # ln 4
    1.3863
    >>> loss.backward()
    array([[ 0.25,  0.25, -0.75,  0.25]])
    """

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        self._logits = _floating(prediction)
        if self._logits.ndim != 2:
            raise ValueError(
                f"prediction must have shape (n_samples, n_classes), got {self._logits.shape}"
            )
        value = cross_entropy(self._logits, _numbers("target", target))  # checks labels
        self._target = np.asarray(target, dtype=np.int64)
        return float(value)

    def backward(self) -> np.ndarray:
        grad = softmax(self._logits, axis=1)
        grad[np.arange(len(grad)), self._target] -= 1.0
        return grad / np.asarray(len(grad), dtype=grad.dtype)


class SGD:
    """Plain stochastic gradient descent: ``p <- p - lr * p.grad``.

    Parameters
    ----------
    parameters : list of Parameter
    lr : float
        Learning rate, > 0.

    Examples
    --------
    >>> p = Parameter(np.array([1.0]))
    >>> p.grad[...] = 2.0
    >>> SGD([p], lr=0.1).step()
    >>> p.data
    array([0.8])
    """

    def __init__(self, parameters: list[Parameter], lr: float) -> None:
        self.parameters = list(parameters)
        for i, p in enumerate(self.parameters):
            if not isinstance(p, Parameter):
                raise TypeError(f"parameters[{i}] must be a Parameter, got {describe(p)}")
        self.lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad[...] = 0.0

    def step(self) -> None:
        for p in self.parameters:
            p.data -= self.lr * p.grad


def mlp(sizes: list[int], *, activation: str = "relu", seed: int | None = None) -> Sequential:
    """Build ``Linear -> activation -> ... -> Linear`` with the engine's layers.

    Parameters
    ----------
    sizes : list of int
        Widths from input to output, e.g. ``[784, 256, 256, 10]``.
    activation : {"relu", "sigmoid", "tanh", "gelu"}, default "relu"
    seed : int, optional
        Layer ``i`` is seeded with ``seed + i``.

    Returns
    -------
    Sequential

    Examples
    --------
    >>> model = mlp([784, 256, 256, 10], seed=0)
    >>> sum(p.data.size for p in model.parameters())
    269322
    """
    acts: dict[str, Callable[[], Module]] = {
        "relu": ReLU,
        "sigmoid": Sigmoid,
        "tanh": Tanh,
        "gelu": GELU,
    }
    check_choice("activation", activation, sorted(acts))
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (list, tuple, np.ndarray)):
        raise TypeError(f"sizes must be a list of layer widths, got {describe(sizes)}")
    sizes = [check_int(f"sizes[{i}]", n, minimum=1) for i, n in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs an input and an output width, got {list(sizes)}")
    seed = check_seed("seed", seed)
    layers: list[Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(Linear(n_in, n_out, seed=None if seed is None else seed + i))
        if i < len(sizes) - 2:
            layers.append(acts[activation]())
    return Sequential(*layers)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, *, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every entry of ``x``.

    ``x`` is changed in place and restored, so ``f`` can read it (or a
    parameter holding it) directly.

    Parameters
    ----------
    f : callable of no arguments returning a float
    x : array of any shape
        Float64 array that ``f`` depends on.
    eps : float, default 1e-6

    Returns
    -------
    array of the shape of x

    Examples
    --------
    >>> x = np.array([1.0, 2.0])
    >>> numerical_gradient(lambda: float(np.sum(x**2)), x).round(6)
    array([2., 4.])
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"x must be a float64 NumPy array, got {describe(x)}")
    eps = check_float("eps", eps, minimum=0.0, strict_minimum=True)
    if np.any(x + eps == x):
        raise ValueError(
            f"eps={eps} is lost in rounding next to the largest entries of x (up to "
            f"{np.max(np.abs(x)):.3g}): choose a larger eps"
        )
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def check_gradients(
    module: Module, x: np.ndarray, *, seed: int = 0, eps: float = 1e-6
) -> dict[str, float]:
    """Compare a module's backward pass with finite differences.

    Uses the scalar ``L = sum(module(x) * R)`` for a fixed random ``R``, so
    ``dL/d(output) = R``. Returns the largest absolute difference between the
    analytic and numerical gradient for the input and for every parameter.
    The module's parameters and buffers (batch norm's running statistics, which
    the many forward passes move) are restored afterwards; each parameter's
    ``grad`` holds the analytic gradient.

    Parameters
    ----------
    module : Module
        A deterministic module (a dropout layer in training mode is not).
    x : array of shape (n_samples, n_features)
    seed : int, default 0
        Seed of ``R``.
    eps : float, default 1e-6

    Returns
    -------
    dict of str to float
        ``{"input": err, "weight": err, ...}``.

    Examples
    --------
    >>> errors = check_gradients(Linear(3, 2, seed=0), np.ones((4, 3)))
    >>> max(errors.values()) < 1e-8
    True
    """
    if not isinstance(module, Module):
        raise TypeError(f"module must be a dlbook.scratch Module, got {describe(module)}")
    x = np.array(_batch("x", x), dtype=np.float64)
    if not np.isfinite(x).all():
        raise ValueError("x must be finite: finite differences of NaN or inf are meaningless")
    eps = check_float("eps", eps, minimum=0.0, strict_minimum=True)
    rng = np.random.default_rng(check_seed("seed", seed))
    state = module.state_dict()
    out = module(x)
    if not np.isfinite(out).all():
        raise ValueError(
            f"x gives non-finite outputs of the module (largest |x| {np.abs(x).max():.3g}): "
            "finite differences need finite values"
        )
    r = rng.standard_normal(out.shape)

    def objective() -> float:
        return float(np.sum(module(x) * r))

    module.zero_grad()
    objective()
    grad_x = module.backward(r)
    analytic = {"input": grad_x} | {name: p.grad.copy() for name, p in module.named_parameters()}
    numeric = {"input": numerical_gradient(objective, x, eps=eps)}
    for name, p in module.named_parameters():
        numeric[name] = numerical_gradient(objective, p.data, eps=eps)
    module.load_state_dict(state)  # the many forward passes moved batch norm's statistics
    return {
        name: float(np.max(np.abs(analytic[name] - numeric[name]), initial=0.0))
        for name in analytic
    }


def _from_torch_layer(module: nn.Module, name: str) -> Module:
    if isinstance(module, nn.Sequential):
        return Sequential(*(_from_torch_layer(m, f"{name}[{i}]") for i, m in enumerate(module)))
    if isinstance(module, nn.Linear):
        return Linear(module.in_features, module.out_features, bias=module.bias is not None)
    simple: dict[type[nn.Module], Callable[[], Module]] = {
        nn.ReLU: ReLU,
        nn.Sigmoid: Sigmoid,
        nn.Tanh: Tanh,
    }
    if type(module) in simple:
        return simple[type(module)]()
    if isinstance(module, nn.GELU) and module.approximate == "none":
        return GELU()
    if isinstance(module, nn.Softmax) and module.dim in (-1, 1):
        return Softmax()
    if isinstance(module, nn.Dropout):
        return Dropout(module.p)
    if (
        isinstance(module, nn.BatchNorm1d)
        and module.affine
        and module.track_running_stats
        and module.momentum is not None
    ):
        return BatchNorm1d(module.num_features, eps=module.eps, momentum=module.momentum)
    if (
        isinstance(module, nn.LayerNorm)
        and len(module.normalized_shape) == 1
        and module.elementwise_affine
        and module.bias is not None
    ):
        return LayerNorm(module.normalized_shape[0], eps=module.eps)
    if isinstance(module, _TorchL2Normalize):
        return L2Normalize(module.eps)
    raise TypeError(f"{name} ({module!r}) has no equivalent layer in dlbook.scratch")


def from_torch(module: nn.Module) -> Module:
    """The engine's equivalent of a ``torch.nn`` model, with its weights, buffers and mode.

    Supports ``nn.Sequential`` of ``Linear``, ``ReLU``, ``Sigmoid``, ``Tanh``,
    ``GELU`` (exact), ``Softmax`` over the last axis, ``Dropout``,
    ``BatchNorm1d`` and ``LayerNorm`` (affine, one normalised axis): the
    layers whose engine twins this module defines.

    Parameters
    ----------
    module : torch.nn.Module

    Returns
    -------
    Module
        Gives the same outputs and gradients (in float64).

    Examples
    --------
    >>> torch_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh())
    >>> engine = from_torch(torch_model)
    >>> engine
    Sequential(
      (0): Linear(in_features=3, out_features=4, bias=True)
      (1): Tanh()
    )
    >>> x = np.ones((2, 3))
    >>> bool(np.allclose(engine(x), torch_model(torch.ones(2, 3)).detach().numpy()))
    True
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {describe(module)}")
    engine = _from_torch_layer(module, "module")
    engine.load_torch(module)
    return engine.train(module.training)


if not TYPE_CHECKING:  # hidden from type checkers: a name that never existed stays an error

    def __getattr__(name: str) -> Any:
        """Name the new place of a function that moved out of this module."""
        from . import moved_attribute

        raise moved_attribute(__name__, name)
