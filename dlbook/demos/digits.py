"""Four classifiers on the 8x8 digits: logistic regression and a linear SVM on hand-made
features (both from scikit-learn), an MLP and a small CNN (trained with Adam).

:func:`gradient_histograms` computes the hand-made features, histograms of the
directions of the image gradient in small cells (the idea of HOG), with NumPy;
:func:`compare_on_digits` trains and tests the four models on one split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import as_available_device, as_tensor, check_int, describe
from ..datasets import load_digits
from ..models import count_parameters, mlp, small_cnn
from ..training import evaluate, train

__all__ = ["DigitsResult", "compare_on_digits", "gradient_histograms"]


@dataclass(frozen=True)
class DigitsResult:
    """One row of :func:`compare_on_digits`.

    Attributes
    ----------
    name : str
    parameters : int
        Learned parameters of the model (weights and biases of the classifier;
        the hand-made features have none).
    train_accuracy, test_accuracy : float
    train_loss : float
        Training loss of the final model (cross-entropy for the networks and
        logistic regression, the regularised hinge loss's data term not being
        comparable, NaN, for the SVM).
    model : Any
        The trained model: a ``torch.nn.Module`` or a scikit-learn estimator.
    """

    name: str
    parameters: int
    train_accuracy: float
    test_accuracy: float
    train_loss: float
    model: Any


def gradient_histograms(images: Any, *, cells: int = 4, bins: int = 8) -> np.ndarray:
    """Histograms of oriented gradients of square grey-scale images, computed with NumPy.

    The image gradient is taken with central differences
    (:func:`numpy.gradient`). The image is cut into ``cells x cells`` blocks;
    in each, the gradient magnitudes are summed into ``bins`` bins of the
    unsigned direction (0 to 180 degrees). The histograms of all blocks are
    concatenated and the vector is scaled to unit length. This is the core of
    HOG (Dalal and Triggs, 2005) without its overlapping block normalisation.

    Parameters
    ----------
    images : array or Tensor of shape (n, side, side), (n, 1, side, side) or (n, side * side)
        Grey-scale images; a flat row must have a square length.
    cells : int, default 4
        Blocks per side; must divide the side length.
    bins : int, default 8
        Direction bins per block.

    Returns
    -------
    ndarray of shape (n, cells * cells * bins)

    Examples
    --------
    >>> features = gradient_histograms(np.zeros((2, 8, 8)))
    >>> features.shape, float(abs(features).max())
    ((2, 128), 0.0)
    """
    cells = check_int("cells", cells, minimum=1)
    bins = check_int("bins", bins, minimum=1)
    X = as_tensor("images", images, ndim=(2, 3, 4)).detach().cpu().double().numpy()
    n = len(X)
    side = int(round(np.sqrt(X[0].size))) if n else 0  # noqa: RUF046 (numpy scalars)
    if n == 0 or side * side != X[0].size or (X.ndim == 4 and X.shape[1] != 1):
        raise ValueError(
            f"images must be a non-empty batch of square grey-scale images, got {describe(images)}"
        )
    if side % cells or side < 2:
        raise ValueError(f"cells must divide the image side {side}, got {cells}")
    X = X.reshape(n, side, side)
    gy, gx = np.gradient(X, axis=(1, 2))  # (n, side, side) each
    magnitude = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)  # unsigned direction in [0, pi)
    which = np.minimum((angle / np.pi * bins).astype(int), bins - 1)
    size = side // cells
    features = np.zeros((n, cells, cells, bins))
    for i in range(cells):
        for j in range(cells):
            m = magnitude[:, i * size : (i + 1) * size, j * size : (j + 1) * size].reshape(n, -1)
            b = which[:, i * size : (i + 1) * size, j * size : (j + 1) * size].reshape(n, -1)
            for k in range(bins):
                features[:, i, j, k] = (m * (b == k)).sum(1)
    flat = features.reshape(n, -1)
    return flat / np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12)


def compare_on_digits(
    *,
    epochs: int = 30,
    lr: float = 0.01,
    batch_size: int = 256,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> list[DigitsResult]:
    """Train four classifiers on the 8x8 digits and test them.

    All four see the same split of :func:`dlbook.datasets.load_digits` (its
    ``seed`` is ``seed``):

    - ``"logistic regression"`` on the 64 pixels, fitted by scikit-learn's
      ``LogisticRegression`` (L-BFGS until its convergence test passes);
    - ``"gradient histograms + SVM"``: :func:`gradient_histograms` (4 x 4
      cells of 8 bins), standardised, and scikit-learn's ``LinearSVC``
      (``C=0.1``);
    - ``"MLP"``, one hidden layer of 64 ReLU units, and ``"CNN"``,
      :func:`dlbook.models.small_cnn`, both trained by
      :func:`dlbook.training.train` with Adam, the same learning rate, batch
      size, number of epochs and seed.

    Parameters
    ----------
    epochs : int, default 30
        Epochs of the two networks.
    lr : float, default 0.01
    batch_size : int, default 256
    seed : int, default 0
        Seeds the split, the initial weights and the batch order.
    device : torch.device or str, optional
        Where to train the networks (the CPU when ``None``).

    Returns
    -------
    list of DigitsResult
        Rows for ``"logistic regression"``, ``"gradient histograms + SVM"``,
        ``"MLP"`` and ``"CNN"``.

    Examples
    --------
    >>> rows = compare_on_digits(epochs=1, seed=0)
    >>> [row.name for row in rows]
    ['logistic regression', 'gradient histograms + SVM', 'MLP', 'CNN']
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    epochs = check_int("epochs", epochs, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    target = None if device is None else as_available_device("device", device)
    data = load_digits(seed=seed)
    y_train, y_test = data.y_train.numpy(), data.y_test.numpy()
    pixels_train = data.X_train.reshape(len(y_train), -1).numpy()
    pixels_test = data.X_test.reshape(len(y_test), -1).numpy()
    rows = []
    logistic = LogisticRegression(max_iter=5000).fit(pixels_train, y_train)
    rows.append(
        DigitsResult(
            name="logistic regression",
            parameters=int(logistic.coef_.size + logistic.intercept_.size),
            train_accuracy=float(logistic.score(pixels_train, y_train)),
            test_accuracy=float(logistic.score(pixels_test, y_test)),
            train_loss=float(log_loss(y_train, logistic.predict_proba(pixels_train))),
            model=logistic,
        )
    )
    features_train = gradient_histograms(data.X_train)
    features_test = gradient_histograms(data.X_test)
    svm = make_pipeline(StandardScaler(), LinearSVC(C=0.1, max_iter=20000))
    svm.fit(features_train, y_train)
    linear = svm[-1]
    rows.append(
        DigitsResult(
            name="gradient histograms + SVM",
            parameters=int(linear.coef_.size + linear.intercept_.size),
            train_accuracy=float(svm.score(features_train, y_train)),
            test_accuracy=float(svm.score(features_test, y_test)),
            train_loss=float("nan"),
            model=svm,
        )
    )
    networks: dict[str, nn.Module] = {
        "MLP": nn.Sequential(nn.Flatten(), mlp([64, 64, 10], seed=seed)),
        "CNN": small_cnn(10, seed=seed),
    }
    for name, model in networks.items():
        if target is not None:
            model.to(target)
        history = train(
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
                train_loss=float(history.final_loss),
                model=model,
            )
        )
    return rows
