"""A small, explicit training loop that runs on any device and records a history."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from ._validation import (
    as_tensor,
    check_choice,
    check_float,
    check_int,
    check_same_length,
    check_seed,
    describe,
)
from .devices import module_device
from .seeding import make_generator

__all__ = ["History", "accuracy", "evaluate", "train"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

_LOSSES: dict[str, LossFn] = {
    "cross_entropy": nn.functional.cross_entropy,
    "mse": nn.functional.mse_loss,
    "bce_with_logits": nn.functional.binary_cross_entropy_with_logits,
}
_OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


@dataclass
class History:
    """What happened during training, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch.
    accuracy : list of float
        Training accuracy of each epoch (classification losses only, else empty).
    val_loss, val_accuracy : list of float
        The same on the validation data, when it was given.
    grad_norm : list of float
        Global gradient norm of every optimisation step, measured before
        any clipping.
    diverged : bool
        True when training stopped early because a batch loss was not finite;
        the last epoch's loss is then recorded as NaN.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    diverged: bool = False

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.loss)

    def as_dict(self) -> dict[str, list[float]]:
        """Return the non-empty records as a dictionary of lists."""
        records = {
            "loss": self.loss,
            "accuracy": self.accuracy,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
            "grad_norm": self.grad_norm,
        }
        return {key: list(value) for key, value in records.items() if value}


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is at the true class.

    For a single output column (binary logits) a logit above 0 means class 1.

    Parameters
    ----------
    logits : Tensor of shape (n_samples, n_classes) or (n_samples,)
    y : Tensor of shape (n_samples,)

    Returns
    -------
    float

    Examples
    --------
    >>> accuracy(torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 0]))
    0.5
    """
    logits = as_tensor("logits", logits, ndim=(1, 2))
    y = as_tensor("y", y, ndim=1)
    check_same_length("logits", logits, "y", y)
    if logits.ndim == 2 and logits.shape[1] > 1:
        predicted = logits.argmax(dim=1)
    else:
        predicted = (logits.reshape(-1) > 0).long()
    return float((predicted == y.to(predicted.device).long()).float().mean())


def _resolve_loss(loss: str | LossFn) -> tuple[LossFn, bool]:
    if isinstance(loss, str):
        check_choice("loss", loss, _LOSSES)
        return _LOSSES[loss], loss in ("cross_entropy", "bce_with_logits")
    if callable(loss):
        return loss, False
    raise TypeError(f"loss must be a name or a callable, got {describe(loss)}")


def _check_targets(loss: str | LossFn, y: torch.Tensor) -> torch.Tensor:
    if loss == "cross_entropy":
        if y.is_floating_point():
            raise TypeError(f"y must hold integer class labels for cross_entropy, got {y.dtype}")
        return y.long()
    if loss in ("mse", "bce_with_logits"):
        return y.float()
    return y


def _prepare(
    model: nn.Module, X: object, y: object, loss: str | LossFn, *, x_ndim: tuple[int, ...] | None
) -> tuple[torch.Tensor, torch.Tensor, LossFn, bool]:
    """Check a model, its data and its loss; return ``(X, y, loss_fn, is_classification)``.

    Floating-point inputs become float32; targets get the dtype the loss expects.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    X = as_tensor("X", X, ndim=x_ndim)
    y = as_tensor("y", y, ndim=(1, 2))
    check_same_length("X", X, "y", y)
    if len(X) == 0:
        raise ValueError("X must contain at least one sample, got 0")
    loss_fn, is_classification = _resolve_loss(loss)
    y = _check_targets(loss, y)
    if X.is_floating_point():
        X = X.float()
    return X, y, loss_fn, is_classification


def _clip_or_measure(model: nn.Module, max_norm: float | None) -> float:
    """Global norm of all gradients, before clipping; clips in place when ``max_norm`` is set."""
    parameters = [p for p in model.parameters() if p.grad is not None]
    if not parameters:
        return 0.0
    if max_norm is not None:
        return float(torch.nn.utils.clip_grad_norm_(parameters, max_norm))
    norms = torch.stack(
        [torch.linalg.vector_norm(p.grad.detach()) for p in parameters if p.grad is not None]
    )
    return float(torch.linalg.vector_norm(norms))


def _batches(n: int, batch_size: int, shuffle: bool, generator: torch.Generator | None):
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def train(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    loss: str | LossFn = "cross_entropy",
    optimizer: str | torch.optim.Optimizer = "adam",
    lr: float = 0.01,
    epochs: int = 100,
    batch_size: int | None = None,
    validation: tuple[torch.Tensor, torch.Tensor] | None = None,
    device: torch.device | str | None = None,
    seed: int | None = None,
    clip_grad_norm: float | None = None,
    progress: bool = False,
) -> History:
    """Train a model with mini-batch gradient descent and record a history.

    One epoch visits every training example once, in batches; each batch runs
    the five steps of a PyTorch training loop: forward pass, loss,
    ``zero_grad``, ``backward``, optimiser ``step`` (with gradient clipping
    between the last two when ``clip_grad_norm`` is set). Training stops early
    if a batch loss is not finite (``history.diverged``).

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch of shape ``(batch, n_features)`` to outputs (logits for the
        classification losses).
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,) or (n_samples, n_outputs)
        Integer labels for ``"cross_entropy"``; float targets for ``"mse"`` and
        ``"bce_with_logits"``.
    loss : {"cross_entropy", "mse", "bce_with_logits"} or callable, default "cross_entropy"
        A callable receives ``(outputs, targets)`` and returns a scalar tensor.
    optimizer : {"adam", "sgd", "adamw"} or torch.optim.Optimizer, default "adam"
        A name builds that optimiser over ``model.parameters()`` with ``lr``.
    lr : float, default 0.01
        Learning rate (ignored when an optimiser object is passed).
    epochs : int, default 100
        Passes over the training data.
    batch_size : int, optional
        Examples per step; ``None`` uses the whole data set (one step per epoch).
    validation : (X_val, y_val), optional
        Data evaluated after every epoch.
    device : torch.device or str, optional
        Where to train. ``None`` keeps the model where it is; otherwise the
        model is moved there. Batches are moved to the model's device.
    seed : int, optional
        Seed of the generator that shuffles the batches.
    clip_grad_norm : float, optional
        Rescale the gradient of all parameters, seen as one vector, so that its
        norm is at most this value before each step
        (``torch.nn.utils.clip_grad_norm_``).
    progress : bool, default False
        Show a tqdm progress bar over epochs.

    Returns
    -------
    History
        Per-epoch training loss (and accuracy for classification), the same on
        the validation data when given, and the gradient norm of every step.

    Examples
    --------
    >>> from dlbook.data import circles
    >>> from dlbook.models import mlp
    >>> X, y = circles(200, seed=0)
    >>> model = mlp([2, 16, 2], seed=0)
    >>> history = train(model, X, y, epochs=50)
    >>> history.loss[-1] < history.loss[0]
    True
    """
    X, y, loss_fn, is_classification = _prepare(model, X, y, loss, x_ndim=(2, 3, 4))
    epochs = check_int("epochs", epochs, minimum=1)
    n = len(X)
    batch_size = n if batch_size is None else check_int("batch_size", batch_size, minimum=1)
    seed = check_seed("seed", seed)
    generator = make_generator(seed)
    if clip_grad_norm is not None:
        clip_grad_norm = check_float(
            "clip_grad_norm", clip_grad_norm, minimum=0.0, strict_minimum=True
        )

    if device is not None:
        model.to(device)
    target_device = module_device(model)

    if isinstance(optimizer, str):
        check_choice("optimizer", optimizer, _OPTIMIZERS)
        lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
        opt: torch.optim.Optimizer = _OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    elif isinstance(optimizer, torch.optim.Optimizer):
        opt = optimizer
    else:
        raise TypeError(
            f"optimizer must be a name or a torch.optim.Optimizer, got {describe(optimizer)}"
        )

    history = History()
    if progress:
        # Imported here: tqdm.auto warns inside notebooks that lack ipywidgets.
        from tqdm.auto import tqdm

        bar = tqdm(range(epochs), desc="training", leave=False)
    for _ in bar if progress else range(epochs):
        model.train()
        total_loss, total_correct = 0.0, 0.0
        for index in _batches(n, batch_size, shuffle=batch_size < n, generator=generator):
            xb = X[index].to(target_device, non_blocking=True)  # (B, ...)
            yb = y[index].to(target_device, non_blocking=True)  # (B,)
            outputs = model(xb)
            if loss == "bce_with_logits" and outputs.ndim == 2 and outputs.shape[1] == 1:
                outputs = outputs.squeeze(1)  # (B, 1) -> (B,)
            batch_loss = loss_fn(outputs, yb)
            if not torch.isfinite(batch_loss.detach()):
                history.diverged = True
                break
            opt.zero_grad()
            batch_loss.backward()
            history.grad_norm.append(_clip_or_measure(model, clip_grad_norm))
            opt.step()
            total_loss += float(batch_loss.detach()) * len(index)
            if is_classification:
                total_correct += accuracy(outputs.detach(), yb) * len(index)
        if history.diverged:
            history.loss.append(math.nan)
            if is_classification:
                history.accuracy.append(math.nan)
            break
        history.loss.append(total_loss / n)
        if is_classification:
            history.accuracy.append(total_correct / n)
        if validation is not None:
            scores = evaluate(model, *validation, loss=loss)
            history.val_loss.append(scores["loss"])
            if "accuracy" in scores:
                history.val_accuracy.append(scores["accuracy"])
        if progress:
            bar.set_postfix(loss=f"{history.loss[-1]:.4f}")
    return history


def evaluate(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    loss: str | LossFn = "cross_entropy",
    batch_size: int = 1024,
) -> dict[str, float]:
    """Loss (and accuracy for classification) of a model on data, without gradients.

    The model is put in evaluation mode for the pass and returned to its
    previous mode afterwards.

    Parameters
    ----------
    model : torch.nn.Module
    X : Tensor of shape (n_samples, n_features)
    y : Tensor of shape (n_samples,)
    loss : str or callable, default "cross_entropy"
        As in :func:`train`.
    batch_size : int, default 1024
        Examples per forward pass.

    Returns
    -------
    dict
        ``{"loss": ..., "accuracy": ...}`` (accuracy only for classification).

    Examples
    --------
    >>> model = torch.nn.Linear(2, 2)
    >>> scores = evaluate(model, torch.zeros(4, 2), torch.tensor([0, 1, 0, 1]))
    >>> sorted(scores)
    ['accuracy', 'loss']
    """
    X, y, loss_fn, is_classification = _prepare(model, X, y, loss, x_ndim=(2, 3, 4))
    batch_size = check_int("batch_size", batch_size, minimum=1)
    device = module_device(model)
    was_training = model.training
    model.eval()
    total_loss, total_correct = 0.0, 0.0
    try:
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                xb = X[start : start + batch_size].to(device)
                yb = y[start : start + batch_size].to(device)
                outputs = model(xb)
                if loss == "bce_with_logits" and outputs.ndim == 2 and outputs.shape[1] == 1:
                    outputs = outputs.squeeze(1)
                total_loss += float(loss_fn(outputs, yb)) * len(xb)
                if is_classification:
                    total_correct += accuracy(outputs, yb) * len(xb)
    finally:
        model.train(was_training)
    scores = {"loss": total_loss / len(X)}
    if is_classification:
        scores["accuracy"] = total_correct / len(X)
    return scores
