"""Optimisers written out: SGD, SGD with momentum and Adam, step for step like ``torch.optim``.

Each class subclasses :class:`torch.optim.Optimizer`, so it plugs into any
training loop (``dl.train`` included) and has ``zero_grad`` and
``state_dict``. The update rules are spelt out in ``step`` so that they can be
read next to the equations of the chapter on libraries; the tests check that
they give the same parameters as ``torch.optim.SGD`` and ``torch.optim.Adam``
after several steps.

The module also has a small test bed for comparing optimisers: an
ill-conditioned quadratic bowl (:func:`ravine`), :func:`descend`, which
records the path an optimiser takes from a starting point, and
:func:`plot_paths`, which draws the paths over the contours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes

from ._axes import get_axes
from ._validation import as_tensor, check_float, check_int, describe

__all__ = ["SGD", "Adam", "descend", "plot_paths", "ravine"]

Params = Iterable[torch.Tensor] | Iterable[dict[str, Any]]


def _check_betas(betas: Any) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair of floats (beta1, beta2), got {describe(betas)}")
    beta1 = check_float("betas[0]", betas[0], minimum=0.0)
    beta2 = check_float("betas[1]", betas[1], minimum=0.0)
    if beta1 >= 1.0 or beta2 >= 1.0:
        raise ValueError(f"betas must lie in [0, 1), got ({beta1}, {beta2})")
    return beta1, beta2


class SGD(torch.optim.Optimizer):
    r"""Stochastic gradient descent, optionally with (heavy-ball) momentum.

    With momentum :math:`\mu = 0` the step is
    :math:`\theta \leftarrow \theta - \eta g`. With :math:`\mu > 0` a velocity
    collects past gradients, :math:`v \leftarrow \mu v + g` (and
    :math:`v = g` on the first step), and the parameters move along it,
    :math:`\theta \leftarrow \theta - \eta v`. This is the convention of
    ``torch.optim.SGD`` (without dampening, Nesterov or weight decay).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimise (e.g. ``model.parameters()``), or parameter
        groups as for any ``torch.optim`` optimiser.
    lr : float
        Learning rate :math:`\eta > 0`.
    momentum : float, default 0.0
        Momentum :math:`\mu` in [0, 1).

    Examples
    --------
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     loss = (w ** 2).sum()
    ...     loss.backward()
    ...     opt.step()
    >>> w.detach()
    tensor([ 0.4600, -0.9200])
    """

    def __init__(self, params: Params, lr: float, *, momentum: float = 0.0) -> None:
        lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
        momentum = check_float("momentum", momentum, minimum=0.0)
        if momentum >= 1.0:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
        super().__init__(params, {"lr": lr, "momentum": momentum})

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:  # type: ignore[override]
        """Take one step; ``closure`` (optional) re-evaluates the loss and returns it."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, mu = group["lr"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if mu > 0:
                    state = self.state[p]
                    if "velocity" not in state:
                        state["velocity"] = g.clone()  # v_1 = g_1
                    else:
                        state["velocity"].mul_(mu).add_(g)  # v <- mu v + g
                    g = state["velocity"]
                p.sub_(lr * g)  # theta <- theta - lr v
        return loss


class Adam(torch.optim.Optimizer):
    r"""Adam: momentum on the gradient, per-parameter scaling by its running size.

    With gradient :math:`g_t` at step :math:`t = 1, 2, \dots`:

    .. math::

        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2,

        \hat m_t = m_t / (1 - \beta_1^t), \qquad \hat v_t = v_t / (1 - \beta_2^t),

        \theta_t = \theta_{t-1} - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon).

    The division by :math:`1 - \beta^t` (bias correction) undoes the pull of
    the zero initial moments towards zero in the first steps. The arithmetic
    follows ``torch.optim.Adam`` (without weight decay or AMSGrad), so the two
    agree to rounding error.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        The parameters to optimise, or parameter groups.
    lr : float, default 0.001
        Learning rate :math:`\eta > 0`.
    betas : (float, float), default (0.9, 0.999)
        Decay rates :math:`\beta_1, \beta_2` in [0, 1) of the two moments.
    eps : float, default 1e-8
        :math:`\epsilon > 0`, keeps the denominator away from zero.

    Examples
    --------
    >>> w = torch.tensor([3.0, -0.001], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w ** 2).sum().backward()
    >>> opt.step()
    >>> w.detach()  # the first step moves every coordinate by about lr
    tensor([2.9000, 0.0990])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        lr = check_float("lr", lr, minimum=0.0, strict_minimum=True)
        beta1, beta2 = _check_betas(betas)
        eps = check_float("eps", eps, minimum=0.0, strict_minimum=True)
        super().__init__(params, {"lr": lr, "betas": (beta1, beta2), "eps": eps})

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:  # type: ignore[override]
        """Take one step; ``closure`` (optional) re-evaluates the loss and returns it."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                state["step"] += 1
                t, m, v = state["step"], state["m"], state["v"]
                m.lerp_(g, 1 - beta1)  # m <- beta1 m + (1 - beta1) g
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)  # v <- beta2 v + (1 - beta2) g^2
                correction1 = 1 - beta1**t
                correction2 = 1 - beta2**t
                # lr * m_hat / (sqrt(v_hat) + eps), arranged as torch.optim.Adam does it
                denom = (v.sqrt() / math.sqrt(correction2)).add_(eps)
                p.addcdiv_(m, denom, value=-lr / correction1)
        return loss


def ravine(w: torch.Tensor, *, curvature: float = 20.0) -> torch.Tensor:
    r"""An ill-conditioned quadratic bowl :math:`f(w) = \tfrac12 (w_1^2 + c\, w_2^2)`.

    Its minimum is 0 at the origin. Along :math:`w_2` the bowl is ``curvature``
    times steeper than along :math:`w_1`, the situation in which plain
    gradient descent zig-zags and crawls.

    Parameters
    ----------
    w : Tensor of shape (2,) or (n_points, 2)
        One point or a batch of points.
    curvature : float, default 20.0
        The ratio :math:`c > 0` of the two curvatures.

    Returns
    -------
    Tensor of shape () or (n_points,)

    Examples
    --------
    >>> ravine(torch.tensor([1.0, 1.0]))
    tensor(10.5000)
    """
    w = as_tensor("w", w, ndim=(1, 2))
    if w.shape[-1] != 2:
        raise ValueError(
            f"w must have 2 coordinates in its last dimension, got shape {tuple(w.shape)}"
        )
    curvature = check_float("curvature", curvature, minimum=0.0, strict_minimum=True)
    return 0.5 * (w[..., 0] ** 2 + curvature * w[..., 1] ** 2)


def descend(
    fn: Callable[[torch.Tensor], torch.Tensor],
    start: Sequence[float] | torch.Tensor,
    make_optimizer: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    *,
    steps: int = 50,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run an optimiser on a function of a few variables and record its path.

    Parameters
    ----------
    fn : callable
        Maps a tensor of shape ``(n_variables,)`` to a scalar tensor.
    start : sequence of float or Tensor of shape (n_variables,)
        The starting point.
    make_optimizer : callable
        Receives ``[w]`` (the list holding the one parameter tensor) and
        returns an optimiser, e.g. ``lambda p: dl.optim.Adam(p, lr=0.1)``.
    steps : int, default 50
        Number of optimiser steps.

    Returns
    -------
    path : Tensor of shape (steps + 1, n_variables)
        The point before each step and after the last one.
    losses : Tensor of shape (steps + 1,)
        ``fn`` at every point of the path.

    Examples
    --------
    >>> path, losses = descend(ravine, [2.0, 1.0], lambda p: SGD(p, lr=0.05), steps=10)
    >>> path.shape, bool(losses[-1] < losses[0])
    (torch.Size([11, 2]), True)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {describe(fn)}")
    if not callable(make_optimizer):
        raise TypeError(f"make_optimizer must be callable, got {describe(make_optimizer)}")
    w0 = as_tensor("start", start if isinstance(start, torch.Tensor) else list(start), ndim=1)
    steps = check_int("steps", steps, minimum=1)
    w = w0.detach().clone().float().requires_grad_(True)
    optimizer = make_optimizer([w])
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"make_optimizer must return a torch.optim.Optimizer, got {describe(optimizer)}"
        )
    path, losses = [w.detach().clone()], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = fn(w)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
        path.append(w.detach().clone())
    losses.append(fn(w).detach())
    return torch.stack(path), torch.stack(losses)


def plot_paths(
    paths: Mapping[str, torch.Tensor | np.ndarray],
    fn: Callable[[torch.Tensor], torch.Tensor] = ravine,
    *,
    extent: Sequence[float] = (-5.0, 5.0, -2.0, 2.0),
    ax: Axes | None = None,
) -> Axes:
    """Draw optimiser paths over the contours of a function of two variables.

    Parameters
    ----------
    paths : mapping of str to Tensor of shape (n_points, 2)
        One path per optimiser, labelled by the key.
    fn : callable, default :func:`ravine`
        Maps points of shape ``(n, 2)`` to values of shape ``(n,)``.
    extent : (xmin, xmax, ymin, ymax), default (-5, 5, -2, 2)
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> path, _ = descend(ravine, [-4.0, 1.5], lambda p: SGD(p, lr=0.05), steps=5)
    >>> ax = plot_paths({"SGD": path})
    >>> len(ax.get_lines())
    1
    """
    if not isinstance(paths, Mapping) or not paths:
        raise TypeError(f"paths must be a non-empty mapping of name to path, got {describe(paths)}")
    if len(extent) != 4:
        raise ValueError(f"extent must be (xmin, xmax, ymin, ymax), got {extent!r}")
    ax = get_axes(ax)
    xmin, xmax, ymin, ymax = (float(e) for e in extent)
    xs, ys = np.linspace(xmin, xmax, 200), np.linspace(ymin, ymax, 120)
    gx, gy = np.meshgrid(xs, ys)
    grid = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1)).float()
    with torch.no_grad():
        values = fn(grid).reshape(gx.shape).numpy()
    levels = np.quantile(values, np.linspace(0.02, 0.98, 12))
    ax.contour(gx, gy, values, levels=np.unique(levels), colors="0.75", linewidths=0.8)
    for name, path in paths.items():
        points = as_tensor(f"paths[{name!r}]", path, ndim=2).detach().cpu().numpy()
        if points.shape[1] != 2:
            raise ValueError(f"paths[{name!r}] must have shape (n_points, 2), got {points.shape}")
        ax.plot(points[:, 0], points[:, 1], marker="o", markersize=2.5, linewidth=1.2, label=name)
    ax.scatter([0.0], [0.0], marker="*", color="black", s=80, zorder=3)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend(loc="lower right", fontsize="small")
    return ax
