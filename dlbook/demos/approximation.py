"""Universal approximation in one dimension: exact ReLU interpolants, sawtooths and width sweeps.

Everything here builds ``torch.nn.Sequential`` ReLU networks whose weights are
*written down*, not trained (except in :func:`width_sweep`, which fits);
:func:`dlbook.diagnostics.count_linear_pieces` counts their linear pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._validation import (
    as_tensor,
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_seed,
    describe,
)
from ..seeding import make_generator
from ..training import train

__all__ = [
    "WidthSweep",
    "folded_plane_network",
    "relu_interpolant",
    "sawtooth",
    "sawtooth_network",
    "shallow_sawtooth",
    "tent_map",
    "width_sweep",
]


def relu_interpolant(
    knots_x: Sequence[float] | np.ndarray | torch.Tensor,
    knots_y: Sequence[float] | np.ndarray | torch.Tensor,
    *,
    dtype: torch.dtype = torch.float64,
) -> nn.Sequential:
    """One-hidden-layer ReLU network equal to the piecewise-linear interpolant of the knots.

    With knots ``x_0 < ... < x_K`` and slopes ``s_k`` of the segments, the
    network computes::

        f(x) = y_0 + s_0 relu(x - x_0) + sum_{k=1}^{K-1} (s_k - s_{k-1}) relu(x - x_k)

    It uses one hidden unit per knot except the last (``K`` units). It is exact
    on ``[x_0, x_K]`` (and continues the last segment to the right and stays
    at ``y_0`` to the left).

    Parameters
    ----------
    knots_x : array of shape (K + 1,)
        Strictly increasing, at least two.
    knots_y : array of shape (K + 1,)
    dtype : torch.dtype, default torch.float64

    Returns
    -------
    torch.nn.Sequential
        ``Linear(1, K), ReLU(), Linear(K, 1)``; maps (n, 1) to (n, 1).

    Examples
    --------
    >>> net = relu_interpolant([0.0, 1.0, 2.0], [0.0, 1.0, 0.0])  # a tent
    >>> net(torch.tensor([[0.5], [1.0], [1.5]], dtype=torch.float64)).ravel()
    tensor([0.5000, 1.0000, 0.5000], dtype=torch.float64, grad_fn=<ViewBackward0>)
    """
    dtype = check_dtype("dtype", dtype)
    xs = as_tensor("knots_x", knots_x, ndim=1, dtype=torch.float64).cpu()
    ys = as_tensor("knots_y", knots_y, ndim=1, dtype=torch.float64).cpu()
    if len(xs) != len(ys):
        raise ValueError(
            f"knots_x and knots_y must have the same length, got {len(xs)} and {len(ys)}"
        )
    if len(xs) < 2:
        raise ValueError(f"knots_x must hold at least 2 knots, got {len(xs)}")
    if not bool((xs[1:] > xs[:-1]).all()):
        raise ValueError("knots_x must be strictly increasing")
    slopes = (ys[1:] - ys[:-1]) / (xs[1:] - xs[:-1])  # (K,)
    out_w = torch.cat([slopes[:1], slopes[1:] - slopes[:-1]])  # change of slope at each knot
    k = len(slopes)
    first = nn.Linear(1, k, dtype=torch.float64)
    last = nn.Linear(k, 1, dtype=torch.float64)
    with torch.no_grad():
        first.weight.fill_(1.0)
        first.bias.copy_(-xs[:-1])  # unit k switches on at x_k
        last.weight.copy_(out_w[None, :])
        last.bias.fill_(float(ys[0]))
    return nn.Sequential(first, nn.ReLU(), last).to(dtype)


def tent_map(x: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The tent ``2 min(x, 1 - x)`` on [0, 1], written as ``2 relu(x) - 4 relu(x - 1/2)``.

    Parameters
    ----------
    x : Tensor or array of any shape, values in [0, 1]

    Returns
    -------
    Tensor of the same shape

    Examples
    --------
    >>> tent_map(torch.tensor([0.0, 0.25, 0.5, 1.0]))
    tensor([0.0000, 0.5000, 1.0000, 0.0000])
    """
    x = as_tensor("x", x)
    if x.is_complex():
        raise TypeError(f"x must hold real numbers, got dtype {x.dtype}")
    if x.dtype == torch.bool:
        x = x.to(torch.get_default_dtype())
    return 2 * torch.relu(x) - 4 * torch.relu(x - 0.5)


def sawtooth(x: torch.Tensor | np.ndarray, depth: int) -> torch.Tensor:
    """The tent map composed with itself ``depth`` times: ``2**(depth - 1)`` teeth on [0, 1].

    Parameters
    ----------
    x : Tensor or array of any shape, values in [0, 1]
    depth : int
        At least 1.

    Returns
    -------
    Tensor of the same shape

    Examples
    --------
    >>> sawtooth(torch.tensor([0.125, 0.25, 0.5]), 2)
    tensor([0.5000, 1.0000, 0.0000])
    """
    depth = check_int("depth", depth, minimum=1)
    out = as_tensor("x", x)
    for _ in range(depth):
        out = tent_map(out)
    return out


def sawtooth_network(depth: int, *, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """A deep ReLU network with 2 units per layer that computes :func:`sawtooth` exactly.

    Each hidden layer holds ``relu(t)`` and ``relu(t - 1/2)`` of the current
    value ``t``; the next layer forms ``t' = 2 relu(t) - 4 relu(t - 1/2)``. The
    network has ``2 * depth`` hidden units and ``2**depth`` linear pieces.

    Parameters
    ----------
    depth : int
        Number of tent maps composed, at least 1.
    dtype : torch.dtype, default torch.float64

    Returns
    -------
    torch.nn.Sequential
        Maps (n, 1) to (n, 1).

    Examples
    --------
    >>> net = sawtooth_network(3)
    >>> x = torch.linspace(0, 1, 9, dtype=torch.float64)[:, None]
    >>> torch.allclose(net(x), sawtooth(x, 3))
    True
    """
    dtype = check_dtype("dtype", dtype)
    depth = check_int("depth", depth, minimum=1)
    layers: list[nn.Module] = []
    bias = torch.tensor([0.0, -0.5], dtype=torch.float64)
    mix = torch.tensor([[2.0, -4.0]], dtype=torch.float64)  # t' = 2 h0 - 4 h1
    for i in range(depth):
        linear = nn.Linear(1 if i == 0 else 2, 2).double()
        with torch.no_grad():
            linear.weight.copy_(
                torch.ones(2, 1, dtype=torch.float64)
                if i == 0
                else torch.ones(2, 1, dtype=torch.float64) @ mix
            )
            linear.bias.copy_(bias)
        layers += [linear, nn.ReLU()]
    last = nn.Linear(2, 1).double()
    with torch.no_grad():
        last.weight.copy_(mix)
        last.bias.zero_()
    return nn.Sequential(*layers, last).to(dtype)


def shallow_sawtooth(depth: int, *, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """A one-hidden-layer ReLU network equal to :func:`sawtooth` on [0, 1].

    Built by :func:`relu_interpolant` through the ``2**depth + 1`` corners, so it
    needs ``2**depth`` hidden units where the deep version needs ``2 * depth``.

    Parameters
    ----------
    depth : int
    dtype : torch.dtype, default torch.float64

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> shallow_sawtooth(4)[0].out_features
    16
    """
    dtype = check_dtype("dtype", dtype)
    depth = check_int("depth", depth, minimum=1)
    xs = torch.linspace(0.0, 1.0, 2**depth + 1, dtype=torch.float64)
    return relu_interpolant(xs, sawtooth(xs, depth), dtype=dtype)


def folded_plane_network(
    folds: int,
    weight: Sequence[Sequence[float]] | np.ndarray | torch.Tensor,
    bias: Sequence[float] | np.ndarray | torch.Tensor,
    *,
    dtype: torch.dtype = torch.float64,
) -> nn.Sequential:
    """A ReLU network on the unit square that folds it ``folds`` times, then cuts it with lines.

    Each of the first ``folds`` hidden layers has four units and applies the
    tent map :func:`tent_map` to both coordinates, which folds the square onto
    itself along its two middle lines (four copies after one fold,
    ``4**folds`` after all of them). The last hidden layer has one ReLU unit
    per row of ``weight`` (the line ``weight[j] @ u + bias[j] = 0`` in the
    folded coordinates ``u``); the output adds them up. With ``folds=0`` it is
    a one-hidden-layer network whose units cut the square along those lines;
    every fold repeats the pattern of lines in each copy.

    Parameters
    ----------
    folds : int
        Number of folding layers, at least 0.
    weight : array of shape (H, 2)
        One line per row; no row may be zero.
    bias : array of shape (H,)
    dtype : torch.dtype, default torch.float64

    Returns
    -------
    torch.nn.Sequential
        Maps (n, 2) to (n, 1); ``4 * folds + H`` hidden units in all.

    Examples
    --------
    >>> net = folded_plane_network(1, [[1.0, 0.0]], [-0.5])  # relu(t(x1) - 1/2)
    >>> net(torch.tensor([[0.25, 0.0], [0.5, 0.9], [0.75, 0.3]], dtype=torch.float64)).ravel()
    tensor([0.0000, 0.5000, 0.0000], dtype=torch.float64, grad_fn=<ViewBackward0>)
    """
    dtype = check_dtype("dtype", dtype)
    folds = check_int("folds", folds, minimum=0)
    w = as_tensor("weight", weight, ndim=2, dtype=torch.float64).cpu()
    b = as_tensor("bias", bias, ndim=1, dtype=torch.float64).cpu()
    if w.shape[1] != 2 or len(w) == 0:
        raise ValueError(f"weight must have shape (H, 2) with H >= 1, got {tuple(w.shape)}")
    if b.shape != (len(w),):
        raise ValueError(f"bias must have shape ({len(w)},), got {tuple(b.shape)}")
    if not bool(torch.isfinite(w).all() and torch.isfinite(b).all()):
        raise ValueError("weight and bias must be finite")
    if bool((w.abs().sum(dim=1) == 0).any()):
        raise ValueError("weight must have no zero row: each row is the normal of a line")
    # (2, 4): t(u_i) = 2 relu(u_i) - 4 relu(u_i - 1/2) from the four units of a fold
    mix = torch.tensor([[2.0, -4.0, 0.0, 0.0], [0.0, 0.0, 2.0, -4.0]], dtype=torch.float64)
    spread = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], dtype=torch.float64)
    fold_bias = torch.tensor([0.0, -0.5, 0.0, -0.5], dtype=torch.float64)
    layers: list[nn.Module] = []
    for i in range(folds):
        linear = nn.Linear(2 if i == 0 else 4, 4, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(spread if i == 0 else spread @ mix)  # (4, 2) or (4, 4)
            linear.bias.copy_(fold_bias)
        layers += [linear, nn.ReLU()]
    cut = nn.Linear(2 if folds == 0 else 4, len(w), dtype=torch.float64)
    out = nn.Linear(len(w), 1, dtype=torch.float64)
    with torch.no_grad():
        cut.weight.copy_(w if folds == 0 else w @ mix)  # the lines, in folded coordinates
        cut.bias.copy_(b)
        out.weight.fill_(1.0)
        out.bias.zero_()
    return nn.Sequential(*layers, cut, nn.ReLU(), out).to(dtype)


@dataclass(frozen=True)
class WidthSweep:
    """Result of :func:`width_sweep`: for each width, the largest and the root-mean-square error."""

    widths: tuple[int, ...]
    max_error: tuple[float, ...]
    rms_error: tuple[float, ...]
    method: str


def width_sweep(
    f: Callable[[torch.Tensor], torch.Tensor],
    widths: Sequence[int],
    *,
    method: str = "train",
    lo: float = -1.0,
    hi: float = 1.0,
    n_points: int = 64,
    steps: int = 300,
    lr: float = 0.03,
    seed: int | None = 0,
) -> WidthSweep:
    """Fit one-hidden-layer ReLU networks of growing width to ``f`` and report their errors.

    Parameters
    ----------
    f : callable
        The target, mapping a float64 tensor of shape (n,) to shape (n,).
    widths : sequence of int
        Hidden widths to try.
    method : {"train", "lstsq", "knots"}, default "train"
        ``"train"``: fit every weight with full-batch Adam on the mean squared
        error for ``steps`` steps (:func:`dlbook.training.train`). ``"lstsq"``:
        draw the hidden layer at random (kinks uniform in the interval, slopes
        +1 or -1) and fit only the
        output layer, by least squares (a convex problem, solved exactly).
        ``"knots"``: no fitting; the
        :func:`relu_interpolant` through ``width + 1`` equally spaced samples
        of ``f``, the constructive proof of the theorem.
    lo, hi : float, default -1 and 1
        The interval.
    n_points : int, default 64
        Training points (equally spaced); the error is measured on a grid
        four times finer.
    steps : int, default 300
    lr : float, default 0.03
    seed : int or None, default 0
        Seed of the random hidden layer (``"train"`` and ``"lstsq"``); ``None``
        draws a fresh one.

    Returns
    -------
    WidthSweep

    Examples
    --------
    >>> sweep = width_sweep(torch.sin, [2, 8, 32], method="knots")
    >>> sweep.max_error[0] > sweep.max_error[1] > sweep.max_error[2]
    True
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {describe(f)}")
    lo, hi = check_float("lo", lo), check_float("hi", hi)
    if not lo < hi:
        raise ValueError(f"lo must be below hi, got lo={lo}, hi={hi}")
    probe = f(torch.linspace(lo, hi, 3, dtype=torch.float64))
    if not isinstance(probe, torch.Tensor) or probe.shape != (3,):
        raise TypeError(
            f"f must map a tensor of shape (n,) to one of shape (n,), got {describe(probe)}"
        )
    if isinstance(widths, (str, bytes)) or not isinstance(widths, (list, tuple, range)):
        raise TypeError(f"widths must be a list of widths, got {describe(widths)}")
    ws = [check_int(f"widths[{i}]", w, minimum=1) for i, w in enumerate(widths)]
    if not ws:
        raise ValueError("widths must hold at least one width")
    check_choice("method", method, ("train", "lstsq", "knots"))
    n_points = check_int("n_points", n_points, minimum=2)
    steps = check_int("steps", steps, minimum=1)
    seed = check_seed("seed", seed)
    x_train = torch.linspace(lo, hi, n_points, dtype=torch.float64)
    y_train = f(x_train)
    x_test = torch.linspace(lo, hi, 4 * n_points, dtype=torch.float64)
    y_test = f(x_test)
    max_err: list[float] = []
    rms_err: list[float] = []
    for w in ws:
        if method == "knots":
            knots = torch.linspace(lo, hi, w + 1, dtype=torch.float64)
            net = relu_interpolant(knots, f(knots))
            _errors(net, x_test, y_test, max_err, rms_err)
            continue
        gen = make_generator(seed)
        hidden, out_layer = nn.Linear(1, w).double(), nn.Linear(w, 1).double()
        net = nn.Sequential(hidden, nn.ReLU(), out_layer)
        with torch.no_grad():  # kinks spread over the interval, random directions
            sign = torch.randint(0, 2, (w, 1), generator=gen).double() * 2 - 1
            hidden.weight.copy_(sign)
            kinks = lo + (hi - lo) * torch.rand(w, generator=gen, dtype=torch.float64)
            hidden.bias.copy_(-sign[:, 0] * kinks)
            out_layer.weight.normal_(0.0, 1.0 / w**0.5, generator=gen)
            out_layer.bias.zero_()
        if method == "lstsq":  # keep the random hidden layer, solve for the output layer
            with torch.no_grad():
                h = torch.relu(hidden(x_train[:, None]))  # (n_points, w)
                design = torch.cat([h, torch.ones(len(h), 1, dtype=h.dtype)], dim=1)
                coef = torch.linalg.lstsq(design, y_train[:, None], driver="gelsd").solution
                out_layer.weight.copy_(coef[:-1].T)
                out_layer.bias.copy_(coef[-1])
        else:  # full-batch Adam on the mean squared error: one step per epoch
            train(net, x_train[:, None], y_train, loss="mse", lr=lr, epochs=steps)
        _errors(net, x_test, y_test, max_err, rms_err)
    return WidthSweep(tuple(ws), tuple(max_err), tuple(rms_err), method)


def _errors(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, max_err: list[float], rms_err: list[float]
) -> None:
    """Append the largest and the root-mean-square error of ``net`` on ``(x, y)``."""
    with torch.no_grad():
        err = (net(x[:, None])[:, 0] - y).abs()
    max_err.append(float(err.max()))
    rms_err.append(float(err.pow(2).mean().sqrt()))
