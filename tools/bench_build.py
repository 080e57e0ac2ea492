"""Measure the build: cold (fast and serial), no-change and one-edit rebuilds, tests, set-up.

``cold`` is ``make book`` from an empty cache (parallel forked kernels, the site build
beside them); ``cold-serial`` the reference it is compared with, the chapters one at a
time in plain kernels and the site build after them (``JOBS=1 KERNELS=plain OVERLAP=0``).

Every figure is a wall time and the CPU time of the command and all its children
(``resource.getrusage``), repeated ``--repeat`` times; the report gives the median,
the minimum and the maximum, the serial/parallel ratio of the cold build, and the
slowest cells of the last cold build (from ``execution.json``). Nothing is asserted:
numbers move by ±20 % on a shared machine, so compare medians of paired runs.

Usage::

    python -m tools.bench_build                 # everything, 3 repeats
    python -m tools.bench_build --only cold no-change one-edit --repeat 5
    python -m tools.bench_build --only install  # a fresh virtual environment

It writes ``_build/benchmark.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import config

ROOT = config.ROOT
EDIT_CHAPTER = ROOT / "chapters" / "perceptron.md"
KINDS = ("cold", "cold-serial", "no-change", "one-edit", "test", "install")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a command and everything it started."""
    cpu, start = _children_cpu(), time.perf_counter()
    subprocess.run(
        command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})}
    )
    return time.perf_counter() - start, _children_cpu() - cpu


def summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
    return {
        "median_s": round(statistics.median(walls), 1),
        "min_s": round(min(walls), 1),
        "max_s": round(max(walls), 1),
        "cpu_median_s": round(statistics.median(cpus), 1),
        "runs": len(walls),
    }


def run_kind(kind: str) -> tuple[float, float]:
    if kind in ("cold", "cold-serial"):
        subprocess.run(["make", "clean-cache"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        if kind == "cold-serial":  # the reference: what a plain Jupyter Book build does
            return timed(["make", "book", "JOBS=1", "KERNELS=plain", "OVERLAP=0"])
        return timed(["make", "book"])
    if kind == "no-change":
        return timed(["make", "book"])
    if kind == "one-edit":
        original = EDIT_CHAPTER.read_text(encoding="utf-8")
        try:
            EDIT_CHAPTER.write_text(original + "\nOne more sentence of prose.\n", encoding="utf-8")
            return timed(["make", "book"])  # sync: the edit changes its notebook too
        finally:
            EDIT_CHAPTER.write_text(original, encoding="utf-8")
            subprocess.run(["make", "book"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if kind == "test":
        return timed(["make", "test"])
    if kind == "install":
        venv = ROOT / ".venv-bench"
        shutil.rmtree(venv, ignore_errors=True)
        try:
            return timed(["make", "install", f"VENV={venv.name}"])
        finally:
            shutil.rmtree(venv, ignore_errors=True)
    raise ValueError(kind)


def slowest_cells(build: Path, n: int = 8) -> list[dict]:
    record = build / "execution.json"
    if not record.exists():
        return []
    cells = [
        {"chapter": docname, **cell}
        for docname, entry in json.loads(record.read_text()).items()
        for cell in entry.get("slowest_cells", [])
    ]
    return sorted(cells, key=lambda c: -c["seconds"])[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench_build", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--only", nargs="*", choices=KINDS, default=list(KINDS))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    subprocess.run(["make", "install"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["make", "book"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # warm
    samples: dict[str, list[tuple[float, float]]] = {kind: [] for kind in args.only}
    for _ in range(args.repeat):  # paired: each round runs every kind once
        for kind in args.only:
            samples[kind].append(run_kind(kind))
            print(
                f"bench_build: {kind}: {samples[kind][-1][0]:.1f} s wall, "
                f"{samples[kind][-1][1]:.1f} s CPU",
                flush=True,
            )
    results = {kind: summary(values) for kind, values in samples.items()}
    if "cold" in results and "cold-serial" in results:
        results["serial_over_parallel"] = round(
            results["cold-serial"]["median_s"] / results["cold"]["median_s"], 2
        )
    report = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "load_average": os.getloadavg(),
        "results": results,
        "slowest_cells": slowest_cells(ROOT / "_build"),
    }
    out = ROOT / "_build" / "benchmark.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
