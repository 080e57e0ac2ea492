/* Accessibility repairs of widgets the book embeds, added by tools/sphinx_a11y.py and
   checked by tests/site/test_a11y.py.

   1. Scrollable code blocks: pydata-sphinx-theme gives a scrollable <pre> a tab stop,
      so that it can be scrolled from the keyboard, but decides before the web fonts
      have loaded; a block that only overflows with its final font had none. The check
      runs again whenever fonts finish loading, after MathJax and on resize.
   2. Header buttons: sphinx-book-theme blurs the colour-mode, search and sidebar buttons
      when they are clicked, which also drops the focus of a keyboard user who pressed
      Enter or Space; the focus is put back on the button. */
(() => {
  "use strict";

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
