"""Time the build and the tests: a cold site build, a no-change rebuild, the unit tests.

Usage: ``python tools/bench_build.py [--skip-cold]``. Prints a small table and
writes ``_build/benchmark.json``. The cold build clears the execution cache
(``make clean-cache``) first, so every chapter executes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cold", action="store_true", help="do not clear the cache first")
    args = parser.parse_args(argv)
    results: dict[str, float] = {}
    subprocess.run(["make", "install"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if not args.skip_cold:
        subprocess.run(["make", "clean-cache"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        results["cold book build (s)"] = timed(["make", "book"])
    results["no-change rebuild (s)"] = timed(["make", "book"])
    results["unit tests (s)"] = timed(["make", "test"])
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"Benchmark on {machine}")
    for name, seconds in results.items():
        print(f"  {name:<24} {seconds:7.1f}")
    out = ROOT / "_build" / "benchmark.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine, **results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
