"""Keep the book's executed outputs from going stale: fingerprint what the chapters run.

jupyter-cache keys an executed notebook on its own code cells only, and Sphinx keeps
the doctrees of unchanged pages, so a change to ``dlbook`` or to the environment
would otherwise leave old outputs on the site. Before each build this guard

1. asks the Python that runs the chapters (the build's kernel) which ``dlbook`` it
   imports, and stops the build when that is not this repository's (an editable
   install of another checkout, a stale wheel, ``PYTHONPATH``);
2. fingerprints what the outputs depend on: the syntax of every module of that
   ``dlbook`` (docstrings and comments left out, so that editing documentation does
   not re-execute the book), its other files, ``pyproject.toml`` and the lock file,
   every installed distribution and its version, the full Python version, and the
   machine (processor model, GPUs, CUDA): the book reports timings of its machine;
3. when the fingerprint differs from the one of the last build, removes the
   execution cache and the doctrees, so that every chapter executes again.

Usage: ``python -m tools.cache_guard [--build-dir _build] [--check]``
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("pyproject.toml", "requirements/constraints.txt")
STAMP = ".dlbook-fingerprint"

# What the kernel reports about itself: run by the kernel's interpreter, in chapters/.
PROBE = """
import importlib.metadata, json, platform, sys
import importlib.util
spec = importlib.util.find_spec("dlbook")
distributions = sorted(
    {(d.metadata["Name"] or "").lower(): d.version
     for d in importlib.metadata.distributions()}.items()
)
def cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
try:
    import torch
    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    cuda = torch.version.cuda
except Exception:
    gpus, cuda = [], None
print(json.dumps({
    "dlbook": spec.origin if spec else None,
    "cpu": cpu(),
    "gpus": gpus,
    "cuda": cuda,
    "python": sys.version,
    "implementation": platform.python_implementation(),
    "machine": platform.machine(),
    "distributions": distributions,
}))
"""


class StaleEnvironment(SystemExit):
    """The build would run a dlbook other than this repository's."""


def kernel_python() -> str:
    """The interpreter of the ``python3`` kernel the build uses (this one, if it has none)."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec("python3")
        executable = spec.argv[0]
        return sys.executable if executable in ("python", "python3", "{python}") else executable
    except Exception:
        return sys.executable


def probe(python: str, cwd: Path) -> dict:
    """What ``python``, started in ``cwd``, imports as dlbook and has installed."""
    result = subprocess.run(
        [python, "-c", PROBE], cwd=cwd, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return tree


def source_digest(path: Path) -> bytes:
    """What of a file can change an output: a module's syntax, any other file's bytes."""
    data = path.read_bytes()
    if path.suffix == ".py":
        try:
            tree = _strip_docstrings(ast.parse(data))
        except SyntaxError:
            return data
        return ast.dump(tree, include_attributes=False).encode()
    return data


def package_files(package_dir: Path) -> list[Path]:
    return sorted(
        file
        for file in package_dir.rglob("*")
        if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc"
    )


def fingerprint(root: Path = ROOT, environment: dict | None = None) -> str:
    """SHA-256 over everything the executed chapters depend on (see the module docstring)."""
    digest = hashlib.sha256()
    package = root / "dlbook"
    for file in package_files(package):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(source_digest(file) + b"\0")
    for name in FILES:
        path = root / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    if environment is not None:
        described = {key: value for key, value in environment.items() if key != "dlbook"}
        # dlbook's own record (an editable install of this checkout) changes nothing.
        described["distributions"] = [
            item for item in environment.get("distributions", []) if item[0] != "dlbook"
        ]
        digest.update(json.dumps(described, sort_keys=True).encode())
    return digest.hexdigest()


def check_kernel_imports_this_dlbook(environment: dict, root: Path = ROOT) -> None:
    """Stop when the kernel would import a dlbook other than ``root/dlbook``."""
    origin = environment.get("dlbook")
    expected = (root / "dlbook" / "__init__.py").resolve()
    if origin is None:
        raise StaleEnvironment(
            "cache_guard: the build's Python cannot import dlbook; run `make install`."
        )
    if Path(origin).resolve() != expected:
        raise StaleEnvironment(
            f"cache_guard: the build's Python imports dlbook from {origin}, not from this "
            f"repository ({expected}). Its outputs would not be this dlbook's: run "
            "`make install` (and check PYTHONPATH)."
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=str(ROOT / "_build"))
    parser.add_argument(
        "--check", action="store_true", help="only report whether the cache is stale"
    )
    args = parser.parse_args(argv)
    build = Path(args.build_dir)
    environment = probe(kernel_python(), ROOT / "chapters")
    check_kernel_imports_this_dlbook(environment)
    current = fingerprint(ROOT, environment)
    stamp = build / STAMP
    previous = stamp.read_text().strip() if stamp.exists() else None
    if previous == current:
        print("cache_guard: dlbook and the environment are unchanged; cached outputs are reused.")
        return 0
    if args.check:
        print("cache_guard: stale (dlbook or the environment changed since the last build).")
        return 1
    for stale in (build / ".jupyter_cache", build / ".doctrees"):
        if stale.exists():
            shutil.rmtree(stale)
    build.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    reason = "first build" if previous is None else "dlbook or the environment changed"
    print(f"cache_guard: {reason}; every chapter will be executed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
