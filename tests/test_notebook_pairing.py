"""The paired notebooks chapters/<slug>.ipynb match their MyST sources (tools/notebooks.py).

Colab and Binder open the paired notebooks, so a stale pair would show readers an
old chapter. Fix a failure with ``python tools/notebooks.py sync`` (the pre-commit
hook does it for you).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import load_tool

ROOT = Path(__file__).resolve().parents[1]


nbtool = load_tool("notebooks")

CHAPTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

Some prose.

```{code-cell} ipython3
x = 1 + 1
x
```
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A tiny book: _config.yml, _toc.yml and one MyST chapter."""
    (tmp_path / "chapters").mkdir()
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://github.com/example/book.git\n  branch: v2.0\n"
    )
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/intro\nchapters:\n  - file: chapters/one\n"
    )
    (tmp_path / "chapters" / "intro.md").write_text("# Intro\n")
    (tmp_path / "chapters" / "one.md").write_text(CHAPTER)
    return tmp_path


# ------------------------------------------------------------------ the repository itself


def test_every_pair_in_the_repository_is_in_sync() -> None:
    problems = nbtool.problems(ROOT)
    assert not problems, "\n".join(problems)


def test_every_toc_chapter_notebook_has_a_pair_installing_the_matching_dlbook() -> None:
    url, ref = nbtool.repository(ROOT)
    assert url.startswith("https://"), url
    sources = nbtool.toc_notebook_sources(ROOT)
    assert sources, "no chapter of _toc.yml is a MyST notebook"
    for source in sources:
        nb = json.loads(source.with_suffix(".ipynb").read_text(encoding="utf-8"))
        first = "".join(nb["cells"][0]["source"])
        assert f"git+{url}@{ref}" in first, source.name
        assert "remove-cell" in nb["cells"][0]["metadata"]["tags"], source.name


# ---------------------------------------------------------------------------- the tool


def test_sync_writes_a_pair_and_check_passes(book: Path) -> None:
    assert nbtool.problems(book) == ["chapters/one.ipynb: missing (run `" + nbtool.SYNC + "`)"]
    written = nbtool.sync(book)
    assert written == [book / "chapters" / "one.ipynb"]
    assert nbtool.problems(book) == []
    assert nbtool.sync(book) == []  # idempotent: nothing to rewrite


def test_pair_has_the_setup_cell_first_and_no_outputs(book: Path) -> None:
    nbtool.sync(book)
    nb = json.loads((book / "chapters" / "one.ipynb").read_text())
    setup, *rest = nb["cells"]
    assert "dlbook @ git+https://github.com/example/book@v2.0" in "".join(setup["source"])
    assert set(setup["metadata"]["tags"]) == {"remove-cell", nbtool.SETUP_TAG}
    assert [c["cell_type"] for c in rest] == ["markdown", "code"]
    assert all(c["outputs"] == [] for c in nb["cells"] if c["cell_type"] == "code")
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "jupytext" not in nb["metadata"]


def test_pair_is_deterministic(book: Path) -> None:
    source = book / "chapters" / "one.md"
    url, ref = nbtool.repository(book)
    first = nbtool.render(nbtool.paired_notebook(source, url, ref))
    second = nbtool.render(nbtool.paired_notebook(source, url, ref))
    assert first == second
    ids = [cell["id"] for cell in json.loads(first)["cells"]]
    assert len(set(ids)) == len(ids)


def test_check_fails_when_the_chapter_changes(book: Path) -> None:
    nbtool.sync(book)
    source = book / "chapters" / "one.md"
    source.write_text(CHAPTER.replace("1 + 1", "2 + 2"))
    assert nbtool.problems(book) == [
        f"chapters/one.ipynb: differs from one.md (run `{nbtool.SYNC}`)"
    ]


def test_check_fails_when_the_repository_changes(book: Path) -> None:
    nbtool.sync(book)
    config = book / "_config.yml"
    config.write_text(config.read_text().replace("v2.0", "main"))
    assert len(nbtool.problems(book)) == 1


def test_check_flags_an_orphan_notebook(book: Path) -> None:
    nbtool.sync(book)
    (book / "chapters" / "gone.ipynb").write_text("{}")
    assert nbtool.problems(book) == [
        "chapters/gone.ipynb: no MyST notebook chapters/gone.md to pair with"
    ]


def test_plain_markdown_pages_and_templates_get_no_pair(book: Path) -> None:
    (book / "chapters" / "_template.md").write_text(CHAPTER)
    nbtool.sync(book)
    assert sorted(p.name for p in (book / "chapters").glob("*.ipynb")) == ["one.ipynb"]


def test_cli_check_exit_status(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nbtool, "ROOT", book)
    monkeypatch.setattr(nbtool, "problems", lambda root=book: ["x: missing"])
    assert nbtool.main(["check"]) == 1
    monkeypatch.setattr(nbtool, "problems", lambda root=book: [])
    assert nbtool.main(["check"]) == 0


def test_missing_repository_url_is_an_error(book: Path) -> None:
    (book / "_config.yml").write_text("title: x\n")
    with pytest.raises(SystemExit, match=r"repository\.url"):
        nbtool.repository(book)


# -------------------------------------------------------------------- the set-up cell


def run_setup_cell(monkeypatch: pytest.MonkeyPatch, installed: bool) -> list[list[str]]:
    calls: list[list[str]] = []
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object() if installed else None)
    monkeypatch.setattr(subprocess, "run", lambda args, check: calls.append(args))
    exec(nbtool.setup_source("https://github.com/example/book", "main"), {})
    return calls


def test_setup_cell_does_nothing_where_dlbook_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run_setup_cell(monkeypatch, installed=True) == []


def test_setup_cell_installs_the_matching_revision_where_dlbook_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = run_setup_cell(monkeypatch, installed=False)
    assert calls == [
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "dlbook @ git+https://github.com/example/book@main",
        ]
    ]


# --------------------------------------------------------------------------- Binder


def test_binder_installs_cpu_torch_and_dlbook() -> None:
    binder = ROOT / "binder"
    lines = [
        line.split("#", 1)[0].strip()
        for line in (binder / "requirements.txt").read_text(encoding="utf-8").splitlines()
    ]
    lines = [line for line in lines if line]
    constraints = (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8")
    torch_pin = next(
        line.strip() for line in constraints.splitlines() if line.startswith("torch==")
    )
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert f"{torch_pin}+cpu" in lines, "binder/ must install the CPU build of the pinned torch"
    assert not any(line.startswith("torch") and "+cpu" not in line for line in lines)
    assert "." in lines, "binder/ must install dlbook from the launched revision"
    constraint = next(line for line in lines if line.startswith("-c "))
    assert (binder / constraint.removeprefix("-c ").strip()).resolve().is_file()
    runtime = (binder / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime.startswith("python-3."), runtime
