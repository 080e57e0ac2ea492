"""tools/execute.py and tools/warm_kernels.py: a forked kernel runs a chapter as a started one.

The build runs every chapter in a kernel forked from a server that has imported torch
(``--kernels warm``). What a chapter can observe must be what it observes in a kernel
that jupyter starts (``--kernels plain``), apart from which modules are already loaded.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tools import config, execute, sphinx_ext, warm_kernels

HEADER = """\
---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
jupytext:
  text_representation:
    extension: .md
    format_name: myst
---

# A test chapter
"""

#: What a chapter can see of its kernel, printed as JSON by the first cell.
PROBE = """
```{code-cell} ipython3
import json, os, random, sys
preloaded = "torch" in sys.modules
server_threads = getattr(sys.modules.get("tools.kernel_preload"), "THREADS", None)
import matplotlib
import numpy as np
import torch
print(json.dumps({
    "cwd": os.getcwd(),
    "path0": sys.path[:2],
    "env": {key: os.environ.get(key) for key in %r},
    "mplbackend": os.environ.get("MPLBACKEND"),
    "backend": matplotlib.get_backend(),
    "threads": torch.get_num_threads(),
    "unseeded": [torch.rand(2).tolist(), np.random.rand(2).tolist(), random.random()],
    "seeded": [torch.manual_seed(0) and torch.rand(2).tolist(),
               np.random.default_rng(0).random(2).tolist()],
    "name": __name__,
    "argv0": sys.argv[0].rsplit("/", 1)[-1],
    "stdin_closed": sys.stdin is None or not sys.stdin.isatty(),
    "preloaded": preloaded,
    "server_threads": server_threads,
}))
```

```{code-cell} ipython3
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1], [1, 0]);
```
"""


def _chapter(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "chapter.md"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return path


def _run(paths: list[Path], kernels: str) -> list[dict]:
    async def run_all() -> list[dict]:
        return [o async for o in execute._execute_all(paths, 2, timeout=120, kernels=kernels)]

    try:
        return sorted(asyncio.run(run_all()), key=lambda outcome: outcome["path"])
    finally:
        warm_kernels.stop()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: None) -> dict:
    """Two chapters in warm kernels (forks of one server), one in a plain kernel."""
    root = tmp_path_factory.mktemp("execute")
    probe = PROBE % (sorted(config.KERNEL_ENV),)
    paths = [_chapter(root / name / "chapters", probe) for name in ("a", "b")]
    broken = _chapter(
        root / "c", '```{code-cell} ipython3\nraise ValueError("a broken cell")\n```\n'
    )
    warm = _run([*paths, broken], "warm")
    plain = _run([paths[0], broken], "plain")
    return {
        "warm": warm[0],
        "warm-b": warm[1],
        "plain": plain[0],
        "broken-warm": warm[2],
        "broken-plain": plain[1],
    }


@pytest.fixture(scope="module")
def monkeypatch_module():
    """The kernels' environment, as ``tools.execute.main`` sets it."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in config.KERNEL_ENV.items():
            patch.setenv(key, value)
        yield


def _probe(outcome: dict) -> dict:
    assert outcome["error"] is None, outcome["error"]
    assert outcome["stderr"] == []
    text = "".join(o.get("text", "") for o in outcome["nb"].cells[1].outputs)
    return json.loads(text)


def test_a_forked_kernel_sees_what_a_started_kernel_sees(outcomes: dict) -> None:
    warm, plain = _probe(outcomes["warm"]), _probe(outcomes["plain"])
    assert warm.pop("preloaded") is True  # the fast path was taken ...
    assert plain.pop("preloaded") is False  # ... and the reference is a fresh interpreter
    # a fork copies only the forking thread: the server must have had no other
    assert (warm.pop("server_threads"), plain.pop("server_threads")) == (1, None)
    unseeded = [probe.pop("unseeded") for probe in (warm, plain)]
    assert unseeded[0] != unseeded[1]
    assert warm == plain
    assert plain["env"] == config.KERNEL_ENV
    assert plain["backend"] == "module://matplotlib_inline.backend_inline"
    assert plain["threads"] == 1


def test_forks_of_one_server_draw_different_unseeded_numbers(outcomes: dict) -> None:
    """As two fresh interpreters do: each fork reseeds torch's and NumPy's generators."""
    a, b = _probe(outcomes["warm"]), _probe(outcomes["warm-b"])
    for x, y in zip(a["unseeded"], b["unseeded"], strict=True):
        assert x != y
    assert a["seeded"] == b["seeded"]


def test_figures_are_displayed_by_both_kernels(outcomes: dict) -> None:
    for kernels in ("warm", "plain"):
        outputs = outcomes[kernels]["nb"].cells[2].outputs
        assert any("image/png" in o.get("data", {}) for o in outputs), kernels


def test_a_failing_cell_is_reported_by_both_kernels(outcomes: dict) -> None:
    for kernels in execute.KERNELS:
        outcome = outcomes[f"broken-{kernels}"]
        assert outcome["error"] is not None and "broken" in outcome["error"], kernels


def test_only_ipykernel_commands_are_forked() -> None:
    assert warm_kernels._ipykernel_arguments(
        [sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"]
    ) == ["-f", "c.json"]
    assert warm_kernels._ipykernel_arguments(["R", "--slave", "-f", "c.json"]) is None
    assert warm_kernels._ipykernel_arguments(["/bin/sh", "-m", "ipykernel_launcher"]) is None


# ------------------------------------------------ the site build beside the execution


def _status(tmp_path: Path, pending: list[str]) -> execute.Status:
    return execute.Status(tmp_path / execute.STATUS, pending)


def _wait_in_thread(docname: str, text: str) -> threading.Thread:
    thread = threading.Thread(target=sphinx_ext._wait_for_outputs, args=(None, docname, [text]))
    thread.start()
    return thread


def test_a_page_is_read_once_its_chapter_has_run(tmp_path: Path, monkeypatch) -> None:
    status = _status(tmp_path, ["chapters/a", "chapters/b"])
    monkeypatch.setenv(execute.STATUS_ENV, str(status.path))
    waiting = _wait_in_thread("chapters/b", "# b")
    time.sleep(0.3)
    assert waiting.is_alive()  # b has not run
    sphinx_ext._wait_for_outputs(None, "chapters/intro", ["# not a chapter"])  # no wait
    status.done("chapters/a")
    time.sleep(0.2)
    assert waiting.is_alive()
    status.done("chapters/b")
    waiting.join(timeout=5)
    assert not waiting.is_alive()


def test_the_execution_page_waits_for_the_whole_record(tmp_path: Path, monkeypatch) -> None:
    status = _status(tmp_path, [])
    monkeypatch.setenv(execute.STATUS_ENV, str(status.path))
    waiting = _wait_in_thread("chapters/execution", sphinx_ext.EXECUTION_DIRECTIVE + "\n```")
    time.sleep(0.3)
    assert waiting.is_alive()
    status.finish()
    waiting.join(timeout=5)
    assert not waiting.is_alive()


def test_no_wait_once_the_executing_process_is_gone(tmp_path: Path, monkeypatch) -> None:
    status = _status(tmp_path, ["chapters/a"])
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    status.state["pid"] = int(gone.stdout)
    status._write()
    monkeypatch.setenv(execute.STATUS_ENV, str(status.path))
    waiting = _wait_in_thread("chapters/a", "# a")
    waiting.join(timeout=5)
    assert not waiting.is_alive()


def test_pages_showing_the_record_are_read_last(tmp_path: Path) -> None:
    class Env:
        def doc2path(self, docname: str) -> str:
            return str(tmp_path / f"{docname}.md")

    for name, text in {"a": "# a", "execution": sphinx_ext.EXECUTION_DIRECTIVE, "z": "# z"}.items():
        (tmp_path / f"{name}.md").write_text(text + "\n")
    docnames = ["a", "execution", "z"]
    sphinx_ext._read_execution_pages_last(None, Env(), docnames)
    assert docnames == ["a", "z", "execution"]


def test_pieces_of_one_stream_are_joined_as_written() -> None:
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "training:  "},
        {"output_type": "stream", "name": "stdout", "text": " [0.5, 0.25]\n"},
        {"output_type": "stream", "name": "stderr", "text": "a warning\n"},
        {"output_type": "display_data", "data": {"text/plain": "1"}},
        {"output_type": "stream", "name": "stdout", "text": "after\n"},
    ]
    joined = execute.join_streams(outputs)
    assert [o.get("text") for o in joined] == [
        "training:   [0.5, 0.25]\n",
        "a warning\n",
        None,
        "after\n",
    ]


def test_the_comparison_drops_whole_measurement_cells() -> None:
    from tools import compare_builds

    page = (
        '<p>before</p><div class="cell tag_measurement docutils container">'
        '<div class="cell_input"><div>code</div></div>'
        '<div class="cell_output"><div><pre>4320.3 us</pre></div></div></div><p>after</p>'
    )
    assert compare_builds._drop_measurement_cells(page) == (
        "<p>before</p><!-- measurement --><p>after</p>"
    )
    hidden = page.replace("cell tag_measurement", "cell tag_hide-input tag_measurement")
    assert compare_builds._drop_measurement_cells(hidden) == (
        "<p>before</p><!-- measurement --><p>after</p>"
    )
