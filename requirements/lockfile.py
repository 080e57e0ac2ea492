"""Entries of the lock, requirements/lock.txt, for the installs that need only some.

The lock pins every package with the hash of each of its files. Installs that must
not take all of it (pip first, torch alone from the PyTorch index, the linters of the
CI lint job) install the entries this script prints, with ``--require-hashes``::

    python requirements/lockfile.py pick pip setuptools wheel > bootstrap.txt
    python requirements/lockfile.py pick --except torch > all-but-torch.txt
    python requirements/lockfile.py constraints   # rewrite requirements/constraints.txt

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "lock.txt"
CONSTRAINTS = HERE / "constraints.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")

CONSTRAINTS_HEADER = """\
# The versions of requirements/lock.txt without their hashes, for installs that cannot
# check hashes: `pip install -c requirements/constraints.txt -e ".[dev]"` and Binder.
# Written by `make lock` (requirements/lockfile.py constraints): do not edit by hand.
# torch is the CPU build (2.13.0+cpu in the lock); `torch==X` here matches X+cpu.
"""


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def entries(text: str) -> list[tuple[str, str, list[str]]]:
    """(normalized name, version, lines) of each pinned entry, in file order."""
    found: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        if line[:1] in ("", " ", "\t"):
            if found and line.strip():
                found[-1][2].append(line)
            continue
        if line.startswith("#"):
            continue
        match = PIN.match(line)
        if match is None:
            raise SystemExit(f"{LOCK.name}: not a pinned requirement: {line!r}")
        found.append((normalize(match[1]), match[2], [line]))
    return found


def pick(text: str, names: list[str], *, exclude: bool = False) -> str:
    wanted = {normalize(name) for name in names}
    chosen = [e for e in entries(text) if (e[0] in wanted) != exclude]
    if not exclude:
        missing = wanted - {e[0] for e in chosen}
        if missing:
            raise SystemExit(f"not in {LOCK.name}: {', '.join(sorted(missing))}")
    # A comment can end an entry's continued lines; drop the trailing backslash there.
    out = []
    for _, _, lines in chosen:
        body = [line for line in lines if not line.lstrip().startswith("#")]
        body[-1] = body[-1].rstrip(" \\")
        out.extend(body)
    return "\n".join(out) + "\n"


def constraints(text: str) -> str:
    pins = {name: version for name, version, _ in entries(text)}
    lines = [f"torch=={pins.pop('torch').split('+')[0]}"] if "torch" in pins else []
    lines += [f"{name}=={version}" for name, version in sorted(pins.items())]
    return CONSTRAINTS_HEADER + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pick", help="print the lock entries (pins and hashes) of packages")
    p.add_argument("--except", dest="exclude", action="store_true", help="all but these")
    p.add_argument("names", nargs="+")
    c = sub.add_parser("constraints", help="write constraints.txt from the lock")
    c.add_argument("--check", action="store_true", help="fail if constraints.txt is stale")
    args = parser.parse_args(argv)
    text = LOCK.read_text(encoding="utf-8")
    if args.command == "pick":
        sys.stdout.write(pick(text, args.names, exclude=args.exclude))
        return 0
    wanted = constraints(text)
    if args.check:
        if CONSTRAINTS.read_text(encoding="utf-8") != wanted:
            print(f"{CONSTRAINTS} is stale: run `make lock`", file=sys.stderr)
            return 1
        return 0
    CONSTRAINTS.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
