"""Execute the book's chapters in parallel, into the execution cache the site build reads.

MyST-NB would execute the chapters one after the other while Sphinx reads them. This
tool runs instead (``make book`` calls it): it finds the chapters whose outputs are not
in the jupyter-cache, executes them in parallel kernels (one per core, one torch
thread each) and stores the results where MyST-NB looks, so that the Sphinx build only
reads. The outputs are those of a serial build: the same notebook, the same kernel
environment, the same cache key (``tools/compare_builds.py`` checks that the pages
agree).

Two things make a cold build faster (``tools/bench_build.py`` measures them):

* ``--kernels warm`` (the default): each kernel is a fork of a server that has imported
  torch, matplotlib and IPython once (``tools/warm_kernels.py``), instead of a fresh
  interpreter that imports them again (``--kernels plain``).
* ``-- COMMAND``: the site build is started at once, beside the kernels; the book's
  Sphinx extension reads each chapter as soon as its outputs are stored (the status
  file ``_build/.execution-status.json`` says which are pending), so that Sphinx's
  reading uses the core the kernels leave idle. The chapters then run in the order
  Sphinx reads them; without a command, the longest first.

It also writes ``execution.json`` in the build directory: for every chapter, when its
outputs were made, how long that took, and whether this build made them; the
execution page shows it.

Usage: ``python -m tools.execute [--build-dir _build] [--jobs N] [--toc _toc.yml]
[--kernels warm|plain] [-- COMMAND ...]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from . import config

ROOT = config.ROOT
KERNEL_ENV = config.KERNEL_ENV
RECORD = "execution.json"
#: The progress of an execution that a site build runs beside (``--`` COMMAND): the
#: book's Sphinx extension reads a chapter only once its outputs are in the cache.
STATUS = ".execution-status.json"
STATUS_ENV = "DLBOOK_EXECUTION_STATUS"
#: How the kernels start: forks of a server that has imported torch and the rest
#: (``tools/warm_kernels.py``), or as ``jupyter`` starts them (the reference).
KERNELS = ("warm", "plain")


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


async def _execute(path: Path, timeout: int, kernels: str) -> dict[str, Any]:
    """Run one chapter in a fresh kernel; its notebook, timing and errors.

    What ``jupyter_cache``'s ``single_nb_execution`` does, as a coroutine, so that one
    process drives several kernels at once.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = read_chapter(path)
    execution = nb.metadata.get("execution", {})
    options: dict[str, Any] = {}
    if kernels == "warm":
        from .warm_kernels import WarmKernelManager

        options["kernel_manager_class"] = WarmKernelManager
    from traitlets.config import Config

    client = NotebookClient(
        nb,
        # Local sockets (files beside the connection file) rather than TCP ports: no
        # port to find free, and no "running over TCP without encryption" warning.
        config=Config({"KernelManager": {"transport": "ipc", "ip": _ipc_prefix()}}),
        resources={"metadata": {"path": str(path.parent)}},
        timeout=execution.get("timeout", timeout),
        allow_errors=execution.get("allow_errors", False),
        record_timing=True,
        shutdown_kernel="immediate",
        **options,
    )
    started = time.perf_counter()
    error = None
    try:
        await client.async_execute()
    except (CellExecutionError, CellTimeoutError):
        error = traceback.format_exc()
    seconds = time.perf_counter() - started
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = join_streams(cell.get("outputs", []))
    cells = []
    for index, cell in enumerate(nb.cells):
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
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    ]
    return {
        "path": str(path),
        "nb": nb,
        "seconds": seconds,
        "error": error,
        "stderr": stderr,
        "slowest_cells": sorted(cells, key=lambda c: -c["seconds"])[:5],
    }


def _ipc_prefix() -> str:
    """An absolute path that names one kernel's sockets (the kernel runs elsewhere)."""
    import tempfile
    import uuid

    return os.path.join(tempfile.gettempdir(), f"dlbook-kernel-{uuid.uuid4().hex[:12]}")


def join_streams(outputs: list[Any]) -> list[Any]:
    """Consecutive pieces of one stream as one output, their texts joined as written.

    A kernel sends what a cell prints in pieces whenever its output buffer is flushed
    (on a timer), so one ``print`` can arrive as two outputs, and MyST-NB, which puts a
    line break between the pieces it merges, would then show a different text. Joined
    here, the outputs no longer depend on when the buffer was flushed.
    """
    joined: list[Any] = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and output.get("name") == previous.get("name")
        ):
            previous["text"] = previous.get("text", "") + output.get("text", "")
        else:
            joined.append(output)
    return joined


async def _execute_all(
    paths: list[Path], jobs: int, timeout: int, kernels: str
) -> AsyncIterator[dict[str, Any]]:
    """Run the chapters, ``jobs`` at a time, in order; yield each outcome when it ends."""
    gate = asyncio.Semaphore(max(1, jobs))

    async def one(path: Path) -> dict[str, Any]:
        async with gate:
            return await _execute(path, timeout, kernels)

    # Tasks made in order take the gate in order (as_completed alone would start them
    # in the order of a set).
    tasks = [asyncio.ensure_future(one(path)) for path in paths]
    for task in asyncio.as_completed(tasks):
        yield await task


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
    parser.add_argument(
        "--kernels",
        choices=KERNELS,
        default=os.environ.get("DLBOOK_KERNELS", "warm"),
        help="warm: forks of a server that imported torch (default); plain: as jupyter starts them",
    )
    parser.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        help="after --: the site build to run at the same time (it reads each chapter when "
        "its outputs are ready)",
    )
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    from jupyter_cache import get_cache

    build = Path(args.build_dir).resolve()
    build.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(build / ".jupyter_cache"))
    timeout = int((config.book_config(ROOT).get("execute") or {}).get("timeout", 180))
    sources = config.toc_notebook_sources(ROOT, Path(args.toc).resolve() if args.toc else None)
    record_path = build / RECORD
    record: dict[str, Any] = json.loads(record_path.read_text()) if record_path.exists() else {}
    stale = stale_chapters(cache, sources)
    if command:  # in the order the site build reads them
        stale.sort(key=_docname)
    else:  # longest first (by the last recorded time), so that the workers finish together
        stale.sort(key=lambda p: -float(record.get(_docname(p), {}).get("seconds", 1e9)))
    started = time.perf_counter()
    failures = []
    status = Status(build / STATUS, [_docname(p) for p in stale]) if command else None
    site = (
        subprocess.Popen(command, env={**os.environ, STATUS_ENV: str(status.path)})
        if status
        else None
    )
    try:
        failures = _execute_and_record(args, stale, sources, cache, timeout, record, status)
    except BaseException:
        if site is not None:
            site.terminate()
        raise
    finally:
        if status is not None:
            status.finish()
    wall = time.perf_counter() - started
    if stale:
        print(f"execute: done in {wall:.1f} s", flush=True)
    site_failed = site is not None and site.wait() != 0
    for docname, outcome in failures:
        print(f"\nexecute: {docname} failed:", file=sys.stderr)
        if outcome["error"]:
            print(outcome["error"], file=sys.stderr)
        for text in outcome["stderr"]:
            print(f"[stderr] {text}", file=sys.stderr)
    return 1 if failures or site_failed else 0


def _execute_and_record(
    args: argparse.Namespace,
    stale: list[Path],
    sources: list[Path],
    cache: Any,
    timeout: int,
    record: dict[str, Any],
    status: Status | None,
) -> list[tuple[str, dict[str, Any]]]:
    failures = []
    if stale:
        print(
            f"execute: {len(stale)} of {len(sources)} chapters to run, {args.jobs} at a time, "
            f"{args.kernels} kernels",
            flush=True,
        )
        os.environ.update(KERNEL_ENV)  # every kernel's environment is a copy of this one
        if args.kernels == "warm":
            from .warm_kernels import context

            context()  # the server imports while the chapters are read
        try:
            failures += asyncio.run(
                _run(stale, args.jobs, timeout, args.kernels, cache, record, status)
            )
        finally:
            if args.kernels == "warm":
                from .warm_kernels import stop

                stop()
    for source in sources:  # which outputs this build made, and which it reused
        entry = record.setdefault(_docname(source), {})
        entry["this_build"] = source in stale
    record_path = Path(args.build_dir).resolve() / RECORD
    record_path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return failures


class Status:
    """The status file a site build running beside the execution reads (``STATUS_ENV``).

    ``pending``: the chapters whose outputs are not yet in the cache (the site build
    waits before reading one); ``finished``: the execution is over and ``execution.json``
    written (pages that show it wait for that); ``pid``: the executing process (a site
    build stops waiting when it is gone).
    """

    def __init__(self, path: Path, pending: list[str]) -> None:
        self.path = path
        self.state: dict[str, Any] = {"pid": os.getpid(), "pending": pending, "finished": False}
        self._write()

    def done(self, docname: str) -> None:
        self.state["pending"] = [name for name in self.state["pending"] if name != docname]
        self._write()

    def finish(self) -> None:
        self.state.update(pending=[], finished=True)
        self._write()

    def _write(self) -> None:
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(self.state), encoding="utf-8")
        os.replace(partial, self.path)


async def _run(
    stale: list[Path],
    jobs: int,
    timeout: int,
    kernels: str,
    cache: Any,
    record: dict[str, Any],
    status: Status | None,
) -> list[tuple[str, dict[str, Any]]]:
    """Execute the stale chapters; store each one's outputs as it ends; the failures."""
    from jupyter_cache.base import CacheBundleIn

    failures = []
    async for outcome in _execute_all(stale, jobs, timeout, kernels):
        path = Path(outcome["path"])
        docname = _docname(path)
        if outcome["error"] or outcome["stderr"]:
            failures.append((docname, outcome))
            print(f"execute: {docname} FAILED after {outcome['seconds']:.1f} s", flush=True)
            if status is not None:
                status.done(docname)  # the site build runs it again, and reports the error
            continue
        cache.cache_notebook_bundle(
            CacheBundleIn(outcome["nb"], str(path), data={"execution_seconds": outcome["seconds"]}),
            check_validity=False,
            overwrite=True,
        )
        record[docname] = {
            "seconds": round(outcome["seconds"], 2),
            "slowest_cells": outcome["slowest_cells"],
            "executed": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "kernels": kernels,
        }
        print(f"execute: {docname} in {outcome['seconds']:.1f} s", flush=True)
        if status is not None:
            status.done(docname)
    return failures


def _docname(path: Path) -> str:
    return path.resolve().relative_to(ROOT).with_suffix("").as_posix()


if __name__ == "__main__":
    sys.exit(main())
