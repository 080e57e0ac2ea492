"""The chapters and dlbook.check agree: every self-check a chapter calls exists, and is used.

The chapters' solution cells are executed by the book's build (with
``DLBOOK_CHECK_STRICT=1``, so a rejected solution stops it); running them all
here would be too slow. Instead these tests read ``chapters/*.md`` and check
the calls themselves: each ``dl.check.answer`` call names a registered
exercise with a literal id, each registered exercise is called by exactly one
cell of the book, and each exercise's solution calls the id its text names.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from dlbook.check import exercises, get_exercise

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p for p in (ROOT / "chapters").glob("*.md") if not p.name.startswith("_"))

CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```$", re.S | re.M)
EXERCISE = re.compile(r"^```\{exercise\}[^\n]*\n(.*?)^```$", re.S | re.M)
LABEL = re.compile(r"^:label: (\S+)$", re.M)
GATED_SOLUTION = re.compile(
    r"^````\{solution-start\} (\S+)\n(.*?)^````\{solution-end\}\n````$", re.S | re.M
)
PLAIN_SOLUTION = re.compile(r"^```\{solution\} (\S+)\n(.*?)^```$", re.S | re.M)
ANY_CALL = re.compile(r"\bdl\.check\.answer\(")
CALL_WITH_ID = re.compile(r"\bdl\.check\.answer\(\s*\"([^\"]+)\"")


@dataclass
class Chapter:
    path: Path
    text: str
    cells: list[str]  # every code cell of the page
    exercises: dict[str, str]  # label -> exercise text
    solutions: dict[str, list[str]]  # label -> code cells of its solution


def parse(path: Path) -> Chapter:
    text = path.read_text(encoding="utf-8")
    exercises_: dict[str, str] = {}
    for block in EXERCISE.finditer(text):
        label = LABEL.search(block.group(1))
        assert label, f"{path.name}: an exercise without a :label:"
        exercises_[label.group(1)] = block.group(1)
    solutions: dict[str, list[str]] = {}
    for match in GATED_SOLUTION.finditer(text):
        solutions[match.group(1)] = [c.group(1) for c in CODE_CELL.finditer(match.group(2))]
    for match in PLAIN_SOLUTION.finditer(text):
        solutions[match.group(1)] = []  # a plain {solution} cannot hold code cells
    return Chapter(
        path, text, [c.group(1) for c in CODE_CELL.finditer(text)], exercises_, solutions
    )


BOOK = [parse(path) for path in CHAPTERS]
REGISTERED = exercises()


def ids_in(text: str) -> list[str]:
    return CALL_WITH_ID.findall(text)


def test_the_parser_finds_every_exercise_and_solution():
    total_exercises = sum(c.text.count("```{exercise}") for c in BOOK)
    total_solutions = sum(
        c.text.count("````{solution-start}") + c.text.count("```{solution}") for c in BOOK
    )
    assert sum(len(c.exercises) for c in BOOK) == total_exercises > 30
    assert sum(len(c.solutions) for c in BOOK) == total_solutions == total_exercises
    for chapter in BOOK:
        assert set(chapter.exercises) == set(chapter.solutions), chapter.path.name


@pytest.mark.parametrize("chapter", BOOK, ids=lambda c: c.path.stem)
def test_every_check_call_names_a_registered_exercise(chapter):
    for cell in chapter.cells:
        assert len(ANY_CALL.findall(cell)) == len(ids_in(cell)), (
            f"{chapter.path.name}: call dl.check.answer with the exercise id as a string "
            f"literal:\n{cell}"
        )
        for exercise_id in ids_in(cell):
            close = difflib.get_close_matches(exercise_id, REGISTERED, n=3)
            assert exercise_id in REGISTERED, (
                f"{chapter.path.name} calls the unregistered exercise {exercise_id!r}"
                f" (closest: {close})"
            )
            assert exercise_id.split(".")[0] == chapter.path.stem, (
                f"{chapter.path.name} checks {exercise_id!r}, an exercise of another chapter"
            )


def test_every_registered_exercise_is_called_by_exactly_one_cell_of_the_book():
    # One call, in a solution cell; mlp.parameter-count is the one check made in a
    # chapter's text (the count of parameters that its prose works out by hand).
    calls = Counter(i for chapter in BOOK for cell in chapter.cells for i in ids_in(cell))
    unused = [i for i in REGISTERED if calls[i] == 0]
    repeated = {i: n for i, n in calls.items() if n > 1}
    assert not unused, f"registered exercises that no chapter calls: {unused}"
    assert not repeated, f"exercises called more than once: {repeated}"
    in_solutions = {
        i
        for chapter in BOOK
        for cells in chapter.solutions.values()
        for cell in cells
        for i in ids_in(cell)
    }
    assert set(REGISTERED) - in_solutions == {"mlp.parameter-count"}


@pytest.mark.parametrize("chapter", BOOK, ids=lambda c: c.path.stem)
def test_each_solution_calls_the_check_its_exercise_names(chapter):
    for label, text in chapter.exercises.items():
        named = set(ids_in(text))
        called = [i for cell in chapter.solutions[label] for i in ids_in(cell)]
        assert sorted(called) == sorted(named), (
            f"{chapter.path.name}, {label}: the exercise names {sorted(named)}, "
            f"its solution cells call {called}"
        )


def exercise_text(exercise_id: str) -> str:
    for chapter in BOOK:
        for text in chapter.exercises.values():
            if exercise_id in ids_in(text):
                return " ".join(text.split())
    raise AssertionError(f"no exercise names {exercise_id}")


@pytest.mark.parametrize(
    "exercise_id",
    [i for i in REGISTERED if get_exercise(i).kind in ("close", "function")],
)
def test_by_hand_exercises_ask_for_three_significant_figures(exercise_id):
    says_so = "three significant figures" in exercise_text(exercise_id)
    if get_exercise(exercise_id).by_hand:
        assert says_so, f"{exercise_id} is checked to three figures; its text must say so"
    else:
        assert not says_so, f"{exercise_id} is computed and checked tightly, not to three figures"
