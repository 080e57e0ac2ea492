"""Run every chapter notebook the way a reader does: in a bare kernel, top to bottom.

For each notebook of the book (``chapters/<slug>.ipynb``, the one the Colab and Binder
buttons open) this check

1. makes (or reuses) a virtual environment with what Colab preinstalls and nothing of
   the book: ``torch`` and Colab's usual packages (``--latest``: the newest releases of
   torch, numpy and matplotlib instead of the pinned torch); dlbook is uninstalled;
2. points git at this checkout (``url.<this checkout>.insteadOf <repository URL>`` in a
   private ``GIT_CONFIG_GLOBAL``), so the notebook's real set-up cell,
   ``pip install "dlbook[notebook] @ git+<repository URL>@<commit>"``, runs offline and
   installs the commit under test;
3. executes the notebook in that environment's kernel, in an empty temporary
   directory, with every cell tag ignored (Colab ignores them), and records whether it
   ran, how long it took and the first error;
4. checks that its Markdown holds no MyST-only syntax and its solutions are hidden.

``--binder`` does the same in an environment made from ``binder/requirements.txt``
(what Binder installs). The report goes to ``_build/notebook-check/report.json``.

Usage: ``python -m tools.notebook_check [--latest] [--binder] [--only SLUG ...]``
(``make test-notebooks``). Commit first: the notebooks install the checked-out commit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Any

import nbformat

from . import config
from .notebooks import SETUP_TAG, git_commit, problems_in

ROOT = config.ROOT
#: What Colab preinstalls of what the chapters use (besides the standard library).
COLAB_PACKAGES = ("numpy", "scipy", "matplotlib", "scikit-learn", "pandas", "tqdm", "ipykernel")
LATEST = ("torch", "numpy", "matplotlib")
REPORT = ROOT / "_build" / "notebook-check" / "report.json"


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    print("notebook_check: $", " ".join(command), flush=True)
    return subprocess.run(command, check=True, text=True, **kwargs)


def environment_requirements(kind: str, torch_pin: str) -> list[list[str]]:
    """The pip installs (argument lists) that make the environment ``kind``."""
    if kind == "binder":
        # A link page that cannot be reached is skipped after one short try.
        # repo2docker's base image brings the Jupyter server and ipykernel; add the kernel.
        return [
            ["--retries", "1", "--timeout", "15", "-r", str(ROOT / "binder" / "requirements.txt")],
            ["ipykernel"],
        ]
    if kind == "latest":
        return [["--upgrade", *LATEST], [*COLAB_PACKAGES]]
    return [[f"torch=={torch_pin}"], [*COLAB_PACKAGES]]


def make_environment(kind: str, where: Path, torch_pin: str) -> Path:
    """A virtual environment of ``kind`` ("colab", "latest" or "binder"); its Python."""
    installs = environment_requirements(kind, torch_pin)
    key = hashlib.sha256(json.dumps([kind, installs, sys.version]).encode()).hexdigest()[:16]
    python = where / "bin" / "python"
    stamp = where / ".notebook-check"
    if kind == "binder" or not (stamp.exists() and stamp.read_text() == key):
        if where.exists():
            shutil.rmtree(where)
        venv.EnvBuilder(with_pip=True).create(where)
        for args in installs:
            _run([str(python), "-m", "pip", "install", "--progress-bar", "off", *args], cwd=ROOT)
        stamp.write_text(key)
    if kind != "binder":  # a reader's kernel has no dlbook until the set-up cell runs
        subprocess.run(
            [str(python), "-m", "pip", "uninstall", "--yes", "--quiet", "dlbook"],
            check=False,
            capture_output=True,
        )
    return python


def kernel_spec(python: Path, where: Path) -> Path:
    """A kernel spec that starts ``python``'s ipykernel; returns its JUPYTER_PATH entry."""
    spec = where / "jupyter" / "kernels" / "bare"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "bare",
                "language": "python",
            }
        )
    )
    return where / "jupyter"


def git_config(where: Path, url: str) -> Path:
    """A private git configuration that sends ``url`` to this checkout."""
    path = where / "gitconfig"
    subprocess.run(
        ["git", "config", "--file", str(path), f"url.file://{ROOT}.insteadOf", url], check=True
    )
    subprocess.run(
        ["git", "config", "--file", str(path), "advice.detachedHead", "false"], check=True
    )
    return path


def prepared(notebook: Path, commit: str, url: str) -> nbformat.NotebookNode:
    """The notebook as a reader opens it, installing ``commit``; every tag removed."""
    nb = nbformat.read(notebook, as_version=4)
    first = nb.cells[0]
    if SETUP_TAG not in first.metadata.get("tags", []):
        raise SystemExit(f"{notebook}: the first cell is not the set-up cell")
    first.source = first.source.replace(
        f"git+{url}@{config.repository(ROOT).branch}", f"git+{url}@{commit}"
    )
    for cell in nb.cells:
        cell.metadata.pop("tags", None)  # Colab ignores tags: raises-exception included
    return nb


def execute(
    nb: nbformat.NotebookNode, jupyter_path: Path, env: dict[str, str], timeout: int
) -> dict[str, Any]:
    """Run ``nb`` top to bottom in the bare kernel; what happened."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reader-") as cwd:
        env = {**env, "JUPYTER_PATH": str(jupyter_path)}
        old = {key: os.environ.get(key) for key in env}
        os.environ.update(env)  # the kernel inherits it
        try:
            client = NotebookClient(
                nb,
                kernel_name="bare",
                timeout=timeout,
                resources={"metadata": {"path": cwd}},
                allow_errors=False,
            )
            client.execute()
            error = ""
        except CellExecutionError as err:
            error = f"{err.ename}: {err.evalue}"[:500]
        except Exception as err:
            error = f"{type(err).__name__}: {err}"[:500]
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return {"ok": not error, "seconds": round(time.perf_counter() - start, 1), "error": error}


def versions(python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, platform\n"
        "names = ['torch', 'numpy', 'matplotlib', 'scipy', 'scikit-learn', 'dlbook']\n"
        "out = {'python': platform.python_version()}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.notebook_check", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--latest", action="store_true", help="newest torch, numpy and matplotlib")
    parser.add_argument("--binder", action="store_true", help="the environment of binder/")
    parser.add_argument("--only", nargs="*", default=None, help="chapter slugs (default: all)")
    parser.add_argument("--report", default=str(REPORT))
    parser.add_argument("--envs", default=str(ROOT / "_build" / "notebook-envs"))
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)

    kind = "binder" if args.binder else "latest" if args.latest else "colab"
    repo = config.repository(ROOT)
    commit = git_commit(ROOT)
    if not commit:
        raise SystemExit("notebook_check: not a git checkout")
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    if dirty.strip():
        print(
            "notebook_check: uncommitted changes are not part of what the notebooks install",
            file=sys.stderr,
        )
    torch_pin = next(
        line.split("==", 1)[1].split("+")[0].strip()
        for line in (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
        if line.startswith("torch==")
    )
    envs = Path(args.envs)
    envs.mkdir(parents=True, exist_ok=True)
    python = make_environment(kind, envs / kind, torch_pin)
    private = Path(tempfile.mkdtemp(prefix="notebook-check-"))
    jupyter_path = kernel_spec(python, private)
    env = {
        "GIT_CONFIG_GLOBAL": str(git_config(private, repo.url)),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PYTHONPATH": "",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "DLBOOK_BOOK_BUILD": "",
        "DLBOOK_CHECK_STRICT": "",
    }
    sources = config.toc_notebook_sources(ROOT)
    chosen = [s for s in sources if args.only is None or s.stem in args.only]
    results: dict[str, Any] = {}
    for source in chosen:
        notebook = source.with_suffix(".ipynb")
        nb = prepared(notebook, commit, repo.url)
        markup = problems_in(nbformat.read(notebook, as_version=4))
        outcome = execute(nb, jupyter_path, env, args.timeout)
        if markup:
            outcome["ok"] = False
            outcome["error"] = "; ".join([outcome["error"], *markup]).strip("; ")
        results[source.stem] = outcome
        status = "ran" if outcome["ok"] else f"FAILED: {outcome['error']}"
        print(f"notebook_check: {source.stem}: {status} ({outcome['seconds']} s)", flush=True)
    shutil.rmtree(private, ignore_errors=True)
    report = {
        "environment": kind,
        "commit": commit,
        "versions": versions(python),
        "chapters": results,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    path = Path(args.report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    failed = [name for name, outcome in results.items() if not outcome["ok"]]
    print(
        f"notebook_check: {len(results) - len(failed)} of {len(results)} notebooks ran "
        f"in a bare {kind} kernel"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
