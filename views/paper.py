"""Paper reproduction: every cell of Tables 2-7 and the Figure 1-2 totals, with the library's
chips and with the current (slider-modified) chips."""
import streamlit as st
from dashboard.content import baseline, compute, labels, paper
from dashboard.widgets import downloads, draw, frame
from dashboard.state.baseline import effective

TABS = ["Figure 1 totals: paper vs current chips", "Every cell: paper, library chips, current chips"]
st.title("Paper reproduction (Step-3 report, Tables 2–7)")


def body(scenario) -> None:
    content = baseline.compared(paper.content(scenario), scenario)
    modified = compute.paper_chips_in_use(scenario)
    cells = compute.paper_cells(modified)  # the content's table, as Arrow: drawn without pandas
    n, ok, still = paper.counts(cells)
    summary = st.container()  # filled after the open tab: its chart reaches the browser first
    tab, box = draw.open_tab(TABS, "paper_tab")
    with box:
        if tab == TABS[1]:
            draw.table(cells, height=520, column_config={"change (%)": st.column_config.NumberColumn(format="%.2f")})
            downloads.table_download(content.tables["cells"], "cells", scenario, content.page)
        else:
            draw.plotly(content.charts["afd-vs-paper"], "paper_afd")
            downloads.chart_downloads(content.charts["afd-vs-paper"], "afd-vs-paper", scenario, content.page)
    base = effective(scenario)
    was = paper.counts(compute.paper_cells(compute.paper_chips_in_use(base))) if base is not None else None
    changes = None if was is None else [
        (text, colour) if (text := baseline.delta(now, before, "{:,.0f}")) else None
        for now, before, colour in zip((n, ok, still), was, ("off", "normal", "normal"))]
    with summary:
        draw.key_figures([
            ("Cells checked", f"{n}", "Tables 2–7 and the Figure 1–2 totals"),
            ("Match the paper (library chips)", f"{ok} / {n}", "to the digits the paper prints"),
            ("Still match with current chips", f"{still} / {n}",
             "as many as with the library chips" if still == ok else f"{ok - still} fewer than with the library chips"),
        ], changes=changes)
        if modified:
            st.info("Modified chips in use: " + "; ".join(labels.modified_summary(c) for c in modified))
        else:
            st.caption("No chip modified: move a chip slider to see how far it moves the paper's numbers.")
    frame.publish(scenario, content)


frame.live(body)
