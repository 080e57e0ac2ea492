"""Tests of dlbook.optim: the written-out optimisers match torch.optim step for step."""

from __future__ import annotations

import copy

import pytest
import torch
from helpers import available_devices
from hypothesis import given
from hypothesis import strategies as st

from dlbook.optim import SGD, Adam

DEVICES = [
    pytest.param(d, marks=pytest.mark.cuda) if d == "cuda" else d for d in available_devices()
]


def _model_and_data(seed: int = 0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    X, y = torch.randn(16, 3), torch.randint(0, 2, (16,))
    return model, X, y


def _run(model, optimizer, X, y, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        optimizer.step()
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda p: SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (
            lambda p: SGD(p, lr=0.05, momentum=0.9),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
        ),
        (lambda p: Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
        (
            lambda p: Adam(p, lr=0.1, betas=(0.8, 0.9), eps=1e-6),
            lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.9), eps=1e-6),
        ),
    ],
)
def test_matches_torch_optim_after_several_steps(ours, theirs, device):
    model, X, y = _model_and_data()
    twin = copy.deepcopy(model)
    model, twin, X, y = model.to(device), twin.to(device), X.to(device), y.to(device)
    mine = _run(model, ours(model.parameters()), X, y, steps=7)
    reference = _run(twin, theirs(twin.parameters()), X, y, steps=7)
    for a, b in zip(mine, reference, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@given(
    lr=st.floats(1e-4, 0.5),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.5, 0.9999),
    seed=st.integers(0, 1000),
)
def test_adam_matches_torch_for_any_hyperparameters(lr, beta1, beta2, seed):
    torch.manual_seed(seed)
    w = torch.randn(4, requires_grad=True)
    v = w.detach().clone().requires_grad_(True)
    ours = Adam([w], lr=lr, betas=(beta1, beta2))
    theirs = torch.optim.Adam([v], lr=lr, betas=(beta1, beta2))
    for _ in range(4):
        for p, opt in ((w, ours), (v, theirs)):
            opt.zero_grad()
            (p**3).sum().backward()
            opt.step()
    torch.testing.assert_close(w, v, rtol=1e-5, atol=1e-6)


@given(lr=st.floats(1e-4, 0.5), momentum=st.floats(0.0, 0.99), seed=st.integers(0, 1000))
def test_sgd_matches_torch_for_any_hyperparameters(lr, momentum, seed):
    torch.manual_seed(seed)
    w = torch.randn(4, requires_grad=True)
    v = w.detach().clone().requires_grad_(True)
    ours, theirs = (
        SGD([w], lr=lr, momentum=momentum),
        torch.optim.SGD([v], lr=lr, momentum=momentum),
    )
    for _ in range(4):
        for p, opt in ((w, ours), (v, theirs)):
            opt.zero_grad()
            (p.sin() * p).sum().backward()
            opt.step()
    torch.testing.assert_close(w, v, rtol=1e-5, atol=1e-6)


def test_adam_first_step_moves_each_coordinate_by_lr():
    w = torch.tensor([1.0, -2.0, 30.0], requires_grad=True)
    opt = Adam([w], lr=0.01)
    (torch.tensor([1e-3, -5.0, 400.0]) * w).sum().backward()
    before = w.detach().clone()
    opt.step()
    torch.testing.assert_close(
        (before - w.detach()).abs(), torch.full((3,), 0.01), rtol=1e-4, atol=0
    )


def test_momentum_velocity_is_sum_of_discounted_gradients():
    w = torch.zeros(1, requires_grad=True)
    opt = SGD([w], lr=1.0, momentum=0.5)
    for _ in range(3):
        opt.zero_grad()
        w.sum().backward()  # gradient 1 every step
        opt.step()
    # velocities 1, 1.5, 1.75: w = -(1 + 1.5 + 1.75)
    torch.testing.assert_close(w.detach(), torch.tensor([-4.25]))
    torch.testing.assert_close(opt.state[w]["velocity"], torch.tensor([1.75]))


def test_parameters_without_gradient_are_left_alone_and_closure_is_used():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    opt = Adam([a, b], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (a**2).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss.detach()) == 2.0
    assert torch.equal(b, torch.ones(2))
    assert not torch.equal(a, torch.ones(2))
    assert SGD([b], lr=0.1).step() is None


def test_optimisers_plug_into_dl_train():
    import dlbook as dl

    X, y = dl.data.circles(64, seed=0)
    model = dl.mlp([2, 8, 2], seed=0)
    history = dl.train(model, X, y, optimizer=Adam(model.parameters(), lr=0.05), epochs=20)
    assert history.loss[-1] < history.loss[0]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: SGD(p, lr=0.0), "lr must be > 0"),
        (lambda p: SGD(p, lr="fast"), "lr must be a real number"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), r"momentum must lie in \[0, 1\)"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.1), "momentum must be >= 0"),
        (lambda p: Adam(p, lr=-1), "lr must be > 0"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), r"betas must lie in \[0, 1\)"),
        (lambda p: Adam(p, betas=0.9), "betas must be a pair"),
        (lambda p: Adam(p, eps=0.0), "eps must be > 0"),
    ],
)
def test_bad_hyperparameters_are_rejected(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make([torch.zeros(1, requires_grad=True)])
