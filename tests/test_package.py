"""Package-wide rules: imports are light and have no side effects, every public object is
documented, the core never imports the demonstrations, and moved names say where they went."""

from __future__ import annotations

import ast
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
        "for name in dlbook.__all__: getattr(dlbook, name)\n"
        "for name in dlbook.demos.__all__: getattr(dlbook.demos, name)\n"
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


def _stub_modules(path: Path) -> set[str]:
    """The submodules a package's ``__init__.pyi`` lists (``from . import x as x``)."""
    tree = ast.parse(path.read_text())
    return {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module is None and node.level == 1
        for alias in node.names
    }


@pytest.mark.parametrize("package", ["dlbook", "dlbook.demos"])
def test_every_module_is_listed_once_in_the_stub(package):
    module = importlib.import_module(package)
    found = {
        info.name for info in pkgutil.iter_modules(module.__path__) if not info.name.startswith("_")
    }
    listed = _stub_modules(Path(module.__file__).with_suffix(".pyi"))
    assert listed == found
    assert listed <= set(module.__all__)
    assert sorted(dir(module)) == sorted(module.__all__)  # only the public API
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        module.nope  # noqa: B018


def test_the_stubs_are_shipped_with_the_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["setuptools"]["package-data"]["dlbook"]
    assert "*.pyi" in shipped and "demos/*.pyi" in shipped


def test_import_is_light():
    code = (
        "import sys, dlbook\n"
        "heavy = ('torch', 'numpy', 'matplotlib', 'dlbook.training')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "dlbook.seed_everything  # a top-level name imports its module on first use\n"
        "assert 'dlbook.seeding' in sys.modules and 'dlbook.plotting' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ----------------------------------------------------------------------- layering

PACKAGE = ROOT / "dlbook"
#: Modules that sit above the core: the demonstrations, and the exercise checks
#: (which compute their answers with the demonstrations of their chapter).
ABOVE_CORE = ("dlbook.demos", "dlbook.check")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Absolute names of the modules a source file imports (relative imports resolved)."""
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant):
                names.add(str(node.args[0].value))
    return names


def _is_above_core(name: str) -> bool:
    return any(name == top or name.startswith(top + ".") for top in ABOVE_CORE)


def core_violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """The demonstration or check modules that a core module's source imports."""
    return sorted(
        name
        for name in imported_modules(source, module, is_package=is_package)
        if _is_above_core(name)
    )


CORE_FILES = sorted(
    path for path in PACKAGE.rglob("*.py") if not _is_above_core(_module_name(path))
)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_the_demos(path):
    module = _module_name(path)
    assert core_violations(path.read_text(), module, is_package=path.name == "__init__.py") == []


@pytest.mark.parametrize(
    "source",
    [
        "from .demos import pitfalls",
        "from .demos.logic import xor_network",
        "from . import demos",
        "import dlbook.demos.approximation",
        "from dlbook.check import answer",
        "def f():\n    from .demos import digits\n",
        "importlib.import_module('dlbook.demos.optimizers')",
    ],
)
def test_the_layer_check_catches_an_import_of_the_demos(source):
    assert core_violations(source, "dlbook.training")
    assert not core_violations(
        "from .devices import module_device\nimport torch", "dlbook.training"
    )


def test_core_files_include_every_core_module():
    names = {_module_name(p) for p in CORE_FILES}
    assert {"dlbook", "dlbook.training", "dlbook._validation", "dlbook.models"} <= names
    assert not any(_is_above_core(n) for n in names)


# ------------------------------------------------------------------- moved names


def _resolve(path: str):
    obj = dlbook
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


OLD_MODULES = sorted(
    {old.split(".")[0] for old in dlbook.MOVED if old.split(".")[0] not in dlbook.__all__}
)


@pytest.mark.parametrize("old", sorted(dlbook.MOVED))
def test_a_moved_name_raises_an_error_naming_its_new_place(old):
    new = dlbook.MOVED[old]
    with pytest.raises(AttributeError, match=f"dl\\.{old.split('.')[0]}") as info:
        _resolve(old)
    assert f"dl.{new}" in str(info.value) or f"dl.{new.rpartition('.')[0]}" in str(info.value)
    if new.replace(".", "").replace("_", "").isalnum():  # a dotted path, not an instruction
        assert callable(_resolve(new)) or _resolve(new) is not None


def test_moved_instructions_name_real_functions():
    assert dlbook.MOVED["pitfalls.dropout_batchnorm_mlp"].startswith("models.mlp(")
    assert dlbook.MOVED["precision.train_mixed_precision"].startswith("train(")
    assert {"regression", "perceptron", "approximation", "architectures", "geometry"} <= set(
        OLD_MODULES
    )


@pytest.mark.parametrize("old", OLD_MODULES)
def test_an_old_module_says_where_its_contents_went(old):
    with pytest.raises(AttributeError, match=f"dl\\.{old} no longer exists") as info:
        getattr(dlbook, old)
    for path in dlbook.MOVED:
        if path.startswith(f"{old}."):
            assert path.split(".", 1)[1] in str(info.value)
