"""The book's configuration: ``_config.yml`` and ``_toc.yml``, read in one place."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = "chapters"
#: Environment of the build's kernels: strict self-checks, quiet glue, one thread each
#: (two kernels share two cores; torch's two-thread operations stall when they compete).
KERNEL_ENV = {
    "DLBOOK_BOOK_BUILD": "1",
    "DLBOOK_CHECK_STRICT": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


@lru_cache(maxsize=8)
def _read_config(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def book_config(root: Path = ROOT) -> dict[str, Any]:
    """The parsed ``_config.yml`` of the book at ``root``."""
    return _read_config((root / "_config.yml").resolve())


@dataclass(frozen=True)
class Repository:
    """Where the book's source lives and which revision its notebooks install."""

    url: str  #: e.g. https://github.com/dlbook/introduction-to-deep-learning (no .git)
    branch: str  #: the revision named in _config.yml (``main`` on the main branch)
    site: str  #: the deployed website, ending in "/"

    @property
    def owner_repo(self) -> str:
        """``owner/name`` of a GitHub URL."""
        return self.url.removeprefix("https://github.com/").strip("/")


def repository(root: Path = ROOT) -> Repository:
    """The repository URL, revision and website named in ``_config.yml``."""
    config = book_config(root)
    repo = config.get("repository") or {}
    url = str(repo.get("url") or "").strip().rstrip("/").removesuffix(".git")
    if not url:
        raise SystemExit("_config.yml has no repository.url")
    branch = str(repo.get("branch") or "main").strip()
    site = str((config.get("html") or {}).get("baseurl") or "").strip()
    if not site:
        raise SystemExit("_config.yml has no html.baseurl (the address of the website)")
    return Repository(url=url, branch=branch, site=site.rstrip("/") + "/")


def toc_docnames(root: Path = ROOT, toc: Path | None = None) -> list[str]:
    """Every document of the table of contents, in reading order (docnames, no suffix)."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    return list(parse_toc_yaml(str(toc or root / "_toc.yml")))


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
    """The MyST notebook sources of the table of contents, in reading order."""
    paths = (root / f"{name}.md" for name in toc_docnames(root, toc))
    return [path for path in paths if is_notebook_source(path)]


def all_notebook_sources(root: Path = ROOT) -> list[Path]:
    """Every MyST notebook in chapters/, except drafts and templates (names starting with _)."""
    return [
        path
        for path in sorted((root / CHAPTERS).glob("*.md"))
        if not path.name.startswith("_") and is_notebook_source(path)
    ]
