"""Keep every chapter's paired notebook (chapters/<slug>.ipynb) in sync with its MyST source.

Colab cannot open a MyST Markdown page, so each chapter written as a MyST
notebook (a ``.md`` file whose front matter has a ``kernelspec``) gets a paired
``.ipynb`` beside it. The pair is generated, never edited by hand:

* the cells are those of the ``.md`` (converted with jupytext), without outputs;
* a first, set-up cell installs ``dlbook`` from the same repository and revision
  as the notebook when it is not importable (a bare Colab or Binder kernel), so a
  chapter never calls a different version of the library than the one it was
  written for;
* cell ids are derived from the cell contents, so the output is deterministic.

The repository URL and the revision come from ``_config.yml`` (``repository.url``
and ``repository.branch``), the same keys the site's launch buttons use: the
notebooks on ``main`` install ``dlbook`` from ``main``; a release branch that sets
``repository.branch`` to its tag gets notebooks that install that tag.

Usage::

    python tools/notebooks.py sync     # write every pair that is missing or stale
    python tools/notebooks.py sync --fail-if-changed   # the same, exit 1 if it wrote
    python tools/notebooks.py check    # exit 1, naming each pair that differs

The pre-commit hook runs ``sync``; ``tests/test_notebook_pairing.py`` runs the check.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = "chapters"
SETUP_TAG = "dlbook-setup"
SYNC = "python tools/notebooks.py sync"


def book_config(root: Path = ROOT) -> dict[str, Any]:
    """The parsed ``_config.yml`` of the book."""
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}


def repository(root: Path = ROOT) -> tuple[str, str]:
    """The repository URL (no trailing slash or ``.git``) and the revision the notebooks install."""
    repo = book_config(root).get("repository") or {}
    url = str(repo.get("url") or "").strip().rstrip("/")
    if not url:
        raise SystemExit("_config.yml has no repository.url")
    url = url.removesuffix(".git")
    branch = str(repo.get("branch") or "main").strip()
    return url, branch


def install_requirement(url: str, ref: str) -> str:
    """The pip requirement that installs dlbook from ``url`` at revision ``ref``."""
    return f"dlbook @ git+{url}@{ref}"


def toc_docnames(root: Path = ROOT, toc: Path | None = None) -> list[str]:
    """Every document named in the table of contents, in order (without suffix)."""
    data = yaml.safe_load((toc or root / "_toc.yml").read_text(encoding="utf-8")) or {}
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    names.append(str(Path(node[key]).with_suffix("")))
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return list(dict.fromkeys(names))


def is_notebook_source(path: Path) -> bool:
    """True when ``path`` is a MyST notebook: a ``.md`` whose front matter has a kernelspec."""
    if path.suffix != ".md" or not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return False
    end = text.find("\n---", 3)
    if end < 0:
        return False
    try:
        front = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError:
        return False
    return isinstance(front, dict) and "kernelspec" in front


def toc_notebook_sources(root: Path = ROOT, toc: Path | None = None) -> list[Path]:
    """The MyST notebook sources of every chapter in the table of contents."""
    paths = (root / f"{name}.md" for name in toc_docnames(root, toc))
    return [path for path in paths if is_notebook_source(path)]


def all_notebook_sources(root: Path = ROOT) -> list[Path]:
    """Every MyST notebook in chapters/, except drafts and templates (names starting with _)."""
    return [
        path
        for path in sorted((root / CHAPTERS).glob("*.md"))
        if not path.name.startswith("_") and is_notebook_source(path)
    ]


def setup_source(url: str, ref: str) -> str:
    """The code of the set-up cell that installs dlbook where it is missing."""
    requirement = install_requirement(url, ref)
    return "\n".join(
        [
            "#@title Set-up: install the book's library, dlbook, where it is missing",
            "# In Colab or a bare kernel, install dlbook from the same repository and",
            "# revision as this notebook, so the code below calls the library it was",
            "# written for. Where dlbook is already installed, nothing happens.",
            "import importlib",
            "import importlib.util",
            "import subprocess",
            "import sys",
            "",
            'if importlib.util.find_spec("dlbook") is None:',
            "    subprocess.run(",
            '        [sys.executable, "-m", "pip", "install", "--quiet",',
            f'         "{requirement}"],',
            "        check=True,",
            "    )",
            "    importlib.invalidate_caches()",
        ]
    )


def setup_cell(url: str, ref: str) -> nbformat.NotebookNode:
    """The first cell of every paired or downloaded notebook (hidden on the website)."""
    cell = nbformat.v4.new_code_cell(
        setup_source(url, ref),
        metadata={
            "cellView": "form",  # Colab shows the title and folds the code
            "jupyter": {"source_hidden": True},  # JupyterLab folds the code
            "tags": ["remove-cell", SETUP_TAG],  # myst-nb never shows it
        },
    )
    return cell


def has_setup_cell(nb: nbformat.NotebookNode) -> bool:
    """True when the first cell of ``nb`` is the set-up cell."""
    return bool(nb.cells) and SETUP_TAG in nb.cells[0].get("metadata", {}).get("tags", [])


def with_setup_cell(nb: nbformat.NotebookNode, url: str, ref: str) -> nbformat.NotebookNode:
    """``nb`` with the set-up cell first (an existing one is replaced)."""
    cells = list(nb.cells[1:] if has_setup_cell(nb) else nb.cells)
    nb.cells = [setup_cell(url, ref), *cells]
    return nb


def stable_ids(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Give every cell an id derived from its type and source (unique within the notebook)."""
    seen: dict[str, int] = {}
    for cell in nb.cells:
        digest = hashlib.sha1(f"{cell.cell_type}\0{cell.source}".encode()).hexdigest()[:8]
        count = seen.get(digest, 0)
        seen[digest] = count + 1
        cell["id"] = digest if count == 0 else f"{digest}-{count}"
    return nb


def paired_notebook(source: Path, url: str, ref: str) -> nbformat.NotebookNode:
    """The notebook paired with the MyST file ``source``."""
    nb = jupytext.read(source, fmt="md:myst")
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata.pop("jupytext", None)  # the pair is generated, not a jupytext-paired file
    nb.metadata.setdefault("language_info", {"name": "python"})
    nb.metadata["colab"] = {"provenance": [], "toc_visible": True}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return stable_ids(with_setup_cell(nb, url, ref))


def render(nb: nbformat.NotebookNode) -> str:
    """The notebook as text, exactly as it is written to disk."""
    return nbformat.writes(nb, version=4) + "\n"


def pair_path(source: Path) -> Path:
    """The path of the notebook paired with ``source``."""
    return source.with_suffix(".ipynb")


def expected_pairs(sources: Iterable[Path], root: Path = ROOT) -> Iterator[tuple[Path, str]]:
    """``(notebook path, expected text)`` for each source."""
    url, ref = repository(root)
    for source in sources:
        yield pair_path(source), render(paired_notebook(source, url, ref))


def problems(root: Path = ROOT, toc: Path | None = None) -> list[str]:
    """Every way the pairs of the book's chapters differ from their sources (empty: in sync).

    Each MyST notebook of the table of contents must have a pair equal to what ``sync``
    writes, and every notebook in chapters/ must have a source. (A chapter not yet in
    the table of contents is paired by ``sync`` and the pre-commit hook, but not checked.)
    """
    found: list[str] = []
    required = toc_notebook_sources(root, toc)
    for notebook in sorted((root / CHAPTERS).glob("*.ipynb")):
        source = notebook.with_suffix(".md")
        if not is_notebook_source(source):
            rel = notebook.relative_to(root)
            found.append(f"{rel}: no MyST notebook {source.relative_to(root)} to pair with")
    for source in required:
        notebook = pair_path(source)
        rel = notebook.relative_to(root)
        if not notebook.exists():
            found.append(f"{rel}: missing (run `{SYNC}`)")
            continue
        ((_, expected),) = expected_pairs([source], root)
        if notebook.read_text(encoding="utf-8") != expected:
            found.append(f"{rel}: differs from {source.name} (run `{SYNC}`)")
    return found


def sync(root: Path = ROOT, sources: Iterable[Path] | None = None) -> list[Path]:
    """Write each pair that is missing or stale; return the paths written."""
    chosen = (
        list(sources)
        if sources is not None
        else sorted(set(all_notebook_sources(root)) | set(toc_notebook_sources(root)))
    )
    written = []
    for notebook, text in expected_pairs(chosen, root):
        if not notebook.exists() or notebook.read_text(encoding="utf-8") != text:
            notebook.write_text(text, encoding="utf-8")
            written.append(notebook)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["sync", "check"])
    parser.add_argument(
        "--fail-if-changed",
        action="store_true",
        help="sync: exit 1 when a notebook was written (pre-commit then stops the commit)",
    )
    args = parser.parse_args(argv)
    if args.command == "sync":
        written = sync()
        for path in written:
            print(f"notebooks: wrote {path.relative_to(ROOT)} (git add it)")
        return 1 if written and args.fail_if_changed else 0
    found = problems()
    for line in found:
        print(f"notebooks: {line}", file=sys.stderr)
    if not found:
        print("notebooks: every paired notebook is in sync with its chapter.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
