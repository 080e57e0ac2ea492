"""Tests of dlbook.training: the loop learns, records a history, respects devices and modes."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import available_devices

import dlbook as dl
from dlbook.training import (
    EarlyStopping,
    History,
    TrainingStep,
    accuracy,
    evaluate,
    predict,
    predict_proba,
    train,
)


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
            if self.training:  # not the pass that measures the final loss
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
    assert set(history.as_dict()) == {"loss", "val_loss", "lr", "step_loss", "grad_norm"}


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
    assert calls == [torch.Size([200, 2])] * 3  # two steps, then the final loss


@pytest.fixture
def dropout_model():
    """A model in training mode that records whether gradients were on in each forward pass."""
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)).train()
    model.grads_enabled = []
    model.register_forward_hook(lambda m, *_: m.grads_enabled.append(torch.is_grad_enabled()))
    return model


def test_evaluate_restores_training_mode_and_uses_no_grad(circle_data, dropout_model):
    X, y = circle_data
    model, grads_enabled = dropout_model, dropout_model.grads_enabled
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


# ------------------------------------------------------------------ data forms


def _trained_weights(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_numpy_and_tensor_inputs_train_identically(circle_data):
    X, y = circle_data
    runs = []
    for data in ((X, y), (X.numpy(), y.numpy()), (X.double().numpy(), y.tolist())):
        model = dl.mlp([2, 8, 2], seed=0)
        runs.append((train(model, *data, epochs=3, batch_size=50, seed=1).loss, model))
    assert runs[0][0] == runs[1][0] == runs[2][0]
    torch.testing.assert_close(_trained_weights(runs[0][1]), _trained_weights(runs[2][1]))


def test_pandas_inputs_go_through_numpy(circle_data):
    pd = pytest.importorskip("pandas")
    X, y = circle_data
    frame, series = pd.DataFrame(X.numpy(), columns=["a", "b"]), pd.Series(y.numpy())
    a, b = dl.mlp([2, 8, 2], seed=0), dl.mlp([2, 8, 2], seed=0)
    assert train(a, frame, series, epochs=3).loss == train(b, X, y, epochs=3).loss
    assert evaluate(a, frame, series) == evaluate(a, X, y)


def test_a_dataset_is_batched_and_shuffled_with_the_seed(circle_data):
    X, y = circle_data
    dataset = torch.utils.data.TensorDataset(X, y)
    full = train(dl.mlp([2, 8, 2], seed=0), dataset, epochs=3)
    assert full.loss == train(dl.mlp([2, 8, 2], seed=0), X, y, epochs=3).loss  # one batch
    a = train(dl.mlp([2, 8, 2], seed=0), dataset, epochs=2, batch_size=32, seed=5)
    b = train(dl.mlp([2, 8, 2], seed=0), dataset, epochs=2, batch_size=32, seed=5)
    assert a.step_loss == b.step_loss and len(a.step_loss) == 2 * 7


def test_a_dataloader_is_used_as_it_is(circle_data):
    X, y = circle_data
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64)
    history = train(dl.mlp([2, 8, 2], seed=0), loader, epochs=2, optimizer="sgd", lr=0.1)
    assert len(history.step_loss) == 2 * 4 and len(history.loss) == 2
    reference = train(
        dl.mlp([2, 8, 2], seed=0),
        X,
        y,
        epochs=2,
        optimizer="sgd",
        lr=0.1,
        batch_size=64,
        shuffle=False,
    )
    assert history.step_loss == pytest.approx(reference.step_loss, rel=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"batch_size": 8}, ValueError, "batch_size must be None when X is a DataLoader"),
        ({"seed": 0}, ValueError, "seed must be None when X is a DataLoader"),
        ({"y": torch.zeros(4)}, TypeError, "y must be None when X is a DataLoader"),
    ],
)
def test_a_dataloader_rejects_batching_options(kwargs, error, match):
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.zeros(4, 2), torch.zeros(4, dtype=torch.long))
    )
    with pytest.raises(error, match=match):
        train(dl.mlp([2, 4, 2]), loader, **kwargs)


def test_bad_loader_batches_and_empty_data_are_errors():
    model = dl.mlp([2, 4, 2])
    singles = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(4, 2)))
    with pytest.raises(TypeError, match=r"X must yield \(inputs, targets\) pairs"):
        train(model, singles)
    empty = torch.utils.data.TensorDataset(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match="X must contain at least one sample, got an empty"):
        train(model, empty)
    with pytest.raises(ValueError, match="X must contain at least one sample, got no batches"):
        train(model, torch.utils.data.DataLoader(empty))
    with pytest.raises(ValueError, match="X must contain at least one sample, got 0"):
        train(model, torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
    with pytest.raises(TypeError, match="y is required when X holds the inputs"):
        train(model, torch.zeros(4, 2))


@pytest.mark.parametrize("kind", ["pair", "dataset", "loader"])
def test_validation_takes_a_pair_a_dataset_or_a_loader(circle_data, kind):
    X, y = circle_data
    dataset = torch.utils.data.TensorDataset(X, y)
    validation = {
        "pair": (X, y),
        "dataset": dataset,
        "loader": torch.utils.data.DataLoader(dataset, batch_size=50),
    }[kind]
    model = dl.mlp([2, 8, 2], seed=0)
    history = train(model, X, y, epochs=2, validation=validation)
    assert len(history.val_loss) == len(history.val_accuracy) == 2
    assert history.val_loss[-1] == pytest.approx(evaluate(model, X, y)["loss"], rel=1e-5)


@pytest.mark.parametrize("validation", ["X", [1, 2, 3], 3.0])
def test_validation_of_another_kind_is_a_type_error_naming_it(circle_data, validation):
    X, y = circle_data
    bad = X if validation == "X" else validation
    with pytest.raises(TypeError, match=r"validation must be an \(X, y\) pair, a Dataset or"):
        train(dl.mlp([2, 4, 2]), X, y, epochs=1, validation=bad)


def test_evaluate_takes_the_same_forms(circle_data):
    X, y = circle_data
    model = dl.mlp([2, 8, 2], seed=0)
    dataset = torch.utils.data.TensorDataset(X, y)
    expected = evaluate(model, X, y)
    assert evaluate(model, dataset, batch_size=7) == pytest.approx(expected)
    assert evaluate(model, torch.utils.data.DataLoader(dataset, batch_size=33)) == pytest.approx(
        expected
    )
    with pytest.raises(TypeError, match="y is required"):
        evaluate(model, X)
    with pytest.raises(TypeError, match="y must be None when X is a Dataset"):
        evaluate(model, dataset, y)


# -------------------------------------------------------------- checked targets


def test_mse_targets_of_shape_n_fit_a_one_column_model():
    x = torch.linspace(-1, 1, 64).unsqueeze(1)  # (64, 1)
    y = 3 * x[:, 0] - 1  # (64,): broadcasting against (64, 1) would learn only the mean
    model = torch.nn.Linear(1, 1)
    history = train(model, x, y, loss="mse", optimizer="sgd", lr=0.3, epochs=100)
    assert history.final_loss < 1e-4
    assert model.weight.item() == pytest.approx(3.0, abs=0.01)


@pytest.mark.parametrize(
    ("outputs", "y", "loss", "match"),
    [
        (2, torch.zeros(16, 3), "mse", r"y must have the shape of the model's outputs \(16, 2\)"),
        (1, torch.zeros(16, 2), "mse", r"outputs \(16, 1\) for mse, got \(16, 2\)"),
        (2, torch.zeros(16), "bce_with_logits", r"outputs \(16, 2\) for bce_with_logits"),
        (2, torch.zeros(16, 2, dtype=torch.long), "cross_entropy", r"y must have shape \(16,\)"),
    ],
)
def test_other_shape_mismatches_are_errors(outputs, y, loss, match):
    with pytest.raises(ValueError, match=match):
        train(torch.nn.Linear(2, outputs), torch.zeros(16, 2), y, loss=loss, epochs=1)


def test_cross_entropy_labels_must_fit_the_outputs():
    X = torch.zeros(8, 2)
    with pytest.raises(ValueError, match=r"y must hold class labels in \[0, 2\) for a model"):
        train(torch.nn.Linear(2, 2), X, torch.tensor([0, 1, 2, 0, 1, 0, 1, 0]), epochs=1)
    with pytest.raises(ValueError, match="y must hold class labels >= 0"):
        train(torch.nn.Linear(2, 2), X, torch.full((8,), -1), epochs=1)
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        train(torch.nn.Linear(2, 2), X, torch.zeros(8, dtype=torch.bool), epochs=1)
    with pytest.raises(ValueError, match=r"class labels in \[0, 2\)"):
        evaluate(torch.nn.Linear(2, 2), X, torch.full((8,), 5))


def test_cross_entropy_label_range_is_checked_in_loader_batches():
    data = torch.utils.data.TensorDataset(torch.zeros(8, 2), torch.tensor([0, 1, 0, 1, 0, 1, 0, 7]))
    loader = torch.utils.data.DataLoader(data, batch_size=4)
    with pytest.raises(ValueError, match=r"the targets of X must hold class labels in \[0, 2\)"):
        train(torch.nn.Linear(2, 2), loader, epochs=1)


@pytest.mark.parametrize("shape", [(64,), (64, 1)])
def test_bce_accepts_n_and_n_by_1_float_targets(shape):
    X, y = dl.data.circles(64, flip=0.0, seed=0)
    for outputs in (1,):
        model = dl.mlp([2, 16, outputs], seed=0)
        history = train(model, X, y.float().reshape(shape), loss="bce_with_logits", epochs=60)
        assert history.accuracy[-1] > 0.7


@pytest.mark.parametrize(
    ("y", "error", "match"),
    [
        (torch.full((8,), 2.0), ValueError, r"y must hold probabilities in \[0, 1\]"),
        (torch.full((8,), -0.5), ValueError, r"y must hold probabilities in \[0, 1\]"),
        (torch.full((8,), float("nan")), ValueError, "y contains NaN"),
    ],
)
def test_bce_targets_must_be_probabilities(y, error, match):
    with pytest.raises(error, match=match):
        train(torch.nn.Linear(2, 1), torch.zeros(8, 2), y, loss="bce_with_logits", epochs=1)


def test_an_optimizer_of_another_model_is_an_error(circle_data):
    X, y = circle_data
    other = dl.mlp([2, 4, 2])
    with pytest.raises(ValueError, match="optimizer must hold the model's parameters"):
        train(dl.mlp([2, 4, 2]), X, y, optimizer=torch.optim.Adam(other.parameters()), epochs=1)


def test_a_float64_model_trains_on_float64_inputs(circle_data):
    X, y = circle_data
    model = dl.mlp([2, 8, 2], seed=0).double()
    seen = []
    model.register_forward_hook(lambda _m, inputs, _o: seen.append(inputs[0].dtype))
    history = train(model, X, y, epochs=5)
    assert set(seen) == {torch.float64} and not history.diverged
    assert model[0].weight.dtype == torch.float64


@pytest.mark.parametrize("dtype", [torch.int64, torch.uint8, torch.bool])
def test_integer_and_boolean_features_are_converted(dtype):
    X = torch.tensor([[0, 1], [1, 0], [1, 1], [0, 0]]).to(dtype)
    y = torch.tensor([1, 1, 0, 0])
    history = train(torch.nn.Linear(2, 2), X, y, epochs=2)
    assert len(history.loss) == 2
    assert predict(torch.nn.Linear(2, 2), X).dtype == torch.float32


def test_integers_the_model_dtype_cannot_hold_are_an_error():
    X = torch.tensor([[2**25, 1], [0, 1]])
    with pytest.raises(ValueError, match=r"X holds the integer 33554432, which torch.float32"):
        train(torch.nn.Linear(2, 2), X, torch.tensor([0, 1]), epochs=1)
    train(torch.nn.Linear(2, 2).double(), X, torch.tensor([0, 1]), epochs=1)  # float64 holds it


def test_models_with_embeddings_keep_integer_inputs():
    model = torch.nn.Sequential(
        torch.nn.Embedding(10, 4), torch.nn.Flatten(), torch.nn.Linear(8, 2)
    )
    X = torch.randint(0, 10, (16, 2), generator=torch.Generator().manual_seed(0))
    history = train(model, X, torch.randint(0, 2, (16,)), epochs=3)
    assert not history.diverged and predict(model, X).shape == (16, 2)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without a GPU")
def test_an_unavailable_device_is_a_value_error(circle_data):
    X, y = circle_data
    with pytest.raises(ValueError, match="device='cuda' was asked for, but CUDA is not available"):
        train(dl.mlp([2, 4, 2]), X, y, device="cuda")
    with pytest.raises(ValueError, match="device='mps' was asked for, but MPS is not available"):
        train(dl.mlp([2, 4, 2]), X, y, device="mps")


# ------------------------------------------------------------------ divergence


def test_divergence_in_the_last_step_is_caught():
    X, y = dl.data.circles(200, seed=0)
    model = dl.mlp([2, 16, 2], seed=0)
    history = train(model, X, y, optimizer="sgd", lr=1e38, epochs=1)
    assert history.diverged
    assert not math.isfinite(history.final_loss)
    with torch.no_grad():
        assert not torch.isfinite(model(X)).all()  # what the old epoch average hid


@pytest.mark.parametrize("lr", [1e3, 1e6])
def test_final_loss_shows_what_the_epoch_average_hides(lr):
    X, y = dl.data.circles(200, seed=0)
    history = train(dl.mlp([2, 16, 2], seed=0), X, y, optimizer="sgd", lr=lr, epochs=1)
    assert history.loss[0] < 1.0  # the loss before the one step
    assert history.final_loss > 100 * history.loss[0] or history.diverged


def test_divergence_with_validation_is_recorded_not_raised(circle_data):
    X, y = circle_data
    history = train(
        _exploding_model(),
        X,
        y,
        optimizer="sgd",
        lr=10.0,
        epochs=5,
        batch_size=50,
        validation=(X, y),
        seed=0,
    )
    assert history.diverged and history.diverged_epoch is not None
    assert history.diverged_step == len(history.step_loss) == len(history.grad_norm)
    assert math.isnan(history.loss[-1])


def test_evaluate_of_a_broken_model_is_nan():
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.fill_(float("nan"))
    scores = evaluate(model, torch.zeros(4, 2), torch.tensor([0, 1, 0, 1]))
    assert math.isnan(scores["loss"])


# ------------------------------------------------------------ options and history


def test_bfloat16_autocast_follows_float32_on_cpu(circle_data):
    X, y = circle_data
    full = train(
        dl.mlp([2, 16, 2], seed=0), X, y, optimizer="sgd", lr=0.05, epochs=5, batch_size=64, seed=0
    )
    model = dl.mlp([2, 16, 2], seed=0)
    low = train(
        model, X, y, optimizer="sgd", lr=0.05, epochs=5, batch_size=64, seed=0, amp=torch.bfloat16
    )
    assert model[0].weight.dtype == torch.float32  # master weights stay float32
    assert max(abs(a - b) for a, b in zip(full.step_loss, low.step_loss, strict=True)) < 0.05
    with pytest.raises(ValueError, match="amp must be None, torch.bfloat16 or torch.float16"):
        train(model, X, y, amp=torch.float64)


def test_the_scaler_unscales_before_clipping(monkeypatch):
    calls = []

    class RecordingScaler:
        def scale(self, value):
            calls.append("scale")
            return value

        def unscale_(self, optimizer):
            calls.append("unscale_")

        def step(self, optimizer):
            calls.append("step")
            optimizer.step()

        def update(self):
            calls.append("update")

    real_clip = torch.nn.utils.clip_grad_norm_

    def recording_clip(*args, **kwargs):
        calls.append("clip")
        return real_clip(*args, **kwargs)

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", recording_clip)
    model = torch.nn.Linear(2, 2)
    step = TrainingStep(model, torch.optim.SGD(model.parameters(), lr=0.1), clip_grad_norm=1.0)
    step.scaler = RecordingScaler()
    step(torch.randn(4, 2), torch.tensor([0, 1, 0, 1]))
    assert calls == ["scale", "unscale_", "clip", "step", "update"]


def test_the_scaler_is_built_on_the_model_device_type():
    model = torch.nn.Linear(2, 2)
    step = TrainingStep(model, torch.optim.SGD(model.parameters(), lr=0.1), amp=torch.float16)
    assert not step.scaler.is_enabled()  # float16 needs a scaler only on CUDA
    assert step.scaler._device == "cpu"


def test_the_first_steps_match_a_loop_written_out(circle_data):
    X, y = circle_data
    model, reference = dl.mlp([2, 8, 2], seed=0), dl.mlp([2, 8, 2], seed=0)
    history = train(model, X, y, optimizer="sgd", lr=0.1, epochs=3)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    expected = []
    for _ in range(3):  # one full batch per epoch
        loss = torch.nn.functional.cross_entropy(reference(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        expected.append(loss.item())
    assert history.step_loss == pytest.approx(expected, rel=1e-6)
    torch.testing.assert_close(_trained_weights(model), _trained_weights(reference))


@pytest.mark.parametrize("make", ["instance", "factory"])
def test_a_scheduler_is_stepped_once_per_epoch(circle_data, make):
    X, y = circle_data
    model = dl.mlp([2, 8, 2], seed=0)
    if make == "instance":
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        history = train(
            model,
            X,
            y,
            optimizer=opt,
            epochs=4,
            scheduler=torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5),
        )
    else:
        history = train(
            model,
            X,
            y,
            optimizer="sgd",
            lr=0.1,
            epochs=4,
            scheduler=lambda opt: torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5),
        )
    assert history.lr == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_reduce_on_plateau_gets_the_monitored_loss(circle_data):
    X, y = circle_data
    history = train(
        dl.mlp([2, 8, 2], seed=0),
        X,
        y,
        optimizer="sgd",
        lr=0.1,
        epochs=4,
        scheduler=lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt,
            patience=0,
            threshold=0.5,  # every epoch falls short of a 50% improvement
        ),
    )
    assert history.lr[-1] < history.lr[0]


def test_scheduler_errors(circle_data):
    X, y = circle_data
    model = dl.mlp([2, 8, 2], seed=0)
    foreign = torch.optim.lr_scheduler.StepLR(
        torch.optim.SGD(dl.mlp([2, 8, 2]).parameters(), lr=0.1), step_size=1
    )
    with pytest.raises(ValueError, match="scheduler must drive the optimizer"):
        train(model, X, y, epochs=1, scheduler=foreign)
    with pytest.raises(TypeError, match="scheduler must be a learning-rate scheduler"):
        train(model, X, y, epochs=1, scheduler=3)
    with pytest.raises(TypeError, match="scheduler must return a learning-rate scheduler"):
        train(model, X, y, epochs=1, scheduler=lambda opt: None)


def test_early_stopping_restores_the_best_weights():
    X, y = dl.data.circles(64, seed=0)
    X_val, y_val = dl.data.circles(64, seed=1)
    y_val = 1 - y_val  # the better the model fits, the worse the validation loss
    model = dl.mlp([2, 32, 2], seed=0)
    history = train(
        model,
        X,
        y,
        lr=0.05,
        epochs=50,
        validation=(X_val, y_val),
        early_stopping=EarlyStopping(patience=3),
    )
    assert history.stopped_early and history.epochs < 50
    assert history.best_epoch == history.epochs - 4
    best = history.val_loss[history.best_epoch]
    assert evaluate(model, X_val, y_val)["loss"] == pytest.approx(best, rel=1e-5)
    assert history.final_loss == pytest.approx(evaluate(model, X, y)["loss"], rel=1e-5)


def test_early_stopping_options_and_errors(circle_data):
    X, y = circle_data
    with pytest.raises(ValueError, match="early_stopping needs validation data"):
        train(dl.mlp([2, 4, 2]), X, y, early_stopping=EarlyStopping())
    with pytest.raises(TypeError, match="early_stopping must be an EarlyStopping"):
        train(dl.mlp([2, 4, 2]), X, y, validation=(X, y), early_stopping=3)
    with pytest.raises(ValueError, match="patience must be a positive integer, got 0"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="min_delta must be >= 0"):
        EarlyStopping(min_delta=-1.0)


def test_history_records_and_frames(circle_data):
    pd = pytest.importorskip("pandas")
    X, y = circle_data
    history = train(
        dl.mlp([2, 8, 2], seed=0), X, y, epochs=3, batch_size=100, seed=0, validation=(X, y)
    )
    frame = history.to_frame()
    assert isinstance(frame, pd.DataFrame) and frame.index.name == "epoch"
    assert frame.columns.tolist() == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert frame["loss"].tolist() == history.loss
    steps = history.steps_frame()
    assert steps.shape == (6, 2) and steps["grad_norm"].tolist() == history.grad_norm
    assert history.best_epoch == min(range(3), key=lambda i: history.val_loss[i])
    assert not history.stopped_early and math.isfinite(history.final_loss)


def test_history_frames_need_pandas_only_when_called():
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from dlbook.training import History\n"
        "h = History(loss=[1.0])\n"
        "try:\n    h.to_frame()\nexcept ImportError as e:\n    assert 'needs pandas' in str(e)\n"
        "else:\n    raise AssertionError('no ImportError')\n"
    )
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", code], check=True)


def test_predict_and_predict_proba(circle_data, dropout_model):
    X, y = circle_data
    model, grads = dropout_model, dropout_model.grads_enabled
    out = predict(model, X, batch_size=64)
    assert out.shape == (200, 3) and not out.requires_grad
    assert grads == [False] * 4 and model.training  # batched, without gradients, mode kept
    torch.testing.assert_close(out, predict(model, X.numpy()))  # eval mode: no dropout
    p = predict_proba(model, X)
    torch.testing.assert_close(p.sum(dim=1), torch.ones(200))
    binary = torch.nn.Linear(2, 1)
    torch.testing.assert_close(predict_proba(binary, X), torch.sigmoid(binary(X)).detach())
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=50)
    torch.testing.assert_close(predict(model, loader), out)
    with pytest.raises(ValueError, match="X must contain at least one sample"):
        predict(model, torch.zeros(0, 2))


# ------------------------------------------------------------ no host waits


def test_an_epoch_reads_device_values_a_constant_number_of_times(monkeypatch):
    import collections
    import sys

    counts: collections.Counter[str] = collections.Counter()
    for name in ("item", "__float__", "__bool__", "__int__", "tolist"):
        original = getattr(torch.Tensor, name)

        def counting(self, *args, _original=original, _name=name, **kwargs):
            if sys._getframe(1).f_globals.get("__name__", "").startswith("dlbook"):
                counts[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counting)
    X, y = dl.data.circles(256, seed=0)
    totals = []
    for epochs in (1, 4):
        counts.clear()
        train(
            dl.mlp([2, 8, 2], seed=0),
            X,
            y,
            epochs=epochs,
            batch_size=16,
            seed=0,
            clip_grad_norm=1.0,
        )
        totals.append(sum(counts.values()))
    per_epoch = (totals[1] - totals[0]) / 3  # 16 steps an epoch
    assert per_epoch <= 1, counts


# ------------------------------------------------------------------ CUDA paths


@pytest.mark.cuda
@pytest.mark.parametrize("amp", [torch.float16, torch.bfloat16])
def test_mixed_precision_with_clipping_on_cuda_follows_cpu_float32(cuda_device, amp):
    if amp == torch.bfloat16 and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bfloat16")
    X, y = dl.data.circles(256, seed=0)
    options = {"optimizer": "sgd", "lr": 0.05, "epochs": 5, "batch_size": 64, "seed": 0}
    cpu = train(dl.mlp([2, 32, 2], seed=0), X, y, clip_grad_norm=1.0, **options)
    model = dl.mlp([2, 32, 2], seed=0)
    gpu = train(model, X, y, device=cuda_device, amp=amp, clip_grad_norm=1.0, **options)
    assert dl.devices.module_device(model).type == "cuda"
    assert model[0].weight.dtype == torch.float32  # master weights stay float32
    assert not gpu.diverged and len(gpu.step_loss) == len(cpu.step_loss) == 20
    assert max(abs(a - b) for a, b in zip(cpu.step_loss, gpu.step_loss, strict=True)) < 0.05
    assert gpu.final_loss == pytest.approx(cpu.final_loss, abs=0.05)


@pytest.mark.cuda
def test_float16_on_cuda_uses_an_enabled_scaler_on_cuda(cuda_device):
    model = torch.nn.Linear(2, 2).to(cuda_device)
    step = TrainingStep(model, torch.optim.SGD(model.parameters(), lr=0.1), amp=torch.float16)
    assert step.scaler.is_enabled() and step.scaler._device == "cuda"
    X = torch.randn(8, 2, device=cuda_device)
    result = step(X, torch.randint(0, 2, (8,), device=cuda_device))
    assert result.loss.device.type == "cuda" and result.grad_norm.device.type == "cuda"


@pytest.mark.cuda
def test_pinned_loader_batches_reach_the_gpu(cuda_device):
    X, y = dl.data.circles(128, seed=0)
    loader = dl.benchmark.make_loader(X, y, batch_size=32, shuffle=True, seed=0)
    assert loader.pin_memory
    model = dl.mlp([2, 8, 2], seed=0).to(cuda_device)
    history = train(model, loader, epochs=2, validation=(X, y))
    assert len(history.step_loss) == 8 and not history.diverged
    assert predict(model, X).device.type == "cpu"
