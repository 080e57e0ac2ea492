"""Accessibility of the built site, in Chromium: axe-core on every page, and the keyboard.

* **axe-core** (the version pinned in ``tests/site/package.json``; ``make test-site``
  installs it into ``tests/site/node_modules`` with ``npm ci``) runs on every page of
  the site with the WCAG 2.1 A and AA rules (tags ``wcag2a``, ``wcag2aa``, ``wcag21a``,
  ``wcag21aa``), in the light and the dark theme, at desktop (1280 px) and phone
  (390 px) width. A page passes when axe reports no *serious* or *critical* violation.
  The number of offending elements per rule, theme and width is printed as a table at
  the end of the run and written to ``$A11Y_REPORT`` (default ``a11y/`` beside the site
  directory, e.g. ``_build/a11y/axe.txt`` and ``axe.json``).
* **Keyboard**: on a chapter page, Tab visits every interactive control (theme switch,
  search, download and launch menus, sidebar toggles, solution toggles, the softmax
  slider); each one shows a visible focus indicator and has an accessible name, and
  each works from the keyboard (Enter, Space or the arrow keys).
* **Dark theme**: output figures sit on an opaque light background, so dark-on-white
  and transparent matplotlib figures stay readable; screenshots of both themes go to
  ``$SCREENSHOT_DIR`` (see test_browser.py).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from browsing import DESKTOP, PHONE, SCREENSHOTS, SITE, WAIT_FOR_MATHJAX
from test_browser import NOTEBOOKS, PAGES

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
THEMES = ("light", "dark")
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
REPORT = Path(os.environ.get("A11Y_REPORT", SITE.parent / "a11y"))
#: The chapter whose keyboard use is tested: the one with the interactive control.
KEYBOARD_CHAPTER = next((d for d in NOTEBOOKS if "softmax" in d), NOTEBOOKS[0])

RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {
        runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations'],
    });
    return result.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map(n => ({
            impact: n.impact,
            target: n.target.flat().join(' '),
            html: n.html.slice(0, 200),
            summary: (n.failureSummary || '').slice(0, 300),
        })),
    }));
}"""

# Wait until the page has settled: dlbook's figures draw after the load event, web fonts
# may still be arriving, and the theme updates the tab stops of scrolling blocks 300 ms
# after the page last changed.
SETTLE = """async () => {
    const deadline = Date.now() + 20000;
    const figuresDrawn = () => !document.querySelector('.dlbook-figure:not(.dlf-ready)');
    while (!figuresDrawn() && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 100));
    }
    if (document.fonts) await document.fonts.ready;
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    await new Promise(r => setTimeout(r, 400));
}"""


def follow_redirect(page: Any, docname: str) -> None:
    """A page that only redirects (index.html) is checked where it leads, once loaded."""
    source = (SITE / f"{docname}.html").read_text(encoding="utf-8")
    if 'http-equiv="Refresh"' not in source[:500]:
        return
    page.wait_for_url(lambda url: not url.split("?")[0].endswith(f"/{docname}.html"))
    page.wait_for_load_state("load")
    page.evaluate(WAIT_FOR_MATHJAX)


def install_axe() -> None:
    """``npm ci`` in tests/site, as ``make axe`` does (for a run of pytest without make)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("axe-core is not installed and there is no npm: `make axe` (needs Node.js)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)


@pytest.fixture(scope="session")
def axe_script() -> str:
    if not AXE.exists():
        install_axe()
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def axe_tally(request: pytest.FixtureRequest) -> Any:
    """Collects every run's violations; prints and writes the per-rule table at the end."""
    runs: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    yield runs
    if not runs:
        return
    table = axe_table(runs)
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / "axe.txt").write_text(table + "\n", encoding="utf-8")
    (REPORT / "axe.json").write_text(
        json.dumps(
            [
                {"page": page, "theme": theme, "width": width, "violations": violations}
                for (page, theme, width), violations in sorted(runs.items())
            ],
            indent=1,
        ),
        encoding="utf-8",
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        for line in table.splitlines():
            reporter.write_line(line)


def axe_table(runs: dict[tuple[str, str, str], list[dict[str, Any]]]) -> str:
    """Elements with a serious or critical violation, per rule (rows) and theme/width (columns)."""
    columns = [(theme, width) for theme in THEMES for width in WIDTHS]
    counts: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    pages: Counter[tuple[str, str]] = Counter()
    for (_, theme, width), violations in runs.items():
        pages[theme, width] += 1
        for violation in violations:
            for node in violation["nodes"]:
                if (node["impact"] or violation["impact"]) in FAILING_IMPACTS:
                    counts[violation["id"]][theme, width] += 1
    head = ["rule"] + [f"{theme}/{width}" for theme, width in columns]
    rows = [
        [rule] + [str(counts[rule][c]) for c in columns] for rule in sorted(counts, key=str.lower)
    ]
    rows.append(["total"] + [str(sum(counts[r][c] for r in counts)) for c in columns])
    rows.append(["pages"] + [str(pages[c]) for c in columns])
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    lines = [
        f"axe-core {axe_version()}: elements with a serious or critical WCAG 2.1 A/AA violation",
        "  ".join(cell.ljust(w) for cell, w in zip(head, widths, strict=True)),
    ]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def axe_version() -> str:
    try:
        return json.loads((AXE.parent / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def failing(violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        nodes = [
            n for n in violation["nodes"] if (n["impact"] or violation["impact"]) in FAILING_IMPACTS
        ]
        for node in nodes[:5]:
            lines.append(
                f"{violation['id']} ({violation['help']}): {node['target']}\n    {node['html']}"
            )
        if len(nodes) > 5:
            lines.append(f"{violation['id']}: and {len(nodes) - 5} more")
    return lines


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("docname", PAGES)
def test_page_has_no_serious_accessibility_violation(
    open_page: Any,
    axe_script: str,
    axe_tally: Any,
    docname: str,
    theme: str,
    width: str,
) -> None:
    visit = open_page(docname, WIDTHS[width], theme=theme)
    page = visit.page
    try:
        follow_redirect(page, docname)
        page.evaluate(SETTLE)
        assert page.evaluate("() => document.documentElement.dataset.theme") == theme
        page.add_script_tag(content=axe_script)
        violations = page.evaluate(RUN_AXE, AXE_TAGS)
    finally:
        page.context.close()
    axe_tally[docname, theme, width] = violations
    problems = failing(violations)
    assert not problems, f"{docname} ({theme}, {width}):\n" + "\n".join(problems)


# --------------------------------------------------------------------------- keyboard

# Measure styles at rest: without transitions a focus ring is there as soon as Tab is
# pressed (the theme animates it in over 0.3 s).
NO_TRANSITIONS = (
    "*, *::before, *::after { transition: none !important; animation: none !important; }"
)

# The element that has the focus, looked for inside shadow roots.
DEEP_FOCUS = """() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el;
}"""

# What a person sees of the focused element: its outline and box shadow when focused and
# when not (the focus is moved away and back, so that a ring that is the element's
# normal look, like the bar beside the current page in the navigation, does not count).
FOCUS_STYLE = """(el) => {
    if (!el || el === document.body || el === document.documentElement) return null;
    if (el.dataset.tabStop !== undefined) return {again: Number(el.dataset.tabStop)};
    el.dataset.tabStop = String(window.tabStops = (window.tabStops ?? -1) + 1);
    const look = () => {
        const s = getComputedStyle(el);
        return {
            outline: s.outlineStyle === 'none' || parseFloat(s.outlineWidth) === 0 ? 'none'
                : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
            shadow: s.boxShadow || 'none',
        };
    };
    const focused = look();
    el.blur();
    const rest = look();
    el.focus({focusVisible: true});
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const host = el.getRootNode() instanceof ShadowRoot ? el.getRootNode().host : null;
    return {
        tag: el.tagName.toLowerCase(),
        role: el.getAttribute('role') || '',
        classes: typeof el.className === 'string' ? el.className : '',
        host: host ? String(host.className) : '',
        href: el.getAttribute('href') || '',
        path: [...(function* () {
            for (let p = el.parentElement || host; p; p = p.parentElement ||
                 (p.getRootNode() instanceof ShadowRoot ? p.getRootNode().host : null))
                if (typeof p.className === 'string' && p.className) yield p.className;
        })()].join(' < ').slice(0, 300),
        indicator: (focused.outline !== 'none' && focused.outline !== rest.outline) ||
                   (focused.shadow !== 'none' && focused.shadow !== rest.shadow),
        focused: `${focused.outline} / ${focused.shadow}`,
        rest: `${rest.outline} / ${rest.shadow}`,
        visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden' &&
                 parseFloat(style.opacity) > 0,
        html: el.outerHTML.slice(0, 160),
    };
}"""

# Elements that are controls (not text that can take the focus, like an equation or a
# scrolling code block): they must have an accessible name.
CONTROL_TAGS = {"a", "button", "summary", "input", "select", "textarea"}
CONTROL_ROLES = {"button", "link", "slider", "checkbox", "switch", "tab", "menuitem", "combobox"}

#: The controls that Tab must reach on a chapter page, and how to recognise each.
REQUIRED_CONTROLS = {
    "colour-mode switch": lambda s: "theme-switch-button" in s["classes"],
    "search": lambda s: "search-button" in s["classes"],
    "download menu": lambda s: (
        "dropdown-toggle" in s["classes"] and "dropdown-download-buttons" in s["path"]
    ),
    "launch menu": lambda s: (
        "dropdown-toggle" in s["classes"] and "dropdown-launch-buttons" in s["path"]
    ),
    "primary sidebar toggle": lambda s: "primary-toggle" in s["classes"],
    "folded code cell": lambda s: s["tag"] == "summary",
    "exercise solution toggle": lambda s: "toggle-button" in s["classes"],
    "softmax temperature slider": lambda s: (
        s["tag"] == "input" and "range" in s["html"] and "dlbook-figure" in s["path"]
    ),
}


def accessible_name(cdp: Any) -> str:
    """The accessible name Chromium computes for the focused element (DevTools protocol)."""
    found = cdp.send("Runtime.evaluate", {"expression": f"({DEEP_FOCUS})()"})
    node = cdp.send("DOM.describeNode", {"objectId": found["result"]["objectId"]})["node"]
    tree = cdp.send(
        "Accessibility.getPartialAXTree",
        {"backendNodeId": node["backendNodeId"], "fetchRelatives": False},
    )
    for ax in tree["nodes"]:
        name = (ax.get("name") or {}).get("value")
        if name and str(name).strip():
            return str(name).strip()
    return ""


def tab_through(page: Any, limit: int = 600) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until the focus comes back round; every stop."""
    page.add_style_tag(content=NO_TRANSITIONS)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("Accessibility.enable")
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_STYLE, page.evaluate_handle(DEEP_FOCUS))
        if stop is None:
            continue  # the focus left the page for the browser's own controls
        if "again" in stop:
            if stop["again"] == 0:
                break  # round again
            pytest.fail(f"Tab went back from stop {len(stops)} to stop {stop['again']}")
        stop["name"] = accessible_name(cdp)
        stops.append(stop)
    else:
        pytest.fail(f"the focus did not come back round after {limit} presses of Tab")
    return stops


@pytest.fixture(scope="module")
def chapter_stops(open_page: Any) -> list[dict[str, Any]]:
    page = open_page(KEYBOARD_CHAPTER, DESKTOP, theme="light").page
    page.evaluate(SETTLE)
    return tab_through(page)


def describe(stop: dict[str, Any]) -> str:
    return f"{stop['html']}  [{stop['path'][:120]}]"


def test_tab_reaches_every_control(chapter_stops: list[dict[str, Any]]) -> None:
    missing = [
        name for name, is_it in REQUIRED_CONTROLS.items() if not any(map(is_it, chapter_stops))
    ]
    assert not missing, f"Tab never reaches: {missing} ({len(chapter_stops)} tab stops)"


def test_focus_is_visible_at_every_tab_stop(chapter_stops: list[dict[str, Any]]) -> None:
    hidden = [
        f"{describe(s)}\n    focused: {s['focused']}; at rest: {s['rest']}"
        for s in chapter_stops
        if not (s["indicator"] and s["visible"])
    ]
    assert not hidden, f"no visible focus indicator on {len(hidden)} tab stops:\n" + "\n".join(
        hidden[:15]
    )


def test_every_control_has_an_accessible_name(chapter_stops: list[dict[str, Any]]) -> None:
    unnamed = [
        describe(s)
        for s in chapter_stops
        if (s["tag"] in CONTROL_TAGS or s["role"] in CONTROL_ROLES) and not s["name"]
    ]
    assert not unnamed, "controls without an accessible name:\n" + "\n".join(unnamed[:15])


def focused_is(page: Any, selector: str) -> bool:
    return page.evaluate(
        f"() => {{ const el = ({DEEP_FOCUS})(); return !!el && el.matches({selector!r}); }}"
    )


def test_controls_work_from_the_keyboard(open_page: Any) -> None:
    """Enter, Space and the arrow keys do what a click does, and the focus stays put."""
    page = open_page(KEYBOARD_CHAPTER, DESKTOP, theme="light").page
    page.evaluate(SETTLE)
    mode = lambda: page.evaluate("() => document.documentElement.dataset.mode")  # noqa: E731

    # Colour mode: each press moves to the next mode, and the switch keeps the focus.
    switch = page.locator(".theme-switch-button:visible").first
    switch.focus()
    seen = [mode()]
    for key in ("Enter", " ", "Enter"):
        page.keyboard.press(key)
        page.wait_for_timeout(100)
        seen.append(mode())
        assert focused_is(page, ".theme-switch-button"), f"{key!r} on the switch lost the focus"
    assert len(set(seen)) == 3 and all(a != b for a, b in itertools.pairwise(seen)), seen

    # Search: Enter opens the dialog with the focus in its field; Escape closes it.
    page.locator(".search-button__button:visible").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#pst-search-dialog')?.open")
    assert focused_is(page, "#pst-search-dialog input")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('#pst-search-dialog').open")

    # Download and launch menus: Enter opens, the arrow keys walk the entries, Escape
    # closes and gives the focus back to the menu button.
    for menu, entry in (
        (".dropdown-download-buttons", ".btn-download-book-pdf-button"),
        (".dropdown-launch-buttons", 'a[href^="https://colab.research.google.com/"]'),
    ):
        toggle = page.locator(f"{menu} > button.dropdown-toggle").first
        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true", f"{menu}: Enter did not open it"
        for _ in range(8):
            page.keyboard.press("ArrowDown")
            if focused_is(page, entry):
                break
        else:
            pytest.fail(f"{menu}: the arrow keys never reach {entry}")
        style = page.evaluate(FOCUS_STYLE, page.evaluate_handle(DEEP_FOCUS))
        assert style["indicator"], f"{menu}: no focus ring on {entry}: {style['focused']}"
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false", f"{menu}: Escape left it open"
        assert focused_is(page, f"{menu} > button.dropdown-toggle")

    # Primary sidebar (desktop: the toggle hides and shows it).
    sidebar = page.locator(".bd-sidebar-primary")
    page.locator(".primary-toggle:visible").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert not sidebar.is_visible(), "Enter on the sidebar toggle did not hide the sidebar"
    assert focused_is(page, ".primary-toggle"), "the sidebar toggle lost the focus"
    page.keyboard.press(" ")
    page.wait_for_timeout(300)
    assert sidebar.is_visible(), "Space on the sidebar toggle did not show the sidebar again"

    # A folded code cell and an exercise solution open with Enter and close with Space.
    summary = page.locator("details > summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert summary.evaluate("s => s.parentElement.open")
    page.keyboard.press(" ")
    assert not summary.evaluate("s => s.parentElement.open")
    solution = page.locator("button.toggle-button").first
    solution.focus()
    page.keyboard.press("Enter")
    assert solution.get_attribute("aria-expanded") == "true"
    body = page.locator(f"#{solution.get_attribute('data-target')!s}".replace("/", "\\/"))
    assert body.locator("p").first.is_visible(), "Enter did not show the solution"
    page.keyboard.press(" ")
    assert solution.get_attribute("aria-expanded") == "false"

    # The softmax slider: the arrow keys move it and the chart follows.
    handle = page.locator('.dlbook-figure input[type="range"]').first
    handle.focus()
    before = int(handle.input_value())
    bars = "() => Number(document.querySelector('.dlbook-figure .dlf-frame rect').dataset.value)"
    tallest = page.evaluate(bars)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert int(handle.input_value()) == before + 2
    assert page.evaluate(bars) < tallest, "the bars did not follow the slider"
    page.keyboard.press("ArrowLeft")
    assert int(handle.input_value()) == before + 1


def test_phone_navigation_opens_from_the_keyboard(open_page: Any) -> None:
    page = open_page(KEYBOARD_CHAPTER, PHONE, theme="light").page
    for toggle, dialog in (
        (".primary-toggle", "#pst-primary-sidebar-modal"),
        (".secondary-toggle", "#pst-secondary-sidebar-modal"),
    ):
        page.locator(f"{toggle}:visible").first.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => document.querySelector({dialog!r})?.open")
        assert page.locator(f"{dialog} a:visible").count() > 0, f"{dialog} opened empty"
        page.keyboard.press("Escape")
        page.wait_for_function(f"() => !document.querySelector({dialog!r}).open")


# ------------------------------------------------------------------------ dark theme

FIGURE_LOOK = """() => [...document.querySelectorAll('.cell_output img, figure img')].map(img => {
    const s = getComputedStyle(img);
    return {src: img.getAttribute('src'), background: s.backgroundColor, filter: s.filter};
})"""


@pytest.mark.parametrize("theme", THEMES)
def test_figures_sit_on_white_and_screenshots(open_page: Any, theme: str) -> None:
    """Output figures are on an opaque white card in both themes; screenshots of each."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chapter = next((d for d in NOTEBOOKS if "perceptron" in d), NOTEBOOKS[0])
    page = open_page(chapter, DESKTOP, theme=theme).page
    figures = page.evaluate(FIGURE_LOOK)
    assert figures, f"{chapter} has no output figure"
    if theme == "dark":
        wrong = [
            f for f in figures if f["background"] != "rgb(255, 255, 255)" or f["filter"] != "none"
        ]
        assert not wrong, f"figures not on an opaque white card in the dark theme: {wrong[:3]}"
    page.locator("figure img").first.scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, -120)")
    page.screenshot(path=str(SCREENSHOTS / f"{theme}-chapter-figure.png"))
    page = open_page(KEYBOARD_CHAPTER, DESKTOP, theme=theme).page
    page.evaluate(SETTLE)
    page.locator(".cell_output .text_html").first.scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, -200)")
    page.screenshot(path=str(SCREENSHOTS / f"{theme}-softmax-control.png"))
    page = open_page(chapter, PHONE, theme=theme).page
    page.screenshot(path=str(SCREENSHOTS / f"{theme}-chapter-phone.png"))
    shots = [
        f"{theme}-chapter-figure.png",
        f"{theme}-softmax-control.png",
        f"{theme}-chapter-phone.png",
    ]
    assert all((SCREENSHOTS / name).stat().st_size > 10_000 for name in shots)
