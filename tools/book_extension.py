"""Sphinx extension of the book (loaded from _config.yml, ``sphinx.local_extensions``).

It adds what the stock Jupyter Book 1 stack lacks:

1. **API reference from the package.** A page that contains the block

   .. code-block:: markdown

      ```{dlbook-api}
      ```

   gets, in its place, one section per public module of ``dlbook`` (found by walking
   the package, so modules added later appear without editing the page), each with
   the module docstring and every public object of its ``__all__`` rendered by
   autodoc and napoleon (numpydoc style). An object is documented once, in the module
   that defines it; modules that re-export it link to it; a "source" link
   (sphinx.ext.linkcode) opens its lines in the repository at ``repository.branch``.
   The page is re-read on every build, so it never shows a stale signature.

2. **Downloaded notebooks with outputs.** sphinx-book-theme offers
   ``_sources/<page>.ipynb`` for download, copied from ``jupyter_execute/``; myst-nb
   writes that file without outputs when the page came from the execution cache. At
   the end of the build every such notebook is rewritten with the outputs merged
   from the cache and with the set-up cell of ``tools/notebooks.py`` first, so it
   runs in a bare Colab or Binder kernel like the paired notebook does.

3. **Quiet external types in the API page.** Type annotations and parameter types
   name ``torch.Tensor``, ``numpy.ndarray`` and so on; without network access there
   is no intersphinx inventory to link them, so in the API page they are shown as
   plain text instead of failing the nitpicky build. References to ``dlbook``
   objects are still checked.

4. **Theme fixes found by the browser tests.** It drops the script tag sphinx-thebe
   adds twice (the second one is a script error on every page), gives
   pydata-sphinx-theme a default colour mode (without one it logs an error on every
   page) and makes the visible sidebar buttons work (see ``SIDEBAR_TOGGLE_FIX``).
   ``book_static/book.css`` keeps long signatures, titles and code names from
   widening pages on a phone.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import inspect
import pkgutil
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

sys.path.insert(0, str(Path(__file__).resolve().parent))
import notebooks  # tools/notebooks.py, beside this file

logger = logging.getLogger(__name__)

API_BLOCK = re.compile(r"^```\{dlbook-api\}[ \t]*(?P<package>\S*)[ \t]*\n```[ \t]*$", re.MULTILINE)

# Defaults for autodoc and napoleon; a value set in _config.yml wins.
CONFIG_DEFAULTS: dict[str, Any] = {
    "napoleon_google_docstring": False,
    "napoleon_numpy_docstring": True,
    "napoleon_use_rtype": False,
    "napoleon_use_ivar": True,
    "napoleon_custom_sections": ["Shape"],  # the torch.nn-style section of our layers
    "autodoc_member_order": "bysource",
    "autodoc_typehints": "signature",
    "toc_object_entries_show_parents": "hide",
    "python_maximum_signature_line_length": 88,  # longer signatures: one parameter a line
}
STATIC = Path(__file__).resolve().parent / "book_static"


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
        if docs[name].documented or docs[name].reexported or name == package
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


def _quiet_external_types(
    app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element
) -> nodes.Element | None:
    """Show types outside dlbook (torch.Tensor, ndarray, ...) as plain text in the API page."""
    if node.get("refdomain") != "py" or node.get("refdoc") not in _api_docnames(env):
        return None
    target = str(node.get("reftarget", "")).lstrip("~.")
    if node.get("reftype") == "class" or target == "None":
        return contnode  # annotations, base classes and parameter types
    root = target.split(".")[0]
    if root != "dlbook" and root in sys.modules:
        return contnode  # an explicit link to torch, numpy, the standard library, ...
    return None  # a broken link to dlbook itself is a real error


REPR_DEFAULT = re.compile(
    r"<(?:function|built-in function|class) '?([\w.]+)'?(?: at 0x[0-9a-f]+)?>|<[^<>]*>"
)


def _readable_signature(
    app: Sphinx,
    what: str,
    name: str,
    obj: Any,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str | None, str | None] | None:
    """Turn default values shown as ``<function f>`` or ``<factory>`` into Python.

    Sphinx cannot parse a signature holding such a repr and then prints it as raw
    text (with ``~`` prefixes and no links) on one unbreakable line.
    """
    if not signature or "<" not in signature:
        return None
    return REPR_DEFAULT.sub(lambda m: m.group(1) or "...", signature), return_annotation


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


def _write_downloads(app: Sphinx, exception: Exception | None) -> None:
    """Rewrite each ``_sources/<page>.ipynb`` with outputs and the set-up cell first."""
    if exception is not None or app.builder.format != "html":
        return
    url, ref = notebooks.repository(Path(app.srcdir))
    for docname in notebook_docnames(app.env):
        nb = _executed_notebook(app, docname)
        if nb is None:
            continue
        target = Path(app.outdir) / "_sources" / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebooks.with_setup_cell(nb, url, ref), target)


# ------------------------------------------------------------------------------ setup

# pydata-sphinx-theme 0.17 and sphinx-book-theme both bind their sidebar handlers to the
# *first* element with class primary-toggle (or secondary-toggle), a button of the top
# navbar that sphinx-book-theme hides; the visible button in the article header gets no
# handler, so the navigation cannot be opened on a phone (pydata-sphinx-theme issue
# 2451). Forward clicks on the other buttons to the first one.
SIDEBAR_TOGGLE_FIX = """
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
"""


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
        lines, start = inspect.getsourcelines(obj)
        relative = path.relative_to(srcdir.resolve())
    except (TypeError, OSError, ValueError):
        return None  # a constant, or an object defined outside the repository
    url, ref = notebooks.repository(srcdir)
    return f"{url}/blob/{ref}/{relative.as_posix()}#L{start}-L{start + len(lines) - 1}"


def _config_defaults(app: Sphinx, config: Any) -> None:
    for name, value in CONFIG_DEFAULTS.items():
        if name not in config._raw_config:
            setattr(config, name, value)
    if config.linkcode_resolve is None:
        config.linkcode_resolve = functools.partial(source_link, Path(app.srcdir))
    # Without a default colour mode pydata-sphinx-theme logs a console error on every page.
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}


def _add_static(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC))


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


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.napoleon")
    app.setup_extension("sphinx.ext.linkcode")  # "[source]" links to the repository
    app.connect("config-inited", _config_defaults)
    app.add_js_file(None, body=SIDEBAR_TOGGLE_FIX)
    app.connect("builder-inited", _add_static)
    app.add_css_file("book.css")
    app.connect("source-read", _expand_api_blocks)
    app.connect("env-purge-doc", _purge_api_doc)
    app.connect("env-merge-info", _merge_api_docs)
    app.connect("missing-reference", _quiet_external_types)
    app.connect("autodoc-process-docstring", _drop_inherited_data_docs)
    app.connect("autodoc-process-signature", _readable_signature)
    app.connect("html-page-context", _prepare_download, priority=400)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("build-finished", _write_downloads)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
