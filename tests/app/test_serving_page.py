"""The Serving cost page through the real app.py: what a request costs, prefill and decode, for the
sidebar's models and chips. Its figures are the command line's (`python -m costmodel serve`, run
as a user would, in a subprocess); its inputs live in the URL and the scenario; the cost split,
the length charts' crossovers, the chip-pair search and the API prices say what the core says;
bad input names its field."""
from __future__ import annotations

import contextlib
import io
import json
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from app_harness import TABS, metric, open_app, open_tab
import pandas as pd

from costmodel import __main__ as costmodel_cli, api_prices, library, serving
from costmodel.errors import InputError
from dashboard.content import serving as serving_content
from costmodel.api_prices import ApiPrice
from dashboard.state.scenario import Scenario
from dashboard.widgets import sidebar

ROOT = Path(__file__).resolve().parents[2]
KEY, LABELS = TABS["serving"]
SPLIT, VS_INPUT, VS_OUTPUT, PAIRS, API, PLANS = LABELS


def open_page(query: dict | None = None, tab: str | None = None):
    at = open_app("serving", query)
    assert not at.exception, [e.message for e in at.exception]
    return open_tab(at, KEY, tab) if tab else at


def figure(at, i: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def cli(*args, data=None) -> list[dict]:
    """`python -m costmodel [--data DIR] serve ... --format json` (its main, in this process: the
    command line's own subprocess runs are tests/unit/test_cli.py's)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert costmodel_cli.main([*(["--data", str(data)] if data else []), "serve", *args, "--format", "json"]) == 0
    return json.loads(out.getvalue())


def per_chip(models=("step-3", "deepseek-v3", "qwen3-235b-a22b"), chips=("h800", "h20", "a800", "910b"),
             decode=None) -> dict:
    """{(model, prefill chip, decode chip): the command line's row}, ep over 16 GPUs; decode on
    each prefill chip itself, or on every chip of ``decode``."""
    return {(r["model"], r["prefill_chip"], r["decode_chip"]): r for p in chips for d in (decode or (p,))
            for r in cli("--model", *models, "--prefill-chip", p, "--decode-chip", d, "--gpus", "16")}


def test_key_figures_and_the_split_are_the_command_lines():
    """The cheapest (model, chip) of the default sidebar and the bar of DeepSeek-V3 on H20 equal
    `python -m costmodel serve` at the page's defaults (2,000 in, 500 out, ep over 16 GPUs)."""
    at = open_page()
    assert not at.error, [e.value for e in at.error]
    rows = per_chip()
    cheapest = min(rows.values(), key=lambda r: r["usd_per_request"])
    usd = metric(at, "USD per 1,000 requests")
    assert usd.value == f"${cheapest['usd_per_request'] * 1000:.3g}"
    assert library.model(cheapest["model"]).name in usd.delta
    assert metric(at, "USD per 1M output tokens").value == f"${cheapest['usd_per_mtok_output']:.3g}"
    assert metric(at, "prefill GPUs").value == f"{cheapest['prefill_gpus']:,} : {cheapest['decode_gpus']:,}"
    assert metric(at, "TTFT").value == f"{cheapest['ttft_ms']:,.0f} / {cheapest['tpot_ms']:.1f} ms"
    bars = {t["name"]: dict(zip(t["y"], t["x"])) for t in figure(at)["data"]}
    h20 = rows[("deepseek-v3", "h20", "h20")]
    total = bars["prefill"]["DeepSeek-V3 · H20"] + bars["decode"]["DeepSeek-V3 · H20"]
    assert total == pytest.approx(h20["usd_per_request"] * 1000, rel=1e-9)
    assert bars["prefill"]["DeepSeek-V3 · H20"] / total == pytest.approx(h20["prefill_share"], rel=1e-9)
    assert len(bars["prefill"]) == 12, "every model on every chip has a plan at the defaults"


def test_inputs_live_in_the_url_and_the_scenario():
    query = {"srv_input_tokens": "8000", "srv_output_tokens": "300", "srv_cache_hit": "0.5", "srv_mode": "COLOCATED",
             "srv_ttft_ms": "10000", "srv_pricing": "OWNERSHIP"}
    at = open_page(query)
    assert not at.error, [e.value for e in at.error]
    kept = at.session_state[sidebar.SERVE_KEY]
    assert (kept.input_tokens, kept.output_tokens, kept.cache_hit, kept.mode, kept.ttft_ms, kept.pricing) == \
        (8000, 300, 0.5, "colocated", 10000.0, "ownership")
    note = metric(at, "USD per 1M input tokens").delta.replace("\\", "")  # as shown: markdown escapes removed
    assert "cache hit $" in note, "cached input priced when there are hits"
    assert "owned $" in metric(at, "USD per 1M output tokens").delta.replace("\\", ""), "the pricing named"
    back = Scenario.from_dict(json.loads(json.dumps(Scenario(serve=kept).to_dict())))
    assert back.serve == kept, "the scenario file carries the page's inputs"
    assert "8,000 in / 300 out tokens, 50% cached" in figure(at)["layout"]["title"]["text"]


def test_length_charts_cross_where_prefill_and_decode_cost_the_same():
    """On each length chart a circle marks where the prefill's share crosses 50%: at that length
    (rounded), evaluated on its own, the share is within 5 points of one half."""
    at = open_page()
    scenario = at.session_state["_final_scenario"]
    for tab, axis in ((VS_INPUT, "input_tokens"), (VS_OUTPUT, "output_tokens")):
        fig = figure(open_tab(at, KEY, tab))
        assert fig["layout"]["xaxis"]["type"] == "log" and "tokens" in fig["layout"]["xaxis"]["title"]["text"]
        circles = next(t for t in fig["data"] if t["name"].startswith("prefill = decode"))
        assert len(circles["x"]) >= 6
        for x, (name,) in zip(circles["x"], circles["customdata"]):
            model_name, chip_name = name.split(" · ")
            model = next(m for m in scenario.model_specs() if m.name == model_name)
            chip = next(c for c in scenario.chip_specs() if c.slug.upper() == chip_name)
            setup = scenario.serve_setup(model, chip, chip)
            plan = serving.evaluate(replace(setup, workload=replace(setup.workload, **{axis: round(x)})))
            assert plan.prefill_share == pytest.approx(0.5, abs=0.05), (name, axis, x)


def test_chip_pairs_box_the_cheapest_pair_of_each_model():
    at = open_page(tab=PAIRS)
    assert not at.error
    fig = figure(at)
    heatmaps = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert [t["name"] for t in heatmaps] == ["Step-3", "DeepSeek-V3", "Qwen3-235B-A22B"]
    chips = ("h800", "h20", "a800", "910b")
    best = min(per_chip(("deepseek-v3",), chips, chips).values(), key=lambda r: r["usd_per_request"])
    ds = heatmaps[1]
    i, j = ds["y"].index(best["prefill_chip"].upper()), ds["x"].index(best["decode_chip"].upper())
    assert ds["z"][i][j] == pytest.approx(best["usd_per_request"] * 1000, rel=1e-9)
    assert min(v for row in ds["z"] for v in row if v is not None) == ds["z"][i][j]
    box = fig["layout"]["shapes"][1]
    assert (box["x0"] + 0.5, box["y0"] + 0.5) == (j, i), "the cheapest pair boxed"


def test_api_prices_beside_the_modeled_cost_and_edits_kept():
    """The API diamonds are the shipped list prices applied to the workload's request (read from
    data/api_prices.toml here); an edited table (as the editor leaves it) replaces them and goes
    into the scenario file."""
    shipped = tomllib.loads((ROOT / "data" / "api_prices.toml").read_text())["price"]
    at = open_page(tab=API)
    assert not at.error and len(at.get("arrow_data_editor") or at.dataframe) >= 1
    fig = figure(at)
    api = next(t for t in fig["data"] if t["name"] == "public API list price")
    ds = [p for p in shipped if p["model"] == "deepseek-v3"]
    expected = sorted((2000 * p["input"] + 500 * p["output"]) / 1e6 * 1000 for p in ds)
    assert sorted(x for x, y in zip(api["x"], api["y"]) if y == "DeepSeek-V3") == pytest.approx(expected)
    mine = ApiPrice("deepseek-v3", "My quote", 0.1, None, 0.2, "2026-12-01", "a user's own quote")
    at.session_state[sidebar.KEPT["api_prices"]] = (mine,)
    at = open_tab(at.run(), KEY, API)
    api = next(t for t in figure(at)["data"] if t["name"] == "public API list price")
    assert api["x"] == pytest.approx([(2000 * 0.1 + 500 * 0.2) / 1e6 * 1000])
    assert at.session_state["_final_scenario"].api_prices == (mine,)
    saved = Scenario.from_dict(json.loads(json.dumps(at.session_state["_final_scenario"].to_dict())))
    assert saved.api_prices == (mine,) and saved.api_price_table() == (mine,)


def test_the_price_editors_table_reads_back_and_names_a_bad_cell():
    """What the editor returns (empty cells as None or NaN, a row added) becomes prices; a price
    that is not one is named by its row and field."""
    shipped = api_prices.prices()
    table = serving_content.price_table(shipped)
    assert serving_content.prices_from_table(table) == shipped
    added = pd.concat([table, pd.DataFrame([{"model (slug)": "step-3", "provider": "Mine",
                                             "USD per 1M input tokens (cache miss)": 0.1,
                                             "USD per 1M input tokens (cache hit)": float("nan"),
                                             "USD per 1M output tokens": 0.4, "date": "2026-12-06",
                                             "source": "my quote"}])], ignore_index=True)
    mine = serving_content.prices_from_table(added)[-1]
    assert (mine.provider, mine.input, mine.input_cached, mine.output) == ("Mine", 0.1, None, 0.4)
    added.loc[0, "USD per 1M output tokens"] = -1.0
    with pytest.raises(InputError) as err:
        serving_content.prices_from_table(added)
    assert err.value.field == "price 1: output"


def test_every_tab_draws_and_the_table_has_every_plan():
    at = open_page()
    for tab in LABELS[1:]:
        at = open_tab(at, KEY, tab)
        assert not at.exception and not at.error, tab
    plans = next(d.value for d in at.dataframe if "USD per request" in d.value.columns)
    assert len(plans) == 12 and (plans["TTFT (ms)"] <= 2000).all() and (plans["TPOT (ms)"] <= 50).all()


@pytest.mark.parametrize("query, field", [({"srv_mix": "2000:500"}, "serve.mix"),
                                          ({"srv_mode": "COLOCATED", "srv_deployment": "AFD"}, "serve.deployment")])
def test_bad_input_names_its_field(query, field):
    at = open_app("serving", query)
    assert not at.exception
    assert any(field in e.value for e in at.error), [e.value for e in at.error]


def test_a_target_no_plan_meets_is_said_not_drawn():
    at = open_page({"srv_ttft_ms": "1", "srv_input_tokens": "100000"})
    assert not at.exception
    assert not [m for m in at.metric if m.label.startswith("USD per 1,000")], "no key figure without a plan"
    assert any("has a plan" in w.value and "ttft" in w.value.lower() for w in at.warning), [w.value for w in at.warning]


def test_a_moved_chip_slider_shows_the_change_against_its_original(tmp_path):
    """More H800 bandwidth (a link's slider value): the cost per 1,000 requests shows its change
    against the library H800 (the implicit baseline), equal to the difference of two independent
    runs of the command line (the library as it is, and a copy of it whose H800 has 5 TB/s)."""
    import shutil

    import tomli_w

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    chips = tomllib.loads((data / "chips.toml").read_text())
    next(c for c in chips["chip"] if c["slug"] == "h800")["mem_bw_bytes_per_s"] = 5e12
    (data / "chips.toml").write_text(tomli_w.dumps(chips))
    at = open_page({"h800_hbm_tbps": "5"})
    assert not at.error, [e.value for e in at.error]
    usd = metric(at, "USD per 1,000 requests")
    assert "vs baseline" in usd.delta
    old = min(r["usd_per_request"] for r in per_chip().values())
    now = min(r["usd_per_request"] for r in cli("--model", "step-3", "deepseek-v3", "qwen3-235b-a22b",
                                                "--prefill-chip", "h800", "--gpus", "16", data=data))
    assert usd.value == f"${now * 1000:.3g}" and now < old
    assert usd.delta.startswith(f"-${(old - now) * 1000:.3g} ({100 * (now - old) / old:+.1f}%)"), (usd.delta, now, old)
    split = figure(at)
    assert any(t.get("legendgroup") == "baseline" for t in split["data"]), "the original's bars as ghosts"
