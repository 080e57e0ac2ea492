"""Tests of dlbook.scratch: every layer and loss against finite differences and torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dlbook import scratch
from dlbook.scratch import (
    GELU,
    SGD,
    BatchNorm1d,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    L2Normalize,
    LayerNorm,
    Linear,
    MSELoss,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    check_gradients,
    numerical_gradient,
)


def _x(n: int = 5, d: int = 4, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d))
    return x + np.sign(x) * 0.05  # keep ReLU inputs away from the kink at 0


def _layers() -> dict[str, tuple[scratch.Module, nn.Module]]:
    """Each engine layer and its torch.nn twin (with the same parameters)."""
    lin = Linear(4, 3, seed=1)
    lin_t = nn.Linear(4, 3).double()
    lin.weight.data[...], lin.bias.data[...] = np.arange(12.0).reshape(3, 4) / 10, [0.1, -0.2, 0.3]
    with torch.no_grad():
        lin_t.weight.copy_(torch.from_numpy(lin.weight.data))
        lin_t.bias.copy_(torch.from_numpy(lin.bias.data))
    bn, ln = BatchNorm1d(4), LayerNorm(4)
    bn.weight.data[...] = ln.weight.data[...] = [1.0, 2.0, 0.5, -1.0]
    bn.bias.data[...] = ln.bias.data[...] = [0.0, 0.1, -0.3, 0.2]
    bn_t, ln_t = nn.BatchNorm1d(4).double(), nn.LayerNorm(4).double()
    for engine, twin in ((bn, bn_t), (ln, ln_t)):
        with torch.no_grad():
            twin.weight.copy_(torch.from_numpy(engine.weight.data))
            twin.bias.copy_(torch.from_numpy(engine.bias.data))

    class Normalize(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return nn.functional.normalize(x, dim=1)

    return {
        "linear": (lin, lin_t),
        "relu": (ReLU(), nn.ReLU()),
        "sigmoid": (Sigmoid(), nn.Sigmoid()),
        "tanh": (Tanh(), nn.Tanh()),
        "gelu": (GELU(), nn.GELU()),
        "softmax": (Softmax(), nn.Softmax(dim=-1)),
        "batchnorm": (bn, bn_t),
        "layernorm": (ln, ln_t),
        "l2normalize": (L2Normalize(), Normalize()),
    }


LAYER_NAMES = list(_layers())


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_gradients_match_finite_differences(name: str) -> None:
    layer, _ = _layers()[name]
    errors = check_gradients(layer, _x(), seed=3)
    assert set(errors) == {"input"} | {n for n, _ in layer.named_parameters()}
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_layer_matches_torch_forward_and_backward(name: str) -> None:
    layer, twin = _layers()[name]
    x = _x(seed=1)
    g = np.random.default_rng(2).standard_normal((5, 3 if name == "linear" else 4))
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    out_t = twin(xt)
    out_t.backward(torch.from_numpy(g))
    out = layer(x)
    layer.zero_grad()
    grad_x = layer.backward(g)
    torch.testing.assert_close(torch.from_numpy(out), out_t.detach())
    torch.testing.assert_close(torch.from_numpy(grad_x), xt.grad)
    for pname, p in layer.named_parameters():
        torch.testing.assert_close(torch.from_numpy(p.grad), getattr(twin, pname).grad)


def test_batchnorm_running_statistics_and_eval_match_torch() -> None:
    bn, bn_t = BatchNorm1d(3, momentum=0.2), nn.BatchNorm1d(3, momentum=0.2).double()
    for seed in range(3):
        x = _x(8, 3, seed=seed) * 2 + 1
        bn(x)
        bn_t(torch.from_numpy(x))
    np.testing.assert_allclose(bn.running_mean, bn_t.running_mean.numpy())
    np.testing.assert_allclose(bn.running_var, bn_t.running_var.numpy())
    bn.eval()
    bn_t.eval()
    x = _x(2, 3, seed=9)
    np.testing.assert_allclose(bn(x), bn_t(torch.from_numpy(x)).detach().numpy())
    errors = check_gradients(bn, x)  # eval mode: fixed statistics
    assert max(errors.values()) < 1e-6


def test_batchnorm_couples_samples_only_in_training() -> None:
    bn = BatchNorm1d(2)
    x = _x(4, 2)
    y = x.copy()
    y[1:] += 3.0
    assert not np.allclose(bn(x)[0], bn(y)[0])
    bn.eval()
    np.testing.assert_allclose(bn(x)[0], bn(y)[0])


def test_dropout_train_and_eval() -> None:
    drop = Dropout(0.25, seed=0)
    x = np.ones((200, 50))
    out = drop(x)
    assert set(np.unique(out)) <= {0.0, 1.0 / 0.75}
    assert abs((out == 0).mean() - 0.25) < 0.02
    assert abs(out.mean() - 1.0) < 0.03  # unbiased on average
    g = np.random.default_rng(0).standard_normal(x.shape)
    np.testing.assert_array_equal(drop.backward(g), g * drop.mask)
    drop.eval()
    np.testing.assert_array_equal(drop(x), x)
    np.testing.assert_array_equal(drop.backward(g), g)


def test_dropout_gradient_with_fixed_mask_matches_torch_and_finite_differences() -> None:
    drop = Dropout(0.5, seed=1)
    x = _x()
    out = drop(x)
    mask = drop.mask.copy()
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    (xt * torch.from_numpy(mask)).sum().backward()
    torch.testing.assert_close(torch.from_numpy(drop.backward(np.ones_like(out))), xt.grad)

    def f() -> float:
        drop.rng = np.random.default_rng(1)  # the same mask on every call
        return float(drop(x).sum())

    np.testing.assert_allclose(numerical_gradient(f, x), mask, atol=1e-6)


def test_dropout_same_seed_same_mask() -> None:
    a, b = Dropout(0.3, seed=5), Dropout(0.3, seed=5)
    np.testing.assert_array_equal(a(np.ones((3, 7))), b(np.ones((3, 7))))


LOSSES = {
    "mse": (MSELoss(), nn.MSELoss(), lambda rng: rng.standard_normal((6, 3))),
    "bce": (
        BCEWithLogitsLoss(),
        nn.BCEWithLogitsLoss(),
        lambda rng: (rng.random((6, 3)) > 0.5).astype(np.float64),
    ),
    "ce": (CrossEntropyLoss(), nn.CrossEntropyLoss(), lambda rng: rng.integers(0, 3, 6)),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_matches_torch_and_finite_differences(name: str) -> None:
    loss, twin, make_target = LOSSES[name]
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 3)) * 3
    target = make_target(rng)
    value = loss(z, target)
    zt = torch.from_numpy(z.copy()).requires_grad_(True)
    value_t = twin(zt, torch.from_numpy(target))
    value_t.backward()
    assert value == pytest.approx(value_t.item(), rel=1e-10)
    grad = loss.backward()
    torch.testing.assert_close(torch.from_numpy(grad), zt.grad)
    np.testing.assert_allclose(numerical_gradient(lambda: loss(z, target), z), grad, atol=1e-7)


def test_losses_are_finite_for_huge_logits() -> None:
    z = np.array([[1e4, -1e4], [-1e4, 1e4]])
    assert np.isfinite(CrossEntropyLoss()(z, np.array([1, 1])))
    ce = CrossEntropyLoss()
    assert ce(z, np.array([0, 1])) == pytest.approx(0.0)
    assert np.isfinite(BCEWithLogitsLoss()(z, np.ones_like(z)))


def test_mlp_training_step_matches_torch() -> None:
    model = scratch.mlp([4, 8, 3], activation="tanh", seed=0)
    twin = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    model.load_torch(twin)
    x, y = _x(10, 4), np.arange(10) % 3
    loss_fn, opt = CrossEntropyLoss(), SGD(model.parameters(), lr=0.5)
    opt_t = torch.optim.SGD(twin.parameters(), lr=0.5)
    for _ in range(3):
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()
        opt_t.zero_grad()
        loss_t = nn.functional.cross_entropy(twin(torch.from_numpy(x)), torch.from_numpy(y))
        loss_t.backward()
        opt_t.step()
        assert loss == pytest.approx(loss_t.item(), rel=1e-10)
    for (name, p), (name_t, p_t) in zip(
        model.named_parameters(), twin.named_parameters(), strict=True
    ):
        assert name == name_t
        np.testing.assert_allclose(p.data, p_t.detach().numpy(), rtol=1e-10)


def test_sequential_gradients_with_every_layer() -> None:
    model = Sequential(
        Linear(3, 4, seed=0),
        BatchNorm1d(4),
        GELU(),
        Linear(4, 4, seed=1),
        LayerNorm(4),
        Sigmoid(),
        L2Normalize(),
        Softmax(),
    )
    errors = check_gradients(model, _x(6, 3))
    assert max(errors.values()) < 1e-6


def test_linear_matches_torch_conventions() -> None:
    layer = Linear(5, 2, bias=False, seed=0)
    assert layer.weight.shape == (2, 5)
    assert layer.bias is None
    assert repr(layer) == "Linear(in_features=5, out_features=2, bias=False)"
    assert np.abs(layer.weight.data).max() <= 1 / np.sqrt(5)
    a, b = Linear(5, 2, seed=3), Linear(5, 2, seed=3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    old = a.weight.data.copy()
    a.reset_parameters(seed=4)
    assert not np.array_equal(old, a.weight.data)


def test_reprs() -> None:
    assert repr(BatchNorm1d(3)) == "BatchNorm1d(3, eps=1e-05, momentum=0.1)"
    assert "(1): ReLU()" in repr(Sequential(Linear(1, 1), ReLU()))
    assert repr(Dropout(0.1)) == "Dropout(p=0.1)"
    assert repr(Parameter(np.zeros((2, 3)))) == "Parameter(shape=(2, 3))"


def test_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="in_features must be a positive integer, got 0"):
        Linear(0, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(n_samples, 3\), got \(2, 4\)"):
        Linear(3, 1)(np.zeros((2, 4)))
    with pytest.raises(TypeError, match="x must be a NumPy array"):
        Linear(3, 1)(torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got 1.0"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="at least 2 samples"):
        BatchNorm1d(2)(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="target must have the shape of prediction"):
        MSELoss()(np.zeros((2, 1)), np.zeros(2))
    with pytest.raises(ValueError, match=r"target must hold class indices in \[0, 3\)"):
        CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(TypeError, match=r"layers\[1\] must be a dlbook.scratch Module"):
        Sequential(ReLU(), nn.ReLU())
    with pytest.raises(ValueError, match=r"lr must be > 0\.0"):
        SGD([], lr=0.0)
    with pytest.raises(ValueError, match="activation must be one of"):
        scratch.mlp([2, 2], activation="swish")
    with pytest.raises(ValueError, match="module must have the parameters"):
        Linear(2, 2).load_torch(nn.Linear(2, 2, bias=False))
    with pytest.raises(TypeError, match="float64 NumPy array"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))


# ------------------------------------------------------------- modules of one's own


class TwoLayers(scratch.Module):
    """A user's module: children assigned as attributes, one of them a list."""

    def __init__(self) -> None:
        self.hidden = Linear(3, 4, seed=0)
        self.norm = BatchNorm1d(4)
        self.acts = [Tanh(), ReLU()]
        self.out = Linear(4, 2, seed=1)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.out(self.acts[1](self.acts[0](self.norm(self.hidden(x)))))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self.acts[0].backward(self.acts[1].backward(self.out.backward(grad)))
        return self.hidden.backward(self.norm.backward(grad))

    def torch_module(self) -> nn.Module:
        layers = [self.hidden, self.norm, *self.acts, self.out]
        return nn.Sequential(*(layer.torch_module() for layer in layers))


def test_a_composite_module_finds_its_parameters_buffers_and_children() -> None:
    model = TwoLayers()
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "hidden.weight",
        "hidden.bias",
        "norm.weight",
        "norm.bias",
        "out.weight",
        "out.bias",
    ]
    assert [name for name, _ in model.named_buffers()] == ["norm.running_mean", "norm.running_var"]
    assert len(model.children()) == 5 and len(list(model.modules())) == 6
    model.eval()
    assert not model.norm.training and not model.acts[0].training
    errors = check_gradients(model, _x(6, 3))
    assert max(errors.values()) < 1e-6
    model.zero_grad()
    assert all(not p.grad.any() for p in model.parameters())


def test_state_dict_round_trip() -> None:
    a, b = TwoLayers(), TwoLayers()
    a(_x(6, 3))  # moves the running statistics
    b.out.weight.data[...] = 0.0
    state = a.state_dict()
    assert list(state) == [n for n, _ in a.named_parameters()] + [n for n, _ in a.named_buffers()]
    state["hidden.weight"][...] = 7.0  # a copy: changing it leaves the module alone
    assert not np.all(a.hidden.weight.data == 7.0)
    b.load_state_dict(a.state_dict())
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        np.testing.assert_array_equal(x, y, err_msg=name)
    with pytest.raises(ValueError, match=r"missing \['out.bias'\]"):
        b.load_state_dict({k: v for k, v in a.state_dict().items() if k != "out.bias"})
    with pytest.raises(ValueError, match=r"state_dict\['out.bias'\] must have shape \(2,\)"):
        b.load_state_dict(a.state_dict() | {"out.bias": np.zeros(3)})
    with pytest.raises(TypeError, match="state_dict must be a mapping"):
        b.load_state_dict([1, 2])


def _torch_grads(model: nn.Module, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    xt = torch.tensor(x, requires_grad=True)
    out = model(xt)
    out.backward(torch.from_numpy(g))
    return (out.detach().numpy(), xt.grad.numpy(), *(p.grad.numpy() for p in model.parameters()))


def _engine_grads(model: scratch.Module, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    model.zero_grad()
    out = model(x)
    grad_x = model.backward(g)
    return (out, grad_x, *(p.grad for p in model.parameters()))


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("build", ["mlp", "every layer", "composite"])
def test_to_torch_gives_the_same_outputs_and_gradients(build: str, mode: str) -> None:
    engine = {
        "mlp": lambda: scratch.mlp([4, 5, 3], activation="gelu", seed=0),
        "every layer": lambda: Sequential(
            Linear(4, 6, seed=0),
            BatchNorm1d(6),
            Sigmoid(),
            LayerNorm(6),
            Tanh(),
            Dropout(0.0),
            L2Normalize(),
            Linear(6, 3, seed=1),
            ReLU(),
            Softmax(),
        ),
        "composite": lambda: _composite_4(),
    }[build]()
    engine.train(mode == "train")
    model = engine.to_torch()
    assert model.training == (mode == "train")
    x = _x(7, 4)
    g = np.random.default_rng(1).standard_normal((7, engine(x).shape[1]))
    for ours, theirs in zip(_engine_grads(engine, x, g), _torch_grads(model, x, g), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


def _composite_4() -> TwoLayers:
    model = TwoLayers()
    model.hidden = Linear(4, 4, seed=2)
    return model


def test_from_torch_gives_the_same_outputs_and_gradients() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 6),
        nn.BatchNorm1d(6),
        nn.GELU(),
        nn.LayerNorm(6),
        nn.Dropout(0.3),
        nn.Linear(6, 2),
        nn.Tanh(),
    ).double()
    model.eval()
    with torch.no_grad():
        model[1].running_mean.uniform_(-1, 1)
        model[1].running_var.uniform_(0.5, 2)
    engine = scratch.from_torch(model)
    assert not engine.training and engine[4].p == 0.3
    x = _x(5, 4)
    g = np.ones((5, 2))
    for ours, theirs in zip(_engine_grads(engine, x, g), _torch_grads(model, x, g), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)
    back = engine.to_torch()  # and the way back
    torch.testing.assert_close(back(torch.from_numpy(x)), model(torch.from_numpy(x)))


def test_conversion_errors_name_what_has_no_twin() -> None:
    with pytest.raises(TypeError, match=r"module\[1\] .*no equivalent layer"):
        scratch.from_torch(nn.Sequential(nn.Linear(2, 2), nn.ELU()))
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        scratch.from_torch("mlp")

    class Mine(scratch.Module):
        def forward(self, x: np.ndarray) -> np.ndarray:
            return x

        def backward(self, grad: np.ndarray) -> np.ndarray:
            return grad

    with pytest.raises(TypeError, match="Mine has no torch.nn equivalent"):
        Mine().to_torch()


# ------------------------------------------------------------- one module, several uses


class Twice(scratch.Module):
    """``layer(act(layer(x)))``: the same Linear, and an activation, used twice."""

    def __init__(self, act: scratch.Module) -> None:
        self.layer = Linear(3, 3, seed=0)
        self.act = act

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.act(self.layer(self.act(self.layer(x))))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self.layer.backward(self.act.backward(grad))  # the second uses first
        return self.layer.backward(self.act.backward(grad))


@pytest.mark.parametrize("act", [Tanh, Sigmoid, GELU, ReLU, Softmax])
def test_a_module_used_twice_in_one_pass_gets_the_right_gradients(act: type) -> None:
    model = Twice(act())
    x = _x(4, 3)
    assert max(check_gradients(model, x).values()) < 1e-6
    torch_act = act().torch_module()
    torch_layer = model.layer.to_torch()
    xt = torch.tensor(x, requires_grad=True)
    out = torch_act(torch_layer(torch_act(torch_layer(xt))))
    g = np.linspace(-1, 1, out.numel()).reshape(out.shape)
    out.backward(torch.from_numpy(g))
    model.zero_grad()
    np.testing.assert_allclose(model(x), out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(model.backward(g), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.layer.weight.grad, torch_layer.weight.grad.numpy(), rtol=1e-9)


def test_backward_without_a_matching_forward_is_a_clear_error() -> None:
    layer = Linear(2, 2, seed=0)
    with pytest.raises(RuntimeError, match=r"Linear.backward\(\) was called more often"):
        layer.backward(np.ones((1, 2)))
    layer(np.ones((1, 2)))
    layer.backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="more often than its forward pass"):
        layer.backward(np.ones((1, 2)))


def test_evaluation_passes_without_backward_keep_nothing() -> None:
    layer = Tanh()
    for _ in range(50):
        layer(np.ones((2, 2)))
    assert len(layer.__dict__["_saved"]) == 1  # each new pass drops what the last one stored


def test_a_forward_pass_between_the_loss_and_backward_is_an_error() -> None:
    model = scratch.mlp([3, 4, 2], activation="tanh", seed=0)
    loss_fn = CrossEntropyLoss()
    x, x_val, y = _x(5, 3), _x(5, 3) + 1.0, np.array([0, 1, 0, 1, 1])
    loss_fn(model(x), y)
    grad = loss_fn.backward()
    model(x_val)  # same batch size: without the check the weight gradients would be wrong
    with pytest.raises(RuntimeError, match="values it stored come from a later forward pass"):
        model.backward(grad)
    # the usual order still works, and gives the gradients of a fresh pass
    loss_fn(model(x), y)
    model.zero_grad()
    model.backward(loss_fn.backward())
    first = model[0].weight.grad.copy()
    model.zero_grad()
    loss_fn(model(x), y)
    model.backward(loss_fn.backward())
    np.testing.assert_array_equal(model[0].weight.grad, first)


def test_check_gradients_restores_batch_norm_statistics() -> None:
    model = Sequential(Linear(3, 4, seed=0), BatchNorm1d(4))
    before = model.state_dict()
    check_gradients(model, _x(6, 3))
    after = model.state_dict()
    assert list(after) == list(before)
    for name in before:
        np.testing.assert_array_equal(after[name], before[name])


def test_a_new_layer_written_like_the_others_needs_nothing_more() -> None:
    class Square(scratch.Module):  # stores its input in forward, reads it in backward
        def forward(self, x: np.ndarray) -> np.ndarray:
            self._x = x
            return x**2

        def backward(self, grad: np.ndarray) -> np.ndarray:
            return 2 * self._x * grad

    class Cube(Square):  # extends forward and backward through super()
        def forward(self, x: np.ndarray) -> np.ndarray:
            self._x3 = x
            return super().forward(x) * x

        def backward(self, grad: np.ndarray) -> np.ndarray:
            return super().backward(grad * self._x3) + grad * self._x3**2

    for cls in (Square, Cube):
        model = Twice(cls())
        assert max(check_gradients(model, _x(4, 3) / 3).values()) < 1e-6, cls.__name__
