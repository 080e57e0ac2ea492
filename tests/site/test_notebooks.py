"""Launching and downloading chapters: checks of the built site and the paired notebooks.

For every chapter of _toc.yml that is a notebook:

* its paired notebook chapters/<slug>.ipynb exists, matches the .md
  (tools/notebooks.py) and its first cell installs dlbook from the repository and
  revision named in _config.yml;
* the page's Colab and Binder buttons open that notebook, in that repository, at
  that revision; the edit button opens the .md;
* the page offers the .md and an .ipynb for download, and the .ipynb carries the
  executed outputs and the set-up cell.

The site directory is ``$SITE_DIR`` (default ``_build/html``), built from the
table of contents ``$TOC`` (default ``_toc.yml``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from helpers import load_tool

bs4 = pytest.importorskip("bs4")

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("SITE_DIR", ROOT / "_build" / "html")).resolve()
TOC = ROOT / os.environ.get("TOC", "_toc.yml")  # the table of contents the site was built with


nbtool = load_tool("notebooks")
URL, REF = nbtool.repository(ROOT)
OWNER_REPO = urlparse(URL).path.strip("/")
CHAPTERS = [
    path.relative_to(ROOT).with_suffix("").as_posix()
    for path in nbtool.toc_notebook_sources(ROOT, TOC)
]


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").exists():
        pytest.fail(f"no site in {SITE}: run `make book` first (or set SITE_DIR)")
    return SITE


def page(site: Path, docname: str) -> bs4.BeautifulSoup:
    path = site / f"{docname}.html"
    if not path.exists():
        pytest.fail(f"{docname} is in _toc.yml but {path} was not built")
    return bs4.BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def hrefs(soup: bs4.BeautifulSoup, prefix: str) -> list[str]:
    return sorted(
        {a["href"] for a in soup.find_all("a", href=True) if a["href"].startswith(prefix)}
    )


def test_toc_has_notebook_chapters() -> None:
    assert CHAPTERS, "no chapter listed in _toc.yml is a MyST notebook"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_paired_notebook_matches_its_chapter(docname: str) -> None:
    source = ROOT / f"{docname}.md"
    notebook = source.with_suffix(".ipynb")
    assert notebook.exists(), f"{notebook.name} is missing: run `{nbtool.SYNC}`"
    ((_, expected),) = nbtool.expected_pairs([source])
    assert notebook.read_text(encoding="utf-8") == expected, f"run `{nbtool.SYNC}`"
    first = json.loads(expected)["cells"][0]
    assert nbtool.install_requirement(URL, REF) in "".join(first["source"])


@pytest.mark.parametrize("docname", CHAPTERS)
def test_colab_button_opens_the_paired_notebook(site: Path, docname: str) -> None:
    links = hrefs(page(site, docname), "https://colab.research.google.com/")
    assert links, f"{docname} has no Colab button"
    for link in links:
        match = re.fullmatch(
            r"https://colab\.research\.google\.com/github/(.+?)/blob/(.+?)/(.+)", link
        )
        assert match, link
        owner_repo, ref, path = match.groups()
        assert (owner_repo, ref) == (OWNER_REPO, REF), link
        assert path == f"{docname}.ipynb", link
        assert (ROOT / path).is_file(), f"{link} names {path}, which is not in the repository"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_binder_button_opens_the_paired_notebook(site: Path, docname: str) -> None:
    links = hrefs(page(site, docname), "https://mybinder.org/")
    assert links, f"{docname} has no Binder button"
    for link in links:
        parsed = urlparse(link)
        assert parsed.path == f"/v2/gh/{OWNER_REPO}/{REF}", link
        urlpath = parse_qs(parsed.query)["urlpath"][0]
        path = urlpath.split("tree/", 1)[1]
        assert path == f"{docname}.ipynb", link
        assert (ROOT / path).is_file(), f"{link} names {path}, which is not in the repository"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_edit_button_opens_the_markdown_source(site: Path, docname: str) -> None:
    links = hrefs(page(site, docname), f"{URL}/edit/")
    assert links == [f"{URL}/edit/{REF}/{docname}.md"]


@pytest.mark.parametrize("docname", CHAPTERS)
def test_downloads_are_the_source_and_the_executed_notebook(site: Path, docname: str) -> None:
    soup = page(site, docname)
    base = (site / docname).parent
    downloads = {
        Path(a["href"]).suffix: (base / a["href"]).resolve()
        for a in soup.find_all("a", href=True)
        if "_sources/" in a["href"]
    }
    assert set(downloads) >= {".md", ".ipynb"}, downloads
    assert downloads[".md"].read_text(encoding="utf-8") == (ROOT / f"{docname}.md").read_text(
        encoding="utf-8"
    )
    nb = json.loads(downloads[".ipynb"].read_text(encoding="utf-8"))
    setup, *cells = nb["cells"]
    assert nbtool.SETUP_TAG in setup["metadata"].get("tags", [])
    assert nbtool.install_requirement(URL, REF) in "".join(setup["source"])
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    if code:
        with_outputs = [cell for cell in code if cell.get("outputs")]
        assert with_outputs, f"the downloaded {docname}.ipynb has no outputs"
        assert all(cell.get("execution_count") for cell in code), "a code cell was not executed"
