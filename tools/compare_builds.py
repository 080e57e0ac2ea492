"""Build the book twice from cold and compare: the pages and notebooks must be the same.

The first build runs the chapters one at a time in kernels started as jupyter starts
them (``KERNELS=plain``), and the site build after them (``OVERLAP=0``); the second
runs them the way ``make book`` does: in parallel, in kernels forked from a process
that has imported torch (``tools/warm_kernels.py``), with the site build reading each
chapter as soon as it has run. Their HTML pages, downloadable notebooks and repository
notebooks must agree byte for byte, except for what is a measurement of the machine:

* glued values marked ``measured=True`` (both builds glue them as "(measured)",
  ``DLBOOK_MASK_MEASURED=1``);
* outputs of cells tagged ``measurement`` (benchmark tables), removed before comparing;
* the execution page's table of execution times;
* the last digits of glued floating-point values in the downloaded notebooks, which
  are compared to 5 significant digits (the pages show them rounded, and the pages
  are compared exactly): chapter 1's ill-conditioned least-squares fits (a degree-9
  polynomial, a condition number of 6e10) change in their sixth or tenth digit with
  the alignment of their buffers in memory;
* images that only measurement cells show.

So this checks that parallel execution and forked kernels change nothing, and that
the chapters are deterministic. Usage: ``python -m tools.compare_builds [--keep]``; exit 1 and a
list of the differing files when they differ.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from . import config

ROOT = config.ROOT
OUT = ROOT / "_build" / "compare"
#: Files whose content is not the book's: Sphinx's build record, the theme's stubs, and
#: the search index (made from the pages, which are compared, measurements included).
IGNORED = re.compile(
    r"(^|/)(\.buildinfo|objects\.inv|searchindex\.js|_static/.*\.(js|css|woff2?|svg|png))$"
)
MEASUREMENT = re.compile(r'<div class="cell [^"]*\btag_measurement\b[^"]*"')
IMAGE = re.compile(r'src="[^"]*?(_images/[^"/]+)"')
DIV = re.compile(r"<div\b|</div>")
GLUED_FLOAT = re.compile(
    r'("application/papermill\.record/text/plain": ")(-?\d+\.\d*(?:e[-+]?\d+)?)(")'
)
EXECUTION_TABLE = re.compile(r'<table class="[^"]*dlbook-execution.*?</table>', re.S)


def build(name: str, jobs: int, kernels: str) -> Path:
    out = OUT / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {**os.environ, "DLBOOK_MASK_MEASURED": "1"}
    subprocess.run(
        [
            "make",
            "book",
            f"BOOK_OUT={out}",
            f"JOBS={jobs}",
            f"KERNELS={kernels}",
            f"OVERLAP={0 if kernels == 'plain' else 1}",
            "NOTEBOOKS=check",
        ],
        cwd=ROOT,
        check=False,  # NOTEBOOKS=check may fail on masked values; the files are compared below
        env=env,
        stdout=subprocess.DEVNULL,
    )
    if not (out / "_build" / "html" / "index.html").exists():
        raise SystemExit(f"compare_builds: the {name} build failed")
    return out / "_build"


def _drop_measurement_cells(html: str) -> str:
    """The page without the cells tagged ``measurement`` (each a balanced <div>)."""
    out, position = [], 0
    while (start := MEASUREMENT.search(html, position)) is not None:
        depth, end = 0, len(html)
        for tag in DIV.finditer(html, start.start()):
            depth += 1 if tag.group() != "</div>" else -1
            if depth == 0:
                end = tag.end()
                break
        out += [html[position : start.start()], "<!-- measurement -->"]
        position = end
    return "".join([*out, html[position:]])


def normalise(path: Path, text: str) -> str:
    if path.suffix == ".html":
        text = _drop_measurement_cells(text)
        text = EXECUTION_TABLE.sub("<!-- execution times -->", text)
    if path.suffix == ".ipynb":
        nb = json.loads(text)
        for cell in nb.get("cells", []):
            if "measurement" in cell.get("metadata", {}).get("tags", []):
                cell["outputs"] = []
        text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)
        text = GLUED_FLOAT.sub(lambda m: f"{m[1]}{float(m[2]):.5g}{m[3]}", text)
    return text


def files(build_dir: Path) -> dict[str, Path]:
    found = {}
    for folder in ("html", "notebooks"):
        for path in sorted((build_dir / folder).rglob("*")):
            rel = path.relative_to(build_dir).as_posix()
            if path.is_file() and not IGNORED.search(rel):
                found[rel] = path
    return found


def _shown_images(build_dir: Path) -> set[str]:
    """The images that the compared (normalised) pages show."""
    shown: set[str] = set()
    for page in (build_dir / "html").rglob("*.html"):
        shown.update(IMAGE.findall(normalise(page, page.read_text(encoding="utf-8"))))
    return {f"html/{name}" for name in shown}


def compare(a: Path, b: Path) -> list[str]:
    left, right = files(a), files(b)
    shown = _shown_images(a) | _shown_images(b)
    for found in (left, right):
        for name in [n for n in found if n.startswith("html/_images/") and n not in shown]:
            del found[name]
    problems = [f"only in the serial build: {name}" for name in sorted(set(left) - set(right))]
    problems += [f"only in the parallel build: {name}" for name in sorted(set(right) - set(left))]
    for name in sorted(set(left) & set(right)):
        x, y = left[name].read_bytes(), right[name].read_bytes()
        if x == y:
            continue
        try:
            tx, ty = normalise(left[name], x.decode()), normalise(right[name], y.decode())
        except UnicodeDecodeError:
            problems.append(f"differs: {name}")
            continue
        if tx != ty:
            diff = difflib.unified_diff(tx.splitlines(), ty.splitlines(), lineterm="", n=0)
            lines = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
            problems.append(f"differs: {name}\n    " + "\n    ".join(lines[:6]))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.compare_builds", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--keep", action="store_true", help="keep the two builds in _build/compare")
    args = parser.parse_args(argv)
    serial = build("serial", jobs=1, kernels="plain")
    parallel = build("parallel", jobs=os.cpu_count() or 2, kernels="warm")
    problems = compare(serial, parallel)
    for problem in problems:
        print(f"compare_builds: {problem}")
    count = len(files(serial))
    print(f"compare_builds: {count} files compared, {len(problems)} differ")
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
