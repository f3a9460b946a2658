"""Every chart, table and headline of every page, for the example scenario and two others, is
byte for byte what tests/data/figure_snapshots.json stores (tests/figure_snapshots.py): a change
of code that must not change a figure cannot do so unseen. A change meant to move figures
stores new digests (``python tests/figure_snapshots.py --write``) and says why."""
import json

import pytest

from figure_snapshots import STORE, scenarios, snapshot

STORED = json.loads(STORE.read_text())


@pytest.mark.parametrize("name", list(STORED))
def test_every_figure_is_the_stored_one(name):
    now = snapshot(scenarios()[name])
    assert set(now) == set(STORED[name]), "the pages changed"
    changed = [f"{page}/{item}" for page, items in STORED[name].items() for item, digest in items.items()
               if now[page].get(item) != digest]
    added = [f"{page}/{item}" for page, items in now.items() for item in items if item not in STORED[name][page]]
    assert not changed and not added, f"{name}: changed {changed}, added {added}"
