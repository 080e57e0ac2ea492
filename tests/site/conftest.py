"""Every test under tests/site checks the built HTML site, so it carries the `site` marker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browsing import browser, open_page, server  # noqa: F401  (the browser fixtures, once)

ROOT = Path(__file__).resolve().parents[2]
#: The built site; `make test-site` passes the one it built.
HTML = Path(os.environ.get("SITE_DIR", ROOT / "_build" / "html")).resolve()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.site)


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("the site is not built: run `make book` before the site tests")
    return HTML
