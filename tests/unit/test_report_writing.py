"""`python -m dashboard report` writes a bundle whole or not at all: a failure leaves --out as
it was, an earlier bundle is replaced (no stale files), other content is refused without --force."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from dashboard import report
from dashboard.__main__ import main
from dashboard.scenario import Scenario

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
    assert sorted(p.name for p in out.iterdir()) == ["roofline", "scenario.json", "summary.md"]
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
    assert tree(tmp_path / "b") == files


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
