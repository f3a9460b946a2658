"""The AFD sizing page through the real app.py: renders, starts at the search's optimum, shows
the paper's 2A2F deployment's numbers, the ratio control moves the charts, an infeasible choice
is explained (not a traceback), URL query params seed the inputs, bad input names its field."""
from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from app_harness import shown, APP, TIMEOUT, footnote, metric, open_chart_downloads, open_download_menu, open_tab

PAGE = "views/afd.py"
PAPER_2A2F = {"afd_context": "4096", "afd_attention_instances": "2", "afd_ffn_instances": "2", "afd_micro_batch": "2048"}  # paper Table 8, FP8, 4K


def open_afd(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def afd_tab(at, label: str) -> AppTest:
    """Open one of the page's lower tabs (drawn only while open), as a click would."""
    return open_tab(at, "afd_tab", label)


def status(at) -> str:
    """The line under the A:F control: the layout, whether it meets the target, and why."""
    return (at.success or at.warning)[-1].value if (at.success or at.warning) else ""


def layout(at) -> str:
    """The chosen plan's xAyF, from the status line."""
    return re.search(r"\*\*(\d+A\d+F)", status(at)).group(1)


def optimum(at) -> str:
    """The 'Use optimum' button's label: the search's best layout, micro-batch and tokens/GPU/s."""
    return at.button(key="afd_reset").label


def test_renders_four_charts_in_the_shared_template():
    at = open_afd()
    assert not at.error, [e.value for e in at.error]
    figs = figures(at)
    assert len(figs) == 1, "the open tab's: the stage balance"
    figs.append(figures(afd_tab(at, "Pipeline of one decode step"))[0])
    figs.append(figures(afd_tab(at, "Best ratio vs context"))[0])
    figs.append(figures(afd_tab(at, "Three models, one SLA"))[0])
    for fig in figs:
        layout = fig["layout"]
        assert layout["template"]["layout"]["font"]["family"].startswith("Inter")
        titles = [v["title"]["text"] for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
        assert titles and all("(" in t or t in ("Model", "Pipeline stage") for t in titles), titles
        for trace in fig["data"]:
            assert "hovertemplate" in trace, trace.get("name")
    balance, gantt, context, models = figs
    assert "µs" in balance["layout"]["xaxis"]["title"]["text"] and "µs" in gantt["layout"]["xaxis"]["title"]["text"]
    assert [t["name"] for t in models["data"][1:]] == ["attention GPUs", "FFN GPUs"]
    assert models["data"][0]["x"] == ["Step-3", "DeepSeek-V3", "Qwen3-235B-A22B"]


def optimum_parts(at) -> tuple[int, int, int, int]:
    """(x, y, micro-batch, tokens/GPU/s) of the 'optimum' button's label."""
    m = re.search(r"optimum: (\d+)A(\d+)F, micro-batch ([\d,]+) \(([\d,]+) tokens/GPU/s\)", optimum(at))
    return tuple(int(g.replace(",", "")) for g in m.groups())


def plan_figures(at) -> dict:
    """The chosen plan as the page shows it: layout, GPUs, micro-batch and total batch (status
    line), TPOT (ms) and tokens/GPU/s (key figures)."""
    m = re.search(r"\*\*(\d+)A(\d+)F.*?\((\d+) GPUs, micro-batch ([\d,]+), total batch ([\d,]+)", status(at))
    x, y, gpus, mb, total = (int(g.replace(",", "")) for g in m.groups())
    return {"x": x, "y": y, "gpus": gpus, "micro_batch": mb, "total": total, "tpot": float(metric(at, "TPOT").value),
            "tokens": float(metric(at, "Tokens/GPU/s").value.replace(",", ""))}


def test_default_is_the_search_optimum_at_4k():
    """The page opens at the search's optimum (not written to the URL): a feasible plan whose
    figures agree with each other, and no neighbour of it (one attention or FFN instance more
    or fewer, at its micro-batch) nor the paper's 2A2F at micro-batch 2048 does better."""
    at = open_afd({"afd_context": "4096"})
    assert optimum(at).startswith("At the optimum: ") and at.button(key="afd_reset").disabled
    x, y, mb, tokens = optimum_parts(at)
    assert (at.slider(key="afd_attention_instances").value, at.slider(key="afd_ffn_instances").value,
            at.number_input(key="afd_micro_batch").value) == (x, y, mb)
    shown = plan_figures(at)
    assert (shown["x"], shown["y"], shown["micro_batch"]) == (x, y, mb) and layout(at) == f"{x}A{y}F"
    assert at.success and "meets the 50 ms target" in at.success[0].value and shown["tpot"] <= 50.0
    assert shown["gpus"] == 8 * (x + y) and shown["total"] == 3 * mb, "8-GPU instances, 3 micro-batches"
    assert shown["tokens"] == pytest.approx(tokens, abs=0.5)
    assert shown["tokens"] == pytest.approx(shown["total"] / (shown["tpot"] / 1e3) / shown["gpus"], rel=2e-3)
    assert "afd_attention_instances" not in at.query_params, "the optimum is not written to the URL"
    others = [(x + dx, y + dy, mb) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)) if x + dx >= 1 and y + dy >= 1]
    for ox, oy, omb in others + [(2, 2, 2048)]:
        other = open_afd({"afd_context": "4096", "afd_attention_instances": str(ox), "afd_ffn_instances": str(oy),
                          "afd_micro_batch": str(omb)})
        if other.success:  # feasible: no better than the optimum
            assert plan_figures(other)["tokens"] <= tokens + 0.5, (ox, oy, omb)


def test_paper_2a2f_deployment_numbers():
    """Paper Table 8: 2A2F, FP8 attention, 4K, micro-batch 2048: 3,910 (average) to 4,039 (peak)."""
    at = open_afd(PAPER_2A2F)
    assert not at.error
    assert layout(at) == "2A2F" and "(32 GPUs, micro-batch 2,048, total batch 6,144 (3 in flight))" in status(at)
    tpot = float(metric(at, "TPOT").value)
    tokens = float(metric(at, "Tokens/GPU/s").value.replace(",", ""))
    assert 3910 * 0.9 <= tokens <= 4039 * 1.1, "Table 8: 3,910 average to 4,039 peak"
    assert tokens == pytest.approx(6144 / (tpot / 1e3) / 32, rel=2e-3), "total batch / TPOT / GPUs"
    usd = float(metric(at, "USD per 1M").value)
    assert usd == pytest.approx(32 * 2.00 / 3600 / tokens / 32 * 1e6, rel=2e-3), "32 H800 at $2/h over the tokens"
    assert "Per-layer budget 273.2 µs" in footnote(at), "50 ms / (3 slots x 61 layers)"
    assert float(metric(at, "FFN GPU memory").value) == pytest.approx(19.1, abs=0.05), "Step-3's experts over 16 GPUs"
    balance = figures(at)[0]
    budget = balance["layout"]["shapes"][0]["x0"]
    assert budget == pytest.approx(273.2, abs=0.1)
    attention = sum(t["x"][0] for t in balance["data"] if t["y"] == ["Attention"])
    assert attention == pytest.approx(tpot * 1e3 / 3 / 61, abs=0.05e3 / 3 / 61), \
        "the slowest stage sets the TPOT (shown to 0.1 ms)"
    assert all(sum(t["x"][0] for t in balance["data"] if t["y"] == [row]) <= attention
               for row in ("Network (A→F + F→A)", "FFN")), "attention is the slowest stage"
    assert {t["name"] for t in balance["data"] if t["y"] == ["Attention"]} >= {
        "Attention: KV reads + core math", "Attention: projections (weights + GEMMs)",
        "Attention: fixed per-layer overhead (launches, AFD side)"}


def test_ratio_control_changes_figures_and_url():
    at = open_afd({"afd_context": "4096"})
    x, y, _, _ = optimum_parts(at)
    balance = figures(at)[0]
    gantt = figures(afd_tab(at, "Pipeline of one decode step"))[0]
    before = plan_figures(at)
    at.slider(key="afd_attention_instances").set_value(x + 1).run()
    assert not at.exception and not at.error
    assert json.dumps(figures(at)[0], sort_keys=True) != json.dumps(gantt, sort_keys=True)
    assert json.dumps(figures(afd_tab(at, "Stage balance"))[0], sort_keys=True) != json.dumps(balance, sort_keys=True)
    assert layout(at) == f"{x + 1}A{y}F" and plan_figures(at)["gpus"] == before["gpus"] + 8
    assert at.query_params["afd_attention_instances"] in (str(x + 1), [str(x + 1)])
    at.button(key="afd_reset").click().run()
    assert at.slider(key="afd_attention_instances").value == x and "afd_attention_instances" not in at.query_params


def test_infeasible_choice_explains_binding_constraint_and_nearest():
    at = open_afd({**PAPER_2A2F, "afd_attention_instances": "1"})
    assert not at.exception and not at.error
    assert not at.success
    text = at.warning[0].value
    assert "1A2F with micro-batch 2,048 misses the target" in text
    took = re.search(r"attention time: (\d+) us per layer exceeds the 273 us budget by (\d+) us", text)
    assert took and int(took.group(1)) - 273 == pytest.approx(int(took.group(2)), abs=1)
    assert "Nearest feasible" in text
    fewer = re.search(r"the same 1A2F with micro-batch (\d+) \((\d+) tokens/GPU/s\)", text)
    other = re.search(r"(\d+)A(\d+)F at micro-batch 2048 \((\d+) tokens/GPU/s\)", text)
    assert fewer and other, text
    for query, tokens in (({"afd_micro_batch": fewer.group(1)}, fewer.group(2)),
                          ({"afd_attention_instances": other.group(1), "afd_ffn_instances": other.group(2)},
                           other.group(3))):  # each alternative named meets the target, with the figures named
        alternative = open_afd({**PAPER_2A2F, "afd_attention_instances": "1", **query})
        assert alternative.success and "meets the 50 ms target" in alternative.success[0].value, query
        assert plan_figures(alternative)["tokens"] == pytest.approx(int(tokens), abs=1)
    assert figures(at), "the charts still draw the infeasible plan"
    balance = figures(at)[0]
    assert any("#B91C1C" == a["font"]["color"] and "Attention" == a.get("y") for a in balance["layout"]["annotations"])


def test_url_params_seed_inputs():
    at = open_afd({"afd_model": "DeepSeek-V3", "afd_attention_chip": "H20", "afd_ffn_chip": "H800", "afd_context": "8192",
                   "afd_tpot_ms": "40", "afd_stages": "4", "afd_attention_dtype": "BF16", "afd_objective": "min USD per 1M tokens",
                   "afd_ffn_instances": "3"})
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="afd_model").value == "deepseek-v3"
    assert at.selectbox(key="afd_attention_chip").value == "h20" and at.selectbox(key="afd_ffn_chip").value == "h800"
    assert at.number_input(key="afd_context").value == 8192 and at.number_input(key="afd_tpot_ms").value == 40.0
    assert at.radio(key="afd_stages").value == 4 and at.radio(key="afd_attention_dtype").value == "bf16"
    assert at.slider(key="afd_ffn_instances").value == 3 and at.radio(key="afd_objective").value == "usd_per_mtok"
    assert layout(at).endswith("3F")
    balance, gantt = figures(at)[0], figures(afd_tab(at, "Pipeline of one decode step"))[0]
    assert {t["y"][0] for t in balance["data"]} == {"Attention", "A→F network", "FFN", "F→A network"}
    assert gantt["data"], "the pipeline of the loaded plan is drawn"
    assert "H20 (attention) + H800 (FFN)" in footnote(at)
    assert "40 ms" in figures(afd_tab(at, "Three models, one SLA"))[0]["layout"]["title"]["text"]


def test_sidebar_chip_slider_reaches_the_page_and_is_marked():
    at = open_afd({"afd_context": "4096", "h800_hbm_tbps": "2.0"})
    assert not at.error
    assert "Chips: H800*;" in footnote(at) and "H800*" in " ".join(c.value for c in at.sidebar.caption)
    assert "H800*" in figures(afd_tab(at, "Three models, one SLA"))[0]["layout"]["title"]["text"]
    assert optimum(at) != optimum(open_afd({"afd_context": "4096"})), "the optimum moves with the chip"


def test_nothing_feasible_says_so_and_still_draws_the_choice():
    """A 1 ms TPOT target: no ratio meets it; the page says so, explains the chosen plan and
    offers a reset of the ratio (no optimum to go to)."""
    at = open_afd({"afd_tpot_ms": "1", "afd_attention_instances": "3"})
    assert not at.exception and not at.error
    assert any("No ratio up to" in w.value and "meets the target" in w.value for w in at.warning)
    assert "misses the target" in status(at)
    assert at.button(key="afd_reset").label == "Reset the ratio"
    assert float(metric(at, "TPOT").value) > 1.0 and figures(at)
    at.button(key="afd_reset").click().run()
    assert not at.exception and "afd_attention_instances" not in at.query_params


@pytest.mark.parametrize("query, text", [
    ({"afd_attention_instances": "abc"}, "afd_attention_instances = 'abc': not a number"),
    ({"afd_micro_batch": "0"}, "afd_micro_batch = '0': Micro-batch must be between 1 and 65,536"),
    ({"afd_tpot_ms": "nan"}, "afd_tpot_ms = 'nan': TPOT target must be between 1 and 10,000; using 50.0"),
    ({"afd_stages": "3.7"}, "afd_stages = '3.7': choose one of 3, 4; using 3"),
    ({"afd_attention_chip": "H9000"}, "afd_attention_chip = 'H9000': choose one of H800, H20"),
    ({"afd_tab": "Nope"}, "afd_tab = 'Nope': choose one of Stage balance"),
])
def test_bad_url_value_names_the_parameter_and_the_value_used(query, text):
    at = open_afd(query)
    assert not at.error and any(text in shown(w) for w in at.warning), [shown(w) for w in at.warning]


def test_ratio_follows_the_optimum_until_moved():
    at = open_afd({"afd_context": "4096"})
    at_4k = optimum_parts(at)[:3]
    at.number_input(key="afd_context").set_value(8192).run()
    at_8k = optimum_parts(at)[:3]
    assert at_8k != at_4k, "a longer context moves the optimum"
    assert optimum(at).startswith("At the optimum"), "untouched: the ratio follows the optimum"
    assert (at.slider(key="afd_attention_instances").value, at.slider(key="afd_ffn_instances").value) == at_8k[:2]
    assert layout(at) == f"{at_8k[0]}A{at_8k[1]}F"
    moved = at_8k[0] + 2
    at.slider(key="afd_attention_instances").set_value(moved).run()
    at.number_input(key="afd_context").set_value(16384).run()
    assert at.slider(key="afd_attention_instances").value == moved, "moved by the user: stays"
    assert optimum(at).startswith("Use optimum: ") and optimum_parts(at)[:3] != at_8k


def session_scenario(at):
    from dashboard.widgets import sidebar

    return at.session_state[sidebar.AFD_KEY]


def test_inputs_seed_the_scenario():
    """The page's widgets build Scenario.afd: URL-set inputs and a moved ratio, None where the
    ratio stays at the optimum; the page then reads everything from that Scenario."""
    at = open_afd({"afd_model": "DeepSeek-V3", "afd_attention_chip": "H20", "afd_context": "8192", "afd_tpot_ms": "40",
                   "afd_attention_net_gbps": "40", "afd_attention_instances": "3"})
    assert not at.error, [e.value for e in at.error]
    inputs = session_scenario(at)
    assert (inputs.model, inputs.attention_chip, inputs.ffn_chip, inputs.context) == ("deepseek-v3", "h20", "h800", 8192)
    assert inputs.tpot_ms == 40.0 and inputs.attention_net_gbps == 40.0 and inputs.ffn_net_gbps is None
    assert not inputs.chip_pairs
    assert inputs.attention_instances == 3 and inputs.ffn_instances is None and inputs.micro_batch is None
    assert layout(at).startswith("3A")
    at.button(key="afd_reset").click().run()
    assert session_scenario(at).attention_instances is None


def test_chip_pair_toggle_shows_the_pair_table():
    at = open_afd({"afd_context": "8192"})
    assert not [d for d in at.dataframe if "FFN chip" in d.value.columns], "off by default"
    at.toggle(key="afd_chip_pairs").set_value(True).run()
    assert not at.exception and not at.error
    assert session_scenario(at).chip_pairs
    afd_tab(at, "Mixed chip pools")
    table = next(d.value for d in at.dataframe if "FFN chip" in d.value.columns)
    assert list(table.columns) == ["attention chip", "FFN chip", "layout", "GPUs", "micro-batch", "TPOT (ms)",
                                   "tokens/GPU/s at the SLA", "USD per 1M tokens at the SLA", "binding constraint"]
    assert len(table) > 100, "most of the library's 16 x 16 pairs have a feasible plan"
    mixed = table[(table["attention chip"] == "H20") & (table["FFN chip"] == "H800")]
    assert len(mixed) == 1 and mixed["layout"].iloc[0].endswith("F") and mixed["TPOT (ms)"].iloc[0] <= 50
    assert table["tokens/GPU/s at the SLA"].is_monotonic_decreasing, "best first"
    ids = " ".join(el.proto.id for el in at.get("download_button"))
    assert "dl_afd_table_chip-pairs" in ids
    linked = open_afd({"afd_context": "8192", "afd_chip_pairs": "true"})  # a copied URL reopens it
    assert linked.toggle(key="afd_chip_pairs").value and session_scenario(linked).chip_pairs


def test_export_controls_render():
    from dashboard.export import report

    charts = ("balance", "pipeline", "ratio-vs-context", "models")
    at = open_download_menu(open_chart_downloads(open_afd({"afd_context": "4096"}), "afd", charts))
    ids = " ".join(el.proto.id for el in at.get("download_button"))
    for tab in ("Pipeline of one decode step", "Best ratio vs context", "Three models, one SLA", "The plan as a table"):
        ids += " ".join(el.proto.id for el in afd_tab(at, tab).get("download_button"))
    for name in charts:
        for fmt in report.FORMATS:
            assert f"dl_afd_{name}_{fmt}" in ids, (name, fmt)
    assert "dl_afd_table_plan" in ids and "dl_scenario" in ids, "the sidebar's exports are drawn after the page"
    assert at.button(key="build_bundle_afd").label == "Build this page's ZIP"


def test_unknown_tab_in_the_url_falls_back_to_the_first():
    at = open_afd({"afd_context": "4096", "afd_tab": "Mixed chip pools"})  # the chip-pair toggle is off
    assert not at.error, [e.value for e in at.error]
    assert "Per-layer balance" in figures(at)[0]["layout"]["title"]["text"]


def test_every_declared_afd_input_has_a_widget():
    """A new AFDSetup field is one declaration: the page must place it (ROWS or FOLDED)."""
    from dashboard.widgets import afd_inputs
    from dashboard.state.scenario import AFD_SPECS

    placed = {k for row in afd_inputs.ROWS for cell in row for k in (cell if isinstance(cell, tuple) else (cell,))}
    assert set(AFD_SPECS) <= placed | set(afd_inputs.FOLDED)
    at = open_afd({"afd_layout": "DP"})
    assert at.radio(key="afd_layout").value == "dp" and session_scenario(at).layout == "dp"


def test_number_inputs_show_whole_numbers_whole():
    """Issue 22: the AFD page's context showed '32768.00' tokens (Streamlit's default float
    format). Every number input of the pages takes the dashboard's format: 32768 shows as 32768."""
    from dashboard.content.labels import NUMBER_FORMAT

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["afd_context"] = "32768"
    at.run()
    seen = {}
    for page, tab in (("views/afd.py", None), ("views/co-design.py", None), ("views/library.py", "Chips"),
                      ("views/library.py", "Models")):
        at.switch_page(page).run()
        if tab:
            open_tab(at, "lib_tab", tab)
        seen.update({n.key: n.proto.format for n in at.number_input})
    assert seen["afd_context"] == NUMBER_FORMAT and NUMBER_FORMAT % 32768.0 == "32768"
    assert not [key for key, fmt in seen.items() if fmt == "%0.2f"], seen


def test_the_sidebar_says_which_context_the_afd_page_uses():
    """Issue 22: the sidebar said 8,192 while the AFD page sized at its own 32K, unsaid."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("views/afd.py").run()
    note = "AFD sizing uses its own context"
    assert not [c for c in at.sidebar.caption if note in c.value]
    at.number_input(key="afd_context").set_value(32768).run()
    assert any(f"{note}, 32,768 tokens (set on its page); the other pages use 8,192" in c.value for c in at.sidebar.caption)
    assert "the other pages use" in at.number_input(key="afd_context").help
    at.switch_page("views/overview.py").run()
    assert any(note in c.value for c in at.sidebar.caption), "said on every page"


def test_mtp_and_overlap_inputs_move_the_plan():
    """More tokens accepted per step buy time per layer (TPOT x accepted / (slots x layers per
    step)); less pipeline overlap makes the stages add up (slower at the same choice)."""
    base = open_afd({**PAPER_2A2F})
    budget = float(re.search(r"Per-layer budget ([\d.]+) µs", footnote(base)).group(1))
    mtp = open_afd({**PAPER_2A2F, "afd_mtp_tokens": "2", "afd_mtp_accept": "1.8"})
    assert not mtp.error, [e.value for e in mtp.error]
    assert float(re.search(r"Per-layer budget ([\d.]+) µs", footnote(mtp)).group(1)) == pytest.approx(
        50e3 * 1.8 / (3 * 62), abs=0.05), "50 ms x 1.8 accepted / (3 slots x (61 + 1 MTP) layers)"
    assert "the MTP layer 1x" in footnote(mtp) and budget == pytest.approx(50e3 / (3 * 61), abs=0.05)
    slower = open_afd({**PAPER_2A2F, "afd_overlap": "0"})
    assert float(metric(slower, "TPOT").value) > float(metric(base, "TPOT").value)
    assert session_scenario(slower).overlap == 0.0 and session_scenario(mtp).mtp_accept == 1.8
    refused = open_afd({**PAPER_2A2F, "afd_mtp_tokens": "2", "afd_mtp_accept": "2.5"})
    errors = [shown(e) for e in refused.error]
    assert len(errors) == 1 and "afd.mtp_accept" in errors[0], errors


def test_efficiency_factors_are_disabled_unless_efficiency_timing():
    at = open_afd({"afd_context": "4096"})
    for key in ("afd_hbm_efficiency", "afd_lowbit_kv_efficiency", "afd_flops_efficiency"):
        assert at.number_input(key=key).disabled, key
    assert not at.number_input(key="afd_network_efficiency").disabled
    assert any("apply only with timing 'efficiency'" in c.value for c in at.caption)
    linked = open_afd({"afd_context": "4096", "afd_flops_efficiency": "0.5"})  # a link setting one: told
    assert any("afd_flops_efficiency = '0.5': FLOP/s efficiency applies only with timing 'efficiency'" in shown(w)
               for w in linked.warning), [shown(w) for w in linked.warning]
    assert session_scenario(linked).flops_efficiency == 0.7
    timed = open_afd({"afd_context": "4096", "afd_attention_timing": "EFFICIENCY", "afd_flops_efficiency": "0.5"})
    assert not timed.number_input(key="afd_flops_efficiency").disabled and not timed.warning
    assert session_scenario(timed).flops_efficiency == 0.5


def test_assumed_kernels_give_every_timed_figure_a_range_and_a_note():
    """The 910B has no measured kernels: TPOT, tokens/GPU/s, cost and max context show the
    range between the assumed efficiencies' ends, the value inside it, and the page says why."""
    at = open_afd({"afd_context": "4096", "afd_attention_chip": "910B"})
    assert not at.error
    for label in ("TPOT", "Tokens/GPU/s", "USD per 1M tokens", "Max context per attention GPU"):
        figure_ = metric(at, label)
        low, high = (float(v.replace(",", "")) for v in
                     re.search(r"assumed kernels: ([\d.,]+)–([\d.,]+)", figure_.delta).groups())
        value = float(figure_.value.replace(",", ""))
        assert low < high and low * 0.999 <= value <= high * 1.001, (label, figure_)
    assert "assumed kernels" not in metric(at, "Attention GPU memory").delta, "memory does not rest on kernels"
    assert any("Assumed: attention chip 910b: kernel efficiencies assumed" in shown(c) for c in at.caption)
    plan = next(d.value for d in afd_tab(at, "The plan as a table").dataframe if "plan" in d.value.columns)
    assert plan["TPOT at low kernel efficiency (ms)"].iloc[0] > plan["TPOT at high kernel efficiency (ms)"].iloc[0]
    measured = open_afd({"afd_context": "4096"})
    assert "assumed kernels" not in metric(measured, "TPOT").delta, "H800: measured kernels, no range"
