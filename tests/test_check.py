"""Tests of the machinery of dlbook.check: verdicts, tolerances, strict mode, registration.

The answers of the book's exercises are tested against values worked out
independently in ``tests/check/test_answers.py``; that the chapters call
registered exercises is tested in ``tests/check/test_chapters.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import dlbook as dl
from dlbook.check import (
    ExerciseFailed,
    answer,
    exercises,
    get_exercise,
    hint,
    register,
    unregister,
)

ALL = exercises()


@pytest.fixture
def demo():
    """Register throw-away exercises; remove them afterwards."""
    names: list[str] = []

    def make(exercise_id, solution, **options):
        options.setdefault("hint", "h")
        register(exercise_id, **options)(solution)
        names.append(exercise_id)
        return exercise_id

    yield make
    for name in names:
        unregister(name)


@pytest.fixture(autouse=True)
def _not_strict(monkeypatch):
    """The tests choose strict mode explicitly; the build's setting must not leak in."""
    monkeypatch.delenv("DLBOOK_CHECK_STRICT", raising=False)


def test_registry_is_not_empty_and_ids_are_well_formed():
    assert "mlp.parameter-count" in ALL
    for exercise_id in ALL:
        chapter, slug = exercise_id.split(".")
        assert chapter and slug


@pytest.mark.parametrize("exercise_id", ALL)
def test_reference_runs_and_passes_its_own_check(exercise_id):
    # Only a smoke test: tests/check/test_answers.py checks the references' values.
    exercise = get_exercise(exercise_id)
    verdict = answer(exercise_id, exercise.expected(), quiet=True)
    assert verdict, str(verdict)
    assert str(verdict) == f"Correct! ({exercise_id})"
    assert exercise.hint, f"{exercise_id} has no hint"


@pytest.mark.parametrize("exercise_id", ALL)
def test_nonsense_answers_get_a_verdict_not_an_exception(exercise_id):
    for nonsense in (object(), "12", None, [1, "a"], torch.zeros(0), math.nan):
        verdict = answer(exercise_id, nonsense, quiet=True)
        assert not verdict
        assert verdict.problem and "\n" not in verdict.problem


def test_answer_prints_the_verdict(capsys):
    answer("mlp.parameter-count", 269322)
    assert capsys.readouterr().out == "Correct! (mlp.parameter-count)\n"
    answer("mlp.parameter-count", 269321)
    out = capsys.readouterr().out
    assert out.startswith("Not yet (mlp.parameter-count): 269,321 is too small.\nHint: ")
    assert out.count("\n") == 2


def test_unknown_id_suggests_close_ones():
    with pytest.raises(ValueError, match="Did you mean 'mlp.parameter-count'"):
        answer("mlp.parameter-cont", 1)
    with pytest.raises(TypeError, match="exercise_id must be a string"):
        answer(3, 1)


# Strict mode -----------------------------------------------------------------------


def test_strict_answer_raises_naming_the_exercise_after_printing(capsys):
    with pytest.raises(ExerciseFailed) as caught:
        answer("perceptron.and-updates", -12345, strict=True)
    assert str(caught.value) == "perceptron.and-updates: Not yet: -12,345 is too small."
    assert caught.value.exercise == "perceptron.and-updates"
    assert not caught.value.verdict
    assert "Hint:" in str(caught.value.verdict)
    assert isinstance(caught.value, AssertionError)  # a failed check, as a failed assert
    assert capsys.readouterr().out.startswith("Not yet (perceptron.and-updates)")


def test_strict_mode_lets_right_answers_through():
    assert answer("mlp.parameter-count", 269322, quiet=True, strict=True)


@pytest.mark.parametrize(
    ("setting", "raises"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_environment_variable_switches_strict_mode(monkeypatch, setting, raises):
    monkeypatch.setenv("DLBOOK_CHECK_STRICT", setting)
    if raises:
        with pytest.raises(ExerciseFailed, match="^mlp.parameter-count: Not yet: "):
            answer("mlp.parameter-count", 1, quiet=True)
    else:
        assert not answer("mlp.parameter-count", 1, quiet=True)


def test_strict_argument_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("DLBOOK_CHECK_STRICT", "1")
    assert not answer("mlp.parameter-count", 1, quiet=True, strict=False)
    monkeypatch.setenv("DLBOOK_CHECK_STRICT", "0")
    with pytest.raises(ExerciseFailed):
        answer("mlp.parameter-count", 1, quiet=True, strict=True)


def test_strict_mode_rejects_bad_settings(monkeypatch):
    with pytest.raises(TypeError, match="strict must be True, False or None"):
        answer("mlp.parameter-count", 1, quiet=True, strict=1)  # type: ignore[arg-type]
    monkeypatch.setenv("DLBOOK_CHECK_STRICT", "maybe")
    with pytest.raises(ValueError, match="DLBOOK_CHECK_STRICT must be 1 or 0, got 'maybe'"):
        answer("mlp.parameter-count", 1, quiet=True)


def test_strict_mode_turns_a_failing_function_into_exercise_failed():
    with pytest.raises(ExerciseFailed, match="your function raised ZeroDivisionError"):
        answer("universal-approximation.hat", lambda x: 1 / 0, quiet=True, strict=True)


# Tolerances ------------------------------------------------------------------------

numbers_to_round = st.floats(min_value=1e-7, max_value=1e8) | st.floats(
    min_value=-1e8, max_value=-1e-7
)


def _half_unit(x: float) -> float:
    """Half a unit of the third significant figure of x, written out independently."""
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(x))) - 2)


@given(numbers_to_round)
def test_by_hand_accepts_every_three_figure_rounding(x):
    register("demo.by-hand", kind="close", by_hand=True, hint="h")(lambda: x)
    try:
        rounded = float(f"{x:.3g}")
        assert answer("demo.by-hand", rounded, quiet=True), (x, rounded)
        assert not answer("demo.by-hand", x * (1 + 6e-3), quiet=True)
        assert not answer("demo.by-hand", x * (1 - 6e-3), quiet=True)
        # off by one and a half of its half unit: wrong in the third figure
        assert not answer("demo.by-hand", x + 1.5 * _half_unit(x), quiet=True)
        assert not answer("demo.by-hand", x - 1.5 * _half_unit(x), quiet=True)
    finally:
        unregister("demo.by-hand")


@given(st.lists(numbers_to_round, min_size=1, max_size=6))
def test_by_hand_vectors_judge_each_entry_by_its_own_third_figure(xs):
    register("demo.by-hand-vector", kind="close", by_hand=True, hint="h")(lambda: np.array(xs))
    try:
        each = [float(f"{x:.3g}") for x in xs]
        assert answer("demo.by-hand-vector", each, quiet=True)
        largest = max(abs(x) for x in xs)
        smallest = min(range(len(xs)), key=lambda i: abs(xs[i]))
        off = list(each)
        # beyond its own half unit and beyond the noise slack 1e-6 * max|x|
        off[smallest] = xs[smallest] + 1.5 * _half_unit(xs[smallest]) + 2e-6 * largest
        assert not answer("demo.by-hand-vector", off, quiet=True)
    finally:
        unregister("demo.by-hand-vector")


def test_by_hand_entries_of_different_sizes_are_not_judged_by_the_largest(demo):
    demo("demo.mixed", lambda: np.array([100.0, 0.123]), kind="close", by_hand=True)
    demo("demo.fifty-one", lambda: 51.0, kind="close", by_hand=True)
    demo("demo.zero", lambda: np.array([1.0, 1e-9, 0.0]), kind="close", by_hand=True)
    assert answer("demo.mixed", [100, 0.123], quiet=True)
    assert not answer("demo.mixed", [100, 0.5], quiet=True)  # within 5e-3 * 100
    assert not answer("demo.mixed", [100, 0.124], quiet=True)
    assert not answer("demo.mixed", [100.6, 0.123], quiet=True)
    assert answer("demo.fifty-one", 51.0, quiet=True)
    assert answer("demo.fifty-one", 51.04, quiet=True)
    assert not answer("demo.fifty-one", 51.2, quiet=True)  # within 5e-3 * 51
    assert not answer("demo.fifty-one", 50.9, quiet=True)
    assert answer("demo.zero", [1.0, 0.0, 0.0], quiet=True)  # 1e-9: noise next to 1
    assert not answer("demo.zero", [1.0, 0.0, 0.001], quiet=True)


def test_the_examples_of_the_tolerance_policy(demo):
    demo("demo.ln", lambda: -math.log(0.2), kind="close", by_hand=True)
    demo(
        "demo.p",
        lambda: np.exp([2.0, 1.0, 0.1]) / np.exp([2.0, 1.0, 0.1]).sum(),
        kind="close",
        by_hand=True,
    )
    demo("demo.computed", lambda: -math.log(0.2), kind="close")
    assert answer("demo.ln", 1.609, quiet=True)
    assert answer("demo.ln", 1.61, quiet=True)
    assert not answer("demo.ln", 1.62, quiet=True)
    assert not answer("demo.ln", 1.6, quiet=True)
    assert not answer("demo.p", [0.659, 0.242, 0.099], quiet=True)  # two figures of 0.0986
    assert answer("demo.p", [0.659, 0.242, 0.0986], quiet=True)
    assert not answer("demo.p", [0.65, 0.25, 0.1], quiet=True)
    assert answer("demo.computed", 1.6094379, quiet=True)
    assert not answer("demo.computed", 1.609, quiet=True)  # computed answers stay tight


def test_three_figures_next_to_a_power_of_ten(demo):
    demo("demo.hundredth", lambda: 0.01, kind="close", by_hand=True)
    demo("demo.below-ten", lambda: 9.996, kind="close", by_hand=True)
    demo("demo.just-below", lambda: 0.00998, kind="close", by_hand=True)
    assert answer("demo.hundredth", 0.0100, quiet=True)
    assert answer("demo.hundredth", 0.009996, quiet=True)  # more figures, rounds to 0.0100
    assert not answer("demo.hundredth", 0.00996, quiet=True)  # a different 3-figure number
    assert not answer("demo.hundredth", 0.00999, quiet=True)
    assert not answer("demo.hundredth", -0.0100, quiet=True)
    assert answer("demo.below-ten", 10.0, quiet=True)  # 9.996 rounds to 10.0
    assert answer("demo.below-ten", 9.996, quiet=True)
    assert not answer("demo.below-ten", 9.99, quiet=True)
    assert answer("demo.just-below", 0.00998, quiet=True)
    assert not answer("demo.just-below", 0.0100, quiet=True)
    assert not answer("demo.just-below", 0.00997, quiet=True)


def test_computed_answers_use_rtol_1e_4_by_default(demo):
    demo("demo.close", lambda: torch.tensor([1.0, 2.0]), kind="close")
    exercise = get_exercise("demo.close")
    assert (exercise.rtol, exercise.atol, exercise.by_hand) == (1e-4, 1e-6, False)
    assert exercise.tolerance == "rtol=0.0001, atol=1e-06"
    assert answer("demo.close", [1.0, 2.0 * (1 + 5e-5)], quiet=True)
    verdict = answer("demo.close", [1.0, 2.0 * (1 + 2e-4)], quiet=True)
    assert verdict.problem == "1 of 2 entries are off, the first at index 1"


def test_tolerance_in_words():
    assert get_exercise("supervised-learning.cross-entropy").tolerance == (
        "three significant figures"
    )
    assert get_exercise("mlp.parameter-count").tolerance == "exact"


# Shapes of size one, dtypes, whole numbers ------------------------------------------


def test_scalar_and_one_element_shapes_are_the_same_number(demo):
    demo("demo.scalar", lambda: 0.5, kind="close")
    demo("demo.vector", lambda: torch.tensor([1.0, 2.0]), kind="close")
    for same in (0.5, [0.5], [[0.5]], torch.tensor(0.5), torch.tensor([[0.5]]), np.float32(0.5)):
        assert answer("demo.scalar", same, quiet=True), same
    verdict = answer("demo.vector", [[1.0], [2.0]], quiet=True)
    assert verdict.problem == "got shape (2, 1), expected shape (2,)"


def test_functions_may_return_a_scalar_as_shape_1_or_1_1(demo):
    inputs = lambda: [(torch.tensor([1.0, 2.0]),)]  # noqa: E731
    demo("demo.sum", lambda x: x.sum(), kind="function", inputs=inputs)
    assert answer("demo.sum", lambda x: x.sum().reshape(1), quiet=True)
    assert answer("demo.sum", lambda x: x.sum().reshape(1, 1), quiet=True)
    assert answer("demo.sum", lambda x: float(x.sum()), quiet=True)
    assert not answer("demo.sum", lambda x: x, quiet=True)


def test_a_requested_dtype_is_checked(demo):
    inputs = lambda: [(torch.tensor([0, 1]),)]  # noqa: E731
    demo("demo.float", lambda x: x.float(), kind="function", inputs=inputs, dtype="floating")
    assert answer("demo.float", lambda x: x.double(), quiet=True)
    verdict = answer("demo.float", lambda x: x.clone(), quiet=True)
    assert verdict.problem == (
        "for x of shape (2,): it has dtype torch.int64, but the exercise asks for a float tensor"
    )
    assert not answer("demo.float", lambda x: x.bool(), quiet=True)
    assert not answer("demo.float", lambda x: x.tolist(), quiet=True)


def test_whole_numbers_may_come_as_floats_or_one_element_tensors(demo):
    demo("demo.count", lambda: 4)
    for same in (4, 4.0, np.int64(4), torch.tensor(4), torch.tensor([4.0])):
        assert answer("demo.count", same, quiet=True), same
    assert "expected a whole number, got 4.5" in str(answer("demo.count", 4.5, quiet=True))
    assert "expected a whole number" in str(answer("demo.count", True, quiet=True))


def test_kinds_compare_as_documented(demo):
    demo("demo.shape", lambda: torch.Size([64, 10]), kind="shape")
    demo(
        "demo.function", torch.relu, kind="function", inputs=lambda: [(torch.tensor([-1.0, 2.0]),)]
    )
    demo("demo.flag", lambda: True)
    demo("demo.flops", lambda n: 2 * n, kind="function", inputs=lambda: [(10**6,)])
    assert answer("demo.shape", (64, 10), quiet=True)
    assert answer("demo.shape", torch.Size([64, 10]), quiet=True)
    assert "dimension(s) [1]" in str(answer("demo.shape", (64, 784), quiet=True))
    assert "not the tensor" in str(answer("demo.shape", torch.zeros(64, 10), quiet=True))
    assert answer("demo.function", lambda x: x.clamp(min=0), quiet=True)
    assert answer("demo.flag", True, quiet=True)
    assert "expected True or False" in str(answer("demo.flag", 1, quiet=True))
    assert hint("demo.flag") == "h"
    # An integer result is compared exactly, not within rtol.
    assert answer("demo.flops", lambda n: 2 * n, quiet=True)
    assert not answer("demo.flops", lambda n: 2 * n - 1, quiet=True)


# Messages --------------------------------------------------------------------------


def test_function_verdicts_name_the_input_by_shape_and_stay_short(demo):
    inputs = lambda: [(torch.randn(50, 3), torch.randn(3), 0.1)]  # noqa: E731

    def step(X, w, lr):
        return w - lr * X.T @ (X @ w)

    demo("demo.step", step, kind="function", inputs=inputs)
    verdict = answer("demo.step", lambda X, w, lr: w, quiet=True)
    assert verdict.problem.startswith(
        "for X of shape (50, 3), w of shape (3,) and lr = 0.1: 3 of 3 entries are off"
    )
    shape = answer("demo.step", lambda X, w, lr: X, quiet=True)
    assert shape.problem.endswith(": got shape (50, 3), expected shape (3,)")
    failed = answer("demo.step", lambda X, w, lr: X @ X, quiet=True)
    assert "your function raised RuntimeError" in failed.problem
    for each in (verdict, shape, failed):
        assert "tensor(" not in str(each) and "dtype" not in each.problem
        assert len(str(each).splitlines()) == 2
        assert len(each.problem) < 160


def test_two_hidden_relu_verdict_is_short():
    def forgets_a_bias(x, W1, b1, W2, b2, W3, b3):
        return W3 @ torch.relu(W2 @ torch.relu(W1 @ x) + b2) + b3

    verdict = answer("mlp.two-hidden-relu", forgets_a_bias, quiet=True)
    assert not verdict
    assert verdict.problem.startswith("for x of shape (2,), W1 of shape (2, 2), b1 of shape (2,)")
    assert len(verdict.problem) < 200


# Registration ----------------------------------------------------------------------


def test_register_rejects_bad_definitions():
    with pytest.raises(ValueError, match="must look like 'chapter.slug'"):
        register("NoDot")
    with pytest.raises(ValueError, match="inputs is required"):
        register("demo.f", kind="function")
    with pytest.raises(ValueError, match="kind must be"):
        register("demo.g", kind="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="registered twice"):
        register("mlp.parameter-count")(lambda: 0)
    with pytest.raises(ValueError, match="cannot be combined with by_hand=True"):
        register("demo.h", kind="close", by_hand=True, rtol=1e-2)
    with pytest.raises(ValueError, match="does not apply to kind='function'"):
        register("demo.i", kind="function", by_hand=True, inputs=list)
    with pytest.raises(TypeError, match="by_hand must be True or False"):
        register("demo.j", by_hand=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dtype must be None or 'floating'"):
        register("demo.k", kind="close", dtype="int")  # type: ignore[arg-type]


def test_is_reachable_from_the_top_level():
    assert dl.check.answer is answer
    assert dl.check.ExerciseFailed is ExerciseFailed
