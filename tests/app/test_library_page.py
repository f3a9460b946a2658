"""The library page in AppTest: chip and model editors, config.json import, saved scenarios."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from app_harness import TIMEOUT, metric, shown
from streamlit.testing.v1 import AppTest

from costmodel import library
from dashboard.user_library import store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "views/library.py"
CONFIGS = ROOT / "tests" / "data" / "hf-configs"


def open_library(tab: str = "Chips") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(PAGE).run()
    if tab != "Chips":
        at.session_state["lib_tab"] = tab
        at.run()
    assert not at.exception, at.exception
    return at


def clone_chip(at: AppTest, slug: str) -> AppTest:
    at.selectbox(key="ce_origin").set_value(slug).run()
    return at.button(key="ce_load").click().run()


def test_chip_editor_clones_shows_ridge_points_and_saves(user_library):
    at = clone_chip(open_library(), "h20")
    assert at.text_input(key="ce_slug").value == "h20-custom"
    assert at.number_input(key="ce_price_usd_per_hour").value == 0.8
    # H20 (paper Table 4): 2.96e14 FP8 FLOP/s over 4.0e12 B/s = 74 FLOPs per byte
    assert metric(at, "Ridge point FP8").value == "74"
    at.number_input(key="ce_mem_bw_bytes_per_s").set_value(2.0).run()
    assert metric(at, "Ridge point FP8").value == "148", "live: half the bandwidth doubles the ridge"
    at.text_input(key="ce_slug").set_value("h20-slow").run()
    at.button(key="ce_save").click().run()
    assert not at.exception and any("Saved chip h20-slow" in shown(s) for s in at.success)
    saved = library.load_chip_file(user_library / "chips" / "h20-slow.toml")[0]
    assert saved.mem_bw_bytes_per_s == 2.0e12 and saved.fp8_flops == 2.96e14
    assert at.sidebar.multiselect(key="chips").options[-1] == "H20-SLOW", "selectable in the sidebar"


def test_chip_editor_names_the_invalid_field_and_cannot_save():
    at = clone_chip(open_library(), "h800")
    at.text_input(key="ce_slug").set_value("../etc").run()
    assert at.button(key="ce_save").disabled
    assert "chip slug" in shown(at.warning[0]) and "not a slug" in shown(at.warning[0])
    at.text_input(key="ce_slug").set_value("mine").run()
    at.text_area(key="ce_source").set_value(" ").run()
    assert at.button(key="ce_save").disabled and "still empty: Source" in shown(at.info[0])
    at.text_area(key="ce_source").set_value("my own estimate").run()
    at.text_input(key="ce_slug").set_value("h800").run()
    at.button(key="ce_save").click().run()
    assert at.error and "library chip" in shown(at.error[0]), "a library slug is refused on save"


def test_custom_chip_can_be_edited_and_deleted(user_library):
    store.save_chip(library.parse_chip({**library.chip_entry(library.chip("a800")), "slug": "a800-mine"}, "x"),
                      user_library)
    at = clone_chip(open_library(), "a800-mine")
    assert at.text_input(key="ce_slug").value == "a800-mine", "one's own chip is edited under its slug"
    assert not at.button(key="ce_delete").disabled
    at.button(key="ce_delete").click().run()
    assert not (user_library / "chips" / "a800-mine.toml").exists()


def test_model_editor_clone_matches_the_library_and_updates_live():
    at = open_library("Models")
    at.selectbox(key="me_origin").set_value("deepseek-v3").run()
    at.button(key="me_load").click().run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    # DeepSeek-V3 MLA: (512 + 64) latent x 61 layers x 1 byte (FP8) = 35,136 bytes per context token
    assert metric(at, "KV per token").value == "35.1 kB"
    assert metric(at, "Parameters").value.startswith("67") and metric(at, "Attention intensity").value == "512"
    at.number_input(key="me_a0_kv_lora_rank").set_value(1024).run()
    assert metric(at, "KV per token").value == "66.4 kB", "(1024 + 64) x 61 = 66,368 bytes"


def test_model_editor_every_design_builds():
    at = open_library("Models")
    for design in ("MFA", "MLA", "GQA", "MHA", "MQA", "Sliding-window GQA", "Chunked GQA", "Linear"):
        at.selectbox(key="me_a0_design").set_value(design).run()
        assert not at.exception, design
        assert not at.warning, (design, [w.value for w in at.warning])
        assert metric(at, "Attention intensity").value


def test_model_editor_saves_and_the_model_is_selectable(user_library):
    at = open_library("Models")
    at.text_input(key="me_slug").set_value("tiny-moe").run()
    at.selectbox(key="me_f0_kind").set_value("MoE").run()
    for key, value in (("me_f0_n_routed", 64), ("me_f0_top_k", 4), ("me_f0_expert_intermediate", 1024)):
        at.number_input(key=key).set_value(value).run()
    at.button(key="me_save").click().run()
    assert not at.exception and any("tiny-moe" in shown(s) for s in at.success)
    (model,) = library.load_model_file(user_library / "models" / "tiny-moe.toml")
    assert model.ffn_groups[0].ffn.n_routed == 64 and model.ffn_groups[0].ffn.shared_intermediate == 1024
    assert "My model" in at.sidebar.multiselect(key="models").options


def test_import_shows_read_and_assumed_and_saves(user_library):
    at = open_library("Import config.json")
    at.text_area(key="hf_paste").input((CONFIGS / "qwen3-235b-a22b" / "config.json").read_text()).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # Qwen3-235B: 94 layers x 4 KV heads x 128 x 2 x 1 byte = 96,256 bytes per context token (library entry too)
    assert metric(at, "KV per token").value == "96.3 kB"
    tables = [t.value for t in at.dataframe]
    read = next(t for t in tables if "key" in t.columns)
    assert "num_key_value_heads" in read["key"].tolist()
    assert any("fp8" in str(w) for w in next(t for t in tables if "what" in t.columns)["what"])
    at.text_input(key="hf_slug").set_value("qwen3-235b-mine").run()
    at.button(key="hf_save").click().run()
    assert (user_library / "models" / "qwen3-235b-mine.toml").exists()


@pytest.mark.parametrize("text, field", [
    ("{", "config.json"),
    ('{"hidden_size": 4096}', "num_hidden_layers"),
    ('{"hidden_size": NaN}', "hidden_size"),
    ("[" * 100_000, "config.json"),
])
def test_import_refuses_hostile_text_with_one_message(text, field, user_library):
    at = open_library("Import config.json")
    at.text_area(key="hf_paste").input(text).run()
    assert not at.exception and at.error and field in shown(at.error[0])
    assert "Traceback" not in shown(at.error[0]) and not user_library.exists()


def test_import_refuses_a_library_slug():
    at = open_library("Import config.json")
    at.text_area(key="hf_paste").input((CONFIGS / "qwen3-32b" / "config.json").read_text()).run()
    at.text_input(key="hf_slug").set_value("qwen3-32b").run()
    assert at.error and "library model" in shown(at.error[0])
    # issue 22: said beside the slug field; the preview stays (it used to hide it all), saving waits
    assert metric(at, "KV per token").value and any("key" in t.value.columns for t in at.dataframe)
    assert at.button(key="hf_save").disabled
    at.text_input(key="hf_slug").set_value("Not A Slug").run()
    assert "not a slug" in shown(at.error[0]) and metric(at, "KV per token").value
    at.text_input(key="hf_slug").set_value("qwen3-32b-mine").run()
    assert not at.error and not at.button(key="hf_save").disabled


def test_scenario_save_and_load_restores_every_input(user_library):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in {"ctx": "32768", "batch": "64", "h800_hbm_tbps": "2"}.items():
        at.query_params[key] = value
    at.run()
    at.multiselect(key="chips").set_value(["h800", "h20"]).run()
    at.switch_page(PAGE).run()
    at.session_state["lib_tab"] = "Scenarios and library file"
    at.run()
    at.text_input(key="sc_name").set_value("h800 slow hbm").run()
    at.button(key="sc_save").click().run()
    saved = json.loads((user_library / "scenarios" / "h800 slow hbm.json").read_text())
    assert saved["scenario"]["context"] == 32768 and saved["scenario"]["chips"] == ["h800", "h20"]
    assert saved["scenario"]["chip_overrides"] == {"h800": {"mem_bw_bytes_per_s": 2e12}}
    # change everything, then load the saved scenario back
    at.number_input(key="ctx").set_value(4096).run()
    at.slider(key="h800_hbm_tbps").set_value(3.0).run()
    assert at.query_params.get("h800_hbm_tbps") == "3"
    at.run()  # the slider reran the page fragment only: the whole app again, as the next input would
    at.multiselect(key="chips").set_value(["a800"]).run()
    at.selectbox(key="sc_pick").set_value("h800 slow hbm").run()
    at.button(key="sc_load").click().run()
    assert not at.exception and any("Loaded scenario" in shown(s) for s in at.success)
    assert at.number_input(key="ctx").value == 32768 and at.number_input(key="batch").value == 64
    assert at.multiselect(key="chips").value == ["h800", "h20"]
    assert at.query_params.get("h800_hbm_tbps") == "2"
    assert at.slider(key="h800_hbm_tbps").value == 2.0


def test_loaded_scenario_sets_the_afd_page_and_custom_chips(user_library):
    """A file with its own chip (an H20 repriced under a library slug) and AFD inputs: the chip
    joins the user library under a new slug, the AFD page shows the file's inputs."""
    from dashboard.export import report
    from dashboard.state.codesign_inputs import CodesignInputs
    from dashboard.state.scenario import AFDInputs, Scenario

    scenario = Scenario(chips=("h800", "h20"), afd=AFDInputs(attention_chip="h20", tpot_ms=40, stages=4),
                        codesign=CodesignInputs(chip="h20"))
    data = report.report_dict(scenario)
    data["chips"]["h20"]["spec"]["price_usd_per_hour"] = 0.5  # the file's own H20
    store.save_scenario("cheap h20", data, user_library)
    at = open_library("Scenarios and library file")
    at.selectbox(key="sc_pick").set_value("cheap h20").run()
    at.button(key="sc_load").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("kept as h20-file" in shown(s) for s in at.success)
    (chip,) = library.load_chip_file(user_library / "chips" / "h20-file.toml")
    assert chip.price_usd_per_hour == 0.5
    assert at.multiselect(key="chips").value == ["h800", "h20-file"]
    at.switch_page("views/afd.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="afd_attention_chip").value == "h20-file"
    assert at.number_input(key="afd_tpot_ms").value == 40 and at.radio(key="afd_stages").value == 4
    at.switch_page("views/co-design.py").run()
    assert at.selectbox(key="cod_chip").value == "h20-file", "the co-design page follows the file's chip too"


def test_deleting_a_chip_the_afd_inputs_use_keeps_every_page_working(user_library):
    """The AFD page's inputs name a custom chip that is then deleted: the pages keep working,
    that chip falls back to the default, and the rest of the AFD inputs are kept."""
    from dashboard.state.scenario import AFDInputs
    from dashboard.widgets.sidebar import AFD_KEY

    store.save_chip(library.parse_chip({**library.chip_entry(library.chip("a800")), "slug": "a800-mine"}, "x"),
                      user_library)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[AFD_KEY] = AFDInputs(attention_chip="a800-mine", tpot_ms=70.0)
    at.run()
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    store.delete("chip", "a800-mine", user_library)
    at.run()
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    kept = at.session_state[AFD_KEY]
    assert (kept.attention_chip, kept.ffn_chip, kept.tpot_ms) == (AFDInputs().attention_chip, "h800", 70.0)
    at.switch_page("views/afd.py").run()
    assert not at.exception and not at.error, [shown(e) for e in at.error]


def test_deleting_a_chip_chosen_on_the_afd_page_keeps_that_page_working(user_library):
    """Chosen in the AFD page's own chip input, then deleted in the library: the AFD page opens
    with the default chip there, no error."""
    store.save_chip(library.parse_chip({**library.chip_entry(library.chip("a800")), "slug": "a800-mine"}, "x"),
                      user_library)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("views/afd.py").run()
    at.selectbox(key="afd_attention_chip").set_value("a800-mine").run()
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    store.delete("chip", "a800-mine", user_library)
    at.switch_page("views/overview.py").run()
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    at.switch_page("views/afd.py").run()
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    assert at.selectbox(key="afd_attention_chip").value == "h800"



def test_loading_a_file_never_replaces_a_saved_chip(user_library):
    """Issue 22 #1: the user's chip cinj2 ($1/h) and a scenario file with its own cinj2 ($99/h):
    the saved file is unchanged, the file's chip is kept as cinj2-file and selected, the page
    says so."""
    from dashboard.export import report
    from dashboard.state.scenario import Scenario

    entry = {**library.chip_entry(library.chip("h20")), "slug": "cinj2", "name": "Chip injection"}
    store.save_chip(library.parse_chip({**entry, "price_usd_per_hour": 1.0}, "mine"), user_library)
    before = (user_library / "chips" / "cinj2.toml").read_bytes()
    theirs = Scenario(chips=("cinj2",), custom_chips=(library.parse_chip({**entry, "price_usd_per_hour": 99.0}, "f"),))
    store.save_scenario("overwrite-user-chip", report.report_dict(theirs), user_library)
    at = open_library("Scenarios and library file")
    at.selectbox(key="sc_pick").set_value("overwrite-user-chip").run()
    at.button(key="sc_load").click().run()
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    assert any("kept as cinj2-file (cinj2 is your saved chip" in shown(s) for s in at.success), \
        [shown(s) for s in at.success]
    assert (user_library / "chips" / "cinj2.toml").read_bytes() == before, "the user's chip is as they saved it"
    (kept,) = library.load_chip_file(user_library / "chips" / "cinj2-file.toml")
    assert kept.price_usd_per_hour == 99.0
    assert at.multiselect(key="chips").value == ["cinj2-file"]


def test_a_fifo_in_the_library_blanks_no_page(user_library):
    """Issue 22 #4: FIFOs in chips/ and scenarios/ (reading one blocked every page): the pages
    draw, the library page lists them as unreadable, the library export is built."""
    import os

    for name in ("chips/pipe.toml", "models/pipe.toml", "scenarios/pipe.json"):
        (user_library / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(user_library / name)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    at = open_library("Scenarios and library file")
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    problems = [shown(w) for w in at.warning if "Not read" in shown(w)]
    assert len(problems) == 3 and all("regular file" in p for p in problems), problems
    assert json.loads(store.export_bytes())["scenarios"] == {}


# --- issue 22: the chip editor as a chip architect expects ------------------------------------------
def test_chip_editor_takes_the_network_in_gbit_too():
    """A NIC is sold in Gb/s: a second input in Gb/s, kept equal to the GB/s one."""
    at = clone_chip(open_library(), "h20")
    assert at.number_input(key="ce_net_bytes_per_s").value == 50.0
    assert at.number_input(key="ce_net_bytes_per_s_other_unit").value == 400.0, "400 Gb/s = 50 GB/s"
    at.number_input(key="ce_net_bytes_per_s_other_unit").set_value(200.0).run()
    assert at.number_input(key="ce_net_bytes_per_s").value == 25.0
    at.number_input(key="ce_net_bytes_per_s").set_value(100.0).run()
    assert at.number_input(key="ce_net_bytes_per_s_other_unit").value == 800.0


def test_chip_editor_says_what_is_required_before_saving():
    at = open_library()
    (info,) = at.info
    assert "Required before saving, still empty: Slug, Name, Vendor, Source, Peak BF16, HBM bandwidth" in shown(info)
    at.text_input(key="ce_slug").set_value("mine").run()
    assert "still empty: Name, Vendor, Source" in shown(at.info[0]), "said from the start, not at the end"
    assert not at.warning, "nothing wrong with what was given"
    at.text_input(key="ce_slug").set_value("Not A Slug").run()
    assert "still empty: Name" in shown(at.info[0]) and "is not a slug" in shown(at.warning[0]), "both said"


def test_a_saved_chip_joins_the_sidebar_selection(user_library):
    at = clone_chip(open_library(), "h20")
    at.text_input(key="ce_slug").set_value("h20-mine").run()
    at.button(key="ce_save").click().run()
    from costmodel.paper import PAPER_CHIPS

    assert not at.exception and at.sidebar.multiselect(key="chips").value == [*PAPER_CHIPS, "h20-mine"]
    assert any("added to the sidebar's chips" in shown(s) for s in at.success)


def test_an_empty_scale_up_link_is_warned_about():
    at = clone_chip(open_library(), "h20")
    assert not [w for w in at.warning if "scale-up" in shown(w)]
    at.number_input(key="ce_scaleup_bytes_per_s").set_value(None).run()
    (warning,) = [w for w in at.warning if "scale-up" in shown(w)]
    assert "over the scale-out network (50 GB/s per GPU)" in shown(warning)
    assert not at.button(key="ce_save").disabled, "a warning, not a refusal"
