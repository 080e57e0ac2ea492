// pydata-sphinx-theme 0.17 and sphinx-book-theme both bind their sidebar handlers to the
// *first* element with class primary-toggle (or secondary-toggle), a button of the top
// navbar that sphinx-book-theme hides; the visible button in the article header gets no
// handler, so the navigation cannot be opened on a phone (pydata-sphinx-theme issue
// 2451). Forward clicks on the other buttons to the first one.
document.addEventListener("DOMContentLoaded", () => {
  for (const selector of [".primary-toggle", ".secondary-toggle"]) {
    const [bound, ...others] = document.querySelectorAll(selector);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    }
  }
});
