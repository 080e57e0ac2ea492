"""Logic with neurons: which Boolean functions one threshold unit computes, and XOR by hand.

:func:`find_threshold` searches for the threshold of a McCulloch-Pitts unit
(:func:`dlbook.linear.mcculloch_pitts`) that realises a Boolean function, and
finds none for XOR; :func:`xor_network` is a two-layer ReLU network with
hand-chosen weights that computes it, and :func:`xor_from_random_starts`
trains small networks on XOR from many random initialisations at once and
says which of them learn it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .._validation import as_binary, check_float, check_int, check_sequence
from ..data import binary_inputs
from ..linear import mcculloch_pitts
from ..models import mlp, mlp_from_parameters

__all__ = ["XorStarts", "find_threshold", "xor_from_random_starts", "xor_network"]


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


@dataclass
class XorStarts:
    """Networks trained on XOR from several random initialisations.

    Attributes
    ----------
    seeds : list of int
        The seed of each network's initialisation (:func:`dlbook.models.mlp`).
    solved : bool Tensor of shape (n_seeds,)
        The network classifies all four inputs correctly after training.
    loss : Tensor of shape (n_seeds,)
        Its final cross-entropy on the four inputs.
    """

    seeds: list[int]
    solved: torch.Tensor
    loss: torch.Tensor

    @property
    def rate(self) -> float:
        """The fraction of initialisations that learned XOR."""
        return float(self.solved.double().mean())


def xor_from_random_starts(
    hidden: int,
    seeds: Sequence[int] = tuple(range(20)),
    *,
    lr: float = 0.05,
    epochs: int = 300,
) -> XorStarts:
    """Train a 2-``hidden``-2 ReLU network on XOR from each seed and say which learn it.

    Each network starts from ``dlbook.models.mlp([2, hidden, 2], seed=s)`` and
    takes ``epochs`` full-batch Adam steps on the cross-entropy of the four
    inputs, the run of ``dlbook.train(net, *dlbook.data.xor(), lr=lr,
    epochs=epochs)``. The networks are trained side by side as one stack of
    parameters: Adam works entry by entry and the summed loss gives each
    network its own gradient, so each run is the one it would be alone, in a
    fraction of the time.

    Parameters
    ----------
    hidden : int
        Hidden units, at least 1.
    seeds : sequence of int, default 0 to 19
    lr : float, default 0.05
    epochs : int, default 300

    Returns
    -------
    XorStarts

    Examples
    --------
    >>> runs = xor_from_random_starts(8, seeds=[0, 1, 2], epochs=300)
    >>> runs.solved.shape
    torch.Size([3])
    """
    hidden = check_int("hidden", hidden, minimum=1)
    seeds = [
        check_int(f"seeds[{i}]", s, minimum=0) for i, s in enumerate(check_sequence("seeds", seeds))
    ]
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none")
    lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
    epochs = check_int("epochs", epochs, minimum=1)
    nets = [mlp([2, hidden, 2], activation="relu", seed=s) for s in seeds]
    params = [
        torch.stack([getattr(net[i], name).detach() for net in nets]).requires_grad_()
        for i in (0, 2)
        for name in ("weight", "bias")
    ]  # W1 (K, H, 2), b1 (K, H), W2 (K, 2, H), b2 (K, 2)
    W1, b1, W2, b2 = params
    X = binary_inputs(2).float()  # (4, 2): (0,0), (0,1), (1,0), (1,1)
    y = (X[:, 0] != X[:, 1]).long()  # (4,)
    optimizer = torch.optim.Adam(params, lr=lr)

    def losses() -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(torch.einsum("khd,nd->knh", W1, X) + b1[:, None])  # (K, 4, H)
        z = torch.einsum("kch,knh->knc", W2, h) + b2[:, None]  # (K, 4, 2)
        per_net = nn.functional.cross_entropy(
            z.transpose(1, 2), y.expand(len(seeds), 4), reduction="none"
        ).mean(dim=1)  # (K,)
        return per_net, z

    for _ in range(epochs):
        per_net, _ = losses()
        optimizer.zero_grad()
        per_net.sum().backward()  # each network's parameters get its own gradient
        optimizer.step()
    with torch.no_grad():
        per_net, z = losses()
        solved = (z.argmax(dim=2) == y).all(dim=1)
    return XorStarts(seeds=seeds, solved=solved, loss=per_net)
