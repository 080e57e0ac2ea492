"""Tests of dlbook.notebook: glue and expect_error, with and without the book's build."""

from __future__ import annotations

import pytest

from dlbook import notebook
from dlbook.notebook import BUILD_ENV, GLUE_PREFIX, MASK_ENV, expect_error, glue, in_book_build

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402


@pytest.fixture
def shell():
    return InteractiveShell.instance()


def test_in_book_build_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUILD_ENV, raising=False)
    assert not in_book_build()
    monkeypatch.setenv(BUILD_ENV, "1")
    assert in_book_build()


def test_glue_without_a_kernel_prints_the_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(BUILD_ENV, raising=False)
    monkeypatch.setattr(notebook, "_format", lambda value: ({"text/plain": repr(value)}, {}))
    glue("speedup", 12.5)
    assert capsys.readouterr().out == "speedup = 12.5\n"


def test_glue_in_a_kernel_writes_the_record_myst_nb_reads(
    shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BUILD_ENV, "1")
    with capture_output() as captured:
        glue("n_params", 269322)
    (output,) = captured.outputs
    assert output.data == {GLUE_PREFIX + "text/plain": "269322"}
    assert output.metadata["scrapbook"] == {"name": "n_params", "mime_prefix": GLUE_PREFIX}
    assert "dlbook" not in output.metadata
    assert captured.stdout == ""  # the build shows nothing


def test_glue_display_and_measured(shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BUILD_ENV, "1")
    with capture_output() as captured:
        glue("ms", 3.25, display=True, measured=True)
    (output,) = captured.outputs
    assert output.data == {"text/plain": "3.25"}
    assert output.metadata["scrapbook"]["mime_prefix"] == ""
    assert output.metadata["dlbook"] == {"measured": True}


def test_glue_in_a_plain_notebook_also_prints(shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUILD_ENV, raising=False)
    with capture_output() as captured:
        glue("loss", 0.5)
    assert captured.stdout == "loss = 0.5\n"
    assert captured.outputs[0].metadata["scrapbook"]["name"] == "loss"


@pytest.mark.parametrize("name", ["", 3, None])
def test_glue_rejects_bad_names(name: object) -> None:
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        glue(name, 1)  # type: ignore[arg-type]


def test_expect_error_shows_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with expect_error(ValueError):
        raise ValueError("X must have shape (n, 784), got (64, 28, 28)")
    assert capsys.readouterr().out == "ValueError: X must have shape (n, 784), got (64, 28, 28)\n"


def test_expect_error_catches_any_exception_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    with expect_error():
        [][1]
    assert capsys.readouterr().out.startswith("IndexError: list index out of range")


def test_expect_error_fails_when_nothing_fails() -> None:
    with pytest.raises(AssertionError, match="expected to raise ValueError"):
        with expect_error(ValueError):
            pass


def test_expect_error_lets_other_errors_through() -> None:
    with pytest.raises(KeyError):
        with expect_error(ValueError):
            raise KeyError("k")


def test_expect_error_rejects_non_exceptions() -> None:
    with pytest.raises(TypeError, match="expected must be exception types"):
        with expect_error(int):  # type: ignore[arg-type]
            pass


def test_measured_values_can_be_masked_for_comparing_builds(shell, monkeypatch) -> None:
    monkeypatch.setenv(BUILD_ENV, "1")
    monkeypatch.setenv(MASK_ENV, "1")
    with capture_output() as captured:
        glue("ms", 3.25, measured=True)
        glue("n", 7)
    assert captured.outputs[0].data == {GLUE_PREFIX + "text/plain": "'(measured)'"}
    assert captured.outputs[1].data == {GLUE_PREFIX + "text/plain": "7"}
