"""Every page through the real app.py: renders, reacts to chip sliders, reads URL params,
turns bad input into st.error."""
from __future__ import annotations

import json

import pytest

from streamlit.testing.v1 import AppTest

from app_harness import APP, FOLDED_TABLES, PAGES, TIMEOUT, metric, open_app, open_tab, open_tables, shown

SLIDER = "h800_hbm_tbps"  # H800 HBM bandwidth, TB/s (library 3.35)
TABLE_VIEWS = {  # (tab key, tab) showing the page's table, and a slider move (key, value) its numbers follow
    "overview": (None, None, SLIDER, 6.0), "roofline": (None, None, SLIDER, 6.0),
    "context-sweep": ("sweep_tab", "Where the picture changes", "h800_hbm_gb", 160.0),  # capacity: KV crossings
    "paper": ("paper_tab", "Every cell: paper, library chips, current chips", SLIDER, 6.0)}


def specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def texts(at, where=None) -> str:
    """Everything a reader sees as text (in ``where``, e.g. ``at.main``; default: the whole
    app): markdown, captions, metrics, dataframes."""
    where = where or at
    parts = [e.value for e in where.markdown] + [e.value for e in where.caption]
    parts += [str(m.value) for m in where.metric] + [e.value for e in where.info]
    parts += [df.value.to_csv() for df in where.dataframe]
    return "\n".join(parts)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_charts_without_error(page):
    at = open_app(page)
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    figures = specs(at)
    assert figures, "every page draws at least one Plotly chart"
    for fig in figures:
        layout = fig["layout"]
        assert layout["template"]["layout"]["font"]["family"].startswith("Inter"), "shared template"
        titled = [(v["title"]["text"], v.get("type")) for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
        assert titled and all("(" in t or t in ("Model", "Chip", "Pipeline stage") or kind == "category"
                              for t, kind in titled), titled  # a unit, or names (categories)
        for trace in fig["data"]:
            if trace.get("x") and any(v is not None for v in trace["x"]):  # hover says what a point is, or is
                assert "hovertemplate" in trace or trace.get("hoverinfo") == "skip", trace.get("name")  # off


@pytest.mark.parametrize("page", list(PAGES))
def test_chip_slider_changes_figures_and_marks_chip(page):
    at = open_tables(open_app(page), page, FOLDED_TABLES.get(page, []))
    before = specs(at)
    at.slider(key=SLIDER).set_value(1.2).run()
    assert not at.exception and not at.error
    after = specs(at)
    assert json.dumps(after, sort_keys=True) != json.dumps(before, sort_keys=True)
    assert "H800*" in json.dumps(after) + texts(at), "a modified chip is marked"
    if page in TABLE_VIEWS:  # the page's table, in its tab (drawn only while open), follows too
        key, label, slider, value = TABLE_VIEWS[page]
        at = open_tab(at.run(), key, label) if key else at.run()
        before_text = texts(at, at.main)
        at.slider(key=slider).set_value(value).run()
        assert texts(at, at.main) != before_text, "tables/metrics follow the slider"


def test_slider_moves_paper_numbers_and_reset_restores():
    at = open_app("paper")
    still = metric(at, "Still match")
    assert still.value == "303 / 303" and still.delta == "as many as with the library chips"
    at.slider(key="h800_usd_h").set_value(4.0).run()
    still = metric(at, "Still match")  # against the changed chip's original (the implicit baseline): its change
    assert still.value != "303 / 303" and still.delta == f"-{303 - int(still.value.split(' / ')[0])} " \
        f"({100 * (int(still.value.split(' / ')[0]) / 303 - 1):+.1f}%) vs baseline"
    assert any(shown(c).endswith(" fewer than with the library chips") for c in at.caption), "the note under it"
    assert metric(at, "Match the paper").value == "303 / 303", "the library reproduction never moves"
    at.run()  # the whole app, as the browser shows it after the slider's page-only rerun
    at.button(key="h800_reset").click().run()
    assert at.slider(key="h800_usd_h").value == pytest.approx(2.0)
    assert metric(at, "Still match").value == "303 / 303"


def test_chip_slider_moves_the_page():
    """(In the browser the move reruns only the page's fragment, which holds the sliders;
    AppTest reruns the whole app for a widget inside a fragment: bench/bench_felt.py times it.)"""
    at = open_app("overview")
    at.slider(key=SLIDER).set_value(1.2).run()
    assert not at.exception and not at.error
    assert "H800*" in json.dumps(specs(at)), "the page's charts were redrawn"
    assert "H800* (HBM bandwidth)" in " ".join(c.value for c in at.caption), "the 'Modified' caption follows"
    assert at.query_params[SLIDER] == "1.2", "the URL keeps the slider's value"
    at.run()  # the whole app, as the browser shows it
    assert at.slider(key=SLIDER).value == pytest.approx(1.2)
    assert "H800*" in json.dumps(specs(at))


def test_a_page_that_fails_keeps_the_chip_sliders_and_the_export_menu(monkeypatch):
    """The chip editor is drawn in the page's fragment: a page script that fails before its
    body still gets it (and the export menu), with the error named."""
    from costmodel.errors import InputError
    from dashboard.widgets import afd_inputs

    def broken(scenario):
        raise InputError("afd.tpot_ms", "broken on purpose")

    monkeypatch.setattr(afd_inputs, "deployment", broken)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("views/afd.py").run()
    assert "afd.tpot_ms: broken on purpose" in " ".join(shown(e) for e in at.error) and not at.exception
    assert at.slider(key=SLIDER).value == pytest.approx(3.35)
    assert any(p.proto.popover.label == "Download" for p in at.sidebar.get("popover")), "the export menu"


def test_overview_numbers_follow_sliders():
    at = open_app("overview")
    fig = specs(at)[0]
    step3 = next(t for t in fig["data"] if t["name"] == "Step-3")
    assert step3["y"][0] == pytest.approx(0.055, abs=0.0006)  # paper Figure 1: Step-3 AFD at 8K
    afd = next(t for t in specs(at)[1]["data"] if t["name"].startswith("AFD"))  # paper Figure 2's AFD bars
    assert afd["y"] == pytest.approx([0.055, 0.068, 0.062], abs=0.0006) and "pattern" not in afd["marker"]
    assert afd["text"] == ["H20+H800", "H800+H800", "H20+H800"]
    at.selectbox(key="edit").set_value("h20").run()
    at.slider(key="h20_usd_h").set_value(1.6).run()  # double H20's price: Step-3 attention moves to A800
    step3_after = next(t for t in specs(at)[0]["data"] if t["name"] == "Step-3")
    assert step3_after["y"][0] > step3["y"][0]


def test_url_query_params_seed_inputs():
    at = open_app("context-sweep", query={"ctx": "32768", "models": ["Step-3", "Kimi K2"], "chips": ["H800", "H20"],
                                         SLIDER: "2.5", "sweep_to": "131072", "axis": "log", "kv": "FP4"})
    assert not at.exception and not at.error
    assert at.number_input(key="ctx").value == 32768
    assert at.number_input(key="sweep_to").value == 131072
    assert at.multiselect(key="models").value == ["step-3", "kimi-k2"]  # the URL holds display labels
    assert at.multiselect(key="chips").value == ["h800", "h20"]
    assert at.slider(key=SLIDER).value == pytest.approx(2.5)
    assert at.radio(key="axis").value == "log"
    assert at.selectbox(key="kv").value == "fp4"
    fig = specs(at)[0]
    assert fig["layout"]["xaxis"]["type"] == "log"
    names = {t["name"] for t in fig["data"]}
    assert "Kimi K2 · H800*" in names and "Step-3 · H20" in names
    assert max(fig["data"][0]["x"]) == pytest.approx(131072)


def test_bad_input_shows_error_not_traceback():
    at = open_app("context-sweep")
    at.number_input(key="sweep_from").set_value(65536).run()  # start above end (32768)
    assert not at.exception
    assert at.error and "sweep range" in shown(at.error[0])
    at.number_input(key="sweep_from").set_value(8192).run()
    assert not at.error and at.get("plotly_chart")


def test_no_model_selected_is_an_input_error():
    at = open_app("overview")
    at.multiselect(key="models").set_value([]).run()
    assert not at.exception
    assert at.error and "model" in shown(at.error[0])


def test_internal_error_is_a_message(monkeypatch):
    from dashboard.content.charts import overview

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(overview, "params_vs_cost", broken)
    at = open_app("overview")
    assert not at.exception
    assert at.error and "Internal error" in shown(at.error[0]) and "boom" in shown(at.error[0])


def test_sliders_cannot_reach_invalid_values():
    at = open_app("overview")
    for slider in at.slider:
        assert slider.min > 0, slider.key
    bw = at.slider(key=SLIDER)
    price = at.slider(key="h800_usd_h")
    assert bw.min >= 0.01 and price.min >= 0.01


def test_inputs_kept_across_page_switches():
    at = open_app("overview")
    at.number_input(key="ctx").set_value(16384).run()
    at.slider(key=SLIDER).set_value(2.0).run()
    at.switch_page(PAGES["roofline"]).run()
    assert at.number_input(key="ctx").value == 16384
    assert at.slider(key=SLIDER).value == pytest.approx(2.0)
    assert "16K" in specs(at)[0]["layout"]["title"]["text"]


def test_url_overrides_of_chips_not_being_edited_apply():
    at = open_app("overview", query={"h20_usd_h": "1.6", SLIDER: "2.5"})
    assert at.selectbox(key="edit").value == "h800"
    names = json.dumps(specs(at))
    assert "H20*" in names and "H800*" in names and "A800*" not in names
    caption = " ".join(c.value for c in at.caption)
    assert "H20* (Price)" in caption and "H800* (HBM bandwidth)" in caption
    at.selectbox(key="edit").set_value("h20").run()  # now edit H20: its slider starts at the URL value
    assert at.slider(key="h20_usd_h").value == pytest.approx(1.6)
    assert "H800*" in json.dumps(specs(at)), "H800 keeps its URL value while not edited"


@pytest.mark.parametrize("value, reason", [("fast", "not a number"), ("0", "between 0.01 and 13.4"),
                                           ("-3", "between"), ("1e9", "between"), ("nan", "between"),
                                           ("1e309", "between"), ("9" * 400, "between")])
def test_bad_url_chip_value_warns_with_the_value_used(value, reason):
    """The link's value is named with the value used instead (the library's), and the page
    draws with it: a mistyped link never shows another scenario silently."""
    at = open_app("overview", query={SLIDER: value})
    assert not at.exception and not at.error
    (warning,) = at.warning
    assert f"h800_hbm_tbps = '{value[:200]}" in shown(warning) and reason in shown(warning)
    assert "using 3.35" in shown(warning) and at.slider(key=SLIDER).value == 3.35


@pytest.mark.parametrize("query, text", [
    ({"ctx": "-5"}, "ctx = '-5': Context must be between 1 and 16,777,216; using 8192"),
    ({"ctx": "1e309"}, "ctx = '1e309': Context must be between 1 and 16,777,216; using 8192"),
    ({"ctx": "0.5"}, "ctx = '0.5': Context must be between 1 and 16,777,216; using 8192"),
    ({"batch": "2.5"}, "batch = '2.5': Decode batch must be a whole number; using 256"),
    ({"models": ["Nope", "Step-3"]}, "models = 'Nope': not among DeepSeek-V3"),
    ({"kv": "FP3"}, "kv = 'FP3': choose one of model default (paper §4.1), BF16, FP8, FP4; using model default"),
    ({"axis": "cubic"}, "axis = 'cubic': choose one of linear, log; using linear"),
    ({"cxt": "32768"}, "'cxt' = '32768': not an input of this dashboard; ignored"),
    ({"h800_fp4_tflop": "garbage"}, "'h800_fp4_tflop' = 'garbage': not an input of this dashboard"),  # H800: no FP4
    ({"h800_fp4_tflop": "1000"}, "'h800_fp4_tflop' = '1000': not an input of this dashboard"),
])
def test_bad_url_values_warn_instead_of_silently_falling_back(query, text):
    at = open_app("overview", query=query)
    assert not at.exception and not at.error
    assert any(text in shown(w) for w in at.warning), [shown(w) for w in at.warning]


def test_url_value_is_text_never_markdown():
    at = open_app("overview", query={"h800_usd_h": "[CLICKME](https://evil.example/phish)"})
    (warning,) = at.warning
    assert "\\[CLICKME\\](https\\:\u200b//evil" in warning.value, "markdown escaped, the URL broken up"
    assert "[CLICKME](https:\u200b//evil.example/phish)" in shown(warning)


def test_a_huge_value_warns_instead_of_an_internal_error():
    at = open_app("overview", query={"ctx": "9" * 400, "sweep_to": "1e309"})
    assert not at.exception and not at.error
    assert "(400 characters)" in shown(at.warning[0]) and "sweep_to = '1e309'" in shown(at.warning[0])
    assert at.number_input(key="ctx").value == 8192


def test_a_slider_for_every_compute_format_the_chip_declares():
    """Issue 22: only the peak of the format a chip computes in had a slider (FP8 on H800); a
    chip architect wants BF16 and INT8 too. FP4, which H800 lacks, has none."""
    at = open_app("roofline")
    keys = {s.key for s in at.sidebar.slider}
    assert {"h800_bf16_tflop", "h800_fp8_tflop", "h800_int8_top"} <= keys and "h800_fp4_tflop" not in keys, keys
    at.slider(key="h800_bf16_tflop").set_value(500.0).run()
    assert not at.exception and "H800* (Peak BF16)" in " ".join(c.value for c in at.caption)
    assert at.query_params.get("h800_bf16_tflop") == "500"


# --- issue 22: a shared link carries the custom chips and models it uses -------------------------------
def cheap_h20(price: float = 0.4):
    from costmodel import library

    return library.parse_chip({**library.chip_entry(library.chip("h20")), "slug": "h20-cheap",
                               "name": "H20 at a discount", "price_usd_per_hour": price}, "mine")


def test_a_link_carries_the_custom_chips_it_uses(user_library, tmp_path, monkeypatch):
    """A colleague without my chip h20-cheap opens my link: the chip comes with it (for the
    session: nothing is written to their library), is selected, and the page says so. Before,
    the link named it by slug only and the colleague fell back to the defaults."""
    from dashboard.state import link_records
    from dashboard.user_library import store

    store.save_chip(cheap_h20(), user_library)
    mine = open_app("overview", query={"chips": ["H800", "H20-CHEAP"]})
    assert not mine.exception and mine.multiselect(key="chips").value == ["h800", "h20-cheap"]
    link = mine.query_params[link_records.KEY]
    assert link_records.decode(link) == ((cheap_h20(),), ())
    colleague = tmp_path / "colleague"
    monkeypatch.setenv(store.ENV, str(colleague))
    theirs = open_app("overview", query={"chips": ["H800", "H20-CHEAP"], link_records.KEY: link})
    assert not theirs.exception and not theirs.warning, [shown(w) for w in theirs.warning]
    assert theirs.multiselect(key="chips").value == ["h800", "h20-cheap"]
    assert any("This link brings its own chip h20-cheap (not in your library)" in shown(i) for i in theirs.info)
    assert "H20-CHEAP" in json.dumps(specs(theirs)) and not colleague.exists(), "used, not saved"
    theirs.switch_page(PAGES["roofline"]).run()
    assert theirs.multiselect(key="chips").value == ["h800", "h20-cheap"] and not theirs.info, "said once"


def test_a_links_chip_never_replaces_a_saved_one(user_library):
    """The colleague has a different chip of that slug: theirs keeps the slug (the link's
    selection names it), the link's record is kept apart and the page says so."""
    from dashboard.state import link_records
    from dashboard.user_library import store

    store.save_chip(cheap_h20(price=9.0), user_library)
    link = link_records.encode([cheap_h20()], [])
    at = open_app("overview", query={"chips": ["H20-CHEAP"], link_records.KEY: link})
    assert not at.exception and at.multiselect(key="chips").value == ["h20-cheap"]
    assert any("The link's own chip h20-cheap is kept as h20-cheap-link (h20-cheap is your saved chip" in shown(i)
               for i in at.info), [shown(i) for i in at.info]
    assert (user_library / "chips" / "h20-cheap.toml").exists() and not (user_library / "chips" / "h20-cheap-link.toml").exists()


@pytest.mark.parametrize("value, reason", [("not base64 !", "not the chip and model specs"),
                                           ("x" * 9000, "longer than 8,000 characters"),
                                           ("eyJjaGlwcyI6W3sic2x1ZyI6IlgifV19", "chip slug")])
def test_a_bad_link_record_parameter_is_named(value, reason):
    from dashboard.state import link_records

    at = open_app("overview", query={link_records.KEY: value, "chips": ["H800", "MISSING"]})
    assert not at.exception and not at.error
    warning = shown(at.warning[0])
    assert f"{link_records.KEY} = " in warning and reason in warning, warning
    assert "chips = 'MISSING': not among" in warning and "using H800" in warning, "what is missing, what is used"


def test_custom_records_too_large_for_a_link_are_said(user_library):
    from costmodel import library
    from dashboard.state import link_records
    from dashboard.user_library import store

    slugs = [f"c{i}" for i in range(20)]
    for slug in slugs:
        store.save_chip(library.parse_chip({**library.chip_entry(cheap_h20()), "slug": slug}, "x"), user_library)
    at = open_app("overview", query={"chips": [s.upper() for s in slugs]})
    assert not at.exception and link_records.KEY not in at.query_params
    assert any("too large for a shared link" in c.value for c in at.sidebar.caption)
