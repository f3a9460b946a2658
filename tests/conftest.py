"""Shared by every test folder: this folder on sys.path, so ``hostile_names`` (the hostile-name
list and what each output must not let through) is importable from unit, app and browser tests.

The suite runs on pytest-xdist's workers (pytest.ini: ``-n 2 --dist loadgroup``), each test sent
on its own to the next free worker, but for the browser tests, all run by one worker, and a test
file with a module-scoped fixture (a bundle), run whole by one worker (``Grouped``), so that fixture
is made once."""
from __future__ import annotations

import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def _has_module_fixture(path: str) -> bool:
    file = ROOT / path
    return file.suffix == ".py" and 'scope="module"' in file.read_text()


def group_of(nodeid: str) -> str:
    """The group a test runs in: every browser test in one (two browser tests at once, each with its
    server and chromium, starve each other on two cores: waits on reruns then ran out, seen in
    the library's browser tests), else its file (a module-scoped fixture), else itself."""
    path = nodeid.split("::")[0]
    if path.startswith("tests/e2e/"):
        return "e2e"
    return path if _has_module_fixture(path) else nodeid


def pytest_xdist_make_scheduler(config, log):
    """xdist's loadgroup reads groups from ``xdist_group`` marks through ``item._nodeid``, which
    pytest 9 no longer reads back (a node id is built from ``item._id``): the groups are taken
    from the node ids here instead, on the controller."""
    from xdist.scheduler import LoadScopeScheduling

    class Grouped(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

    return Grouped(config, log)
