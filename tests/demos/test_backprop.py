"""Tests of dlbook.demos.backprop: the 2-1-1 network's step, checked against autograd."""

from __future__ import annotations

import pytest
import torch

from dlbook.demos.backprop import finite_difference_errors, two_one_one_step


def test_two_one_one_step_matches_autograd() -> None:
    out = two_one_one_step((0.5, 1.0), 1.0, w1=(0.2, -0.4), b1=0.1, w2=0.6, b2=-0.3, lr=0.5)
    w1 = torch.tensor([0.2, -0.4], dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(0.6, dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor(-0.3, dtype=torch.float64, requires_grad=True)
    h = torch.sigmoid(w1 @ torch.tensor([0.5, 1.0], dtype=torch.float64) + b1)
    h.retain_grad()
    y_hat = torch.sigmoid(w2 * h + b2)
    loss = -torch.log(y_hat)
    loss.backward()
    assert out["loss"] == pytest.approx(loss.item())
    assert out["h"] == pytest.approx(h.item())
    assert out["grad_h"] == pytest.approx(h.grad.item())
    assert out["grad_w1"] == pytest.approx(tuple(w1.grad.tolist()))
    assert out["grad_w2"] == pytest.approx(w2.grad.item())
    assert out["grad_b1"] == pytest.approx(b1.grad.item())
    assert out["new_b2"] == pytest.approx(-0.3 - 0.5 * b2.grad.item())
    assert out["new_loss"] < out["loss"]
    with pytest.raises(ValueError, match="y must be 0 or 1"):
        two_one_one_step((0, 0), 2, w1=(0, 0), b1=0, w2=0, b2=0, lr=0.1)


def test_finite_differences_need_float64_and_a_moderate_step() -> None:
    errors = finite_difference_errors([1e-1, 1e-3, 1e-6], seed=1)
    f32, f64 = errors["float32"], errors["float64"]
    assert f64[2] < 1e-8  # float64 at eps = 1e-6: rounding and truncation both small
    assert f32[2] > 1e-3  # float32 at eps = 1e-6: rounding error u/eps dominates
    assert f32[1] < f32[2] and f64[2] < f64[1] < f64[0]  # truncation shrinks like eps^2
    assert f64[0] == pytest.approx(f32[0], rel=0.1)  # a large step: truncation alone
    with pytest.raises(ValueError, match="epsilons"):
        finite_difference_errors([])
    with pytest.raises(ValueError, match=r"epsilons\[0\] must be > 0"):
        finite_difference_errors([0.0])
    with pytest.raises(TypeError, match="epsilons must be a sequence"):
        finite_difference_errors(1e-3)  # type: ignore[arg-type]


def test_the_scalar_engine_agrees_with_autograd() -> None:
    from dlbook.demos.backprop import Value, plot_graph

    x1, x2, w1, w2, b = 0.5, -1.5, 0.8, -0.3, 0.1
    v = {
        name: Value(val, label=name)
        for name, val in zip("x1 x2 w1 w2 b".split(), (x1, x2, w1, w2, b), strict=True)
    }
    z = v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b"]
    h = z.tanh()
    loss = (h - 1) ** 2 + 0.5 * h.exp() / (1 + z.relu()) - 3 / (v["x1"] + 2) + v["x1"] * v["x1"]
    loss.backward()
    t = {
        n: torch.tensor(val, dtype=torch.float64, requires_grad=True)
        for n, val in zip("x1 x2 w1 w2 b".split(), (x1, x2, w1, w2, b), strict=True)
    }
    zt = t["w1"] * t["x1"] + t["w2"] * t["x2"] + t["b"]
    ht = torch.tanh(zt)
    lt = (ht - 1) ** 2 + 0.5 * ht.exp() / (1 + zt.relu()) - 3 / (t["x1"] + 2) + t["x1"] * t["x1"]
    lt.backward()
    assert loss.data == pytest.approx(lt.item(), rel=1e-12)
    for name in t:
        assert v[name].grad == pytest.approx(t[name].grad.item(), rel=1e-10), name
    order = loss.topological_order()
    assert order[-1] is loss and len(order) == len({id(n) for n in order})
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(c)] < position[id(n)] for n in order for c in n._inputs)
    loss.backward()  # a second call starts from zero: same gradients, not doubled
    assert v["x1"].grad == pytest.approx(t["x1"].grad.item(), rel=1e-10)
    ax = plot_graph(loss)
    assert len([txt for txt in ax.texts if txt.get_text()]) == len(order)


def test_the_scalar_engine_rejects_bad_input() -> None:
    from dlbook.demos.backprop import Value, plot_graph

    with pytest.raises(TypeError, match="data must be a real number"):
        Value("1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="combines with a Value or a real number"):
        Value(1.0) * "2"  # type: ignore[operator]
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0
    with pytest.raises(ValueError, match="exp overflows"):
        Value(1000.0).exp()
    with pytest.raises(TypeError, match="root must be a Value"):
        plot_graph(1.0)  # type: ignore[arg-type]
