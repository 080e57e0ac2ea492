"""The public API under a fuzz of bad inputs: a correct result or a clear dlbook error.

Every callable exported by a public module is called validly (and compared with its
reference), then with one argument replaced by a drawn variant; see tests/api_fuzz.py
for what is drawn and how an outcome is judged, tests/api_specs.py for how each
callable is called. The number of cases follows the hypothesis profile: a quarter of its
``max_examples`` per callable, less for slow ones (``HYPOTHESIS_PROFILE=ci`` raises
it; tests/conftest.py).
"""

from __future__ import annotations

import api_fuzz as fz
import pytest
import torch
from api_specs import EXCLUDED, SPECS
from hypothesis import given, settings
from hypothesis import strategies as st

CALLABLES = fz.public_callables()
RECORDS = sorted(name for name, obj in CALLABLES.items() if fz.is_record(obj))
FUZZED = sorted(name for name in CALLABLES if name not in EXCLUDED and name not in RECORDS)


@pytest.fixture(autouse=True)
def _in_a_scratch_folder(tmp_path, monkeypatch) -> None:
    """Relative paths that the fuzz passes (path="text") land in a folder of the test's own."""
    monkeypatch.chdir(tmp_path)


def spec_of(name: str) -> fz.Spec:
    return SPECS.get(name, fz.Spec())


def test_the_fuzz_covers_every_public_callable() -> None:
    assert len(FUZZED) > 100  # the enumeration finds the API
    assert not set(SPECS) - set(CALLABLES), "specs of names that are no longer public"
    assert not set(EXCLUDED) - set(CALLABLES), "exclusions of names that are no longer public"
    assert not set(SPECS) & set(RECORDS), "records are not fuzzed: drop their specs"
    for name in FUZZED:  # raises, naming the argument, when a new callable needs a spec
        fz.valid_arguments(name, CALLABLES[name], spec_of(name))


@pytest.mark.parametrize("name", FUZZED)
def test_valid_call_agrees_with_its_reference(name: str) -> None:
    obj, spec = CALLABLES[name], spec_of(name)
    if spec.needs_cuda and not torch.cuda.is_available():  # the valid call is refused
        kwargs = fz.valid_arguments(name, obj, spec)
        outcome = fz.attempt(name, obj, spec, kwargs, "device", frozenset({"device"}))
        expected = "clear"
    else:
        outcome = fz.attempt(name, obj, spec, fz.valid_arguments(name, obj, spec), None)
        expected = "result"
    fz.record(outcome)
    if outcome.kind != expected and not fz.REPORT:
        pytest.fail(outcome.describe())


@pytest.mark.parametrize("name", FUZZED)
def test_bad_input_gets_a_correct_result_or_a_clear_error(name: str) -> None:
    obj, spec = CALLABLES[name], spec_of(name)
    params = [p for p in fz.valid_arguments(name, obj, spec) if p not in spec.skip]
    if not params:
        return  # nothing to vary: the valid call is the whole test

    @settings(max_examples=max(1, settings.default.max_examples // (4 * spec.cost)))
    @given(st.data())
    def case(data: st.DataObject) -> None:
        kwargs, param, tags = fz.draw_case(data, name, obj, spec, params)
        outcome = fz.attempt(name, obj, spec, kwargs, param, tags)
        fz.record(outcome)
        if outcome.bad and not fz.REPORT:
            raise AssertionError(outcome.describe())

    case()
