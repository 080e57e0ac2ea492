"""The one training loop of dlbook: train, evaluate and predict, with a history of each run.

:func:`train` runs mini-batch gradient descent on a model: for every batch a
:class:`TrainingStep` does the five steps of a PyTorch training loop (forward
pass, loss, ``zero_grad``, ``backward``, optimiser ``step``), with mixed
precision and gradient clipping where asked for. It takes the data as tensors,
NumPy arrays or pandas objects (``train(model, X, y)``), as a
``torch.utils.data.Dataset`` of ``(x, y)`` pairs or as a ``DataLoader``, and
returns a :class:`History`. :func:`evaluate`, :func:`predict` and
:func:`predict_proba` run a model without gradients in evaluation mode. Every
other loop in dlbook calls these, except the loops the chapters write out to
teach them (whose tests check that they agree with :func:`train`).

No silent wrong results: the targets are checked against the loss
(:class:`Loss`), the inputs are converted to the model's dtype and moved to
its device, an optimiser must hold the model's parameters, and a run whose loss
or parameters stop being finite is marked ``diverged``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset

from ._validation import (
    as_available_device,
    as_features,
    as_tensor,
    call_model,
    check_choice,
    check_float,
    check_int,
    check_model,
    check_same_length,
    check_seed,
    describe,
)
from .devices import module_device, module_dtype
from .precision import make_grad_scaler
from .seeding import make_generator

if TYPE_CHECKING:  # pragma: no cover - pandas is optional
    import pandas as pd

__all__ = [
    "EarlyStopping",
    "History",
    "Loss",
    "StepResult",
    "TrainingStep",
    "accuracy",
    "evaluate",
    "get_loss",
    "predict",
    "predict_proba",
    "train",
]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Scheduler = Any  # torch.optim.lr_scheduler.LRScheduler or ReduceLROnPlateau

_LOSS_FUNCTIONS: dict[str, LossFn] = {
    "cross_entropy": nn.functional.cross_entropy,
    "mse": nn.functional.mse_loss,
    "bce_with_logits": nn.functional.binary_cross_entropy_with_logits,
}
_OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
_AMP_DTYPES = (torch.bfloat16, torch.float16)


# --------------------------------------------------------------------------- losses


@dataclass(frozen=True)
class Loss:
    """A loss function together with the checks :func:`train` makes of its targets.

    Build one with :func:`get_loss`. For the three named losses the targets are
    checked before training and their shape against the model's outputs at
    every step, so that a wrong shape or label is an error instead of a
    silently wrong result:

    * ``"cross_entropy"``: integer class labels in ``[0, n_outputs)``, of
      shape ``(n,)`` for outputs ``(n, n_outputs)`` (or ``(n, d...)`` for
      outputs ``(n, n_outputs, d...)``);
    * ``"mse"``: float targets of the outputs' shape; targets of shape
      ``(n,)`` for outputs ``(n, 1)`` are read as one column (broadcasting them
      would compare every output with every target);
    * ``"bce_with_logits"``: targets in [0, 1] of the outputs' shape; ``(n,)``
      and ``(n, 1)`` are both accepted for a single output column.

    A callable loss receives ``(outputs, targets)`` unchanged.

    Attributes
    ----------
    name : str
        ``"cross_entropy"``, ``"mse"``, ``"bce_with_logits"`` or ``"custom"``.
    fn : callable
        Maps ``(outputs, targets)`` to a scalar tensor (the mean over the batch).

    Examples
    --------
    >>> mse = get_loss("mse")
    >>> mse(torch.zeros(3, 1), torch.ones(3))  # targets (3,) read as (3, 1)
    tensor(1.)
    """

    name: str
    fn: LossFn

    @property
    def is_classification(self) -> bool:
        """Whether accuracy is recorded (``"cross_entropy"`` and ``"bce_with_logits"``)."""
        return self.name in ("cross_entropy", "bce_with_logits")

    def prepare_targets(
        self, y: Any, *, dtype: torch.dtype = torch.float32, name: str = "y"
    ) -> tuple[torch.Tensor, int | None]:
        """Check targets and convert them to the dtype the loss expects.

        Parameters
        ----------
        y : Tensor or array of shape (n_samples, ...)
        dtype : torch.dtype, default torch.float32
            The model's floating-point type, used for ``"mse"`` and
            ``"bce_with_logits"`` targets.
        name : str, default "y"
            The argument named in error messages.

        Returns
        -------
        targets : Tensor
            int64 labels for ``"cross_entropy"``; ``dtype`` otherwise.
        largest_label : int or None
            The largest class label (``"cross_entropy"`` only), compared with the
            number of outputs at the first step.
        """
        y = as_tensor(name, y)
        if y.ndim == 0:
            raise ValueError(f"{name} must have a sample dimension, got a scalar")
        if self.name == "cross_entropy":
            if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
                raise TypeError(
                    f"{name} must hold integer class labels for cross_entropy, got {y.dtype}"
                )
            if y.numel() == 0:
                return y.long(), None
            smallest, largest = (int(v) for v in torch.stack([y.min(), y.max()]).tolist())
            if smallest < 0:
                raise ValueError(
                    f"{name} must hold class labels >= 0 for cross_entropy, got {smallest}"
                )
            return y.long(), largest
        if self.name in ("mse", "bce_with_logits"):
            if y.is_complex():
                raise TypeError(f"{name} must hold real numbers, got {y.dtype}")
            y = y.to(dtype)
            if (
                self.name == "bce_with_logits"
                and y.numel()
                and not bool(((y >= 0) & (y <= 1)).all())
            ):
                raise ValueError(
                    f"{name} must hold probabilities in [0, 1] for bce_with_logits, got values "
                    f"from {float(y.min())} to {float(y.max())}"
                )
        return y, None

    def align(
        self,
        outputs: torch.Tensor,
        targets: torch.Tensor,
        *,
        name: str = "y",
        largest_label: int | None = None,
    ) -> torch.Tensor:
        """Return the targets in the shape the loss compares with ``outputs``.

        Only shapes (and ``largest_label``, a Python int) are looked at, so the
        check never waits for the device.

        Raises
        ------
        ValueError
            When the shapes do not fit the loss, or a class label is not below
            the number of outputs.
        """
        if self.name == "custom":
            return targets
        out_shape, y_shape = tuple(outputs.shape), tuple(targets.shape)
        if self.name == "cross_entropy":
            if outputs.ndim < 2:
                raise ValueError(
                    f"cross_entropy needs outputs of shape (n, n_classes), got {out_shape}"
                )
            expected = (out_shape[0], *out_shape[2:])
            if y_shape != expected:
                raise ValueError(
                    f"{name} must have shape {expected} (one class label per output row) for "
                    f"cross_entropy with outputs of shape {out_shape}, got {y_shape}"
                )
            if largest_label is not None and largest_label >= out_shape[1]:
                raise ValueError(
                    f"{name} must hold class labels in [0, {out_shape[1]}) for a model with "
                    f"{out_shape[1]} outputs, got the label {largest_label}"
                )
            return targets
        if y_shape == out_shape:
            return targets
        n = int(out_shape[0]) if out_shape else -1
        if out_shape == (n, 1) and y_shape == (n,):
            return targets.reshape(n, 1)  # (n,) -> (n, 1)
        if self.name == "bce_with_logits" and out_shape == (n,) and y_shape == (n, 1):
            return targets.reshape(n)
        raise ValueError(
            f"{name} must have the shape of the model's outputs {out_shape} for {self.name}, "
            f"got {y_shape}"
        )

    def __call__(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.fn(outputs, self.align(outputs, targets))

    def correct(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Number of correct predictions in a batch (aligned targets), as a device tensor."""
        if self.name == "cross_entropy":
            return (outputs.argmax(dim=1) == targets).sum()
        return ((outputs > 0) == (targets > 0.5)).sum()


def get_loss(loss: str | LossFn | Loss) -> Loss:
    """Return the :class:`Loss` of a name or a callable.

    Parameters
    ----------
    loss : {"cross_entropy", "mse", "bce_with_logits"}, callable or Loss
        A callable receives ``(outputs, targets)`` and returns a scalar tensor.

    Returns
    -------
    Loss

    Examples
    --------
    >>> get_loss("cross_entropy").is_classification
    True
    >>> get_loss(torch.nn.functional.l1_loss).name
    'custom'
    """
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        check_choice("loss", loss, _LOSS_FUNCTIONS)
        return Loss(loss, _LOSS_FUNCTIONS[loss])
    if callable(loss):
        return Loss("custom", loss)
    raise TypeError(f"loss must be a name or a callable, got {describe(loss)}")


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
    if logits.dtype == torch.bool or logits.is_complex():
        raise TypeError(f"logits must hold real numbers, got dtype {logits.dtype}")
    y = as_tensor("y", y, ndim=1)
    check_same_length("logits", logits, "y", y)
    if logits.ndim == 2 and logits.shape[1] > 1:
        predicted = logits.argmax(dim=1)
    else:
        predicted = (logits.reshape(-1) > 0).long()
    return float((predicted == y.to(predicted.device).long()).float().mean())


# ------------------------------------------------------------------------- history


@dataclass
class History:
    """What happened during a run of :func:`train`.

    Per-epoch records (one value per epoch) and per-step records (one value
    per optimisation step) are kept apart; :meth:`to_frame` and
    :meth:`steps_frame` turn them into pandas DataFrames. Epochs and steps are
    counted from 0, so ``history.loss[history.best_epoch]`` is the best epoch's
    loss.

    Attributes
    ----------
    loss : list of float
        Mean training loss of each epoch (over its batches, weighted by size).
    accuracy : list of float
        Training accuracy of each epoch (classification losses only, else empty).
    val_loss, val_accuracy : list of float
        The same on the validation data, when it was given.
    lr : list of float
        Learning rate of the first parameter group during each epoch.
    step_loss : list of float
        Loss of every step's batch.
    grad_norm : list of float
        Global gradient norm of every step, measured before any clipping (and
        after unscaling, with a gradient scaler).
    diverged : bool
        True when a batch loss, the final loss or a parameter stopped being
        finite. The epoch in which it happened is recorded with loss NaN, its
        step records end before the first non-finite loss, and training stops.
    diverged_epoch, diverged_step : int or None
        Where the first non-finite loss appeared (None: it did not, or only the
        final loss or the parameters were not finite).
    best_epoch : int or None
        Epoch with the lowest validation loss (training loss without
        validation data); the weights of that epoch are the model's when early
        stopping restored them.
    stopped_early : bool
        True when :class:`EarlyStopping` ended the run.
    final_loss : float
        Training loss of the final parameters (those the model holds when
        :func:`train` returns), measured in evaluation mode after the last
        step. The epoch losses are averages over steps *during* the epoch; this
        is what the trained model achieves.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    diverged: bool = False
    diverged_epoch: int | None = None
    diverged_step: int | None = None
    best_epoch: int | None = None
    stopped_early: bool = False
    final_loss: float = math.nan

    EPOCH_RECORDS = ("loss", "accuracy", "val_loss", "val_accuracy", "lr")
    STEP_RECORDS = ("step_loss", "grad_norm")

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.loss)

    def as_dict(self) -> dict[str, list[float]]:
        """Return the non-empty per-epoch and per-step records as a dictionary of lists."""
        names = self.EPOCH_RECORDS + self.STEP_RECORDS
        return {name: list(getattr(self, name)) for name in names if getattr(self, name)}

    def to_frame(self) -> pd.DataFrame:
        """The per-epoch records as a pandas DataFrame, one row per epoch (pandas is needed).

        Returns
        -------
        pandas.DataFrame
            Columns ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` and
            ``lr`` (those recorded), indexed by ``epoch`` from 0.

        Examples
        --------
        >>> history = History(loss=[0.9, 0.5], lr=[0.1, 0.1])
        >>> history.to_frame().columns.tolist()
        ['loss', 'lr']
        """
        pd = _pandas("History.to_frame")
        columns = {n: getattr(self, n) for n in self.EPOCH_RECORDS if getattr(self, n)}
        index = pd.RangeIndex(self.epochs, name="epoch")
        return pd.DataFrame({n: list(v) for n, v in columns.items()}, index=index)

    def steps_frame(self) -> pd.DataFrame:
        """The per-step records as a pandas DataFrame, one row per step (pandas is needed).

        Returns
        -------
        pandas.DataFrame
            Columns ``step_loss`` and ``grad_norm``, indexed by ``step`` from 0.
        """
        pd = _pandas("History.steps_frame")
        index = pd.RangeIndex(len(self.step_loss), name="step")
        return pd.DataFrame(
            {"step_loss": list(self.step_loss), "grad_norm": list(self.grad_norm)}, index=index
        )


def _pandas(what: str) -> Any:
    try:
        import pandas
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(f"{what} needs pandas: pip install pandas") from err
    return pandas


@dataclass(frozen=True)
class EarlyStopping:
    """Stop training when the validation loss has not improved for ``patience`` epochs.

    Parameters
    ----------
    patience : int, default 5
        Epochs without improvement before stopping, at least 1.
    min_delta : float, default 0.0
        An epoch improves on the best so far only when its validation loss is
        lower by more than this.
    restore_best : bool, default True
        Put the weights of the best epoch back into the model at the end.

    Examples
    --------
    >>> EarlyStopping(patience=3)
    EarlyStopping(patience=3, min_delta=0.0, restore_best=True)
    """

    patience: int = 5
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        check_int("patience", self.patience, minimum=1)
        check_float("min_delta", self.min_delta, minimum=0.0)
        if not isinstance(self.restore_best, bool):
            raise TypeError(f"restore_best must be a bool, got {describe(self.restore_best)}")


# -------------------------------------------------------------------- one step


class StepResult(NamedTuple):
    """What one :class:`TrainingStep` returns: device tensors, read by nobody until needed."""

    loss: torch.Tensor
    grad_norm: torch.Tensor
    outputs: torch.Tensor
    targets: torch.Tensor


def _check_amp(amp: Any) -> torch.dtype | None:
    if amp is None or amp in _AMP_DTYPES:
        return amp
    raise ValueError(f"amp must be None, torch.bfloat16 or torch.float16, got {describe(amp)}")


class TrainingStep:
    """One optimisation step on one batch, written once for every loop of dlbook.

    Calling it runs the forward pass and the loss (under ``torch.autocast``
    when ``amp`` is set), ``zero_grad``, ``backward`` (of the scaled loss with a
    gradient scaler), ``scaler.unscale_`` and gradient clipping, and the
    optimiser step. Nothing is read back to the host: the loss and the
    gradient norm come back as device tensors, so a GPU is never made to wait.

    Parameters
    ----------
    model : torch.nn.Module
    optimizer : torch.optim.Optimizer
    loss : str, callable or Loss, default "cross_entropy"
        As in :func:`get_loss`.
    amp : {None, torch.bfloat16, torch.float16}, default None
        Mixed precision: the forward pass runs under ``torch.autocast`` with
        this type on the model's device. float16 on CUDA also gets a
        ``torch.amp.GradScaler`` (built on the model's device type), which
        reads one overflow flag per step.
    clip_grad_norm : float, optional
        Rescale the gradient so that its global norm is at most this, after
        unscaling and before the step.

    Examples
    --------
    >>> model = torch.nn.Linear(3, 2)
    >>> step = TrainingStep(model, torch.optim.SGD(model.parameters(), lr=0.1))
    >>> result = step(torch.randn(8, 3), torch.randint(0, 2, (8,)))
    >>> result.loss.shape, result.grad_norm.shape
    (torch.Size([]), torch.Size([]))
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        *,
        loss: str | LossFn | Loss = "cross_entropy",
        amp: torch.dtype | None = None,
        clip_grad_norm: float | None = None,
    ) -> None:
        self.model = check_model("model", model)
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {describe(optimizer)}")
        self.optimizer = optimizer
        self.loss = get_loss(loss)
        self.amp = _check_amp(amp)
        if clip_grad_norm is not None:
            clip_grad_norm = check_float(
                "clip_grad_norm", clip_grad_norm, minimum=0.0, strict_minimum=True
            )
        self.clip_grad_norm = clip_grad_norm
        device = module_device(model)
        self.device_type = device.type
        self.scaler = make_grad_scaler(device, self.amp)
        self.parameters = [p for p in model.parameters() if p.requires_grad]

    def __call__(
        self,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        *,
        largest_label: int | None = None,
        name: str = "y",
        inputs_name: str = "inputs",
    ) -> StepResult:
        """Take one step on a batch already on the model's device.

        ``largest_label`` (a class label known on the host) is checked against
        the number of outputs; ``name`` and ``inputs_name`` are how error messages
        call the targets and the inputs.
        """
        if not isinstance(inputs, torch.Tensor):
            raise TypeError(f"inputs must be a tensor (a batch), got {describe(inputs)}")
        if not isinstance(targets, torch.Tensor):
            raise TypeError(f"targets must be a tensor (a batch), got {describe(targets)}")
        with torch.autocast(self.device_type, dtype=self.amp, enabled=self.amp is not None):
            outputs = call_model(self.model, inputs, inputs_name)  # (B, ...)
            targets = self.loss.align(outputs, targets, largest_label=largest_label, name=name)
            value = self.loss.fn(outputs, targets)  # autocast computes losses in float32
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(value).backward()
        self.scaler.unscale_(self.optimizer)  # true gradients before measuring and clipping
        norm = _gradient_norm(self.parameters, self.clip_grad_norm, outputs.device)
        self.scaler.step(self.optimizer)  # skipped when a float16 gradient overflowed
        self.scaler.update()
        return StepResult(value.detach(), norm, outputs.detach(), targets)


def _gradient_norm(
    parameters: Sequence[torch.Tensor], max_norm: float | None, device: torch.device
) -> torch.Tensor:
    """Global norm of all gradients, before clipping; clips in place when ``max_norm`` is set."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.zeros((), device=device)
    if max_norm is not None:
        return torch.nn.utils.clip_grad_norm_(parameters, max_norm).detach()
    norms = torch.stack([torch.linalg.vector_norm(g.detach()) for g in grads])
    return torch.linalg.vector_norm(norms)


# ------------------------------------------------------------------- the data


class _Batch(NamedTuple):
    inputs: torch.Tensor
    targets: torch.Tensor
    largest_label: int | None
    name: str  # of the targets, for error messages


def _uses_embeddings(model: nn.Module) -> bool:
    """Models that start from integer indices: their integer inputs are not converted."""
    return any(isinstance(m, (nn.Embedding, nn.EmbeddingBag)) for m in model.modules())


def _to(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    if tensor.device == device:
        return tensor
    return tensor.to(device, non_blocking=tensor.is_pinned())  # async only from pinned memory


class _Source:
    """The batches of one data argument: tensors, a Dataset or a DataLoader."""

    def __init__(
        self,
        name: str,
        X: Any,
        y: Any,
        *,
        model: nn.Module,
        loss: Loss,
        batch_size: int | None,
        shuffle: bool,
        seed: int | None,
        y_name: str = "y",
    ) -> None:
        self.name, self.y_name, self.loss = name, y_name, loss
        self.dtype = module_dtype(model)
        self.keep_integers = _uses_embeddings(model)
        self.loader: DataLoader | None = None
        if isinstance(X, DataLoader):
            if y is not None:
                raise TypeError(
                    f"{y_name} must be None when {name} is a DataLoader, got {describe(y)}"
                )
            if batch_size is not None:
                raise ValueError(
                    f"batch_size must be None when {name} is a DataLoader (it batches)"
                )
            if seed is not None:
                raise ValueError(f"seed must be None when {name} is a DataLoader (it shuffles)")
            self.loader = X
        elif isinstance(X, Dataset):
            if y is not None:
                raise TypeError(
                    f"{y_name} must be None when {name} is a Dataset, got {describe(y)}"
                )
            if isinstance(X, IterableDataset) or not isinstance(X, Sized):
                raise TypeError(
                    f"{name} must be a Dataset with a length (or a DataLoader), got {describe(X)}"
                )
            if len(X) == 0:
                raise ValueError(f"{name} must contain at least one sample, got an empty Dataset")
            size = len(X) if batch_size is None else check_int("batch_size", batch_size, minimum=1)
            self.loader = DataLoader(
                X,
                batch_size=size,
                shuffle=shuffle and size < len(X),
                generator=make_generator(seed),
                pin_memory=module_device(model).type == "cuda",
            )
        else:
            if y is None:
                raise TypeError(
                    f"{y_name} is required when {name} holds the inputs: pass ({name}, {y_name}), "
                    f"a Dataset of (x, y) pairs or a DataLoader"
                )
            self.X = self._features(name, X, check=True)
            self.y, self.largest_label = loss.prepare_targets(y, dtype=self.dtype, name=y_name)
            check_same_length(name, self.X, y_name, self.y)
            if len(self.X) == 0:
                raise ValueError(f"{name} must contain at least one sample, got 0")
            n = len(self.X)
            self.batch_size = (
                n if batch_size is None else check_int("batch_size", batch_size, minimum=1)
            )
            self.shuffle = shuffle and self.batch_size < n
            self.generator = make_generator(seed) if self.shuffle else None

    def _features(self, name: str, X: Any, *, check: bool) -> torch.Tensor:
        if not check:  # a batch already on an accelerator: convert, do not inspect
            if X.is_floating_point() or not self.keep_integers:
                return X.to(self.dtype)
            return X
        tensor = as_tensor(name, X)
        if tensor.ndim < 2 and not self.keep_integers:
            raise ValueError(
                f"{name} must have shape (n_samples, n_features, ...), got {tuple(tensor.shape)}"
            )
        if self.keep_integers and not tensor.is_floating_point():
            return tensor
        return as_features(name, tensor, ndim=None, dtype=self.dtype)

    def batches(self, device: torch.device) -> Iterator[_Batch]:
        """Batches of checked inputs and targets, on ``device``."""
        if self.loader is None:
            n = len(self.X)
            if self.shuffle:
                order = torch.randperm(n, generator=self.generator).to(self.X.device)
            else:
                order = torch.arange(n, device=self.X.device)
            for start in range(0, n, self.batch_size):
                index = order[start : start + self.batch_size]
                xb = _to(self.X[index], device)  # (B, ...)
                yb = _to(self.y[index.to(self.y.device)], device)  # (B, ...)
                yield _Batch(xb, yb, self.largest_label, self.y_name)
            return
        count = 0
        for batch in self.loader:
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                raise TypeError(
                    f"{self.name} must yield (inputs, targets) pairs, got {describe(batch)}"
                )
            xb, yb = batch
            on_cpu = not isinstance(xb, torch.Tensor) or xb.device.type == "cpu"
            xb = self._features(f"a batch of {self.name}", xb, check=on_cpu)
            largest = None
            if not isinstance(yb, torch.Tensor) or yb.device.type == "cpu":
                yb, largest = self.loss.prepare_targets(
                    yb, dtype=self.dtype, name=f"the targets of {self.name}"
                )
            elif self.loss.name in ("mse", "bce_with_logits"):
                yb = yb.to(self.dtype)
            check_same_length(f"a batch of {self.name}", xb, "its targets", yb)
            count += 1
            yield _Batch(_to(xb, device), _to(yb, device), largest, f"the targets of {self.name}")
        if count == 0:
            raise ValueError(f"{self.name} must contain at least one sample, got no batches")


def _as_source(
    name: str, data: Any, *, model: nn.Module, loss: Loss, batch_size: int | None
) -> _Source:
    """A validation or evaluation argument: an (X, y) pair, a Dataset or a DataLoader."""
    if isinstance(data, (DataLoader, Dataset)):
        return _Source(
            name,
            data,
            None,
            model=model,
            loss=loss,
            batch_size=None if isinstance(data, DataLoader) else batch_size,
            shuffle=False,
            seed=None,
        )
    if isinstance(data, (tuple, list)) and len(data) == 2:
        X, y = data
        return _Source(
            f"{name}[0]",
            X,
            y,
            model=model,
            loss=loss,
            batch_size=batch_size,
            shuffle=False,
            seed=None,
            y_name=f"{name}[1]",
        )
    raise TypeError(
        f"{name} must be an (X, y) pair, a Dataset or a DataLoader, got {describe(data)}"
    )


def _host(*tensors: torch.Tensor) -> list[list[float]]:
    """Copy device tensors of scalars to the host in one transfer (one wait per call)."""
    if not tensors or all(t.numel() == 0 for t in tensors):
        return [[] for _ in tensors]
    device = tensors[0].device
    dtype = torch.float32 if device.type == "mps" else torch.float64  # MPS has no float64
    flat = torch.cat([t.reshape(-1).to(dtype) for t in tensors]).cpu().tolist()
    out, start = [], 0
    for t in tensors:
        out.append(flat[start : start + t.numel()])
        start += t.numel()
    return out


# ----------------------------------------------------------------------- evaluate


def _evaluate_source(model: nn.Module, source: _Source) -> dict[str, float]:
    device = module_device(model)
    loss = source.loss
    was_training = model.training
    model.eval()
    losses, counts, corrects, sizes = [], [], [], []
    try:
        with torch.no_grad():
            for batch in source.batches(device):
                outputs = call_model(model, batch.inputs, source.name)
                targets = loss.align(
                    outputs, batch.targets, largest_label=batch.largest_label, name=batch.name
                )
                losses.append(loss.fn(outputs, targets).detach())
                sizes.append(len(batch.inputs))
                if loss.is_classification:
                    corrects.append(loss.correct(outputs, targets))
                    counts.append(targets.numel())
    finally:
        model.train(was_training)
    empty = torch.zeros(0, device=device)
    step_losses, correct = _host(torch.stack(losses), torch.stack(corrects) if corrects else empty)
    total = sum(sizes)
    scores = {"loss": math.fsum(v * s for v, s in zip(step_losses, sizes, strict=True)) / total}
    if loss.is_classification:
        scores["accuracy"] = math.fsum(correct) / sum(counts)
    return scores


def evaluate(
    model: nn.Module,
    X: Any,
    y: Any = None,
    *,
    loss: str | LossFn | Loss = "cross_entropy",
    batch_size: int = 1024,
) -> dict[str, float]:
    """Loss (and accuracy for classification) of a model on data, without gradients.

    The model is put in evaluation mode for the pass and returned to its
    previous mode afterwards. The inputs are converted to the model's dtype and
    moved to its device; the targets are checked as in :func:`train`. A model
    whose outputs are not finite gets a loss of NaN, not an error.

    Parameters
    ----------
    model : torch.nn.Module
    X : Tensor, array or DataFrame of shape (n_samples, n_features, ...), Dataset or DataLoader
        The inputs (then ``y`` holds the targets), or a Dataset or DataLoader of
        ``(x, y)`` pairs.
    y : Tensor, array or Series of shape (n_samples, ...), optional
        Targets, as in :func:`train`.
    loss : str, callable or Loss, default "cross_entropy"
        As in :func:`train`.
    batch_size : int, default 1024
        Examples per forward pass (ignored for a DataLoader).

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
    model = check_model("model", model)
    loss_ = get_loss(loss)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if isinstance(X, DataLoader):
        source = _Source(
            "X", X, y, model=model, loss=loss_, batch_size=None, shuffle=False, seed=None
        )
    else:
        source = _Source(
            "X", X, y, model=model, loss=loss_, batch_size=batch_size, shuffle=False, seed=None
        )
    return _evaluate_source(model, source)


def predict(model: nn.Module, X: Any, *, batch_size: int = 1024) -> torch.Tensor:
    """The model's outputs for the inputs ``X``: evaluation mode, no gradients, in batches.

    Parameters
    ----------
    model : torch.nn.Module
    X : Tensor, array or DataFrame of shape (n_samples, n_features, ...), Dataset or DataLoader
        Inputs (converted to the model's dtype and moved to its device), or a
        Dataset or DataLoader yielding inputs or ``(inputs, targets)`` pairs.
    batch_size : int, default 1024
        Examples per forward pass (ignored for a DataLoader).

    Returns
    -------
    Tensor of shape (n_samples, ...)
        The outputs (logits for a classifier), on the device of ``X`` (the CPU
        for arrays, Datasets and DataLoaders).

    Examples
    --------
    >>> model = torch.nn.Linear(3, 2)
    >>> predict(model, [[0.0, 1.0, 2.0]] * 5).shape
    torch.Size([5, 2])
    """
    model = check_model("model", model)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    device, dtype = module_device(model), module_dtype(model)
    keep_integers = _uses_embeddings(model)
    if isinstance(X, (DataLoader, Dataset)):
        loader = X if isinstance(X, DataLoader) else DataLoader(X, batch_size=batch_size)
        chunks: Iterator[Any] = (b[0] if isinstance(b, (tuple, list)) else b for b in loader)
        home = torch.device("cpu")
    else:
        inputs = as_tensor("X", X)
        if inputs.ndim == 0:
            raise ValueError("X must have a sample dimension, got a scalar")
        if len(inputs) == 0:
            raise ValueError("X must contain at least one sample, got 0")
        if not (keep_integers and not inputs.is_floating_point()):
            inputs = as_features("X", inputs, ndim=None, dtype=dtype)
        home = inputs.device
        chunks = (inputs[i : i + batch_size] for i in range(0, len(inputs), batch_size))
    was_training = model.training
    model.eval()
    outputs = []
    try:
        with torch.no_grad():
            for chunk in chunks:
                chunk = as_tensor("a batch of X", chunk)
                if chunk.is_floating_point() or not keep_integers:
                    chunk = chunk.to(dtype)
                outputs.append(call_model(model, _to(chunk, device)))
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("X must contain at least one sample, got no batches")
    return torch.cat(outputs).to(home)


def predict_proba(model: nn.Module, X: Any, *, batch_size: int = 1024) -> torch.Tensor:
    """Class probabilities of a classifier: softmax of its logits, or sigmoid of one column.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits of shape ``(n, n_classes)`` (softmax over the classes) or
        ``(n, 1)`` / ``(n,)`` (sigmoid: the probability of class 1).
    X : Tensor, array, DataFrame, Dataset or DataLoader
        As in :func:`predict`.
    batch_size : int, default 1024

    Returns
    -------
    Tensor of the shape of the outputs
        Probabilities in [0, 1]; rows sum to 1 for softmax.

    Examples
    --------
    >>> model = torch.nn.Linear(2, 3)
    >>> p = predict_proba(model, torch.randn(4, 2))
    >>> p.shape, bool(torch.allclose(p.sum(dim=1), torch.ones(4)))
    (torch.Size([4, 3]), True)
    """
    logits = predict(model, X, batch_size=batch_size)
    if logits.ndim >= 2 and logits.shape[1] > 1:
        return torch.softmax(logits, dim=1)
    return torch.sigmoid(logits)


# -------------------------------------------------------------------------- train


def _optimizer(model: nn.Module, optimizer: Any, lr: float) -> torch.optim.Optimizer:
    if isinstance(optimizer, str):
        check_choice("optimizer", optimizer, _OPTIMIZERS)
        lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
        if not any(p.requires_grad for p in model.parameters()):
            raise ValueError("model must have parameters to train, got none that require grad")
        return _OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a name or a torch.optim.Optimizer, got {describe(optimizer)}"
        )
    mine = {id(p) for p in model.parameters()}
    held = [p for group in optimizer.param_groups for p in group["params"]]
    if not any(id(p) in mine for p in held):
        raise ValueError(
            f"optimizer must hold the model's parameters, got one holding {len(held)} other "
            "tensor(s): build it from model.parameters() (after moving the model)"
        )
    return optimizer


def _scheduler(scheduler: Any, optimizer: torch.optim.Optimizer) -> Scheduler | None:
    if scheduler is None:
        return None
    if not (hasattr(scheduler, "step") and hasattr(scheduler, "optimizer")):
        if not callable(scheduler):
            raise TypeError(
                "scheduler must be a learning-rate scheduler or a function of the optimizer "
                f"returning one, got {describe(scheduler)}"
            )
        scheduler = scheduler(optimizer)
        if not (hasattr(scheduler, "step") and hasattr(scheduler, "optimizer")):
            raise TypeError(
                f"scheduler must return a learning-rate scheduler, got {describe(scheduler)}"
            )
    if scheduler.optimizer is not optimizer:
        raise ValueError(
            "scheduler must drive the optimizer that trains the model; with optimizer given "
            "by name, pass a function such as lambda opt: StepLR(opt, step_size=10)"
        )
    return scheduler


def _finite_parameters(model: nn.Module) -> bool:
    checks = [torch.isfinite(p.detach()).all() for p in model.parameters()]
    return not checks or bool(torch.stack(checks).all())


def train(
    model: nn.Module,
    X: Any,
    y: Any = None,
    *,
    loss: str | LossFn | Loss = "cross_entropy",
    optimizer: str | torch.optim.Optimizer = "adam",
    lr: float = 0.01,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    validation: Any = None,
    device: torch.device | str | None = None,
    seed: int | None = None,
    amp: torch.dtype | None = None,
    clip_grad_norm: float | None = None,
    scheduler: Any = None,
    early_stopping: EarlyStopping | None = None,
    progress: bool = False,
) -> History:
    """Train a model with mini-batch gradient descent and record a history.

    One epoch visits every training example once, in batches; each batch runs
    a :class:`TrainingStep`: forward pass, loss, ``zero_grad``, ``backward``,
    optimiser ``step`` (with gradient clipping between the last two when
    ``clip_grad_norm`` is set). The model is trained in place.

    The loss, the number of correct predictions and the gradient norm of each
    step stay on the device and are read once per epoch, so a GPU never waits
    for the host inside an epoch. A non-finite loss is therefore noticed at the
    end of its epoch: the epoch is recorded with loss NaN, the step records end
    before the first non-finite loss, ``history.diverged`` is set and training
    stops. After the last step the training loss of the final parameters is
    measured (``history.final_loss``); a non-finite final loss or parameter
    marks the run diverged too.

    On a CPU shared with other work, small models often train many times faster
    on one thread: call ``torch.set_num_threads(1)`` first (``dl.train`` never
    changes it). On a loaded two-core machine one small MLP took 44 s with
    PyTorch's default threads and 1.9 s with one.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch of inputs to outputs (logits for the classification
        losses). Inputs are converted to its floating-point dtype (float64
        models get float64 inputs) and moved to its device.
    X : Tensor, array or DataFrame of shape (n_samples, n_features, ...), Dataset or DataLoader
        The training inputs (with ``y``); integer, ``uint8`` and boolean
        features are converted when the model's dtype represents them exactly
        (models with an ``nn.Embedding`` keep integer inputs). Or a Dataset of
        ``(x, y)`` pairs, batched with ``batch_size`` and shuffled with
        ``seed``, or a DataLoader of ``(inputs, targets)`` batches, used as it is.
    y : Tensor, array or Series of shape (n_samples,) or (n_samples, n_outputs), optional
        Targets, required with inputs and not given with a Dataset or
        DataLoader: integer labels in ``[0, n_outputs)`` for
        ``"cross_entropy"``, floats for ``"mse"``, floats in [0, 1] for
        ``"bce_with_logits"`` (see :class:`Loss` for the shapes accepted).
    loss : {"cross_entropy", "mse", "bce_with_logits"}, callable or Loss, default "cross_entropy"
        A callable receives ``(outputs, targets)`` and returns a scalar tensor.
    optimizer : {"adam", "sgd", "adamw"} or torch.optim.Optimizer, default "adam"
        A name builds that optimiser over ``model.parameters()`` with ``lr``;
        an optimiser object must hold the model's parameters.
    lr : float, default 0.01
        Learning rate (ignored when an optimiser object is passed).
    epochs : int, default 100
        Passes over the training data (fewer with early stopping).
    batch_size : int, optional
        Examples per step; ``None`` uses the whole data set (one step per
        epoch). Not allowed with a DataLoader, which batches itself.
    shuffle : bool, default True
        Visit the examples in a new random order each epoch (when there is
        more than one batch; a DataLoader shuffles as it was built to).
    validation : (X_val, y_val), Dataset or DataLoader, optional
        Data evaluated after every epoch (``val_loss``, ``val_accuracy``).
    device : torch.device or str, optional
        Where to train. ``None`` keeps the model where it is; otherwise the
        model is moved there, and a device that is not available is an error.
    seed : int, optional
        Seed of the batch order; ``None`` draws a fresh one.
    amp : {None, torch.bfloat16, torch.float16}, default None
        Mixed precision (:class:`TrainingStep`): the parameters, the loss and
        the optimiser stay in the model's dtype.
    clip_grad_norm : float, optional
        Rescale the gradient of all parameters, seen as one vector, so that its
        norm is at most this value before each step
        (``torch.nn.utils.clip_grad_norm_``).
    scheduler : learning-rate scheduler or callable, optional
        A scheduler of the optimiser passed in, or a function that builds one
        from the optimiser (``lambda opt: torch.optim.lr_scheduler.StepLR(opt,
        10)``). It is stepped once per epoch, after the epoch's steps;
        ``ReduceLROnPlateau`` receives the validation loss (the training loss
        without validation data).
    early_stopping : EarlyStopping, optional
        Stop when the validation loss stops improving (needs ``validation``).
    progress : bool, default False
        Show a tqdm progress bar over epochs.

    Returns
    -------
    History
        Per-epoch losses, accuracies and learning rates, per-step losses and
        gradient norms, and what happened: ``diverged``, ``best_epoch``,
        ``stopped_early``, ``final_loss``.

    Examples
    --------
    >>> from dlbook.data import circles
    >>> from dlbook.models import mlp
    >>> X, y = circles(200, seed=0)
    >>> model = mlp([2, 16, 2], seed=0)
    >>> history = train(model, X, y, epochs=50)
    >>> history.loss[-1] < history.loss[0], history.diverged
    (True, False)
    >>> history = train(model, X, y, epochs=20, batch_size=50, seed=0,
    ...                 validation=circles(100, seed=1),
    ...                 early_stopping=EarlyStopping(patience=2))
    >>> history.best_epoch is not None
    True
    """
    model = check_model("model", model)
    epochs = check_int("epochs", epochs, minimum=1)
    seed = check_seed("seed", seed)
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be a bool, got {describe(shuffle)}")
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise TypeError(
            f"early_stopping must be an EarlyStopping or None, got {describe(early_stopping)}"
        )
    if early_stopping is not None and validation is None:
        raise ValueError("early_stopping needs validation data: pass validation=(X_val, y_val)")
    loss_ = get_loss(loss)
    if device is not None:
        model.to(as_available_device("device", device))
    target_device = module_device(model)
    data = _Source(
        "X", X, y, model=model, loss=loss_, batch_size=batch_size, shuffle=shuffle, seed=seed
    )
    checked = None
    if validation is not None:
        checked = _as_source("validation", validation, model=model, loss=loss_, batch_size=1024)
    opt = _optimizer(model, optimizer, lr)
    sched = _scheduler(scheduler, opt)
    step = TrainingStep(model, opt, loss=loss_, amp=amp, clip_grad_norm=clip_grad_norm)

    history = History()
    best_loss, best_state, waited = math.inf, None, 0
    epoch_range: Any = range(epochs)
    if progress:
        # Imported here: tqdm.auto warns inside notebooks that lack ipywidgets.
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="training", leave=False)
    for epoch in epoch_range:
        model.train()
        history.lr.append(float(opt.param_groups[0]["lr"]))
        losses, norms, corrects, sizes, counts = [], [], [], [], []
        for batch in data.batches(target_device):
            result = step(
                batch.inputs,
                batch.targets,
                largest_label=batch.largest_label,
                name=batch.name,
                inputs_name=data.name,
            )
            losses.append(result.loss)
            norms.append(result.grad_norm)
            sizes.append(len(batch.inputs))
            if loss_.is_classification:
                corrects.append(loss_.correct(result.outputs, result.targets))
                counts.append(result.targets.numel())
        empty = torch.zeros(0, device=target_device)
        step_losses, step_norms, correct = _host(  # the one wait of the epoch
            torch.stack(losses), torch.stack(norms), torch.stack(corrects) if corrects else empty
        )
        bad = [i for i, v in enumerate(step_losses) if not math.isfinite(v)]
        if bad:
            first = bad[0]
            history.step_loss += step_losses[:first]
            history.grad_norm += step_norms[:first]
            history.loss.append(math.nan)
            if loss_.is_classification:
                history.accuracy.append(math.nan)
            history.diverged, history.diverged_epoch = True, epoch
            history.diverged_step = len(history.step_loss)
            break
        history.step_loss += step_losses
        history.grad_norm += step_norms
        history.loss.append(
            math.fsum(v * s for v, s in zip(step_losses, sizes, strict=True)) / sum(sizes)
        )
        if loss_.is_classification:
            history.accuracy.append(math.fsum(correct) / sum(counts))
        monitored = history.loss[-1]
        if checked is not None:
            scores = _evaluate_source(model, checked)
            history.val_loss.append(scores["loss"])
            if "accuracy" in scores:
                history.val_accuracy.append(scores["accuracy"])
            monitored = scores["loss"]
        if sched is not None:
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                sched.step(monitored)
            else:
                sched.step()
        if progress:
            epoch_range.set_postfix(loss=f"{history.loss[-1]:.4f}")
        if early_stopping is not None:
            if monitored < best_loss - early_stopping.min_delta:
                best_loss, waited = monitored, 0
                if early_stopping.restore_best:
                    best_state = copy.deepcopy(model.state_dict())
            else:
                waited += 1
                if waited >= early_stopping.patience:
                    history.stopped_early = True
                    break

    if best_state is not None:
        model.load_state_dict(best_state)
    records = history.val_loss if checked is not None else history.loss
    finite = [(v, i) for i, v in enumerate(records) if math.isfinite(v)]
    history.best_epoch = min(finite)[1] if finite else None
    history.final_loss = _evaluate_source(model, data)["loss"]
    if not math.isfinite(history.final_loss) or not _finite_parameters(model):
        history.diverged = True
    return history
