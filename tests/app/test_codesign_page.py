"""The co-design explorer through the real app.py: renders, shows where each chip's sweet spot
lies and where the paper's three designs fall (128, 512 and 32 FLOPs per KV byte, doubled by
4-bit KV and again by two tokens per step), the heatmap cell at a library model's own design is
the cost model's number exactly, inputs move the numbers and live in the URL, bad links are
named, every tab draws, sensitivities follow the cost model, exports, and a design becomes a
custom model selectable everywhere."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_harness import open_app, open_tab, shown
from hostile_names import assert_markdown_safe
from costmodel import cost_grid, library
from dashboard import pages
from dashboard.content import codesign, labels
from dashboard.widgets import downloads, sidebar
from dashboard.export import report
from dashboard.user_library import store
from dashboard.state.codesign_inputs import KEYS, LOAD_KEY, CodesignInputs
from dashboard.state.scenario import Scenario

PAGE = "views/co-design.py"
TAB = pages.BY_SLUG["co-design"].tabs.key
GOLDEN = {"Step-3": 128, "DeepSeek-V3": 512, "Qwen3-235B": 32}  # paper §5.1, 8-bit KV


def open_codesign(query: dict | None = None) -> AppTest:
    at = open_app("co-design", query)
    assert not at.exception, [e.message for e in at.exception]
    return at


CHARTS = ("sweet-spots", "cost", "intensity", "kv-context", "sensitivity", "iso-cost", "chips-ranked")


def charts(at) -> dict:
    """The page's figures by chart name (their widget keys are 'cod_' + the name)."""
    out = {}
    for chart in at.get("plotly_chart"):
        name = next((n for n in CHARTS if chart.proto.id.endswith(f"cod_{n}")), chart.proto.id)
        out[name] = json.loads(chart.proto.spec)
    return out


def ladder(at) -> dict:
    """{design: intensity} as the sweet-spot chart labels them."""
    spec = charts(at)["sweet-spots"]
    out = {}
    for note in spec["layout"]["annotations"]:
        name, value = note["text"].replace("<b>", "").split("</b> ")
        out[name] = float(value)
    return out


def test_renders_the_design_space_tab_in_the_shared_template():
    at = open_codesign()
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [e.value for e in at.warning]  # no unknown URL parameter, no bad value
    figs = charts(at)
    assert list(figs) == ["sweet-spots", "cost"], "the open tab's charts only"
    for fig in figs.values():
        layout = fig["layout"]
        assert layout["template"]["layout"]["font"]["family"].startswith("Inter")
        titled = [v["title"]["text"] for k, v in layout.items() if k.startswith(("xaxis", "yaxis")) and v["title"]["text"]]
        assert titled and all("(" in t or t == "Chip" for t in titled), titled
        for trace in fig["data"]:
            if trace.get("x") and any(v is not None for v in trace["x"]):
                assert "hovertemplate" in trace or trace.get("hoverinfo") == "skip", trace.get("name")
    cost = figs["cost"]
    assert [t["type"] for t in cost["data"]].count("heatmap") == 4, "one heatmap per chip panel"
    assert len(cost["data"]) <= 2 + 2 * 4, "few traces: a heatmap and a marker trace per panel, two legend entries"
    shapes = cost["layout"]["shapes"]
    frames = [s for s in shapes if s["type"] == "rect" and "fillcolor" not in s]  # one per chip panel
    bands = [s for s in shapes if s["type"] == "rect" and "fillcolor" in s]
    ridges = [s for s in shapes if s["type"] == "line"]
    assert len(frames) == len(bands) == len(ridges) == 4
    left = -0.5  # the panels share one axis pair: each is offset; its first cell (1 q/KV) spans log2 -0.5 to 0.5
    for frame, line, band, chip in zip(frames, ridges, bands, ("h800", "h20", "a800", "910b")):
        shift = frame["x0"] - left
        ridge = library.chip(chip).ridge_point("fp8")  # MFA, 8-bit KV, 1 token: intensity = 2 x (q per KV)
        assert line["x0"] - shift == pytest.approx(math.log2(ridge / 2), abs=1e-12)
        assert band["x1"] == line["x0"] and band["x0"] - shift == pytest.approx(math.log2(ridge / 4), abs=1e-12)
        assert (band["y0"], band["y1"]) == (frame["y0"], frame["y1"]) == (line["y0"], line["y1"])


def test_where_the_paper_designs_fall_and_the_what_ifs():
    at = open_codesign()
    assert ladder(at) == GOLDEN
    at.radio(key="cod_kv").set_value(4).run()
    assert ladder(at) == {k: 2 * v for k, v in GOLDEN.items()}, "4-bit KV doubles each"
    at.slider(key="cod_mtp").set_value(2).run()
    assert ladder(at) == {k: 4 * v for k, v in GOLDEN.items()}, "two tokens per step double it again"
    assert not at.error and not at.exception


def test_sweet_spots_and_ridges_per_chip():
    at = open_codesign()
    spec = charts(at)["sweet-spots"]
    band, ridge = spec["data"][0], spec["data"][1]
    assert [round(r) for r in ridge["x"]] == [591, 74, 156, 175] and ridge["y"] == ["H800  ", "H20  ", "A800  ",
                                                                                      "910B  "]
    assert [round(v) for v in band["x"] if v is not None] == [296, 591, 37, 74, 78, 156, 88, 175]
    at = open_tables(at)
    table = at.dataframe[0].value
    row = table.set_index("reference").loc["Step-3"]
    assert row["in the sweet spot of"] == "A800, 910B" and row["compute-bound on"] == "H20"
    assert table.set_index("reference").loc["DeepSeek-V3"]["in the sweet spot of"] == "H800"


def open_tables(at):
    at.session_state[downloads.folded_table_key(codesign.PAGE, "designs-vs-ridges")] = True
    return at.run()


@pytest.mark.parametrize("query, slug, cell", [
    ({}, "step-3", {"q_per_kv": 64, "n_kv": 1}),
    ({"cod_base": "Qwen3-235B-A22B"}, "qwen3-235b-a22b", {"q_per_kv": 16, "n_kv": 4}),
    ({"cod_base": "DeepSeek-V3"}, "deepseek-v3", {"kv_lora_rank": 512, "n_heads": 128}),
])
def test_heatmap_cell_at_a_library_design_is_the_cost_models_number(query, slug, cell):
    """The page's plane at the base's own design (8-bit KV, one token per step) holds exactly
    cost_grid's USD per 1M tokens for that model on every chip, and the chart shows it."""
    at = open_codesign(query)
    scenario = Scenario()
    view = codesign.view(scenario, CodesignInputs(base=slug))
    plane = view.plane
    i, j = plane.x.index(cell[plane.x_name]), plane.y.index(cell[plane.y_name])
    ref = cost_grid([library.model(slug)], scenario.chip_specs(), scenario.context)
    assert np.array_equal(plane.total[j, i], ref.total_usd_per_mtok[0, :, 0])
    assert np.array_equal(plane.attention[j, i], ref.attention_usd_per_mtok[0, :, 0])
    heatmaps = [t for t in charts(at)["cost"]["data"] if t["type"] == "heatmap"]
    for k, trace in enumerate(heatmaps):
        shown_total = trace["customdata"][j][i][0]
        assert shown_total == pytest.approx(float(ref.total_usd_per_mtok[0, k, 0]), rel=1e-4)
        if k == 0:  # the first panel sits at the axes' origin (the others are offset)
            assert trace["x"][i] == math.log2(cell[plane.x_name]) and trace["y"][j] == math.log2(cell[plane.y_name])
    exact = [m for m in plane.markers if m["exact"]]
    assert any(m["x"] == cell[plane.x_name] and m["y"] == cell[plane.y_name] for m in exact)


def test_family_dimension_and_chip_slider_move_the_charts():
    at = open_codesign()
    before = charts(at)
    at.radio(key="cod_family").set_value("mla").run()
    mla = charts(at)
    assert mla["cost"]["layout"]["xaxis"]["title"]["text"] == "KV latent rank (elements)"
    assert mla["cost"]["layout"]["yaxis"]["title"]["text"] == "Query heads (count)"
    assert at.selectbox(key="cod_rope").value == 64
    at.radio(key="cod_family").set_value("gqa").run()
    at.selectbox(key="cod_hd").set_value(128).run()
    gqa = charts(at)
    assert "GQA with head dim 128" in gqa["cost"]["layout"]["title"]["text"]
    assert json.dumps(gqa["cost"]) != json.dumps(before["cost"])
    at.run()
    at.slider(key="h800_hbm_tbps").set_value(6.7).run()
    moved = charts(at)
    assert "H800*" in json.dumps(moved["sweet-spots"]) and "H800*" in json.dumps(moved["cost"])
    assert moved["sweet-spots"]["data"][1]["x"][0] == pytest.approx(1979.9 / 6.7, rel=1e-3), "H800's ridge halves"
    assert not at.error and not at.exception


def test_a_new_base_model_starts_at_its_own_family_and_dimension():
    at = open_codesign({"cod_family": "GQA", "cod_hd": "128"})
    assert at.radio(key="cod_family").value == "gqa" and at.selectbox(key="cod_hd").value == 128
    at.selectbox(key="cod_base").set_value("deepseek-v3").run()
    assert at.radio(key="cod_family").value == "mla" and at.selectbox(key="cod_rope").value == 64
    assert "DeepSeek-V3 body, MLA" in charts(at)["cost"]["layout"]["title"]["text"]


def test_inputs_live_in_the_url():
    at = open_codesign({"cod_kv": "4", "cod_mtp": "2", "cod_family": "GQA", "cod_hd": "128", "cod_chip": "A800",
                        "cod_price": "1.5", "cod_tab": "What a model wants: FLOP/s and bandwidth"})
    assert not at.warning, [w.value for w in at.warning]
    assert at.radio(key="cod_kv").value == 4 and at.slider(key="cod_mtp").value == 2
    assert at.selectbox(key="cod_chip").value == "a800" and at.number_input(key="cod_price").value == 1.5
    iso = charts(at)["iso-cost"]
    assert "$1.5 per GPU-hour" in iso["layout"]["title"]["text"]


def test_the_scenario_carries_the_inputs_to_exports_and_back():
    """The page's inputs go into its Scenario (what scenario.json and the report hold); a
    scenario's inputs, loaded, show in the widgets and the URL; the report draws them."""
    at = open_codesign({"cod_kv": "4", "cod_mtp": "2", "cod_chip": "A800"})
    kept = at.session_state[sidebar.CODESIGN_KEY]
    assert (kept.base, kept.kv_bits, kept.tokens_per_step, kept.chip) == ("step-3", 4, 2, "a800")
    loaded = CodesignInputs(base="deepseek-v3", family="gqa", dim=256, kv_bits=16, chip="h20", price_usd_per_hour=2.5)
    at.session_state[LOAD_KEY] = loaded
    at.run()
    assert at.selectbox(key="cod_base").value == "deepseek-v3" and at.radio(key="cod_family").value == "gqa"
    assert at.selectbox(key="cod_hd").value == 256 and at.radio(key="cod_kv").value == 16
    assert at.slider(key="cod_mtp").value == 1 and at.selectbox(key="cod_chip").value == "h20"
    assert at.number_input(key="cod_price").value == 2.5 and not at.warning
    assert at.session_state[sidebar.CODESIGN_KEY] == loaded
    assert at.query_params["cod_kv"] == "16" and "cod_mtp" not in at.query_params
    lines = pages.build("co-design", Scenario(codesign=CodesignInputs(kv_bits=4, tokens_per_step=2))).headlines
    step3 = next(line for line in lines if line.startswith("Step-3"))
    assert "128 FLOPs per KV byte with 8-bit KV, 512 with 4-bit KV and 2 tokens per step" in step3  # paper §5.1 x2 x2


@pytest.mark.parametrize("key, value", [("cod_mtp", "9"), ("cod_mtp", "1e309"), ("cod_kv", "5"),
                                        ("cod_family", "<b>MQA</b>"), ("cod_base", "Nope [x](http://e.vil)"),
                                        ("cod_hd", "77"), ("cod_price", "-2"), ("cod_chip", "H801"),
                                        ("cod_tab", "Nothing"), ("cod_rope", "garbage"), ("cod_rope", "7")])
def test_a_bad_link_value_is_named_and_dropped(key, value):
    """cod_rope on the default (MFA) plane, which has no RoPE dim, was dropped silently (issue 22 #12)."""
    at = open_codesign({key: value})
    assert not at.error, [e.value for e in at.error]
    warning = shown(at.warning[0])
    assert key in warning and "cannot use" in warning
    assert_markdown_safe(at.warning[0].value, "the warning")
    assert charts(at), "the page still draws"


TABS = dict(zip(("design", "size", "chip", "sensitivity", "iso", "ranked"), pages.BY_SLUG["co-design"].tabs.labels))


@pytest.mark.parametrize("tab, chart_names, tables", [
    ("size", ["intensity", "kv-context"], 0), ("chip", [], 1), ("sensitivity", ["sensitivity"], 1), ("iso", ["iso-cost"], 0),
    ("ranked", ["chips-ranked"], 2)])
def test_every_tab_draws(tab, chart_names, tables):
    at = open_tab(open_codesign(), TAB, TABS[tab])
    assert not at.error and not at.exception, [e.value for e in at.error]
    assert list(charts(at)) == chart_names
    assert len(at.dataframe) == tables


def test_what_a_chip_wants_lists_designs_in_its_sweet_spot_cheapest_first():
    at = open_tab(open_codesign({"cod_chip": "A800"}), TAB, TABS["chip"])
    shown_table = at.dataframe[0].value
    ridge = library.chip("a800").ridge_point("fp8")
    assert len(shown_table) > 10
    assert (shown_table["intensity (FLOPs/byte)"] >= ridge / 2).all() and (shown_table["intensity (FLOPs/byte)"] <= ridge).all()
    assert (shown_table["KV bits"] == 8).all() and (shown_table["tokens per step"] == 1).all()
    assert shown_table["total USD per 1M tokens"].is_monotonic_increasing
    assert "KV per context token (kB)" in shown_table
    at.toggle(key="cod_all").set_value(True).run()
    assert set(at.dataframe[0].value["KV bits"]) == {16, 8, 4}


def sensitivity_rows(scenario=None, chip="h800", base="step-3") -> list[dict]:
    view = codesign.view(scenario or Scenario(), CodesignInputs(base=base, chip=chip))
    return view.content.tables["sensitivity"].to_dict("records")


def pick(rows, spec, change, part) -> dict:
    return next(r for r in rows if r["chip spec"] == spec and r["change (%)"] == change and r["part"] == part)


@pytest.mark.parametrize("base", ["step-3", "qwen3-235b-a22b"])
def test_sensitivities_follow_the_cost_model(base):
    """+10% HBM bandwidth on a memory-bound attention lowers its KV term by 1 - 1/1.1, at
    unchanged price; price scales every cost and no rate; capacity and network move only AFD."""
    rows = sensitivity_rows(base=base)
    h800 = library.chip("h800")
    grid = cost_grid([library.model(base)], [h800], 8192)
    token = grid.tokens[0]
    assert bool(grid.attention_memory_bound[0, 0, 0])
    kv_term = float(token.kv_bytes[0]) * h800.price_usd_per_hour / 3600 / h800.mem_bw_bytes_per_s * 1e6
    row = pick(rows, "HBM bandwidth", 10, "attention")
    assert row["USD per 1M tokens"] - row["USD per 1M tokens (changed)"] == pytest.approx(kv_term * (1 - 1 / 1.1),
                                                                                          rel=1e-9)
    assert row["tokens/GPU/s (changed)"] > row["tokens/GPU/s"]
    for part in ("attention", "FFN"):
        price = pick(rows, "Price", 10, part)
        assert price["cost change (%)"] == pytest.approx(10.0) and price["tokens/GPU/s change (%)"] == 0
        for spec in ("HBM capacity", "Scale-out network per GPU"):
            assert pick(rows, spec, -50, part)["cost change (%)"] == 0
    assert pick(rows, "HBM bandwidth", 50, "FFN")["cost change (%)"] == 0, "the cost model's FFN is compute-bound"
    assert pick(rows, "Peak FP8", 10, "FFN")["cost change (%)"] == pytest.approx(100 * (1 / 1.1 - 1))
    assert {r["chip spec"] for r in rows} == {"Peak FP8", "HBM bandwidth", "HBM capacity", "Scale-out network per GPU",
                                             "Scale-up link per GPU", "Price"}
    afd = pick(rows, "Price", 50, "AFD")
    assert afd["cost change (%)"] == pytest.approx(50.0) and afd["tokens/GPU/s change (%)"] == pytest.approx(0.0)


def test_sensitivity_uses_the_compute_format_of_a_chip_without_fp8():
    rows = sensitivity_rows(chip="a800")
    assert "Peak BF16" in {r["chip spec"] for r in rows} and "Peak FP8" not in {r["chip spec"] for r in rows}


def test_exports_design_grid_and_sensitivity_as_csv():
    scenario = Scenario()
    content = pages.build("co-design", scenario)
    assert content.page == "co-design" and pages.BY_SLUG["co-design"].content == "codesign"
    grid = content.tables["design-grid"]
    assert len(grid) >= 100 and {"design", "KV bits", "tokens per step", "H800 total USD per 1M tokens"} <= set(grid)
    data = list(csv.DictReader(io.StringIO(report.table_csv(grid).decode())))
    assert len(data) == len(grid)
    step3 = [r for r in data if r["design"] == "MFA 64q/1kv x 256" and r["KV bits"] == "8" and r["tokens per step"] == "1"]
    ref = cost_grid([library.model("step-3")], scenario.chip_specs(), scenario.context)
    assert float(step3[0]["H20 total USD per 1M tokens"]) == float(ref.total_usd_per_mtok[0, 1, 0]), "exact in the CSV"
    name = report.file_stem(content.page, "table-sensitivity", scenario)
    assert "sensitivity" in name and name.startswith("co-design-")
    assert len(content.tables["sensitivity"]) == 6 * 4 * 3
    for chart_name in content.charts:
        spec = content.charts[chart_name]
        assert report.chart_csv(spec) and report.html_bytes(spec, scenario, content.page, chart_name)
    assert any("128 FLOPs per KV byte" in line for line in content.headlines)


def test_heatmap_csv_is_the_designs_and_their_exact_costs():
    """The cost chart's CSV names designs by their own values (not the drawn log2 and panel
    offsets) and holds cost_grid's USD per 1M tokens exactly; the reference markers too."""
    scenario = Scenario()
    spec = pages.build("co-design", scenario).charts["cost"]
    rows = list(csv.DictReader(io.StringIO(report.chart_csv(spec).decode())))
    ref = cost_grid([library.model("step-3")], scenario.chip_specs(), scenario.context)
    chips = scenario.chip_specs()
    for k, chip in enumerate(chips):
        cell = [r for r in rows if r["trace"] == labels.chip_label(chip) and r["x"] == "64" and r["y"] == "1"]
        assert len(cell) == 1, (chip.name, cell)
        assert cell[0]["z axis"] == "USD per 1M tokens" and cell[0]["x axis"].startswith("Query heads per KV head")
        assert float(cell[0]["z"]) == float(ref.total_usd_per_mtok[0, k, 0])
    markers = [r for r in rows if r["trace"] == "reference designs"]
    assert (64.0, 1.0) in [(float(r["x"]), float(r["y"])) for r in markers]
    assert not [r for r in rows if r["z"] in ("nan", "inf")]


def test_every_chart_and_table_has_its_download_control():
    from dashboard.widgets import downloads

    at = open_codesign()
    for name in ("sweet-spots", "cost"):
        at.session_state[downloads.popover_key(codesign.PAGE, name)] = True
    at = open_tables(at.run())
    ids = " ".join(el.proto.id for el in at.get("download_button"))
    for name in ("sweet-spots", "cost"):
        for fmt in report.FORMATS:
            assert f"dl_co-design_{name}_{fmt}" in ids
    assert "dl_cod_design_grid" in ids and "dl_co-design_table_designs-vs-ridges" in ids
    at = open_tab(at, TAB, TABS["sensitivity"])
    assert "dl_co-design_table_sensitivity" in " ".join(el.proto.id for el in at.get("download_button"))


def test_a_design_is_sent_to_the_dashboard_as_a_custom_model(user_library):
    at = open_codesign()
    at.session_state["cod_send"] = True
    at.run()
    at.selectbox(key="cod_send_x").set_value(8).run()
    at.selectbox(key="cod_send_y").set_value(4).run()
    assert any("Saved as step-3-mfa-8x4-d256" in shown(c) for c in at.caption)
    at.button(key="cod_save").click().run()
    assert not at.error and not at.exception
    assert any("step-3-mfa-8x4-d256" in shown(s) for s in at.success)
    saved = store.load(user_library).models
    assert [m.slug for m in saved] == ["step-3-mfa-8x4-d256"]
    assert saved[0].name == "Step-3 body + MFA 32q/4kv x 256"
    assert saved[0].name in at.multiselect(key="models").options, "selectable in the sidebar at once"
    model = saved[0]
    attn = model.attention_groups[0].attention
    assert (attn.n_q, attn.n_kv, attn.head_dim, attn.q_lora_rank) == (32, 4, 256, 2048)
    scenario = Scenario(custom_models=saved)
    plane = codesign.plane(scenario, CodesignInputs())
    i, j = plane.x.index(8), plane.y.index(4)
    assert np.array_equal(cost_grid([model], scenario.chip_specs(), 8192).total_usd_per_mtok[0, :, 0], plane.total[j, i])
    at.selectbox(key="cod_base").set_value("step-3-mfa-8x4-d256").run()  # now a base here too
    assert not at.error and "Step-3 body + MFA 32q/4kv x 256 body" in charts(at)["cost"]["layout"]["title"]["text"]


def test_a_custom_models_name_stays_text(user_library):
    hostile = "<b>Evil</b> [click](http://e.vil) **x**"
    model = dataclasses.replace(library.model("qwen3-235b-a22b"), slug="evil", name=hostile)
    store.save_model(model, user_library)
    at = open_codesign({"cod_base": hostile})
    assert not at.error and not at.exception
    at.session_state["cod_send"] = True
    at.run()
    for tab in pages.BY_SLUG["co-design"].tabs.labels:
        at = open_tab(at, TAB, tab)
        assert not at.error and not at.exception
        for element in [*at.markdown, *at.caption]:
            assert_markdown_safe(element.value, "a name in markdown")
        for spec in charts(at).values():
            assert "<b>Evil" not in json.dumps(spec), "a name in a chart is text (HTML-escaped)"
    assert any("<b>Evil</b> [click]" in shown(m) for m in at.markdown)


def test_a_body_with_recurrent_layers_draws_its_ridges_as_contours():
    """MiniMax-M1's lightning layers add a fixed state to every design's KV reads: intensity then
    changes along both axes, and each chip's ridge and sweet spot are contour traces."""
    at = open_codesign({"cod_base": "MiniMax-M1"})
    assert not at.error
    cost = charts(at)["cost"]
    contours = [t for t in cost["data"] if t["type"] == "contour"]
    assert len(contours) == 2 * 4 and {t["contours"]["operation"] for t in contours} == {"][", "="}
    assert not [s for s in cost["layout"]["shapes"] if s["type"] == "line"]


def test_accepted_tokens_per_step_price_the_decode_cost():
    """Per decoded token the main model's KV reads and FLOPs are divided by the tokens accepted
    per step: at 2 tokens per step the published 1.92 accepted costs 2 / 1.92 of every draft
    accepted in attention (the hover's attention cost); the total follows; one token per step
    leaves the input off."""
    def cost(query):
        at = open_codesign(query)
        assert not at.error, [e.value for e in at.error]
        heat = next(t for t in charts(at)["cost"]["data"] if t["type"] == "heatmap")  # hover: total, attention
        return at, np.array([[[np.nan, np.nan] if c[0] is None else c[:2] for c in row] for row in heat["customdata"]],
                            dtype=float)

    one, _ = cost({})
    assert one.number_input(key=KEYS["mtp_accept"]).disabled, "one token per step: nothing to accept"
    published, at_published = cost({KEYS["tokens_per_step"]: "2"})
    assert "published: 1.92" in published.number_input(key=KEYS["mtp_accept"]).placeholder
    every, at_every = cost({KEYS["tokens_per_step"]: "2", KEYS["mtp_accept"]: "2"})
    fewer, at_fewer = cost({KEYS["tokens_per_step"]: "2", KEYS["mtp_accept"]: "1.5"})
    ok = np.isfinite(at_published[..., 0])
    assert ok.sum() > 10
    attention = lambda z: z[..., 1][ok]  # noqa: E731
    assert np.allclose(attention(at_every) / attention(at_published), 1.92 / 2.0, rtol=1e-4)
    assert np.allclose(attention(at_fewer) / attention(at_published), 1.92 / 1.5, rtol=1e-4)
    total = lambda z: z[..., 0][ok]  # noqa: E731
    assert (total(at_every) < total(at_published)).all() and (total(at_fewer) > total(at_published)).all()
    assert every.session_state[sidebar.CODESIGN_KEY].mtp_accept == 2.0
    assert "every predicted token is accepted" not in " ".join(c.value for c in every.caption)


def test_the_ranking_marks_your_chips_and_estimates_ranks_at_several_contexts_and_only_what_fits(user_library):
    """A custom chip is marked 'yours'; the L20's price (a scaling rule) is marked estimated; a chip
    too small to hold Step-3 on 256 GPUs is not ranked, with why; 8K, 32K, 128K and the sidebar's
    64K sit side by side, each ranked by its own cost (the cost model's, recomputed here)."""
    mine = dataclasses.replace(library.chip("h800"), slug="my-chip", name="My chip", price_usd_per_hour=0.5, assumed=())
    tiny = dataclasses.replace(library.chip("h800"), slug="tiny", name="Tiny", mem_bytes=1e8, assumed=())
    for chip in (mine, tiny):
        store.save_chip(chip, user_library)
    at = open_tab(open_codesign({"ctx": "65536"}), TAB, TABS["ranked"])
    assert not at.exception and not at.error, [e.value for e in at.error]
    df = at.dataframe[0].value
    assert [c for c in df.columns if c.startswith("rank at")] == ["rank at 8K", "rank at 32K", "rank at 64K",
                                                                   "rank at 128K"]
    rows = df.set_index("chip")
    assert rows.loc["MY-CHIP", "marks"] == "yours"
    assert "price_usd_per_hour" in library.chip("l20").assumed and rows.loc["L20", "marks"] == "price estimated"
    assert rows["rank at 64K"].isna().sum() >= 1 and pd_isna(rows.loc["TINY", "rank at 64K"])
    assert rows.loc["TINY", "runs at 64K on"].startswith("does not fit on 256 GPUs")
    assert any(shown(c).startswith("Not ranked at 64K: ") and "TINY: does not fit on 256 GPUs" in shown(c)
               for c in at.caption)
    assert rows.loc["H800", "runs at 8K on"].startswith("ep over "), "Step-3 (MoE) runs expert parallel"
    chips = [mine, *(library.chip(s) for s in ("h800", "h20", "l20", "b200"))]
    for ctx, label in ((8192, "8K"), (65536, "64K"), (131072, "128K")):
        costs = cost_grid([library.model("step-3")], chips, ctx).total_usd_per_mtok[0, :, 0]
        for chip, usd in zip(chips, costs):
            name = chip.slug.upper()
            assert math.isclose(rows.loc[name, f"{label} total USD per 1M tokens"], usd, rel_tol=1e-12)
        ranked = df[df[f"rank at {label}"].notna()].sort_values(f"{label} total USD per 1M tokens")
        assert list(ranked[f"rank at {label}"]) == list(range(1, len(ranked) + 1)), label
    bars = charts(at)["chips-ranked"]["data"][0]["y"]
    assert "MY-CHIP (yours)" in bars and "L20 (price estimated)" in bars and "TINY" not in bars


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
