"""Launching and downloading chapters: checks of the built site and of the chapters' notebooks.

For every chapter of _toc.yml that is a notebook:

* its notebook in the repository, chapters/<slug>.ipynb, is what this build would
  write (tools.notebooks check: everything but the glued values);
* the page's Colab and Binder buttons open that notebook, in that repository, at
  that revision; the edit button opens the .md;
* the page offers the .md and an .ipynb for download, and the .ipynb carries the
  executed outputs, plain Markdown with the build's values, and a set-up cell that
  installs the commit that built the site.

The site directory is ``$SITE_DIR`` (default ``_build/html``), built from the
table of contents ``$TOC`` (default ``_toc.yml``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import nbformat
import pytest

from tools import config, notebooks

bs4 = pytest.importorskip("bs4")

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("SITE_DIR", ROOT / "_build" / "html")).resolve()
TOC = ROOT / os.environ.get("TOC", "_toc.yml")  # the table of contents the site was built with


REPO = config.repository(ROOT)
URL, REF = REPO.url, REPO.branch
OWNER_REPO = urlparse(URL).path.strip("/")
CHAPTERS = [
    path.relative_to(ROOT).with_suffix("").as_posix()
    for path in config.toc_notebook_sources(ROOT, TOC)
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


def test_repository_notebooks_are_what_this_build_writes(site: Path) -> None:
    assert notebooks.check(site.parent, ROOT, TOC) == []


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
    assert notebooks.SETUP_TAG in setup["metadata"].get("tags", [])
    built = notebooks.git_commit(ROOT)
    assert f"dlbook[notebook] @ git+{URL}@{built}" in "".join(setup["source"]), (
        "a downloaded notebook installs the commit that built the site"
    )
    assert nb["metadata"]["dlbook"]["built_from"] == built
    assert notebooks.problems_in(nbformat.reads(json.dumps(nb), as_version=4)) == []
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    if code:
        with_outputs = [cell for cell in code if cell.get("outputs")]
        assert with_outputs, f"the downloaded {docname}.ipynb has no outputs"
        assert all(cell.get("execution_count") for cell in code), "a code cell was not executed"
