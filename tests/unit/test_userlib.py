"""The user library: readable files in the data files' shape, written whole or not at all,
nothing lost when several processes save at once, one-file export and import, hostile files
refused with one message."""
from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from costmodel import library
from costmodel.errors import InputError
from dashboard.user_library import store
from dashboard.state.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
H20 = library.chip("h20")
STEP3 = library.model("step-3")


PLAN = {"scenario": Scenario(context=1024).to_dict()}  # a saved scenario as the dashboard writes it (in short)


def custom_chip(slug="h20-cheap", price=0.4):
    return dataclasses.replace(H20, slug=slug, name="H20 at a discount", price_usd_per_hour=price,
                               assumed=frozenset({"price_usd_per_hour"}))


def custom_model(slug="step-3-wide"):
    return dataclasses.replace(STEP3, slug=slug, name="Step-3, wider")


def test_chip_and_model_round_trip_as_data_file_toml(tmp_path):
    store.save_chip(custom_chip(), tmp_path)
    store.save_model(custom_model(), tmp_path)
    chip_file, model_file = tmp_path / "chips" / "h20-cheap.toml", tmp_path / "models" / "step-3-wide.toml"
    assert tomllib.loads(chip_file.read_text())["chip"][0]["price_usd_per_hour"] == 0.4, "readable, data/ shape"
    assert library.load_chip_file(chip_file) == [custom_chip()], "the CLI's --chip-file reads it"
    assert library.load_model_file(model_file) == [custom_model()]
    lib = store.load(tmp_path)
    assert lib.chips == (custom_chip(),) and lib.models == (custom_model(),) and not lib.problems


def test_library_slugs_are_refused(tmp_path):
    with pytest.raises(InputError, match="library chip"):
        store.save_chip(H20, tmp_path)
    with pytest.raises(InputError, match="library model"):
        store.save_model(STEP3, tmp_path)
    assert not (tmp_path / "chips").exists()


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path, monkeypatch):
    store.save_chip(custom_chip(price=0.4), tmp_path)
    before = (tmp_path / "chips" / "h20-cheap.toml").read_bytes()

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.save_chip(custom_chip(price=0.5), tmp_path)
    assert (tmp_path / "chips" / "h20-cheap.toml").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "chips").iterdir()) == ["h20-cheap.toml"], "no temporary file left"


def test_delete_and_reload_see_changes(tmp_path):
    store.save_chip(custom_chip(), tmp_path)
    assert store.load(tmp_path).chips
    store.delete("chip", "h20-cheap", tmp_path)
    assert store.load(tmp_path).chips == ()
    store.delete("chip", "h20-cheap", tmp_path)  # absent: not an error


def test_unreadable_files_are_reported_not_fatal(tmp_path):
    (tmp_path / "chips").mkdir(parents=True)
    (tmp_path / "chips" / "broken.toml").write_text("[[chip]]\nslug = 'x'\nbf16_flops = nan\n")
    (tmp_path / "chips" / "h800.toml").write_bytes(store.chip_toml(dataclasses.replace(H20, slug="h800")))
    (tmp_path / "chips" / "binary.toml").write_bytes(b"\xff\xfe\x00")
    store.save_chip(custom_chip(), tmp_path)
    lib = store.load(tmp_path)
    assert lib.chips == (custom_chip(),)
    assert len(lib.problems) == 3
    assert any("h800 is a library chip" in p for p in lib.problems)
    assert any("binary.toml" in p and "UTF-8" in p for p in lib.problems)


def _save_many(folder: str, worker: int, count: int) -> None:
    for i in range(count):
        store.save_chip(custom_chip(slug=f"w{worker}-c{i}", price=0.1 + i / 100), Path(folder))
        store.save_chip(custom_chip(slug="shared", price=1 + worker), Path(folder))  # everyone writes this one


def test_several_processes_saving_at_once_lose_nothing(tmp_path):
    """Six processes save 20 chips each and all rewrite one shared chip, at once: every chip is
    there afterwards, every file parses, and the shared one is whole (one writer's version)."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_save_many, args=(str(tmp_path), w, 20)) for w in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    lib = store.load(tmp_path)
    assert not lib.problems
    slugs = {c.slug for c in lib.chips}
    assert slugs == {f"w{w}-c{i}" for w in range(6) for i in range(20)} | {"shared"}
    shared = next(c for c in lib.chips if c.slug == "shared")
    assert shared.price_usd_per_hour in {1.0 + w for w in range(6)}
    assert not [p for p in (tmp_path / "chips").iterdir() if not p.name.endswith(".toml")], "no temporary files"


def test_a_restart_keeps_everything(tmp_path):
    store.save_chip(custom_chip(), tmp_path)
    store.save_scenario("my plan", PLAN, tmp_path)
    code = ("import json; from dashboard.user_library import store; lib = store.load(); "
            "print(json.dumps([[c.slug for c in lib.chips], list(lib.scenarios)]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, store.ENV: str(tmp_path)})
    assert json.loads(out.stdout) == [["h20-cheap"], ["my plan"]], out.stderr


def test_export_import_round_trip_and_nothing_of_the_users_replaced(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    store.save_chip(custom_chip(), a)
    store.save_model(custom_model(), a)
    store.save_scenario("plan", PLAN, a)
    data = store.export_bytes(a)
    assert json.loads(data)["format"] == store.EXPORT_FORMAT
    store.save_chip(custom_chip(price=9.0), b)  # b has its own h20-cheap, different
    done = store.import_bytes(data, b)
    lib = store.load(b)
    assert {c.slug: c.price_usd_per_hour for c in lib.chips} == {"h20-cheap": 9.0, "h20-cheap-2": 0.4}
    assert lib.models == (custom_model(),) and lib.scenarios == ("plan",)
    assert done == ["chip h20-cheap-2 (the file's h20-cheap: that slug is taken)", "model step-3-wide", "scenario plan"]
    assert store.import_bytes(data, b) == [], "importing the same file again adds nothing"


@pytest.mark.parametrize("data, field", [
    (b"{", "library file"),
    (b'{"format": "other"}', "library file"),
    (b'{"format": "decode-codesign user library", "version": 1, "chips": [{"slug": "x", "bf16_flops": NaN}]}',
     "library file"),
    (b"[" * 100_000, "library file"),
    (b'{"format": "decode-codesign user library", "version": 1, "chips": "all"}', "library file: chips"),
    (b'{"format": "decode-codesign user library", "version": 1, "chips": [{"slug": "../etc", "name": "x"}]}',
     "library file: chips[0]: chip slug"),
    (b'{"format": "decode-codesign user library", "version": 1, "scenarios": {"../x": {}}}', "scenario name"),
    (b"x" * (store.MAX_IMPORT_BYTES + 1), "library file"),
])
def test_hostile_library_files_are_refused_and_nothing_is_written(tmp_path, data, field):
    with pytest.raises(InputError) as err:
        store.import_bytes(data, tmp_path)
    assert err.value.field.startswith(field), err.value
    assert not tmp_path.exists() or not any(tmp_path.rglob("*.*"))


def test_scenario_names_cannot_leave_the_folder(tmp_path):
    for name in ("../escape", "a/b", "", " ", "x" * 65, "<script>"):
        with pytest.raises(InputError, match="scenario name"):
            store.save_scenario(name, {}, tmp_path)
    assert not list(tmp_path.rglob("*.json"))


# --- issue 22: nothing blocks, nothing of the user's replaced, import linear -------------------------
def library_file(chips=(), models=(), scenarios=None) -> bytes:
    return json.dumps({"format": store.EXPORT_FORMAT, "version": store.EXPORT_VERSION,
                       "chips": [library.chip_entry(c) for c in chips],
                       "models": [library.model_entry(m) for m in models], "scenarios": scenarios or {}}).encode()


def test_special_files_in_the_library_are_listed_as_unreadable_not_waited_on(tmp_path):
    """A FIFO (or a device, a folder) named like a library file in chips/, models/ or scenarios/:
    reading the library and exporting it neither block nor fail; the file is listed as
    unreadable; the good entries are there."""
    store.save_chip(custom_chip(), tmp_path)
    store.save_scenario("plan", PLAN, tmp_path)
    for name in ("chips/pipe.toml", "models/pipe.toml", "scenarios/pipe.json"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        os.mkfifo(tmp_path / name)
    os.symlink("/dev/zero", tmp_path / "chips" / "zero.toml")
    (tmp_path / "scenarios" / "folder.json").mkdir()
    lib = store.load(tmp_path)
    assert lib.chips == (custom_chip(),) and lib.scenarios == ("plan",)
    assert len(lib.problems) == 5 and all("regular file" in p or "folder" in p for p in lib.problems), lib.problems
    assert any(p.startswith("scenarios/pipe.json") for p in lib.problems)
    assert list(json.loads(store.export_bytes(tmp_path))["scenarios"]) == ["plan"]
    with pytest.raises(InputError, match="not a regular file"):
        store.read_scenario("pipe", tmp_path)


def test_files_and_folders_take_the_umask_modes(tmp_path):
    """Colleagues may read what is saved (umask 022: files 0644, folders 0755), not 0600/0700."""
    old = os.umask(0o022)
    try:
        store.save_chip(custom_chip(), tmp_path / "lib")
        store.save_scenario("plan", PLAN, tmp_path / "lib")
    finally:
        os.umask(old)
    assert (tmp_path / "lib" / "chips" / "h20-cheap.toml").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "lib" / "scenarios" / "plan.json").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "lib" / "chips").stat().st_mode & 0o777 == 0o755


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_temporary_files_of_a_killed_save_go_on_the_next_start(tmp_path):
    """A save killed between writing its temporary file and renaming it leaves
    '.<name>.<pid>.<random>.tmp'; the next read of the library removes it. A temporary file of a
    live process and files the program did not write stay."""
    store.save_chip(custom_chip(), tmp_path)
    chips = tmp_path / "chips"
    stale = chips / f".h20-cheap.toml.{dead_pid()}.0123abcd.tmp"
    stale.write_text("half a chip")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = chips / f".other.toml.{sleeper.pid}.89abcdef.tmp"
        live.write_text("being written")
        mine = [chips / ".notes.tmp", chips / f".x.{dead_pid()}.tmp", chips / "draft.toml.tmp"]
        for path in mine:
            path.write_text("the user's")
        store._cache.clear()
        assert store.load(tmp_path).chips == (custom_chip(),)
        assert not stale.exists() and live.exists() and all(p.exists() for p in mine)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_import_is_linear_in_the_entries(tmp_path, monkeypatch):
    """3,000 chips took 55 s: each entry was compared with every earlier one. Now an index by
    content: the records are compared a few times per entry, not once per pair."""
    from costmodel.chips import Chip

    n = 300
    data = library_file([custom_chip(slug=f"c{i}", price=1 + i / 1000) for i in range(n)])
    store.save_chip(custom_chip(slug="c0", price=5.0), tmp_path)  # one slug taken
    real, calls = Chip.__eq__, []
    monkeypatch.setattr(Chip, "__eq__", lambda a, b: calls.append(1) or real(a, b))
    seen = []
    done = store.import_bytes(data, tmp_path, progress=lambda k, total: seen.append((k, total)))
    assert len(done) == n and done[0] == "chip c0-2 (the file's c0: that slug is taken)"
    assert len(calls) < 5 * n, f"{len(calls)} comparisons for {n} chips"
    assert seen[-1] == (2 * n, 2 * n) and [k for k, _ in seen] == sorted(k for k, _ in seen)


def test_import_says_which_duplicate_scenario_was_renamed_and_refuses_invalid_ones(tmp_path):
    other = {"scenario": Scenario(context=2048).to_dict()}
    done = store.import_bytes(library_file(scenarios={"dup": PLAN, "dup ": other}), tmp_path)
    assert done == ["scenario dup", "scenario dup-2 (the file's 'dup ': the name dup is taken)"]
    assert json.loads(store.read_scenario("dup-2", tmp_path)) == other
    for bad in ({"a": 2}, {"scenario": {"schema_version": 4, "chips": ["nope"]}}, {"scenario": []}):
        with pytest.raises(InputError) as err:
            store.import_bytes(library_file([custom_chip(slug="new")], scenarios={"x": bad}), tmp_path / "b")
        assert err.value.field.startswith("library file: scenarios.x"), err.value
        assert not (tmp_path / "b").exists(), "nothing written"


LIBRARY_SLUGS = ["h800", "h20"]
OWN_SLUGS = ["cinj2", "cinj2-file", "mine", "mine-file", "mine-file2"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mine=st.lists(st.sampled_from(OWN_SLUGS), unique=True, max_size=4),
       theirs=st.lists(st.tuples(st.sampled_from(LIBRARY_SLUGS + OWN_SLUGS), st.sampled_from([1.0, 2.0, 0.8, 99.0])),
                       min_size=1, max_size=4, unique_by=lambda t: t[0]))
def test_fuzz_slug_clashes(mine, theirs):
    """Any mix of a file's own chips (some named like library chips, some like the user's, some
    the same records) loaded over the user's: no library slug is redefined, no saved record is
    replaced, every record of the file is kept and selected, and each rename is said."""
    from dashboard.export import report
    from dashboard.state.scenario import parse_scenario

    saved = tuple(custom_chip(slug=s, price=1.0) for s in mine)
    records = tuple(custom_chip(slug=s, price=p) for s, p in theirs)
    text = json.dumps(report.report_dict(Scenario(chips=tuple(s for s, _ in theirs), custom_chips=records)))
    loaded, warnings = parse_scenario(text, "file", taken_chips=saved)
    others = {**library.chips(), **{c.slug: c for c in saved}}
    for record in loaded.custom_chips:
        assert others.get(record.slug) in (None, record), f"{record.slug} redefined"
    selected = [loaded.chip_spec(s) for s in loaded.chips]
    assert [c.price_usd_per_hour for c in selected] == [p for _, p in theirs], "the file's records, in its order"
    assert all(dataclasses.replace(c, slug="x") == dataclasses.replace(r, slug="x") for c, r in zip(selected, records))
    renamed = [r for r, s in zip(records, loaded.chips) if r.slug != s]
    assert len(warnings) == len(renamed) and all(f"chip {r.slug} is kept as" in w for r, w in zip(renamed, warnings))


def test_import_progress_shows_only_beyond_a_second(monkeypatch):
    """The library page's import progress: nothing for a short import; a bar once it has taken
    more than a second, then following the steps (a fake clock: no timing in the test)."""
    from dashboard.widgets import library_views

    clock, bars = [100.0], []

    class Box:
        def progress(self, value, text=None):
            bars.append((value, text))
            return self

    monkeypatch.setattr(library_views.time, "monotonic", lambda: clock[0])
    progress = library_views._progress(Box())
    progress(50, 6000)
    assert bars == [], "under a second: no bar"
    clock[0] += 1.5
    progress(100, 6000)
    progress(6000, 6000)
    assert bars[-1] == (1.0, "Importing: 6,000 of 6,000 steps") and len(bars) == 3
