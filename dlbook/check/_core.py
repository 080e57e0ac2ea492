"""The machinery behind :mod:`dlbook.check`: a registry of exercises and the verdict."""

from __future__ import annotations

import copy
import difflib
import importlib
import inspect
import numbers
import os
import pkgutil
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from .._validation import describe

Kind = Literal["exact", "close", "function", "shape"]
DType = Literal["floating"]
_ID = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+$")

#: Significant figures of an answer worked out by hand: rounding an entry ``x`` to three
#: significant figures moves it by at most half a unit of its third figure,
#: ``0.5 * 10**(e - 2)`` with ``10**e <= |x| < 10**(e + 1)`` (see the module docstring
#: of :mod:`dlbook.check`). Each entry is allowed that half unit, with ``e`` taken from
#: the smaller of the answer's and the right answer's magnitudes.
BY_HAND_FIGURES = 3
#: Slack of a by-hand answer for floating-point noise, relative to the largest magnitude
#: of the right answer: an entry that is zero up to rounding noise of the others (a
#: float32 ``1e-9`` next to ``1.0``) may be answered with 0.
BY_HAND_RTOL = 1e-6
#: Absolute slack of a by-hand answer, for floating-point noise around an exact zero.
BY_HAND_ATOL = 1e-12
#: Default tolerances of an answer meant to be computed (a float, an array, a function).
COMPUTED_RTOL = 1e-4
COMPUTED_ATOL = 1e-6

#: The environment variable that turns on strict mode (the book's build sets it to 1).
STRICT_ENV = "DLBOOK_CHECK_STRICT"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


class ExerciseFailed(AssertionError):
    """Raised by :func:`answer` in strict mode when an answer is judged wrong.

    The book's build runs every solution cell in strict mode, so a solution that
    its own check rejects stops the build with the exercise id and the verdict.

    Parameters
    ----------
    verdict : Verdict
        The verdict that rejected the answer.

    Attributes
    ----------
    exercise : str
        The id of the exercise.
    verdict : Verdict
        The full verdict, hint included.

    Examples
    --------
    >>> try:
    ...     answer("mlp.parameter-count", 1000, quiet=True, strict=True)
    ... except ExerciseFailed as err:
    ...     print(err)
    mlp.parameter-count: Not yet: 1,000 is too small.
    """

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(f"{verdict.exercise}: Not yet: {verdict.problem}.")
        self.exercise = verdict.exercise
        self.verdict = verdict


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
        How an answer is compared: equality (integers, booleans, tuples),
        closeness (floats, arrays, tensors), a shape (tuples or ``torch.Size``),
        or a function called on ``inputs`` whose outputs must be close to the
        reference's (exactly equal where the reference returns an integer).
    hint : str
        Shown when an answer is wrong.
    inputs : callable, optional
        For ``kind="function"``: returns a list of argument tuples.
    by_hand : bool
        The exercise is meant to be worked out by hand. A ``"close"`` answer is
        then judged by the three-significant-figure rule; an exact answer or a
        shape stays exact.
    rtol, atol : float
        Tolerances for ``"close"`` and ``"function"`` answers meant to be
        computed: ``|answer - right| <= atol + rtol * |right|`` entry by entry.
        For by-hand answers they hold the slack for floating-point noise,
        ``atol + rtol * max|right|``, added to each entry's half unit of its
        third significant figure.
    dtype : {"floating"}, optional
        A dtype the exercise asks for: ``"floating"`` accepts only tensors and
        arrays of a floating-point dtype.
    """

    id: str
    solution: Callable[..., Any]
    kind: Kind = "exact"
    hint: str = ""
    inputs: Callable[[], Sequence[tuple[Any, ...]]] | None = None
    by_hand: bool = False
    rtol: float = COMPUTED_RTOL
    atol: float = COMPUTED_ATOL
    dtype: DType | None = None

    def expected(self) -> Any:
        """The right answer (for ``kind="function"``, the reference function)."""
        if self.kind == "function":
            return self.solution
        return self.solution()

    @property
    def tolerance(self) -> str:
        """How answers are compared, in words (for reports and the contributors' guide)."""
        if self.kind in ("exact", "shape"):
            return "exact"
        if self.by_hand:
            return "three significant figures"
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`answer`: truthy when the answer is right.

    Attributes
    ----------
    exercise : str
        The id of the exercise.
    correct : bool
        Whether the answer is right.
    message : str
        What :func:`answer` prints: ``"Correct! (<id>)"``, or ``"Not yet (<id>): ..."``
        followed by a line with the hint.
    problem : str or None
        What is wrong, in one short sentence without the hint; None when correct.
    """

    exercise: str
    correct: bool
    message: str = field(repr=False)
    problem: str | None = field(default=None, repr=False)

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
    by_hand: bool = False,
    rtol: float | None = None,
    atol: float | None = None,
    dtype: DType | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator that registers an exercise whose answer the decorated function computes.

    Parameters
    ----------
    exercise_id : str
        ``"<chapter>.<slug>"``, the id the chapter's exercise names.
    kind : {"exact", "close", "function", "shape"}, default "exact"
        How answers are compared (see :class:`Exercise`).
    hint : str, default ""
        Shown with every wrong answer.
    inputs : callable, optional
        For ``kind="function"``: returns the argument tuples to call both
        functions on. Required for that kind.
    by_hand : bool, default False
        The exercise is worked out by hand: a ``"close"`` answer is accepted when
        it is right to three significant figures (the exercise text must say
        "three significant figures"). Cannot be combined with ``rtol``,
        ``atol`` or ``kind="function"``.
    rtol, atol : float, optional
        Tolerances of a computed answer; default ``1e-4`` and ``1e-6``.
    dtype : {"floating"}, optional
        A dtype the exercise asks for (checked for ``"close"`` and ``"function"``).

    Examples
    --------
    >>> @register("demo.two-plus-two", hint="Add them.")
    ... def _() -> int:
    ...     return 2 + 2
    >>> bool(answer("demo.two-plus-two", 4, quiet=True))
    True
    >>> unregister("demo.two-plus-two")
    """
    if not isinstance(exercise_id, str) or not _ID.match(exercise_id):
        raise ValueError(f"exercise_id must look like 'chapter.slug', got {exercise_id!r}")
    if kind not in ("exact", "close", "function", "shape"):
        raise ValueError(f"kind must be 'exact', 'close', 'function' or 'shape', got {kind!r}")
    if kind == "function" and inputs is None:
        raise ValueError("inputs is required for kind='function'")
    if not isinstance(by_hand, bool):
        raise TypeError(f"by_hand must be True or False, got {describe(by_hand)}")
    if by_hand and kind == "function":
        raise ValueError("by_hand=True does not apply to kind='function': functions are computed")
    if by_hand and (rtol is not None or atol is not None):
        raise ValueError(
            "rtol and atol cannot be combined with by_hand=True: by-hand answers use "
            "the three-significant-figure rule"
        )
    if dtype not in (None, "floating"):
        raise ValueError(f"dtype must be None or 'floating', got {dtype!r}")
    if by_hand:
        rtol, atol = BY_HAND_RTOL, BY_HAND_ATOL
    rtol = COMPUTED_RTOL if rtol is None else rtol
    atol = COMPUTED_ATOL if atol is None else atol

    def decorate(solution: Callable[..., Any]) -> Callable[..., Any]:
        if exercise_id in _REGISTRY:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        _REGISTRY[exercise_id] = Exercise(
            exercise_id,
            solution,
            kind=kind,
            hint=hint,
            inputs=inputs,
            by_hand=by_hand,
            rtol=rtol,
            atol=atol,
            dtype=dtype,
        )
        return solution

    return decorate


def unregister(exercise_id: str) -> None:
    """Remove an exercise from the registry (used by tests and examples)."""
    if not isinstance(exercise_id, str):
        raise TypeError(f"exercise_id must be a string, got {describe(exercise_id)}")
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
        if value.is_complex():
            return None
        return value.detach().cpu().double().numpy()
    if isinstance(value, bool):
        return None
    if isinstance(value, (numbers.Number, np.ndarray, list, tuple)):
        try:
            return np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
    return None


def _shape_text(shape: tuple[int, ...]) -> str:
    return f"shape {tuple(shape)}" if shape else "a scalar"


def _three_figures_tolerance(value: Any) -> np.ndarray:
    """Half a unit of the third significant figure of each entry of ``value``.

    Rounding an entry to three significant figures moves it by at most this much,
    so an answer within it of the right answer, entry by entry, is right to
    three significant figures. Exact zeros get 0 (they are judged by the slack
    for floating-point noise alone).

    Parameters
    ----------
    value : number, array, tensor or nested list of numbers
        The magnitudes that set the digit positions (the smaller of the answer's and
        the right answer's, entry by entry).

    Returns
    -------
    array of float64, of the shape of ``value``

    For instance 0.05 for 51, 5e-05 for 0.0986 and 0.005 for -2 (each times
    ``1 + 1e-9``).
    """
    array = _as_array(value)
    if array is None:
        raise TypeError(f"value must be a number or an array of numbers, got {describe(value)}")
    magnitude = np.abs(array)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.where(magnitude > 0, magnitude, 1.0)))
    half_unit = 0.5 * 10.0 ** (exponent - (BY_HAND_FIGURES - 1))
    # 1e-9 of slack: a half-way rounding computed in binary floating point stays inside.
    half_unit = half_unit * (1 + 1e-9)
    return np.where((magnitude > 0) & np.isfinite(magnitude), half_unit, 0.0)


def _compare_close(expected: Any, got: Any, exercise: Exercise) -> str | None:
    """Return None when ``got`` is close to ``expected``, else what is wrong."""
    want = _as_array(expected)
    have = _as_array(got)
    if want is None:
        raise TypeError(f"the reference answer is not numeric: {describe(expected)}")
    if have is None:
        kind = "a number" if want.size == 1 else "an array or tensor"
        return f"expected {kind}, got {describe(got)}"
    if have.shape != want.shape:
        if have.size == want.size == 1:  # a scalar, (1,) and (1, 1) mean the same number
            have, want = have.reshape(()), want.reshape(())
        else:
            return f"got {_shape_text(have.shape)}, expected {_shape_text(want.shape)}"
    if not np.all(np.isfinite(have)):
        return "it contains NaN or infinite values"
    if exercise.by_hand:
        # Three significant figures of each entry, plus slack for floating-point noise.
        scale = float(np.max(np.abs(want))) if want.size else 0.0
        slack = exercise.atol + exercise.rtol * scale
        # The half unit of the smaller magnitude: next to a power of ten the two
        # differ by a decade, and 0.00996 is not 0.0100 to three figures.
        smaller = np.minimum(np.abs(have), np.abs(want))
        bad = np.abs(have - want) > slack + _three_figures_tolerance(smaller)
    else:
        bad = ~np.isclose(have, want, rtol=exercise.rtol, atol=exercise.atol)
    if not bad.any():
        return None
    if want.ndim == 0:
        direction = "too large" if have > want else "too small"
        return f"{have.item():.6g} is {direction}"
    first = np.unravel_index(int(np.argmax(bad)), bad.shape)
    index = first[0] if len(first) == 1 else tuple(int(i) for i in first)
    return f"{int(bad.sum())} of {want.size} entries are off, the first at index {index}"


def _dtype_problem(got: Any, dtype: DType | None) -> str | None:
    if dtype is None:
        return None
    if isinstance(got, torch.Tensor):
        if got.is_floating_point():
            return None
        return f"it has dtype {got.dtype}, but the exercise asks for a float tensor"
    if isinstance(got, np.ndarray):
        if np.issubdtype(got.dtype, np.floating):
            return None
        return f"it has dtype {got.dtype}, but the exercise asks for a float array"
    return f"expected a float tensor, got {describe(got)}"


def _whole(value: Any) -> Any:
    """Integers, and floats with a whole value, as int; anything else unchanged."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(float(value))
    return value


def _normalise_exact(value: Any) -> Any:
    if isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    elif isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    return _whole(value)


def _compare_exact(expected: Any, got: Any) -> str | None:
    want, have = _normalise_exact(expected), _normalise_exact(got)
    if isinstance(want, bool):
        if not isinstance(have, bool):
            return f"expected True or False, got {describe(got)}"
        return None if have == want else f"{have} is not right"
    if isinstance(want, int):
        if isinstance(have, bool) or not isinstance(have, int):
            return f"expected a whole number, got {describe(got)}"
        if have == want:
            return None
        return f"{have:,} is {'too large' if have > want else 'too small'}"
    if isinstance(want, (tuple, list)):
        if not isinstance(have, (tuple, list)):
            return f"expected a tuple, got {describe(got)}"
        same = [_normalise_exact(v) for v in have] == [_normalise_exact(v) for v in want]
        return None if same else f"{tuple(have)} is not right"
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


def _describe_inputs(solution: Callable[..., Any], args: tuple[Any, ...]) -> str:
    """``x of shape (2,), lr = 0.1``: the inputs by name, tensors by their shape only."""
    try:
        names = list(inspect.signature(solution).parameters)
    except (TypeError, ValueError):
        names = []
    parts = []
    for position, arg in enumerate(args):
        name = names[position] if position < len(names) else f"argument {position + 1}"
        if isinstance(arg, (torch.Tensor, np.ndarray)):
            parts.append(f"{name} of shape {tuple(arg.shape)}")
        elif isinstance(arg, (numbers.Number, str)):
            parts.append(f"{name} = {arg!r}")
        else:
            parts.append(f"{name} ({type(arg).__name__})")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _short_error(err: Exception) -> str:
    text = f"{type(err).__name__}: {err}".splitlines()[0] if str(err) else type(err).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _compare_function(exercise: Exercise, got: Any) -> str | None:
    if not callable(got):
        return f"expected a function, got {describe(got)}"
    assert exercise.inputs is not None  # enforced by register()
    for args in exercise.inputs():
        want = exercise.solution(*copy.deepcopy(args))
        shown = _describe_inputs(exercise.solution, args)
        try:
            have = got(*copy.deepcopy(args))
        except Exception as err:  # the reader's code may fail in any way
            return f"for {shown}: your function raised {_short_error(err)}"
        if isinstance(want, numbers.Integral) and not isinstance(want, (bool, np.bool_)):
            problem = _compare_exact(want, have)
        else:
            problem = _compare_close(want, have, exercise)
            if problem is None:
                problem = _dtype_problem(have, exercise.dtype)
        if problem is not None:
            return f"for {shown}: {problem}"
    return None


def _strict(strict: bool | None) -> bool:
    if strict is not None:
        if not isinstance(strict, bool):
            raise TypeError(f"strict must be True, False or None, got {describe(strict)}")
        return strict
    setting = os.environ.get(STRICT_ENV, "").strip().lower()
    if setting in _TRUE:
        return True
    if setting in _FALSE:
        return False
    raise ValueError(f"{STRICT_ENV} must be 1 or 0, got {setting!r}")


def _problem(exercise: Exercise, value: Any) -> str | None:
    if exercise.kind == "function":
        return _compare_function(exercise, value)
    if exercise.kind == "close":
        problem = _compare_close(exercise.expected(), value, exercise)
        return problem if problem is not None else _dtype_problem(value, exercise.dtype)
    if exercise.kind == "shape":
        return _compare_shape(exercise.expected(), value)
    return _compare_exact(exercise.expected(), value)


def answer(
    exercise_id: str, value: Any, *, quiet: bool = False, strict: bool | None = None
) -> Verdict:
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
    strict : bool, optional
        Raise :class:`ExerciseFailed` when the answer is wrong. By default
        (None) strict mode is on when the environment variable
        ``DLBOOK_CHECK_STRICT`` is ``1``, as in the book's build, and off
        otherwise.

    Returns
    -------
    Verdict
        Truthy when the answer is right; ``str(verdict)`` is the message.

    Raises
    ------
    ExerciseFailed
        In strict mode, when the answer is wrong.
    ValueError
        If no exercise has the id (the message suggests the closest ones).

    Examples
    --------
    >>> verdict = answer("mlp.parameter-count", 269322)
    Correct! (mlp.parameter-count)
    >>> bool(answer("mlp.parameter-count", 1000, quiet=True))
    False
    """
    exercise = get_exercise(exercise_id)
    problem = _problem(exercise, value)
    if problem is None:
        verdict = Verdict(exercise_id, True, f"Correct! ({exercise_id})")
    else:
        message = f"Not yet ({exercise_id}): {problem}."
        if exercise.hint:
            message += f"\nHint: {exercise.hint}"
        verdict = Verdict(exercise_id, False, message, problem)
    if not quiet:
        print(verdict.message)
    if not verdict and _strict(strict):
        raise ExerciseFailed(verdict)
    return verdict
