"""Shared by every test folder: this folder on sys.path, so ``hostile_names`` (the hostile-name
list and what each output must not let through) is importable from unit, app and browser tests.

The suite runs on pytest-xdist's workers (pytest.ini: ``-n 2 --dist loadgroup``): the browser
tests are one group, run by one worker (one server and one chromium for them, as in a serial run,
and never two browser tests at once on the two cores: their waits are timed); of the others, the
tests that share a module-scoped fixture (a fit, a bundle), directly or through another test, are
one group, so that fixture is made once."""
from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items):
    group: dict[str, str] = {}  # union-find over (test, module-scoped fixture) keys

    def find(key):
        while group.setdefault(key, key) != key:
            key = group[key]
        return key

    shared = {}
    for item in items:
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.xdist_group("e2e"))
            continue
        info = getattr(item, "_fixtureinfo", None)
        names = [name for name, defs in (info.name2fixturedefs.items() if info else ())
                 if defs and defs[-1].scope == "module"]
        if names:
            module = item.nodeid.split("::")[0]
            keys = [f"{module}::{name}" for name in names]
            for key in keys[1:]:
                group[find(key)] = find(keys[0])
            shared[item] = keys[0]
    for item, key in shared.items():
        item.add_marker(pytest.mark.xdist_group(find(key)))
