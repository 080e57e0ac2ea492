"""Synthetic data sets, generated on the fly (nothing is downloaded).

Generators follow scikit-learn's conventions: ``(n_samples, *, ..., seed=None)``
returning ``(X, y)``, here as PyTorch tensors: ``X`` float32 of shape
``(n_samples, n_features)`` and ``y`` int64 class labels of shape ``(n_samples,)``
(or float32 targets for regression).
"""

from __future__ import annotations

import numpy as np
import torch

from ._validation import check_float, check_fraction, check_int, check_seed

__all__ = ["circles"]


def circles(
    n_samples: int = 100,
    *,
    df: float = 12.0,
    radius: float = 1.0,
    flip: float = 0.05,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points from a heavy-tailed 2-D cloud, labelled by whether they fall inside a circle.

    Each coordinate is drawn independently from Student's t distribution with
    ``df`` degrees of freedom. A point gets label 1 when it lies strictly inside
    the circle of the given ``radius`` around the origin, 0 otherwise. Then
    exactly ``round(flip * n_samples)`` labels, chosen at random, are flipped
    to play the part of label noise.

    Parameters
    ----------
    n_samples : int, default 100
        Number of points.
    df : float, default 12.0
        Degrees of freedom of the t distribution (smaller: heavier tails).
    radius : float, default 1.0
        Radius of the circle that separates the classes.
    flip : float, default 0.05
        Fraction of labels to flip, in [0, 1].
    seed : int, optional
        Seed of the generator; the same seed gives the same data.

    Returns
    -------
    X : Tensor of shape (n_samples, 2), float32
        The points.
    y : Tensor of shape (n_samples,), int64
        Labels in {0, 1}.

    Examples
    --------
    >>> X, y = circles(100, seed=0)
    >>> X.shape, y.shape, y.dtype
    (torch.Size([100, 2]), torch.Size([100]), torch.int64)
    >>> inside = (X.norm(dim=1) < 1).long()
    >>> int((inside != y).sum())  # 5% of 100 labels flipped
    5
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    df = check_float("df", df, minimum=0.0, strict_minimum=True)
    radius = check_float("radius", radius, minimum=0.0, strict_minimum=True)
    flip = check_fraction("flip", flip)
    seed = check_seed("seed", seed)

    rng = np.random.default_rng(seed)
    X = rng.standard_t(df, size=(n_samples, 2))
    y = (np.linalg.norm(X, axis=1) < radius).astype(np.int64)
    n_flip = int(round(flip * n_samples))
    flipped = rng.choice(n_samples, size=n_flip, replace=False)
    y[flipped] = 1 - y[flipped]
    return torch.from_numpy(X.astype(np.float32)), torch.from_numpy(y)
