"""The one place where plot helpers turn ``ax=None`` into a new figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from ._validation import describe

__all__: list[str] = []  # private module


def get_axes(ax: Axes | None, *, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax``, or the Axes of a new figure when it is ``None``.

    Raises a ``TypeError`` naming ``ax`` when it is neither.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {describe(ax)}")
    return ax
