"""`python -m dashboard report` writes a bundle whole or not at all: a failure leaves --out as
it was, an earlier bundle is replaced (no stale files), other content is refused without --force."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from costmodel import library
from dashboard.export import report
from dashboard.__main__ import main
from dashboard.state.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = str(ROOT / "examples" / "scenario.json")


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write(out, *pages, extra=()):
    return main(["report", "--scenario", SCENARIO, "--out", str(out), "--formats", "csv", "--pages", *pages, *extra])


def test_rerun_replaces_the_earlier_bundle_without_stale_files(tmp_path):
    out = tmp_path / "bundle"
    assert write(out, "overview") == 0
    assert write(out, "roofline") == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "roofline", "scenario.json", "summary.md"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folder left"


def test_a_failure_leaves_out_as_it_was(tmp_path, monkeypatch, capsys):
    out = tmp_path / "bundle"
    assert write(out, "overview") == 0
    before = tree(out)
    real = Path.write_bytes
    calls = []

    def disk_full(self, data):
        calls.append(self)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    assert write(out, "roofline") == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "left as it was" in err and len(err.strip().splitlines()) == 1
    assert tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folder left"


def test_other_content_is_refused_unless_force(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    assert write(out, "overview") == 2
    assert "holds other files" in capsys.readouterr().err and (out / "thesis.tex").read_text() == "precious"
    assert write(out, "overview", extra=["--force"]) == 0
    assert not (out / "thesis.tex").exists() and (out / "summary.md").exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    out = tmp_path / "file.txt"
    out.write_text("keep")
    assert write(out, "overview") == 2
    assert "is a file" in capsys.readouterr().err and out.read_text() == "keep"


def test_bundle_check_before_building_the_figures(tmp_path, monkeypatch):
    """A refused --out costs nothing: the figures are not built."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "x").write_text("x")
    monkeypatch.setattr(report, "bundle_files", lambda *a, **k: pytest.fail("built figures for a refused --out"))
    assert write(out, "overview") == 2


def test_write_bundle_round_trip(tmp_path):
    files = report.bundle_files([], Scenario(), ("csv",))
    report.write_bundle(files, tmp_path / "b")
    assert tree(tmp_path / "b") == {**files, report.MANIFEST: report.manifest_bytes(files)}


def test_serve_takes_the_data_folder_before_it(monkeypatch, tmp_path):
    """`python -m dashboard --data DIR serve --server.port N`: the library folder is set and the
    options after `serve` go to `streamlit run` (it used to fall through to the report)."""
    from dashboard import __main__ as cli

    served = []
    monkeypatch.setattr(cli, "serve", lambda rest: served.append(rest) or 0)
    monkeypatch.setenv("COSTMODEL_DATA", "")  # restored after the test (main sets it)
    assert cli.main(["--data", str(tmp_path), "serve", "--server.port", "8599", "--server.headless", "true"]) == 0
    assert served == [["--server.port", "8599", "--server.headless", "true"]]
    assert os.environ["COSTMODEL_DATA"] == str(tmp_path)


# --- issue 22: a file never redefines a library slug nor replaces a saved record ---------------------
def custom(slug: str, price: float) -> dict:
    return {**library.chip_entry(library.chip("h800")), "slug": slug, "price_usd_per_hour": price}


def test_a_scenario_never_redefines_a_library_chip(tmp_path, capsys):
    """A custom chip of slug h800 at $99/h used to price 'H800' with the file's spec, labelled
    plain H800, silently: it is kept as h800-file, labelled so, and the command says so."""
    path = tmp_path / "s.json"
    path.write_text(json.dumps({**Scenario().to_dict(), "chips": ["h800", "h20"], "custom_chips": [custom("h800", 99.0)]}))
    assert main(["report", "--scenario", str(path), "--out", str(tmp_path / "b"), "--formats", "csv",
                 "--pages", "overview"]) == 0
    err = capsys.readouterr().err
    assert "warning: the file's own chip h800 is kept as h800-file (h800 is a library chip" in err
    names = [p.name for p in (tmp_path / "b" / "overview").iterdir()]
    assert names and all("h800-file+h20" in n for n in names), names
    saved = json.loads((tmp_path / "b" / "scenario.json").read_text())
    assert saved["scenario"]["chips"] == ["h800-file", "h20"]
    assert saved["chips"]["h800"]["spec"]["price_usd_per_hour"] == 2.0, "the library's H800 is the library's"
    assert saved["chips"]["h800-file"]["spec"]["price_usd_per_hour"] == 99.0


def test_a_loaded_scenario_keeps_a_clashing_record_apart_from_the_users(tmp_path):
    """The user's saved chip cinj2 ($1/h) and a file's own cinj2 ($99/h): the file's is kept as
    cinj2-file and every input follows it; the same record as the user's is the user's."""
    from dashboard.state.scenario import AFDInputs, parse_scenario

    mine = library.parse_chip(custom("cinj2", 1.0), "mine")
    theirs = Scenario(chips=("cinj2", "h20"), custom_chips=(library.parse_chip(custom("cinj2", 99.0), "file"),),
                      afd=AFDInputs(attention_chip="cinj2"), chip_overrides={"cinj2": {"mem_bytes": 1e11}})
    text = json.dumps(report.report_dict(theirs))
    loaded, warnings = parse_scenario(text, "file", taken_chips=(mine,))
    assert warnings == ["the file's own chip cinj2 is kept as cinj2-file (cinj2 is your saved chip, which keeps "
                        "its slug)"]
    assert loaded.chips == ("cinj2-file", "h20") and loaded.afd.attention_chip == "cinj2-file"
    assert loaded.chip_spec("cinj2-file").price_usd_per_hour == 99.0 and loaded.chip_spec("cinj2-file").mem_bytes == 1e11
    assert parse_scenario(json.dumps(report.report_dict(Scenario(chips=("cinj2",), custom_chips=(mine,)))), "file",
                          taken_chips=(mine,))[1] == [], "the user's own record: nothing to keep apart"
    again = library.parse_chip(custom("cinj2-file", 99.0), "earlier load")
    assert parse_scenario(text, "file", taken_chips=(mine, again))[0].chips == ("cinj2-file", "h20"), \
        "loaded twice: the record saved by the first load is reused, not cinj2-file2"


# --- issue 22 #2: the report replaces only its own files (a manifest says which) -----------------------
def test_a_users_file_added_to_an_earlier_bundle_is_kept(tmp_path, capsys):
    out = tmp_path / "bundle"
    assert write(out, "overview") == 0
    manifest = json.loads((out / report.MANIFEST).read_text())
    assert set(manifest["files"]) == set(tree(out)) - {report.MANIFEST}
    (out / "overview" / "my-notes.txt").write_text("mine")
    assert write(out, "roofline") == 2
    err = capsys.readouterr().err
    assert "overview/my-notes.txt is not a file this command wrote" in err and "--force" in err
    assert (out / "overview" / "my-notes.txt").read_text() == "mine"
    (out / "overview" / "my-notes.txt").unlink()
    (out / "drafts").mkdir()
    assert write(out, "roofline") == 2 and "drafts/ is not a folder this command wrote" in capsys.readouterr().err
    (out / "drafts").rmdir()
    (out / "summary.md").write_text("my edits")
    assert write(out, "roofline") == 2 and "summary.md was changed" in capsys.readouterr().err
    assert (out / "summary.md").read_text() == "my edits"


def test_a_project_folder_with_a_scenario_and_a_summary_is_not_a_bundle(tmp_path, capsys):
    """A user's folder that merely holds scenario.json and summary.md was taken for a bundle and
    its results/ subfolder deleted, exit 0."""
    out = tmp_path / "project"
    (out / "results").mkdir(parents=True)
    (out / "results" / "run1.csv").write_text("1,2\n")
    (out / "scenario.json").write_text("{}")
    (out / "summary.md").write_text("# my project\n")
    before = tree(out)
    assert write(out, "overview") == 2
    assert "no manifest.json" in capsys.readouterr().err and tree(out) == before


# --- issue 22 #9, #14: --out odd paths, one message each, nothing left behind --------------------------
def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp"))


def test_out_that_is_a_symlink_is_refused_and_left_alone(tmp_path, capsys):
    target = tmp_path / "real"
    assert write(target, "overview") == 0
    link = tmp_path / "link"
    link.symlink_to(target)
    before = tree(target)
    assert write(link, "roofline") == 2
    err = capsys.readouterr().err
    assert "is a symbolic link" in err and len(err.strip().splitlines()) == 1
    assert link.is_symlink() and tree(target) == before and leftovers(tmp_path) == []


def test_out_names_the_command_cannot_use_are_one_message(tmp_path, monkeypatch, capsys):
    assert write(tmp_path / ("x" * 5000), "overview") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --out: ") and "File name too long" in err and len(err.strip().splitlines()) == 1
    assert "characters)" in err and len(err) < 400, "the name is cut in the message"
    assert write(Path("/"), "overview") == 2 and "root folder" in capsys.readouterr().err
    bundle = tmp_path / "bundle"
    assert write(bundle, "overview") == 0
    before = tree(bundle)
    monkeypatch.chdir(bundle)
    for inside in (".", str(bundle), "..", "./"):
        assert write(Path(inside), "roofline") == 2, inside
        err = capsys.readouterr().err
        assert "the folder you are in" in err and len(err.strip().splitlines()) == 1, err
    assert tree(bundle) == before and leftovers(tmp_path) == [] and leftovers(bundle) == []
    monkeypatch.chdir(tmp_path)
    assert write(Path("bundle"), "roofline") == 0, "still recognised as a bundle"


def test_bundle_modes_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        assert write(tmp_path / "b", "overview") == 0
    finally:
        os.umask(old)
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "b" / "overview").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "b" / "summary.md").stat().st_mode & 0o777 == 0o644


def test_temporary_folders_of_a_killed_report_go_on_the_next_run(tmp_path):
    """A report killed while writing left '.<out>.<pid>.<random>.tmp' beside --out: the next
    report to that folder removes it (its process is gone), and nothing else."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    stale = tmp_path / f".bundle.{child.pid}.0123abcd.tmp"
    (stale / "overview").mkdir(parents=True)
    other = tmp_path / f".other.{child.pid}.0123abcd.tmp"
    other.mkdir()
    assert write(tmp_path / "bundle", "overview") == 0
    assert not stale.exists() and other.exists(), "only --out's own temporary folders"
