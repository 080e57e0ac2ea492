"""Accessibility of the site and the PDF edition (a Sphinx extension, loaded from _config.yml).

The site is checked with axe-core (WCAG 2.1 A and AA) and from the keyboard by
``tests/site/test_a11y.py``; what those checks found in the stock Jupyter Book 1
stack is repaired here, where the markup is made, rather than by relaxing a rule.

HTML
    1. **Markup.** On every page, in ``html-page-context`` (the rendered body):

       * multi-line signatures on the API page (``python_maximum_signature_line_length``)
         are written by Sphinx as a ``<dl>`` of ``<dd>`` without ``<dt>``, an invalid
         definition list; each parameter line becomes a ``<span>`` on its own line;
       * myst-nb's folded code cells are ``<summary aria-label="Toggle hidden content">``
         around the visible text "Show code cell source", a label that does not contain
         the visible text (WCAG 2.5.3); the label is dropped, so the name is the text;
       * the bibliography (docutils) is a ``role="list"`` whose entries have the
         deprecated ``role="doc-biblioentry"``, not list items; they become
         ``role="listitem"``.

    2. **Theme templates** (``book_templates/``, first on ``templates_path``): the
       colour-mode switch and the search button of pydata-sphinx-theme carry an
       ``aria-label`` that does not contain their visible text; the overrides name
       them by their content instead (the switch says which mode is on).

    3. **Styles and scripts** (``book_static/a11y.css`` and ``a11y.js``): focus rings
       where sphinx-book-theme and sphinx-togglebutton remove them, link colours with
       enough contrast on tinted boxes, output figures on an opaque white card in the
       dark theme; a tab stop on every code block and output that scrolls, and the
       keyboard focus kept on the header buttons that sphinx-book-theme blurs on
       click (see ``a11y.js``).

    4. **The book as a PDF.** The download menu of every page gets an entry for
       ``_static/<dlbook_pdf_name>``, which ``make pdf`` builds and copies there; the
       role ``{book-pdf}`link text``` links the same file from a page (and is plain
       text in the PDF itself).

LaTeX
    5. **Interactive outputs.** An output whose mime bundle has ``text/html`` and a
       static image beside it (``dlbook.interactive`` adds an ``image/png`` of the
       figure) shows the HTML on the site and the image in the PDF (myst-nb's
       priority for the latex builder prefers ``image/png``); under the image the
       PDF says that the web edition has the interactive version.
    6. **The API page in one big document.** The LaTeX builder joins every page into
       one doctree and resolves its cross-references as if they were all in the root
       page; autodoc's type annotations carry no ``refdoc``. Each reference gets the
       page it comes from, so that it resolves as it does on the website.
    7. **The bibliography.** LaTeX gathers every citation into the bibliography at the
       end of the book (Sphinx's ``thebibliography``), which leaves the web page that
       holds the ``{bibliography}`` directive an empty chapter; it is left out of the
       PDF, whose back matter is the bibliography itself.

Scripts
    8. **Interactive figures** (``dlbook.interactive.interactive_figure``): in the
       book's build their HTML carries data and a fallback image but no script; the
       renderer ``dlbook-figure.js`` is loaded once, deferred, by each page whose
       body holds one (``app.add_js_file`` from ``html-page-context`` adds it to that
       page only). It is the file that notebooks inline, ``static/dlbook-figure.js``
       of the installed package, whose ``static`` folder is a static path of the site.
"""

from __future__ import annotations

import importlib.util
import posixpath
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "book_static"
TEMPLATES = HERE / "book_templates"
DEFAULT_PDF_NAME = "introduction-to-deep-learning.pdf"

INTERACTIVE_NOTE = (
    "This figure is interactive in the web edition of the book; the image shows its initial state."
)
#: The renderer of ``dlbook.interactive``'s figures (a file of the package's ``static``
#: folder) and the markup that tells a page holds one.
FIGURE_SCRIPT = "dlbook-figure.js"
FIGURE_MARKER = 'class="dlbook-figure"'
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "application/pdf")


def package_static() -> Path:
    """The ``static`` folder of the installed dlbook, which holds :data:`FIGURE_SCRIPT`."""
    spec = importlib.util.find_spec("dlbook")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("dlbook is not installed: the site needs its figure renderer")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


# ---------------------------------------------------------------------- HTML markup

SIGNATURE = re.compile(r'(<dt class="sig sig-object[^"]*"[^>]*>)(.*?)(</dt>)', re.S)
PARAMETER_LIST = re.compile(r"<dl>\s*(.*?)\s*</dl>", re.S)
PARAMETER_LINE = re.compile(r"<dd(?:\s[^>]*)?>(.*?)</dd>", re.S)
SUMMARY_LABEL = re.compile(r'<summary aria-label="Toggle hidden content">')


def _signature_lines(match: re.Match[str]) -> str:
    """``<dl><dd>a,</dd><dd>b</dd></dl>`` inside a signature: one span per parameter line."""
    lines = PARAMETER_LINE.sub(r'<span class="sig-param-line">\1</span>', match.group(1))
    return f'<span class="sig-param-lines">{lines}</span>'


def repair_markup(body: str) -> str:
    """The page body with the markup problems of item 1 of the module docstring repaired."""
    body = SIGNATURE.sub(
        lambda m: m.group(1) + PARAMETER_LIST.sub(_signature_lines, m.group(2)) + m.group(3),
        body,
    )
    body = SUMMARY_LABEL.sub("<summary>", body)
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


def _add_figure_script(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Load the renderer of dlbook's interactive figures on the pages that hold one (item 8)."""
    if app.builder.format != "html" or not isinstance(context.get("body"), str):
        return
    if FIGURE_MARKER in context["body"]:
        app.add_js_file(FIGURE_SCRIPT, loading_method="defer")


def _repair_page(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if app.builder.format == "html" and isinstance(context.get("body"), str):
        context["body"] = repair_markup(context["body"])


# ---------------------------------------------------------------------- the book PDF


def pdf_uri(app: Sphinx, pagename: str) -> str:
    """The relative URL of the book's PDF from ``pagename``."""
    target = f"_static/{app.config.dlbook_pdf_name}"
    return posixpath.relpath(target, posixpath.dirname(pagename) or ".")


def _add_pdf_download(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Add "whole book (.pdf)" to sphinx-book-theme's download menu of every page."""
    if app.builder.format != "html":
        return
    entry = {
        "type": "link",
        "url": pdf_uri(app, pagename),
        "text": "book (.pdf)",
        "tooltip": "Download the whole book as a PDF",
        "icon": "fas fa-book",
        "label": "download-book-pdf-button",
    }
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append(entry)
            return


class BookPdfLink(nodes.General, nodes.Inline, nodes.TextElement):
    """A link to the book's PDF; resolved per builder by :class:`ResolveBookPdfLinks`."""


def book_pdf_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: Any = None,
    content: Any = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``{book-pdf}`the PDF``` links the book's PDF (``_static/<dlbook_pdf_name>``)."""
    return [BookPdfLink(rawtext, text or "PDF")], []


class ResolveBookPdfLinks(SphinxPostTransform):
    """A link in HTML; in other formats (the PDF itself) the link text alone."""

    default_priority = 400

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(BookPdfLink)):
            text = node.astext()
            if self.app.builder.format == "html":
                uri = pdf_uri(self.app, self.env.docname)
                node.replace_self(nodes.reference(text, text, refuri=uri, internal=False))
            else:
                node.replace_self(nodes.Text(text))


# ------------------------------------------------------------ interactive outputs in PDF


def _bundles_with_page(
    document: nodes.Node, default: str
) -> list[tuple[nodes.Element, nodes.Element, str]]:
    """Every mime bundle with the node that holds it and the page it was written in.

    In the joined LaTeX document ``env.docname`` is the root page; walk down from the
    top, as :class:`RefdocFromSourcePage` does (Sphinx joins pages by giving a page's
    children to a ``start_of_file`` node, whose children keep their old ``parent``).
    """
    found: list[tuple[nodes.Element, nodes.Element, str]] = []
    stack: list[tuple[Any, Any, str]] = [(document, None, default)]
    while stack:
        node, holder, docname = stack.pop()
        if isinstance(node, addnodes.start_of_file):
            docname = node["docname"]
        elif isinstance(node, nodes.container) and node.get("nb_element") == "mime_bundle":
            found.append((node, holder, docname))
            continue
        stack.extend((child, node, docname) for child in getattr(node, "children", ()))
    return found


class NoteInteractiveOutputs(SphinxPostTransform):
    """Below an interactive output with a static image, say where the interactive one is.

    Runs before myst-nb's ``SelectMimeType`` (priority 4) picks one entry of each mime
    bundle for the builder; for every builder but HTML, a bundle holding ``text/html``
    and an image gets a paragraph after it.
    """

    default_priority = 3

    def run(self, **kwargs: Any) -> None:
        if self.app.builder.format == "html":
            return
        for bundle, holder, page in _bundles_with_page(self.document, self.env.docname):
            types = {child.get("mime_type") for child in bundle.children}
            if "text/html" not in types or not types.intersection(IMAGE_TYPES):
                continue
            # The note stays on the page of the image it describes.
            keep = nodes.raw("", "\\nopagebreak\n", format="latex")
            note = nodes.paragraph(classes=["interactive-note"])
            note += nodes.emphasis(INTERACTIVE_NOTE, INTERACTIVE_NOTE)
            baseurl = (self.config.html_baseurl or "").rstrip("/")
            if baseurl:
                url = f"{baseurl}/{page}.html"
                note += nodes.Text(" ")
                note += nodes.reference(url, url, refuri=url)
            at = holder.index(bundle) + 1
            holder[at:at] = [keep, note]


# ------------------------------------------------------------------- the joined document


class RefdocFromSourcePage(SphinxPostTransform):
    """Give each cross-reference of a joined document (LaTeX) the page it was written in.

    Runs before Sphinx's ``ReferencesResolver`` (priority 10), which would otherwise
    give a reference without ``refdoc`` the root page.
    """

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        # Walk down the children: Sphinx joins pages by assigning a page's children to a
        # start_of_file node, which leaves their ``parent`` pointing at the old page.
        stack: list[tuple[nodes.Node, str | None]] = [(self.document, None)]
        while stack:
            node, docname = stack.pop()
            if isinstance(node, addnodes.start_of_file):
                docname = node["docname"]
            elif isinstance(node, addnodes.pending_xref) and docname and not node.get("refdoc"):
                node["refdoc"] = docname
            stack.extend((child, docname) for child in getattr(node, "children", ()))


class DropEmptyBibliographyPage(SphinxPostTransform):
    """Leave out of the PDF the page whose bibliography LaTeX moved to the end (item 7)."""

    default_priority = 760  # after Sphinx's BibliographyTransform (750)
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        try:
            domain = self.env.get_domain("cite")
        except Exception:  # sphinxcontrib-bibtex is not loaded
            return
        pages = {key.docname for key in getattr(domain, "bibliographies", {})}
        for part in list(self.document.findall(addnodes.start_of_file)):
            if part["docname"] in pages and not list(part.findall(nodes.citation)):
                part.parent.remove(part)


# ------------------------------------------------------------------------------ setup


def _config_inited(app: Sphinx, config: Any) -> None:
    templates = str(TEMPLATES)
    if templates not in config.templates_path:
        config.templates_path.insert(0, templates)
    for static in (str(STATIC), str(package_static())):
        if static not in [str(p) for p in config.html_static_path]:
            config.html_static_path.append(static)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("dlbook_pdf_name", DEFAULT_PDF_NAME, "html", [str])
    app.connect("config-inited", _config_inited)
    app.add_css_file("a11y.css")
    app.add_js_file("a11y.js", loading_method="defer")
    # After sphinx-book-theme fills the header buttons (priority 501).
    app.connect("html-page-context", _add_pdf_download, priority=600)
    app.connect("html-page-context", _repair_page, priority=600)
    app.connect("html-page-context", _add_figure_script, priority=600)
    app.add_node(
        BookPdfLink,
        html=(_skip, None),
        latex=(_skip, None),
        text=(_skip, None),
    )
    app.add_role("book-pdf", book_pdf_role)
    app.add_post_transform(ResolveBookPdfLinks)
    app.add_post_transform(NoteInteractiveOutputs)
    app.add_post_transform(RefdocFromSourcePage)
    app.add_post_transform(DropEmptyBibliographyPage)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


def _skip(self: Any, node: nodes.Node) -> None:  # pragma: no cover - resolved before writing
    raise nodes.SkipNode
