"""The PDF edition, as the site offers it.

* Every page's download menu has an entry for the whole book as a PDF, at
  ``_static/<name>.pdf`` (tools/sphinx_a11y.py adds it).
* When that file is there (``make pdf`` builds it and copies it into the site; a plain
  ``make book`` does not), it is a PDF of the book: its title, a plausible number of
  pages, every chapter, and the note that replaces the interactive figure.

``pdfinfo`` and ``pdftotext`` come from poppler-utils, which ``make latex-tools``
installs with TeX Live.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from browsing import SITE
from test_browser import NOTEBOOKS, TOC_PAGES, page_file

from tools import sphinx_a11y as a11y

PDF_NAME = a11y.DEFAULT_PDF_NAME
PDF = SITE / "_static" / PDF_NAME
#: About 235 pages when this was written (11 chapters in some 130 pages, the API
#: reference in some 85, the bibliography and the indexes); far outside this range the
#: PDF lost or duplicated a good part of the book.
PAGE_RANGE = (150, 400)


def menu_links(docname: str) -> list[str]:
    html = page_file(docname).read_text(encoding="utf-8")
    menu = re.search(r'<div class="dropdown dropdown-download-buttons">(.*?)</ul>', html, re.S)
    assert menu, f"{docname} has no download menu"
    return re.findall(r'<a href="([^"]+)"[^>]*btn-download-book-pdf-button', menu.group(1))


@pytest.mark.parametrize("docname", TOC_PAGES)
def test_download_menu_offers_the_book_pdf(docname: str) -> None:
    links = menu_links(docname)
    assert len(links) == 1, f"{docname}: {len(links)} entries for the book PDF in the menu"
    target = posixpath.normpath(posixpath.join(posixpath.dirname(docname), links[0]))
    assert target == f"_static/{PDF_NAME}", f"{docname} links {links[0]}"


def run(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: `make latex-tools` installs it (poppler-utils)")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdf() -> Path:
    if not PDF.exists():
        pytest.skip(f"no {PDF.relative_to(SITE.parent)}: `make pdf` builds the PDF into the site")
    return PDF


def test_book_pdf_is_the_book(pdf: Path) -> None:
    assert pdf.read_bytes()[:5] == b"%PDF-", f"{pdf} is not a PDF"
    info = dict(line.split(":", 1) for line in run("pdfinfo", str(pdf)).splitlines() if ":" in line)
    pages = int(info["Pages"])
    assert PAGE_RANGE[0] <= pages <= PAGE_RANGE[1], f"{pages} pages, not in {PAGE_RANGE}"
    assert info.get("Title", "").strip() == "Introduction to Deep Learning", info.get("Title")


def test_book_pdf_has_every_chapter_and_the_interactive_note(pdf: Path) -> None:
    text = " ".join(run("pdftotext", str(pdf), "-").split()).lower()
    for docname in NOTEBOOKS:
        html = page_file(docname).read_text(encoding="utf-8")
        title = re.sub(r"<[^>]+>|#", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))
        title = " ".join(title.replace("\N{SOFT HYPHEN}", "").split()).lower()
        assert title in text, f"chapter {title!r} ({docname}) is not in the PDF"
    assert a11y.INTERACTIVE_NOTE.lower() in text, "the note under the interactive figure is missing"
    assert "bibliography" in text
