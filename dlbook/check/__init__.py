"""Self-checks for the exercises of the book.

Each checkable exercise has an id ``"<chapter>.<slug>"``. Pass your answer to
:func:`answer`; it computes the right answer with dlbook itself (there is no
table of answers to drift out of date) and prints a verdict, with a hint when
the answer is wrong::

    >>> import dlbook as dl
    >>> verdict = dl.check.answer("mlp.parameter-count", 269322)
    Correct! (mlp.parameter-count)
    >>> bool(verdict)
    True

Exercises live in one module per chapter (``dlbook/check/mlp.py`` and so on),
each registering its exercises with :func:`register`; they are imported the
first time an exercise is looked up.
"""

from ._core import Exercise, Verdict, answer, exercises, get_exercise, hint, register, unregister

__all__ = [
    "Exercise",
    "Verdict",
    "answer",
    "exercises",
    "get_exercise",
    "hint",
    "register",
    "unregister",
]
