"""dlbook: the companion library of the textbook *Introduction to Deep Learning*.

Chapters write ``import dlbook as dl``. The most used functions are available
at the top level; everything else lives in its module (``dl.data``,
``dl.models``, ``dl.training``, ``dl.plotting``, ``dl.check``, ...). Modules
are imported on first use, so ``import dlbook`` stays quick.

Importing dlbook only defines things: it seeds nothing, changes no matplotlib
settings, installs no warning filters, probes no device and downloads nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .devices import get_device
from .models import count_parameters, mlp
from .plotting import set_book_style
from .seeding import seed_everything
from .training import History, evaluate, train

__version__ = "0.1.0"

#: Submodules, imported the first time they are used (``dl.scratch`` and so on).
SUBMODULES = (
    "approximation",
    "architectures",
    "benchmark",
    "check",
    "conv",
    "data",
    "datasets",
    "devices",
    "diagnostics",
    "distributed",
    "functional",
    "geometry",
    "interactive",
    "models",
    "notebook",
    "optim",
    "perceptron",
    "pitfalls",
    "plotting",
    "precision",
    "regression",
    "scratch",
    "seeding",
    "sequences",
    "shapes",
    "training",
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from . import (
        approximation,
        architectures,
        benchmark,
        check,
        conv,
        data,
        datasets,
        devices,
        diagnostics,
        distributed,
        functional,
        geometry,
        interactive,
        models,
        notebook,
        optim,
        perceptron,
        pitfalls,
        plotting,
        precision,
        regression,
        scratch,
        seeding,
        sequences,
        shapes,
        training,
    )


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'dlbook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(SUBMODULES))


__all__ = [
    "History",
    "__version__",
    "approximation",
    "architectures",
    "benchmark",
    "check",
    "conv",
    "count_parameters",
    "data",
    "datasets",
    "devices",
    "diagnostics",
    "distributed",
    "evaluate",
    "functional",
    "geometry",
    "get_device",
    "interactive",
    "mlp",
    "models",
    "notebook",
    "optim",
    "perceptron",
    "pitfalls",
    "plotting",
    "precision",
    "regression",
    "scratch",
    "seed_everything",
    "seeding",
    "sequences",
    "set_book_style",
    "shapes",
    "train",
    "training",
]
