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
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import erf

from ._validation import check_float, check_int, check_seed, describe
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
    "Sigmoid",
    "Softmax",
    "Tanh",
    "check_gradients",
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
        self.data = np.asarray(
            data, dtype=np.float64 if np.asarray(data).dtype.kind != "f" else None
        )
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape})"


def _batch(name: str, x: Any, n_features: int | None = None) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {describe(x)}")
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (n_samples, n_features), got {x.shape}")
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (n_samples, {n_features}), got {x.shape}")
    return x


class Module:
    """Base class: a differentiable map with a forward and a backward pass.

    Subclasses implement ``forward(x)`` and ``backward(grad_output)`` and keep
    their learnable arrays as :class:`Parameter` attributes.
    """

    training: bool = True

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad_output: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` pairs, named like torch's ``state_dict`` keys."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield name, value

    def parameters(self) -> list[Parameter]:
        """The learnable parameters of the module (and its children)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero."""
        for p in self.parameters():
            p.grad[...] = 0.0

    def train(self, mode: bool = True) -> Module:
        """Switch training mode on (dropout drops, batch norm uses batch statistics)."""
        self.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (dropout off, batch norm uses its running statistics)."""
        return self.train(False)

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
        state = {k: v.detach().cpu().double().numpy() for k, v in module.state_dict().items()}
        mine = dict(self.named_parameters()) | dict(self.named_buffers())
        wanted = {k for k in state if not k.endswith("num_batches_tracked")}
        if wanted != set(mine):
            raise ValueError(
                f"module must have the parameters {sorted(mine)}, got {sorted(wanted)}"
            )
        for key, target in mine.items():
            value = state[key]
            array = target.data if isinstance(target, Parameter) else target
            if array.shape != value.shape:
                raise ValueError(f"{key} must have shape {array.shape}, got {value.shape}")
            array[...] = value
        return self

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        """Yield non-learnable state (batch norm's running statistics)."""
        return iter(())

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
        return (self._x > 0).astype(self._x.dtype)


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

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"{i}.{name}", p

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        for i, layer in enumerate(self.layers):
            for name, b in layer.named_buffers():
                yield f"{i}.{name}", b

    def train(self, mode: bool = True) -> Sequential:
        self.training = bool(mode)
        for layer in self.layers:
            layer.train(mode)
        return self

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


def _floating(x: Any) -> np.ndarray:
    """A floating array: float inputs keep their dtype, other inputs become float64."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


class _Loss:
    """A loss: calling it returns a float; ``backward()`` returns dL/d(prediction)."""

    def __call__(self, prediction: np.ndarray, target: np.ndarray) -> float:
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
        target = np.asarray(target, dtype=prediction.dtype)
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
        self._y = np.asarray(target, dtype=self._z.dtype)
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
        value = cross_entropy(self._logits, target)  # checks shapes and labels
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
    if activation not in acts:
        raise ValueError(f"activation must be one of {sorted(acts)}, got {activation!r}")
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
    rng = np.random.default_rng(check_seed("seed", seed))
    r = rng.standard_normal(module(x).shape)

    def objective() -> float:
        return float(np.sum(module(x) * r))

    module.zero_grad()
    objective()
    grad_x = module.backward(r)
    analytic = {"input": grad_x} | {name: p.grad.copy() for name, p in module.named_parameters()}
    numeric = {"input": numerical_gradient(objective, x, eps=eps)}
    for name, p in module.named_parameters():
        numeric[name] = numerical_gradient(objective, p.data, eps=eps)
    return {
        name: float(np.max(np.abs(analytic[name] - numeric[name]), initial=0.0))
        for name in analytic
    }


if not TYPE_CHECKING:  # hidden from type checkers: a name that never existed stays an error

    def __getattr__(name: str) -> Any:
        """Name the new place of a function that moved out of this module."""
        from . import moved_attribute

        raise moved_attribute(__name__, name)
