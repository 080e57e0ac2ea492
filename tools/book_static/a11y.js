/* Accessibility repairs of widgets the book embeds, added by tools/sphinx_a11y.py and
   checked by tests/site/test_a11y.py.

   1. Bokeh sliders (the temperature control of the softmax chapter): the handle that
      has the keyboard focus is a role="slider" element with no accessible name, since
      Bokeh shows the slider's title in a separate element that nothing refers to. Each
      handle is named after its title ("temperature T"); aria-valuetext already gives the
      value. Bokeh draws its widgets inside shadow roots after the page has loaded, so
      they are looked for until they appear (at most 20 s).
      The plot's canvas is a tab stop too, for Bokeh's keyboard tools; a plot without a
      toolbar has none, so its canvas is taken out of the tab order.
   2. Scrollable code blocks: pydata-sphinx-theme gives a scrollable <pre> a tab stop,
      so that it can be scrolled from the keyboard, but decides before the web fonts
      have loaded; a block that only overflows with its final font had none. The check
      runs again whenever fonts finish loading, after MathJax and on resize. */
(() => {
  "use strict";

  function* shadowRoots(root) {
    for (const element of root.querySelectorAll("*")) {
      if (element.shadowRoot) {
        yield element.shadowRoot;
        yield* shadowRoots(element.shadowRoot);
      }
    }
  }

  function repairBokeh() {
    let found = 0;
    for (const host of document.querySelectorAll(".cell_output .bk-Column, .cell_output .bk-Figure")) {
      if (!host.shadowRoot) continue;
      for (const root of [host.shadowRoot, ...shadowRoots(host.shadowRoot)]) {
        for (const handle of root.querySelectorAll('[role="slider"]')) {
          found += 1;
          if (handle.hasAttribute("aria-label") || handle.hasAttribute("aria-labelledby")) continue;
          const group = handle.closest(".bk-input-group");
          const title = group && group.querySelector(".bk-slider-title");
          const text = title && title.firstChild ? title.firstChild.textContent : "";
          handle.setAttribute("aria-label", text.replace(/[:\s]+$/, "") || "slider");
        }
        const figure = root.host;
        if (!figure.classList.contains("bk-Figure") || root.querySelector(".bk-Toolbar")) continue;
        for (const inner of [root, ...shadowRoots(root)]) {
          for (const layer of inner.querySelectorAll(".bk-events[tabindex]")) {
            found += 1;
            layer.tabIndex = -1;
          }
        }
      }
    }
    return found;
  }

  function watchBokeh() {
    if (!window.Bokeh) return;
    const deadline = Date.now() + 20000;
    const poll = () => {
      if (repairBokeh() === 0 && Date.now() < deadline) setTimeout(poll, 100);
      else setTimeout(repairBokeh, 500); // once more, for views drawn a little later
    };
    poll();
  }

  function tabStopsForScrollableBlocks() {
    const selector = "pre, .cell_output > .output, .pst-scrollable-table-container";
    for (const block of document.querySelectorAll(selector)) {
      if (block.scrollWidth > block.clientWidth || block.scrollHeight > block.clientHeight) {
        block.tabIndex = 0;
      }
    }
  }

  function keepFocusOnHeaderButtons() {
    const selector = ".theme-switch-button, .search-button, .primary-toggle, .secondary-toggle";
    for (const button of document.querySelectorAll(selector)) {
      let byKey = false;
      button.addEventListener("keydown", (event) => {
        byKey = event.key === "Enter" || event.key === " ";
      });
      button.addEventListener("pointerdown", () => {
        byKey = false;
      });
      button.addEventListener("blur", () => {
        if (!byKey) return;
        byKey = false;
        setTimeout(() => {
          const lost = !document.activeElement || document.activeElement === document.body;
          if (lost && button.offsetParent !== null) button.focus();
        });
      });
    }
  }

  const start = () => {
    watchBokeh();
    keepFocusOnHeaderButtons();
    // A block may start to overflow whenever a web font (the theme's, MathJax's) arrives;
    // fonts.ready alone can resolve before any of them has even started to load.
    if (document.fonts) {
      document.fonts.addEventListener("loadingdone", tabStopsForScrollableBlocks);
      document.fonts.ready.then(tabStopsForScrollableBlocks);
    }
    window.addEventListener("load", () => {
      tabStopsForScrollableBlocks();
      // MathJax is loaded after this script; by the load event it has started.
      if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        MathJax.startup.promise.then(tabStopsForScrollableBlocks);
      }
    });
    window.addEventListener("resize", tabStopsForScrollableBlocks);
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
