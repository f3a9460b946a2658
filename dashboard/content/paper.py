"""The Paper reproduction page's content: every cell of Tables 2-7 and the Figure 1-2 totals, with the
library's chips and with the current ones."""
from __future__ import annotations

import pyarrow.compute as pc

from dashboard.content import compute, labels
from dashboard.content.charts import paper as charts
from dashboard.content.page import Lazy, PageContent, page_content
from dashboard.state.scenario import Scenario


def content(scenario: Scenario) -> PageContent:
    modified = compute.paper_chips_in_use(scenario)
    cells = compute.paper_cells(modified)
    n, ok, still = counts(cells)
    lines = [f"{ok} of {n} paper cells match with the library's chips",
             f"{still} of {n} still match with the current chips"
             + (" (modified: " + "; ".join(labels.modified_summary(c) for c in modified) + ")" if modified else "")]
    return page_content("paper", Lazy({
        "afd-vs-paper": lambda: charts.afd_vs_paper(cells, compute.model_names(), compute.paper_chip_labels(modified)),
    }), Lazy({"cells": cells.to_pandas}), lines)


def counts(cells) -> tuple[int, int, int]:
    """(cells, matching with the library's chips, still matching with the current ones) of
    ``compute.paper_cells``."""
    return cells.num_rows, pc.sum(cells["match"]).as_py() or 0, pc.sum(cells["still matches"]).as_py() or 0
