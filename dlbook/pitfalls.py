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
  (:func:`saved_tensor_bytes`);
* splitting rows at random when they come in groups (several images of one
  patient): the test set then holds near-copies of training rows
  (:func:`patient_data` makes such data).

Every function works on a copy of the model where it would change it, so a
demonstration never alters the model it is shown.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence

import torch
from torch import nn

from ._validation import (
    as_tensor,
    check_choice,
    check_float,
    check_int,
    check_seed,
    describe,
)
from .devices import module_device
from .seeding import make_generator, seeded

__all__ = [
    "accumulated_gradient",
    "batch_dependence",
    "dropout_batchnorm_mlp",
    "patient_data",
    "prediction_spread",
    "saved_tensor_bytes",
    "training_losses",
]


def _check_model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    return model


def _check_mode(mode: str) -> bool:
    """Return True for "train", False for "eval"."""
    return check_choice("mode", mode, ("train", "eval")) == "train"


def dropout_batchnorm_mlp(
    sizes: Sequence[int],
    *,
    dropout: float = 0.5,
    batch_norm: bool = True,
    seed: int | None = None,
) -> nn.Sequential:
    """An MLP whose hidden layers are ``Linear -> BatchNorm1d -> ReLU -> Dropout``.

    The two layers that behave differently in training and evaluation mode,
    in one small model.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``(2, 32, 2)``.
    dropout : float, default 0.5
        Probability of zeroing a hidden unit in training mode, in [0, 1).
    batch_norm : bool, default True
        Whether to normalise each hidden layer over the batch.
    seed : int, optional
        Seed of the initial weights.

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> model = dropout_batchnorm_mlp([2, 8, 2], seed=0)
    >>> [type(m).__name__ for m in model]
    ['Linear', 'BatchNorm1d', 'ReLU', 'Dropout', 'Linear']
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of layer widths, got {describe(sizes)}")
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {list(sizes)}")
    widths = [check_int(f"sizes[{i}]", s, minimum=1) for i, s in enumerate(sizes)]
    dropout = check_float("dropout", dropout, minimum=0.0)
    if dropout >= 1.0:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
    with seeded(seed):
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(widths) - 2:
                if batch_norm:
                    layers.append(nn.BatchNorm1d(n_out))
                layers += [nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


def _check_data(X: object, y: object) -> tuple[torch.Tensor, torch.Tensor]:
    X = as_tensor("X", X, ndim=2).float()
    y = as_tensor("y", y, ndim=1)
    if y.is_floating_point():
        raise TypeError(f"y must hold integer class labels, got {y.dtype}")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of samples, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError("X must contain at least one sample, got 0")
    return X, y.long()


def accumulated_gradient(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
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
    model = copy.deepcopy(_check_model(model))
    X, y = _check_data(X, y)
    backward_calls = check_int("backward_calls", backward_calls, minimum=1)
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
    X: torch.Tensor,
    y: torch.Tensor,
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
    model = copy.deepcopy(_check_model(model))
    X, y = _check_data(X, y)
    steps = check_int("steps", steps, minimum=1)
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    batch_size = check_int("batch_size", batch_size, minimum=1)
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

    Examples
    --------
    >>> model = dropout_batchnorm_mlp([2, 16, 2], seed=0)
    >>> X = torch.randn(32, 2)
    >>> prediction_spread(model, X, mode="eval")
    0.0
    >>> prediction_spread(model, X, mode="train", seed=0) > 0
    True
    """
    model = copy.deepcopy(_check_model(model))
    X = as_tensor("X", X, ndim=2).float()
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

    Examples
    --------
    >>> model = dropout_batchnorm_mlp([2, 16, 2], seed=0)
    >>> X = torch.randn(32, 2) + 1
    >>> batch_dependence(model, X, mode="eval")
    0.0
    >>> batch_dependence(model, X, mode="train") > 0.01
    True
    """
    model = copy.deepcopy(_check_model(model))
    X = as_tensor("X", X, ndim=2).float()
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


def saved_tensor_bytes(model: nn.Module, X: torch.Tensor, *, no_grad: bool = False) -> int:
    """Bytes of intermediate tensors autograd keeps for backward during one forward pass.

    Counted with :func:`torch.autograd.graph.saved_tensors_hooks`. Under
    ``torch.no_grad()`` no graph is recorded and nothing is saved, which is
    why evaluation belongs inside it.

    Parameters
    ----------
    model : torch.nn.Module
    X : Tensor of shape (n_samples, n_features)
    no_grad : bool, default False
        Run the forward pass under ``torch.no_grad()``.

    Returns
    -------
    int

    Examples
    --------
    >>> model = nn.Sequential(nn.Linear(10, 100), nn.ReLU(), nn.Linear(100, 2))
    >>> X = torch.randn(64, 10)
    >>> saved_tensor_bytes(model, X, no_grad=True)
    0
    >>> saved_tensor_bytes(model, X) > 64 * 100 * 4
    True
    """
    _check_model(model)
    X = as_tensor("X", X, ndim=(2, 3, 4)).float().to(module_device(model))
    if not isinstance(no_grad, bool):
        raise TypeError(f"no_grad must be a bool, got {describe(no_grad)}")
    total = 0

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        nonlocal total
        total += tensor.numel() * tensor.element_size()
        return tensor

    was_training = model.training
    model.eval()
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            if no_grad:
                with torch.no_grad():
                    model(X)
            else:
                model(X)
    finally:
        model.train(was_training)
    return total


def patient_data(
    n_patients: int = 30,
    per_patient: int = 10,
    *,
    n_features: int = 10,
    signal: float = 1.5,
    spread: float = 2.0,
    noise: float = 0.3,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Grouped data where rows of one group look alike: several scans of each patient.

    Every patient has a diagnosis (label 0 or 1, half of the patients each)
    and a personal "look", a centre drawn from a normal distribution of
    standard deviation ``spread`` in every feature. Each of the patient's rows
    is that centre, plus ``signal`` times the diagnosis (as +1 or -1) in the
    first feature (the only thing that carries over to new patients), plus a
    little ``noise``. A model can score well on a random row split by
    recognising the patients it has seen; on new patients only the weak
    signal helps.

    Parameters
    ----------
    n_patients : int, default 30
        Number of groups, at least 2.
    per_patient : int, default 10
        Rows per group.
    n_features : int, default 10
    signal : float, default 1.5
        Shift of the first feature between the classes, >= 0.
    spread : float, default 2.0
        Standard deviation of the patient centres, >= 0.
    noise : float, default 0.3
        Standard deviation of the row-to-row noise, >= 0.
    seed : int, optional

    Returns
    -------
    X : Tensor of shape (n_patients * per_patient, n_features), float32
    y : Tensor of shape (n_patients * per_patient,), int64
    groups : Tensor of shape (n_patients * per_patient,), int64
        The patient of each row.

    Examples
    --------
    >>> X, y, groups = patient_data(4, 3, seed=0)
    >>> X.shape, groups.tolist()
    (torch.Size([12, 10]), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
    >>> bool((y.reshape(4, 3) == y.reshape(4, 3)[:, :1]).all())  # one label per patient
    True
    """
    n_patients = check_int("n_patients", n_patients, minimum=2)
    per_patient = check_int("per_patient", per_patient, minimum=1)
    n_features = check_int("n_features", n_features, minimum=1)
    signal = check_float("signal", signal, minimum=0.0)
    spread = check_float("spread", spread, minimum=0.0)
    noise = check_float("noise", noise, minimum=0.0)
    generator = make_generator(seed)
    diagnosis = torch.arange(n_patients) % 2  # half of the patients in each class
    diagnosis = diagnosis[torch.randperm(n_patients, generator=generator)]
    centres = spread * torch.randn(n_patients, n_features, generator=generator)
    groups = torch.arange(n_patients).repeat_interleave(per_patient)  # (n,)
    y = diagnosis[groups]  # (n,)
    X = centres[groups] + noise * torch.randn(len(groups), n_features, generator=generator)
    X[:, 0] += signal * (2 * y - 1).float()
    return X, y.long(), groups
