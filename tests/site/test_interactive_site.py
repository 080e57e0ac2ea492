"""The interactive figures of the built site, in Chromium, from the keyboard.

For every figure of :data:`interactive_checks.FIGURES` found on a chapter page
(``class="dlbook-figure"``, named by ``data-name``): the page loads the renderer once,
as the site's static file ``_static/dlbook-figure.js`` (nothing inline), and stays
under 400 kB; the figure draws with no script error; each control, moved from the
keyboard, changes the drawing and the readout, which agrees with dlbook's own
computation for the setting reached (tests/interactive_checks.py); at phone width
the figure fits the screen, in the light and the dark theme. A figure that no page
holds yet is skipped, naming its chapter.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browsing import PHONE, SITE
from interactive_checks import FIGURES, drive_with_keyboard

from dlbook.interactive import figure_data

MAX_PAGE_BYTES = 400_000


def pages_with_figures() -> dict[str, str]:
    """Figure name -> docname of the page that holds it."""
    found: dict[str, str] = {}
    for path in sorted(SITE.glob("**/*.html")) if SITE.is_dir() else []:
        text = path.read_text(encoding="utf-8", errors="replace")
        for name in re.findall(r'<div class="dlbook-figure" data-name="([^"]+)"', text):
            found.setdefault(name, path.relative_to(SITE).with_suffix("").as_posix())
    return found


PAGES = pages_with_figures()


def page_of(name: str) -> str:
    if name not in PAGES:
        pytest.skip(f"no page of the site holds the {name} figure (chapter {FIGURES[name]})")
    return PAGES[name]


@pytest.mark.parametrize("name", FIGURES)
def test_page_loads_the_renderer_once_and_stays_small(html_dir: Any, name: str) -> None:
    docname = page_of(name)
    path = html_dir / f"{docname}.html"
    text = path.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < MAX_PAGE_BYTES, (
        f"{docname}.html is {path.stat().st_size:,} bytes"
    )
    scripts = re.findall(r'<script[^>]*src="([^"]*dlbook-figure\.js[^"]*)"', text)
    assert len(scripts) == 1, f"{docname} loads the renderer {len(scripts)} times"
    assert "window.dlbookFigure" not in text, "the renderer is inlined in the page"
    assert (html_dir / "_static" / "dlbook-figure.js").exists()
    assert "bokeh" not in text.lower()


@pytest.mark.parametrize("name", FIGURES)
def test_figure_moves_from_the_keyboard_and_reads_out_dlbooks_values(
    open_page: Any, name: str
) -> None:
    docname = page_of(name)
    visit = open_page(docname)
    page = visit.page
    root = page.locator(f'.dlbook-figure[data-name="{name}"]').first
    root.locator("svg").wait_for()
    (data,) = [d for d in figure_data(root.evaluate("(el) => el.outerHTML")) if d["name"] == name]
    problems = visit.problems() + drive_with_keyboard(page, root, data)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", FIGURES)
def test_figure_fits_a_phone_in_both_themes(open_page: Any, name: str, theme: str) -> None:
    docname = page_of(name)
    page = open_page(docname, viewport=PHONE, theme=theme).page
    root = page.locator(f'.dlbook-figure[data-name="{name}"]').first
    root.locator("svg").wait_for()
    box = root.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == theme
    colour = root.locator(".dlf-readout").evaluate("(el) => getComputedStyle(el).color")
    assert (colour == "rgb(230, 230, 230)") == (theme == "dark")
