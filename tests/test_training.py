"""Tests of dlbook.training: the loop learns, records a history, respects devices and modes."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import available_devices

import dlbook as dl
from dlbook.training import History, accuracy, evaluate, train


@pytest.fixture
def circle_data():
    return dl.data.circles(200, flip=0.0, seed=1)


def test_training_reduces_loss_and_reaches_high_accuracy(circle_data):
    X, y = circle_data
    model = dl.mlp([2, 20, 20, 20, 2], seed=0)
    history = train(model, X, y, lr=0.01, epochs=150)
    assert history.epochs == 150
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] >= 0.95
    assert evaluate(model, X, y)["accuracy"] >= 0.95


def test_same_seed_same_training(circle_data):
    X, y = circle_data
    runs = []
    for _ in range(2):
        model = dl.mlp([2, 8, 2], seed=3)
        runs.append(train(model, X, y, epochs=5, batch_size=32, seed=7).loss)
    assert runs[0] == runs[1]


def test_minibatches_visit_every_example_once_per_epoch():
    seen: list[int] = []

    class Recorder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(1, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen.extend(int(v) for v in x[:, 0])
            return self.linear(x)

    X = torch.arange(10, dtype=torch.float32).unsqueeze(1)
    y = torch.zeros(10, dtype=torch.long)
    train(Recorder(), X, y, epochs=1, batch_size=3, seed=0, optimizer="sgd")
    assert sorted(seen) == list(range(10))


def test_validation_history_and_mse():
    X = torch.linspace(-1, 1, 64).unsqueeze(1)
    y = 3 * X.squeeze(1) - 1
    model = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Flatten(0))
    history = train(model, X, y, loss="mse", optimizer="sgd", lr=0.3, epochs=60, validation=(X, y))
    assert history.accuracy == [] and len(history.val_loss) == 60
    assert history.val_loss[-1] < 1e-3
    weight, bias = model[0].weight.item(), model[0].bias.item()
    assert weight == pytest.approx(3.0, abs=0.05) and bias == pytest.approx(-1.0, abs=0.05)
    assert set(history.as_dict()) == {"loss", "val_loss", "grad_norm"}


def test_bce_with_logits_accepts_a_single_output_column(circle_data):
    X, y = circle_data
    model = dl.mlp([2, 16, 1], seed=0)
    history = train(model, X, y.float(), loss="bce_with_logits", epochs=100)
    assert history.accuracy[-1] > 0.8


def test_accepts_an_optimizer_object_and_a_callable_loss(circle_data):
    X, y = circle_data
    model = dl.mlp([2, 8, 2], seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    calls = []

    def loss_fn(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        calls.append(out.shape)
        return torch.nn.functional.cross_entropy(out, target)

    train(model, X, y, loss=loss_fn, optimizer=opt, epochs=2)
    assert calls == [torch.Size([200, 2])] * 2


def test_evaluate_restores_training_mode_and_uses_no_grad(circle_data):
    X, y = circle_data
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    model.train()
    grads_enabled = []
    model.register_forward_hook(lambda *_: grads_enabled.append(torch.is_grad_enabled()))
    evaluate(model, X, y)
    assert model.training and grads_enabled == [False]
    model.eval()
    evaluate(model, X, y)
    assert not model.training


def test_accuracy_binary_and_multiclass():
    assert accuracy(torch.tensor([[0.1, 0.9, 0.0], [3.0, 0.0, 0.0]]), torch.tensor([1, 2])) == 0.5
    assert accuracy(torch.tensor([-1.0, 2.0, 0.5]), torch.tensor([0, 1, 0])) == pytest.approx(2 / 3)


def test_history_defaults():
    history = History()
    assert history.epochs == 0 and history.as_dict() == {}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
        ({"lr": -1.0}, ValueError, "lr must be > 0.0, got -1.0"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of"),
        ({"loss": "hinge"}, ValueError, "loss must be one of"),
        ({"loss": 3}, TypeError, "loss must be a name or a callable"),
        ({"optimizer": 3}, TypeError, "optimizer must be a name or a torch.optim.Optimizer"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
    ],
)
def test_train_rejects_bad_options(circle_data, kwargs, error, match):
    X, y = circle_data
    with pytest.raises(error, match=match):
        train(dl.mlp([2, 4, 2]), X, y, **kwargs)


def test_train_rejects_bad_data():
    model = dl.mlp([2, 4, 2])
    with pytest.raises(ValueError, match="same number of samples, got 3 and 2"):
        train(model, torch.zeros(3, 2), torch.zeros(2, dtype=torch.long))
    with pytest.raises(TypeError, match="integer class labels for cross_entropy"):
        train(model, torch.zeros(3, 2), torch.zeros(3))
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        train("model", torch.zeros(3, 2), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="X contains NaN"):
        train(model, torch.full((3, 2), float("nan")), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="at least one sample"):
        evaluate(model, torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))


@pytest.mark.parametrize("device", available_devices())
def test_train_moves_the_model_and_batches(device, circle_data):
    X, y = circle_data
    model = dl.mlp([2, 8, 2], seed=0)
    train(model, X, y, epochs=2, device=device)
    assert dl.devices.module_device(model).type == device


@pytest.mark.cuda
def test_training_on_cuda_matches_cpu(circle_data):
    X, y = circle_data
    histories, weights = [], []
    for device in ("cpu", "cuda"):
        model = dl.mlp([2, 16, 16, 2], seed=0)
        histories.append(train(model, X, y, epochs=20, lr=0.01, device=device))
        weights.append(torch.cat([p.detach().cpu().flatten() for p in model.parameters()]))
    torch.testing.assert_close(histories[0].loss, histories[1].loss, rtol=1e-3, atol=1e-4)
    torch.testing.assert_close(weights[0], weights[1], rtol=1e-3, atol=1e-4)


@pytest.mark.cuda
def test_evaluate_on_cuda_model_with_cpu_data(circle_data):
    X, y = circle_data
    model = dl.mlp([2, 8, 2], seed=0)
    cpu_scores = evaluate(model, X, y)
    cuda_scores = evaluate(model.to("cuda"), X, y)
    assert cuda_scores["accuracy"] == cpu_scores["accuracy"]
    assert cuda_scores["loss"] == pytest.approx(cpu_scores["loss"], rel=1e-4)


def test_progress_bar_shows_the_loss(circle_data, capsys):
    X, y = circle_data
    train(dl.mlp([2, 4, 2], seed=0), X, y, epochs=3, progress=True)
    assert "training" in capsys.readouterr().err


def _exploding_model() -> torch.nn.Module:
    from dlbook.models import deep_mlp, initialize_

    model = deep_mlp(2, 2, width=16, depth=12, activation="relu", init="he", seed=0)
    return initialize_(model, "he", gain=1.3, seed=0)


def test_clipping_rescues_an_exploding_network():
    X, y = dl.data.circles(64, seed=0)
    options = {"optimizer": "sgd", "lr": 0.1, "epochs": 8, "batch_size": 32, "seed": 0}
    plain = train(_exploding_model(), X, y, **options)
    assert plain.diverged and math.isnan(plain.loss[-1]) and len(plain.loss) < 8
    clipped = train(_exploding_model(), X, y, clip_grad_norm=1.0, **options)
    assert not clipped.diverged
    assert len(clipped.loss) == 8 and all(math.isfinite(v) for v in clipped.loss)
    assert clipped.loss[-1] < clipped.loss[0]
    assert len(clipped.grad_norm) == 8 * 2
    assert clipped.grad_norm[0] == pytest.approx(plain.grad_norm[0])  # measured before clipping
    assert max(clipped.grad_norm) > 1.0


def test_grad_norm_matches_autograd_on_one_step():
    X, y = dl.data.circles(32, seed=0)
    model = dl.mlp([2, 8, 2], seed=0)
    reference = dl.mlp([2, 8, 2], seed=0)
    torch.nn.functional.cross_entropy(reference(X), y).backward()
    expected = torch.linalg.vector_norm(
        torch.cat([p.grad.flatten() for p in reference.parameters()])
    )
    history = train(model, X, y, epochs=1, optimizer="sgd")
    assert history.grad_norm == [pytest.approx(float(expected), rel=1e-5)]


def test_clip_grad_norm_must_be_positive(circle_data):
    X, y = circle_data
    with pytest.raises(ValueError, match="clip_grad_norm must be > 0.0, got -1.0"):
        train(dl.mlp([2, 4, 2]), X, y, clip_grad_norm=-1.0)
