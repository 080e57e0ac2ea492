"""How to call each public callable of dlbook validly, and what to compare it with.

The fuzz test (tests/test_api_fuzz.py) calls every callable of the public API; a
callable whose parameters all have defaults or names in ``api_fuzz.GUESSES`` needs
no entry here. An entry gives valid arguments (``args``), a ``call`` when the thing
to fuzz is a use of the callable (a layer's forward and backward pass, an
optimiser's steps), a ``reference`` computation in torch, NumPy or scikit-learn,
and ``check``\\ s of invariants. ``RECORDS`` are result types (dataclasses, named
tuples and exceptions without checks) and ``EXCLUDED`` what is not fuzzed, each
with its reason.
"""

from __future__ import annotations

import atexit
import contextlib
import gzip
import hashlib
import itertools
import random
import shutil
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import torch
from api_fuzz import Spec
from torch import nn
from torch.nn import functional as F

import dlbook
from dlbook import scratch

#: A folder for files the specs need (downloads, IDX files), removed at exit.
WORK = Path(tempfile.mkdtemp(prefix="dlbook-fuzz-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)

#: Not fuzzed, with the reason.
EXCLUDED = {
    "demos.ddp_train.launch": (
        "starts torchrun and two worker processes (tens of seconds); "
        "tests/demos/test_ddp_train.py runs it and checks its arguments"
    ),
    "demos.ddp_train.main": (
        "the script torchrun runs, reading its rank from the launcher's environment; "
        "tests/demos/test_ddp_train.py runs it under torchrun and outside a launcher"
    ),
    "demos.gpu_benchmark.main": (
        "the command line of the GPU recording (argparse exits on bad arguments); "
        "tests/demos/test_gpu_benchmark.py runs it"
    ),
    "distributed.train_data_parallel": (
        "starts worker processes (seconds each); its argument checks are those of "
        "train_single_process, which is fuzzed, and tests/test_distributed.py runs it"
    ),
}


# --------------------------------------------------------------------- helpers


def T(x: Any) -> torch.Tensor:
    """A float64 tensor of anything array-like (integers and bools converted)."""
    if isinstance(x, torch.Tensor):
        t = x.detach().cpu()
    else:
        t = torch.as_tensor(np.asarray(x))
    if t.is_complex():
        raise TypeError("complex")
    return t.to(torch.float64)


def labels(x: Any) -> torch.Tensor:
    t = x.detach().cpu() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise TypeError("not labels")
    return t.long()


def X2() -> torch.Tensor:
    return torch.tensor(
        [[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [-1.2, -0.4], [0.9, 1.1], [0.1, -0.7]]
    )


def y2() -> torch.Tensor:
    return torch.tensor([0, 1, 1, 0, 1, 0])


def yf() -> torch.Tensor:
    return torch.tensor([0.3, 1.2, -0.4, 0.8, 2.0, -1.0])


def model2() -> nn.Sequential:
    return dlbook.models.mlp([2, 4, 2], seed=0)


def x43() -> np.ndarray:
    return np.linspace(-2.0, 2.0, 12).reshape(4, 3)


def softmax_limit(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Softmax with its limits: +inf entries share all the mass, NaN spreads over its row."""
    pos = torch.isposinf(t)
    count = pos.sum(dim, keepdim=True)
    out = torch.where(count > 0, pos.double() / count.clamp_min(1), torch.softmax(t, dim))
    return torch.where(torch.isnan(t).any(dim, keepdim=True), torch.nan, out)


def log_softmax_limit(t: torch.Tensor, dim: int) -> torch.Tensor:
    pos = torch.isposinf(t)
    count = pos.sum(dim, keepdim=True)
    limit = torch.where(pos, -torch.log(count.clamp_min(1).double()), -torch.inf)
    out = torch.where(count > 0, limit, torch.log_softmax(t, dim))
    return torch.where(torch.isnan(t).any(dim, keepdim=True), torch.nan, out)


def reduce(losses: torch.Tensor, reduction: str) -> torch.Tensor:
    return {"mean": losses.mean, "sum": losses.sum, "none": lambda: losses}[reduction]()


def bce_limit(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy from logits with 0 * inf read as 0 (a sure, right prediction)."""
    first = torch.where(y == 0, 0.0, y * F.softplus(-z))
    second = torch.where(y == 1, 0.0, (1 - y) * F.softplus(z))
    return torch.where(torch.isnan(z) | torch.isnan(y), torch.nan, first + second)


def _axis(x: Any, axis: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError("axis")
    return axis


def ref_softmax(x: Any, axis: int = -1, temperature: float = 1.0) -> torch.Tensor:
    return softmax_limit(T(x) / temperature, _axis(x, axis))


def ref_log_softmax(x: Any, axis: int = -1, temperature: float = 1.0) -> torch.Tensor:
    return log_softmax_limit(T(x) / temperature, _axis(x, axis))


def ref_logsumexp(x: Any, axis: int = -1, keepdims: bool = False) -> torch.Tensor:
    return torch.logsumexp(T(x), _axis(x, axis), keepdim=bool(keepdims))


def ref_naive_softmax(x: Any, axis: int = -1) -> torch.Tensor:
    e = torch.exp(T(x))
    return e / e.sum(_axis(x, axis), keepdim=True)


def ref_cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> torch.Tensor:
    logp = log_softmax_limit(T(logits), 1)
    t = labels(target)
    return reduce(-logp.gather(1, t[:, None]).squeeze(1), reduction)


def ref_bce(logits: Any, target: Any, reduction: str = "mean") -> torch.Tensor:
    return reduce(bce_limit(T(logits), T(target)), reduction)


FIGURE_HTML = (
    '<div class="dlbook-figure"><script type="application/json">{"frames": []}</script></div>'
)


def ref_figure_data(figure: Any) -> list[dict[str, Any]]:
    """The data of FIGURE_HTML; no reference for any other input."""
    if figure != FIGURE_HTML:
        raise LookupError("no reference")
    return [{"frames": []}]


def ref_entropy(p: Any, axis: int = -1) -> torch.Tensor:
    return torch.special.entr(T(p)).sum(_axis(p, axis))


# ------------------------------------------------------------------- scratch


def _grad_like(out: np.ndarray) -> np.ndarray:
    return np.linspace(-1.0, 1.0, out.size).reshape(out.shape).astype(out.dtype)


def run_layer(layer: scratch.Module, x: Any) -> tuple[np.ndarray, np.ndarray]:
    out = layer(x)
    return out, layer.backward(_grad_like(out))


def torch_layer(fn: Any, x: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f" or not np.isfinite(x).all():
        raise TypeError("the engine's reference needs a finite float array")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    out.backward(torch.from_numpy(_grad_like(out.detach().numpy())))
    return out.detach(), t.grad


def elementwise(cls: type[scratch.Module], fn: Any) -> Spec:
    return Spec(
        args=lambda: {"x": x43()},
        call=lambda x: run_layer(cls(), x),
        reference=lambda x: torch_layer(fn, x),
        rtol=1e-6,
        atol=1e-7,
    )


def scratch_linear(in_features=3, out_features=2, bias=True, x=None):
    layer = scratch.Linear(in_features, out_features, bias, seed=0)
    out, grad = run_layer(layer, x43() if x is None else x)
    return out, grad, [p.grad for p in layer.parameters()]


def ref_scratch_linear(in_features=3, out_features=2, bias=True, x=None):
    layer = scratch.Linear(in_features, out_features, bias, seed=0)
    torch_linear = nn.Linear(in_features, out_features, bias=bias).double()
    with torch.no_grad():
        torch_linear.weight.copy_(torch.from_numpy(layer.weight.data))
        if bias:
            torch_linear.bias.copy_(torch.from_numpy(layer.bias.data))
    out, grad = torch_layer(torch_linear, x43() if x is None else x)
    return out, grad, [p.grad for p in torch_linear.parameters()]


class TwoLayers(scratch.Module):
    """A user's composite module: two children assigned as attributes."""

    def __init__(self) -> None:
        self.first = scratch.Linear(3, 4, seed=0)
        self.act = scratch.Tanh()
        self.second = scratch.Linear(4, 2, seed=1)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.second(self.act(self.first(x)))

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        return self.first.backward(self.act.backward(self.second.backward(grad_output)))


def composite(x: Any) -> tuple[Any, ...]:
    module = TwoLayers()
    out, grad = run_layer(module, x)
    return out, grad, len(module.parameters())


def ref_composite(x: Any) -> tuple[Any, ...]:
    module = TwoLayers()
    torch_model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    with torch.no_grad():
        for layer, mine in ((torch_model[0], module.first), (torch_model[2], module.second)):
            layer.weight.copy_(torch.from_numpy(mine.weight.data))
            layer.bias.copy_(torch.from_numpy(mine.bias.data))
    out, grad = torch_layer(torch_model, x)
    return out, grad, 4


def batchnorm(num_features=3, eps=1e-5, momentum=0.1, x=None):
    layer = scratch.BatchNorm1d(num_features, eps, momentum)
    out, grad = run_layer(layer, x43() if x is None else x)
    return out, grad, layer.running_mean, layer.running_var


def ref_batchnorm(num_features=3, eps=1e-5, momentum=0.1, x=None):
    layer = nn.BatchNorm1d(num_features, eps=eps, momentum=momentum).double()
    out, grad = torch_layer(layer, x43() if x is None else x)
    return out, grad, layer.running_mean, layer.running_var


def layernorm(normalized_shape=3, eps=1e-5, x=None):
    return run_layer(scratch.LayerNorm(normalized_shape, eps), x43() if x is None else x)


def ref_layernorm(normalized_shape=3, eps=1e-5, x=None):
    return torch_layer(nn.LayerNorm(normalized_shape, eps=eps).double(), x43() if x is None else x)


def l2normalize(eps=1e-12, x=None):
    return run_layer(scratch.L2Normalize(eps), x43() if x is None else x)


def ref_l2normalize(eps=1e-12, x=None):
    return torch_layer(lambda t: F.normalize(t, dim=1, eps=eps), x43() if x is None else x)


def dropout(p=0.5, seed=0, x=None):
    layer = scratch.Dropout(p, seed=seed)
    x = x43() if x is None else x
    out, grad = run_layer(layer, x)
    return out, grad, x


def check_dropout(result: Any, kwargs: dict[str, Any]) -> None:
    out, _, x = result
    p = float(kwargs["p"])
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-6)


def scratch_loss(cls: type, prediction: Any, target: Any) -> tuple[float, np.ndarray]:
    loss = cls()
    return loss(prediction, target), loss.backward()


def torch_loss(fn: Any, prediction: Any, target: Any, *, target_dtype: Any) -> Any:
    if not isinstance(prediction, np.ndarray) or prediction.dtype.kind != "f":
        raise TypeError("float arrays only")
    if not np.isfinite(prediction).all():
        raise TypeError("no autograd reference for the gradient at infinite logits")
    z = torch.tensor(prediction, dtype=torch.float64, requires_grad=True)
    t = torch.as_tensor(np.asarray(target)).to(target_dtype)
    value = fn(z, t)
    value.backward()
    return value.detach(), z.grad


def scratch_sequential(x: Any) -> tuple[Any, ...]:
    model = scratch.Sequential(scratch.Linear(3, 4, seed=0), scratch.ReLU(), scratch.Linear(4, 2))
    return run_layer(model, x)


def scratch_sgd(lr: float = 0.1) -> np.ndarray:
    p = scratch.Parameter(np.array([1.0, -2.0]))
    p.grad[...] = np.array([0.5, 0.5])
    scratch.SGD([p], lr=lr).step()
    return p.data


def numerical_gradient(x: Any = None, eps: float = 1e-6) -> np.ndarray:
    x = np.array([1.0, -2.0, 0.5]) if x is None else x
    return scratch.numerical_gradient(lambda: float(np.sum(x**2)), x, eps=eps)


def _from_torch_check(engine: scratch.Module, kwargs: dict[str, Any]) -> None:
    model = kwargs["module"]
    x = x43()
    with torch.no_grad():
        expected = model.double()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(engine(x), expected, rtol=1e-6, atol=1e-8)


def check_gradients_ok(result: dict[str, float], kwargs: dict[str, Any]) -> None:
    eps, x = kwargs["eps"], kwargs["x"]
    if not (isinstance(eps, float) and 1e-8 <= eps <= 1e-4) or np.abs(x).max() > 1e3:
        return  # the finite differences themselves are poor: a large error is the right answer
    assert max(result.values()) < 1e-5, f"check_gradients reports {result}"


def small_value_graph() -> Any:
    """``a * b + a`` in the scalar engine, after its backward pass."""
    a = dlbook.demos.backprop.Value(2.0, label="a")
    out = a * dlbook.demos.backprop.Value(-1.0, label="b") + a
    out.backward()
    return out


# --------------------------------------------------------------------- optim


def optimise(factory: Any, start: Any = None, steps: int = 3) -> torch.Tensor:
    start = torch.tensor([1.0, -2.0]) if start is None else start
    w = start.detach().clone().requires_grad_(True)
    opt = factory([w])
    for _ in range(steps):
        opt.zero_grad()
        (w**2 * torch.arange(1, 3)).sum().backward()
        opt.step()
    return w.detach()


# ------------------------------------------------------------------- training


def ref_predict(model: Any, X: Any, batch_size: int = 1024) -> torch.Tensor:
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        was = model.training
        model.eval()
        out = model(T(X).to(dtype))
        model.train(was)
    return out


def ref_predict_proba(model: Any, X: Any, batch_size: int = 1024) -> torch.Tensor:
    logits = ref_predict(model, X)
    return torch.softmax(logits, 1) if logits.shape[1] > 1 else torch.sigmoid(logits)


def ref_evaluate(model: Any, X: Any, y: Any, loss: str = "cross_entropy", batch_size: int = 1024):
    if loss != "cross_entropy":
        raise NotImplementedError
    logits = ref_predict(model, X)
    t = labels(y)
    return {
        "loss": float(F.cross_entropy(logits.double(), t)),
        "accuracy": float((logits.argmax(1) == t).double().mean()),
    }


def ref_accuracy(logits: Any, y: Any) -> float:
    from sklearn.metrics import accuracy_score

    z = T(logits)
    predicted = z.argmax(1) if z.ndim == 2 and z.shape[1] > 1 else (z.reshape(-1) > 0).long()
    return float(accuracy_score(labels(y).numpy(), predicted.numpy()))


def check_train(history: Any, kwargs: dict[str, Any]) -> None:
    model = kwargs["model"]
    finite = all(bool(torch.isfinite(p).all()) for p in model.parameters())
    if not history.diverged:
        assert finite, "history.diverged is False but the model's parameters are not finite"
        assert np.isfinite(history.final_loss), "diverged is False but final_loss is not finite"


def training_step(
    model: Any = None,
    loss: Any = "cross_entropy",
    amp: Any = None,
    clip_grad_norm: Any = None,
    inputs: Any = None,
    targets: Any = None,
) -> torch.Tensor:
    model = model2() if model is None else model
    inputs = X2() if inputs is None else inputs
    targets = y2() if targets is None else targets
    params = model.parameters() if isinstance(model, nn.Module) else [torch.zeros(1)]
    opt = torch.optim.SGD(list(params) or [torch.zeros(1, requires_grad=True)], lr=0.1)
    step = dlbook.training.TrainingStep(
        model, opt, loss=loss, amp=amp, clip_grad_norm=clip_grad_norm
    )
    return step(inputs, targets).loss


# ------------------------------------------------------------------ datasets


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def _file(name: str, data: bytes) -> Path:
    path = WORK / name
    if not path.exists():
        path.write_bytes(data)
    return path


def download_args() -> dict[str, Any]:
    source = _file("source.bin", b"dlbook")
    return {
        "url": source.as_uri(),
        "path": WORK / "downloads" / f"file-{random.randrange(10**9)}.bin",
        "sha256": hashlib.sha256(b"dlbook").hexdigest(),
    }


def _fake_mnist() -> tuple[str, dict[str, dict[str, tuple[str, str]]]]:
    mirror = WORK / "mirror"
    mirror.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    files: dict[str, dict[str, tuple[str, str]]] = {}
    for split, n in (("train", 4), ("test", 3)):
        files[split] = {}
        for part, array in (
            ("images", rng.integers(0, 256, size=(n, 28, 28))),
            ("labels", rng.integers(0, 10, size=n)),
        ):
            name = dlbook.datasets.MNIST_FILES[split][part][0]
            blob = gzip.compress(_idx(array), mtime=0)
            (mirror / name).write_bytes(blob)
            files[split][part] = (name, hashlib.sha256(blob).hexdigest())
    return mirror.as_uri() + "/", files


MIRROR, FAKE_MNIST = _fake_mnist()


@contextlib.contextmanager
def fake_mnist() -> Iterator[None]:
    real = dlbook.datasets.MNIST_FILES
    dlbook.datasets.MNIST_FILES = FAKE_MNIST
    try:
        yield
    finally:
        dlbook.datasets.MNIST_FILES = real


@contextlib.contextmanager
def global_state() -> Iterator[None]:
    """Put back what seed_everything and set_book_style change."""
    python, numpy_state, torch_state = (
        random.getstate(),
        np.random.get_state(),  # noqa: NPY002 (restored below)
        torch.get_rng_state(),
    )
    deterministic = torch.are_deterministic_algorithms_enabled()
    cudnn = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    try:
        with mpl.rc_context():
            yield
    finally:
        random.setstate(python)
        np.random.set_state(numpy_state)  # noqa: NPY002
        torch.set_rng_state(torch_state)
        torch.use_deterministic_algorithms(deterministic)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn


# --------------------------------------------------------------------- check


def register(
    exercise_id="fuzz.example", kind="exact", hint="", by_hand=False, rtol=None, atol=None
):
    from dlbook import check

    check.register(exercise_id, kind=kind, hint=hint, by_hand=by_hand, rtol=rtol, atol=atol)(
        lambda: 4
    )
    try:
        return check.answer(exercise_id, 4, quiet=True)
    finally:
        check.unregister(exercise_id)


def unregister(exercise_id: Any = "fuzz.unregister") -> None:
    from dlbook import check

    check.register("fuzz.unregister")(lambda: 1)
    try:
        check.unregister(exercise_id)
    finally:
        if "fuzz.unregister" in check.exercises("fuzz"):
            check.unregister("fuzz.unregister")


def expect_error(*expected: Any) -> str:
    with dlbook.notebook.expect_error(*expected):
        raise ValueError("expected")
    return "caught"


def seeded(seed: Any = 0) -> torch.Tensor:
    with dlbook.seeding.seeded(seed):
        return torch.rand(2)


# --------------------------------------------------------------------- specs


def _profile() -> list[Any]:
    return dlbook.demos.gradients.vanishing_gradient_experiment(
        depths=2, activations="relu", inits="he", width=4, n_samples=8
    )


def _split_check(result: list[Any], kwargs: dict[str, Any]) -> None:
    arrays = kwargs["arrays"]
    assert len(result) == 2 * len(arrays), "two pieces per array"
    for i, a in enumerate(arrays):
        train, test = result[2 * i], result[2 * i + 1]
        assert len(train) + len(test) == len(a), "the pieces must hold every row once"
        whole = np.concatenate(
            [np.asarray(train).reshape(len(train), -1), np.asarray(test).reshape(len(test), -1)]
        )
        np.testing.assert_array_equal(
            np.sort(whole, axis=0), np.sort(np.asarray(a).reshape(len(a), -1), axis=0)
        )


def _least_squares_check(w: Any, kwargs: dict[str, Any]) -> None:
    X, y = T(kwargs["X"]), T(kwargs["y"])
    best = np.linalg.lstsq(X.numpy(), y.numpy(), rcond=None)[0]
    ours = float(((X @ T(w) - y) ** 2).sum())
    theirs = float(((X.numpy() @ best - y.numpy()) ** 2).sum())
    assert ours <= theirs * (1 + 1e-3) + 1e-6, f"residual {ours} > numpy's {theirs}"


def _polyfit_check(c: Any, kwargs: dict[str, Any]) -> None:
    x, y = T(kwargs["x"]), T(kwargs["y"])
    degree = int(kwargs["degree"])
    V = np.vander(x.numpy(), degree + 1, increasing=True)
    if np.linalg.cond(V) > 1e8:
        return  # ill-conditioned: the residuals of two solvers differ by rounding
    best = np.linalg.lstsq(V, y.numpy(), rcond=None)[0]
    ours = float(((torch.from_numpy(V) @ T(c) - y) ** 2).sum())
    theirs = float(((V @ best - y.numpy()) ** 2).sum())
    assert ours <= theirs * (1 + 1e-3) + 1e-6, f"residual {ours} > numpy's {theirs}"


def _in_unit_interval(x: Any) -> bool:
    """The tent is defined on [0, 1] (its documented domain): no reference outside it."""
    if not bool(((T(x) >= 0) & (T(x) <= 1)).all()):
        raise ValueError("outside the documented domain")
    return True


def _collapsed_check(layer: nn.Linear, kwargs: dict[str, Any]) -> None:
    layers = kwargs["layers"]
    if isinstance(layers, nn.Sequential) and len(layers):
        x = X2().to(layer.weight.dtype)
        with torch.no_grad():
            torch.testing.assert_close(layer(x), layers(x), rtol=1e-3, atol=1e-3)


def _gd_step(X: Any, y: Any, w: Any, lr: float) -> torch.Tensor:
    X, y, w = T(X), T(y), T(w)
    return w - lr * 2.0 / len(y) * X.T @ (X @ w - y)


def _mse_grad(X: Any, y: Any, w: Any) -> torch.Tensor:
    w = T(w).requires_grad_(True)
    ((T(X) @ w - T(y)) ** 2).mean().backward()
    return w.grad


def _one_hot(labels_: Any, num_classes: Any = None) -> torch.Tensor:
    n = -1 if num_classes is None else int(num_classes)
    return F.one_hot(labels(labels_), n).float()


def _clip_args() -> dict[str, Any]:
    w = torch.zeros(2, requires_grad=True)
    w.grad = torch.tensor([3.0, 4.0])
    return {"parameters": [w], "max_norm": 1.0}


def _loader_check(loader: Any, kwargs: dict[str, Any]) -> None:
    if not kwargs["shuffle"]:
        rows = torch.cat([xb for xb, _ in loader])
        torch.testing.assert_close(rows.double(), T(kwargs["X"]), equal_nan=True)


def _clipped(norm: float, kwargs: dict[str, Any]) -> None:
    grads = [p.grad for p in kwargs["parameters"] if getattr(p, "grad", None) is not None]
    after = float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))) if grads else 0
    bound = float(kwargs["max_norm"])
    assert after <= bound * (1 + 1e-5) + 1e-7, f"gradient norm {after} > max_norm {bound}"
    assert norm >= after * (1 - 1e-5) - 1e-7, f"returned norm {norm} < norm after clipping {after}"


def _gradient_norms(model: Any, X: Any, y: Any, loss: str = "cross_entropy") -> dict[str, float]:
    model.zero_grad()
    F.cross_entropy(model(T(X).float()), labels(y)).backward()
    out = {
        name: float(m.weight.grad.norm())
        for name, m in model.named_modules()
        if isinstance(m, nn.Linear)
    }
    model.zero_grad()
    return out


# ---------------------------------------------------------------- distributed


@contextlib.contextmanager
def one_process_group(initialise: bool) -> Iterator[None]:
    """The environment torchrun gives a group of one (and the group itself, when asked)."""
    import os

    import torch.distributed as dist

    names = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(
        RANK="0",
        LOCAL_RANK="0",
        WORLD_SIZE="1",
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(dlbook.distributed.free_port()),
    )
    try:
        if initialise:
            dist.init_process_group("gloo", init_method="env://", rank=0, world_size=1)
        yield
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def rank_info() -> Any:
    return dlbook.distributed.RankInfo(0, 0, 1, "gloo", torch.device("cpu"))


def dataset2() -> torch.utils.data.TensorDataset:
    return torch.utils.data.TensorDataset(X2(), y2())


_RECORDING: dict[str, Any] = {}


def recording() -> dict[str, Any]:
    """One quick CPU recording of the GPU benchmark (made once, copied for each call)."""
    import copy

    if not _RECORDING:
        _RECORDING.update(
            dlbook.demos.gpu_benchmark.record("cpu", quick=True, compile=False, min_run_time=0.001)
        )
    return copy.deepcopy(_RECORDING)


def ridge_check(c: Any, kw: dict[str, Any]) -> None:
    """The ridge normal equations (P^T P + n wd / 2 I) c = P^T y hold, relative to their scale."""
    xs, ys, degree = T(kw["x"]), T(kw["y"]), kw["degree"]
    if not (torch.isfinite(xs).all() and torch.isfinite(ys).all()):
        return
    P = torch.stack([xs**k for k in range(degree + 1)], dim=1)
    A = P.T @ P + kw["weight_decay"] * len(xs) / 2 * torch.eye(degree + 1, dtype=torch.float64)
    c = T(c)
    if not torch.isfinite(A).all() or torch.linalg.cond(A) > 1e8:
        return  # too ill-conditioned for the residual to say anything
    residual = torch.linalg.norm(A @ c - P.T @ ys)
    scale = torch.linalg.norm(A) * torch.linalg.norm(c) + torch.linalg.norm(P.T @ ys)
    assert residual <= 1e-6 * scale + 1e-12, f"normal equations off by {float(residual):.3g}"


SPECS: dict[str, Spec] = {
    # benchmark
    "benchmark.benchmark_matmul": Spec(
        args=lambda: {"sizes": (8,), "warmup": 0, "min_run_time": 0.001}, cost=2
    ),
    "benchmark.benchmark_training_step": Spec(
        args=lambda: {"model": model2(), "batch_size": 4, "warmup": 0, "min_run_time": 0.001},
        cost=2,
    ),
    "benchmark.benchmark_transfer": Spec(
        args=lambda: {"megabytes": 0.01, "device": "cuda", "warmup": 0, "min_run_time": 0.001},
        cost=2,
        needs_cuda=True,
    ),
    "benchmark.linear_training_flop": Spec(
        args=lambda: {"model": model2(), "batch_size": 4},
        # forward and weight gradient of every layer, the input gradient of all but the first
        reference=lambda model, batch_size: (
            batch_size
            * sum(
                (4 if i == 0 else 6) * m.weight.numel()
                for i, m in enumerate(m for m in model.modules() if isinstance(m, nn.Linear))
            )
        ),
    ),
    "benchmark.make_loader": Spec(
        args=lambda: {"X": X2(), "y": y2(), "batch_size": 4},
        check=_loader_check,
    ),
    "benchmark.markdown_table": Spec(
        args=lambda: {"rows": [{"n": 2, "t": 0.5}], "columns": {"size": "{n}", "t": "{t:.2f}"}}
    ),
    "benchmark.matmul_flop": Spec(
        args=lambda: {"n": 4, "k": 3, "m": 2},
        reference=lambda n, k=None, m=None: (
            2 * n * (n if k is None else k) * (n if m is None else m)
        ),
    ),
    "benchmark.profile_operations": Spec(
        args=lambda: {"fn": lambda: torch.ones(2, 2) @ torch.ones(2, 2), "calls": 1, "warmup": 0},
        cost=2,
    ),
    "benchmark.time_function": Spec(
        args=lambda: {"fn": lambda: None, "warmup": 0, "min_run_time": 0.001, "min_blocks": 3},
        cost=2,
    ),
    # check
    "check.answer": Spec(
        args=lambda: {"exercise_id": "mlp.parameter-count", "value": 269322, "quiet": True}
    ),
    "check.get_exercise": Spec(args=lambda: {"exercise_id": "mlp.parameter-count"}),
    "check.hint": Spec(args=lambda: {"exercise_id": "mlp.parameter-count"}),
    "check.register": Spec(call=register),
    "check.unregister": Spec(call=unregister),
    # conv
    "conv.conv2d": Spec(
        args=lambda: {
            "x": torch.arange(32.0).reshape(2, 1, 4, 4),
            "weight": torch.linspace(-1, 1, 8).reshape(2, 1, 2, 2),
            "bias": torch.tensor([0.5, -0.5]),
        },
        reference=lambda x, weight, bias=None, stride=1, padding=0: F.conv2d(
            T(x), T(weight), None if bias is None else T(bias), stride=stride, padding=padding
        ),
        cost=2,
    ),
    "conv.conv_output_size": Spec(
        args=lambda: {"size": 8, "kernel_size": 3},
        reference=lambda size, kernel_size, stride=1, padding=0: (
            (size + 2 * padding - kernel_size) // stride + 1
        ),
        also=("kernel_size", "size", "padding"),
    ),
    # data
    "data.BagOfWords": Spec(
        call=lambda min_count=1, documents=("the cat sat", "the dog sat"): (
            dlbook.data.BagOfWords(min_count=min_count).fit_transform(list(documents))
            if isinstance(documents, tuple)
            else dlbook.data.BagOfWords(min_count=min_count).fit_transform(documents)
        ),
    ),
    "data.binary_inputs": Spec(
        args=lambda: {"n_inputs": 2},
        reference=lambda n_inputs: torch.tensor(list(itertools.product([0, 1], repeat=n_inputs))),
    ),
    "data.blobs": Spec(args=lambda: {"n_samples": 6}),
    "data.circles": Spec(args=lambda: {"n_samples": 6}),
    "data.first_symbol": Spec(args=lambda: {"n_samples": 4, "length": 3}),
    "data.gaussian_cloud": Spec(args=lambda: {"n_samples": 5}),
    "data.grid_cloud": Spec(args=lambda: {"n_per_side": 3}),
    "data.group_train_test_split": Spec(
        args=lambda: {"arrays": (X2(), y2()), "groups": [0, 0, 1, 1, 2, 2], "seed": 0},
        check=_split_check,
    ),
    "data.k_fold_split": Spec(args=lambda: {"n_samples": 6, "k": 3, "seed": 0}),
    "data.train_test_split": Spec(
        args=lambda: {"arrays": (X2(), y2()), "seed": 0}, check=_split_check
    ),
    "data.noisy_line": Spec(args=lambda: {"n_samples": 5}),
    "data.noisy_sine": Spec(args=lambda: {"n_samples": 5}),
    "data.one_hot": Spec(args=lambda: {"labels": torch.tensor([0, 2, 1])}, reference=_one_hot),
    "data.patient_data": Spec(args=lambda: {"n_patients": 4, "per_patient": 2}),
    "data.polynomial_features": Spec(
        args=lambda: {"x": torch.tensor([1.0, 2.0, -3.0]), "degree": 2},
        reference=lambda x, degree, bias=True: torch.from_numpy(
            np.vander(T(x).reshape(-1).numpy(), int(degree) + 1, increasing=True)[
                :, 0 if bias else 1 :
            ]
        ),
    ),
    "data.tokenize": Spec(args=lambda: {"text": "The cat sat."}),
    # datasets
    "datasets.download": Spec(args=download_args, allow={"url": (OSError,)}),
    "datasets.load_digits": Spec(args=lambda: {"test_fraction": 0.25}),
    "datasets.load_mnist": Spec(
        args=lambda: {"split": "test", "root": WORK / "mnist", "mirrors": [MIRROR]},
        setup=fake_mnist,
        allow={"root": (OSError,), "mirrors": (OSError,), "download_missing": (OSError,)},
    ),
    "datasets.read_idx": Spec(
        args=lambda: {"path": _file("tiny-idx1-ubyte", _idx(np.arange(3)))},
        allow={"path": (OSError,)},
    ),
    "datasets.sha256sum": Spec(
        args=lambda: {"path": _file("source.bin", b"dlbook")},
        reference=lambda path: hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        allow={"path": (OSError,)},
    ),
    # devices
    "devices.environment": Spec(args=lambda: {"packages": ("numpy",)}),
    "devices.module_device": Spec(args=lambda: {"module": model2()}),
    "devices.module_dtype": Spec(
        args=lambda: {"module": model2()},
        reference=lambda module: next(module.parameters()).dtype,
    ),
    # diagnostics
    "diagnostics.clip_grad_norm_": Spec(args=_clip_args, mutates=("parameters",), check=_clipped),
    "diagnostics.count_linear_pieces": Spec(
        args=lambda: {"f": lambda x: torch.relu(x - 0.5), "resolution": 257}
    ),
    "diagnostics.gradient_norms": Spec(
        args=lambda: {"model": model2(), "X": X2(), "y": y2()},
        reference=_gradient_norms,
        rtol=1e-4,
        atol=1e-6,
    ),
    "diagnostics.sigmoid_derivative_bound": Spec(
        args=lambda: {"depth": 3}, reference=lambda depth: 0.25**depth
    ),
    # distributed
    "distributed.train_single_process": Spec(
        args=lambda: {"model": nn.Linear(2, 2), "X": X2(), "y": y2(), "epochs": 1}
    ),
    # functional
    "functional.softmax": Spec(
        args=lambda: {"x": np.array([[2.0, 1.0, 0.1], [0.0, -3.0, 5.0]])}, reference=ref_softmax
    ),
    "functional.log_softmax": Spec(
        args=lambda: {"x": np.array([[2.0, 1.0, 0.1], [0.0, -3.0, 5.0]])},
        reference=ref_log_softmax,
    ),
    "functional.logsumexp": Spec(
        args=lambda: {"x": np.array([[2.0, 1.0, 0.1], [0.0, -3.0, 5.0]])},
        reference=ref_logsumexp,
    ),
    "functional.naive_softmax": Spec(
        args=lambda: {"x": np.array([[2.0, 1.0, 0.1], [0.0, -3.0, 5.0]])},
        reference=ref_naive_softmax,
        finite=False,
    ),
    "functional.cross_entropy": Spec(
        args=lambda: {
            "logits": torch.tensor([[2.0, 1.0, 0.1], [0.0, -3.0, 5.0]]),
            "target": torch.tensor([0, 2]),
        },
        reference=ref_cross_entropy,
    ),
    "functional.binary_cross_entropy_with_logits": Spec(
        args=lambda: {"logits": np.array([2.0, -1.0, 0.0]), "target": np.array([1.0, 0.0, 0.3])},
        reference=ref_bce,
    ),
    "functional.entropy": Spec(
        args=lambda: {"p": np.array([[0.5, 0.25, 0.25], [1.0, 0.0, 0.0]])},
        reference=ref_entropy,
        finite=False,  # -inf for a negative entry, as torch.special.entr
    ),
    # interactive
    "interactive.StaticHTML": Spec(args=lambda: {"html": "<p>softmax</p>"}),
    "interactive.plot_softmax": Spec(args=lambda: {"logits": [2.0, 1.0, 0.1]}),
    "interactive.temperature_control": Spec(
        args=lambda: {"logits": [2.0, 1.0, 0.1], "n_steps": 3}, cost=3
    ),
    "interactive.interactive_figure": Spec(
        args=lambda: {
            "frames": [{"series": [{"x": [0, 1], "y": [0, a]}], "text": f"{a}"} for a in (1, 2)],
            "controls": [{"label": "slope", "values": [1, 2]}],
            "alt": "A line",
            "x_range": (0.0, 1.0),
            "y_range": (0.0, 2.0),
        },
        cost=3,
    ),
    "interactive.figure_data": Spec(
        args=lambda: {"figure": FIGURE_HTML},
        reference=ref_figure_data,
    ),
    "interactive.rounded": Spec(
        args=lambda: {"values": [0.12345, 2.0]},
        # JSON has no NaN: non-finite entries become None, a gap in a line (documented)
        reference=lambda values, digits=3: [
            round(float(v), digits) if np.isfinite(float(v)) else None for v in values
        ],
        finite=False,
    ),
    # linear
    "linear.Perceptron": Spec(
        also=("X",),
        call=lambda n_features=2, lr=1.0, X=None, y=None, max_epochs=5: dlbook.linear.Perceptron(
            n_features, lr=lr
        ).fit(
            dlbook.data.binary_inputs(2) if X is None else X,
            torch.tensor([0, 0, 0, 1]) if y is None else y,
            max_epochs=max_epochs,
        ),
    ),
    "linear.gradient_descent_step": Spec(
        args=lambda: {"X": X2(), "y": yf(), "w": torch.zeros(2), "lr": 0.1}, reference=_gd_step
    ),
    "linear.least_squares": Spec(args=lambda: {"X": X2(), "y": yf()}, check=_least_squares_check),
    "linear.least_squares_gd": Spec(args=lambda: {"X": X2(), "y": yf(), "steps": 3}),
    "linear.max_stable_lr": Spec(
        args=lambda: {"X": X2()},
        finite=False,  # infinite for X = 0, as documented
        reference=lambda X: (
            2.0 / float(torch.linalg.eigvalsh(2.0 / len(T(X)) * T(X).T @ T(X)).max())
        ),
    ),
    "linear.mcculloch_pitts": Spec(
        args=lambda: {"x": dlbook.data.binary_inputs(2), "threshold": 1},
        reference=lambda x, threshold: (T(x).sum(-1) >= threshold).long(),
    ),
    "linear.mean_squared_error": Spec(
        args=lambda: {"y_pred": [1.0, 2.0, 4.0], "y": [1.0, 2.0, 2.0]},
        reference=lambda y_pred, y: float(((T(y_pred) - T(y)) ** 2).mean()),
    ),
    "linear.mse_gradient": Spec(
        args=lambda: {"X": X2(), "y": yf(), "w": torch.zeros(2)}, reference=_mse_grad
    ),
    "linear.perceptron_predict": Spec(
        args=lambda: {"X": X2(), "w": torch.tensor([1.0, 1.0]), "b": -0.5},
        reference=lambda X, w, b: (T(X) @ T(w) + T(b) > 0).long(),
    ),
    "linear.perceptron_update": Spec(
        args=lambda: {"w": torch.zeros(2), "b": 0.0, "x": torch.tensor([1.0, 1.0]), "y": 1}
    ),
    "linear.polynomial_fit": Spec(
        args=lambda: {
            "x": torch.linspace(0, 1, 6),
            "y": 3 * torch.linspace(0, 1, 6) + 1,
            "degree": 1,
        },
        check=_polyfit_check,
    ),
    "linear.polynomial_predict": Spec(
        args=lambda: {"coefficients": torch.tensor([1.0, 2.0]), "x": torch.tensor([0.0, 1.0, 2.0])},
        reference=lambda coefficients, x: torch.from_numpy(
            np.polynomial.polynomial.polyval(T(x).numpy(), T(coefficients).numpy())
        ),
    ),
    # models
    "models.Autoencoder": Spec(
        args=lambda: {"encoder": nn.Linear(4, 2), "decoder": nn.Linear(2, 4)}
    ),
    "models.Block": Spec(args=lambda: {"width": 4}),
    "models.DeepMLP": Spec(
        args=lambda: {
            "n_inputs": 2,
            "n_outputs": 2,
            "width": 4,
            "depth": 2,
            "activation": "relu",
            "residual": False,
            "norm": None,
        }
    ),
    "models.SequenceClassifier": Spec(
        args=lambda: {
            "n_inputs": 3,
            "n_classes": 2,
            "cell": "lstm",
            "hidden_size": 4,
            "forget_bias": 1.0,
        }
    ),
    "models.autoencoder": Spec(args=lambda: {"n_inputs": 4, "hidden": (4,)}),
    "models.collapse_linear": Spec(
        args=lambda: {"layers": nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 2))},
        check=_collapsed_check,
    ),
    "models.count_parameters": Spec(
        args=lambda: {"model": model2()},
        reference=lambda model, trainable_only=True: sum(p.numel() for p in model.parameters()),
    ),
    "models.deep_mlp": Spec(args=lambda: {"n_inputs": 2, "n_outputs": 2, "width": 4, "depth": 2}),
    "models.hidden_activations": Spec(args=lambda: {"model": model2(), "X": X2()}),
    "models.initialize_": Spec(args=lambda: {"module": model2(), "seed": 0}),
    "models.mlp": Spec(args=lambda: {"sizes": [2, 4, 2]}),
    "models.mlp_from_parameters": Spec(
        args=lambda: {
            "parameters": [(torch.ones(4, 2), torch.zeros(4)), (torch.ones(2, 4), torch.zeros(2))]
        }
    ),
    "models.sequence_classifier": Spec(
        args=lambda: {"n_inputs": 3, "n_classes": 2, "hidden_size": 4}
    ),
    "models.small_cnn": Spec(args=lambda: {"n_classes": 3, "channels": (2, 4)}),
    # notebook
    "notebook.expect_error": Spec(args=lambda: {"expected": (ValueError,)}, call=expect_error),
    "notebook.glue": Spec(args=lambda: {"name": "fuzz", "value": 1.0}),
    # optim
    "optim.SGD": Spec(
        call=lambda start=None, lr=0.1, momentum=0.0, steps=3: optimise(
            lambda p: dlbook.optim.SGD(p, lr, momentum=momentum), start, steps
        ),
        skip=("start", "steps"),
        reference=lambda start=None, lr=0.1, momentum=0.0, steps=3: optimise(
            lambda p: torch.optim.SGD(p, lr, momentum=momentum), start, steps
        ),
    ),
    "optim.Adam": Spec(
        call=lambda start=None, lr=0.1, betas=(0.9, 0.999), eps=1e-8, steps=3: optimise(
            lambda p: dlbook.optim.Adam(p, lr, betas=betas, eps=eps), start, steps
        ),
        skip=("start", "steps"),
        reference=lambda start=None, lr=0.1, betas=(0.9, 0.999), eps=1e-8, steps=3: optimise(
            lambda p: torch.optim.Adam(p, lr, betas=betas, eps=eps), start, steps
        ),
    ),
    # plotting
    "plotting.plot_boundary": Spec(args=lambda: {"w": torch.tensor([1.0, 1.0]), "b": 0.0}),
    "plotting.plot_decision_surface": Spec(
        args=lambda: {"model": model2(), "X": X2(), "y": y2(), "resolution": 10}, cost=2
    ),
    "plotting.plot_history": Spec(
        args=lambda: {"history": dlbook.training.History(loss=[1.0, 0.5], val_loss=[1.1, 0.6])}
    ),
    "plotting.plot_lines": Spec(
        args=lambda: {"weight": torch.tensor([[1.0, 0.0], [0.0, 1.0]]), "bias": torch.zeros(2)}
    ),
    "plotting.plot_neuron_map": Spec(
        args=lambda: {"model": model2(), "layer": 1, "unit": 0, "resolution": 10}
    ),
    "plotting.plot_points": Spec(args=lambda: {"X": X2(), "y": y2()}),
    "plotting.plot_units_1d": Spec(
        args=lambda: {"model": dlbook.models.mlp([1, 4, 1], seed=0), "resolution": 20}
    ),
    "plotting.set_book_style": Spec(setup=global_state),
    # precision
    "precision.autocast_dtype": Spec(args=lambda: {"device": "cpu"}),
    "precision.make_grad_scaler": Spec(args=lambda: {"device": "cpu", "dtype": torch.bfloat16}),
    # scratch
    "scratch.GELU": elementwise(scratch.GELU, lambda t: F.gelu(t)),
    "scratch.ReLU": elementwise(scratch.ReLU, torch.relu),
    "scratch.Sigmoid": elementwise(scratch.Sigmoid, torch.sigmoid),
    "scratch.Tanh": elementwise(scratch.Tanh, torch.tanh),
    "scratch.SiLU": elementwise(scratch.SiLU, F.silu),
    "scratch.Threshold": elementwise(scratch.Threshold, lambda t: (t > 0).to(t.dtype) + 0 * t),
    "scratch.Softmax": elementwise(scratch.Softmax, lambda t: torch.softmax(t, -1)),
    "scratch.Linear": Spec(call=scratch_linear, reference=ref_scratch_linear, also=("x",)),
    "scratch.Module": Spec(args=lambda: {"x": x43()}, call=composite, reference=ref_composite),
    "scratch.BatchNorm1d": Spec(
        call=batchnorm, reference=ref_batchnorm, rtol=1e-5, atol=1e-7, also=("x",)
    ),
    "scratch.LayerNorm": Spec(
        call=layernorm, reference=ref_layernorm, rtol=1e-5, atol=1e-7, also=("x",)
    ),
    "scratch.L2Normalize": Spec(call=l2normalize, reference=ref_l2normalize),
    "scratch.Dropout": Spec(call=dropout, check=check_dropout),
    "scratch.MSELoss": Spec(
        args=lambda: {"prediction": x43(), "target": x43()[::-1].copy()},
        call=lambda prediction, target: scratch_loss(scratch.MSELoss, prediction, target),
        reference=lambda prediction, target: torch_loss(
            F.mse_loss, prediction, target, target_dtype=torch.float64
        ),
    ),
    "scratch.BCEWithLogitsLoss": Spec(
        args=lambda: {"prediction": x43(), "target": (x43() > 0).astype(float)},
        call=lambda prediction, target: scratch_loss(scratch.BCEWithLogitsLoss, prediction, target),
        reference=lambda prediction, target: torch_loss(
            lambda z, t: reduce(bce_limit(z, t), "mean"),
            prediction,
            target,
            target_dtype=torch.float64,
        ),
    ),
    "scratch.CrossEntropyLoss": Spec(
        args=lambda: {"prediction": x43(), "target": np.array([0, 2, 1, 1])},
        call=lambda prediction, target: scratch_loss(scratch.CrossEntropyLoss, prediction, target),
        reference=lambda prediction, target: torch_loss(
            lambda z, t: -log_softmax_limit(z, 1).gather(1, t[:, None]).mean(),
            prediction,
            labels(target),
            target_dtype=torch.int64,
        ),
    ),
    "scratch.Parameter": Spec(
        args=lambda: {"data": np.zeros(3)},
        check=lambda p, kw: np.testing.assert_array_equal(p.grad, np.zeros_like(p.data)),
    ),
    "scratch.Sequential": Spec(args=lambda: {"x": x43()}, call=scratch_sequential),
    "scratch.SGD": Spec(
        call=scratch_sgd, reference=lambda lr=0.1: np.array([1.0, -2.0]) - lr * 0.5
    ),
    "scratch.check_gradients": Spec(
        args=lambda: {"module": scratch.Linear(3, 2, seed=0), "x": np.ones((4, 3))},
        check=check_gradients_ok,
    ),
    "scratch.from_torch": Spec(
        args=lambda: {"module": nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))},
        check=_from_torch_check,
    ),
    "scratch.mlp": Spec(args=lambda: {"sizes": [3, 4, 2], "seed": 0}),
    "scratch.numerical_gradient": Spec(
        call=numerical_gradient,
        reference=lambda x=None, eps=1e-6: (
            2 * (np.array([1.0, -2.0, 0.5]) if x is None else x) if eps <= 1e-3 else NotImplemented
        ),
        rtol=1e-5,
        atol=1e-6,
    ),
    # seeding
    "seeding.make_generator": Spec(
        args=lambda: {"seed": 0},
        check=lambda g, kw: (
            None
            if kw["seed"] is None
            else (
                None
                if g.initial_seed() == int(kw["seed"])
                else (_ for _ in ()).throw(
                    AssertionError(f"initial_seed {g.initial_seed()} != {kw['seed']}")
                )
            )
        ),
    ),
    "seeding.seed_everything": Spec(args=lambda: {"seed": 0}, setup=global_state),
    "seeding.seeded": Spec(call=seeded, setup=global_state),
    # shapes
    "shapes.shape_table": Spec(args=lambda: {"model": model2(), "x": (5, 2)}),
    "shapes.trace_shapes": Spec(args=lambda: {"model": model2(), "x": (5, 2)}),
    # training
    "training.EarlyStopping": Spec(),
    "training.TrainingStep": Spec(call=training_step),
    "training.accuracy": Spec(
        args=lambda: {
            "logits": torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 3.0]]),
            "y": torch.tensor([0, 0, 1]),
        },
        reference=ref_accuracy,
    ),
    "training.evaluate": Spec(
        args=lambda: {"model": model2(), "X": X2(), "y": y2()},
        reference=ref_evaluate,
        rtol=1e-4,
        atol=1e-5,
    ),
    "training.get_loss": Spec(args=lambda: {"loss": "mse"}),
    "training.predict": Spec(args=lambda: {"model": model2(), "X": X2()}, reference=ref_predict),
    "training.predict_proba": Spec(
        args=lambda: {"model": model2(), "X": X2()}, reference=ref_predict_proba
    ),
    "training.train": Spec(
        args=lambda: {"model": model2(), "X": X2(), "y": y2(), "epochs": 2, "seed": 0},
        check=check_train,
        mutates=("model",),
        cost=2,
    ),
    # demos
    "demos.approximation.folded_plane_network": Spec(
        args=lambda: {"folds": 1, "weight": [[1.0, 0.0], [0.3, -1.0]], "bias": [-0.5, 0.2]}
    ),
    "demos.approximation.relu_interpolant": Spec(
        args=lambda: {"knots_x": [0.0, 1.0, 2.0], "knots_y": [0.0, 1.0, 0.0]}
    ),
    "demos.approximation.sawtooth": Spec(
        args=lambda: {"x": torch.tensor([0.125, 0.25, 0.5]), "depth": 2},
        reference=lambda x, depth: (
            _in_unit_interval(x)
            and (lambda t: [t := 2 * torch.minimum(t, 1 - t) for _ in range(depth)][-1])(T(x))
        ),
    ),
    "demos.approximation.sawtooth_network": Spec(args=lambda: {"depth": 2}),
    "demos.approximation.shallow_sawtooth": Spec(args=lambda: {"depth": 2}),
    "demos.approximation.tent_map": Spec(
        args=lambda: {"x": torch.tensor([0.0, 0.25, 0.5, 1.0])},
        reference=lambda x: _in_unit_interval(x) and 2 * torch.minimum(T(x), 1 - T(x)),
    ),
    "demos.approximation.width_sweep": Spec(
        args=lambda: {
            "f": torch.sin,
            "widths": [2, 4],
            "method": "knots",
            "n_points": 16,
            "steps": 2,
        },
        cost=2,
    ),
    "demos.backprop.Value": Spec(
        args=lambda: {"data": 2.0, "label": "x"},
        check=lambda v, kw: np.testing.assert_array_equal([v.data, v.grad], [kw["data"], 0.0]),
    ),
    "demos.backprop.plot_graph": Spec(args=lambda: {"root": small_value_graph()}),
    "demos.backprop.finite_difference_errors": Spec(
        args=lambda: {"epsilons": [1e-2, 1e-6], "n_in": 2, "n_out": 3}
    ),
    "demos.backprop.two_one_one_step": Spec(
        args=lambda: {
            "x": (1.0, 0.0),
            "y": 1.0,
            "w1": (0.5, -0.5),
            "b1": 0.0,
            "w2": 1.0,
            "b2": 0.0,
            "lr": 1.0,
        }
    ),
    "demos.digits.compare_on_digits": Spec(args=lambda: {"epochs": 1, "batch_size": 512}, cost=10),
    "demos.geometry.apply_layer": Spec(
        args=lambda: {"layer": lambda x: 2 * x, "X": np.ones((3, 2))},
        reference=lambda layer, X: 2 * T(X) if callable(layer) else None,
    ),
    "demos.geometry.plot_cloud": Spec(args=lambda: {"points": dlbook.data.grid_cloud(3)}),
    "demos.geometry.plot_layer_gallery": Spec(
        args=lambda: {"layers": {"doubled": lambda x: 2 * x}, "X": dlbook.data.grid_cloud(3)},
        cost=2,
    ),
    "demos.digits.gradient_histograms": Spec(
        args=lambda: {"images": np.random.default_rng(0).random((3, 8, 8))}
    ),
    "demos.gradients.gradient_through_time": Spec(
        args=lambda: {"length": 5, "hidden_size": 4, "n_samples": 8, "seeds": (0, 1)},
        cost=2,
    ),
    "demos.gradients.residual_stream_rms": Spec(
        args=lambda: {
            "model": dlbook.models.deep_mlp(2, 2, width=4, depth=3, residual=True, seed=0),
            "X": torch.randn(8, 2, generator=torch.Generator().manual_seed(0)),
        }
    ),
    "demos.gradients.signal_statistics": Spec(
        args=lambda: {
            "model": dlbook.models.deep_mlp(2, 2, width=4, depth=3, seed=0),
            "X": torch.randn(8, 2, generator=torch.Generator().manual_seed(0)),
        }
    ),
    "demos.gradients.plot_gradient_profiles": Spec(args=lambda: {"profiles": _profile()}),
    "demos.gradients.vanishing_gradient_experiment": Spec(
        args=lambda: {
            "depths": 2,
            "activations": "relu",
            "inits": "he",
            "width": 4,
            "n_samples": 8,
        },
        cost=2,
    ),
    "demos.interactive_figures.approximation_width": Spec(
        args=lambda: {"widths": [1, 4], "n_points": 11}, cost=5
    ),
    "demos.interactive_figures.gradient_profile": Spec(
        args=lambda: {
            "depth": 2,
            "width": 4,
            "activations": ["tanh", "relu"],
            "inits": ["he", "xavier"],
        },
        cost=5,
    ),
    "demos.interactive_figures.mlp_training": Spec(
        args=lambda: {"steps": [0, 2], "hidden": 2, "resolution": 4}, cost=5
    ),
    "demos.interactive_figures.optimizer_paths": Spec(
        args=lambda: {"lrs": [0.01, 0.05], "momenta": [0.0, 0.9], "steps": 3}, cost=5
    ),
    "demos.interactive_figures.perceptron_boundary": Spec(
        args=lambda: {"angles": [0.0, 90.0], "biases": [0.0, 1.0], "n_samples": 6}, cost=5
    ),
    "demos.interactive_figures.softmax_temperature": Spec(
        args=lambda: {"logits": [1.0, 0.0], "n_steps": 2}, cost=5
    ),
    "demos.regions.folding_network": Spec(args=lambda: {"folds": 2}),
    "demos.regions.dead_unit_history": Spec(
        args=lambda: {"model": model2(), "X": X2(), "y": y2(), "epochs": 2}
    ),
    "demos.logic.xor_from_random_starts": Spec(
        args=lambda: {"hidden": 2, "seeds": [0, 1], "epochs": 3}
    ),
    "demos.logic.find_threshold": Spec(args=lambda: {"targets": [0, 1, 1, 1]}),
    "demos.optimizers.descend": Spec(
        args=lambda: {
            "fn": dlbook.demos.optimizers.ravine,
            "start": [2.0, 1.0],
            "make_optimizer": lambda p: dlbook.optim.SGD(p, lr=0.05),
            "steps": 3,
        }
    ),
    "demos.optimizers.plot_paths": Spec(
        args=lambda: {"paths": {"SGD": torch.tensor([[-4.0, 1.5], [-3.0, 1.0], [-2.0, 0.2]])}}
    ),
    "demos.optimizers.ravine": Spec(
        args=lambda: {"w": torch.tensor([1.0, 1.0])},
        reference=lambda w, curvature=20.0: (
            0.5 * (T(w)[..., 0] ** 2 + curvature * T(w)[..., 1] ** 2)
        ),
    ),
    "demos.overfitting.bias_variance": Spec(
        args=lambda: {"degrees": [0, 1], "n_train": 4, "n_datasets": 3, "n_points": 5}
    ),
    "demos.overfitting.plot_polynomial": Spec(
        args=lambda: {"coefficients": torch.tensor([0.0, 1.0])}
    ),
    "demos.overfitting.polynomial_errors": Spec(
        args=lambda: {
            "x_train": torch.linspace(0, 1, 8),
            "y_train": 3 * torch.linspace(0, 1, 8),
            "x_test": torch.linspace(0, 1, 5),
            "y_test": 3 * torch.linspace(0, 1, 5),
            "degrees": [0, 1],
        }
    ),
    "demos.pitfalls.accumulated_gradient": Spec(
        args=lambda: {"model": nn.Linear(2, 2), "X": X2(), "y": y2(), "backward_calls": 2}
    ),
    "demos.pitfalls.batch_dependence": Spec(
        args=lambda: {"model": dlbook.models.mlp([2, 4, 2], norm="batch", seed=0), "X": X2()}
    ),
    "demos.pitfalls.dead_units": Spec(args=lambda: {"activation": "elu", "steps": 3}),
    "demos.pitfalls.prediction_spread": Spec(
        args=lambda: {
            "model": dlbook.models.mlp([2, 4, 2], dropout=0.5, seed=0),
            "X": X2(),
            "repeats": 2,
            "seed": 0,
        }
    ),
    "demos.pitfalls.saved_tensor_bytes": Spec(args=lambda: {"model": model2(), "X": X2()}),
    "demos.pitfalls.training_losses": Spec(
        args=lambda: {
            "model": nn.Linear(2, 2),
            "X": X2(),
            "y": y2(),
            "steps": 2,
            "batch_size": 4,
            "seed": 0,
        }
    ),
    "demos.precision.matmul_error": Spec(args=lambda: {"dtype": torch.float32, "n": 8}),
    "benchmark.measure_memory": Spec(
        args=lambda: {"fn": lambda: torch.ones(4), "device": "cuda"}, needs_cuda=True
    ),
    "demos.descent.plot_mse_contours": Spec(
        args=lambda: {
            "X": torch.tensor([[1.0, -1.0], [1.0, 0.0], [1.0, 1.0]]),
            "y": torch.tensor([0.0, 1.0, 2.0]),
            "paths": {"GD": torch.tensor([[0.0, 0.0], [0.5, 0.4], [0.8, 0.8]])},
            "extent": (-1.0, 2.0, -1.0, 2.0),
        }
    ),
    "demos.diagrams.plot_network": Spec(args=lambda: {"sizes": [2, 3, 1]}),
    "demos.gpu_benchmark.load_recorded": Spec(args=lambda: {"folder": WORK}),
    "demos.gpu_benchmark.record": Spec(
        args=lambda: {"device": "cuda", "quick": True, "compile": False, "min_run_time": 0.001},
        cost=5,
        needs_cuda=True,
    ),
    "demos.gpu_benchmark.recorded_tables": Spec(args=lambda: {"run": recording()}),
    "demos.memory.plot_memory_order": Spec(args=lambda: {"t": torch.arange(6.0).reshape(2, 3)}),
    "demos.memory.storage_positions": Spec(
        args=lambda: {"t": torch.arange(6.0).reshape(2, 3)[:, ::2]},
        reference=lambda t: torch.as_strided(
            torch.arange(t.untyped_storage().nbytes() // t.element_size()),
            t.shape,
            t.stride(),
            t.storage_offset(),
        ),
    ),
    "demos.overfitting.ridge_polynomial_fit": Spec(
        args=lambda: {
            "x": torch.linspace(-1, 1, 8),
            "y": torch.linspace(-1, 1, 8) ** 2,
            "degree": 2,
            "weight_decay": 1e-3,
        },
        check=ridge_check,
    ),
    "demos.overfitting.selection_experiment": Spec(
        args=lambda: {"seed": 0, "degrees": (0, 1, 2), "weight_decays": (1e-3, 1e-1)}, cost=2
    ),
    "demos.overfitting.weight_decay_errors": Spec(
        args=lambda: {
            "x_train": torch.linspace(0, 1, 8),
            "y_train": 3 * torch.linspace(0, 1, 8),
            "x_eval": torch.linspace(0, 1, 5),
            "y_eval": 3 * torch.linspace(0, 1, 5),
            "degree": 2,
            "weight_decays": [1e-3, 1e-1],
        }
    ),
    "demos.regions.max_regions": Spec(
        args=lambda: {"n_units": 3},
        reference=lambda n_units, n_inputs=2: sum(
            __import__("math").comb(n_units, k) for k in range(n_inputs + 1)
        ),
    ),
    "demos.separability.cover_count": Spec(
        args=lambda: {"n_points": 4, "dim": 2},
        reference=lambda n_points, dim: (
            2 * sum(__import__("math").comb(n_points - 1, k) for k in range(dim + 1))
        ),
    ),
    "distributed.init_from_env": Spec(
        args=lambda: {"backend": "gloo"}, setup=lambda: one_process_group(False), cost=5
    ),
    "distributed.rank_device": Spec(args=lambda: {"backend": "gloo", "local_rank": 0}),
    "distributed.shard_loader": Spec(
        args=lambda: {"dataset": dataset2(), "batch_size": 2, "world_size": 2, "rank": 0},
        also=("world_size", "batch_size", "rank"),
    ),
    "distributed.train_rank": Spec(
        args=lambda: {
            "model": model2(),
            "dataset": dataset2(),
            "info": rank_info(),
            "epochs": 1,
            "batch_size": 2,
        },
        setup=lambda: one_process_group(True),
        mutates=("model",),
        cost=5,
    ),
}
