"""The chapters' experiments and demonstrations, one module per topic, built from the core.

Each module shows something a chapter needs to see happen (a sweep, a
comparison, a pitfall made on purpose); the reusable pieces they are built
from live in the core modules of :mod:`dlbook`, which never import these.
Chapters call them as ``dl.demos.<topic>.<name>``. The modules are listed
once, in ``__init__.pyi`` beside this file, and imported on first use.
"""

from __future__ import annotations

from .. import lazy_package

__getattr__, __dir__, __all__ = lazy_package(__name__, __file__)
