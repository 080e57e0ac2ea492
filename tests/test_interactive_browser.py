"""One interactive figure in a real browser, from a standalone page (no site build needed).

Chromium (the system's, ``$CHROMIUM`` or ``/usr/bin/chromium``) driven by Playwright
opens pages that ``StaticHTML.save`` wrote, with the renderer inline as in a notebook,
and checks: the figure draws with no script error and hides its fallback image; every
control has its label as accessible name and moves from the keyboard, changing the
drawing and the ``aria-live`` readout, which agrees with dlbook's own computation for
the setting reached; at 390 px the figure fits the width; the dark theme
(``data-theme="dark"`` on ``<html>``) changes its colours. Skipped where Chromium or
Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from interactive_checks import drive_with_keyboard

from dlbook.demos import interactive_figures as figs
from dlbook.interactive import figure_data

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


FIGURES = {
    "perceptron_boundary": lambda: figs.perceptron_boundary(
        angles=[0, 45, 90], biases=[-1.0, 0.0, 1.0], n_samples=20
    ),
    "gradient_profile": lambda: figs.gradient_profile(
        depth=6, width=8, activations=["sigmoid", "relu"], inits=["default", "he"]
    ),
}


@pytest.mark.parametrize("name", FIGURES)
def test_figure_works_from_the_keyboard(
    browser: Any, tmp_path: Path, monkeypatch, name: str
) -> None:
    monkeypatch.delenv("DLBOOK_BOOK_BUILD", raising=False)  # the renderer inline
    fig = FIGURES[name]()
    (data,) = figure_data(fig)
    path = tmp_path / f"{name}.html"
    fig.save(str(path))
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type in ("error", "warning") and errors.append(m.text))
    page.goto(path.as_uri())
    root = page.locator(".dlbook-figure")
    root.locator("svg").wait_for()
    assert not errors, errors
    assert root.locator("img.dlf-fallback-img").is_hidden()
    assert root.locator(".dlf-readout").get_attribute("aria-live") == "polite"
    assert (
        root.locator(".dlf-readout").text_content()
        == data["frames"][int(root.get_attribute("data-frame"))]["text"]
    )
    svg_name = page.evaluate(
        "() => document.getElementById("
        "document.querySelector('.dlbook-figure svg').getAttribute('aria-labelledby')).textContent"
    )
    assert svg_name == data["alt"]
    problems = drive_with_keyboard(page, root, data)
    assert not problems, "\n".join(problems)

    light = root.evaluate("(el) => getComputedStyle(el).backgroundColor")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    dark = root.evaluate("(el) => getComputedStyle(el).backgroundColor")
    text = root.locator(".dlf-readout").evaluate("(el) => getComputedStyle(el).color")
    assert light != dark and text != "rgb(34, 34, 34)"

    page.set_viewport_size({"width": 390, "height": 844})
    width = root.evaluate("(el) => el.getBoundingClientRect().width")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 and overflow <= 390
    page.close()


def test_without_javascript_the_fallback_image_shows(browser: Any, tmp_path: Path) -> None:
    fig = FIGURES["perceptron_boundary"]()
    path = tmp_path / "figure.html"
    fig.save(str(path))
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(path.as_uri())
    image = page.locator(".dlbook-figure img.dlf-fallback-img")
    assert image.is_visible()
    assert image.evaluate("(img) => img.complete && img.naturalWidth > 0")
    assert image.get_attribute("alt").startswith(figure_data(fig)[0]["alt"])
    context.close()
