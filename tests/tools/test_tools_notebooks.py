"""Tests of tools.notebooks: the chapters' notebooks, as kept in the repository and as built.

The notebooks in chapters/ are written by the build (`make book`), so here they are
checked against their MyST chapters without a build: same code, plain Markdown,
hidden solutions, a set-up cell that installs the matching dlbook. The site tests
compare them with the build itself (tests/site/test_notebooks.py).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import config, notebooks
from tools.myst_to_jupyter import Citation, GlueValue, Target

ROOT = Path(__file__).resolve().parents[2]
REPO = config.repository(ROOT)
SOURCES = config.toc_notebook_sources(ROOT)
IDS = [source.stem for source in SOURCES]


def code_sources(nb: nbformat.NotebookNode) -> list[str]:
    """The code of each code cell, without the title line a folded cell gets."""
    return [
        re.sub(r"^#@title [^\n]*\n", "", cell.source)
        for cell in nb.cells
        if cell.cell_type == "code" and notebooks.SETUP_TAG not in cell.metadata.get("tags", [])
    ]


def test_the_toc_has_chapters() -> None:
    assert len(SOURCES) >= 11


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_repository_notebook_has_the_chapters_code(source: Path) -> None:
    notebook = source.with_suffix(".ipynb")
    assert notebook.exists(), f"{notebook.name} is missing: run `make book` and commit it"
    nb = nbformat.read(notebook, as_version=4)
    assert code_sources(nb) == code_sources(notebooks.read_source(source)), (
        f"{notebook.name} is stale: run `make book` and commit it"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_repository_notebook_reads_as_a_plain_notebook(source: Path) -> None:
    nb = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert notebooks.problems_in(nb) == []
    for cell in nb.cells:
        assert cell.get("outputs", []) == [], "repository notebooks carry no outputs"
    text = source.read_text(encoding="utf-8")
    solutions = len(re.findall(r"\{solution(-start)?\}", text))
    hidden = sum(
        cell.source.count("<summary>Solution to")
        for cell in nb.cells
        if cell.cell_type == "markdown"
    )
    assert hidden == solutions, "every solution is inside a <details> block"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_repository_notebook_installs_this_edition(source: Path) -> None:
    nb = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    first = nb.cells[0]
    assert notebooks.SETUP_TAG in first.metadata["tags"]
    ed = notebooks.edition(ROOT)
    assert f'"install": "dlbook[notebook] @ git+{REPO.url}@{REPO.branch}"' in first.source
    assert nb.metadata["dlbook"]["dlbook"] == ed.dlbook, "the notebook was made by an older dlbook"
    assert nb.metadata["dlbook"]["torch"] == ed.torch


def test_every_notebook_in_chapters_belongs_to_a_chapter() -> None:
    for notebook in (ROOT / "chapters").glob("*.ipynb"):
        assert config.is_notebook_source(notebook.with_suffix(".md")), notebook.name


def test_no_chapter_relies_on_cell_tags_that_colab_ignores() -> None:
    for source in SOURCES:
        assert "raises-exception" not in source.read_text(encoding="utf-8"), (
            f"{source.name}: Colab ignores tags; show a deliberate error with "
            "dl.notebook.expect_error instead"
        )


# -------------------------------------------------------------------- the set-up cell

EDITION = notebooks.Edition(
    url="https://github.com/example/book",
    ref="v2.0.1",
    site="https://example.org/book/",
    dlbook="2.0.1",
    torch="2.13.0",
    python="3.11",
)


def run_setup_cell(
    monkeypatch, installed: bool, versions=("2.0.1", "2.13.0+cpu")
) -> tuple[list, str]:
    calls: list[list[str]] = []
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object() if installed else None)
    monkeypatch.setattr(subprocess, "run", lambda args, check: calls.append(args))
    fake_dlbook = type(sys)("dlbook")
    fake_dlbook.__version__ = versions[0]
    fake_torch = type(sys)("torch")
    fake_torch.__version__ = versions[1]
    monkeypatch.setitem(sys.modules, "dlbook", fake_dlbook)
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    printed: list[str] = []
    exec(notebooks.setup_source(EDITION), {"print": lambda *a: printed.append(" ".join(a))})
    return calls, "\n".join(printed)


def test_setup_cell_does_nothing_where_dlbook_is_installed(monkeypatch) -> None:
    assert run_setup_cell(monkeypatch, installed=True) == ([], "")


def test_setup_cell_installs_the_matching_revision_where_dlbook_is_missing(monkeypatch) -> None:
    calls, printed = run_setup_cell(monkeypatch, installed=False)
    assert calls == [
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "dlbook[notebook] @ git+https://github.com/example/book@v2.0.1",
        ]
    ]
    assert printed == ""


@pytest.mark.parametrize(
    ("versions", "warned"),
    [
        (("2.0.5", "2.13.1"), False),  # patch releases: the same edition
        (("2.1.0", "2.13.0"), True),
        (("2.0.1", "2.8.0+cu126"), True),
    ],
)
def test_setup_cell_warns_when_a_minor_version_differs(monkeypatch, versions, warned: bool) -> None:
    _, printed = run_setup_cell(monkeypatch, installed=True, versions=versions)
    assert bool(printed) is warned
    if warned:
        assert (
            "pip install 'dlbook[notebook] @ git+https://github.com/example/book@v2.0.1'" in printed
        )


def test_edition_of_a_built_notebook_is_its_commit() -> None:
    built = notebooks.edition(ROOT, built=True)
    assert re.fullmatch(r"[0-9a-f]{40}", built.ref)
    assert built.built == built.ref
    assert notebooks.edition(ROOT, ref="v9.9.9").ref == "v9.9.9"


# ------------------------------------------------------------------ the built book

PAGE = """<html><head><title>3. The perceptron &#8212; Book</title></head><body><article>
<h1><span class="section-number">3. </span>The perceptron<a class="headerlink" href="#x">#</a></h1>
<section id="learning-the-weights"><h2><span class="section-number">3.2. </span>Learning the weights<a class="headerlink" href="#y">#</a></h2>
<span class="eqno">(3.4)<a class="headerlink" href="#equation-eq-rule" title="Link">#</a></span>
<figure class="align-default" id="fig-paths"><img alt="a" src="x.png"/>
<figcaption><p><span class="caption-number">Fig. 3.2 </span><span class="caption-text">Paths</span></p></figcaption></figure>
<div class="exercise admonition" id="ex-vote"><p class="admonition-title"><span class="caption-number">Exercise 3.1 </span> (A vote)</p></div>
<span class="bibtex-citation" id="id1">Rosenblatt [<a class="reference internal" href="bibliography.html#cite-rosenblatt1958" title="t">1958</a>]</span>
<span class="bibtex-citation" id="id2">[<a class="reference internal" href="bibliography.html#cite-mp43" title="t">McCulloch and Pitts, 1943</a>]</span>
<span class="bibtex-citation" id="id3">Rumelhart <em>et al.</em> [<a class="reference internal" href="bibliography.html#cite-rumelhart86" title="t">1986</a>]</span>
</section></article></body></html>"""


def test_book_index_reads_numbers_titles_and_citations(tmp_path: Path) -> None:
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "perceptron.html").write_text(PAGE)
    index = notebooks.BookIndex.from_html(tmp_path, ["chapters/perceptron"], "https://x/")
    assert index.pages["chapters/perceptron"].title == "The perceptron"
    assert index.targets["eq-rule"] == Target(
        "equation", "chapters/perceptron", "equation-eq-rule", "(3.4)"
    )
    assert index.targets["fig-paths"].number == "Fig. 3.2"
    assert index.targets["ex-vote"].number == "Exercise 3.1"
    section = index.targets["learning-the-weights"]
    assert (section.kind, section.number, section.title) == (
        "section",
        "3.2",
        "Learning the weights",
    )
    assert index.citations == {
        "rosenblatt1958": Citation("Rosenblatt", "1958"),
        "mp43": Citation("McCulloch and Pitts", "1943"),
        "rumelhart86": Citation("Rumelhart et al.", "1986"),
    }


def test_glue_values_come_from_the_executed_outputs(tmp_path: Path) -> None:
    record = {
        "output_type": "display_data",
        "metadata": {
            "scrapbook": {"name": "ms", "mime_prefix": notebooks.GLUE_MIME_PREFIX},
            "dlbook": {"measured": True},
        },
        "data": {notebooks.GLUE_MIME_PREFIX + "text/plain": "3.5"},
    }
    path = tmp_path / "page.glue.json"
    path.write_text(json.dumps({"ms": record}))
    assert notebooks.glue_values(None, path) == {"ms": GlueValue({"text/plain": "3.5"}, True)}


CHAPTER = """\
---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# One

The loss is {glue:text}`loss:.2f`, see {eq}`eq-one`.

$$
y = x
$$ (eq-one)

```{code-cell} ipython3
x = 1
```
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "chapters").mkdir()
    (tmp_path / "dlbook").mkdir()
    (tmp_path / "dlbook" / "__init__.py").write_text('__version__ = "2.0.1"\n')
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "constraints.txt").write_text("torch==2.13.0\n")
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://github.com/example/book.git\n  branch: main\n"
        "html:\n  baseurl: https://example.org/book\n"
    )
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: chapters/one\n")
    (tmp_path / "chapters" / "one.md").write_text(CHAPTER)
    (tmp_path / "_build" / "html" / "chapters").mkdir(parents=True)
    (tmp_path / "_build" / "html" / "chapters" / "one.html").write_text(
        '<article><h1>One</h1><span class="eqno">(1.1)<a class="headerlink" href="#equation-eq-one">#</a></span></article>'
    )
    return tmp_path


def glue_json(book: Path, value: str) -> Path:
    folder = book / "_build" / "jupyter_execute" / "chapters"
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "metadata": {"scrapbook": {"name": "loss", "mime_prefix": ""}},
        "data": {"text/plain": value},
    }
    (folder / "one.glue.json").write_text(json.dumps({"loss": record}))
    return folder.parent


def build(book: Path, value: str) -> list[str]:
    return notebooks.write_notebooks(
        book,
        book / "_build",
        book / "_build" / "html",
        ["chapters/one"],
        {},
        glue_json(book, value),
    )


def test_the_build_writes_notebooks_that_sync_and_check_accept(book: Path) -> None:
    assert build(book, "0.7423") == []
    notebook = book / "chapters" / "one.ipynb"
    assert notebooks.check(book / "_build", book) == [
        "chapters/one.ipynb: missing (run `make book` and commit it)"
    ]
    assert notebooks.sync(book / "_build", book) == [notebook]
    assert notebooks.check(book / "_build", book) == []
    nb = nbformat.read(notebook, as_version=4)
    assert nb.cells[1].source.startswith("# One\n\nThe loss is 0.74, see (1.1).")
    assert "\\tag{1.1}" in nb.cells[1].source
    assert notebooks.sync(book / "_build", book) == []  # nothing changed


def test_check_ignores_glued_values_but_not_text(book: Path) -> None:
    build(book, "0.7423")
    notebooks.sync(book / "_build", book)
    build(book, "0.7481")  # another machine: the last digits move
    assert notebooks.check(book / "_build", book) == []
    source = book / "chapters" / "one.md"
    source.write_text(CHAPTER.replace("The loss is", "The training loss is"))
    build(book, "0.7423")
    (problem,) = notebooks.check(book / "_build", book)
    assert "differs from one.md" in problem


def test_a_conversion_problem_is_reported_not_raised(book: Path) -> None:
    (book / "chapters" / "one.md").write_text(CHAPTER + "\n{weird}`role`\n")
    (problem,) = build(book, "0.7423")
    assert "unknown role" in problem


def test_a_masked_measurement_is_written_as_it_is() -> None:
    """The masked builds that compare_builds compares glue "(measured)" for timings."""
    assert notebooks._format_text("'(measured)'", ".0f") == "(measured)"
    assert notebooks._format_text("3.7", ".0f") == "4"
