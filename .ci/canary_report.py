"""Summarize the canary's notebook reports as the body of its GitHub issue.

Each argument is NAME=PATH: a label for the environment ("newest releases",
"Colab runtime") and the report.json that `make test-notebooks` wrote there, of the
form ``{"chapters": {slug: {"ok": bool, "seconds": float, "error": str}},
"versions": {package: version}}``. A missing or unreadable report counts as broken.

    python .ci/canary_report.py --out body.md "newest releases=a/report.json" ...

Writes the Markdown body to --out and prints ``broken=N`` (N: environments with a
failing chapter or no report), for $GITHUB_OUTPUT. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

MAX_ERROR = 2000


def load(path: Path) -> dict[str, Any] | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict) or not isinstance(report.get("chapters"), dict):
        return None
    return report


def fenced(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_ERROR:
        text = text[:MAX_ERROR] + "\n[... cut]"
    return "~~~text\n" + text.replace("~~~", "~ ~ ~") + "\n~~~"


def section(name: str, report: dict[str, Any] | None) -> tuple[str, bool]:
    """The Markdown for one environment, and whether anything there broke."""
    if report is None:
        return (
            f"### {name}: no report\n\nThe job failed before it wrote "
            "`_build/notebook-check/report.json`; see the run's log.\n",
            True,
        )
    chapters: dict[str, Any] = report["chapters"]
    broken = {slug: r for slug, r in sorted(chapters.items()) if not r.get("ok")}
    versions = report.get("versions") or {}
    lines = [f"### {name}: {len(broken)} of {len(chapters)} chapters broke", ""]
    if versions:
        lines.append("Versions: " + ", ".join(f"{k} `{v}`" for k, v in sorted(versions.items())))
        lines.append("")
    for slug, result in broken.items():
        seconds = result.get("seconds")
        took = f" after {seconds:.0f} s" if isinstance(seconds, int | float) else ""
        lines += [
            "<details>",
            f"<summary><code>{slug}</code>{took}</summary>",
            "",
            fenced(str(result.get("error") or "(no error message)")),
            "",
            "</details>",
        ]
    if not chapters:
        lines.append("The report lists no chapter.")
    return "\n".join(lines) + "\n", bool(broken) or not chapters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("reports", nargs="+", metavar="NAME=PATH")
    args = parser.parse_args(argv)
    parts, broken = [], 0
    for item in args.reports:
        name, _, path = item.partition("=")
        text, bad = section(name, load(Path(path)))
        parts.append(text)
        broken += bad
    run = os.environ.get("RUN_URL", "")
    header = (
        "The weekly canary runs the chapter notebooks against the newest releases of "
        "torch, numpy and matplotlib, and inside Colab's runtime image."
        + (f" Run: {run}" if run else "")
    )
    args.out.write_text(header + "\n\n" + "\n".join(parts), encoding="utf-8")
    print(f"broken={broken}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
