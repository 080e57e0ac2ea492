"""The machinery behind :mod:`dlbook.check`: a registry of exercises and the verdict."""

from __future__ import annotations

import difflib
import importlib
import numbers
import pkgutil
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from .._validation import describe

Kind = Literal["exact", "close", "function", "shape"]
_ID = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+$")


@dataclass(frozen=True)
class Exercise:
    """One checkable exercise.

    Attributes
    ----------
    id : str
        ``"<chapter>.<slug>"``, e.g. ``"mlp.parameter-count"``.
    solution : callable
        For ``kind="function"``, the reference function; otherwise a function of
        no arguments that computes the right answer with dlbook.
    kind : {"exact", "close", "function", "shape"}
        How an answer is compared: equality (integers, booleans, strings,
        tuples), closeness within ``rtol``/``atol`` (floats, arrays, tensors),
        a shape (tuples or ``torch.Size``), or a function called on ``inputs``
        whose outputs must be close to the reference's.
    hint : str
        Shown when an answer is wrong.
    inputs : callable, optional
        For ``kind="function"``: returns a list of argument tuples.
    rtol, atol : float
        Tolerances for ``"close"`` and ``"function"``.
    """

    id: str
    solution: Callable[..., Any]
    kind: Kind = "exact"
    hint: str = ""
    inputs: Callable[[], Sequence[tuple[Any, ...]]] | None = None
    rtol: float = 1e-4
    atol: float = 1e-6

    def expected(self) -> Any:
        """The right answer (for ``kind="function"``, the reference function)."""
        if self.kind == "function":
            return self.solution
        return self.solution()


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`answer`: truthy when the answer is right."""

    exercise: str
    correct: bool
    message: str = field(repr=False)

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return self.message

    def _ipython_display_(self) -> None:
        # answer() has already printed the message; showing it twice is noise.
        return None


_REGISTRY: dict[str, Exercise] = {}
_LOADED = False


def register(
    exercise_id: str,
    *,
    kind: Kind = "exact",
    hint: str = "",
    inputs: Callable[[], Sequence[tuple[Any, ...]]] | None = None,
    rtol: float = 1e-4,
    atol: float = 1e-6,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator that registers an exercise whose answer the decorated function computes.

    Examples
    --------
    >>> @register("demo.two-plus-two", hint="Add them.")
    ... def _() -> int:
    ...     return 2 + 2
    >>> bool(answer("demo.two-plus-two", 4, quiet=True))
    True
    >>> unregister("demo.two-plus-two")
    """
    if not _ID.match(exercise_id):
        raise ValueError(f"exercise_id must look like 'chapter.slug', got {exercise_id!r}")
    if kind not in ("exact", "close", "function", "shape"):
        raise ValueError(f"kind must be 'exact', 'close', 'function' or 'shape', got {kind!r}")
    if kind == "function" and inputs is None:
        raise ValueError("inputs is required for kind='function'")

    def decorate(solution: Callable[..., Any]) -> Callable[..., Any]:
        if exercise_id in _REGISTRY:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        _REGISTRY[exercise_id] = Exercise(
            exercise_id, solution, kind=kind, hint=hint, inputs=inputs, rtol=rtol, atol=atol
        )
        return solution

    return decorate


def unregister(exercise_id: str) -> None:
    """Remove an exercise from the registry (used by tests and examples)."""
    _REGISTRY.pop(exercise_id, None)


def _load_all() -> None:
    """Import every chapter module of :mod:`dlbook.check` so that it registers its exercises."""
    global _LOADED
    if _LOADED:
        return
    package = importlib.import_module("dlbook.check")
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"dlbook.check.{info.name}")
    _LOADED = True


def exercises(chapter: str | None = None) -> list[str]:
    """List the ids of the checkable exercises, optionally of one chapter.

    Examples
    --------
    >>> "mlp.parameter-count" in exercises("mlp")
    True
    """
    _load_all()
    ids = sorted(_REGISTRY)
    if chapter is not None:
        ids = [i for i in ids if i.split(".", 1)[0] == chapter]
    return ids


def get_exercise(exercise_id: str) -> Exercise:
    """Return the registered :class:`Exercise` with this id.

    Raises
    ------
    ValueError
        If no exercise has that id; the message suggests the closest ids.
    """
    if not isinstance(exercise_id, str):
        raise TypeError(f"exercise_id must be a string, got {describe(exercise_id)}")
    _load_all()
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        close = difflib.get_close_matches(exercise_id, list(_REGISTRY), n=3)
        suggestion = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"exercise_id {exercise_id!r} is not a known exercise.{suggestion} "
            "dlbook.check.exercises() lists them all."
        ) from None


def hint(exercise_id: str) -> str:
    """Return the hint of an exercise."""
    return get_exercise(exercise_id).hint


def _as_array(value: Any) -> np.ndarray | None:
    """A float64 array for numbers, arrays, tensors and nested lists of numbers, else None."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    if isinstance(value, bool):
        return None
    if isinstance(value, (numbers.Number, np.ndarray, list, tuple)):
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return array
    return None


def _compare_close(expected: Any, got: Any, rtol: float, atol: float) -> str | None:
    """Return None when ``got`` is close to ``expected``, else what is wrong."""
    want = _as_array(expected)
    have = _as_array(got)
    if want is None:
        raise TypeError(f"the reference answer is not numeric: {describe(expected)}")
    if have is None:
        kind = "a number" if want.ndim == 0 else "an array or tensor"
        return f"expected {kind}, got {describe(got)}"
    if have.shape != want.shape:
        return f"the shape is wrong: got {have.shape if have.ndim else 'a scalar'}"
    if not np.all(np.isfinite(have)):
        return "your answer contains NaN or infinite values"
    if np.allclose(have, want, rtol=rtol, atol=atol):
        return None
    if want.ndim == 0:
        direction = "too large" if have > want else "too small"
        return f"{have.item():.6g} is {direction}"
    wrong = int((~np.isclose(have, want, rtol=rtol, atol=atol)).sum())
    return f"{wrong} of {want.size} entries are off"


def _normalise_exact(value: Any) -> Any:
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return value


def _compare_exact(expected: Any, got: Any) -> str | None:
    want, have = _normalise_exact(expected), _normalise_exact(got)
    if isinstance(want, bool):
        if not isinstance(have, bool):
            return f"expected True or False, got {describe(got)}"
        return None if have == want else f"{have} is not right"
    if isinstance(want, numbers.Integral):
        if isinstance(have, bool) or not isinstance(have, numbers.Number):
            return f"expected a whole number, got {describe(got)}"
        if have == want:
            return None
        return f"{have:,} is {'too large' if have > want else 'too small'}"
    if isinstance(want, (tuple, list)):
        if not isinstance(have, (tuple, list)):
            return f"expected a tuple, got {describe(got)}"
        have_list = [_normalise_exact(v) for v in have]
        return (
            None
            if have_list == [_normalise_exact(v) for v in want]
            else f"{tuple(have)} is not right"
        )
    return None if have == want else f"{describe(got)} is not right"


def _compare_shape(expected: Any, got: Any) -> str | None:
    want = tuple(int(v) for v in expected)
    if isinstance(got, (torch.Tensor, np.ndarray)):
        return "pass the shape itself (e.g. x.shape), not the tensor"
    if not isinstance(got, (tuple, list, torch.Size)) or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in got
    ):
        return f"expected a shape such as (64, 10), got {describe(got)}"
    have = tuple(int(v) for v in got)
    if len(have) != len(want):
        return f"the shape {have} has {len(have)} dimensions, which is not right"
    if have == want:
        return None
    wrong = [i for i, (a, b) in enumerate(zip(have, want, strict=True)) if a != b]
    return f"the shape {have} is wrong in dimension(s) {wrong}"


def _compare_function(exercise: Exercise, got: Any) -> str | None:
    if not callable(got):
        return f"expected a function, got {describe(got)}"
    assert exercise.inputs is not None  # enforced by register()
    for args in exercise.inputs():
        want = exercise.solution(*args)
        try:
            have = got(*args)
        except Exception as err:  # the reader's code may fail in any way
            return f"your function raised {type(err).__name__}: {err}"
        problem = _compare_close(want, have, exercise.rtol, exercise.atol)
        if problem is not None:
            shown = ", ".join(describe(a) for a in args)
            return f"on input {shown}: {problem}"
    return None


def answer(exercise_id: str, value: Any, *, quiet: bool = False) -> Verdict:
    """Check an answer to an exercise, print the verdict and return it.

    The right answer is computed on the spot with dlbook itself, so the check
    never drifts from the library the chapter uses.

    Parameters
    ----------
    exercise_id : str
        ``"<chapter>.<slug>"`` as printed in the exercise.
    value : object
        Your answer: a number, a boolean, a shape, a tensor or a function,
        as the exercise asks.
    quiet : bool, default False
        Do not print the verdict (it is still returned).

    Returns
    -------
    Verdict
        Truthy when the answer is right; ``str(verdict)`` is the message.

    Examples
    --------
    >>> verdict = answer("mlp.parameter-count", 269322)
    Correct! (mlp.parameter-count)
    >>> bool(answer("mlp.parameter-count", 1000, quiet=True))
    False
    """
    exercise = get_exercise(exercise_id)
    if exercise.kind == "function":
        problem = _compare_function(exercise, value)
    elif exercise.kind == "close":
        problem = _compare_close(exercise.expected(), value, exercise.rtol, exercise.atol)
    elif exercise.kind == "shape":
        problem = _compare_shape(exercise.expected(), value)
    else:
        problem = _compare_exact(exercise.expected(), value)
    if problem is None:
        verdict = Verdict(exercise_id, True, f"Correct! ({exercise_id})")
    else:
        message = f"Not yet ({exercise_id}): {problem}."
        if exercise.hint:
            message += f"\nHint: {exercise.hint}"
        verdict = Verdict(exercise_id, False, message)
    if not quiet:
        print(verdict.message)
    return verdict
