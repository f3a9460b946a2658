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

from costmodel import library
from costmodel.errors import InputError
from dashboard import userlib

ROOT = Path(__file__).resolve().parents[2]
H20 = library.chip("h20")
STEP3 = library.model("step-3")


def custom_chip(slug="h20-cheap", price=0.4):
    return dataclasses.replace(H20, slug=slug, name="H20 at a discount", price_usd_per_hour=price,
                               assumed=frozenset({"price_usd_per_hour"}))


def custom_model(slug="step-3-wide"):
    return dataclasses.replace(STEP3, slug=slug, name="Step-3, wider")


def test_chip_and_model_round_trip_as_data_file_toml(tmp_path):
    userlib.save_chip(custom_chip(), tmp_path)
    userlib.save_model(custom_model(), tmp_path)
    chip_file, model_file = tmp_path / "chips" / "h20-cheap.toml", tmp_path / "models" / "step-3-wide.toml"
    assert tomllib.loads(chip_file.read_text())["chip"][0]["price_usd_per_hour"] == 0.4, "readable, data/ shape"
    assert library.load_chip_file(chip_file) == [custom_chip()], "the CLI's --chip-file reads it"
    assert library.load_model_file(model_file) == [custom_model()]
    lib = userlib.load(tmp_path)
    assert lib.chips == (custom_chip(),) and lib.models == (custom_model(),) and not lib.problems


def test_library_slugs_are_refused(tmp_path):
    with pytest.raises(InputError, match="library chip"):
        userlib.save_chip(H20, tmp_path)
    with pytest.raises(InputError, match="library model"):
        userlib.save_model(STEP3, tmp_path)
    assert not (tmp_path / "chips").exists()


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path, monkeypatch):
    userlib.save_chip(custom_chip(price=0.4), tmp_path)
    before = (tmp_path / "chips" / "h20-cheap.toml").read_bytes()

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        userlib.save_chip(custom_chip(price=0.5), tmp_path)
    assert (tmp_path / "chips" / "h20-cheap.toml").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "chips").iterdir()) == ["h20-cheap.toml"], "no temporary file left"


def test_delete_and_reload_see_changes(tmp_path):
    userlib.save_chip(custom_chip(), tmp_path)
    assert userlib.load(tmp_path).chips
    userlib.delete("chip", "h20-cheap", tmp_path)
    assert userlib.load(tmp_path).chips == ()
    userlib.delete("chip", "h20-cheap", tmp_path)  # absent: not an error


def test_unreadable_files_are_reported_not_fatal(tmp_path):
    (tmp_path / "chips").mkdir(parents=True)
    (tmp_path / "chips" / "broken.toml").write_text("[[chip]]\nslug = 'x'\nbf16_flops = nan\n")
    (tmp_path / "chips" / "h800.toml").write_bytes(userlib.chip_toml(dataclasses.replace(H20, slug="h800")))
    (tmp_path / "chips" / "binary.toml").write_bytes(b"\xff\xfe\x00")
    userlib.save_chip(custom_chip(), tmp_path)
    lib = userlib.load(tmp_path)
    assert lib.chips == (custom_chip(),)
    assert len(lib.problems) == 3
    assert any("h800 is a library chip" in p for p in lib.problems)
    assert any("binary.toml" in p and "UTF-8" in p for p in lib.problems)


def _save_many(folder: str, worker: int, count: int) -> None:
    for i in range(count):
        userlib.save_chip(custom_chip(slug=f"w{worker}-c{i}", price=0.1 + i / 100), Path(folder))
        userlib.save_chip(custom_chip(slug="shared", price=1 + worker), Path(folder))  # everyone writes this one


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
    lib = userlib.load(tmp_path)
    assert not lib.problems
    slugs = {c.slug for c in lib.chips}
    assert slugs == {f"w{w}-c{i}" for w in range(6) for i in range(20)} | {"shared"}
    shared = next(c for c in lib.chips if c.slug == "shared")
    assert shared.price_usd_per_hour in {1.0 + w for w in range(6)}
    assert not [p for p in (tmp_path / "chips").iterdir() if not p.name.endswith(".toml")], "no temporary files"


def test_a_restart_keeps_everything(tmp_path):
    userlib.save_chip(custom_chip(), tmp_path)
    userlib.save_scenario("my plan", {"scenario": {"schema_version": 3}}, tmp_path)
    code = ("import json; from dashboard import userlib; lib = userlib.load(); "
            "print(json.dumps([[c.slug for c in lib.chips], list(lib.scenarios)]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, userlib.ENV: str(tmp_path)})
    assert json.loads(out.stdout) == [["h20-cheap"], ["my plan"]], out.stderr


def test_export_import_round_trip_and_nothing_of_the_users_replaced(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    userlib.save_chip(custom_chip(), a)
    userlib.save_model(custom_model(), a)
    userlib.save_scenario("plan", {"scenario": {"context": 1}}, a)
    data = userlib.export_bytes(a)
    assert json.loads(data)["format"] == userlib.EXPORT_FORMAT
    userlib.save_chip(custom_chip(price=9.0), b)  # b has its own h20-cheap, different
    done = userlib.import_bytes(data, b)
    lib = userlib.load(b)
    assert {c.slug: c.price_usd_per_hour for c in lib.chips} == {"h20-cheap": 9.0, "h20-cheap-2": 0.4}
    assert lib.models == (custom_model(),) and lib.scenarios == ("plan",)
    assert done == ["chip h20-cheap-2", "model step-3-wide", "scenario plan"]
    assert userlib.import_bytes(data, b) == [], "importing the same file again adds nothing"


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
    (b"x" * (userlib.MAX_IMPORT_BYTES + 1), "library file"),
])
def test_hostile_library_files_are_refused_and_nothing_is_written(tmp_path, data, field):
    with pytest.raises(InputError) as err:
        userlib.import_bytes(data, tmp_path)
    assert err.value.field.startswith(field), err.value
    assert not tmp_path.exists() or not any(tmp_path.rglob("*.*"))


def test_scenario_names_cannot_leave_the_folder(tmp_path):
    for name in ("../escape", "a/b", "", " ", "x" * 65, "<script>"):
        with pytest.raises(InputError, match="scenario name"):
            userlib.save_scenario(name, {}, tmp_path)
    assert not list(tmp_path.rglob("*.json"))
