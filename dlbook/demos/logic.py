"""Logic with neurons: which Boolean functions one threshold unit computes, and XOR by hand.

:func:`find_threshold` searches for the threshold of a McCulloch-Pitts unit
(:func:`dlbook.linear.mcculloch_pitts`) that realises a Boolean function, and
finds none for XOR; :func:`xor_network` is a two-layer ReLU network with
hand-chosen weights that computes it.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._validation import as_binary
from ..data import binary_inputs
from ..linear import mcculloch_pitts
from ..models import mlp_from_parameters

__all__ = ["find_threshold", "xor_network"]


def find_threshold(targets: Any) -> int | None:
    """The smallest threshold with which a McCulloch-Pitts unit computes a boolean function.

    Parameters
    ----------
    targets : Tensor, array or list of shape (2 ** n_inputs,)
        The wanted outputs (0 or 1) on the inputs of :func:`dlbook.data.binary_inputs`,
        in that order.

    Returns
    -------
    int or None
        A threshold between 0 and ``n_inputs + 1``, or None when no threshold
        works (the function is not a threshold of the input count, e.g. XOR).

    Examples
    --------
    >>> find_threshold([0, 1, 1, 1]), find_threshold([0, 0, 0, 1]), find_threshold([0, 1, 1, 0])
    (1, 2, None)
    """
    targets = as_binary("targets", targets)
    if targets.ndim != 1:
        raise ValueError(f"targets must be one-dimensional, got shape {tuple(targets.shape)}")
    n_rows = len(targets)
    n_inputs = n_rows.bit_length() - 1
    if n_rows < 2 or 2**n_inputs != n_rows:
        raise ValueError(f"targets must have 2 ** n_inputs entries, got {n_rows}")
    inputs = binary_inputs(n_inputs)
    for tau in range(n_inputs + 2):
        if torch.equal(mcculloch_pitts(inputs, tau), targets):
            return tau
    return None


def xor_network() -> nn.Sequential:
    """A 2-2-1 ReLU network with hand-chosen weights that computes XOR on {0, 1}^2.

    The hidden units are ``h_1 = relu(x_1 + x_2)`` and
    ``h_2 = relu(x_1 + x_2 - 1)``; the output is ``h_1 - 2 h_2``, which is
    exactly 0, 1, 1, 0 on the inputs (0, 0), (0, 1), (1, 0), (1, 1).

    Returns
    -------
    torch.nn.Sequential
        ``Linear(2, 2) -> ReLU -> Linear(2, 1)``, as built by
        :func:`dlbook.models.mlp_from_parameters`.

    Examples
    --------
    >>> net = xor_network()
    >>> X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> net(X).squeeze(1).tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    W1 = [[1.0, 1.0], [1.0, 1.0]]
    b1 = [0.0, -1.0]
    W2 = [[1.0, -2.0]]
    b2 = [0.0]
    return mlp_from_parameters([(W1, b1), (W2, b2)], activation="relu")
