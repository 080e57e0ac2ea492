"""A synthetic sequence task that needs a long memory.

In :func:`first_symbol` the label of a sequence is the symbol it *starts*
with; every later step is noise. A model that reads the sequence from left to
right must carry that first symbol through all the remaining steps, so the
task measures how far back a recurrent network can remember.
"""

from __future__ import annotations

import torch

from ._validation import check_float, check_int, check_seed
from .seeding import make_generator

__all__ = ["first_symbol"]


def first_symbol(
    n_samples: int = 512,
    *,
    length: int = 20,
    n_symbols: int = 4,
    noise: float = 0.0,
    seed: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences of one-hot symbols labelled by their first symbol.

    Every step of every sequence is a symbol drawn uniformly from
    ``n_symbols`` and one-hot encoded; the label is the symbol at step 0. The
    later steps carry no information about the label, so the best a model
    without memory can do is chance, ``1 / n_symbols``.

    Parameters
    ----------
    n_samples : int, default 512
        Number of sequences.
    length : int, default 20
        Steps per sequence (at least 1). The longer, the further back the
        label lies when the model reaches the end.
    n_symbols : int, default 4
        Size of the alphabet and number of classes (at least 2).
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to the one-hot vectors.
    seed : int, optional
        Seed of the generator; the same seed gives the same data.

    Returns
    -------
    X : Tensor of shape (n_samples, length, n_symbols), float32
        The sequences, batch first, as ``torch.nn.RNN(batch_first=True)`` expects.
    y : Tensor of shape (n_samples,), int64
        The first symbol of each sequence.

    Examples
    --------
    >>> X, y = first_symbol(8, length=5, n_symbols=3, seed=0)
    >>> X.shape, y.shape
    (torch.Size([8, 5, 3]), torch.Size([8]))
    >>> bool((X[:, 0].argmax(dim=1) == y).all())
    True
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    length = check_int("length", length, minimum=1)
    n_symbols = check_int("n_symbols", n_symbols, minimum=2)
    noise = check_float("noise", noise, minimum=0.0)
    seed = check_seed("seed", seed)
    generator = make_generator(seed)
    symbols = torch.randint(n_symbols, (n_samples, length), generator=generator)  # (N, T)
    X = torch.nn.functional.one_hot(symbols, n_symbols).float()  # (N, T, K)
    if noise > 0:
        X = X + noise * torch.randn(X.shape, generator=generator)
    return X, symbols[:, 0].clone()
