"""Tests of dlbook.check: each exercise accepts its own solution and rejects wrong answers."""

from __future__ import annotations

import numbers

import numpy as np
import pytest
import torch

import dlbook as dl
from dlbook.check import answer, exercises, get_exercise, hint, register, unregister

ALL = exercises()


def wrong_answer(exercise):
    """An answer that must be judged wrong, derived from the right one."""
    if exercise.kind == "function":

        def wrong(*args):
            out = exercise.solution(*args)
            return out + 1.0 if not isinstance(out, bool) else not out

        return wrong
    right = exercise.expected()
    if isinstance(right, (bool, np.bool_)):
        return not right
    if isinstance(right, numbers.Number):
        return right + 1 if right != 0 else 1
    if isinstance(right, torch.Size) or (
        isinstance(right, tuple) and all(isinstance(v, int) for v in right)
    ):
        return tuple(v + 1 for v in right)
    if isinstance(right, torch.Tensor):
        return right.double() + 1.0
    if isinstance(right, np.ndarray):
        return right.astype(float) + 1.0
    if isinstance(right, str):
        return right + "?"
    if isinstance(right, (list, tuple)):
        return [*right, None]
    raise AssertionError(f"no wrong answer for {exercise.id}: {right!r}")


def test_registry_is_not_empty_and_ids_are_well_formed():
    assert "mlp.parameter-count" in ALL
    for exercise_id in ALL:
        chapter, slug = exercise_id.split(".")
        assert chapter and slug


@pytest.mark.parametrize("exercise_id", ALL)
def test_solution_is_accepted(exercise_id):
    exercise = get_exercise(exercise_id)
    verdict = answer(exercise_id, exercise.expected(), quiet=True)
    assert verdict, str(verdict)
    assert str(verdict) == f"Correct! ({exercise_id})"


@pytest.mark.parametrize("exercise_id", ALL)
def test_wrong_answer_is_rejected_with_a_hint(exercise_id):
    exercise = get_exercise(exercise_id)
    verdict = answer(exercise_id, wrong_answer(exercise), quiet=True)
    assert not verdict
    assert str(verdict).startswith(f"Not yet ({exercise_id}):")
    assert exercise.hint, f"{exercise_id} has no hint"
    assert "Hint: " + exercise.hint in str(verdict)


@pytest.mark.parametrize("exercise_id", ALL)
def test_nonsense_answers_get_a_verdict_not_an_exception(exercise_id):
    verdict = answer(exercise_id, object(), quiet=True)
    assert not verdict


def test_answer_prints_the_verdict(capsys):
    answer("mlp.parameter-count", 269322)
    assert capsys.readouterr().out == "Correct! (mlp.parameter-count)\n"
    answer("mlp.parameter-count", 269321)
    out = capsys.readouterr().out
    assert "too small" in out and "Hint:" in out


def test_unknown_id_suggests_close_ones():
    with pytest.raises(ValueError, match="Did you mean 'mlp.parameter-count'"):
        answer("mlp.parameter-cont", 1)
    with pytest.raises(TypeError, match="exercise_id must be a string"):
        answer(3, 1)


def test_kinds_compare_as_documented():
    register("demo.close", kind="close", hint="h", rtol=1e-3)(lambda: torch.tensor([1.0, 2.0]))
    register("demo.shape", kind="shape", hint="h")(lambda: torch.Size([64, 10]))
    register(
        "demo.function", kind="function", hint="h", inputs=lambda: [(torch.tensor([-1.0, 2.0]),)]
    )(torch.relu)
    register("demo.flag", hint="h")(lambda: True)
    try:
        assert answer("demo.close", [1.0, 2.0001], quiet=True)
        assert not answer("demo.close", [1.0, 2.1], quiet=True)
        assert "shape is wrong" in str(answer("demo.close", [1.0], quiet=True))
        assert answer("demo.shape", (64, 10), quiet=True)
        assert answer("demo.shape", torch.Size([64, 10]), quiet=True)
        assert "dimension(s) [1]" in str(answer("demo.shape", (64, 784), quiet=True))
        assert "not the tensor" in str(answer("demo.shape", torch.zeros(64, 10), quiet=True))
        assert answer("demo.function", lambda x: x.clamp(min=0), quiet=True)
        failing = answer("demo.function", lambda x: 1 / 0, quiet=True)
        assert "raised ZeroDivisionError" in str(failing)
        assert answer("demo.flag", True, quiet=True)
        assert "expected True or False" in str(answer("demo.flag", 1, quiet=True))
        assert hint("demo.flag") == "h"
    finally:
        for name in ("demo.close", "demo.shape", "demo.function", "demo.flag"):
            unregister(name)


def test_register_rejects_bad_definitions():
    with pytest.raises(ValueError, match="must look like 'chapter.slug'"):
        register("NoDot")
    with pytest.raises(ValueError, match="inputs is required"):
        register("demo.f", kind="function")
    with pytest.raises(ValueError, match="kind must be"):
        register("demo.g", kind="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="registered twice"):
        register("mlp.parameter-count")(lambda: 0)


def test_is_reachable_from_the_top_level():
    assert dl.check.answer is answer
