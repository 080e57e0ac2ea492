"""Three models on the 8x8 digits: logistic regression, an MLP and a small CNN, trained alike."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .._validation import as_available_device, check_int
from ..datasets import load_digits
from ..models import count_parameters, logistic_regression, mlp, small_cnn
from ..training import evaluate, train

__all__ = ["DigitsResult", "compare_on_digits"]


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
            model.to(as_available_device("device", device))
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
