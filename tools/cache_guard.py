"""Invalidate the book's execution cache when dlbook or the pinned environment changes.

jupyter-cache keys executed notebooks on their own content only, and Sphinx
keeps doctrees of unchanged pages, so a change to ``dlbook/`` would otherwise
leave stale outputs on the site. Before each build this script hashes every
file that executed code depends on (the package, ``pyproject.toml`` and the
lock file) and, when the hash differs from the one recorded at the last build,
removes the jupyter-cache and the doctrees so that every chapter re-executes.

Usage: ``python tools/cache_guard.py [--build-dir _build] [--check]``
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ("dlbook", "pyproject.toml", "requirements/constraints.txt")


def fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the paths and contents of every file the executed chapters depend on."""
    digest = hashlib.sha256()
    for name in INPUTS:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if not file.is_file() or "__pycache__" in file.parts:
                continue
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
            digest.update(b"\0")
    digest.update(f"python {sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=str(ROOT / "_build"))
    parser.add_argument(
        "--check", action="store_true", help="only report whether the cache is stale"
    )
    args = parser.parse_args(argv)
    build = Path(args.build_dir)
    stamp = build / ".dlbook-fingerprint"
    current = fingerprint()
    previous = stamp.read_text().strip() if stamp.exists() else None
    if previous == current:
        print("cache_guard: dlbook and the pins are unchanged; cached outputs are reused.")
        return 0
    if args.check:
        print("cache_guard: stale (dlbook or the pins changed since the last build).")
        return 1
    for stale in (build / ".jupyter_cache", build / ".doctrees"):
        if stale.exists():
            shutil.rmtree(stale)
    build.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    reason = "first build" if previous is None else "dlbook or the pins changed"
    print(f"cache_guard: {reason}; every chapter will be executed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
