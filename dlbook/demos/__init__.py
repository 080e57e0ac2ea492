"""The chapters' experiments and demonstrations, one module per topic, built from the core.

Each module shows something a chapter needs to see happen (a sweep, a
comparison, a pitfall made on purpose); the reusable pieces they are built
from live in the core modules of :mod:`dlbook`, which never import these.
Chapters call them as ``dl.demos.<topic>.<name>``. The modules are listed
once, in ``__init__.pyi`` beside this file, and imported on first use.
"""

from __future__ import annotations

from typing import Any

import lazy_loader as lazy

from .. import moved_attribute

_lazy_getattr, _lazy_dir, __all__ = lazy.attach_stub(__name__, __file__)


def __getattr__(name: str) -> Any:
    if name in __all__:
        return _lazy_getattr(name)
    raise moved_attribute(__name__, name)


def __dir__() -> list[str]:
    return sorted(__all__)
