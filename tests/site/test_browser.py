"""The built site in a real browser (Chromium driven by Playwright), with no network.

The site directory (``$SITE_DIR``, default ``_build/html``) is served on
127.0.0.1; every request to any other host is blocked and reported. Checks:

* every page loads with no console error, no script error and no failed request;
* every equation is typeset by MathJax (an ``mjx-container``, no ``mjx-merror``);
* every image loads, and every image in a page's content has alt text;
* each notebook chapter's launch menu opens Colab and Binder on its paired notebook,
  which exists in the repository;
* the search page finds each chapter from a word of its title;
* at phone width no page scrolls sideways and the navigation opens from its button;
* the bibliography shows the DOI of every entry that has one.

Screenshots of a few pages go to ``$SCREENSHOT_DIR`` (default ``screenshots/`` beside
the site directory, e.g. ``_build/screenshots``) for a person to look at.

The browser, the server and ``open_page`` are in browsing.py (see there).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest
from browsing import DESKTOP, PHONE, ROOT, SCREENSHOTS, SITE, TOC, Visit

from tools import config

_repo = config.repository(ROOT)
URL, REF = _repo.url, _repo.branch
TOC_PAGES = config.toc_docnames(ROOT, TOC)
NOTEBOOKS = [
    p.relative_to(ROOT).with_suffix("").as_posix() for p in config.toc_notebook_sources(ROOT, TOC)
]
# The pages Sphinx adds (index, search, general and module index) plus every toc page.
EXTRA_PAGES = sorted(p.stem for p in SITE.glob("*.html")) if SITE.is_dir() else []
PAGES = list(dict.fromkeys(TOC_PAGES + EXTRA_PAGES))


# ------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def desktop(open_page: Any) -> Any:
    """One desktop visit per page, shared by the checks that only read the page."""
    visits: dict[str, Visit] = {}

    def get(docname: str) -> Visit:
        if docname not in visits:
            visits[docname] = open_page(docname)
        return visits[docname]

    return get


def page_file(docname: str) -> Path:
    path = SITE / f"{docname}.html"
    if not path.exists():
        pytest.fail(f"{docname} was not built: {path} is missing")
    return path


# -------------------------------------------------------------------------- checks


def test_site_has_pages() -> None:
    assert TOC_PAGES, f"{TOC} lists no page"
    assert NOTEBOOKS, f"no page of {TOC} is a notebook chapter"


@pytest.mark.parametrize("docname", PAGES)
def test_page_loads_without_errors(desktop: Any, docname: str) -> None:
    page_file(docname)
    problems = desktop(docname).problems()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("docname", TOC_PAGES)
def test_equations_are_typeset(desktop: Any, docname: str) -> None:
    if 'class="math' not in page_file(docname).read_text(encoding="utf-8"):
        # A page without mathematics (test_site checks that every chapter has some).
        return
    math = desktop(docname).page.evaluate(
        """() => {
            const all = [...document.querySelectorAll('.math')];
            return {
                total: all.length,
                typeset: all.filter(e => e.querySelector('mjx-container')).length,
                untypeset: all.filter(e => !e.querySelector('mjx-container'))
                              .slice(0, 3).map(e => e.textContent.slice(0, 80)),
                errors: [...document.querySelectorAll('mjx-merror')]
                              .map(e => e.getAttribute('data-mjx-error') || e.textContent),
            };
        }"""
    )
    assert math["total"] > 0
    assert math["typeset"] == math["total"], f"not typeset: {math['untypeset']}"
    assert not math["errors"], f"MathJax errors: {math['errors']}"


@pytest.mark.parametrize("docname", TOC_PAGES)
def test_images_load_and_have_alt_text(desktop: Any, docname: str) -> None:
    page_file(docname)
    images = desktop(docname).page.evaluate(
        """async () => {
            const images = [...document.images];
            for (const img of images) img.loading = 'eager';
            await Promise.all(images.map(img => img.decode().catch(() => null)));
            const content = document.querySelector('article') || document.body;
            return images.map(img => ({
                src: img.getAttribute('src'),
                alt: (img.getAttribute('alt') || '').trim(),
                inContent: content.contains(img),
                loaded: img.complete && img.naturalWidth > 0,
            }));
        }"""
    )
    broken = [img["src"] for img in images if not img["loaded"]]
    no_alt = [img["src"] for img in images if img["inContent"] and not img["alt"]]
    assert not broken, f"images that did not load: {broken}"
    assert not no_alt, f"images without alt text: {no_alt}"


@pytest.mark.parametrize("docname", NOTEBOOKS)
def test_launch_menu_opens_the_paired_notebook(open_page: Any, docname: str) -> None:
    page = open_page(docname).page
    page.locator('button[aria-label="Launch interactive content"]').first.click()
    links = {
        "Colab": page.locator('a[href^="https://colab.research.google.com/"]').first,
        "Binder": page.locator('a[href^="https://mybinder.org/"]').first,
    }
    owner_repo = urlparse(URL).path.strip("/")
    for name, link in links.items():
        link.wait_for(state="visible", timeout=10_000)
        href = link.get_attribute("href") or ""
        if name == "Colab":
            expected = f"https://colab.research.google.com/github/{owner_repo}/blob/{REF}/"
            path = href.removeprefix(expected)
        else:
            expected = f"https://mybinder.org/v2/gh/{owner_repo}/{REF}?urlpath="
            path = href.removeprefix(expected).split("tree/", 1)[-1]
        assert href.startswith(expected), f"{name}: {href}"
        assert path == f"{docname}.ipynb", f"{name}: {href}"
        assert (ROOT / path).is_file(), f"{name} opens {path}, which is not in the repository"


def search_term(docname: str) -> str:
    """The longest word of the page's title (search finds titles first)."""
    html = page_file(docname).read_text(encoding="utf-8")
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, f"{docname} has no title"
    title = re.sub(r"<[^>]+>", " ", match.group(1))
    words = re.findall(r"[A-Za-z]{4,}", title)
    assert words, f"no searchable word in the title of {docname}: {title!r}"
    return max(words, key=len).lower()


@pytest.mark.parametrize("docname", [d for d in TOC_PAGES if d != TOC_PAGES[0]])
def test_search_finds_the_chapter(open_page: Any, docname: str) -> None:
    term = search_term(docname)
    visit = open_page(f"search?q={quote(term)}")
    page = visit.page
    page.wait_for_selector("ul.search li a", timeout=30_000)
    hrefs = page.eval_on_selector_all("ul.search li a", "els => els.map(a => a.href)")
    assert any(f"/{docname}.html" in href for href in hrefs), (term, hrefs[:10])
    assert not visit.problems(), visit.problems()


@pytest.mark.parametrize("docname", TOC_PAGES)
def test_page_is_usable_at_phone_width(open_page: Any, docname: str) -> None:
    page_file(docname)
    page = open_page(docname, PHONE).page
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at phone width"
    text_size = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('article p, article')).fontSize)"
    )
    assert text_size >= 14, f"body text is {text_size}px at phone width"
    nav = page.locator(
        "#pst-primary-sidebar-modal a.reference:visible, #pst-primary-sidebar a.reference:visible"
    )
    assert nav.count() == 0, "the navigation covers the page before it is opened"
    toggle = page.locator(".primary-toggle:visible").first
    toggle.wait_for(state="visible", timeout=10_000)
    toggle.click()
    nav.first.wait_for(state="visible", timeout=10_000)


def test_bibliography_shows_dois(desktop: Any) -> None:
    docname = next((d for d in TOC_PAGES if d.endswith("bibliography")), None)
    if docname is None:
        pytest.skip("no bibliography page in the table of contents")
    pybtex = pytest.importorskip("pybtex.database")
    entries = pybtex.parse_file(str(ROOT / "references.bib")).entries

    def plain(title: str) -> str:
        return re.sub(r"\W+", " ", title.replace("{", "").replace("}", "")).lower().strip()

    # Every title, with its DOI or None: a citation is the entry whose title is the
    # longest one found in its text ("Layer normalization" is inside the title "On layer
    # normalization in the Transformer architecture" of another entry).
    titles = {
        plain(e.fields["title"]): e.fields.get("doi", "").lower() or None
        for e in entries.values()
        if "title" in e.fields
    }
    citations = desktop(docname).page.evaluate(
        """() => [...document.querySelectorAll('.citation')].map(c => ({
            text: c.innerText,
            links: [...c.querySelectorAll('a[href]')].map(a => a.href.toLowerCase()),
        }))"""
    )
    assert citations, "the bibliography is empty"
    checked = 0
    for citation in citations:
        text = re.sub(r"\W+", " ", citation["text"]).lower()
        found = [title for title in titles if title[:60] in text]
        if not found:
            continue
        doi = titles[max(found, key=len)]
        if doi is not None:
            checked += 1
            assert any(doi in link for link in citation["links"]), (
                f"no DOI link ({doi}) in: {citation['text'][:120]}"
            )
    assert checked, "no entry with a DOI is cited in the book"


def test_screenshots(open_page: Any) -> None:
    """Screenshots for a person to look at: desktop and phone views of a few pages."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chapter = NOTEBOOKS[0]
    shots = {
        "home": (TOC_PAGES[0], DESKTOP),
        "chapter": (chapter, DESKTOP),
        "chapter-phone": (chapter, PHONE),
    }
    shots.update(
        {d.rsplit("/", 1)[-1]: (d, DESKTOP) for d in TOC_PAGES if d.endswith(("api", "execution"))}
    )
    written = []
    for name, (docname, viewport) in shots.items():
        page = open_page(docname, viewport).page
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        written.append(path)
    page = open_page(chapter, DESKTOP).page
    figure = page.locator("figure img").first
    if figure.count():
        figure.scroll_into_view_if_needed()
        page.evaluate("() => window.scrollBy(0, -120)")
        page.screenshot(path=str(SCREENSHOTS / "chapter-figure.png"))
        written.append(SCREENSHOTS / "chapter-figure.png")
    page = open_page(chapter, DESKTOP).page
    page.locator('button[aria-label="Launch interactive content"]').first.click()
    page.locator('a[href^="https://colab.research.google.com/"]').first.wait_for(state="visible")
    page.screenshot(path=str(SCREENSHOTS / "chapter-launch-menu.png"))
    written.append(SCREENSHOTS / "chapter-launch-menu.png")
    page = open_page(chapter, PHONE).page
    page.locator(".primary-toggle:visible").first.click()
    page.locator("#pst-primary-sidebar-modal a.reference:visible").first.wait_for(state="visible")
    page.screenshot(path=str(SCREENSHOTS / "chapter-phone-menu.png"))
    written.append(SCREENSHOTS / "chapter-phone-menu.png")
    assert all(path.stat().st_size > 10_000 for path in written), written


def test_api_page_documents_every_public_object(desktop: Any) -> None:
    """Every module of dlbook and every name of its ``__all__`` is on the API page."""
    import importlib
    import inspect
    import pkgutil

    docname = next((d for d in TOC_PAGES if d.endswith("/api")), None)
    if docname is None:
        pytest.skip("no API page in the table of contents")
    ids = set(desktop(docname).page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    dlbook = importlib.import_module("dlbook")
    modules = [dlbook] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(dlbook.__path__, "dlbook.")
        if not any(part.startswith("_") for part in info.name.split("."))
    ]
    by_name: dict[str, list[str]] = {}
    for anchor in ids:
        by_name.setdefault(anchor.rpartition(".")[2], []).append(anchor)

    def documented(obj: Any, name: str) -> bool:
        for anchor in by_name.get(name, []):
            module, _, attr = anchor.rpartition(".")
            try:
                if getattr(importlib.import_module(module), attr) is obj:
                    return True
            except (ImportError, ValueError):
                continue
        return False

    missing = [
        f"module {module.__name__}"
        for module in modules
        if getattr(module, "__all__", None) and f"module-{module.__name__}" not in ids
    ]
    for module in modules:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if name.startswith("__") or obj is None or inspect.ismodule(obj):
                continue
            if not documented(obj, name):
                missing.append(f"{module.__name__}.{name}")
    assert not missing, f"not on the API page: {missing}"
