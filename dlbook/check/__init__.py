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

**How answers are compared.** Whole numbers, booleans and shapes must be exact
(a count given as ``4.0`` or as a one-element tensor is the same count). A
number or array meant to be *computed* with code must agree with the reference
to ``rtol=1e-4`` and ``atol=1e-6`` unless the exercise sets its own
tolerances: float32 code agrees with float64 code to about ``1e-6``, so this
leaves room for another order of summation and still rejects any answer off by
more than 0.01 %. A function is called on the exercise's test inputs
and its results are compared the same way (exactly, where the reference
returns an integer).

A number or array meant to be worked out *by hand* (``register(...,
by_hand=True)``) is accepted when it is right to three significant figures,
and the exercise says so ("give three significant figures"). Rounding ``x`` to
three significant figures moves it by at most half a unit of its third figure,
``0.5 * 10**(e - 2)`` where ``10**e <= |x| < 10**(e + 1)``, which is at most
``5e-3 * |x|``. An answer ``a`` to a right answer ``x`` is therefore accepted
when, entry by entry,

    ``|a_i - x_i| <= 0.5 * 10**(e_i - 2) + 1e-6 * max|x| + 1e-12``

where ``e_i`` is the exponent, as above, of the smaller of ``|a_i|`` and
``|x_i|`` (a zero gets no half unit) and ``max|x|`` is the largest magnitude in
the right answer. Each entry is judged by its own third significant figure:
``51`` admits ``51.0`` but not ``51.2``, and in ``(0.659, 0.242, 0.0986)`` the
last entry must be given as ``0.0986``. Next to a power of ten the smaller
magnitude decides: for ``0.0100`` the answer ``0.00996`` is a different
three-figure number and is not accepted, while ``10.0`` for ``9.996`` is right.
The two small terms only absorb floating-point noise, around an exact zero or in
an entry that is zero up to the rounding of the others. An answer off by more
than that gets "Not yet" and the hint.

A scalar, a one-element vector and a ``(1, 1)`` matrix hold the same number and
are accepted for one another; other shapes must match. A dtype that the
exercise asks for is checked (``register(..., dtype="floating")``).

**Strict mode.** When the environment variable ``DLBOOK_CHECK_STRICT`` is ``1``
(the book's build sets it), or when :func:`answer` is called with
``strict=True``, a wrong answer raises :class:`ExerciseFailed` after printing
its verdict, so a solution cell whose answer is rejected stops the build with
the exercise id in the error. For readers it is off: a wrong answer prints
"Not yet" and a hint.
"""

from ._core import (
    Exercise,
    ExerciseFailed,
    Verdict,
    answer,
    exercises,
    get_exercise,
    hint,
    register,
    unregister,
)

__all__ = [
    "Exercise",
    "ExerciseFailed",
    "Verdict",
    "answer",
    "exercises",
    "get_exercise",
    "hint",
    "register",
    "unregister",
]
