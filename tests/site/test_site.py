"""Checks of the built site in _build/html (run after `make book`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]


def toc() -> dict:
    return yaml.safe_load((ROOT / os.environ.get("TOC", "_toc.yml")).read_text())


def toc_files(*, numbered_only: bool = False) -> list[str]:
    """Pages in toc order; with ``numbered_only``, the chapters of numbered parts."""
    book = toc()
    files = [] if numbered_only else [book["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in book.get("parts", []):
        if part.get("numbered") or not numbered_only:
            walk(part.get("chapters"))
    if not numbered_only:
        walk(book.get("chapters"))
    return files


PAGES = toc_files()
CHAPTERS = toc_files(numbered_only=True)


def soup(html_dir: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((html_dir / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


OUTLINE = [
    "supervised-learning",
    "tensors",
    "perceptron",
    "mlp",
    "universal-approximation",
    "layers",
    "backpropagation",
    "softmax-cross-entropy",
    "vanishing-gradients",
    "architectures",
    "libraries-and-gpus",
]


def test_toc_lists_the_chapters_of_the_outline():
    assert PAGES[0] == "chapters/intro"
    assert "chapters/bibliography" in PAGES and "chapters/api" in PAGES
    if "TOC" not in os.environ or os.environ["TOC"] == "_toc.yml":
        assert [f"chapters/{name}" for name in OUTLINE] == CHAPTERS


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_the_toc_was_built(html_dir: Path, page: str):
    assert (html_dir / f"{page}.html").is_file(), f"{page}.html is missing"


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_outputs_hold_no_traceback_error_or_warning(html_dir: Path, page: str):
    page_soup = soup(html_dir, page)
    outputs = page_soup.select("div.cell_output")
    assert outputs, f"{page} has no executed output"
    for output in outputs:
        if "tag_raises-exception" in (output.find_parent("div", class_="cell") or {}).get(
            "class", []
        ):
            continue  # a deliberate error demonstration
        text = output.get_text()
        assert "Traceback (most recent call last)" not in text, f"traceback in {page}"
        assert not output.select(".output.traceback, .output.error"), f"error output in {page}"
        assert not output.select(".output.stderr"), (
            f"stderr output in {page}: {output.select('.output.stderr')[0].get_text()[:300]}"
        )
        assert "Warning:" not in text and "Warning)" not in text, f"warning in {page}: {text[:300]}"
        assert not re.search(r"\|\s*(---|\u2014)\s*\|", text), (
            f"a Markdown table in {page} was printed as text, not rendered: {text[:200]}"
        )


@pytest.mark.parametrize("page", CHAPTERS)
def test_every_output_figure_has_alt_text_and_a_caption(html_dir: Path, page: str):
    page_soup = soup(html_dir, page)
    images = page_soup.select("div.cell_output img")
    for image in images:
        alt = (image.get("alt") or "").strip()
        assert len(alt.split()) >= 4, (
            f"figure {image.get('src')} in {page} lacks descriptive alt text"
        )
        assert not re.search(r"\.(png|svg|jpg)$", alt), (
            f"alt text of {image.get('src')} is a file name"
        )
        src = image.get("src", "")
        assert src.startswith("data:") or (html_dir / Path(page).parent / src).resolve().is_file()
    for figure in page_soup.select("figure"):
        if figure.select("img"):
            assert figure.select("figcaption"), f"a figure in {page} has no caption"


@pytest.mark.parametrize("page", PAGES)
def test_no_script_or_stylesheet_is_loaded_from_the_network(html_dir: Path, page: str):
    page_soup = soup(html_dir, page)
    for tag in page_soup.select("script[src]"):
        assert not re.match(r"(https?:)?//", tag["src"]), f"{page} loads {tag['src']}"
    for tag in page_soup.select("link[rel=stylesheet][href]"):
        assert not re.match(r"(https?:)?//", tag["href"]), f"{page} loads {tag['href']}"


def test_mathjax_is_served_by_the_site(html_dir: Path):
    page = (html_dir / "chapters" / "mlp.html").read_text(encoding="utf-8")
    assert re.search(r'src="\.\./_static/mathjax/tex-chtml\.js(\?v=\w+)?"', page)
    assert (html_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapters_have_numbered_equations_exercises_and_hidden_solutions(html_dir: Path, page: str):
    page_soup = soup(html_dir, page)
    assert page_soup.select("div.math, span.math, .math.notranslate"), f"{page} has no maths"
    exercises = page_soup.select("div.exercise")
    assert len(exercises) >= 3, f"{page} has {len(exercises)} exercises, fewer than 3"
    solutions = page_soup.select("details.solution, div.solution.dropdown, div.solution.toggle")
    assert len(solutions) >= 3, f"{page} has {len(solutions)} hidden solutions"


def test_bibliography_lists_dois(html_dir: Path):
    page = (html_dir / "chapters" / "bibliography.html").read_text(encoding="utf-8")
    assert "https://doi.org/10.1037/h0042519" in page  # Rosenblatt 1958


def test_execution_page_lists_every_chapter_and_the_environment(html_dir: Path):
    page_soup = soup(html_dir, "chapters/execution")
    text = page_soup.get_text(" ")
    for row in ("Python", "PyTorch", "CPU", "GPU"):
        assert row in text
    (table,) = page_soup.select("table.dlbook-execution")
    rows = {}
    for row in table.select("tbody tr"):
        cells = row.select("td")
        link = cells[0].select_one("a[href]")
        assert link is not None, "every chapter in the execution table links to it"
        rows[link["href"].split("#")[0].removesuffix(".html")] = [
            c.get_text(strip=True) for c in cells
        ]
    for chapter in CHAPTERS:
        slug = chapter.rsplit("/", 1)[-1]
        assert slug in rows, f"{chapter} has no execution time"
        made, seconds, how = rows[slug][1:]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", made), made
        assert float(seconds) > 0, f"{chapter} has no recorded run time"
        assert how in ("executed", "reused from the cache"), how


def test_no_unrendered_template_is_published(html_dir: Path):
    for path in html_dir.rglob("*.html"):
        assert "{{ pathto(" not in path.read_text(encoding="utf-8", errors="replace"), path
