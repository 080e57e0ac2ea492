"""Tests of tools.cache_guard: what the chapters run is what is fingerprinted."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tools import cache_guard

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "dlbook").mkdir()
    (tmp_path / "dlbook" / "__init__.py").write_text('"""The package."""\nx = 1\n')
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "constraints.txt").write_text("torch==2.13.0\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    return tmp_path


ENVIRONMENT = {
    "dlbook": "/somewhere/dlbook/__init__.py",
    "python": "3.11.7 (main)",
    "implementation": "CPython",
    "machine": "x86_64",
    "cpu": "Intel Xeon",
    "gpus": [],
    "cuda": None,
    "distributions": [["dlbook", "0.1.0"], ["numpy", "2.3.0"], ["torch", "2.13.0"]],
}


def test_code_and_pins_change_the_fingerprint(project: Path) -> None:
    first = cache_guard.fingerprint(project, ENVIRONMENT)
    assert cache_guard.fingerprint(project, ENVIRONMENT) == first
    (project / "dlbook" / "__init__.py").write_text('"""The package."""\nx = 2\n')
    second = cache_guard.fingerprint(project, ENVIRONMENT)
    assert second != first
    (project / "requirements" / "constraints.txt").write_text("torch==2.14.0\n")
    assert cache_guard.fingerprint(project, ENVIRONMENT) != second


def test_docstrings_and_comments_do_not_change_it(project: Path) -> None:
    first = cache_guard.fingerprint(project, ENVIRONMENT)
    (project / "dlbook" / "__init__.py").write_text(
        '"""The package, now better documented."""\n# a comment\nx = 1  # one\n'
    )
    assert cache_guard.fingerprint(project, ENVIRONMENT) == first
    (project / "dlbook" / "data.txt").write_text("a data file")
    assert cache_guard.fingerprint(project, ENVIRONMENT) != first


def test_pycache_does_not_count(project: Path) -> None:
    first = cache_guard.fingerprint(project, ENVIRONMENT)
    (project / "dlbook" / "__pycache__").mkdir()
    (project / "dlbook" / "__pycache__" / "core.pyc").write_bytes(b"\0")
    assert cache_guard.fingerprint(project, ENVIRONMENT) == first


@pytest.mark.parametrize(
    "change",
    [
        {"distributions": [["dlbook", "0.1.0"], ["numpy", "2.3.1"], ["torch", "2.13.0"]]},
        {
            "distributions": [
                ["dlbook", "0.1.0"],
                ["numpy", "2.3.0"],
                ["pandas", "3.0.0"],
                ["torch", "2.13.0"],
            ]
        },
        {"python": "3.11.8 (main)"},
        {"machine": "aarch64"},
        {"cpu": "AMD EPYC 9654"},
        {"gpus": ["NVIDIA H100"], "cuda": "12.8"},
    ],
)
def test_the_installed_environment_changes_it(project: Path, change: dict) -> None:
    before = cache_guard.fingerprint(project, ENVIRONMENT)
    assert cache_guard.fingerprint(project, {**ENVIRONMENT, **change}) != before


def test_dlbooks_own_record_does_not(project: Path) -> None:
    moved = {**ENVIRONMENT, "dlbook": "/elsewhere/dlbook/__init__.py"}
    moved["distributions"] = [["dlbook", "0.2.0"], *ENVIRONMENT["distributions"][1:]]
    assert cache_guard.fingerprint(project, moved) == cache_guard.fingerprint(project, ENVIRONMENT)


def test_the_probe_sees_what_the_kernel_imports() -> None:
    environment = cache_guard.probe(sys.executable, ROOT / "chapters")
    assert Path(environment["dlbook"]).resolve() == (ROOT / "dlbook" / "__init__.py").resolve()
    assert environment["python"] == sys.version
    names = {name for name, _ in environment["distributions"]}
    assert {"torch", "numpy"} <= names
    assert environment["cpu"] and isinstance(environment["gpus"], list)
    cache_guard.check_kernel_imports_this_dlbook(environment, ROOT)


def test_another_dlbook_on_the_path_stops_the_build(tmp_path: Path, monkeypatch) -> None:
    """The trap: the environment points at another tree; its outputs would be built."""
    other = tmp_path / "other" / "dlbook"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("")
    monkeypatch.setenv(
        "PYTHONPATH", str(other.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    environment = cache_guard.probe(sys.executable, ROOT / "chapters")
    assert Path(environment["dlbook"]).resolve() == (other / "__init__.py").resolve()
    with pytest.raises(cache_guard.StaleEnvironment, match="not from this repository"):
        cache_guard.check_kernel_imports_this_dlbook(environment, ROOT)


def test_no_dlbook_at_all_stops_the_build() -> None:
    with pytest.raises(cache_guard.StaleEnvironment, match="cannot import dlbook"):
        cache_guard.check_kernel_imports_this_dlbook({**ENVIRONMENT, "dlbook": None}, ROOT)


def test_main_clears_caches_only_when_the_fingerprint_changes(tmp_path: Path, monkeypatch) -> None:
    build = tmp_path / "_build"
    for name in (".jupyter_cache", ".doctrees"):
        (build / name).mkdir(parents=True)
    fingerprints = iter(["aaa", "aaa", "bbb"])
    monkeypatch.setattr(cache_guard, "probe", lambda python, cwd: ENVIRONMENT)
    monkeypatch.setattr(cache_guard, "check_kernel_imports_this_dlbook", lambda env: None)
    monkeypatch.setattr(cache_guard, "fingerprint", lambda root, env: next(fingerprints))
    assert cache_guard.main(["--build-dir", str(build)]) == 0  # first build: cleared
    assert not (build / ".jupyter_cache").exists()
    (build / ".jupyter_cache").mkdir()
    assert cache_guard.main(["--build-dir", str(build)]) == 0  # unchanged: kept
    assert (build / ".jupyter_cache").exists()
    assert cache_guard.main(["--build-dir", str(build), "--check"]) == 1  # changed: stale
    assert (build / ".jupyter_cache").exists()


def test_a_stale_environment_keeps_no_stamp(tmp_path: Path, monkeypatch) -> None:
    """After the environment is fixed, the next build must not say "unchanged"."""
    build = tmp_path / "_build"
    monkeypatch.setattr(cache_guard, "probe", lambda python, cwd: {**ENVIRONMENT, "dlbook": "/x"})
    with pytest.raises(cache_guard.StaleEnvironment):
        cache_guard.main(["--build-dir", str(build)])
    assert not (build / cache_guard.STAMP).exists()
