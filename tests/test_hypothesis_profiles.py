"""The hypothesis profiles of tests/conftest.py govern every property test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import settings

TESTS = Path(__file__).resolve().parent


def literal_example_counts(path: Path) -> list[int]:
    """Lines where a call passes ``max_examples=<number>`` (a count the profile cannot raise)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "max_examples" and isinstance(keyword.value, ast.Constant)
    ]


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(TESTS.rglob("*.py")) if p.name != "conftest.py"],
    ids=lambda p: str(p.relative_to(TESTS)),
)
def test_no_property_test_fixes_its_number_of_examples(path: Path) -> None:
    assert literal_example_counts(path) == [], (
        f"{path.name} sets max_examples to a number; leave it to the profile"
    )


def test_the_check_finds_a_fixed_count(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text("@settings(max_examples=30)\ndef f(): pass\n")
    assert literal_example_counts(sample) == [1]


def test_the_ci_profile_raises_the_count() -> None:
    dev, ci = settings.get_profile("dev"), settings.get_profile("ci")
    assert ci.max_examples >= 5 * dev.max_examples
    # Both repeat themselves: a failure on CI fails again on the next run and locally
    # (HYPOTHESIS_PROFILE=ci); exploring new examples is HYPOTHESIS_PROFILE=explore.
    assert dev.derandomize and ci.derandomize
    assert not settings.get_profile("explore").derandomize
    assert settings.default.deadline is None  # timings on a busy machine are no test


def test_the_profile_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import choose_profile

    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    assert choose_profile() == "ci"
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "dev")
    assert choose_profile() == "dev"
    monkeypatch.delenv("CI")
    monkeypatch.delenv("HYPOTHESIS_PROFILE")
    assert choose_profile() == "dev"
