"""Execute the book's chapters in parallel, into the execution cache the site build reads.

MyST-NB executes the chapters one after the other while Sphinx reads them. This tool
runs first (``make book`` calls it): it finds the chapters whose outputs are not in
the jupyter-cache, executes them in parallel kernels (one per core, one torch thread
each, the longest first) and stores the results where MyST-NB looks, so that the
Sphinx build that follows only reads. The outputs are those of a serial build: the
same notebook, the same kernel, the same cache key (``tools/compare_builds.py``
checks that the pages agree).

It also writes ``execution.json`` in the build directory: for every chapter, when its
outputs were made, how long that took, and whether this build made them; the
execution page shows it.

Usage: ``python -m tools.execute [--build-dir _build] [--jobs N] [--toc _toc.yml]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from . import config

ROOT = config.ROOT
#: Environment of the build's kernels: strict self-checks, quiet glue, one thread.
KERNEL_ENV = {
    "DLBOOK_BOOK_BUILD": "1",
    "DLBOOK_CHECK_STRICT": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
RECORD = "execution.json"


def read_chapter(path: Path) -> Any:
    """The chapter as MyST-NB reads it (the cache key depends on the cells and metadata)."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    parse = config.book_config(ROOT).get("parse") or {}
    md_config = MdParserConfig(
        enable_extensions=set(parse.get("myst_enable_extensions") or []),
        dmath_double_inline=bool(parse.get("myst_dmath_double_inline", False)),
    )
    text = path.read_text(encoding="utf-8")
    return read_myst_markdown_notebook(text, config=md_config, add_source_map=True, path=path)


def _execute(path: str, timeout: int) -> dict[str, Any]:
    """Run one chapter in a fresh kernel (in a worker process); its notebook and timing."""
    from jupyter_cache.executors.utils import single_nb_execution

    os.environ.update(KERNEL_ENV)
    nb = read_chapter(Path(path))
    result = single_nb_execution(
        nb,
        cwd=str(Path(path).parent),
        timeout=timeout,
        allow_errors=False,
        meta_override=True,
        record_timing=True,
        shutdown_kernel="immediate",
    )
    cells = []
    for index, cell in enumerate(result.nb.cells):
        timing = cell.metadata.pop("execution", None)  # not part of the outputs (or the key)
        if cell.cell_type != "code" or not timing:
            continue
        try:
            begin = dt.datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            end = dt.datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
        except (KeyError, ValueError):
            continue
        first = next(
            (
                line
                for line in cell.source.splitlines()
                if line.strip() and not line.startswith(("#", "---", "tags:", "mystnb:", "  "))
            ),
            "",
        )
        cells.append(
            {"cell": index, "seconds": round((end - begin).total_seconds(), 2), "code": first[:70]}
        )
    stderr = [
        output.get("text", "")
        for cell in result.nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    ]
    return {
        "path": path,
        "nb": result.nb,
        "seconds": result.time,
        "error": result.exc_string if result.err is not None else None,
        "stderr": stderr,
        "slowest_cells": sorted(cells, key=lambda c: -c["seconds"])[:5],
    }


def stale_chapters(cache: Any, sources: list[Path]) -> list[Path]:
    """The chapters whose outputs are not in the cache."""
    stale = []
    for source in sources:
        try:
            cache.match_cache_notebook(read_chapter(source))
        except KeyError:
            stale.append(source)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.execute", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--build-dir", default=str(ROOT / "_build"))
    parser.add_argument("--toc", default=None)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    build = Path(args.build_dir).resolve()
    build.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(build / ".jupyter_cache"))  # created here, before any worker
    timeout = int((config.book_config(ROOT).get("execute") or {}).get("timeout", 180))
    sources = config.toc_notebook_sources(ROOT, Path(args.toc).resolve() if args.toc else None)
    record_path = build / RECORD
    record: dict[str, Any] = json.loads(record_path.read_text()) if record_path.exists() else {}
    stale = stale_chapters(cache, sources)
    # Longest first (by the last recorded time), so that the workers finish together.
    stale.sort(key=lambda p: -float(record.get(_docname(p), {}).get("seconds", 1e9)))
    started = time.perf_counter()
    failures = []
    if stale:
        print(
            f"execute: {len(stale)} of {len(sources)} chapters to run, {args.jobs} at a time",
            flush=True,
        )
        with ProcessPoolExecutor(max_workers=max(1, min(args.jobs, len(stale)))) as pool:
            futures = [pool.submit(_execute, str(path), timeout) for path in stale]
            for future in as_completed(futures):
                outcome = future.result()
                path = Path(outcome["path"])
                docname = _docname(path)
                if outcome["error"] or outcome["stderr"]:
                    failures.append((docname, outcome))
                    print(f"execute: {docname} FAILED after {outcome['seconds']:.1f} s", flush=True)
                    continue
                cache.cache_notebook_bundle(
                    CacheBundleIn(
                        outcome["nb"], str(path), data={"execution_seconds": outcome["seconds"]}
                    ),
                    check_validity=False,
                    overwrite=True,
                )
                record[docname] = {
                    "seconds": round(outcome["seconds"], 2),
                    "slowest_cells": outcome["slowest_cells"],
                    "executed": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                }
                print(f"execute: {docname} in {outcome['seconds']:.1f} s", flush=True)
    for source in sources:  # which outputs this build made, and which it reused
        entry = record.setdefault(_docname(source), {})
        entry["this_build"] = source in stale
    record_path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    wall = time.perf_counter() - started
    if stale:
        print(f"execute: done in {wall:.1f} s", flush=True)
    for docname, outcome in failures:
        print(f"\nexecute: {docname} failed:", file=sys.stderr)
        if outcome["error"]:
            print(outcome["error"], file=sys.stderr)
        for text in outcome["stderr"]:
            print(f"[stderr] {text}", file=sys.stderr)
    return 1 if failures else 0


def _docname(path: Path) -> str:
    return path.resolve().relative_to(ROOT).with_suffix("").as_posix()


if __name__ == "__main__":
    sys.exit(main())
