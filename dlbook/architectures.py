"""Architectures beyond the plain MLP: deep and residual MLPs, a small CNN,
recurrent sequence classifiers, an autoencoder, and the digits comparison.

Every builder takes ``seed=`` for its initial weights and leaves the global
random state as it found it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ._validation import check_choice, check_float, check_int, describe
from .models import ACTIVATIONS, count_parameters, mlp
from .seeding import seeded

__all__ = [
    "INITIALIZATIONS",
    "NORMALIZATIONS",
    "Autoencoder",
    "Block",
    "DeepMLP",
    "DigitsResult",
    "SequenceClassifier",
    "autoencoder",
    "compare_on_digits",
    "deep_mlp",
    "initialize_",
    "logistic_regression",
    "sequence_classifier",
    "small_cnn",
]

#: Weight initialisations accepted by :func:`initialize_` and :func:`deep_mlp`.
INITIALIZATIONS = ("default", "xavier", "he")
#: Normalisation layers accepted by :func:`deep_mlp` (``None`` for none).
NORMALIZATIONS = ("batch", "layer")


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
        self.norm: nn.Module = (
            nn.Identity()
            if norm is None
            else nn.BatchNorm1d(width)
            if norm == "batch"
            else nn.LayerNorm(width)
        )
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


@dataclass(frozen=True)
class DigitsResult:
    """One row of :func:`compare_on_digits`.

    Attributes
    ----------
    name : str
    parameters : int
        Trainable parameters of the model.
    train_accuracy, test_accuracy : float
    model : torch.nn.Module
        The trained model.
    """

    name: str
    parameters: int
    train_accuracy: float
    test_accuracy: float
    model: nn.Module


def compare_on_digits(
    *,
    epochs: int = 20,
    lr: float = 0.01,
    batch_size: int = 128,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> list[DigitsResult]:
    """Train logistic regression, an MLP and a small CNN on the 8x8 digits and test them.

    All three see the same fixed split of :func:`dlbook.datasets.load_digits`
    and are trained by :func:`dlbook.training.train` with Adam, the same
    learning rate, batch size, number of epochs and seed.

    Parameters
    ----------
    epochs : int, default 20
    lr : float, default 0.01
    batch_size : int, default 128
    seed : int, default 0
        Seeds the initial weights and the batch order.
    device : torch.device or str, optional
        Where to train (the CPU when ``None``).

    Returns
    -------
    list of DigitsResult
        Rows for ``"logistic regression"``, ``"MLP"`` and ``"CNN"``.

    Examples
    --------
    >>> rows = compare_on_digits(epochs=1, seed=0)
    >>> [row.name for row in rows]
    ['logistic regression', 'MLP', 'CNN']
    """
    from .datasets import load_digits
    from .training import evaluate, train

    epochs = check_int("epochs", epochs, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    data = load_digits(seed=0)
    models = {
        "logistic regression": logistic_regression(64, 10, seed=seed),
        "MLP": nn.Sequential(nn.Flatten(), mlp([64, 64, 10], seed=seed)),
        "CNN": small_cnn(10, seed=seed),
    }
    rows = []
    for name, model in models.items():
        if device is not None:
            model.to(device)
        train(
            model,
            data.X_train,
            data.y_train,
            lr=lr,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
        )
        rows.append(
            DigitsResult(
                name=name,
                parameters=count_parameters(model),
                train_accuracy=evaluate(model, data.X_train, data.y_train)["accuracy"],
                test_accuracy=evaluate(model, data.X_test, data.y_test)["accuracy"],
                model=model,
            )
        )
    return rows
