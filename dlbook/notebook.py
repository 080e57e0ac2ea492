"""Helpers that let one chapter run the same way on the website and in a plain notebook.

The book's pages are built by MyST-NB, which quotes values computed by the code
(``{glue:text}`name```) and shows deliberate errors. A reader who opens the same
chapter in Colab, Binder or Jupyter has none of the book's build tools, so these
helpers do the sensible thing in both places:

* :func:`glue` records a value under a name. On the website the text quotes it; in a
  notebook it also prints ``name = value`` so that the reader sees the number the text
  talks about.
* :func:`expect_error` runs a block that is meant to fail and shows the error in one
  line (its type and message) instead of a long traceback, so that "Run all" goes on.

Neither needs MyST-NB, IPython is imported only when it is there, and nothing
happens at import time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._validation import describe

__all__ = ["BUILD_ENV", "GLUE_PREFIX", "MASK_ENV", "expect_error", "glue", "in_book_build"]

#: Environment variable that the book's build sets to ``"1"`` for its kernels.
BUILD_ENV = "DLBOOK_BOOK_BUILD"
#: With this environment variable set to ``"1"``, measured values are glued as the text
#: ``"(measured)"``: two builds can then be compared for everything else
#: (``tools/compare_builds.py``).
MASK_ENV = "DLBOOK_MASK_MEASURED"
#: The MIME prefix MyST-NB uses for glued values that are stored but not shown.
GLUE_PREFIX = "application/papermill.record/"


def in_book_build() -> bool:
    """True when the code runs inside the book's own build (``DLBOOK_BOOK_BUILD=1``).

    Examples
    --------
    >>> isinstance(in_book_build(), bool)
    True
    """
    return os.environ.get(BUILD_ENV) == "1"


def _format(value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The display bundle of ``value`` (IPython's formatters), or its ``repr`` without IPython."""
    shell = None
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython is there wherever a kernel runs
        pass
    if shell is None:
        return {"text/plain": repr(value)}, {}
    bundle, metadata = shell.display_formatter.format(value)
    return dict(bundle), dict(metadata)


def glue(name: str, value: Any, *, display: bool = False, measured: bool = False) -> None:
    """Record ``value`` under ``name`` so that the text of the page can quote it.

    The record is the output MyST-NB's own ``glue`` writes (a display bundle whose
    metadata carries the name), so ``{glue:text}`name``` works on the website. Outside
    the book's build the value is also printed as ``name = value``, since a plain
    notebook cannot fill the number into the text.

    Parameters
    ----------
    name : str
        The name the text uses, e.g. ``"speedup"``.
    value : object
        Anything IPython can display: a number, a string, a figure, Markdown.
    display : bool, default False
        Also show the value as the cell's output (on the website too).
    measured : bool, default False
        Mark the value as a measurement of the machine (a timing, a device name):
        it differs from one run to the next, so the downloadable notebooks say so
        instead of quoting one machine's figure as if it were a fact.

    Examples
    --------
    >>> glue("answer", 42)  # outside a kernel: just prints
    answer = 42
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {describe(name)}")
    if measured and os.environ.get(MASK_ENV) == "1":
        value = "(measured)"
    bundle, metadata = _format(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    if measured:
        metadata["dlbook"] = {"measured": True}
    try:
        from IPython import get_ipython
        from IPython.display import display as ipython_display
    except ImportError:  # pragma: no cover
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        ipython_display(
            {prefix + key: data for key, data in bundle.items()}, raw=True, metadata=metadata
        )
    if not display and not in_book_build():
        print(f"{name} = {bundle.get('text/plain', repr(value))}")


@contextmanager
def expect_error(*expected: type[BaseException]) -> Iterator[None]:
    """Run a block that is meant to fail; show its error in one line and carry on.

    Teaching code often shows an error on purpose (a shape mismatch, a wrong dtype).
    Inside this block such an error is caught and printed as ``TypeName: message``,
    so the page shows what went wrong without a long traceback and "Run all" in a
    notebook does not stop. A block that does *not* fail, or fails with an error of
    another type than ``expected``, is a mistake in the chapter and raises.

    Parameters
    ----------
    *expected : exception types
        The errors the block may raise; by default any ``Exception``.

    Examples
    --------
    >>> with expect_error(ValueError):
    ...     int("seven")
    ValueError: invalid literal for int() with base 10: 'seven'
    """
    allowed = expected or (Exception,)
    for kind in allowed:
        if not (isinstance(kind, type) and issubclass(kind, BaseException)):
            raise TypeError(f"expected must be exception types, got {describe(kind)}")
    try:
        yield
    except allowed as error:
        message = str(error).strip()
        print(f"{type(error).__name__}: {message}" if message else type(error).__name__)
        sys.stdout.flush()
    else:
        names = ", ".join(kind.__name__ for kind in allowed)
        raise AssertionError(f"the block was expected to raise {names}, but it did not")
