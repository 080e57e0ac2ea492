"""The machinery of the fuzz test of dlbook's public API (tests/test_api_fuzz.py).

Every callable in the ``__all__`` of every public module of dlbook (the core modules
listed in ``dlbook/__init__.pyi``, the demos in ``dlbook/demos/__init__.pyi`` and
``dlbook.check``) is found by :func:`public_callables`, so a new function is fuzzed as
soon as it is exported. Its valid arguments come from :data:`GUESSES` (by parameter
name: ``model``, ``X``, ``y``, ``seed``, ...) and the signature's defaults, or from its
entry in ``SPECS`` (tests/api_specs.py), which also names a reference computation
(torch, numpy, scikit-learn) to compare a result with.

One *case* replaces one argument of a valid call by a variant drawn with hypothesis:
for an array, another shape (empty, size 1, a dimension more or less, a column more),
another dtype (float16 to float64, integers, bool, complex), NaN or infinity, huge
values, another container (tensor, array, list, a tensor that requires grad); for a
number, a negative, zero, NaN, infinity, a bool or a string; for a device, "cuda" or
"mps" where there is none; for anything, a wrong type. Its outcome is one of

* ``"result"``: the call returned, and the result agrees with the reference (when
  there is one), is finite when every input was, and left the inputs unchanged;
* ``"clear"``: a ``ValueError`` or ``TypeError`` raised by dlbook's own code whose
  message names the argument;
* ``"unnamed"``: a dlbook ``ValueError``/``TypeError`` that does not name it;
* ``"raw"``: any other exception (from torch, numpy, Python), or a hang;
* ``"silent"``: a result that a reference disagrees with, a non-finite result from
  finite inputs, or an input changed in place;
* ``"harness"``: an exception raised by the test's own code (a spec to fix).

The last four are failures. ``DLBOOK_FUZZ_REPORT=path.json`` records every case
instead of failing, and writes the counts and the failing cases to that file.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib
import inspect
import json
import math
import os
import re
import signal
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from torch import nn

import dlbook

DLBOOK_DIR = Path(dlbook.__file__).resolve().parent
REPORT = os.environ.get("DLBOOK_FUZZ_REPORT")
#: Seconds one call may take before it counts as a hang.
TIMEOUT = float(os.environ.get("DLBOOK_FUZZ_TIMEOUT", "120"))

# The first optimiser step imports parts of torch lazily; done here, a time limit can
# never interrupt that import halfway (which would break every later step).
torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1).step()

BAD = ("unnamed", "raw", "silent", "harness")
TESTS_DIR = Path(__file__).resolve().parent


# ------------------------------------------------------------------ the public API


def public_modules() -> list[str]:
    """Dotted names (relative to dlbook) of every public module, demos included."""
    names = []
    for name in dlbook.__all__:
        if inspect.ismodule(getattr(dlbook, name, None)):
            names.append(name)
    names.remove("demos")
    names += [f"demos.{name}" for name in importlib.import_module("dlbook.demos").__all__]
    return sorted(names)


def public_callables() -> dict[str, Any]:
    """``{"module.name": object}`` for every callable in a public module's ``__all__``."""
    found = {}
    for module_name in public_modules():
        module = importlib.import_module(f"dlbook.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj):
                found[f"{module_name}.{name}"] = obj
    return found


def is_record(obj: Any) -> bool:
    """Result records (dataclasses and named tuples without checks of their own)."""
    if not inspect.isclass(obj):
        return False
    if issubclass(obj, tuple) and hasattr(obj, "_fields"):
        return True
    if issubclass(obj, BaseException):
        return True
    if dataclasses.is_dataclass(obj):
        return "__post_init__" not in vars(obj)
    return False


# ------------------------------------------------------------------------ specs


@dataclasses.dataclass
class Spec:
    """How to call one public callable validly, and what to compare its result with.

    ``args`` builds fresh valid arguments by parameter name; parameters it leaves out
    take their defaults (or a guess from :data:`GUESSES`). ``call`` replaces the
    callable, e.g. to build a layer and run its forward and backward pass; its own
    parameters are then the ones fuzzed. ``reference(**kwargs)`` returns the expected
    result (an exception means "no reference for these arguments"). ``check(result,
    kwargs)`` asserts invariants. ``skip`` lists parameters that are not fuzzed,
    ``allow`` exception types a parameter documents (``"*"``: any parameter).
    ``finite=False``: a non-finite result from finite inputs is fine. ``cost``
    divides the number of examples for slow callables. ``setup`` is a context manager
    around each call (restoring global state). ``needs_cuda``: without CUDA, the valid
    call must be a clear error naming ``device``. ``also``: arguments whose name in an
    error counts as naming any argument (sizes checked against each other).
    """

    args: Callable[[], dict[str, Any]] = dict
    call: Callable[..., Any] | None = None
    reference: Callable[..., Any] | None = None
    check: Callable[[Any, dict[str, Any]], None] | None = None
    skip: tuple[str, ...] = ()
    allow: dict[str, tuple[type[BaseException], ...]] = dataclasses.field(default_factory=dict)
    finite: bool = True
    cost: int = 1
    mutates: tuple[str, ...] = ()
    rtol: float | None = None
    atol: float | None = None
    setup: Callable[[], contextlib.AbstractContextManager[Any]] | None = None
    needs_cuda: bool = False
    also: tuple[str, ...] = ()


def _features() -> torch.Tensor:
    return torch.tensor(
        [[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [-1.2, -0.4], [0.9, 1.1], [0.1, -0.7]]
    )


def _labels() -> torch.Tensor:
    return torch.tensor([0, 1, 1, 0, 1, 0])


#: Valid values of parameters by name, for callables without a spec (and as defaults).
GUESSES: dict[str, Callable[[], Any]] = {
    "model": lambda: dlbook.models.mlp([2, 4, 2], seed=0),
    "X": _features,
    "y": _labels,
    "x": _features,
    "seed": lambda: 0,
    "n_samples": lambda: 6,
    "n_inputs": lambda: 2,
    "n_classes": lambda: 2,
    "n_features": lambda: 2,
    "epochs": lambda: 1,
    "steps": lambda: 2,
    "lr": lambda: 0.1,
    "depth": lambda: 2,
    "width": lambda: 4,
    "batch_size": lambda: 4,
    "device": lambda: None,
    "ax": lambda: None,
}


def signature_of(spec: Spec, obj: Any) -> inspect.Signature:
    return inspect.signature(spec.call if spec.call is not None else obj)


def valid_arguments(name: str, obj: Any, spec: Spec) -> dict[str, Any]:
    """Fresh valid arguments: the spec's, then the defaults, then guesses by name."""
    given = spec.args()
    out: dict[str, Any] = {}
    for param in signature_of(spec, obj).parameters.values():
        if param.name in given:
            out[param.name] = given[param.name]
        elif param.kind is param.VAR_KEYWORD:
            continue
        elif param.kind is param.VAR_POSITIONAL:
            out[param.name] = ()
        elif param.default is not param.empty:
            out[param.name] = param.default
        elif param.name in GUESSES:
            out[param.name] = GUESSES[param.name]()
        else:
            raise LookupError(
                f"dl.{name}: no valid value for its argument {param.name!r}; add an entry to "
                "SPECS in tests/api_specs.py (or a guess for the name to GUESSES)"
            )
    return out


def invoke(obj: Any, spec: Spec, kwargs: dict[str, Any]) -> Any:
    """Call with ``kwargs``: parameters before a ``*args`` positionally, then ``*args``."""
    target = spec.call if spec.call is not None else obj
    params = list(inspect.signature(target).parameters.values())
    star = any(p.kind is p.VAR_POSITIONAL for p in params)
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for param in params:
        if param.name not in kwargs:
            continue
        value = kwargs[param.name]
        if param.kind is param.VAR_POSITIONAL:
            positional.extend(value)
        elif param.kind is param.POSITIONAL_ONLY or (
            star and param.kind is param.POSITIONAL_OR_KEYWORD
        ):
            positional.append(value)
        else:
            keywords[param.name] = value
    return target(*positional, **keywords)


# -------------------------------------------------------------------- variants


class Case(dict):
    """A drawn variant: ``value`` and the ``tags`` saying what it is (for the checks)."""


WRONG_TYPES = (None, "text", object(), {"key": 1}, b"bytes", 1 + 2j)
DEVICES = ("cuda", "cuda:1", "mps", "tpu", "cpu", 0, -1, 2.5)
DTYPES = (
    torch.int64,
    torch.bool,
    torch.float16,
    torch.bfloat16,
    torch.float64,
    torch.complex64,
    "float32",
    np.float32,
    None,
    3,
)
NUMPY_DTYPES = (
    "float16",
    "float32",
    "float64",
    "int8",
    "uint8",
    "int32",
    "int64",
    "bool",
    "complex64",
)
SHAPE_OPS = ("empty", "one", "drop_dim", "add_dim", "scalar", "transpose", "widen")
VALUE_OPS = ("nan", "inf", "-inf", "huge", "negative", "shift", "zeros")


def _tagged(value: Any, *tags: str) -> tuple[Any, frozenset[str]]:
    return value, frozenset(tags)


def _constant(values: tuple[Any, ...], *tags: str) -> st.SearchStrategy:
    return st.sampled_from(range(len(values))).map(lambda i: _tagged(values[i], *tags))


def _as_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        return tensor.numpy().copy()
    return np.array(value)


def _shape_op(a: np.ndarray, op: str) -> np.ndarray:
    if op == "empty":
        return a[:0] if a.ndim else a.reshape(1)[:0]
    if op == "one":
        return a[:1] if a.ndim else a.reshape(1)
    if op == "drop_dim":
        return a[0] if a.ndim and len(a) else a.reshape(-1)
    if op == "add_dim":
        return a[None]
    if op == "scalar":
        return a.reshape(-1)[0] if a.size else np.asarray(1.0)
    if op == "transpose":
        return a.T.copy() if a.ndim >= 2 else a[:, None] if a.ndim == 1 else a
    if op == "widen":
        if a.ndim == 0 or a.shape[-1] == 0:
            return a[None]
        return np.concatenate([a, a[..., :1]], axis=-1)
    raise AssertionError(op)


def _value_op(a: np.ndarray, op: str) -> np.ndarray:
    if op in ("nan", "inf", "-inf", "huge"):
        a = a.astype(np.float64) if a.dtype.kind not in "fc" else a.copy()
        if op == "huge":
            return a * 1e30 + 1e30
        if a.size:
            a.reshape(-1)[0] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[op]
        return a
    if op == "negative":
        return -np.abs(a.astype(np.int64) if a.dtype == bool else a) - 1
    if op == "shift":
        return (a.astype(np.int64) if a.dtype == bool else a) + 7
    if op == "zeros":
        return np.zeros_like(a)
    raise AssertionError(op)


def _container(a: np.ndarray, like: Any, how: str, dtype: str | None) -> Any:
    if how == "list":
        return a.tolist()
    if how == "numpy":
        return a
    tensor = torch.from_numpy(np.ascontiguousarray(a)) if a.dtype.kind != "U" else a
    if dtype == "bfloat16":
        tensor = tensor.to(torch.bfloat16)
    if how == "requires_grad" and isinstance(tensor, torch.Tensor):
        if tensor.is_floating_point():
            tensor = tensor.clone().requires_grad_(True)
    return tensor


@st.composite
def array_variant(draw: Any, base: Any) -> tuple[Any, frozenset[str]]:
    """Another array like ``base``: changed shape, dtype, values or container."""
    a = _as_numpy(base)
    tags = set()
    kind = draw(st.sampled_from(("shape", "dtype", "value", "container", "two")))
    kinds = [draw(st.sampled_from(("shape", "dtype", "value"))) for _ in range(2)]
    for k in kinds if kind == "two" else [kind]:
        if k == "shape":
            op = draw(st.sampled_from(SHAPE_OPS))
            a = _shape_op(a, op)
            tags.add("shape")
            tags.add(op)
        elif k == "dtype":
            dtype = draw(st.sampled_from(NUMPY_DTYPES))
            with np.errstate(invalid="ignore", over="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                a = a.astype(dtype)
            tags.add("dtype")
            tags.add(dtype)
            if dtype == "float16" and np.isinf(a).any():
                tags.add("huge")
        elif k == "value":
            op = draw(st.sampled_from(VALUE_OPS))
            a = _value_op(a, op)
            tags.add("value")
            tags.add(op)
    if kind == "container":
        how = draw(st.sampled_from(("list", "numpy", "torch", "requires_grad", "bfloat16")))
        tags.add(how)
    else:
        how = (
            "torch"
            if isinstance(base, torch.Tensor)
            else "numpy"
            if isinstance(base, np.ndarray)
            else "list"
        )
    if how == "bfloat16":
        if a.dtype.kind != "f":
            a = a.astype(np.float32)
        return _tagged(_container(a, base, "torch", "bfloat16"), *tags, "bfloat16")
    if a.ndim and a.dtype.kind in "fc" and not np.isfinite(a).all():
        tags.add("nonfinite")
    elif a.ndim == 0 and a.dtype.kind in "fc" and not np.isfinite(a):
        tags.add("nonfinite")
    return _tagged(_container(a, base, how, None), *tags)


def _sequence_variant(base: Any) -> st.SearchStrategy:
    items = list(base)
    first = items[0] if items else 1
    options = (
        [],
        [first],
        [*items, first],
        [-1 for _ in items] or [-1],
        [0 for _ in items] or [0],
        [2.5 for _ in items] or [2.5],
        [math.nan for _ in items] or [math.nan],
        ["a" for _ in items] or ["a"],
        np.asarray(items),
        tuple(items),
        "ab",
    )
    return st.one_of(
        _constant(tuple(options[:3]), "shape"),
        _constant(tuple(options[3:6]), "value"),
        _constant((options[6],), "value", "nonfinite"),
        _constant(tuple(options[7:]), "type"),
    )


def model_variants(base: nn.Module) -> tuple[Any, ...]:
    double = copy.deepcopy(base).double()
    half = copy.deepcopy(base).half()
    return (
        double,
        half,
        nn.Linear(7, 3),
        nn.Sequential(),
        nn.Identity(),
        lambda x: x,
        "mlp",
        object(),
    )


def variants(name: str, base: Any) -> st.SearchStrategy:
    """Hypothesis strategy of ``(value, tags)`` replacing the argument ``name``."""
    wrong = _constant(WRONG_TYPES, "type")
    if name in ("device", "prefer"):
        return st.one_of(_constant(DEVICES, "device"), wrong)
    if name in ("dtype", "amp", "autocast_dtype"):
        return _constant(DTYPES, "dtype")
    if name == "seed":
        return st.one_of(_constant((-1, 2**64 + 1, 1.5, "0", True, np.int64(3), 3), "value"), wrong)
    if isinstance(base, bool):
        return st.one_of(_constant((0, 1, 2, "yes", np.bool_(not base)), "value"), wrong)
    if isinstance(base, (int, np.integer)):
        base = int(base)
        return st.one_of(
            _constant((-1, 0, 1, 2, base + 1, -base - 2, 2.5, True, np.int64(base)), "value"),
            _constant((math.nan,), "nonfinite"),
            _constant(("3", float(base)), "type"),
            wrong,
        )
    if isinstance(base, (float, np.floating)):
        base = float(base)
        return st.one_of(
            _constant((-1.0, 0.0, 1e-30, 2.0, -base, True, np.float32(base), 1), "value"),
            _constant((math.nan, math.inf, -math.inf), "nonfinite"),
            _constant((1e30,), "huge"),
            _constant(("0.5",), "type"),
            wrong,
        )
    if isinstance(base, str):
        return st.one_of(
            _constant(("", "nope", base.upper(), base + " ", 3), "value"),
            wrong,
        )
    if isinstance(base, (torch.Tensor, np.ndarray)):
        return st.one_of(array_variant(base), wrong)
    if (
        isinstance(base, (list, tuple))
        and base
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in base)
    ):
        if any(isinstance(v, list) for v in base):
            return st.one_of(array_variant(base), wrong)
        return st.one_of(_sequence_variant(base), array_variant(np.asarray(base)), wrong)
    if isinstance(base, (list, tuple)) and base:  # a sequence of other things
        first = base[0]
        structural = (type(base)(), type(base)([first]), type(base)([*base, first]))
        replaced = tuple(type(base)([v, *base[1:]]) for v in (None, "text", 3))
        return st.one_of(_constant(structural, "shape"), _constant(replaced, "type"), wrong)
    if isinstance(base, nn.Module):
        return st.one_of(
            st.sampled_from(range(8)).map(lambda i: _tagged(model_variants(base)[i], "model")),
            wrong,
        )
    if callable(base):
        return _constant((3, "f", lambda *a, **k: None, lambda *a, **k: "wrong"), "type")
    if base is None:
        return st.one_of(_constant((0, -1, 2.5, "text", [1.0], object()), "type"))
    return st.one_of(_constant((0, [], "text", object()), "type"), wrong)


def draw_case(
    data: Any, name: str, obj: Any, spec: Spec, params: list[str]
) -> tuple[dict[str, Any], str, frozenset[str]]:
    """Valid arguments with one of ``params`` replaced by a drawn variant."""
    kwargs = valid_arguments(name, obj, spec)
    param = data.draw(st.sampled_from(params), label="argument")
    kind = signature_of(spec, obj).parameters[param].kind
    if kind is inspect.Parameter.VAR_POSITIONAL:  # vary the first of the *args
        items = tuple(kwargs[param])
        value, tags = data.draw(variants(param, items[0] if items else None), label="variant")
        kwargs[param] = (value, *items[1:])
    else:
        value, tags = data.draw(variants(param, kwargs[param]), label="variant")
        kwargs[param] = value
    return kwargs, param, tags


# -------------------------------------------------------------------- outcomes


@dataclasses.dataclass
class Outcome:
    name: str
    param: str | None
    value: str
    kind: str  # result, clear, unnamed, raw, silent
    detail: str = ""

    @property
    def bad(self) -> bool:
        return self.kind in BAD

    def describe(self) -> str:
        where = f"{self.param}={self.value}" if self.param else "the valid call"
        return f"dl.{self.name} with {where}: {self.kind}: {self.detail}"


RESULTS: list[Outcome] = []
CALLABLES_FUZZED: set[str] = set()


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    if not hasattr(signal, "setitimer") or seconds <= 0:
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def short(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        text = f"tensor{tuple(value.shape)} {value.dtype}"
        if value.requires_grad:
            text += " requires_grad"
        if value.numel() and value.numel() <= 4:
            text += f" {value.detach().float().tolist()}"
        return text
    if isinstance(value, np.ndarray):
        text = f"array{value.shape} {value.dtype}"
        if value.size and value.size <= 4:
            text += f" {value.tolist()}"
        return text
    if isinstance(value, nn.Module):
        dtype = next((p.dtype for p in value.parameters()), None)
        return f"{type(value).__name__}({dtype})"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def raised_in_dlbook(err: BaseException) -> bool:
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return False
    return Path(frames[-1].filename).resolve().is_relative_to(DLBOOK_DIR)


def raised_in_tests(err: BaseException) -> bool:
    frames = traceback.extract_tb(err.__traceback__)
    return bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(TESTS_DIR)


def names_argument(message: str, param: str, others: tuple[str, ...]) -> bool:
    return any(
        re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message)
        for n in (param, *others)
    )


def to_numpy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.is_complex():
            return tensor.numpy()
        return tensor.to(torch.float64).numpy() if tensor.dtype != torch.bool else tensor.numpy()
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) if value.dtype.kind in "biuf" else value
    if isinstance(value, (bool, int, float, np.number)):
        return np.asarray(value, dtype=np.float64)
    if isinstance(value, (tuple, list)):
        return [to_numpy(v) for v in value]
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    return value


def disagreement(ours: Any, expected: Any, rtol: float, atol: float, path: str = "") -> str:
    """Where two results differ ('' when they agree)."""
    a, b = to_numpy(ours), to_numpy(expected)
    largest = _largest(ours)
    if isinstance(b, list):
        if not isinstance(a, list) or len(a) != len(b):
            return f"{path or 'result'} is {short(ours)}, the reference {short(expected)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = disagreement(x, y, rtol, atol, f"{path}[{i}]")
            if found:
                return found
        return ""
    if isinstance(b, dict):
        if not isinstance(a, dict) or set(a) != set(b):
            return f"{path or 'result'} has keys {sorted(a)}, the reference {sorted(b)}"
        for k in b:
            found = disagreement(a[k], b[k], rtol, atol, f"{path}[{k!r}]")
            if found:
                return found
        return ""
    if isinstance(b, np.ndarray):
        if not isinstance(a, np.ndarray) or a.shape != b.shape:
            return f"{path or 'result'} is {short(ours)}, the reference {short(expected)}"
        if b.dtype.kind in "fcb" or a.dtype.kind in "fcb":
            a64, b64 = a.astype(np.complex128), b.astype(np.complex128)
            same_nan = np.isnan(a64) == np.isnan(b64)
            close = np.isclose(a64, b64, rtol=rtol, atol=atol, equal_nan=True)
            # beyond the range of the result's dtype, infinity is the right rounding
            close |= (
                np.isinf(a64) & (np.abs(b64) > largest) & (np.sign(a64.real) == np.sign(b64.real))
            )
            if not (same_nan.all() and close.all()):
                where = np.argwhere(~(same_nan & close))[0]
                index = tuple(int(i) for i in where)
                at = f"{list(index)}" if index else ""
                return f"{path or 'result'}{at} is {a[index]}, the reference {b[index]}"
        return ""
    if a != b:
        return f"{path or 'result'} is {short(ours)}, the reference {short(expected)}"
    return ""


def _largest(value: Any) -> float:
    """The largest finite value of a result's floating dtype (inf for others)."""
    dtype = getattr(value, "dtype", None)
    try:
        if isinstance(dtype, torch.dtype) and dtype.is_floating_point:
            return float(torch.finfo(dtype).max)
        if dtype is not None and np.dtype(dtype).kind == "f":
            return float(np.finfo(dtype).max)
    except TypeError:
        pass
    return math.inf


def nonfinite(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        if value.is_floating_point() or value.is_complex():
            return not bool(torch.isfinite(value.detach()).all())
        return False
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc" and not bool(np.isfinite(value).all())
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (tuple, list)):
        return any(nonfinite(v) for v in value)
    if isinstance(value, dict):
        return any(nonfinite(v) for v in value.values())
    return False


def _bits(dtype: Any) -> int:
    name = str(dtype).removeprefix("torch.")
    return {"float16": 16, "bfloat16": 16, "float32": 32}.get(name, 64)


def tolerances(kwargs: dict[str, Any], spec: Spec) -> tuple[float, float]:
    """Tolerances of the least precise floating input; a spec's own are a floor."""
    lowest = 64
    for value in kwargs.values():
        if hasattr(value, "dtype"):
            lowest = min(lowest, _bits(value.dtype))
        elif isinstance(value, nn.Module):
            dtypes = {p.dtype for p in value.parameters()}
            if dtypes & {torch.float16, torch.bfloat16}:
                lowest = min(lowest, 16)
            elif torch.float32 in dtypes:
                lowest = min(lowest, 32)
    rtol, atol = {16: (2e-2, 2e-2), 32: (1e-4, 1e-5), 64: (1e-7, 1e-9)}[lowest]
    return max(rtol, spec.rtol or 0.0), max(atol, spec.atol or 0.0)


def _snapshot(kwargs: dict[str, Any], spec: Spec) -> dict[str, Any]:
    out = {}
    for key, value in kwargs.items():
        if key in spec.mutates:
            continue
        if isinstance(value, torch.Tensor):
            out[key] = value.detach().clone()
        elif isinstance(value, np.ndarray):
            out[key] = value.copy()
    return out


def _changed(before: dict[str, Any], kwargs: dict[str, Any]) -> str:
    for key, old in before.items():
        new = kwargs[key]
        if isinstance(old, torch.Tensor):
            same = old.shape == new.shape and bool(
                torch.equal(old, new.detach())
                or (old.is_floating_point() and torch.allclose(old, new.detach(), equal_nan=True))
            )
        else:
            same = old.shape == new.shape and np.array_equal(
                old, new, equal_nan=old.dtype.kind in "fc"
            )
        if not same:
            return f"{key} was changed in place"
    return ""


def _where(err: BaseException) -> str:
    frame = traceback.extract_tb(err.__traceback__)[-1]
    return f"{Path(frame.filename).name}:{frame.lineno}"


def _judge_error(
    name: str,
    spec: Spec,
    param: str | None,
    value: str,
    err: Exception,
    arrays: tuple[str, ...],
    tags: frozenset[str],
) -> Outcome:
    message = f"{type(err).__name__}: {err}"[:300]
    if raised_in_tests(err):
        return Outcome(name, param, value, "harness", f"{message} (raised in {_where(err)})")
    if not raised_in_dlbook(err):
        return Outcome(name, param, value, "raw", f"{message} (raised in {_where(err)})")
    if not isinstance(err, (ValueError, TypeError)):
        allowed = spec.allow.get(param or "", ()) + spec.allow.get("*", ())
        if param is not None and allowed and isinstance(err, allowed):
            return Outcome(name, param, value, "clear", message)
        return Outcome(name, param, value, "raw", f"{message} (raised in {_where(err)})")
    if param is None:
        return Outcome(name, param, value, "raw", f"the valid call raised {message}")
    others = (*(arrays if "shape" in tags else ()), *spec.also)
    if spec.needs_cuda and not torch.cuda.is_available():
        others = (*others, "device")  # the missing device is refused first
    if names_argument(str(err), param, others):
        return Outcome(name, param, value, "clear", message)
    return Outcome(name, param, value, "unnamed", message)


def attempt(
    name: str,
    obj: Any,
    spec: Spec,
    kwargs: dict[str, Any],
    param: str | None,
    tags: frozenset[str] = frozenset(),
) -> Outcome:
    """Call once and classify what happened."""
    value = short(kwargs[param]) if param is not None else ""
    before = _snapshot(kwargs, spec)
    arrays = tuple(
        k for k, v in kwargs.items() if isinstance(v, (torch.Tensor, np.ndarray, list, tuple))
    )
    context = spec.setup() if spec.setup is not None else contextlib.nullcontext()
    try:
        with context, warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            with time_limit(TIMEOUT):
                result = invoke(obj, spec, kwargs)
    except Hang as err:
        return Outcome(name, param, value, "raw", f"hang: {err}")
    except Exception as err:
        return _judge_error(name, spec, param, value, err, arrays, tags)
    changed = _changed(before, kwargs)
    if changed:
        return Outcome(name, param, value, "silent", changed)
    if spec.reference is not None:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                expected = spec.reference(**kwargs)
        except Exception:
            expected = NotImplemented
        if expected is not NotImplemented:
            rtol, atol = tolerances(kwargs, spec)
            found = disagreement(result, expected, rtol, atol)
            if found:
                return Outcome(name, param, value, "silent", found)
    if spec.check is not None:
        try:
            spec.check(result, kwargs)
        except AssertionError as err:
            return Outcome(name, param, value, "silent", str(err) or "an invariant failed")
        except Exception:  # the check cannot judge these arguments (e.g. complex numbers)
            pass
    suspicious = tags & {"nonfinite", "huge", "type", "model"}
    if spec.finite and not suspicious and nonfinite(result):
        return Outcome(name, param, value, "silent", f"non-finite result {short(result)}")
    return Outcome(name, param, value, "result", short(result))


def record(outcome: Outcome) -> None:
    RESULTS.append(outcome)
    CALLABLES_FUZZED.add(outcome.name)


def summary() -> dict[str, Any]:
    counts = Counter(o.kind for o in RESULTS)
    kinds = ("result", "clear", "unnamed", "raw", "silent", "harness")
    return {
        "callables": len(CALLABLES_FUZZED),
        "cases": len(RESULTS),
        "counts": {k: counts.get(k, 0) for k in kinds},
    }


def summary_line() -> str:
    s = summary()
    c = s["counts"]
    return (
        f"api fuzz: {s['callables']} callables, {s['cases']} cases: {c['result']} results, "
        f"{c['clear']} clear errors, {c['unnamed']} errors not naming the argument, "
        f"{c['raw']} raw errors, {c['silent']} silent wrong results"
        + (f", {c['harness']} errors of the test itself" if c["harness"] else "")
    )


def write_report(path: str) -> None:
    data = summary()
    data["bad"] = [dataclasses.asdict(o) for o in RESULTS if o.bad]
    data["by_callable"] = {}
    for o in RESULTS:
        data["by_callable"].setdefault(o.name, Counter())[o.kind] += 1
    Path(path).write_text(json.dumps(data, indent=1, default=str))
