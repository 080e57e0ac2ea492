"""Model builders and tools to look inside them.

* multilayer perceptrons: :func:`mlp` (with optional normalisation and
  dropout), :func:`mlp_from_parameters` (weights given by hand) and
  :func:`deep_mlp` (deep and residual, with a choice of initialisation);
* other architectures: :func:`small_cnn`, :func:`sequence_classifier` (RNN
  or LSTM), :func:`autoencoder`, :func:`logistic_regression`;
* tools: :func:`count_parameters`, :func:`hidden_activations`,
  :func:`collapse_linear`, :func:`initialize_`.

Every builder takes ``seed=`` for its initial weights and leaves the global
random state as it found it (:func:`dlbook.seeding.seeded`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ._validation import (
    as_features,
    as_tensor,
    call_model,
    check_choice,
    check_float,
    check_int,
    describe,
)
from .devices import module_dtype
from .seeding import seeded

__all__ = [
    "ACTIVATIONS",
    "INITIALIZATIONS",
    "NORMALIZATIONS",
    "Autoencoder",
    "Block",
    "DeepMLP",
    "SequenceClassifier",
    "autoencoder",
    "collapse_linear",
    "count_parameters",
    "deep_mlp",
    "hidden_activations",
    "initialize_",
    "logistic_regression",
    "mlp",
    "mlp_from_parameters",
    "sequence_classifier",
    "small_cnn",
]

#: Activation modules by name, as accepted by :func:`mlp`.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "identity": nn.Identity,
}
#: Weight initialisations accepted by :func:`initialize_` and :func:`deep_mlp`.
INITIALIZATIONS = ("default", "xavier", "he")
#: Normalisation layers accepted by :func:`mlp`, :class:`Block` and :func:`deep_mlp`.
NORMALIZATIONS = ("batch", "layer")


def _norm_layer(norm: str | None, width: int) -> nn.Module | None:
    """The normalisation module named by ``norm`` (checked), or None."""
    if norm is None:
        return None
    check_choice("norm", norm, NORMALIZATIONS)
    return nn.BatchNorm1d(width) if norm == "batch" else nn.LayerNorm(width)


def mlp(
    sizes: Sequence[int],
    *,
    activation: str = "relu",
    bias: bool = True,
    norm: str | None = None,
    dropout: float = 0.0,
    seed: int | None = None,
) -> nn.Sequential:
    """Build a multilayer perceptron ``Linear -> activation -> ... -> Linear``.

    Each hidden layer is ``Linear -> norm -> activation -> dropout``, where
    the normalisation and the dropout are there only when asked for; with the
    defaults the layers alternate ``Linear`` and activation modules.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``(2, 20, 20, 20, 2)`` for two
        inputs, three hidden layers of 20 units and two outputs (logits).
    activation : str, default "relu"
        One of the keys of :data:`ACTIVATIONS`; applied after every hidden layer
        and not after the last one.
    bias : bool, default True
        Whether the linear layers have biases.
    norm : {"batch", "layer"}, optional
        Normalise every hidden layer's pre-activation with ``BatchNorm1d`` or
        ``LayerNorm``.
    dropout : float, default 0.0
        Probability, in [0, 1), of zeroing a hidden unit in training mode; a
        ``Dropout`` module follows every hidden activation when it is above 0.
    seed : int, optional
        Seed for the initial weights (PyTorch's default initialisation); without
        it the global generator is used.

    Returns
    -------
    torch.nn.Sequential
        The hidden layers as described above; the last module is ``Linear``.

    Examples
    --------
    >>> model = mlp([2, 20, 20, 20, 2], seed=0)
    >>> model(torch.zeros(5, 2)).shape
    torch.Size([5, 2])
    >>> count_parameters(mlp([784, 256, 256, 10]))
    269322
    >>> [type(m).__name__ for m in mlp([2, 8, 2], norm="batch", dropout=0.5)]
    ['Linear', 'BatchNorm1d', 'ReLU', 'Dropout', 'Linear']
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of layer widths, got {describe(sizes)}")
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")
    widths = [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
    check_choice("activation", activation, ACTIVATIONS)
    if norm is not None:
        check_choice("norm", norm, NORMALIZATIONS)
    dropout = check_float("dropout", dropout, minimum=0.0)
    if dropout >= 1.0:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
    with seeded(seed):
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
            layers.append(nn.Linear(n_in, n_out, bias=bias))
            if i == len(widths) - 2:
                break  # the output layer
            normalisation = _norm_layer(norm, n_out)
            if normalisation is not None:
                layers.append(normalisation)
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def mlp_from_parameters(
    parameters: Sequence[tuple[Any, Any]],
    *,
    activation: str = "relu",
) -> nn.Sequential:
    """Build an MLP whose weights and biases are given, e.g. chosen by hand.

    The result has the same layout as :func:`mlp` (``Linear -> activation ->
    ... -> Linear``), so every tool that works on :func:`mlp` models works on it.

    Parameters
    ----------
    parameters : sequence of (weight, bias) pairs
        One pair per linear layer, from input to output. ``weight`` is a tensor
        or array of shape ``(out_features, in_features)``, as in
        ``torch.nn.Linear``; ``bias`` has shape ``(out_features,)`` or is
        ``None`` for a layer without bias (then every layer must have none).
        Widths must chain: each layer's ``in_features`` is the previous
        layer's ``out_features``.
    activation : str, default "relu"
        One of the keys of :data:`ACTIVATIONS`, applied after every layer but
        the last.

    Returns
    -------
    torch.nn.Sequential
        Float32 parameters on the CPU, with gradients enabled.

    Examples
    --------
    >>> net = mlp_from_parameters([([[1.0], [-1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [0.0])])
    >>> net(torch.tensor([[-2.0], [3.0]]))  # relu(x) + relu(-x) = |x|
    tensor([[2.],
            [3.]], grad_fn=<AddmmBackward0>)
    """
    if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence):
        raise TypeError(
            f"parameters must be a sequence of (weight, bias) pairs, got {describe(parameters)}"
        )
    if len(parameters) == 0:
        raise ValueError("parameters must hold at least one (weight, bias) pair, got none")
    check_choice("activation", activation, ACTIVATIONS)
    layers: list[nn.Module] = []
    has_bias: bool | None = None
    previous_out: int | None = None
    for i, pair in enumerate(parameters):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"parameters[{i}] must be a (weight, bias) pair, got {describe(pair)}")
        weight = as_tensor(f"parameters[{i}] weight", pair[0], ndim=2, dtype=torch.float32)
        n_out, n_in = weight.shape
        if n_out == 0 or n_in == 0:
            raise ValueError(
                f"parameters[{i}] weight must have non-empty shape (out, in), "
                f"got {tuple(weight.shape)}"
            )
        if previous_out is not None and n_in != previous_out:
            raise ValueError(
                f"parameters[{i}] weight must have {previous_out} columns to follow a layer "
                f"with {previous_out} outputs, got shape {tuple(weight.shape)}"
            )
        bias = None
        if pair[1] is not None:
            bias = as_tensor(f"parameters[{i}] bias", pair[1], ndim=1, dtype=torch.float32)
            if bias.shape[0] != n_out:
                raise ValueError(
                    f"parameters[{i}] bias must have shape ({n_out},) to match the weight, "
                    f"got {tuple(bias.shape)}"
                )
        if has_bias is None:
            has_bias = bias is not None
        elif has_bias != (bias is not None):
            raise ValueError("parameters must give a bias for every layer or for none")
        linear = nn.Linear(n_in, n_out, bias=bias is not None)
        with torch.no_grad():
            linear.weight.copy_(weight.detach().cpu())
            if bias is not None:
                linear.bias.copy_(bias.detach().cpu())
        layers.append(linear)
        if i < len(parameters) - 1:
            layers.append(ACTIVATIONS[activation]())
        previous_out = n_out
    return nn.Sequential(*layers)


def collapse_linear(layers: nn.Sequential | nn.Linear | Sequence[nn.Module]) -> nn.Linear:
    """Merge a stack of linear layers (no nonlinearity between them) into one.

    For two layers ``x -> W1 x + b1 -> W2 (W1 x + b1) + b2`` the single
    equivalent layer has weight ``W2 @ W1`` and bias ``W2 @ b1 + b2``; longer
    stacks are merged pairwise from the input side.

    Parameters
    ----------
    layers : sequence of torch.nn.Module
        ``torch.nn.Linear`` layers, optionally separated by ``torch.nn.Identity``
        (so an ``mlp(..., activation="identity")`` qualifies). A nonlinear
        module is rejected: the stack would not collapse.

    Returns
    -------
    torch.nn.Linear
        A new layer (its own parameters, on the device of the inputs) that
        computes the same function; it has a bias if any input layer has one.

    Examples
    --------
    >>> stack = mlp([3, 5, 2], activation="identity", seed=0)
    >>> single = collapse_linear(stack)
    >>> single.weight.shape
    torch.Size([2, 3])
    >>> x = torch.randn(4, 3)
    >>> torch.allclose(single(x), stack(x), atol=1e-6)
    True
    """
    if isinstance(layers, nn.Linear):
        layers = [layers]
    if isinstance(layers, (str, bytes)) or not isinstance(layers, (Sequence, nn.Sequential)):
        raise TypeError(f"layers must be a sequence of torch.nn.Linear, got {describe(layers)}")
    linears: list[nn.Linear] = []
    for i, layer in enumerate(layers):
        if isinstance(layer, nn.Identity):
            continue
        if not isinstance(layer, nn.Linear):
            raise TypeError(
                f"layers[{i}] must be torch.nn.Linear or torch.nn.Identity, got "
                f"{type(layer).__name__}: a nonlinear layer does not collapse"
            )
        linears.append(layer)
    if not linears:
        raise ValueError("layers must contain at least one torch.nn.Linear, got none")
    first = linears[0]
    weight = first.weight.detach().clone()  # (D_1, D_0)
    bias = None if first.bias is None else first.bias.detach().clone()  # (D_1,)
    for i, layer in enumerate(linears[1:], start=1):
        if layer.in_features != weight.shape[0]:
            raise ValueError(
                f"linear layer {i} expects {layer.in_features} inputs but the layer before "
                f"it has {weight.shape[0]} outputs"
            )
        w = layer.weight.detach()  # (D_{l+1}, D_l)
        new_bias = None if bias is None else w @ bias  # W_l b  (D_{l+1},)
        if layer.bias is not None:
            new_bias = layer.bias.detach().clone() if new_bias is None else new_bias + layer.bias
        weight = w @ weight  # (D_{l+1}, D_0)
        bias = new_bias
    out_features, in_features = weight.shape
    single = nn.Linear(
        in_features, out_features, bias=bias is not None, device=weight.device, dtype=weight.dtype
    )
    with torch.no_grad():
        single.weight.copy_(weight)
        if bias is not None:
            single.bias.copy_(bias)
    return single


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Count the scalar parameters of a model.

    Parameters
    ----------
    model : torch.nn.Module
    trainable_only : bool, default True
        Count only parameters with ``requires_grad``.

    Returns
    -------
    int

    Examples
    --------
    >>> count_parameters(torch.nn.Linear(784, 256))  # 784 * 256 weights + 256 biases
    200960
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def hidden_activations(model: nn.Sequential, X: torch.Tensor) -> list[torch.Tensor]:
    """Return the post-activations ``h^1, h^2, ...`` of every hidden layer of an MLP.

    The outputs of the activation modules of a :func:`mlp` model are recorded
    during one forward pass, in evaluation mode and without gradients.

    Parameters
    ----------
    model : torch.nn.Sequential
        A model built by :func:`mlp` (or any ``Sequential`` whose hidden layers
        end in one of the modules of :data:`ACTIVATIONS`).
    X : Tensor of shape (n_samples, n_features)

    Returns
    -------
    list of Tensor
        One tensor of shape ``(n_samples, width_l)`` per hidden layer, on the CPU.

    Examples
    --------
    >>> model = mlp([2, 5, 3, 1], seed=0)
    >>> [h.shape for h in hidden_activations(model, torch.zeros(4, 2))]
    [torch.Size([4, 5]), torch.Size([4, 3])]
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be a torch.nn.Sequential, got {describe(model)}")
    X = as_features("X", X, dtype=module_dtype(model))  # the model's dtype (float64 too)
    kinds = tuple(type(factory()) for factory in ACTIVATIONS.values())
    outputs: list[torch.Tensor] = []
    hooks = [
        module.register_forward_hook(lambda _m, _i, out: outputs.append(out.detach().cpu()))
        for module in model
        if isinstance(module, kinds)
    ]
    was_training = model.training
    try:
        model.eval()
        first = next(iter(model.parameters()), None)
        device = first.device if first is not None else X.device
        with torch.no_grad():
            call_model(model, X.to(device))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return outputs


# ------------------------------------------------------------ deeper architectures


def initialize_(
    module: nn.Module, scheme: str = "he", *, gain: float = 1.0, seed: int | None = None
) -> nn.Module:
    """Re-initialise every linear and convolutional layer of a module in place.

    ``"xavier"`` (Glorot) draws ``W ~ N(0, 2 / (fan_in + fan_out))``, which keeps
    the variance of activations and gradients roughly constant through layers
    with a symmetric activation such as tanh. ``"he"`` (Kaiming) draws
    ``W ~ N(0, 2 / fan_in)``, which does the same for ReLU, whose output has
    half the variance of its input. Both set biases to zero. ``"default"``
    restores PyTorch's own initialisation (``reset_parameters``), which draws
    from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    Parameters
    ----------
    module : torch.nn.Module
    scheme : {"default", "xavier", "he"}, default "he"
    gain : float, default 1.0
        Multiply every weight by this factor after drawing it; a gain above 1
        makes a deep network's activations and gradients grow layer by layer.
    seed : int, optional
        Seed of the draws; the global generator is restored afterwards.

    Returns
    -------
    torch.nn.Module
        The same module, for chaining.

    Examples
    --------
    >>> layer = initialize_(nn.Linear(400, 100), "he", seed=0)
    >>> round(float(layer.weight.detach().var()) * 400, 1)  # variance times fan_in, about 2
    2.0
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {describe(module)}")
    check_choice("scheme", scheme, INITIALIZATIONS)
    gain = check_float("gain", gain, minimum=0.0, strict_minimum=True)
    with seeded(seed), torch.no_grad():
        for layer in module.modules():
            if not isinstance(layer, (nn.Linear, nn.Conv2d)):
                continue
            if scheme == "default":
                layer.reset_parameters()
            elif scheme == "xavier":
                nn.init.xavier_normal_(layer.weight)
            else:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            if scheme != "default" and layer.bias is not None:
                layer.bias.zero_()
            layer.weight.mul_(gain)
    return module


class Block(nn.Module):
    """One hidden layer ``h -> g(norm(W h + b))``, optionally with a skip connection.

    With ``residual=True`` the block returns ``h + g(norm(W h + b))``: the
    input is added back, so the gradient has a path around the layer on
    which it is multiplied by 1.

    Parameters
    ----------
    width : int
        Input and output width.
    activation : str, default "relu"
        A key of :data:`dlbook.models.ACTIVATIONS`.
    residual : bool, default False
    norm : {"batch", "layer"}, optional
        Normalisation applied to ``W h + b`` before the activation.

    Shape
    -----
    Input ``(batch, width)``, output ``(batch, width)``.

    Examples
    --------
    >>> Block(4, residual=True)(torch.zeros(3, 4)).shape
    torch.Size([3, 4])
    """

    def __init__(
        self,
        width: int,
        *,
        activation: str = "relu",
        residual: bool = False,
        norm: str | None = None,
    ) -> None:
        super().__init__()
        width = check_int("width", width, minimum=1)
        check_choice("activation", activation, ACTIVATIONS)
        if norm is not None:
            check_choice("norm", norm, NORMALIZATIONS)
        self.linear = nn.Linear(width, width)
        normalisation = _norm_layer(norm, width)
        self.norm: nn.Module = nn.Identity() if normalisation is None else normalisation
        self.activation = ACTIVATIONS[activation]()
        self.residual = bool(residual)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        out = self.activation(self.norm(self.linear(h)))  # (B, width)
        return h + out if self.residual else out

    def extra_repr(self) -> str:
        return f"residual={self.residual}"


class DeepMLP(nn.Module):
    """A deep MLP: an input layer, ``depth - 1`` hidden :class:`Block` s, an output layer.

    Build it with :func:`deep_mlp`. :attr:`linears` lists its ``depth + 1``
    linear layers from input to output, which is the order in which
    :func:`dlbook.diagnostics.gradient_norms` reports them.

    Shape
    -----
    Input ``(batch, n_inputs)``, output ``(batch, n_outputs)``.
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        *,
        width: int,
        depth: int,
        activation: str,
        residual: bool,
        norm: str | None,
    ) -> None:
        super().__init__()
        n_inputs = check_int("n_inputs", n_inputs, minimum=1)
        n_outputs = check_int("n_outputs", n_outputs, minimum=1)
        width = check_int("width", width, minimum=1)
        depth = check_int("depth", depth, minimum=1)
        check_choice("activation", activation, ACTIVATIONS)
        if norm is not None:
            check_choice("norm", norm, NORMALIZATIONS)
        self.input = nn.Linear(n_inputs, width)
        self.input_activation = ACTIVATIONS[activation]()
        self.blocks = nn.Sequential(
            *(
                Block(width, activation=activation, residual=residual, norm=norm)
                for _ in range(depth - 1)
            )
        )
        self.output = nn.Linear(width, n_outputs)

    @property
    def linears(self) -> list[nn.Linear]:
        """The linear layers from input to output."""
        hidden = [block.linear for block in self.blocks if isinstance(block, Block)]
        return [self.input, *hidden, self.output]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.input_activation(self.input(x))  # (B, width)
        return self.output(self.blocks(h))  # (B, n_outputs)


def deep_mlp(
    n_inputs: int,
    n_outputs: int,
    *,
    width: int = 32,
    depth: int = 10,
    activation: str = "relu",
    init: str = "default",
    residual: bool = False,
    norm: str | None = None,
    seed: int | None = None,
) -> DeepMLP:
    """Build a deep MLP with a choice of activation, initialisation, skips and normalisation.

    Parameters
    ----------
    n_inputs, n_outputs : int
        Input features and outputs (logits).
    width : int, default 32
        Units in every hidden layer.
    depth : int, default 10
        Number of hidden layers (at least 1); the model has ``depth + 1``
        linear layers.
    activation : str, default "relu"
        A key of :data:`dlbook.models.ACTIVATIONS`, e.g. "sigmoid", "tanh", "relu".
    init : {"default", "xavier", "he"}, default "default"
        See :func:`initialize_`.
    residual : bool, default False
        Add a skip connection around each of the ``depth - 1`` hidden blocks.
    norm : {"batch", "layer"}, optional
        Normalise each hidden block's pre-activation.
    seed : int, optional
        Seed of the initial weights.

    Returns
    -------
    DeepMLP

    Examples
    --------
    >>> model = deep_mlp(2, 3, width=8, depth=4, activation="tanh", init="xavier", seed=0)
    >>> len(model.linears), model(torch.zeros(5, 2)).shape
    (5, torch.Size([5, 3]))
    """
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    n_outputs = check_int("n_outputs", n_outputs, minimum=1)
    width = check_int("width", width, minimum=1)
    depth = check_int("depth", depth, minimum=1)
    check_choice("activation", activation, ACTIVATIONS)
    check_choice("init", init, INITIALIZATIONS)
    if norm is not None:
        check_choice("norm", norm, NORMALIZATIONS)
    with seeded(seed):
        model = DeepMLP(
            n_inputs,
            n_outputs,
            width=width,
            depth=depth,
            activation=activation,
            residual=residual,
            norm=norm,
        )
        if init != "default":
            initialize_(model, init)
    return model


def small_cnn(
    n_classes: int = 10,
    *,
    in_channels: int = 1,
    image_size: int = 8,
    channels: Sequence[int] = (8, 16),
    seed: int | None = None,
) -> nn.Sequential:
    """A small convolutional classifier: (3x3 conv, ReLU, 2x2 max-pool) blocks, then a linear layer.

    Each block keeps the spatial size with padding 1 and then halves it by
    pooling, so ``image_size`` must be divisible by ``2 ** len(channels)``.

    Parameters
    ----------
    n_classes : int, default 10
    in_channels : int, default 1
    image_size : int, default 8
        Height and width of the (square) input images.
    channels : sequence of int, default (8, 16)
        Output channels of each convolutional block.
    seed : int, optional
        Seed of the initial weights.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(batch, in_channels, image_size, image_size)`` to ``(batch, n_classes)``.

    Examples
    --------
    >>> model = small_cnn(seed=0)
    >>> model(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    >>> count_parameters(model)
    1898
    """
    n_classes = check_int("n_classes", n_classes, minimum=1)
    in_channels = check_int("in_channels", in_channels, minimum=1)
    image_size = check_int("image_size", image_size, minimum=1)
    if isinstance(channels, (str, bytes)) or not isinstance(channels, Sequence) or not channels:
        raise TypeError(f"channels must be a non-empty sequence of ints, got {describe(channels)}")
    widths = [check_int(f"channels[{i}]", c, minimum=1) for i, c in enumerate(channels)]
    if image_size % 2 ** len(widths):
        raise ValueError(
            f"image_size must be divisible by 2**len(channels) = {2 ** len(widths)}, "
            f"got {image_size}"
        )
    with seeded(seed):
        layers: list[nn.Module] = []
        previous = in_channels
        for width in widths:
            layers += [nn.Conv2d(previous, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            previous = width
        side = image_size // 2 ** len(widths)
        layers += [nn.Flatten(), nn.Linear(previous * side * side, n_classes)]
    return nn.Sequential(*layers)


class SequenceClassifier(nn.Module):
    """Read a sequence with a recurrent cell and classify it from the last state.

    The same weights are applied at every step: ``s_t = F(w, x_t, s_{t-1})``;
    a linear layer maps the final hidden state ``s_T`` to logits. Build it with
    :func:`sequence_classifier`.

    Shape
    -----
    Input ``(batch, length, n_inputs)``, output ``(batch, n_classes)``.
    """

    def __init__(
        self, n_inputs: int, n_classes: int, *, cell: str, hidden_size: int, forget_bias: float
    ) -> None:
        super().__init__()
        n_inputs = check_int("n_inputs", n_inputs, minimum=1)
        n_classes = check_int("n_classes", n_classes, minimum=1)
        check_choice("cell", cell, ("rnn", "lstm"))
        hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        forget_bias = check_float("forget_bias", forget_bias)
        self.cell = cell
        kind = nn.LSTM if cell == "lstm" else nn.RNN
        self.recurrent = kind(n_inputs, hidden_size, batch_first=True)
        if cell == "lstm":
            # PyTorch orders the LSTM's gates (input, forget, cell, output)
            bias_ih, bias_hh = self.recurrent.bias_ih_l0, self.recurrent.bias_hh_l0
            assert isinstance(bias_ih, torch.Tensor) and isinstance(bias_hh, torch.Tensor)
            with torch.no_grad():
                bias_ih[hidden_size : 2 * hidden_size].fill_(forget_bias)
                bias_hh[hidden_size : 2 * hidden_size].zero_()
        self.head = nn.Linear(hidden_size, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.recurrent(x)  # (B, T, hidden)
        return self.head(states[:, -1])  # (B, n_classes)


def sequence_classifier(
    n_inputs: int,
    n_classes: int,
    *,
    cell: str = "lstm",
    hidden_size: int = 32,
    forget_bias: float = 1.0,
    seed: int | None = None,
) -> SequenceClassifier:
    """Build an RNN or LSTM sequence classifier.

    Parameters
    ----------
    n_inputs : int
        Features per time step.
    n_classes : int
    cell : {"rnn", "lstm"}, default "lstm"
        ``"rnn"`` is the plain (Elman) tanh recurrence; ``"lstm"`` adds a gated
        carry (cell state) that can hold information over many steps.
    hidden_size : int, default 32
    forget_bias : float, default 1.0
        Initial bias of the LSTM's forget gate (ignored for ``"rnn"``). A
        positive bias starts the gate near open, so the carry is kept from
        step to step until training learns what to forget.
    seed : int, optional
        Seed of the initial weights.

    Returns
    -------
    SequenceClassifier

    Examples
    --------
    >>> model = sequence_classifier(4, 4, cell="rnn", hidden_size=8, seed=0)
    >>> model(torch.zeros(2, 10, 4)).shape
    torch.Size([2, 4])
    """
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    n_classes = check_int("n_classes", n_classes, minimum=1)
    check_choice("cell", cell, ("rnn", "lstm"))
    hidden_size = check_int("hidden_size", hidden_size, minimum=1)
    forget_bias = check_float("forget_bias", forget_bias)
    with seeded(seed):
        return SequenceClassifier(
            n_inputs, n_classes, cell=cell, hidden_size=hidden_size, forget_bias=forget_bias
        )


class Autoencoder(nn.Module):
    """An encoder MLP down to a small latent code and a mirrored decoder MLP back.

    Build it with :func:`autoencoder`. :meth:`encode` gives the latent code,
    :meth:`decode` maps codes back to inputs; ``forward`` does both.

    Shape
    -----
    Input ``(batch, n_inputs)`` (or images, which are flattened), latent
    ``(batch, latent_dim)``, output ``(batch, n_inputs)``.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map inputs of shape ``(batch, ...)`` to codes of shape ``(batch, latent_dim)``."""
        return self.encoder(x.flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Map codes of shape ``(batch, latent_dim)`` to reconstructions ``(batch, n_inputs)``."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def autoencoder(
    n_inputs: int,
    *,
    latent_dim: int = 2,
    hidden: Sequence[int] = (32,),
    activation: str = "relu",
    seed: int | None = None,
) -> Autoencoder:
    """Build an MLP autoencoder ``n_inputs -> hidden -> latent_dim -> hidden reversed -> n_inputs``.

    The decoder ends in a sigmoid, so reconstructions lie in [0, 1] like
    pixel intensities scaled to that range.

    Parameters
    ----------
    n_inputs : int
    latent_dim : int, default 2
        Width of the bottleneck; 2 lets the latent space be plotted.
    hidden : sequence of int, default (32,)
        Hidden widths of the encoder (the decoder uses them reversed).
    activation : str, default "relu"
    seed : int, optional
        Seed of the initial weights.

    Returns
    -------
    Autoencoder

    Examples
    --------
    >>> model = autoencoder(64, latent_dim=2, seed=0)
    >>> model.encode(torch.zeros(5, 64)).shape, model(torch.zeros(5, 64)).shape
    (torch.Size([5, 2]), torch.Size([5, 64]))
    """
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    latent_dim = check_int("latent_dim", latent_dim, minimum=1)
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(f"hidden must be a sequence of widths, got {describe(hidden)}")
    widths = [check_int(f"hidden[{i}]", h, minimum=1) for i, h in enumerate(hidden)]
    check_choice("activation", activation, ACTIVATIONS)
    with seeded(seed):
        encoder = mlp([n_inputs, *widths, latent_dim], activation=activation)
        decoder = nn.Sequential(
            mlp([latent_dim, *reversed(widths), n_inputs], activation=activation), nn.Sigmoid()
        )
    return Autoencoder(encoder, decoder)


def logistic_regression(n_inputs: int, n_classes: int, *, seed: int | None = None) -> nn.Sequential:
    """Multinomial logistic regression: flatten, then one linear layer to logits.

    Trained with cross-entropy, this is the classical softmax regression on
    raw features (for images, on raw pixels).

    Parameters
    ----------
    n_inputs : int
        Number of features after flattening (64 for 8x8 images).
    n_classes : int
    seed : int, optional

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> count_parameters(logistic_regression(64, 10))
    650
    """
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    n_classes = check_int("n_classes", n_classes, minimum=1)
    with seeded(seed):
        return nn.Sequential(nn.Flatten(), nn.Linear(n_inputs, n_classes))


if not TYPE_CHECKING:  # hidden from type checkers: a name that never existed stays an error

    def __getattr__(name: str) -> Any:
        """Name the new place of a function that moved out of this module."""
        from . import moved_attribute

        raise moved_attribute(__name__, name)
