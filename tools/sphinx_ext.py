"""The book's Sphinx extension: what stock Sphinx and Jupyter Book 1 cannot do.

Loaded from ``_config.yml`` (``sphinx.local_extensions``). Everything that is only
configuration lives in ``_config.yml``; this module does three things:

1. **The API page from the package.** A page that contains the block

   .. code-block:: markdown

      ```{dlbook-api}
      ```

   gets one section per public module of ``dlbook`` (found by walking the package, so
   that a new module appears without editing the page), each documenting the objects
   of the module's ``__all__`` with autodoc: an object is documented once, in the
   module that defines it; modules that re-export it link to it.

2. **The chapters as notebooks.** At the end of an HTML build every chapter is
   written as a plain notebook (:mod:`tools.notebooks`): the downloadable one, with
   the executed outputs, into ``_sources/``, and the one kept in the repository into
   ``_build/notebooks/``.

3. **Two theme fixes found by the browser tests** (sphinx-thebe's inline script is
   registered twice under Jupyter Book, and the second ``const`` declaration is a
   script error on every page; source links for ``sphinx.ext.linkcode``).

4. **Reading chapters while they execute.** ``tools/execute.py -- <site build>``
   runs the site build beside the kernels; a chapter is read once its outputs are in
   the cache (:func:`_wait_for_outputs`), and the page that shows the execution record
   last, once the record is written.

5. **Numbered references without re-reading pages.** Sphinx resolves each
   ``{numref}`` by unpickling the whole page its target is on; the book's ~80
   references cost ~2 s a build that way. The standard domain here unpickles each page
   once per build.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import inspect
import json
import os
import pkgutil
import re
import subprocess
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain as _SphinxStandardDomain
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import config as book_config
from . import execute, notebooks

logger = logging.getLogger(__name__)

API_BLOCK = re.compile(r"^```\{dlbook-api\}[ \t]*(?P<package>\S*)[ \t]*\n```[ \t]*$", re.MULTILINE)

# --------------------------------------------------------------------------- API page


@dataclass
class ModuleDoc:
    """What the API page shows for one public module."""

    name: str
    documented: list[tuple[str, str, list[str]]] = field(default_factory=list)
    reexported: list[tuple[str, str]] = field(default_factory=list)  # (name, home target)


def public_modules(package: str) -> list[ModuleType]:
    """The package and every submodule whose dotted name has no part starting with '_'."""
    root = importlib.import_module(package)
    modules = [root]
    for info in pkgutil.walk_packages(getattr(root, "__path__", []), package + "."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        modules.append(importlib.import_module(info.name))
    return modules


def assigned_names(module: ModuleType) -> set[str]:
    """Names bound by a top-level assignment in the module's source."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name):
                    names.add(leaf.id)
    return names


def exported_names(module: ModuleType) -> list[str]:
    """The module's ``__all__``, or its public functions and classes defined in it."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return [str(name) for name in names]
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    ]


def directive_options(directive: str, obj: Any) -> list[str]:
    """Options of the autodoc directive that documents ``obj``."""
    if directive in ("autoclass", "autoexception"):
        options = ["   :members:", "   :show-inheritance:"]
        if dataclasses.is_dataclass(obj):
            options.append("   :undoc-members:")  # the fields are the interface
        return options
    if directive == "autodata":
        return ["   :no-value:"]
    return []


def directive_for(obj: Any) -> str:
    if inspect.isclass(obj):
        return "autoexception" if issubclass(obj, BaseException) else "autoclass"
    if inspect.isroutine(obj) or (callable(obj) and hasattr(obj, "__wrapped__")):
        return "autofunction"
    return "autodata"


def api_modules(package: str) -> list[ModuleDoc]:
    """Every public module of ``package`` with the objects it documents and re-exports."""
    modules = public_modules(package)
    by_name = {module.__name__: module for module in modules}
    assigned = {module.__name__: assigned_names(module) for module in modules}
    exports: list[tuple[ModuleType, str, Any]] = []
    for module in modules:
        for name in exported_names(module):
            if name.startswith("__") or not hasattr(module, name):
                continue
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue  # a submodule: it has its own section
            exports.append((module, name, obj))

    def defined_in(module: ModuleType, name: str, obj: Any) -> bool:
        if inspect.isclass(obj) or inspect.isroutine(obj):
            return getattr(obj, "__module__", None) == module.__name__
        return name in assigned[module.__name__]

    def key(name: str, obj: Any) -> Any:
        # Functions and classes are identified by identity; constants also by name,
        # since equal small values (0, None, "relu") are shared objects in Python.
        return id(obj) if inspect.isclass(obj) or inspect.isroutine(obj) else (id(obj), name)

    homes: dict[Any, tuple[str, str]] = {}
    for module, name, obj in exports:  # first: objects exported where they are defined
        if key(name, obj) not in homes and defined_in(module, name, obj):
            homes[key(name, obj)] = (module.__name__, name)
    for _, name, obj in exports:  # then: defined in a private module (closest exporter)
        if key(name, obj) in homes:
            continue
        origin = getattr(obj, "__module__", None) or ""
        same = [(m.__name__, n) for m, n, o in exports if key(n, o) == key(name, obj)]
        related = [(m, n) for m, n in same if origin.startswith(m + ".")]
        homes[key(name, obj)] = max(related, key=lambda mn: len(mn[0])) if related else same[0]

    docs = {module.__name__: ModuleDoc(module.__name__) for module in modules}
    for module, name, obj in exports:
        home, home_name = homes[key(name, obj)]
        target = f"{home}.{home_name}"
        if (home, home_name) == (module.__name__, name):
            directive = directive_for(obj)
            docs[home].documented.append((directive, target, directive_options(directive, obj)))
        else:
            docs[module.__name__].reexported.append((name, target))
    return [
        docs[name]
        for name in by_name
        if docs[name].documented or docs[name].reexported or hasattr(by_name[name], "__path__")
    ]


def api_markdown(package: str) -> str:
    """MyST Markdown for the API reference of ``package``."""
    parts: list[str] = []
    for module in api_modules(package):
        rst = [f".. automodule:: {module.name}", "   :no-members:", ""]
        for directive, target, options in module.documented:
            rst += [f".. {directive}:: {target}", *options, ""]
        if module.reexported:
            links = ", ".join(
                f":py:obj:`{name} <{target}>`" for name, target in sorted(module.reexported)
            )
            rst += [f"Also available here: {links}.", ""]
        parts += [f"## `{module.name}`", "", "```{eval-rst}", *rst, "```", ""]
    return "\n".join(parts)


def _expand_api_blocks(app: Sphinx, docname: str, source: list[str]) -> None:
    def replace(match: re.Match[str]) -> str:
        package = match.group("package") or "dlbook"
        env = app.env
        for module in public_modules(package):
            if getattr(module, "__file__", None):
                env.note_dependency(module.__file__)
        _api_docnames(env).add(docname)
        return api_markdown(package)

    source[0] = API_BLOCK.sub(replace, source[0])


def _api_docnames(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "dlbook_api_docnames"):
        env.dlbook_api_docnames = set()  # type: ignore[attr-defined]
    return env.dlbook_api_docnames  # type: ignore[attr-defined]


def _purge_api_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _api_docnames(env).discard(docname)


def _merge_api_docs(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    _api_docnames(env).update(_api_docnames(other) & docnames)


def _drop_inherited_data_docs(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """A constant without a doc comment would show the docstring of its type (dict, tuple)."""
    if what != "data":
        return
    type_doc = inspect.cleandoc(type(obj).__doc__ or "")
    if type_doc and "\n".join(lines).strip() == type_doc.strip():
        lines.clear()


# ------------------------------------------------------------------ downloaded notebooks


def notebook_docnames(env: BuildEnvironment) -> Iterator[str]:
    """Documents that are notebooks (their metadata has a kernelspec)."""
    for docname in sorted(env.found_docs):
        if "kernelspec" in env.metadata.get(docname, {}):
            yield docname


def _has_outputs(nb: nbformat.NotebookNode) -> bool:
    return any(cell.get("outputs") for cell in _code_cells(nb))


def _executed_notebook(app: Sphinx, docname: str) -> nbformat.NotebookNode | None:
    """The executed notebook of ``docname`` in jupyter_execute/, with its outputs.

    When the file is missing (the page's doctree came from an earlier build) or has
    no outputs (the page was read from the execution cache), it is rebuilt from the
    source and the cache, and written back for sphinx-book-theme to copy.
    """
    from jupyter_cache import get_cache
    from myst_nb.core.read import create_nb_reader

    env = app.env
    config = env.mystnb_config  # type: ignore[attr-defined]
    path = Path(config.output_folder) / f"{docname}.ipynb"
    nb = nbformat.read(path, as_version=4) if path.exists() else None
    if nb is not None and (_has_outputs(nb) or not _code_cells(nb)):
        return nb
    if nb is None:
        source = Path(env.doc2path(docname))
        text = source.read_text(encoding="utf-8")
        reader = create_nb_reader(str(source), env.myst_config, config, text)  # type: ignore[attr-defined]
        if reader is None:
            return None
        nb = reader.read(text)
    if config.execution_cache_path and _code_cells(nb):
        try:
            _, nb = get_cache(config.execution_cache_path).merge_match_into_notebook(nb)
        except KeyError:
            logger.warning(
                f"no cached outputs for {docname}: its downloaded notebook has no outputs",
                location=docname,
                type="dlbook",
                subtype="download",
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return nb


def _code_cells(nb: nbformat.NotebookNode) -> list[Any]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _prepare_download(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Before sphinx-book-theme copies jupyter_execute/<page>.ipynb, make sure it is complete."""
    if app.builder.format == "html" and "kernelspec" in app.env.metadata.get(pagename, {}):
        _executed_notebook(app, pagename)


def _drop_theme_stubs(app: Sphinx, exception: Exception | None) -> None:
    """pydata-sphinx-theme copies its Jinja macro file into ``_static`` unrendered
    (``{{ pathto(...) }}`` as text); no page uses it, so it is not published."""
    if exception is None and app.builder.format == "html":
        for stub in Path(app.outdir, "_static").glob("*webpack-macros.html"):
            stub.unlink()


def _write_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Write every chapter's downloadable and repository notebooks (:mod:`tools.notebooks`)."""
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.srcdir)
    docnames = list(notebook_docnames(app.env))
    executed = {}
    for docname in docnames:
        nb = _executed_notebook(app, docname)
        if nb is not None:
            executed[docname] = nb
    glue_dir = Path(app.env.mystnb_config.output_folder)  # type: ignore[attr-defined]
    outdir = Path(app.outdir)
    problems = notebooks.write_notebooks(root, outdir.parent, outdir, docnames, executed, glue_dir)
    for problem in problems:
        logger.warning(f"notebook: {problem}", type="dlbook", subtype="notebook")


# --------------------------------------------------------------------- execution page


class ExecutionTable(SphinxDirective):
    """``{dlbook-execution}``: when each chapter's outputs were made, and how long it took.

    Read from ``execution.json``, which ``tools.execute`` writes into the build
    directory; the page holding it is re-read on every build.
    """

    def run(self) -> list[nodes.Node]:
        record_path = Path(self.env.app.outdir).parent / "execution.json"
        record = json.loads(record_path.read_text()) if record_path.exists() else {}
        _execution_docnames(self.env).add(self.env.docname)
        self.env.note_dependency(str(record_path))
        table = nodes.table(classes=["dlbook-execution"])
        group = nodes.tgroup(cols=4)
        table += group
        for width in (40, 25, 15, 20):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        head += self._row(["Chapter", "Outputs made (UTC)", "Seconds", "In this build"])
        body = nodes.tbody()
        group += body
        for docname in book_config.toc_docnames(Path(self.env.srcdir)):
            entry = record.get(docname)
            if entry is None:
                continue
            link = addnodes.pending_xref(
                "", refdomain="std", reftype="doc", reftarget="/" + docname, refexplicit=False
            )
            link += nodes.inline(text=docname)
            made = str(entry.get("executed", "")).replace("T", " ").removesuffix("+00:00")
            seconds = f"{entry['seconds']:.1f}" if "seconds" in entry else ""
            fresh = "executed" if entry.get("this_build") else "reused from the cache"
            body += self._row([link, made, seconds, fresh])
        if not len(body):
            return [nodes.paragraph(text="No chapter was executed by this build's tools.")]
        return [table]

    @staticmethod
    def _row(cells: list[Any]) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += (
                nodes.paragraph("", "", cell)
                if isinstance(cell, nodes.Node)
                else nodes.paragraph(text=str(cell))
            )
            row += entry
        return row


def _execution_docnames(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "dlbook_execution_docnames"):
        env.dlbook_execution_docnames = set()  # type: ignore[attr-defined]
    return env.dlbook_execution_docnames  # type: ignore[attr-defined]


def _reread_execution_page(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """The execution page describes this build: read it again every time."""
    return sorted(_execution_docnames(env) - removed)


# ------------------------------------------------------------------------------ setup


def source_link(srcdir: Path, domain: str, info: dict[str, str]) -> str | None:
    """The URL of an object's source lines in the repository (for sphinx.ext.linkcode)."""
    if domain != "py" or not info.get("module", "").startswith("dlbook"):
        return None
    obj: Any = importlib.import_module(info["module"])
    for part in info["fullname"].split("."):
        obj = getattr(obj, part, None)
    if isinstance(obj, property):
        obj = obj.fget
    try:
        obj = inspect.unwrap(obj)
        path = Path(inspect.getsourcefile(obj) or "").resolve()
        relative = path.relative_to(srcdir.resolve())
        span = _definitions(path).get(getattr(obj, "__qualname__", ""))
        if span is None:
            lines, start = inspect.getsourcelines(obj)
            span = (start, start + len(lines) - 1)
    except (TypeError, OSError, ValueError):
        return None  # a constant, or an object defined outside the repository
    repo = book_config.repository(srcdir)
    return f"{repo.url}/blob/{repo.branch}/{relative.as_posix()}#L{span[0]}-L{span[1]}"


@functools.cache
def _definitions(path: Path) -> dict[str, tuple[int, int]]:
    """Qualified name -> (first line, decorators included; last line) of every function
    and class in a source file: what ``inspect.getsourcelines`` gives, from one parse
    of the file (it tokenizes the file again for every object)."""
    spans: dict[str, tuple[int, int]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                spans.setdefault(name, (first, child.end_lineno or child.lineno))
                inner = f"{name}.<locals>." if not isinstance(child, ast.ClassDef) else f"{name}."
                visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return spans


def edition_line(srcdir: Path) -> str:
    """ "Edition 0.2.0 (commit 1a2b3c4, 2026-12-01)": which dlbook and commit built the site.

    The date is the commit's, so that two builds of one commit give the same pages.
    """
    version = notebooks.edition(srcdir).dlbook
    try:
        commit, date = subprocess.run(
            ["git", "log", "-1", "--format=%h %cs"],
            cwd=srcdir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError, ValueError):
        return f"Edition {version}."
    url = book_config.repository(srcdir).url
    return f'Edition {version} (commit <a href="{url}/commit/{commit}">{commit}</a>, {date}).'


def _config_inited(app: Sphinx, config: Any) -> None:
    if config.linkcode_resolve is None:
        config.linkcode_resolve = functools.partial(source_link, Path(app.srcdir))
    options = dict(config.html_theme_options or {})
    footer = options.get("extra_footer", "")
    options["extra_footer"] = f"<p>{edition_line(Path(app.srcdir))}</p>{footer}"
    config.html_theme_options = options


def _dedupe_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Drop repeated script tags: sphinx-thebe registers its inline configuration twice
    under Jupyter Book, and the second ``const`` declaration is a script error."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {}) or {}
        key = (str(getattr(script, "filename", script) or ""), str(attributes.get("body", "")))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    context["script_files"] = unique


# ------------------------------------------------- reading beside the execution

EXECUTION_DIRECTIVE = "```{dlbook-execution}"


def _shows_execution(env: BuildEnvironment, docname: str) -> bool:
    try:
        return EXECUTION_DIRECTIVE in Path(env.doc2path(docname)).read_text(encoding="utf-8")
    except OSError:
        return False


def _read_execution_pages_last(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """The pages that show the execution record are read after every chapter."""
    docnames.sort(key=lambda docname: _shows_execution(env, docname))  # stable


def _wait_for_outputs(app: Sphinx, docname: str, source: list[str]) -> None:
    """Before a page is read, wait until the execution beside this build has its outputs.

    A no-op unless ``tools/execute.py`` started this build (it names its status file in
    ``DLBOOK_EXECUTION_STATUS``). The wait ends when the chapter is no longer pending
    (executed, or failed: MyST-NB then executes it and reports the error), or when
    the executing process is gone.
    """
    status_path = os.environ.get(execute.STATUS_ENV)
    if not status_path:
        return
    whole_record = EXECUTION_DIRECTIVE in source[0]
    while True:
        try:
            state = json.loads(Path(status_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if state.get("finished"):
            return
        if not whole_record and docname not in state.get("pending", []):
            return
        try:
            os.kill(int(state["pid"]), 0)
        except (OSError, KeyError, ValueError):
            return
        time.sleep(0.05)


# ----------------------------------------------------------- numbered references

_NUMREF_DOCTREES: weakref.WeakKeyDictionary[BuildEnvironment, dict[str, tuple[Any, Any]]] = (
    weakref.WeakKeyDictionary()
)


def _numref_doctree(env: BuildEnvironment, docname: str) -> nodes.document:
    """The page's doctree for reading only, unpickled again only when the page changed."""
    pickles = getattr(env, "_pickled_doctree_cache", None)
    cache = _NUMREF_DOCTREES.setdefault(env, {})
    hit = cache.get(docname)
    if hit is not None and pickles is not None and hit[0] is pickles.get(docname):
        return hit[1]  # type: ignore[no-any-return]
    doctree = BuildEnvironment.get_doctree(env, docname)
    if pickles is not None:
        cache[docname] = (pickles.get(docname), doctree)
    return doctree


class StandardDomain(_SphinxStandardDomain):
    """Sphinx's standard domain; a ``numref`` finds its target's number in a doctree
    unpickled once per build rather than once per reference (it only reads it)."""

    def _resolve_numref_xref(  # type: ignore[override]
        self, env: BuildEnvironment, *args: Any, **kwargs: Any
    ) -> Any:
        env.get_doctree = functools.partial(_numref_doctree, env)  # type: ignore[method-assign]
        try:
            return super()._resolve_numref_xref(env, *args, **kwargs)
        finally:
            del env.get_doctree


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.napoleon")
    app.setup_extension("sphinx.ext.linkcode")  # "[source]" links to the repository
    app.connect("config-inited", _config_inited)
    app.connect("source-read", _expand_api_blocks)
    app.connect("env-purge-doc", _purge_api_doc)
    app.connect("env-merge-info", _merge_api_docs)
    app.connect("autodoc-process-docstring", _drop_inherited_data_docs)
    app.connect("html-page-context", _prepare_download, priority=400)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("build-finished", _write_notebooks)
    app.connect("build-finished", _drop_theme_stubs)
    app.add_directive("dlbook-execution", ExecutionTable)
    app.add_domain(StandardDomain, override=True)
    app.connect("env-before-read-docs", _read_execution_pages_last)
    app.connect("source-read", _wait_for_outputs, priority=100)
    app.connect("env-get-outdated", _reread_execution_page)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
