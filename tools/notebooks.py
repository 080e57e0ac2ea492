"""The chapters as notebooks: the ones in the repository and the ones the website offers.

Colab, Binder and Jupyter cannot read MyST, so every chapter also exists as a plain
notebook, generated from its MyST source and the built site, never edited by hand:

* ``chapters/<slug>.ipynb`` (the **repository notebook**, opened by the launch
  buttons and by anyone browsing the repository): no outputs; Markdown in the subset
  Colab and JupyterLab render, with the values, numbers and titles of the build
  filled in (:mod:`tools.myst_to_jupyter`); measured values (timings) point at the
  code that prints them, so that the file does not change with every build.
* ``_build/html/_sources/<page>.ipynb`` (the **downloaded notebook**): the same, with
  the executed outputs and the measured values of the build.

Both start with a set-up cell that installs ``dlbook`` (with the ``notebook`` extra,
the packages the chapters import beyond what Colab preinstalls) from the revision
the notebook belongs to: the repository notebook from ``repository.branch`` of
``_config.yml`` (``main``, or a release tag: ``sync --ref v1.2.0``), the downloaded
one from the commit that built the site. The cell records the versions the chapter
was executed with and prints a warning when the reader's dlbook or torch differs
in its major or minor version.

The book's Sphinx extension writes both kinds at the end of every HTML build; the
repository notebooks go to ``_build/notebooks/`` first. Then::

    python -m tools.notebooks sync    # copy the ones that changed into chapters/
    python -m tools.notebooks check   # exit 1 when chapters/*.ipynb are stale

``check`` compares everything but the glued values, which may differ in their last
digits from one machine to another.
"""

from __future__ import annotations

import argparse
import copy
import functools
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from . import config
from .myst_to_jupyter import (
    SOLUTION_TAG,
    Citation,
    ConversionError,
    GlueValue,
    Options,
    Target,
    convert,
    leftover_myst,
)

ROOT = config.ROOT
SETUP_TAG = "dlbook-setup"
GLUE_MIME_PREFIX = "application/papermill.record/"
BUILT = "notebooks"  # where, inside the build directory, the repository notebooks go
SYNC = "python -m tools.notebooks sync"

__all__ = [
    "SETUP_TAG",
    "BookIndex",
    "Edition",
    "check",
    "export",
    "setup_cell",
    "sync",
]


# --------------------------------------------------------------------- the edition


@dataclass(frozen=True)
class Edition:
    """Which library a notebook belongs to: where to install it from, and the versions."""

    url: str  #: the repository
    ref: str  #: the revision the set-up cell installs (branch, tag or commit)
    site: str  #: the website of this edition
    dlbook: str  #: dlbook's version
    torch: str  #: torch's version (major.minor.patch, no local label)
    python: str  #: major.minor
    built: str = ""  #: the commit that built the notebook ("" for repository notebooks)

    @property
    def requirement(self) -> str:
        return f"dlbook[notebook] @ git+{self.url}@{self.ref}"

    def metadata(self) -> dict[str, str]:
        data = {
            "dlbook": self.dlbook,
            "torch": self.torch,
            "python": self.python,
            "install": self.requirement,
            "site": self.site,
        }
        if self.built:
            data["built_from"] = self.built
        return data


def _dlbook_version(root: Path) -> str:
    text = (root / "dlbook" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if match is None:
        raise SystemExit("dlbook/__init__.py has no __version__")
    return match.group(1)


def _torch_version(root: Path) -> str:
    """The torch the book is built with: the pin of the lock file."""
    lock = root / "requirements" / "constraints.txt"
    match = re.search(r"^torch==([\w.]+)", lock.read_text(encoding="utf-8"), re.M)
    if match is None:
        raise SystemExit(f"{lock} does not pin torch")
    return match.group(1).split("+")[0]


def git_commit(root: Path = ROOT) -> str:
    """The commit checked out at ``root`` ("" outside a git checkout)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return result.stdout.strip()


def edition(root: Path = ROOT, *, ref: str | None = None, built: bool = False) -> Edition:
    """The edition of the book at ``root``.

    ``built=True`` describes a downloaded notebook: it installs the commit that built it.
    """
    repo = config.repository(root)
    commit = git_commit(root) if built else ""
    return Edition(
        url=repo.url,
        ref=ref or (commit if built and commit else repo.branch),
        site=repo.site,
        dlbook=_dlbook_version(root),
        torch=_torch_version(root),
        python=f"{sys.version_info.major}.{sys.version_info.minor}",
        built=commit,
    )


SETUP_TEMPLATE = """\
#@title Set-up: install the book's library, dlbook, where it is missing
# Runs first in Colab, Binder or any kernel. Where dlbook is missing it installs the
# revision this notebook belongs to, so that the code calls the library it was written for.
import importlib.util
import re
import subprocess
import sys

EDITION = {edition}
if importlib.util.find_spec("dlbook") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", EDITION["install"]],
                   check=True)
    importlib.invalidate_caches()

import dlbook
import torch

for _name, _have in (("dlbook", dlbook.__version__), ("torch", torch.__version__)):
    if re.findall(r"\\d+", _have)[:2] != re.findall(r"\\d+", EDITION[_name])[:2]:
        print(f"Note: this notebook was executed with {{_name}} {{EDITION[_name]}} and you have "
              f"{{_have}}, so results may differ. The matching library: "
              f"pip install '{{EDITION['install']}}'")
"""


def setup_source(ed: Edition) -> str:
    """The code of the set-up cell."""
    literal = json.dumps(ed.metadata(), indent=4)
    return SETUP_TEMPLATE.format(edition=literal).rstrip("\n")


def setup_cell(ed: Edition) -> nbformat.NotebookNode:
    """The first cell of every chapter notebook (never shown on the website)."""
    cell = nbformat.v4.new_code_cell(
        setup_source(ed),
        metadata={
            "cellView": "form",  # Colab shows the title and folds the code
            "jupyter": {"source_hidden": True},  # JupyterLab folds the code
            "tags": ["remove-cell", SETUP_TAG],  # myst-nb never shows it
        },
    )
    cell["id"] = SETUP_TAG
    return cell


def has_setup_cell(nb: nbformat.NotebookNode) -> bool:
    """True when the first cell of ``nb`` is the set-up cell."""
    return bool(nb.cells) and SETUP_TAG in nb.cells[0].get("metadata", {}).get("tags", [])


# ------------------------------------------------------------------ the built book


ID = re.compile(r'<(?P<tag>\w+)(?P<attrs>[^>]*?)\sid="(?P<id>[^"]+)"')
EQNO = re.compile(
    r'<span class="eqno">(?P<number>\([^)<]*\))<a class="headerlink" '
    r'href="#equation-(?P<label>[^"]+)"'
)
CAPTION_NUMBER = re.compile(r'<span class="caption-number">(?P<number>[^<]*?)\s*</span>')
HEADING = re.compile(r"<h(?P<level>[1-6])[^>]*>(?P<inner>.*?)</h(?P=level)>", re.S)
TAGS = re.compile(r"<[^>]+>")
CITE = re.compile(  # {cite:p}: [<a href="bibliography.html#cite-key">Authors, Year</a>]
    r'<a class="reference internal" href="bibliography\.html#cite-(?P<key>[^"]+)"[^>]*>'
    r"(?P<text>.*?)</a>",
    re.S,
)
CITE_T = re.compile(  # {cite:t}: <span class="bibtex-citation">Authors [<a ...>Year</a>]</span>
    r'<span class="bibtex-citation"[^>]*>(?P<authors>[^\[<]+?(?:<em>et al\.</em>)?)'
    r'\s*\[<a class="reference internal" '
    r'href="bibliography\.html#cite-(?P<key>[^"]+)"[^>]*>(?P<year>.*?)</a>\]</span>',
    re.S,
)
TITLE = re.compile(r"<title>(?P<title>.*?)(?:\s*&#8212;.*)?</title>", re.S)


def _text(html: str) -> str:
    text = TAGS.sub("", html).replace("#", "").strip()
    return re.sub(r"\s+", " ", text)


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


@dataclass
class BookIndex:
    """Numbers, titles and citations of the built site, found in its HTML."""

    site: str
    targets: dict[str, Target] = field(default_factory=dict)
    pages: dict[str, Target] = field(default_factory=dict)
    citations: dict[str, Citation] = field(default_factory=dict)

    @classmethod
    def from_html(cls, site_dir: Path, docnames: Iterable[str], site: str) -> BookIndex:
        index = cls(site=site)
        for docname in docnames:
            path = site_dir / f"{docname}.html"
            if path.exists():
                index._read(docname, path.read_text(encoding="utf-8"))
        return index

    def _read(self, docname: str, html: str) -> None:
        title = TITLE.search(html)
        heading = HEADING.search(html[html.find("<article") :] if "<article" in html else html)
        page_title = (
            _text(heading.group("inner"))
            if heading
            else (title.group("title") if title else docname)
        )
        page_title = _unescape(re.sub(r"^[\d.]+\s+", "", page_title))
        self.pages[docname] = Target("page", docname, "", "", page_title)
        for match in EQNO.finditer(html):
            label = match.group("label")
            self.targets[label] = Target(
                "equation", docname, f"equation-{label}", match.group("number")
            )
        for match in ID.finditer(html):
            tag, attrs, anchor = match.group("tag"), match.group("attrs"), match.group("id")
            if anchor.startswith("equation-") or anchor in self.targets:
                continue
            after = html[match.end() : match.end() + 4000]
            if tag == "figure":
                kind = "figure"
            elif tag == "table":
                kind = "table"
            elif tag == "div" and "exercise" in attrs:
                kind = "exercise"
            elif tag == "section" or (tag == "span" and re.match(r"\s*></span>\s*<h[1-6]", after)):
                kind = "section"
            else:
                continue
            number = CAPTION_NUMBER.search(after) if kind != "section" else None
            text = ""
            if kind == "section":
                head = HEADING.search(after)
                text = _unescape(_text(head.group("inner"))) if head else ""
                section = re.match(r"([\d.]+)\.\s", text)
                num = section.group(1) if section else ""
                text = text[section.end() :] if section else text
                self.targets[anchor] = Target("section", docname, anchor, num, text)
                continue
            self.targets[anchor] = Target(
                kind, docname, anchor, _unescape(number.group("number")) if number else "", ""
            )
        for match in CITE_T.finditer(html):
            authors, year = (
                _unescape(_text(match.group("authors"))),
                _unescape(_text(match.group("year"))),
            )
            self.citations.setdefault(match.group("key"), Citation(authors, year))
        for match in CITE.finditer(html):
            text = _unescape(_text(match.group("text")))
            authors, _, year = text.rpartition(", ")
            if authors and year:
                self.citations.setdefault(match.group("key"), Citation(authors, year))


def glue_values(
    executed: nbformat.NotebookNode | None, glue_json: Path | None = None
) -> dict[str, GlueValue]:
    """Every value a chapter glued: from its executed notebook, or myst-nb's ``.glue.json``."""
    outputs: list[Any] = []
    if glue_json is not None and glue_json.exists():  # myst-nb's record of the page
        outputs = list(json.loads(glue_json.read_text(encoding="utf-8")).values())
    if executed is not None:
        for cell in executed.cells:
            if cell.cell_type == "code":
                outputs.extend(cell.get("outputs", []))
    values: dict[str, GlueValue] = {}
    for output in outputs:
        meta = output.get("metadata", {}) or {}
        record = meta.get("scrapbook")
        if not record:
            continue
        prefix = record.get("mime_prefix", "")
        data = {key.removeprefix(prefix): value for key, value in output.get("data", {}).items()}
        measured = bool((meta.get("dlbook") or {}).get("measured"))
        values[record["name"]] = GlueValue(data, measured)
    return values


@dataclass
class BookResolver:
    """The :class:`~tools.myst_to_jupyter.Resolver` of one chapter of the built book."""

    index: BookIndex
    glues: dict[str, GlueValue]
    placeholder: bool = False  #: glued values as placeholders (for ``check``)

    @property
    def site(self) -> str:
        return self.index.site

    def glue(self, name: str) -> GlueValue | None:
        if self.placeholder:
            value = self.glues.get(name)
            measured = value.measured if value is not None else False
            return GlueValue(
                {"text/plain": f"\x00{name}\x00", "text/markdown": f"\x00{name}\x00"}, measured
            )
        return self.glues.get(name)

    def target(self, label: str) -> Target | None:
        return self.index.targets.get(label)

    def page(self, docname: str) -> Target | None:
        return self.index.pages.get(docname)

    def citation(self, key: str) -> Citation | None:
        return self.index.citations.get(key)


#: What ``dl.notebook.glue`` glues for a measured value in a masked build (the builds
#: that ``tools/compare_builds.py`` compares).
MEASURED_MASK = "(measured)"


def _format_text(text: str, spec: str) -> str:
    from myst_nb.core.variables import format_plain_text

    if text.startswith("\x00"):  # a placeholder (check): nothing to format
        return text
    if text.strip("'\"") == MEASURED_MASK:  # a masked measurement (DLBOOK_MASK_MEASURED=1)
        return MEASURED_MASK
    try:
        return str(format_plain_text(text, spec))
    except ValueError as error:
        raise ConversionError(f"cannot format {text!r} with {spec!r}: {error}") from error


# ------------------------------------------------------------------------ export


def stable_ids(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give every cell an id derived from its type and source (unique within the notebook)."""
    seen: dict[str, int] = {}
    for cell in nb.cells:
        digest = hashlib.sha1(f"{cell.cell_type}\0{cell.source}".encode()).hexdigest()[:8]
        count = seen.get(digest, 0)
        seen[digest] = count + 1
        cell["id"] = digest if count == 0 else f"{digest}-{count}"
    return nb


def read_source(source: Path) -> nbformat.NotebookNode:
    """The MyST chapter as jupytext reads it (a fresh copy: callers change it)."""
    stat = source.stat()
    return copy.deepcopy(_read_source(source.resolve(), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _read_source(source: Path, mtime_ns: int, size: int) -> nbformat.NotebookNode:
    """One parse per version of a chapter: each is exported three times per build."""
    import jupytext

    nb = jupytext.read(source, fmt="md:myst")
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def export(
    source: Path,
    docname: str,
    index: BookIndex,
    glues: dict[str, GlueValue],
    ed: Edition,
    *,
    executed: nbformat.NotebookNode | None = None,
    placeholder: bool = False,
) -> nbformat.NotebookNode:
    """The plain notebook of the chapter ``source``.

    With ``executed`` (the chapter's executed notebook) the code cells get its
    outputs and measured values are written as numbers: a downloaded notebook.
    Without, it is a repository notebook.
    """
    nb = stable_ids(read_source(source))  # ids of the MyST cells: the same whatever the values
    resolver = BookResolver(index, glues, placeholder=placeholder)
    options = Options(measured_values=executed is not None, format_text=_format_text)
    converted = convert(nb, resolver, docname, options)
    if executed is not None:
        code = [
            cell
            for cell in executed.cells
            if cell.cell_type == "code" and SETUP_TAG not in cell.metadata.get("tags", [])
        ]
        mine = [cell for cell in converted.cells if cell.cell_type == "code"]
        if len(code) != len(mine):
            raise SystemExit(
                f"{docname}: the executed notebook has {len(code)} code cells, "
                f"the source {len(mine)}"
            )
        for cell, done in zip(mine, code, strict=True):
            cell.outputs = done.get("outputs", [])
            cell.execution_count = done.get("execution_count")
    else:
        for cell in converted.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
    converted.metadata.pop("jupytext", None)
    converted.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    converted.metadata["language_info"] = {"name": "python"}
    converted.metadata["colab"] = {"provenance": [], "toc_visible": True}
    converted.metadata["dlbook"] = ed.metadata()
    converted.cells = [setup_cell(ed), *converted.cells]
    return converted


def render(nb: nbformat.NotebookNode) -> str:
    """The notebook as text, exactly as it is written to disk."""
    return nbformat.writes(nb, version=4) + "\n"


# ------------------------------------------------------------------ sync and check


def built_path(docname: str, build_dir: Path) -> Path:
    """Where the build writes the repository notebook of ``docname``."""
    return build_dir / BUILT / f"{docname}.ipynb"


def sync(build_dir: Path, root: Path = ROOT, toc: Path | None = None) -> list[Path]:
    """Copy each repository notebook the last build wrote into ``chapters/`` when it differs."""
    written = []
    for source in config.toc_notebook_sources(root, toc):
        docname = source.relative_to(root).with_suffix("").as_posix()
        built = built_path(docname, build_dir)
        if not built.exists():
            raise SystemExit(f"{built} is missing: build the site first (make book)")
        target = source.with_suffix(".ipynb")
        text = built.read_text(encoding="utf-8")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


def check(build_dir: Path, root: Path = ROOT, toc: Path | None = None) -> list[str]:
    """Every way ``chapters/*.ipynb`` differ from what the last build would write.

    Glued values are not compared (they may differ in their last digits between
    machines); everything else is: the cells, their code, the Markdown around the
    values, the set-up cell and the metadata.
    """
    problems = []
    for source in config.toc_notebook_sources(root, toc):
        docname = source.relative_to(root).with_suffix("").as_posix()
        pattern_file = built_path(docname, build_dir).with_suffix(".pattern")
        target = source.with_suffix(".ipynb")
        rel = target.relative_to(root)
        if not target.exists():
            problems.append(f"{rel}: missing (run `make book` and commit it)")
            continue
        if not pattern_file.exists():
            problems.append(f"{pattern_file}: missing: build the site first (make book)")
            continue
        parts = json.loads(pattern_file.read_text(encoding="utf-8"))
        pattern = re.compile(r"(?:[^\n]*?)".join(re.escape(part) for part in parts) + r"\Z", re.S)
        if not pattern.match(target.read_text(encoding="utf-8")):
            problems.append(f"{rel}: differs from {source.name} (run `make book` and commit it)")
    for notebook in sorted((root / config.CHAPTERS).glob("*.ipynb")):
        if not config.is_notebook_source(notebook.with_suffix(".md")):
            problems.append(f"{notebook.relative_to(root)}: no MyST chapter to belong to")
    return problems


def problems_in(nb: nbformat.NotebookNode) -> list[str]:
    """What keeps a generated notebook from reading as a plain notebook."""
    found = []
    for number, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for what in leftover_myst(cell.source):
                found.append(f"cell {number}: {what} in Markdown")
            if "<details>" in cell.source and cell.source.count("<details>") != cell.source.count(
                "</details>"
            ):
                found.append(f"cell {number}: unbalanced <details>")
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_TAG in tags and not cell.metadata.get("jupyter", {}).get("source_hidden"):
            found.append(f"cell {number}: solution code is not hidden")
    return found


def write_notebooks(
    root: Path,
    build_dir: Path,
    site_dir: Path,
    docnames: list[str],
    executed: dict[str, nbformat.NotebookNode],
    glue_dir: Path,
    *,
    ref: str | None = None,
) -> list[str]:
    """Write the repository and downloaded notebooks of ``docnames`` after an HTML build.

    ``ref`` makes the repository notebooks install that revision instead of
    ``repository.branch`` (a release: ``sync --ref v1.2.0``). Returns the problems
    found (MyST left over, solutions not hidden).
    """
    repo = config.repository(root)
    index = BookIndex.from_html(site_dir, config.toc_docnames(root), repo.site)
    repo_edition = edition(root, ref=ref)
    built_edition = edition(root, built=True)
    found = []
    for docname in docnames:
        source = root / f"{docname}.md"
        glues = glue_values(executed.get(docname), glue_dir / f"{docname}.glue.json")
        try:
            plain = export(source, docname, index, glues, repo_edition)
        except ConversionError as error:
            found.append(f"{docname}: {error}")
            continue
        for problem in problems_in(plain):
            found.append(f"{docname}: {problem}")
        out = built_path(docname, build_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(plain), encoding="utf-8")
        placeholder = render(export(source, docname, index, glues, repo_edition, placeholder=True))
        parts = re.split("\\\\u0000[^\\\\]*?\\\\u0000", placeholder)
        out.with_suffix(".pattern").write_text(json.dumps(parts), encoding="utf-8")
        if docname in executed:
            download = export(
                source, docname, index, glues, built_edition, executed=executed[docname]
            )
            target = site_dir / "_sources" / f"{docname}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(download), encoding="utf-8")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.notebooks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("command", choices=["sync", "check"])
    parser.add_argument("--toc", default=None, help="the table of contents (default _toc.yml)")
    parser.add_argument("--build-dir", default=str(ROOT / "_build"), help="default _build")
    parser.add_argument(
        "--ref", default=None, help="sync: the revision the notebooks install (a release tag)"
    )
    args = parser.parse_args(argv)
    toc = Path(args.toc).resolve() if args.toc else None
    build_dir = Path(args.build_dir).resolve()
    if args.command == "sync":
        if args.ref:  # a release: the repository notebooks install that tag
            docnames = [
                source.relative_to(ROOT).with_suffix("").as_posix()
                for source in config.toc_notebook_sources(ROOT, toc)
            ]
            glue_dir = build_dir / "jupyter_execute"
            found = write_notebooks(
                ROOT, build_dir, build_dir / "html", docnames, {}, glue_dir, ref=args.ref
            )
            for line in found:
                print(f"notebooks: {line}", file=sys.stderr)
            if found:
                return 1
        for path in sync(build_dir, ROOT, toc):
            print(f"notebooks: updated {path.relative_to(ROOT)} (commit it)")
        return 0
    found = check(build_dir, ROOT, toc)
    for line in found:
        print(f"notebooks: {line}", file=sys.stderr)
    if not found:
        print("notebooks: chapters/*.ipynb match the chapters.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
