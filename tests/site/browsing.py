"""Chromium driven by Playwright over the built site, shared by the browser tests.

The site directory (``$SITE_DIR``, default ``_build/html``) is served on 127.0.0.1;
every request to any other host is blocked and reported. The fixtures (``server``,
``browser``, ``open_page``) are registered once, in conftest.py, so that every test
module of tests/site shares one browser.

Chromium comes from the system (``apt-get install -y chromium chromium-driver``),
never from ``playwright install``; ``$CHROMIUM`` overrides its path.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("SITE_DIR", ROOT / "_build" / "html")).resolve()
TOC = ROOT / os.environ.get("TOC", "_toc.yml")
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", SITE.parent / "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 60_000
WAIT_FOR_MATHJAX = """async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        await MathJax.startup.promise;
    }
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    if not (SITE / "index.html").exists():
        pytest.fail(f"no site in {SITE}: run `make book` first (or set SITE_DIR)")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `apt-get install -y chromium chromium-driver` "
            "(or set CHROMIUM to its path)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "the browser tests need Playwright: "
            "pip install -c requirements/constraints.txt playwright"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A page open in the browser, with every problem seen while it loaded."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console: {m}" for m in self.console_errors]
            + [f"script error: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed]
            + [f"blocked request to the network: {m}" for m in self.external]
        )


@pytest.fixture(scope="session")
def open_page(browser: Any, server: str) -> Iterator[Any]:
    """``open_page(docname, viewport=DESKTOP, theme=None)``: load a page, wait for MathJax,
    return a Visit. ``theme`` ("light" or "dark") is stored where pydata-sphinx-theme keeps
    the reader's choice (``localStorage`` ``mode`` and ``theme``) before the page loads,
    and the browser reports the same colour-scheme preference."""
    from playwright.sync_api import Error as PlaywrightError

    contexts: list[Any] = []

    def visit(docname: str, viewport: dict[str, int] = DESKTOP, theme: str | None = None) -> Visit:
        options: dict[str, Any] = {"viewport": viewport, "service_workers": "block"}
        if theme is not None:
            options["color_scheme"] = theme
        context = browser.new_context(**options)
        contexts.append(context)
        if theme is not None:
            context.add_init_script(
                f"localStorage.setItem('mode', '{theme}');localStorage.setItem('theme', '{theme}');"
            )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        record = Visit(page)

        def route(route: Any) -> None:
            url = route.request.url
            if urlparse(url).scheme in ("data", "blob", "about") or url.startswith(server):
                route.continue_()
            else:
                record.external.append(url)
                route.abort()

        page.route("**/*", route)
        page.on("console", lambda m: m.type == "error" and record.console_errors.append(m.text))
        page.on("pageerror", lambda e: record.page_errors.append(str(e)))
        page.on(
            "requestfailed",
            lambda r: r.url.startswith(server) and record.failed.append(f"{r.url} {r.failure}"),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and record.failed.append(f"{r.url} HTTP {r.status}"),
        )
        name, _, query = docname.partition("?")
        page.goto(
            f"{server}/{quote(name)}.html" + (f"?{query}" if query else ""), wait_until="load"
        )
        for attempt in range(3):  # a redirect page (index.html) navigates once more
            try:
                page.wait_for_load_state("load")
                page.evaluate(WAIT_FOR_MATHJAX)
                break
            except PlaywrightError as error:
                if "context was destroyed" not in str(error) or attempt == 2:
                    raise
        return record

    yield visit
    for context in contexts:
        context.close()
