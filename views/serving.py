"""Serving cost: what a request of a workload costs, prefill and decode together, for the sidebar's
models and chips: the cost split, the cost against input and output length, the pools over
every chip pair, and the modeled cost beside public API prices (a table the user edits). The
inputs build the Scenario's ``serve``; everything drawn comes from ``dashboard.content.serving.view``."""
from dataclasses import replace
import streamlit as st
from costmodel import api_prices
from costmodel.errors import InputError
from dashboard import pages
from dashboard.content import baseline, serving
from dashboard.state.baseline import effective
from dashboard.widgets import downloads, draw, frame, serve_inputs, sidebar

PLANS, PAIRS, API = "Plans (table)", "Pools and chip pairs", "Against API prices"
TABS = {"Cost split: prefill vs decode": ("split", "srv_split"), "Cost vs input length": ("vs-input", "srv_input"),
        "Cost vs output length": ("vs-output", "srv_output"), PAIRS: ("pairs", "srv_pairs"),
        API: ("vs-api", "srv_api"), PLANS: None}  # tab: its chart (name, key)

st.title("Serving cost: what a request costs")
st.markdown(
    "Prefill and decode of one request of the workload, for the sidebar's models and chips (slider changes applied; "
    "one chip runs both phases, the chip-pair tab mixes them). **Disaggregated**: a prefill pool sized so each prompt "
    "meets the TTFT target, its KV moved to a decode pool over the network; **colocated**: chunked prefill beside "
    "decode on one pool. Each pool's decode batch is the largest meeting the TPOT target with its KV in memory. "
    "`python -m costmodel serve` gives the same figures.")
inputs = serve_inputs.inputs()


def price_editor(scenario) -> tuple:
    """The API price table as an editor (a row added, changed or deleted is kept in the scenario
    file, not in the link); returns the prices as edited (() : the shipped ones unchanged)."""
    shown = scenario.api_price_table()
    key = f"srv_prices_{abs(hash(shown)):x}"  # a new table (loaded, reset) starts a new editor
    edited = st.data_editor(serving.price_table(shown), num_rows="dynamic", hide_index=True, key=key, width="stretch")
    try:
        prices = serving.prices_from_table(edited)
    except InputError as err:
        st.error(f"API prices, {draw.input_error(err)}: the table's last valid prices are used.")
        return scenario.api_prices
    if st.button("Back to the shipped prices", disabled=not scenario.api_prices, icon=":material/restart_alt:"):
        st.session_state[sidebar.KEPT["api_prices"]] = ()
        st.rerun()
    return () if prices == api_prices.prices() else prices


def body(scenario) -> None:
    scenario = frame.publish(replace(scenario, serve=inputs))  # the page's inputs go into its exports
    view = serving.view(scenario)
    view = replace(view, content=baseline.compared(view.content, scenario))
    base = effective(scenario)
    old = baseline.before_view("serving", base) if base is not None else None
    if view.best is None:
        reasons = dict.fromkeys(cell.reason for cell in view.cells)
        st.warning(draw.escape(f"No model and chip of the sidebar has a plan for {view.workload}: " + "; ".join(reasons)),
                   icon=":material/warning:")
    else:
        draw.key_figures([(label, value, draw.escape(note), *hint) for label, value, note, *hint  # names as text
                          in serving.key_figures(view)], footnote=f"The workload: {view.workload}.",
                         changes=serving.key_changes(view, old))
    tab, box = draw.open_tab(list(TABS), pages.BY_SLUG["serving"].tabs.key)
    with box:  # only the open tab is computed and drawn
        if tab == API:
            st.caption("Public list prices (USD per 1M tokens) with their provider, date and source: edit a price, add "
                       "or delete a row; your table goes into the scenario file (Download, Scenario JSON).")
            edited = price_editor(scenario)
            if edited != scenario.api_prices:
                scenario = frame.publish(replace(scenario, api_prices=edited))
                view = replace(view, content=baseline.compared(serving.view(scenario).content, scenario))
        if tab == PLANS:
            st.caption("Every (model, chip) with a plan: `python -m costmodel serve --format json` gives the same "
                       "fields; prefill share as a fraction of the request's cost.")
            downloads.table(view.content, "plans", scenario)
        else:
            name, key = TABS[tab]
            downloads.chart(view.content, name, key, scenario)
            if name == "pairs":
                downloads.folded_table("Every chip pair's plan (table)", view.content, "chip-pairs", scenario)
            if name == "vs-api":
                downloads.folded_table("The API prices beside the modeled cost (table)", view.content, "api-prices",
                                       scenario)
    frame.publish(scenario, view.content)


frame.live(body)
