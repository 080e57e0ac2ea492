"""Package-wide rules: importing has no side effects, every public object is documented."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

import dlbook

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(dlbook.__path__, prefix="dlbook.")
    if not any(part.startswith("_") for part in info.name.split("."))
)


def public_objects():
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == name:
                yield f"{name}.{attr}", obj


def test_import_has_no_side_effects():
    # Importing every module may bring in third-party libraries (scikit-learn,
    # SciPy) that add warning filters of their own; `import dlbook` itself adds none.
    code = (
        "import random, numpy, torch, matplotlib as mpl, warnings\n"
        "before = (dict(mpl.rcParams), len(warnings.filters), torch.initial_seed())\n"
        "state = random.getstate(); np_state = numpy.random.get_state()[1].copy()\n"
        "import dlbook\n"
        "assert len(warnings.filters) == before[1], 'warning filters changed'\n"
        "for name in dlbook.SUBMODULES: getattr(dlbook, name)\n"
        "dlbook.check.exercises()\n"
        "assert dict(mpl.rcParams) == before[0], 'rcParams changed'\n"
        "assert torch.initial_seed() == before[2], 'torch seeded'\n"
        "assert random.getstate() == state, 'random seeded'\n"
        "assert (numpy.random.get_state()[1] == np_state).all(), 'numpy seeded'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_version_is_declared_once_and_exposed():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["dynamic"] == ["version"]
    assert dlbook.__version__.count(".") == 2


def test_package_is_typed():
    assert (Path(dlbook.__file__).parent / "py.typed").exists()


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_has_a_docstring(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    for attr in module.__all__:
        assert hasattr(module, attr), f"{name}.__all__ names {attr}, which does not exist"


@pytest.mark.parametrize(("name", "obj"), list(public_objects()))
def test_every_public_object_has_a_numpydoc_docstring(name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    if inspect.isfunction(obj) and len(inspect.signature(obj).parameters) > 0:
        assert "Parameters\n----------" in doc, f"{name} documents no parameters"


def test_top_level_exports_exist():
    for attr in dlbook.__all__:
        assert hasattr(dlbook, attr)


def test_every_module_is_listed_for_lazy_import():
    top_level = {name.split(".")[1] for name in MODULES}
    assert top_level == set(dlbook.SUBMODULES)
    assert set(dlbook.SUBMODULES) <= set(dlbook.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        dlbook.nope  # noqa: B018
