"""The Deployments page through the real app.py: ep, tp and afd side by side for the sidebar's
models and chips; the chosen points meet the target, agree with each other and with `python -m
costmodel decode`; every input moves the numbers and lives in the URL and the scenario; the
public deployments sit on the frontier where their sources put them; a deployment that cannot
run is said to be left out; bad input names its field."""
from __future__ import annotations

from costmodel import escape
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from app_harness import TABS, open_app, open_tab, shown
from dashboard.widgets import deploy_inputs, sidebar

ROOT = Path(__file__).resolve().parents[2]
KEY, LABELS = TABS["deployments"]
BATCH, TPOT, FRONTIER, TIMELINE, POINTS = LABELS
PANELS = {"x": "ep", "x2": "tp", "x3": "afd"}  # the panels' x axes, left to right


def open_page(query: dict | None = None, tab: str | None = None):
    at = open_app("deployments", query)
    assert not at.exception, [e.message for e in at.exception]
    return open_tab(at, KEY, tab) if tab else at


def figure(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def lines(fig) -> dict:
    """{(deployment, 'model · chip'): trace} of the throughput lines."""
    return {(PANELS[t.get("xaxis", "x")], t["name"]): t for t in fig["data"]
            if t["mode"] == "lines" and t.get("fill") is None and " · " in t["name"]}


def points(at):
    at = open_tab(at, KEY, POINTS)
    return next(d.value for d in at.dataframe if "tokens_per_gpu_s" in d.value.columns)


def test_three_deployments_side_by_side_for_every_model_and_chip():
    at = open_page()
    assert not at.error, [e.value for e in at.error]
    fig = figure(at)
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles[:3] == ["<b>ep: expert parallel</b>", "<b>tp: tensor parallel</b>",
                          "<b>afd: attention-FFN disaggregation</b>"]
    assert "(tokens/s)" in fig["layout"]["yaxis"]["title"]["text"] and fig["layout"]["xaxis"]["type"] == "log"
    drawn = lines(fig)
    models, chips = ("Step-3", "DeepSeek-V3", "Qwen3-235B-A22B"), ("H800", "H20", "A800", "910B")
    assert set(drawn) == {(d, f"{m} · {c}") for d in ("ep", "tp", "afd") for m in models for c in chips}
    for trace in drawn.values():  # more requests per GPU: more tokens per GPU (never fewer)
        assert trace["x"] == sorted(trace["x"]) and trace["x"][0] == 1
    # the 910B's kernel efficiencies are assumed: its lines carry a band, the others none
    bands = [t for t in fig["data"] if t.get("fill") == "toself"]  # one per panel, a polygon per model
    assert [t["name"] for t in bands] == ["910B: assumed kernels, low to high"] * 3
    assert all(t["x"].count(None) == 3 for t in bands)
    assert any("kernel efficiencies assumed (no measurements) for 910B" in shown(c) for c in at.caption)
    walls = [t for t in fig["data"] if t["name"].startswith("KV fills the memory")]
    assert len(walls) == 3, "each panel marks where its lines' KV fills the memory"


def test_chosen_points_meet_the_target_and_agree_with_each_other():
    table = points(open_page())
    assert len(table) == 36 and set(table["deployment"]) == {"ep", "tp", "afd"}
    assert (table["tpot_ms"] <= 50.0 + 1e-9).all() and table["fits_memory"].all()
    assert list(table["tokens_per_gpu_s"]) == pytest.approx(list(table["batch_per_gpu"] * table["mtp_accept"]
                                                                 / (table["step_ms"] / 1e3)), rel=1e-9)
    assert list(table["tokens_per_user_s"]) == pytest.approx(list(1e3 / table["tpot_ms"]), rel=1e-9)
    assert (table["compute_ms"] + table["comm_ms"] >= table["step_ms"] - 1e-9).all(), "overlap never adds time"
    hourly = table["usd_per_mtok"] * table["tokens_per_gpu_s"] * 3600 / 1e6  # each chip's price per hour
    assert all(hourly[table["chip"] == chip].nunique() == 1 or hourly[table["chip"] == chip].std() < 1e-9
               for chip in set(table["chip"]))
    assert hourly[table["chip"] == "h800"].iloc[0] == pytest.approx(2.0), "the H800 at $2.00/h (the paper's)"
    assert (table[table["chip"] == "910b"]["tokens_per_gpu_s_low"] <= table[table["chip"] == "910b"]
            ["tokens_per_gpu_s_high"]).all()
    assert table[table["chip"] != "910b"]["tokens_per_gpu_s_low"].isna().all(), "measured kernels: no range"


def test_chosen_points_are_the_decode_commands_rows():
    """The page's table holds what `python -m costmodel decode --tpot-ms 50 --format json` prints
    for the same setups (the public interface), field for field."""
    table = points(open_page({"dep_gpus": "16", "dep_context": "4096"}))
    ep = table[(table["deployment"] == "ep") & (table["model"] == "step-3") & (table["chip"] == "h800")]
    cli = json.loads(subprocess.run(
        [sys.executable, "-m", "costmodel", "decode", "--model", "step-3", "--chip", "h800", "--deployment", "ep",
         "--gpus", "16", "--context", "4096", "--tpot-ms", "50", "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout)[0]
    row = ep.iloc[0].to_dict()
    for field, value in cli.items():
        assert row[field] == (pytest.approx(value) if isinstance(value, float) else value), field


def test_a_chip_slider_moves_only_that_chips_lines():
    at = open_page()
    before = lines(figure(at))
    at.slider(key="h800_hbm_tbps").set_value(6.7).run()  # twice the H800's bandwidth
    assert not at.exception and not at.error
    after = lines(figure(at))
    h800 = [k for k in before if k[1].endswith("H800")]
    assert all((k[0], k[1] + "*") in after for k in h800), "the modified chip is marked"
    assert all(max(after[(k[0], k[1] + "*")]["y"]) > max(before[k]["y"]) for k in h800), "faster HBM, more tokens"
    assert all(after[k]["y"] == before[k]["y"] for k in before if not k[1].endswith("H800"))


@pytest.mark.parametrize("key, value, column, expected", [
    ("dep_batch_per_gpu", 16, "batch_per_gpu", 16),
    ("dep_overlap", 1.0, "overlap", 1.0),
    ("dep_redundant_experts", 32, "redundant_experts", None),
    ("dep_gpus", 64, "gpus", 64),
    ("dep_context", 32768, "context", 32768),
])
def test_each_input_moves_the_chosen_points(key, value, column, expected):
    at = open_page()
    before = points(at)
    at.number_input(key=key).set_value(value).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    after = points(at)
    if expected is not None:
        assert (after[column] == expected).all(), column
    ep = lambda t: t[t["deployment"] == "ep"].set_index(["model", "chip"])["tokens_per_gpu_s"]  # noqa: E731
    assert not ep(after).equals(ep(before)), f"{key} moves the ep figures"
    assert getattr(at.session_state[sidebar.DEPLOY_KEY], key[len(deploy_inputs.PREFIX):]) == value, "in the scenario"


def test_mtp_emits_accepted_tokens_and_more_accepted_than_decoded_is_refused():
    at = open_page()
    at.number_input(key="dep_mtp_tokens").set_value(2).run()
    at.number_input(key="dep_mtp_accept").set_value(1.8).run()
    assert not at.error
    table = points(at)
    assert (table["mtp_tokens"] == 2).all() and (table["mtp_accept"] == 1.8).all()
    assert list(table["tpot_ms"]) == pytest.approx(list(table["step_ms"] / 1.8), rel=1e-9), "a step emits 1.8 tokens"
    at.number_input(key="dep_mtp_accept").set_value(2.5).run()
    errors = [shown(e) for e in at.error]
    assert len(errors) == 1 and "deploy.mtp_accept" in errors[0] and "cannot exceed" in errors[0], errors


def test_efficiency_factors_apply_only_with_efficiency_timing():
    at = open_page()
    assert at.number_input(key="dep_hbm_efficiency").disabled, "kernels timing: the kernel sets time every kernel"
    assert not at.number_input(key="dep_network_efficiency").disabled, "the network factor always applies"
    before = points(at)
    at.radio(key="dep_timing").set_value("efficiency").run()
    assert not at.number_input(key="dep_hbm_efficiency").disabled
    at.number_input(key="dep_hbm_efficiency").set_value(0.4).run()
    assert not at.error
    after = points(at)
    assert (after["kernel_set"].str.contains("efficiency", case=False)).all()
    assert after["tokens_per_gpu_s"].sum() < before["tokens_per_gpu_s"].sum(), "40% of HBM: fewer tokens"
    linked = open_page({"dep_hbm_efficiency": "0.5"})  # under kernels timing: told, not silently ignored
    assert any("dep_hbm_efficiency = '0.5': HBM efficiency applies only with timing 'efficiency'" in shown(w)
               and "using 0.63" in shown(w) for w in linked.warning), [shown(w) for w in linked.warning]


def test_the_timeline_shows_the_chosen_deployments_parts_and_step():
    at = open_page({"dep_deployment": "TP"}, TIMELINE)
    fig = figure(at)
    names = [t["name"] for t in fig["data"]]
    assert "all-reduce (communication)" in names and "attention (compute)" in names
    assert "ms" in fig["layout"]["xaxis"]["title"]["text"]
    step = next(t for t in fig["data"] if t["name"].startswith("step as run"))
    table = points(at)
    tp = table[table["deployment"] == "tp"]
    assert sorted(step["x"]) == pytest.approx(sorted(tp["step_ms"]))
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    total = [sum(b["x"][i] for b in bars) for i in range(len(step["x"]))]
    assert total == pytest.approx(list(tp["compute_ms"] + tp["comm_ms"]))


def test_public_deployments_on_the_frontier_where_their_sources_put_them():
    rows = [r for r in tomllib.loads((ROOT / "data" / "measurements.toml").read_text())["row"]
            if r.get("deployment") == "ep" and r.get("phase") != "prefill"]  # decode rows: output tokens/GPU/s
    fig = figure(open_page(tab=FRONTIER))
    public = next(t for t in fig["data"] if t["name"].startswith("public ep deployments"))
    assert public.get("xaxis", "x") == "x", "on the ep panel"
    assert sorted(public["y"]) == sorted(r["value"] for r in rows)
    by_value = dict(zip(public["y"], zip(public["x"], public["customdata"])))
    for r in rows:
        per_user, data = by_value[r["value"]]
        hover = " ".join(map(str, data))
        if "tpot_ms" in r:  # DeepSeek's blog: 20-22 tokens/s per user, the middle
            assert per_user == pytest.approx(21, abs=0.05) and "published" in hover
        elif "batch_per_gpu" in r:
            assert per_user == pytest.approx(r["value"] / r["batch_per_gpu"])
        else:
            assert "not published" in hover and "TPOT for this setup" in hover
        assert escape.plotly(r["source"])[:40] in hover


def test_a_deployment_that_cannot_run_is_left_out_and_said_so():
    at = open_page({"dep_gpus": "8"})
    assert not at.error
    fig = figure(at)
    assert not [k for k in lines(fig) if k[0] == "afd"]
    assert any("afd needs whole instances of 8 GPUs" in a["text"].replace("<br>", " ") for a in fig["layout"]["annotations"])
    assert any("Left out of afd" in shown(c) and "afd needs whole instances" in shown(c) for c in at.caption)
    assert any("the weights leave no room" in shown(c) for c in at.caption), "DeepSeek-V3 on 8 80 GB GPUs"


@pytest.mark.parametrize("query, text", [
    ({"dep_gpus": "0"}, "dep_gpus = '0': GPUs must be between 1 and 4,096"),
    ({"dep_deployment": "PP"}, "dep_deployment = 'PP': choose one of EP, TP, AFD"),
    ({"dep_overlap": "2"}, "dep_overlap = '2': Overlap must be between 0 and 1"),
    ({"dep_tab": "Nope"}, "dep_tab = 'Nope': choose one of Throughput vs requests per GPU"),
])
def test_a_bad_link_value_is_named(query, text):
    at = open_page(query)
    assert not at.error and any(text in shown(w) for w in at.warning), [shown(w) for w in at.warning]


def test_inputs_restore_from_the_url_and_load_from_a_scenario():
    at = open_page({"dep_deployment": "AFD", "dep_gpus": "48", "dep_tpot_ms": "30", "dep_kv_dtype": "FP8"})
    assert at.radio(key="dep_deployment").value == "afd" and at.number_input(key="dep_gpus").value == 48
    inputs = at.session_state[sidebar.DEPLOY_KEY]
    assert (inputs.deployment, inputs.gpus, inputs.tpot_ms, inputs.kv_dtype) == ("afd", 48, 30.0, "fp8")
    table = points(at)
    assert (table["gpus"] == 48).all() and (table["tpot_ms"] <= 30 + 1e-9).all() and (table["kv_dtype"] == "fp8").all()
    other = open_app("overview")  # a loaded scenario's inputs reach the page's widgets
    from dashboard.state.scenario import DeployInputs, Scenario

    scenario = Scenario(deploy=DeployInputs(gpus=24, node_gpus=4, overlap=0.5))
    other.session_state[deploy_inputs.LOAD_KEY] = scenario.deploy
    other.switch_page("views/deployments.py").run()
    assert other.number_input(key="dep_gpus").value == 24 and other.number_input(key="dep_overlap").value == 0.5


def test_every_declared_input_has_a_widget():
    """A new DecodeSetup field is one declaration: the page must place it (ROWS or FOLDED)."""
    placed = {k for row in deploy_inputs.ROWS for k in row} | set(deploy_inputs.FOLDED)
    assert placed == set(deploy_inputs.SPECS)
