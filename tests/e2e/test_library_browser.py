"""The library page (/library) in a real browser: a chip cloned and saved there survives a server
restart and prices the AFD page; a Hugging Face config.json pasted there becomes a model of the
sidebar and the overview chart; a saved scenario loads back every input; hostile names and slugs
stay text.

These tests run their own servers, each with its own user library (DECODE_CODESIGN_HOME), so
what they save never reaches the other browser tests' server."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

import browser_harness
from browser_harness import ROOT, running_server

pytestmark = pytest.mark.e2e
VIEWPORT = {"width": 1500, "height": 2400}  # tall: the main area scrolls inside its own container
CHART_DATA = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(g => (g.data || []).map(t => [t.name, t.x, t.y]))"""
QWEN3_32B = ROOT / "tests" / "data" / "hf-configs" / "qwen3-32b" / "config.json"
HOSTILE = "<b>x</b> [CLICK](https://evil.example)"
SCENARIO_TAB = "/library?lib_tab=Scenarios+and+library+file"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """This module's user library (tests 2-4 share it; the restart test has its own)."""
    return tmp_path_factory.mktemp("library-page")


@pytest.fixture(scope="module")
def lib_server(home):
    with running_server(home) as url:
        yield url


@pytest.fixture
def new_page(browser):
    """Open pages on the browser (tall viewport); each left idle, then closed, after the test."""
    pages = []

    def make():
        pages.append(browser.new_page(viewport=VIEWPORT))
        pages[-1].add_init_script(browser_harness.RUN_COUNTER)
        return pages[-1]

    yield make
    for p in pages:
        if not p.is_closed():
            try:
                idle(p, 30_000)  # no rerun left in flight on the shared server
            except Exception:  # noqa: BLE001 - a failed test's page: closing it is enough
                pass
            p.close()


def idle(page, timeout: int = 60_000) -> None:
    """No script run in flight (Streamlit shows its status widget while one runs)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def settle(page) -> None:
    """After an input is committed (``commit``, ``pick``): wait for the rerun it caused to end."""
    browser_harness.after_rerun(page)


def shot(page, name: str) -> None:
    browser_harness.shot(page, f"library-{name}", wait_ms=500)


def open_library(page, url: str) -> None:
    """Open a URL of the library page and wait for its open tab to draw."""
    page.goto(url)
    expect(page.get_by_role("heading", name="Your chips and models")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", selected=True).wait_for(timeout=60_000)
    idle(page)


def open_charts(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    idle(page)


def settled_charts(page, count: int, mark: str) -> list:
    """The charts' data once a rerun has settled: ``count`` charts, ``mark`` in their data."""
    return browser_harness.settled(page, CHART_DATA, mark=mark, count=count)


def no_errors(page) -> None:
    assert not page.locator('[data-testid="stException"]').count()
    assert not page.locator('[data-testid="stAlertContentError"]').count()


def commit(box, value: str) -> None:
    """Type ``value`` into a text or number input and commit it (Enter reruns the app)."""
    browser_harness.mark_runs(box.page)
    box.fill(value)
    expect(box).to_have_value(value)  # the field holds it before Enter commits it (a busy page may lag)
    box.press("Enter")


def options(page, combobox, typed: str) -> list[str]:
    """The options a select box offers once ``typed`` is typed into it (long lists are
    virtualized: only what is typed for is sure to be in the page); the box stays open."""
    combobox.click()
    page.keyboard.type(typed)
    page.get_by_role("option").first.wait_for(timeout=10_000)
    return page.get_by_role("option").all_inner_texts()


def pick(page, combobox, typed: str, option: str) -> None:
    """Choose ``option`` in a select box (or add it to a multiselect), typing to find it."""
    assert option in options(page, combobox, typed)
    browser_harness.mark_runs(page)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")  # a multiselect stays open
    settle(page)


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def clone_into_editor(page, origin: str, slug: str) -> None:
    """Chips tab: 'Start from' a library chip, 'Load into the editor'; the editor holds its
    clone (slug '<slug>-custom')."""
    pick(page, page.get_by_role("combobox", name="Start from"), origin.split(" ")[0], origin)
    page.get_by_role("button", name="Load into the editor").click()
    expect(page.get_by_role("textbox", name="Slug (lower-case")).to_have_value(f"{slug}-custom", timeout=30_000)
    idle(page)


def afd_costs(page) -> tuple[float, float]:
    """(attention, FFN) USD per 1M tokens of the AFD page's plan, from its key figures."""
    text = page.locator(".st-key-key_figures").inner_text()
    match = re.search(r"attention ([\d.]+) \+ FFN ([\d.]+)", text)
    assert match, text
    return float(match[1]), float(match[2])


def afd_footnote(page) -> str:
    return page.locator(".st-key-key_figures_note").inner_text()


# --- 1. a chip survives a restart and is usable on the AFD page ------------------------------------
def test_saved_chip_survives_restart_and_prices_the_afd_page(browser, new_page, tmp_path):
    home = tmp_path / "library"
    with running_server(home) as url:
        page = new_page()
        open_library(page, url + "/library")
        clone_into_editor(page, "H20 · NVIDIA H20", "h20")
        price = page.get_by_role("spinbutton", name="Price (USD/hour)")
        expect(price).to_have_value("0.8")  # the library H20's price, in the editor's unit
        expect(page.get_by_role("spinbutton", name="HBM bandwidth (TB/s)")).to_have_value("4")
        commit(page.get_by_role("textbox", name="Slug (lower-case"), "h20-cheap")
        expect(page.get_by_role("button", name="Delete h20-cheap from your library")).to_be_disabled(timeout=30_000)
        commit(price, "0.4")
        settle(page)
        expect(price).to_have_value("0.4")
        kpis = page.locator(".st-key-key_figures").inner_text()  # ridge points live: peak FLOP/s per byte/s of HBM
        assert re.search(r"Ridge point BF16\s+37\b", kpis) and re.search(r"Ridge point FP8\s+74\b", kpis), kpis
        save = page.get_by_role("button", name="Save to your library")
        expect(save).to_be_enabled()
        shot(page, "chip-h20-cheap-edited")
        save.click()
        expect(page.get_by_text("Saved chip h20-cheap: added to the sidebar's chips")).to_be_visible(timeout=30_000)
        idle(page)
        expect(page.get_by_role("button", name="Delete h20-cheap from your library")).to_be_enabled()
        shot(page, "chip-h20-cheap-saved")
        no_errors(page)
        page.close()

    saved = home / "chips" / "h20-cheap.toml"
    assert saved.is_file(), sorted(p.name for p in home.rglob("*"))
    (chip,) = tomllib.loads(saved.read_text())["chip"]
    assert chip["slug"] == "h20-cheap" and chip["price_usd_per_hour"] == pytest.approx(0.4)
    assert chip["mem_bw_bytes_per_s"] == pytest.approx(4e12) and chip["fp8_flops"] == pytest.approx(296e12)

    with running_server(home) as url:  # a fresh server on the same folder
        page = new_page()
        open_library(page, url + "/library")
        assert "H20-CHEAP · NVIDIA H20 (custom) · custom" in options(
            page, page.get_by_role("combobox", name="Start from"), "cheap")
        page.keyboard.press("Escape")
        chips = sidebar(page).get_by_role("combobox", name="Chips")
        assert options(page, chips, "cheap") == ["H20-CHEAP"]
        shot(page, "chip-after-restart-sidebar-offers-it")
        page.keyboard.press("Escape")

        open_charts(page, url + "/afd?afd_attention_chip=H20")
        assert "Chips: H20 (attention) + H800 (FFN)" in afd_footnote(page)
        h20 = afd_costs(page)
        pick(page, page.get_by_role("combobox", name="Attention chip"), "cheap", "H20-CHEAP")
        page.wait_for_function("() => decodeURIComponent(location.search.replace(/\\+/g, ' '))"
                               ".includes('afd_attention_chip=H20-CHEAP')", timeout=30_000)
        expect(page.locator(".st-key-key_figures_note")).to_contain_text("Chips: H20-CHEAP (attention) + H800 (FFN)", timeout=30_000)
        idle(page)
        cheap = afd_costs(page)
        # the same specs at half the price, but a chip of your own has no measured kernels: its kernel
        # efficiencies are assumed (said, with a range on the figures), so the plan may move; its attention
        # pool still costs less
        expect(page.get_by_text("Assumed: attention chip h20-cheap: kernel efficiencies assumed")).to_be_visible()
        assert "assumed kernels:" in page.locator(".st-key-key_figures").inner_text()
        assert cheap[0] < h20[0], (h20, cheap)
        drawn = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
            .map(g => (g.data || []).length && g.querySelectorAll('.barlayer .point, .scatterlayer path').length)""")
        assert drawn and all(n > 0 for n in drawn), drawn
        no_errors(page)
        shot(page, "afd-with-h20-cheap")

        again = new_page()  # the copied URL reopens the custom chip
        open_charts(again, page.url)
        expect(again.locator(".st-key-key_figures_note")).to_contain_text("Chips: H20-CHEAP (attention) + H800 (FFN)",
                                                           timeout=30_000)
        assert afd_costs(again) == cheap
        no_errors(again)
        page.close()
        again.close()


# --- 2. a Hugging Face config.json imported in the browser ----------------------------------------
def test_pasted_config_becomes_a_model_of_the_overview(lib_server, home, new_page):
    page = new_page()
    open_library(page, lib_server + "/library?lib_tab=Import+config.json")
    paste = page.get_by_role("textbox", name="…or paste the JSON")
    paste.fill(QWEN3_32B.read_text())
    paste.press("Control+Enter")  # a text area commits on Ctrl+Enter
    expect(page.get_by_text("KV per token")).to_be_visible(timeout=30_000)
    commit(page.get_by_role("textbox", name="Slug (empty: from the config)"), "qwen3-32b-import")
    settle(page)
    commit(page.get_by_role("textbox", name="Name (empty: from the config)"), "Qwen3-32B import")
    settle(page)
    expect(page.get_by_text("Qwen3-32B import (qwen3-32b-import): Qwen3 (dense GQA)")).to_be_visible(timeout=30_000)
    kpis = page.locator(".st-key-key_figures").inner_text()
    # 64 layers x 8 KV heads x 128 x (K and V) x 1 byte (FP8) = 131,072 B per token; x 8,192 tokens
    for figure in (r"KV per token\s+131 kB\s+per context token, all 64 layers", r"KV per request\s+1\.07 GB",
                   r"Parameters\s+32\.8 B\s+32\.0 B activated per token", r"Attention intensity\s+16\b"):
        assert re.search(figure, kpis), (figure, kpis)
    expect(page.get_by_text("Read from the file (11 keys)")).to_be_visible()
    expect(page.get_by_text("Assumed (1): not in the file")).to_be_visible()
    no_errors(page)
    shot(page, "import-qwen3-32b")
    page.get_by_role("button", name="Save to your library").click()
    expect(page.get_by_text("Saved model qwen3-32b-import: selectable on every page.")).to_be_visible(timeout=30_000)
    assert (home / "models" / "qwen3-32b-import.toml").is_file()
    models = sidebar(page).get_by_role("combobox", name="Models")
    assert "Qwen3-32B import" in options(page, models, "import")
    shot(page, "import-saved-sidebar-offers-it")
    page.keyboard.press("Escape")

    open_charts(page, lib_server + "/?models=Qwen3-32B")  # the library's own Qwen3-32B, to compare
    pick(page, sidebar(page).get_by_role("combobox", name="Models"), "import", "Qwen3-32B import")
    scatter, bars = settled_charts(page, 2, "Qwen3-32B import")
    assert parse_qs(urlsplit(page.url).query)["models"] == ["Qwen3-32B", "Qwen3-32B import"], page.url
    points = {name: (x[0], y[0]) for name, x, y in scatter}
    assert set(points) == {"Qwen3-32B", "Qwen3-32B import"}, points
    assert points["Qwen3-32B import"][0] == pytest.approx(32.0, abs=0.05)  # activated parameters (billions)
    assert points["Qwen3-32B import"][1] == pytest.approx(points["Qwen3-32B"][1], rel=1e-9)  # AFD cost
    for name, x, y in bars:  # every chip: the import costs what the library's record costs
        assert x == ["Qwen3-32B", "Qwen3-32B import"] and y[1] == pytest.approx(y[0], rel=1e-9), (name, y)
    no_errors(page)
    shot(page, "overview-with-imported-model")


# --- 3. a saved scenario loads back every input ------------------------------------------------------
def test_saved_scenario_restores_inputs(lib_server, home, new_page):
    page = new_page()
    open_library(page, lib_server + SCENARIO_TAB + "&ctx=32768&h800_hbm_tbps=2")
    context = page.get_by_role("spinbutton", name="Context (tokens)")
    hbm = sidebar(page).get_by_role("slider", name="HBM bandwidth (TB/s)")  # H800's, the chip being edited
    expect(context).to_have_value("32768", timeout=30_000)
    expect(hbm).to_have_value("2")
    name = page.get_by_role("textbox", name="Save the current scenario as")
    commit(name, "h800 slow hbm 32k")
    settle(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved scenario h800 slow hbm 32k.")).to_be_visible(timeout=30_000)
    idle(page)
    saved = json.loads((home / "scenarios" / "h800 slow hbm 32k.json").read_text())["scenario"]
    assert saved["context"] == 32768 and saved["chip_overrides"] == {"h800": {"mem_bw_bytes_per_s": 2e12}}
    page.close()

    page = new_page()  # a fresh session, a URL without those inputs
    open_library(page, lib_server + SCENARIO_TAB)
    context = page.get_by_role("spinbutton", name="Context (tokens)")
    hbm = sidebar(page).get_by_role("slider", name="HBM bandwidth (TB/s)")
    expect(context).to_have_value("8192", timeout=30_000)
    expect(hbm).to_have_value("3.35")
    expect(page.get_by_role("combobox", name="Saved scenarios")).to_have_value("h800 slow hbm 32k")
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_text("Loaded scenario h800 slow hbm 32k.")).to_be_visible(timeout=30_000)
    idle(page)
    shot(page, "scenario-loaded")
    expect(context).to_have_value("32768", timeout=15_000)
    expect(hbm).to_have_value("2")
    expect(sidebar(page).get_by_text("Modified: H800* (HBM bandwidth)")).to_be_visible()
    query = parse_qs(urlsplit(page.url).query)
    assert query["ctx"] == ["32768"] and query["h800_hbm_tbps"] == ["2"], page.url
    no_errors(page)

    again = new_page()  # the URL after loading reopens the same inputs, and the charts use them
    open_charts(again, page.url.replace("/library", "/"))
    expect(again.get_by_role("spinbutton", name="Context (tokens)")).to_have_value("32768", timeout=30_000)
    settled_charts(again, 2, "H800*")
    expect(again.get_by_text("Context 32K tokens")).to_be_visible()


# --- 4. hostile names stay text ----------------------------------------------------------------------
def test_hostile_chip_name_and_slug_stay_text(lib_server, new_page):
    page = new_page()
    open_library(page, lib_server + "/library?lib_tab=Chips")
    clone_into_editor(page, "H800 · NVIDIA H800 SXM5", "h800")
    save = page.get_by_role("button", name="Save to your library")
    expect(save).to_be_enabled()  # a valid clone: the slug alone will disable it
    commit(page.get_by_role("textbox", name="Name", exact=True), HOSTILE)
    settle(page)
    commit(page.get_by_role("textbox", name="Slug (lower-case"), "../etc")
    warning = page.locator('[data-testid="stAlertContentWarning"]')
    expect(warning).to_contain_text("Not yet a valid chip · chip slug: '../etc' is not a slug", timeout=30_000)
    idle(page)
    expect(save).to_be_disabled()
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value(HOSTILE)
    assert page.locator("a[href*='evil']").count() == 0
    assert page.locator('[data-testid="stMain"] b').count() == 0  # the <b> typed is not a tag
    no_errors(page)
    shot(page, "hostile-name-bad-slug")

    commit(page.get_by_role("textbox", name="Slug (lower-case"), "hostile-name")  # a valid slug: saved as text
    expect(save).to_be_enabled(timeout=30_000)
    save.click()
    expect(page.get_by_text("Saved chip hostile-name: added to the sidebar's chips")).to_be_visible(timeout=30_000)
    idle(page)
    assert f"HOSTILE-NAME · {HOSTILE} · custom" in options(page, page.get_by_role("combobox", name="Start from"),
                                                            "hostile")
    page.keyboard.press("Escape")
    assert page.locator("a[href*='evil']").count() == 0
    assert page.locator('[data-testid="stMain"] b').count() == 0
    shot(page, "hostile-name-saved")


def test_url_typed_as_slug_stays_text(lib_server, new_page):
    page = new_page()
    open_library(page, lib_server + "/library?lib_tab=Chips")
    commit(page.get_by_role("textbox", name="Slug (lower-case"), "https://evil.example")
    warning = page.locator('[data-testid="stAlertContentWarning"]')
    expect(warning).to_contain_text("evil.example' is not a slug", timeout=30_000)  # not the blank slug's
    idle(page)
    shot(page, "hostile-url-slug")
    assert page.locator("a[href*='evil']").count() == 0


def test_custom_chip_source_stays_text_in_slider_help(lib_server, home, new_page):
    (home / "chips").mkdir(exist_ok=True)
    (home / "chips" / "evil-source.toml").write_text(
        '[[chip]]\nslug = "evil-source"\nname = "Evil source"\nvendor = "x"\n'
        'source = "[CLICK](https://evil.example)"\nbf16_flops = 148e12\nfp8_flops = 296e12\n'
        "mem_bw_bytes_per_s = 4e12\nmem_bytes = 96e9\nnet_bytes_per_s = 50e9\nprice_usd_per_hour = 0.8\n")
    page = new_page()
    open_charts(page, lib_server + "/roofline?chips=EVIL-SOURCE&edit=Evil+source")
    expect(sidebar(page).get_by_role("combobox", name="Edit chip")).to_have_value("Evil source", timeout=30_000)
    sidebar(page).locator('[data-testid="stSlider"]').first.locator('[data-testid="stTooltipIcon"]').hover()
    page.get_by_text("source: ").last.wait_for(timeout=10_000)
    shot(page, "hostile-source-tooltip")
    assert page.locator("a[href*='evil']").count() == 0


def test_library_folder_is_shown_as_is(lib_server, home, new_page):
    page = new_page()
    open_library(page, lib_server + SCENARIO_TAB)
    text = page.get_by_text("Your library is in").inner_text()
    shot(page, "library-folder")
    assert f"Your library is in {home} (" in text, text  # the module's folder has '-' in its name


def test_a_shared_link_brings_its_custom_chip(lib_server, home, new_page, tmp_path):
    """Issue 22: my link with my own chip opens on a colleague's server (an empty library) with
    that chip selected and priced, and says the link brought it; before, the colleague fell back
    to the default chips without knowing why."""
    from costmodel import library
    from dashboard.user_library import store

    store.save_chip(library.parse_chip({**library.chip_entry(library.chip("h20")), "slug": "h20-linked",
                                          "price_usd_per_hour": 0.4}, "x"), home)
    page = new_page()
    open_charts(page, lib_server + "/?chips=H800&chips=H20-LINKED")
    page.wait_for_function("() => location.search.includes('custom=')", timeout=30_000)
    shared = urlsplit(page.url)
    with running_server(tmp_path / "colleague") as colleague:
        theirs = new_page()
        open_charts(theirs, f"{colleague}/?{shared.query}")
        expect(theirs.get_by_text("This link brings its own chip h20-linked")).to_be_visible(timeout=30_000)
        assert "H20-LINKED" in json.dumps(settled_charts(theirs, 2, "H20-LINKED"))
        assert not theirs.locator('[data-testid="stAlertContentWarning"]').count(), "nothing missing"
        no_errors(theirs)
        idle(theirs)
        theirs.close()
    assert not (tmp_path / "colleague" / "chips").exists(), "a link writes no file"
