"""The Compare page as data: two to four scenarios side by side. Their headline figures as one
table (one column per scenario and each one's difference from the first), and the main charts
(cost vs context, roofline, the AFD plan's balance, the attention comparison) overlaid, each
scenario one style. Every figure is the one its own page shows for that scenario (built by that
page's content, ``pages.Page.build``, without a baseline)."""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from dashboard import pages
from dashboard.content import ranking
from dashboard.content.baseline import plain
from dashboard.content.charts import compare as charts
from dashboard.content.page import Lazy, PageContent, page_content
from dashboard.state.baseline import effective, without
from dashboard.state.scenario import Scenario

PAGE = "compare"
MAX_SCENARIOS = 4
CHARTS = {"cost-vs-context": ("context-sweep", "costs"), "roofline": ("roofline", "overlaid"),
          "afd-plan": ("afd", "balance"), "attention": ("attention", "paper-designs")}  # name: (page, its chart)
FIGURE, FROM = "figure", "page"


@functools.lru_cache(maxsize=32)
def page_of(slug: str, scenario: Scenario) -> PageContent:
    """Page ``slug``'s own content for ``scenario`` (no baseline), kept."""
    return pages.BY_SLUG[slug].build(scenario, compare=False)


@functools.lru_cache(maxsize=32)
def figures(scenario: Scenario) -> tuple[tuple[str, str, object], ...]:
    """The headline figures of ``scenario``: (page, figure, value), from the page each comes from:
    the Overview's costs (USD per 1M tokens, per model and chip, and AFD), the AFD page's plan
    (its key figures) and the co-design explorer's cheapest chip."""
    from dashboard.content import afd, codesign

    out = []
    for row in page_of("overview", scenario).tables["costs"].to_dict("records"):
        for column, value in row.items():
            if isinstance(value, float):
                out.append(("overview", f"{row['model']}: {column}", value))
    view = afd.view(scenario)
    plan = view.plan
    out += [("afd", "AFD plan: ratio", plan.layout), ("afd", "AFD plan: micro-batch", int(view.choice[2])),
            ("afd", "AFD plan: binding constraint", view.binding)]
    out += [("afd", f"AFD plan: {result.title}", float(fmt.format(result.shown(getattr(plan, result.name))).replace(",", "")))
            for result, fmt, _ in afd.KEY_FIGURES]
    ranked = codesign.chips_ranked(scenario, codesign.resolve(scenario, scenario.codesign))
    best = ranking.fits(ranked, scenario.context)
    out.append(("co-design", f"cheapest chip at {scenario.context:,} tokens", best[ranking.CHIP].iloc[0] if len(best) else "none"))
    return tuple(out)


def table(named: list[tuple[str, Scenario]]) -> pd.DataFrame:
    """The headline figures of each (name, scenario): one row per figure (a changed chip's row is
    its original's), one column per scenario, and per other scenario its difference from the
    first ('<name> − <first>') where both are numbers."""
    rows: dict = {}
    for name, scenario in named:
        for page, figure, value in figures(scenario):
            rows.setdefault((page, plain(figure)), {FROM: page, FIGURE: figure})[name] = value
    df = pd.DataFrame(list(rows.values()))
    first = named[0][0]
    for name, _ in named[1:]:
        if name in df and first in df:
            a, b = (pd.to_numeric(df[n].where(df[n].map(lambda v: isinstance(v, (int, float)))), errors="coerce")
                    for n in (name, first))
            df[f"{name} − {first}"] = a - b
            with np.errstate(divide="ignore", invalid="ignore"):
                df[f"{name} − {first} (%)"] = np.where(b != 0, 100 * (a / b - 1), np.nan)
    return df


def view(named: list[tuple[str, Scenario]]) -> PageContent:
    """The page's content for 2-4 (name, scenario), the first the reference."""
    names = [name for name, _ in named]
    build = {name: functools.partial(_overlaid, tuple(named), *where) for name, where in CHARTS.items()}
    return page_content(PAGE, Lazy(build), Lazy({"figures": lambda: table(named)}),
                        [f"Compared: {', '.join(names)}"])


def _overlaid(named: tuple, slug: str, chart: str) -> dict:
    return charts.overlay([page_of(slug, scenario).charts[chart] for _, scenario in named], [n for n, _ in named])


def content(scenario: Scenario) -> PageContent:
    """For the report: the scenario against its baseline (pinned, or a changed chip's original):
    the headline figures side by side. Its overlaid charts are left out there, as every other page
    of the same report already draws the baseline's series beside the current ones (ghosts)."""
    base = effective(scenario)
    now = without(scenario)
    full = view([("current", now)] + ([("baseline", base)] if base is not None else []))
    return page_content(PAGE, {}, full.tables, full.headlines + ["The charts of both scenarios: every page above, the "
                                                                 "baseline drawn beside the current series"])
