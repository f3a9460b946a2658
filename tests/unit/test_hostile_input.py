"""Hostile input at every edge: the command lines, the data files, scenario files. Any input
gives a result or exit 2 with one message naming the field: never a traceback, never NaN or
Infinity in the output (strict JSON)."""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from costmodel import library
from costmodel.__main__ import main as costmodel_main
from costmodel.hf_config import load_config
from costmodel.errors import InputError
from dashboard.export import report
from dashboard.state.scenario import Scenario, parse_scenario, read_scenario

ROOT = Path(__file__).resolve().parents[2]


def run_inproc(argv) -> tuple[int, str, str]:
    """The command line in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = costmodel_main(argv)
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def assert_clean(code, out, err, fmt="json"):
    """Exit 0/1 with strict output, or 2 with one line naming what is wrong."""
    assert "Traceback" not in err and "Traceback" not in out
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    elif code == 0 and fmt == "json":
        json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))
    for bad in ("NaN", "Infinity", "nan", "inf"):
        assert f" {bad}" not in out and f"{bad}," not in out, out[:500]


# --- the examples the issue names ------------------------------------------------------------------
@pytest.mark.parametrize("args, field", [
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "1e308"], "context"),
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "0.5"], "context"),
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "1000.5"], "context"),
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "8k", "--kv-bits", "nan"], "kv-bits"),
    *[(["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", f"--{opt}", value], opt)
      for opt in ("stages", "micro-batches", "attention-instances", "micro-batch", "gpus-per-instance")
      for value in ("nan", "inf", "-inf", "1e400")],
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--stages", "3.7"], "stages"),
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--micro-batches", "2.5"],
     "micro-batches"),
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--micro-batch", "1e12"],
     "micro-batch"),
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--chip-pairs", "--top", "x"], "--top"),
    (["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--tpot-ms", "1e-300"], "tpot-ms"),
    (["cost", "--model", "step-3", "--chip", "h800", "--context", "8k", "--weight-dtype", "fp3"], "weight"),
])
def test_named_examples_exit_2_with_one_message(args, field):
    code, out, err = run_inproc(args)
    assert code == 2 and field in err, (code, err)
    assert_clean(code, out, err)


def test_json_is_strict_for_every_library_model_and_chip():
    code, out, err = run_inproc(["cost", "--model", "minimax-m1", "llama-4-maverick", "--chip", "h800", "910c", "l4",
                                 "--context", "1", "16m", "--format", "json"])
    assert code == 0, err
    assert_clean(code, out, err)
    assert all(math.isfinite(r["total_usd_per_mtok"]) for r in json.loads(out))


# --- fuzz: the command lines -------------------------------------------------------------------------
TOKENS = st.sampled_from(["8k", "0", "-1", "nan", "inf", "1e309", "3.7", "2", "4096", "", "x", "1" * 40, "h800",
                          "step-3", "fp8", "json", "--format", "--context", "1e-300", "16m", "17m", "0x10"])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=4))
def test_fuzz_cost_arguments(extra):
    code, out, err = run_inproc(["cost", "--model", "step-3", "--chip", "h800", "--context", *extra[:1], *extra[1:],
                                 "--format", "json"])
    assert_clean(code, out, err)


AFD_OPTIONS = ["--stages", "--micro-batches", "--micro-batch", "--attention-instances", "--ffn-instances",
               "--tpot-ms", "--attention-gpus", "--hbm-efficiency", "--kv-bits", "--net-gbs", "--attention-dtype",
               "--ffn-parallel", "--memory-fraction"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(AFD_OPTIONS), TOKENS), max_size=3))
def test_fuzz_afd_arguments(options):
    argv = ["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k", "--format", "json"]
    for option, value in options:
        argv += [option, value]
    code, out, err = run_inproc(argv)
    assert_clean(code, out, err)


# --- data files ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("edit, field", [
    (("[table7.measured_network]", "[table7.measured]"), "table7.measured_network"),
    (('"2.56e8"', '"x"'), "table2.rows.step-3.kv_bytes"),
    (("context = 8192", 'context = "8k"'), "table2.context"),
    (('chips = ["h800", "h20", "a800", "910b"]', 'chips = ["h800", "h999"]'), "table6.chips"),
    (('"step-3" = ["2.56e8"', '"step-3" = [2.56e8'), "table2.rows.step-3"),
    (("hidden = 7168", "hidden = 99999999999999999999999"), "table7.hidden"),
])
def test_malformed_paper_tables_one_message_exit_2(tmp_path, edit, field):
    for name in ("chips.toml", "models.toml", "paper_tables.toml"):
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    path = tmp_path / "paper_tables.toml"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    code, out, err = run_inproc(["--data", str(tmp_path), "paper"])
    assert code == 2 and field in err, err
    assert_clean(code, out, err, fmt="table")


@pytest.mark.parametrize("name, content, field", [
    ("chips.toml", b"\xff\xfe", "UTF-8"),
    ("models.toml", b"x = " + b"[" * 100_000, "models.toml"),
    ("chips.toml", (ROOT / "data" / "chips.toml").read_bytes().replace(b"price_usd_per_hour = 2.00",
                                                                        b"price_usd_per_hour = 1e300", 1), "price"),
    ("chips.toml", (ROOT / "data" / "chips.toml").read_bytes().replace(b"mem_bw_bytes_per_s = 3.35e12",
                                                                        b"mem_bw_bytes_per_s = 1e-300", 1), "mem_bw"),
    ("models.toml", (ROOT / "data" / "models.toml").read_bytes().replace(b"hidden = 7168", b"hidden = 1" + b"0" * 30,
                                                                          1), "hidden"),
])
def test_malformed_data_files_every_subcommand(tmp_path, name, content, field):
    for file in ("chips.toml", "models.toml", "paper_tables.toml"):
        shutil.copy(ROOT / "data" / file, tmp_path / file)
    (tmp_path / name).write_bytes(content)
    listing = ["chips"] if name == "chips.toml" else ["models"]  # the listing that reads the broken file
    for argv in (["paper"], listing, ["cost", "--model", "step-3", "--chip", "h800", "--context", "8k"],
                 ["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "8k"]):
        code, out, err = run_inproc(["--data", str(tmp_path), *argv])
        assert code == 2 and name in err and field in err, (argv, err)
        assert_clean(code, out, err, fmt="table")


def test_data_dir_that_is_a_file_or_missing(tmp_path):
    for where in (tmp_path / "nope", ROOT / "README.md"):
        code, out, err = run_inproc(["--data", str(where), "chips"])
        assert code == 2 and "chips.toml" in err
        assert_clean(code, out, err)


def test_report_honours_data(tmp_path):
    for file in ("chips.toml", "models.toml", "paper_tables.toml"):
        shutil.copy(ROOT / "data" / file, tmp_path / file)
    chips = tmp_path / "chips.toml"
    chips.write_text(chips.read_text().replace("price_usd_per_hour = 2.00", "price_usd_per_hour = 3.00", 1))
    result = subprocess.run([sys.executable, "-m", "dashboard", "--data", str(tmp_path), "report", "--scenario",
                             str(ROOT / "examples" / "scenario.json"), "--out", str(tmp_path / "o"), "--pages",
                             "overview", "--formats", "csv"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "chip h800: the file's price_usd_per_hour differ" in result.stderr, "the file's H800 (2.00) is used"


# --- fuzz: scenario files -------------------------------------------------------------------------------
JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=8),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                       max_leaves=12)
FIELDS = ["models", "chips", "chip_overrides", "context", "sweep_min", "sweep_max", "sweep_axis", "batch", "kv_dtype",
          "weight_dtype", "afd", "codesign", "deploy", "custom_chips", "custom_models", "schema_version"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=4))
def test_fuzz_scenario_dicts(changes):
    data = {**Scenario().to_dict(), **changes}
    try:
        scenario = Scenario.from_dict(data)
    except InputError:
        return
    json.dumps(scenario.to_dict(), allow_nan=False)
    assert Scenario.from_dict(scenario.to_dict()) == scenario


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200) | st.sampled_from(["[" * 50_000, '{"scenario": NaN}', '{"scenario": {"context": 1e999}}']))
def test_fuzz_scenario_text(text):
    try:
        parse_scenario(text)
    except InputError:
        pass


def test_scenario_file_that_is_a_folder_or_binary(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        read_scenario(tmp_path)
    (tmp_path / "s.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(InputError, match="UTF-8"):
        read_scenario(tmp_path / "s.json")


# --- names per output (issue 22, findings 10 and 11) ---------------------------------------------------
# The hostile names (tests/hostile_names.py) through every output: the escaping rules one by one, then
# the report bundle (report.html, summary.md, every CSV, every chart's Plotly text), the command line's
# tables and CSV. No markup, link, formula or escape sequence survives; the name stays readable.
from html.parser import HTMLParser  # noqa: E402

from hostile_names import (HOSTILE_NAMES, assert_csv_safe, assert_html_safe, assert_markdown_safe,  # noqa: E402
                           assert_plotly_safe, assert_terminal_safe, hostile_chips, hostile_models, strings)

from costmodel import escape  # noqa: E402
from dashboard import pages  # noqa: E402
from dashboard.user_library import store  # noqa: E402
from dashboard.state.scenario import AFDInputs, CodesignInputs  # noqa: E402

NAMES = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc", "Cf")), max_size=40)


def _text_of(page: str) -> str:
    """The text an HTML fragment shows (entities decoded), refusing any element in it."""
    parts = []

    class Text(HTMLParser):
        def handle_starttag(self, tag, attrs):
            raise AssertionError(f"an element <{tag}>")

        def handle_data(self, data):
            parts.append(data)

    Text(convert_charrefs=True).feed(page)
    return "".join(parts)


def _shown(name: str, line_break: str = " ") -> str:
    """A name as every output shows it: control characters written out, line breaks as ``line_break``."""
    visible = escape._visible(name, "\t\n\r")
    return visible.replace("\r\n", line_break).replace("\r", line_break).replace("\n", line_break)


def _check_rules(name: str) -> None:
    visible = escape._visible(name, "\t\n\r")
    shown = escape.html(name)
    assert "\n" not in shown and "\r" not in shown, "no raw line break: a blank line would end an HTML block"
    assert _text_of(shown) == visible, "HTML shows the name"
    assert_markdown_safe(escape.markdown(name), "markdown")
    plot = escape.plotly(name)
    assert not set("<>%") & set(plot) and "\n" not in plot, plot
    assert escape.plotly_plain(plot) == _shown(name), "Plotly shows the name, and plotly_plain reads it back"
    cell = escape.csv_cell(name)
    assert not cell.startswith(escape.FORMULA_START) and cell in (visible, "'" + visible), cell
    assert_terminal_safe(escape.terminal(name), "terminal")
    assert "\n" not in escape.terminal(name)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_each_escaping_rule_keeps_a_hostile_name_as_text(name):
    _check_rules(name)
    assert escape.csv_cell(1.5) == 1.5 and escape.csv_cell(-2) == -2 and escape.csv_cell(None) is None, "numbers stay"
    assert escape.terminal("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07"
    assert escape.plotly("<b>x</b> 5%") == "&lt;b&gt;x&lt;/b&gt; 5&#37;"


@given(NAMES)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_escaping_rules(name):
    _check_rules(name)


@pytest.fixture(scope="module")
def hostile_scenario():
    """Every hostile name as a custom model, all selected; the AFD page and the co-design explorer
    on one of them; a custom chip named like each."""
    models = hostile_models(library.model("qwen3-32b"))
    chips = hostile_chips(library.chip("h20"))
    return Scenario(models=tuple(m.slug for m in models), chips=("h800", chips[0].slug), custom_models=models,
                    custom_chips=chips, afd=AFDInputs(model=models[5].slug),
                    codesign=CodesignInputs(base=models[0].slug))


@pytest.fixture(scope="module")
def hostile_bundle(hostile_scenario):
    contents = [pages.build(page, hostile_scenario) for page in [p.slug for p in pages.REPORTED]]
    return contents, report.bundle_files(contents, hostile_scenario, ("html", "csv"))


def test_hostile_names_in_every_chart_are_plotly_text(hostile_bundle, hostile_scenario):
    """Finding 10: legend names, point labels, tick labels, hover and titles show a name as text."""
    contents, _ = hostile_bundle
    shown = set()
    for content in contents:
        for name, spec in content.charts.items():
            assert_plotly_safe(spec, f"{content.page}/{name}")
            assert_plotly_safe(report.decorate(spec, hostile_scenario, content.page), f"{content.page}/{name} export")
            shown.update(strings(spec))
            page = report.html_bytes(spec, hostile_scenario, content.page, name).decode()
            assert_html_safe(page.split("<body>")[0] + "</head>", f"{content.page}/{name}.html head")
    text = "\n".join(shown)
    for name in HOSTILE_NAMES:
        assert escape.plotly(name) in text, f"{name!r} is shown"


def test_hostile_names_in_report_html(hostile_bundle):
    """Finding 10 (report.html, and report.pdf printed from it): no element, link or script from a name."""
    _, files = hostile_bundle
    page = files["report.html"].decode()
    assert_html_safe(page, "report.html", scripts=2)
    head, figures_json = page.split("const FIGURES=")
    for name in HOSTILE_NAMES:
        assert escape.html(name) in head, f"{name!r} shown in the page's text"
    assert_plotly_safe(json.loads(figures_json.split(";Promise.all")[0].replace("<\\/", "</")), "report.html charts")


def test_hostile_names_in_summary_md(hostile_bundle):
    """Finding 11: summary.md carries no HTML, no link, and a name's line breaks never break its lists."""
    _, files = hostile_bundle
    summary = files["summary.md"].decode()
    assert_markdown_safe(summary, "summary.md")
    lines = summary.splitlines()
    assert all(not line or line.startswith(("# ", "## ", "- ", "Generated by")) for line in lines), \
        [line for line in lines if line and not line.startswith(("# ", "## ", "- ", "Generated by"))][:3]
    for name in HOSTILE_NAMES:
        assert escape.markdown(name) in summary


def test_hostile_names_in_every_csv(hostile_bundle):
    """Finding 11: no CSV cell of the bundle starts a formula; numbers stay numbers and read back."""
    _, files = hostile_bundle
    cells = []
    for path, data in files.items():
        if path.endswith(".csv"):
            cells += [cell for row in assert_csv_safe(data, path) for cell in row]
    for name in HOSTILE_NAMES:
        assert escape.csv_cell(name) in cells, f"{name!r} readable in a CSV"


@pytest.mark.skipif(not report.images_available(), reason="Debian's chromium is not installed")
def test_hostile_names_in_exported_svg_and_pdf(hostile_bundle, hostile_scenario):
    """Finding 10 in exported images: an SVG with no link or bold from a name (and well-formed XML:
    no control character); the report's PDF with no link to where a name points."""
    import xml.etree.ElementTree as ET

    contents, files = hostile_bundle
    spec = contents[0].charts["fig2-single-chip-vs-afd"]
    svg = report.chart_file(spec, "svg", hostile_scenario, "overview").decode()
    root = ET.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.endswith("}a")], "no link element"
    for element in root.iter():
        if "bold" in (element.text or ""):
            assert "bold" not in (element.get("style") or ""), "a name drawn bold"
    pdf = report.ImageExporter.shared().print_pdf(files["report.html"])
    assert b"evil.example" not in pdf, "no link annotation to a name's URL"


def _cli(tmp_path, *args) -> str:
    chips = hostile_chips(library.chip("h20"))
    models = hostile_models(library.model("qwen3-32b"))
    (tmp_path / "chips.toml").write_bytes(b"".join(store.chip_toml(c) for c in chips))
    (tmp_path / "models.toml").write_bytes(b"".join(store.model_toml(m) for m in models))
    code, out, err = run_inproc([*args, "--chip-file", str(tmp_path / "chips.toml"),
                                 "--model-file", str(tmp_path / "models.toml")])
    assert code == 0, err
    return out


@pytest.mark.parametrize("command", ["chips", "models"])
def test_hostile_names_in_the_command_line(tmp_path, command):
    """Finding 11: `chips` and `models` print no escape sequence (tables) and no formula (CSV); JSON
    keeps every name exactly."""
    table = _cli(tmp_path, command)
    assert_terminal_safe(table, f"{command} table")
    assert len(table.splitlines()) == len(json.loads(_cli(tmp_path, command, "--format", "json"))) + 2, "a row a line"
    rows = assert_csv_safe(_cli(tmp_path, command, "--format", "csv"), f"{command} csv")
    names = [row[1] for row in rows[1:]]
    for name in HOSTILE_NAMES:
        assert escape.csv_cell(name) in names
    shown = {r["name"] for r in json.loads(_cli(tmp_path, command, "--format", "json"))}
    assert set(HOSTILE_NAMES) <= shown, "JSON carries names exactly"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_argument_is_never_printed_raw(name):
    """An unrecognized argument is named in the one-line error, its escape sequences written out."""
    code, out, err = run_inproc(["chips", name])
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert_terminal_safe(err, "usage error")


def test_hostile_names_from_a_scenario_file_through_the_headless_report(tmp_path, hostile_scenario):
    """A scenario file carrying the hostile names (custom models and chips): `python -m dashboard
    report` prints nothing raw, and its summary and CSVs are safe."""
    from dashboard.__main__ import main as dashboard_main

    scenario = tmp_path / "hostile.json"
    scenario.write_bytes(report.scenario_json(hostile_scenario))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = dashboard_main(["report", "--scenario", str(scenario), "--out", str(tmp_path / "out"),
                               "--pages", "overview", "--formats", "csv"])
    assert code == 0, err.getvalue()
    assert_terminal_safe(out.getvalue() + err.getvalue(), "report's output")
    assert_markdown_safe((tmp_path / "out" / "summary.md").read_text(), "summary.md")
    for path in (tmp_path / "out").rglob("*.csv"):
        assert_csv_safe(path.read_bytes(), path.name)


# --- FIFOs and special files: refused with a message naming the path, never waited on ---------------
def run_cli(module: str, *args, env=None) -> subprocess.CompletedProcess:
    """A command line in its own process, bounded in time: a read that blocks fails the test."""
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("make", ["fifo", "/dev/zero", "/dev/null"])
@pytest.mark.parametrize("module, args", [
    ("costmodel", ["models", "--model-file", "{path}"]),
    ("costmodel", ["chips", "--chip-file", "{path}"]),
    ("dashboard", ["report", "--scenario", "{path}", "--out", "{out}", "--formats", "csv", "--pages", "overview"]),
])
def test_fifos_and_devices_are_refused_not_waited_on(tmp_path, make, module, args):
    if make == "fifo":
        path = tmp_path / "pipe.toml"
        os.mkfifo(path)
    else:
        path = Path(make)
    result = run_cli(module, *(a.format(path=path, out=tmp_path / "out") for a in args))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert str(path) in result.stderr and "not a regular file" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_special_files_in_the_loaders(tmp_path):
    """The loaders' one rule: a FIFO, a device, a socket or a folder is named and refused."""
    import socket

    os.mkfifo(tmp_path / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    for path, words in ((tmp_path / "fifo", "a FIFO"), (Path("/dev/zero"), "character device"),
                        (tmp_path / "sock", "socket"), (tmp_path, "is a folder")):
        for load in (library.load_chip_file, library.load_model_file, load_config, read_scenario):
            with pytest.raises(InputError) as err:
                load(path)
            assert str(path) in err.value.message and words in err.value.message, (load, err.value)
    sock.close()


# --- issue 22 #9, #12: command-line tracebacks and wrong output ----------------------------------------
@pytest.mark.parametrize("target", ["{tmp}", "/", "{tmp}/missing/kernels.toml"])
def test_write_kernels_where_it_cannot_is_one_message_and_leaves_nothing(tmp_path, target, fit_once):
    """(``fit_once``: the shipped data fitted once, these tests are about the file's writing.)"""
    target = target.format(tmp=tmp_path)
    before = sorted(os.listdir(tmp_path)), sorted(os.listdir("/"))
    code, out, err = run_inproc(["validate", "--format", "csv", "--write-kernels", target])
    assert code == 2 and err.startswith("error: --write-kernels: cannot write") and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert (sorted(os.listdir(tmp_path)), sorted(os.listdir("/"))) == before, "no <target>.tmp left"


def test_write_kernels_writes_whole(tmp_path, fit_once):
    code, out, err = run_inproc(["validate", "--format", "csv", "--write-kernels", str(tmp_path / "k.toml")])
    assert code in (0, 1) and (tmp_path / "k.toml").read_text().strip() and os.listdir(tmp_path) == ["k.toml"]


@pytest.mark.parametrize("top", ["-1", "0"])
def test_chip_pairs_top_below_one_is_refused(top):
    """--top -1 printed every row but the last, --top 0 said 'no chip pair meets the target'."""
    code, out, err = run_inproc(["afd", "--model", "step-3", "--attention-chip", "h800", "--context", "4k",
                                 "--chip-pairs", "--top", top])
    assert code == 2 and "--top" in err and "from 1" in err and not out, err
    assert_clean(code, out, err)


def deep_model(tmp_path, groups: int, layers: int) -> Path:
    import tomli_w

    entry = library.model_entry(library.model("step-3"))
    entry.update(slug="deep", attention=[dict(entry["attention"][0], layers=layers)] * groups,
                 ffn=[dict(entry["ffn"][0], layers=layers)] * groups)
    path = tmp_path / "deep.toml"
    path.write_text(tomli_w.dumps({"model": [entry]}))
    return path


def test_a_model_of_16m_layers_is_refused_and_the_deepest_reports_sanely(tmp_path):
    """16M layers gave 'exceeds the 0 us budget by ... (3048036385215166976%)': a model has at
    most 65,536 layers in all, and a budget under a microsecond is said in ns."""
    code, out, err = run_inproc(["afd", "--model", "deep", "--attention-chip", "h800", "--context", "8k",
                                 "--model-file", str(deep_model(tmp_path, 256, 65536))])
    assert code == 2 and "16,777,216 layers in all" in err, err
    code, out, err = run_inproc(["afd", "--model", "deep", "--attention-chip", "h800", "--context", "8k",
                                 "--model-file", str(deep_model(tmp_path, 1, 65536))])
    assert code == 1 and "254 ns budget" in err and "times the budget" in err and " 0 us" not in err, err


def test_an_override_of_a_format_the_chip_lacks_is_refused():
    """H800 has no FP4: a file's change of its FP4 peak was taken silently (no slider can make one)."""
    with pytest.raises(InputError) as err:
        Scenario.from_dict({**Scenario().to_dict(), "chip_overrides": {"h800": {"fp4_flops": 1e15}}})
    assert err.value.field == "chip_overrides: h800.fp4_flops" and "H800 has no Peak FP4" in err.value.message


# --- links that carry custom chips and models: size and hostile values ------------------------------
def test_link_records_round_trip_within_the_size_limit():
    from dashboard.state import link_records

    chip = library.parse_chip({**library.chip_entry(library.chip("h20")), "slug": "h20-cheap",
                               "price_usd_per_hour": 0.4}, "x")
    model = library.parse_model({**library.model_entry(library.model("step-3")), "slug": "step-3-wide"}, "x")
    text = link_records.encode([chip], [model])
    assert link_records.decode(text) == ((chip,), (model,))
    assert len(text) <= link_records.MAX_CHARS and set(text) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), "URL-safe, no padding"
    assert link_records.encode([], []) == ""
    many = [library.parse_chip({**library.chip_entry(chip), "slug": f"c{i}"}, "x") for i in range(40)]
    assert len(link_records.encode(many, [])) > link_records.MAX_CHARS, "the limit is reached by ~12 chips"
    with pytest.raises(InputError, match="longer than 8,000 characters"):
        link_records.decode(link_records.encode(many, []))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: __import__("base64").urlsafe_b64encode(b).decode())
       | JSONISH.map(lambda d: __import__("base64").urlsafe_b64encode(json.dumps(d).encode()).decode())
       | st.sampled_from(["eyJjaGlwcyI6" + "W" * 7000, "W3s=", "bnVsbA", "eyJjaGlwcyI6W3t9XX0"]))
def test_fuzz_link_records(text):
    """Any text in the link's parameter: records, or one InputError naming the parameter."""
    from dashboard.state import link_records

    try:
        chips, models = link_records.decode(text)
    except InputError as err:
        assert err.field.startswith(link_records.FIELD)
        return
    assert all(c.slug for c in chips) and all(m.slug for m in models)
