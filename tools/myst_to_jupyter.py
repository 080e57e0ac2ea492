"""Turn a chapter written in MyST Markdown into a notebook that reads as a plain notebook.

Colab, JupyterLab and Binder render CommonMark with LaTeX and a subset of HTML; they
know nothing of MyST's roles and directives. :func:`convert` rewrites the Markdown
cells of a chapter (read with jupytext) into that subset:

* glued values (``{glue:text}`name```) become the values the chapter's code computed;
* equation, figure, section and chapter references become their numbers and titles,
  linked to the website; numbered equations carry ``\\tag{3.1}``;
* citations become "(Author, Year)" linked to the website's bibliography;
* admonitions become block quotes, list tables become pipe tables;
* exercises become bold headings, and solutions are hidden: their text inside
  ``<details>`` blocks, their code cells folded (a Colab form title and JupyterLab's
  ``source_hidden``).

Everything it needs to know about the built book (numbers, titles, values) comes from
a :class:`Resolver`, so the conversion itself is a pure function of text. A role or
directive it does not know raises :class:`ConversionError`: a chapter never reaches a
reader with raw MyST in it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import nbformat

__all__ = [
    "Citation",
    "ConversionError",
    "GlueValue",
    "Resolver",
    "Target",
    "convert",
    "leftover_myst",
]

SOLUTION_TAG = "dlbook-solution"
FOLDED_TAG = "dlbook-folded"


class ConversionError(ValueError):
    """The chapter uses MyST syntax that cannot be turned into plain Markdown."""


@dataclass(frozen=True)
class Target:
    """Something a reference can point at: an equation, figure, exercise, section or page."""

    kind: str  #: "equation", "figure", "table", "exercise", "section" or "page"
    page: str  #: docname of the page it is on, e.g. "chapters/mlp"
    anchor: str = ""  #: the HTML id on that page ("" for a page)
    number: str = ""  #: what a numbered reference shows: "(3.1)", "Fig. 3.1", "Exercise 3.1"
    title: str = ""  #: the heading or caption text


@dataclass(frozen=True)
class Citation:
    """How a citation is written: authors and year, as the website writes them."""

    authors: str  #: "McCulloch and Pitts"
    year: str  #: "1943"


@dataclass(frozen=True)
class GlueValue:
    """A value the chapter's code glued: its display bundle, and whether it is a measurement."""

    data: dict[str, Any]
    measured: bool = False


class Resolver(Protocol):
    """What :func:`convert` asks about the built book."""

    site: str  #: the website's address, ending in "/"

    def glue(self, name: str) -> GlueValue | None: ...

    def target(self, label: str) -> Target | None: ...

    def page(self, docname: str) -> Target | None: ...

    def citation(self, key: str) -> Citation | None: ...


@dataclass
class Options:
    """How values are written."""

    #: Write measured values (timings, device names) as numbers. The downloadable
    #: notebooks do; the notebooks kept in the repository say "printed above"
    #: instead, so that they do not change with every build.
    measured_values: bool = True
    #: Format glued text the way MyST-NB does (``value:.2f``).
    format_text: Callable[[str, str], str] = field(default=lambda text, spec: text)


# ------------------------------------------------------------------------- roles

ROLE = re.compile(r"\{(?P<name>[a-z][\w:+-]*)\}`(?P<content>[^`]*)`")
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)


def _url(resolver: Resolver, docname: str, anchor: str = "") -> str:
    return f"{resolver.site}{docname}.html" + (f"#{anchor}" if anchor else "")


def _glue_text(name_spec: str, resolver: Resolver, options: Options, *, markdown: bool) -> str:
    name, _, spec = name_spec.partition(":") if not markdown else (name_spec, "", "")
    value = resolver.glue(name)
    if value is None:
        raise ConversionError(f"no glued value named {name!r}")
    if value.measured and not options.measured_values:
        return f"*(`{name}`, printed by the code above)*"
    if markdown and "text/markdown" in value.data:
        text = str(value.data["text/markdown"]).strip()
    elif "text/plain" in value.data:
        text = str(value.data["text/plain"])
        text = options.format_text(text, spec) if spec else text.strip("'\"")
    else:
        raise ConversionError(f"glued value {name!r} has no text to quote")
    return text


def _reference(role: str, content: str, resolver: Resolver, page: str) -> str:
    match = EXPLICIT.match(content)
    text, label = (match.group("text"), match.group("target")) if match else ("", content)
    label = label.strip()
    if role == "doc":
        docname = label.removesuffix(".md").lstrip("/")
        if "/" not in docname:
            docname = f"{page.rsplit('/', 1)[0]}/{docname}"
        target = resolver.page(docname)
        if target is None:
            raise ConversionError(f"{{doc}} names an unknown page {label!r}")
        return f"[{text or target.title}]({_url(resolver, target.page)})"
    target = resolver.target(label)
    if target is None:
        raise ConversionError(f"{{{role}}} names an unknown label {label!r}")
    link = _url(resolver, target.page, target.anchor)
    if role == "eq":
        return (
            target.number
            if target.page == page and not text
            else f"[{text or target.number}]({link})"
        )
    if role == "numref":
        number = target.number.split(" ", 1)[-1] if text else target.number
        shown = text.replace("%s", number).replace("{number}", number) if text else number
        shown = shown.replace("{name}", target.title)
        return f"[{shown}]({link})"
    # ref: the title of the section (or the number of a numbered target)
    return f"[{text or target.title or target.number}]({link})"


def _citations(role: str, content: str, resolver: Resolver) -> str:
    parts = []
    for key in (k.strip() for k in content.split(",")):
        citation = resolver.citation(key)
        if citation is None:
            raise ConversionError(f"unknown citation key {key!r}")
        link = f"{resolver.site}chapters/bibliography.html#cite-{key}"
        if role == "cite:t":
            parts.append(f"[{citation.authors}]({link}) ({citation.year})")
        else:
            parts.append(f"[{citation.authors}, {citation.year}]({link})")
    return "; ".join(parts) if role == "cite:t" else "(" + "; ".join(parts) + ")"


def convert_roles(text: str, resolver: Resolver, page: str, options: Options) -> str:
    """Replace every MyST role in ``text`` by plain Markdown."""

    def replace(match: re.Match[str]) -> str:
        name, content = match.group("name"), match.group("content")
        if name in ("glue", "glue:", "glue:any", "glue:text"):
            return _glue_text(content, resolver, options, markdown=False)
        if name == "glue:md":
            return _glue_text(content, resolver, options, markdown=True)
        if name in ("eq", "numref", "ref", "doc"):
            return _reference(name, content, resolver, page)
        if name in ("cite", "cite:p", "cite:t", "cite:ps", "cite:ts"):
            return _citations(
                "cite:t" if name.startswith("cite:t") else "cite:p", content, resolver
            )
        if name == "math":
            return f"${content}$"
        if name in ("sub", "sup"):
            return f"<{name}>{content}</{name}>"
        raise ConversionError(f"unknown role {{{name}}}")

    return ROLE.sub(replace, text)


# -------------------------------------------------------------------- directives

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
TITLES = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}


@dataclass
class Directive:
    name: str
    argument: str
    options: dict[str, str]
    body: str


def _split_options(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    index = 0
    while index < len(lines) and re.match(r"^:[\w-]+:", lines[index]):
        key, _, value = lines[index][1:].partition(":")
        options[key.strip()] = value.strip()
        index += 1
    if index < len(lines) and not lines[index].strip():
        index += 1
    return options, lines[index:]


def _blocks(text: str) -> Iterable[str | Directive]:
    """Split Markdown into plain text and (top-level) directives."""
    lines = text.split("\n")
    plain: list[str] = []
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match is None:
            plain.append(lines[index])
            index += 1
            continue
        fence, indent = match.group("fence"), match.group("indent")
        closing = re.compile(rf"^{indent}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise ConversionError(f"directive {{{match.group('name')}}} is never closed")
        body = [line[len(indent) :] for line in lines[index + 1 : end]]
        options, body = _split_options(body)
        if plain:
            yield "\n".join(plain)
            plain = []
        yield Directive(match.group("name"), match.group("arg").strip(), options, "\n".join(body))
        index = end + 1
    if plain:
        yield "\n".join(plain)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip("\n").split("\n"))


def _list_table(directive: Directive, convert_text: Callable[[str], str]) -> str:
    rows: list[list[str]] = []
    for line in directive.body.split("\n"):
        if line.startswith("* - "):
            rows.append([line[4:].strip()])
        elif line.startswith("  - ") and rows:
            rows[-1].append(line[4:].strip())
        elif line.strip() and rows:
            rows[-1][-1] += " " + line.strip()
    if not rows:
        raise ConversionError("empty list-table")
    width = max(len(row) for row in rows)
    rows = [
        [convert_text(cell).replace("|", "\\|") for cell in row] + [""] * (width - len(row))
        for row in rows
    ]
    header = int(directive.options.get("header-rows", "0") or 0)
    head = rows[0] if header else [""] * width
    body = rows[1:] if header else rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    caption = convert_text(directive.argument) if directive.argument else ""
    return (f"**{caption}**\n\n" if caption else "") + "\n".join(lines)


@dataclass
class _State:
    """Where the conversion is, across cells (solutions span several cells)."""

    page: str
    resolver: Resolver
    options: Options
    solution: str = ""  #: the exercise whose solution is open ("" when none)
    solution_open_in_cell: bool = False


def _exercise_number(state: _State, label: str) -> str:
    target = state.resolver.target(label) if label else None
    return target.number if target is not None else "Exercise"


def convert_markdown(text: str, state: _State) -> str:
    """Convert the Markdown of one cell (directives, equations, roles)."""
    out: list[str] = []
    for block in _blocks(text):
        if isinstance(block, str):
            out.append(_plain(block, state))
        else:
            out.append(_directive(block, state))
    result = "\n".join(part for part in out)
    if state.solution_open_in_cell:
        result += "\n\n</details>"
        state.solution_open_in_cell = False
    return result.strip("\n")


def _plain(text: str, state: _State) -> str:
    lines = []
    for line in text.split("\n"):
        if re.match(r"^\([\w:.-]+\)=\s*$", line) or re.match(r"^%( |$)", line):
            continue  # a MyST target or comment
        lines.append(line)
    text = _equations("\n".join(lines), state)
    return convert_roles(text, state.resolver, state.page, state.options)


EQUATION_END = re.compile(r"^\$\$[ \t]*\((?P<label>[\w:.-]+)\)[ \t]*$", re.M)


def _equations(text: str, state: _State) -> str:
    def tag(match: re.Match[str]) -> str:
        label = match.group("label")
        target = state.resolver.target(label)
        if target is None:
            raise ConversionError(f"no number for equation {label!r}")
        return f"\\tag{{{target.number.strip('()')}}}\n$$"

    return EQUATION_END.sub(tag, text)


def _directive(d: Directive, state: _State) -> str:
    def inner(text: str) -> str:
        return convert_markdown(text, _State(state.page, state.resolver, state.options))

    if d.name in ("admonition", *TITLES):
        title = d.argument if d.name == "admonition" else TITLES[d.name]
        title = convert_roles(title, state.resolver, state.page, state.options)
        return _quote(f"**{title}**\n\n{inner(d.body)}")
    if d.name == "exercise":
        number = _exercise_number(state, d.options.get("label", ""))
        title = convert_roles(d.argument, state.resolver, state.page, state.options)
        heading = f"**{number}" + (f" ({title})" if title else "") + ".**"
        return f"{heading} {inner(d.body)}"
    if d.name == "solution":
        number = _exercise_number(state, d.argument)
        return (
            f"<details>\n<summary>Solution to {number}</summary>\n\n{inner(d.body)}\n\n</details>"
        )
    if d.name == "solution-start":
        state.solution = d.argument
        state.solution_open_in_cell = True
        number = _exercise_number(state, d.argument)
        return f"<details>\n<summary>Solution to {number}</summary>\n"
    if d.name == "solution-end":
        state.solution = ""
        if state.solution_open_in_cell:
            state.solution_open_in_cell = False
            return "</details>"
        return ""
    if d.name == "list-table":
        return _list_table(d, lambda t: convert_roles(t, state.resolver, state.page, state.options))
    if d.name == "math":
        label = d.options.get("label", "")
        body = d.body.strip()
        if label:
            target = state.resolver.target(label)
            if target is None:
                raise ConversionError(f"no number for equation {label!r}")
            body += f"\n\\tag{{{target.number.strip('()')}}}"
        return f"$$\n{body}\n$$"
    if d.name in (
        "tableofcontents",
        "nb-exec-table",
        "bibliography",
        "dlbook-api",
        "dlbook-execution",
    ):
        page = state.resolver.page(state.page)
        title = page.title if page else "this page"
        url = _url(state.resolver, state.page)
        return f"*This part of the page is on the website: [{title}]({url}).*"
    raise ConversionError(f"unknown directive {{{d.name}}}")


# ------------------------------------------------------------------------- cells


def _figure_caption(cell: Any, state: _State) -> str | None:
    figure = (cell.metadata.get("mystnb") or {}).get("figure") or {}
    caption = figure.get("caption")
    if not caption:
        return None
    name = figure.get("name", "")
    target = state.resolver.target(name) if name else None
    number = target.number if target is not None else "Figure"
    text = convert_markdown(str(caption).strip(), _State(state.page, state.resolver, state.options))
    return f"**{number}.** {text}"


def _fold(cell: Any, title: str) -> None:
    """Fold a code cell: a Colab form title, JupyterLab's source_hidden."""
    source = cell.source
    if not source.startswith("#@title"):
        cell.source = f"#@title {title}\n{source}"
    cell.metadata["cellView"] = "form"
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True


def convert(
    nb: nbformat.NotebookNode, resolver: Resolver, page: str, options: Options | None = None
) -> nbformat.NotebookNode:
    """A copy of the jupytext-read chapter ``nb`` in plain Jupyter Markdown.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The chapter as jupytext reads its MyST source (no outputs needed).
    resolver : Resolver
        Numbers, titles, glued values and citations of the built book.
    page : str
        The chapter's docname, e.g. ``"chapters/mlp"``.
    options : Options, optional
    """
    options = options or Options()
    state = _State(page, resolver, options)
    cells = []
    for original in nb.cells:
        cell = copy.deepcopy(original)
        if cell.cell_type == "markdown":
            cell.source = convert_markdown(cell.source, state)
            if cell.source.strip():
                cells.append(cell)
            continue
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        tags = list(cell.metadata.get("tags", []))
        if state.solution:
            _fold(cell, f"Solution code: {_exercise_number(state, state.solution)}")
            tags.append(SOLUTION_TAG)
        elif "remove-cell" in tags or "remove-input" in tags:
            _fold(cell, "Behind the text: values and checks the text quotes")
            tags.append(FOLDED_TAG)
        caption = _figure_caption(cell, state)
        cell.metadata.pop("mystnb", None)
        if tags:
            cell.metadata["tags"] = tags
        cells.append(cell)
        if caption:
            caption_cell = nbformat.v4.new_markdown_cell(caption)
            caption_cell["id"] = f"{cell.get('id', 'figure')}-caption"  # stable, not random
            cells.append(caption_cell)
    if state.solution:
        raise ConversionError(f"the solution of {state.solution!r} is never closed")
    result = copy.deepcopy(nb)
    result.cells = cells
    return result


# -------------------------------------------------------------------------- check

LEFTOVERS = [
    (re.compile(r"\{[a-z][\w:+-]*\}`"), "a MyST role"),
    (re.compile(r"^\s*(`{3,}|:{3,})\{", re.M), "a MyST directive"),
    (re.compile(r"^\s*:::", re.M), "a colon fence"),
    (re.compile(r"^\$\$[ \t]*\([\w:.-]+\)", re.M), "an equation label"),
    (re.compile(r"^\([\w:.-]+\)=\s*$", re.M), "a MyST target"),
    (re.compile(r"^:(class|label|name):", re.M), "a directive option"),
]


def leftover_myst(text: str) -> list[str]:
    """What in ``text`` is still MyST-only syntax (empty when the Markdown is plain)."""
    return [what for pattern, what in LEFTOVERS if pattern.search(text)]
