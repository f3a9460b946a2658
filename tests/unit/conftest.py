"""Fixtures shared by unit tests."""
from __future__ import annotations

import pytest

from costmodel import library, validation


@pytest.fixture(scope="session")
def shipped_fit():
    """``validation.validate()`` of the shipped data: the whole fit, made once per test process
    (test_validation.py reads it; test_hostile_input.py and the in-process commands take it)."""
    return validation.validate()


@pytest.fixture
def fit_once(shipped_fit, monkeypatch):
    """`validate` on the shipped data (no --data, no extra chip or model file) returns
    ``shipped_fit`` instead of fitting again, for tests about the command around the fit; any
    other data is fitted as usual. test_validation.py's test_cli_validate_writes_the_stored_kernels
    and test_cli_validate_exit_1_when_a_held_out_cell_is_off run the whole command in its own process."""
    real = validation.validate

    def validate(path=None, chips=None, models=None):
        if path is None and chips == library.chips() and models == library.models():
            return shipped_fit
        return real(path, chips, models)

    monkeypatch.setattr(validation, "validate", validate)
