"""Optimisers written out: SGD, SGD with momentum and Adam, step for step like ``torch.optim``.

Each class subclasses :class:`torch.optim.Optimizer`, so it plugs into any
training loop (``dl.train`` included) and has ``zero_grad`` and
``state_dict``. The update rules are spelt out in ``step`` so that they can be
read next to the equations of the chapter on libraries; the tests check that
they give the same parameters as ``torch.optim.SGD`` and ``torch.optim.Adam``
after several steps.

The test bed the chapter compares them on (an ill-conditioned bowl and the
paths taken across it) is :mod:`dlbook.demos.optimizers`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import torch

from ._validation import check_float, describe

__all__ = ["SGD", "Adam"]

Params = Iterable[torch.Tensor] | Iterable[dict[str, Any]]


def _check_betas(betas: Any) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair of floats (beta1, beta2), got {describe(betas)}")
    beta1 = check_float("betas[0]", betas[0], minimum=0.0)
    beta2 = check_float("betas[1]", betas[1], minimum=0.0)
    if beta1 >= 1.0 or beta2 >= 1.0:
        raise ValueError(f"betas must lie in [0, 1), got ({beta1}, {beta2})")
    return beta1, beta2


def _closure_loss(closure: Callable[[], torch.Tensor] | None) -> torch.Tensor | None:
    """The loss a ``step(closure)`` re-evaluates, with gradients on (None without a closure)."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


class SGD(torch.optim.Optimizer):
    r"""Stochastic gradient descent, optionally with (heavy-ball) momentum.

    With momentum :math:`\mu = 0` the step is
    :math:`\theta \leftarrow \theta - \eta g`. With :math:`\mu > 0` a velocity
    collects past gradients, :math:`u \leftarrow \mu u + g` (and
    :math:`u = g` on the first step), and the parameters move along it,
    :math:`\theta \leftarrow \theta - \eta u`. This is the convention of
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
        loss = _closure_loss(closure)
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
        loss = _closure_loss(closure)
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


if not TYPE_CHECKING:  # hidden from type checkers: a name that never existed stays an error

    def __getattr__(name: str) -> Any:
        """Name the new place of a function that moved out of this module."""
        from . import moved_attribute

        raise moved_attribute(__name__, name)
