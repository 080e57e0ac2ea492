"""Tests of tools/cache_guard.py: a change to dlbook invalidates the execution cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import load_tool

ROOT = Path(__file__).resolve().parents[1]
cache_guard = load_tool("cache_guard")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "dlbook").mkdir()
    (tmp_path / "dlbook" / "core.py").write_text("x = 1\n")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "constraints.txt").write_text("torch==2.13.0\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    return tmp_path


def test_fingerprint_changes_with_the_package_and_the_pins(project: Path):
    first = cache_guard.fingerprint(project)
    assert cache_guard.fingerprint(project) == first
    (project / "dlbook" / "core.py").write_text("x = 2\n")
    second = cache_guard.fingerprint(project)
    assert second != first
    (project / "requirements" / "constraints.txt").write_text("torch==2.14.0\n")
    assert cache_guard.fingerprint(project) != second


def test_pycache_does_not_count(project: Path):
    first = cache_guard.fingerprint(project)
    (project / "dlbook" / "__pycache__").mkdir()
    (project / "dlbook" / "__pycache__" / "core.pyc").write_bytes(b"\0")
    assert cache_guard.fingerprint(project) == first


def test_main_clears_caches_only_when_the_fingerprint_changes(tmp_path: Path, monkeypatch):
    build = tmp_path / "_build"
    for name in (".jupyter_cache", ".doctrees"):
        (build / name).mkdir(parents=True)
    fingerprints = iter(["aaa", "aaa", "bbb"])
    monkeypatch.setattr(cache_guard, "fingerprint", lambda: next(fingerprints))
    assert cache_guard.main(["--build-dir", str(build)]) == 0  # first build: cleared
    assert not (build / ".jupyter_cache").exists()
    (build / ".jupyter_cache").mkdir()
    assert cache_guard.main(["--build-dir", str(build)]) == 0  # unchanged: kept
    assert (build / ".jupyter_cache").exists()
    assert cache_guard.main(["--build-dir", str(build), "--check"]) == 1  # changed: stale
    assert (build / ".jupyter_cache").exists()
    shutil.rmtree(build)
