"""The classic training-loop mistakes, as small runnable demonstrations.

Three things go wrong in almost everyone's first PyTorch loops:

* forgetting ``optimizer.zero_grad()``: ``backward`` *adds* to ``.grad``, so
  gradients of earlier batches pile up (:func:`accumulated_gradient`,
  :func:`training_losses`);
* evaluating in training mode: dropout keeps dropping units and batch
  normalisation keeps using (and updating) batch statistics, so predictions
  are random and depend on the other examples of the batch
  (:func:`prediction_spread`, :func:`batch_dependence`);
* evaluating without ``torch.no_grad()``: autograd stores the intermediate
  tensors of every layer for a backward pass that never comes
  (:func:`saved_tensor_bytes`).

A fourth, splitting rows at random when they come in groups, needs only data
(:func:`dlbook.data.patient_data`) and the two splits of :mod:`dlbook.data`.

A fifth is a property of an activation rather than of the loop: a ReLU unit
whose input is negative on every example gets no gradient and stays silent
(:func:`dead_units` measures it, and what leaky ReLU and ELU change).

Every function works on a copy of the model where it would change it, so a
demonstration never alters the model it is shown.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from .._validation import (
    as_tensor,
    call_model,
    check_choice,
    check_classification_data,
    check_float,
    check_int,
    check_model,
    check_seed,
    describe,
)
from ..devices import module_device, module_dtype
from ..seeding import make_generator, seeded

__all__ = [
    "accumulated_gradient",
    "batch_dependence",
    "dead_units",
    "prediction_spread",
    "saved_tensor_bytes",
    "training_losses",
]


def _fits(model: nn.Module, X: torch.Tensor) -> None:
    """Raise a ValueError naming the model and X when the model cannot take X."""
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            call_model(model, X[:1].to(module_device(model)))
    finally:
        model.train(was)


def _check_mode(mode: str) -> bool:
    """Return True for "train", False for "eval"."""
    return check_choice("mode", mode, ("train", "eval")) == "train"


def accumulated_gradient(
    model: nn.Module,
    X: torch.Tensor | np.ndarray,
    y: torch.Tensor | np.ndarray,
    *,
    backward_calls: int = 3,
    zero_grad: bool = False,
) -> torch.Tensor:
    """The gradient left in ``.grad`` after calling ``backward`` several times on one batch.

    Without zeroing in between, ``.grad`` ends up as ``backward_calls`` times
    the gradient of one call; with zeroing, it is the gradient of one call.
    The model is not changed (a copy does the work).

    Parameters
    ----------
    model : torch.nn.Module
        A classifier mapping ``(n, n_features)`` to logits ``(n, n_classes)``.
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
        Integer class labels.
    backward_calls : int, default 3
        How many forward-backward passes to run.
    zero_grad : bool, default False
        Whether to zero the gradients before each backward pass.

    Returns
    -------
    Tensor of shape (n_parameters,)
        All parameter gradients, flattened and concatenated, on the CPU.

    Examples
    --------
    >>> model = nn.Linear(2, 2)
    >>> X, y = torch.randn(8, 2), torch.randint(0, 2, (8,))
    >>> once = accumulated_gradient(model, X, y, backward_calls=1)
    >>> thrice = accumulated_gradient(model, X, y, backward_calls=3)
    >>> torch.allclose(thrice, 3 * once)
    True
    """
    model = copy.deepcopy(check_model("model", model))
    X, y = check_classification_data(X, y, dtype=module_dtype(model))
    _fits(model, X)
    backward_calls = check_int("backward_calls", backward_calls, minimum=1)
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("model must have parameters that require gradients, got none")
    with torch.no_grad():
        n_outputs = call_model(model, X[:1].to(module_device(model))).shape[-1]
    if len(y) and int(y.max()) >= n_outputs:
        raise ValueError(
            f"y must hold class labels in [0, {n_outputs}) for a model with {n_outputs} "
            f"outputs, got the label {int(y.max())}"
        )
    device = module_device(model)
    X, y = X.to(device), y.to(device)
    model.zero_grad(set_to_none=True)
    for _ in range(backward_calls):
        if zero_grad:
            model.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(X), y).backward()
    grads = [
        (p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
        for p in model.parameters()
    ]
    return torch.cat(grads).cpu()


def training_losses(
    model: nn.Module,
    X: torch.Tensor | np.ndarray,
    y: torch.Tensor | np.ndarray,
    *,
    steps: int = 50,
    lr: float = 0.1,
    batch_size: int = 32,
    zero_grad: bool = True,
    seed: int | None = None,
) -> list[float]:
    """Train a copy of a classifier with SGD and record the loss of every step.

    The loop is the five-step PyTorch loop (forward, loss, ``zero_grad``,
    backward, step) with the third step optional, to show what forgetting it
    does: the step then follows the sum of all gradients so far.

    Parameters
    ----------
    model : torch.nn.Module
        A classifier; it is copied, the original is left untouched.
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
    steps : int, default 50
        Number of mini-batch steps.
    lr : float, default 0.1
        Learning rate of plain SGD.
    batch_size : int, default 32
        Examples per step, drawn without replacement within each pass.
    zero_grad : bool, default True
        Whether to call ``optimizer.zero_grad()`` before ``backward``.
    seed : int, optional
        Seed of the batch order.

    Returns
    -------
    list of float
        The mini-batch loss of every step.

    Examples
    --------
    >>> X, y = torch.randn(64, 2), torch.randint(0, 2, (64,))
    >>> losses = training_losses(nn.Linear(2, 2), X, y, steps=5, seed=0)
    >>> len(losses)
    5
    """
    model = copy.deepcopy(check_model("model", model))
    X, y = check_classification_data(X, y, dtype=module_dtype(model))
    _fits(model, X)
    steps = check_int("steps", steps, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if not list(model.parameters()):
        raise ValueError("model must have parameters to train, got none")
    generator = make_generator(seed)
    device = module_device(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    losses: list[float] = []
    order = torch.randperm(len(X), generator=generator)
    position = 0
    for _ in range(steps):
        if position >= len(X):
            order, position = torch.randperm(len(X), generator=generator), 0
        index = order[position : position + batch_size]
        position += batch_size
        xb, yb = X[index].to(device), y[index].to(device)
        logits = model(xb)  # 1. forward
        loss = nn.functional.cross_entropy(logits, yb)  # 2. loss
        if zero_grad:
            optimizer.zero_grad()  # 3. zero the gradients
        loss.backward()  # 4. backward
        optimizer.step()  # 5. update
        losses.append(float(loss.detach()))
    return losses


def prediction_spread(
    model: nn.Module,
    X: torch.Tensor,
    *,
    mode: str = "train",
    repeats: int = 10,
    seed: int | None = None,
) -> float:
    """How much a model's outputs vary between repeated forward passes on the same input.

    In training mode dropout draws a new mask on every call, so the outputs
    change; in evaluation mode the same input gives the same output. The
    returned number is the standard deviation over the repeats, averaged over
    all outputs. The model's mode and its batch-norm statistics are left as
    they were (a copy is used).

    Parameters
    ----------
    model : torch.nn.Module
    X : Tensor of shape (n_samples, n_features)
    mode : {"train", "eval"}, default "train"
    repeats : int, default 10
        Number of forward passes, at least 2.
    seed : int, optional
        Seed for the dropout masks.

    Returns
    -------
    float
        Standard deviation of the outputs over the repeats, averaged over all outputs
        (0.0 when every pass gives the same output).

    Examples
    --------
    >>> from dlbook.models import mlp
    >>> model = mlp([2, 16, 2], norm="batch", dropout=0.5, seed=0)
    >>> X = torch.randn(32, 2)
    >>> prediction_spread(model, X, mode="eval")
    0.0
    >>> prediction_spread(model, X, mode="train", seed=0) > 0
    True
    """
    model = copy.deepcopy(check_model("model", model))
    X = as_tensor("X", X, ndim=2).to(module_dtype(model))
    _fits(model, X)
    if len(X) == 0:
        raise ValueError("X must contain at least one sample, got 0")
    training = _check_mode(mode)
    repeats = check_int("repeats", repeats, minimum=2)
    seed = check_seed("seed", seed)
    device = module_device(model)
    X = X.to(device)
    model.train(training)
    with seeded(seed), torch.no_grad():
        outputs = torch.stack([model(X) for _ in range(repeats)])  # (repeats, n, out)
    return float(outputs.std(dim=0).mean())


def batch_dependence(model: nn.Module, X: torch.Tensor, *, mode: str = "train") -> float:
    """How much the outputs for the first half of a batch change when the second half changes.

    The first half of ``X`` is passed once together with the second half and
    once with the second half replaced by its negation; the result is the
    largest absolute difference of the first half's outputs. Batch
    normalisation in training mode normalises with statistics of the whole
    batch, so a prediction depends on the other examples; in evaluation mode
    it uses stored statistics and the difference is zero. Dropout is switched
    off for the measurement, so that only batch normalisation is seen.

    Parameters
    ----------
    model : torch.nn.Module
    X : Tensor of shape (n_samples, n_features)
        At least 4 samples.
    mode : {"train", "eval"}, default "train"

    Returns
    -------
    float
        Largest change of an output of the first half when the second half changes
        (0.0 when predictions do not depend on the rest of the batch).

    Examples
    --------
    >>> from dlbook.models import mlp
    >>> model = mlp([2, 16, 2], norm="batch", dropout=0.5, seed=0)
    >>> X = torch.randn(32, 2) + 1
    >>> batch_dependence(model, X, mode="eval")
    0.0
    >>> batch_dependence(model, X, mode="train") > 0.01
    True
    """
    model = copy.deepcopy(check_model("model", model))
    X = as_tensor("X", X, ndim=2).to(module_dtype(model))
    _fits(model, X)
    if len(X) < 4:
        raise ValueError(f"X must contain at least 4 samples, got {len(X)}")
    training = _check_mode(mode)
    model.train(training)
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.eval()
    device = module_device(model)
    half = len(X) // 2
    first, second = X[:half].to(device), X[half:].to(device)
    with torch.no_grad():
        together = model(torch.cat([first, second]))[:half]
        other = model(torch.cat([first, -second]))[:half]
    return float((together - other).abs().max())


def saved_tensor_bytes(
    model: nn.Module, X: torch.Tensor, *, no_grad: bool = False, parameters: bool = False
) -> int:
    """Bytes of memory autograd keeps alive for backward after one forward pass.

    Counted with :func:`torch.autograd.graph.saved_tensors_hooks`, by
    storage: a tensor saved twice (the output of a ReLU is saved by the ReLU
    and, as its input, by the next linear layer) is counted once. Weights are
    saved too (a layer needs its weight to pass the gradient on to its input,
    so the first layer's is not needed), but they stay in memory anyway, so
    they are left out unless ``parameters=True``. Under ``torch.no_grad()`` no graph is
    recorded and nothing is saved, which is why evaluation belongs inside it.

    Parameters
    ----------
    model : torch.nn.Module
    X : Tensor of shape (n_samples, n_features)
    no_grad : bool, default False
        Run the forward pass under ``torch.no_grad()``.
    parameters : bool, default False
        Count the saved parameters (weights) as well.

    Returns
    -------
    int
        Bytes of the distinct storages that autograd saved for the backward
        pass: the input and the activations, plus the weights with
        ``parameters=True`` (0 under ``no_grad``).

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(10, 100), nn.ReLU(), nn.Linear(100, 2))
    >>> X = torch.randn(64, 10)
    >>> saved_tensor_bytes(model, X, no_grad=True)
    0
    >>> saved_tensor_bytes(model, X) == (64 * 10 + 64 * 100) * 4  # the input and the ReLU output
    True
    >>> saved_tensor_bytes(model, X, parameters=True) - saved_tensor_bytes(model, X)  # W_2
    800
    """
    check_model("model", model)
    X = as_tensor("X", X, ndim=(2, 3, 4)).to(module_device(model), module_dtype(model))
    _fits(model, X)
    if not isinstance(no_grad, bool):
        raise TypeError(f"no_grad must be a bool, got {describe(no_grad)}")
    if not isinstance(parameters, bool):
        raise TypeError(f"parameters must be a bool, got {describe(parameters)}")
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages: dict[int, int] = {}  # data pointer -> bytes

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if parameters or storage.data_ptr() not in weights:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    was_training = model.training
    model.eval()
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            if no_grad:
                with torch.no_grad():
                    out = model(X)
            else:
                out = model(X)
        del out
    finally:
        model.train(was_training)
    return sum(storages.values())


#: Activations accepted by :func:`dead_units`.
DEAD_UNIT_ACTIVATIONS = ("relu", "leaky_relu", "elu")


def dead_units(
    activation: str,
    *,
    negative_slope: float = 0.01,
    n_units: int = 16,
    n_killed: int = 8,
    n_samples: int = 100,
    steps: int = 200,
    lr: float = 0.5,
    seed: int | None = 0,
) -> tuple[int, int]:
    """Silence some hidden units of a small network, train it, and count the silent units.

    A network ``Linear(2, n_units) -> activation -> Linear(n_units, 1)`` is
    drawn at random (weights uniform in [-1, 1]) for the two-class data of
    :func:`dlbook.data.circles`. The biases of the first ``n_killed`` hidden
    units are then lowered until each unit's input is below -0.1 on every
    training point, as a large gradient step can do by accident. The network
    is trained by full-batch gradient descent on the logistic loss. A unit
    counts as *silent* when its input is at most 0 on every training point.
    With ReLU a silent unit has zero gradient, so it stays silent; with leaky
    ReLU and ELU a gradient still flows and it may come back.

    Parameters
    ----------
    activation : {"relu", "leaky_relu", "elu"}
    negative_slope : float, default 0.01
        Slope of leaky ReLU for negative inputs (ignored otherwise), in (0, 1).
    n_units : int, default 16
    n_killed : int, default 8
        Units silenced at the start, at most ``n_units``.
    n_samples : int, default 100
    steps : int, default 200
    lr : float, default 0.5
    seed : int or None, default 0
        Seeds the data and the weights.

    Returns
    -------
    (int, int)
        Silent units before and after training.

    Examples
    --------
    >>> dead_units("relu", steps=20)[0]
    8
    """
    check_choice("activation", activation, DEAD_UNIT_ACTIVATIONS)
    negative_slope = check_float("negative_slope", negative_slope, minimum=0.0, strict_minimum=True)
    if negative_slope >= 1.0:
        raise ValueError(f"negative_slope must be in (0, 1), got {negative_slope}")
    n_units = check_int("n_units", n_units, minimum=1)
    n_killed = check_int("n_killed", n_killed, minimum=0)
    if n_killed > n_units:
        raise ValueError(f"n_killed must be at most n_units={n_units}, got {n_killed}")
    n_samples = check_int("n_samples", n_samples, minimum=2)
    steps = check_int("steps", steps, minimum=0)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    seed = check_seed("seed", seed)
    from ..data import circles  # the data module imports nothing from the demos

    gen = make_generator(seed)
    X, y = circles(n_samples, seed=int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
    X, y = X.double(), y.double()
    act = {"relu": nn.ReLU(), "leaky_relu": nn.LeakyReLU(negative_slope), "elu": nn.ELU()}
    first, last = nn.Linear(2, n_units).double(), nn.Linear(n_units, 1).double()
    with torch.no_grad():
        for p in (first.weight, first.bias, last.weight, last.bias):
            p.uniform_(-1.0, 1.0, generator=gen)
        reach = (X @ first.weight.T)[:, :n_killed].max(dim=0).values  # (n_killed,)
        first.bias[:n_killed] = -reach - 0.1  # input below -0.1 on every point
    net = nn.Sequential(first, act[activation], last)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)

    def silent() -> int:
        with torch.no_grad():
            return int((first(X) <= 0).all(dim=0).sum())

    before = silent()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(net(X)[:, 0], y)
        loss.backward()
        optimizer.step()
    return before, silent()
