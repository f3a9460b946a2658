"""The dashboard's pages, declared once: everything that lists pages reads this registry.

A page is its slug (its URL path, its script ``views/<slug>.py`` and its name in the report's
``--pages`` and in exported file names), its title and icon in the navigation, the function that
builds its content from a Scenario (``dashboard.content.<module>.content``, named here and imported
on use: this module imports no other part of the dashboard, so any part may read it), the title of
its section in a report, and its tabs (the widget key and URL parameter of the open tab, and the
tabs' labels). app.py navigates over ``PAGES``; the report, the dashboard's command line, the URL
checks, the link guard, the test harnesses and the benchmarks read it too.

A new page is one entry here and its script ``views/<slug>.py`` (app.py's navigation serves it at
``/<slug>``; the folder is not ``pages/``, whose name would put a fresh server in Streamlit's
folder mode: ``dashboard.widgets.navigation``)."""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Tabs:
    """A page's tabs: ``key`` is the widget key and the URL query parameter of the open tab;
    ``labels`` the tabs in order (the first is open by default)."""

    key: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    slug: str  # URL path, script views/<slug>.py, report page name
    title: str  # in the navigation
    icon: str
    content: str | None = None  # 'module' of dashboard.content whose ``content(scenario)`` builds the page (None: none)
    report_title: str | None = None  # the page's section in a report (None: the title)
    tabs: Tabs | None = None
    compares: bool = True  # drawn against the baseline (False: the Compare page, which is a comparison)

    @property
    def script(self) -> str:
        """The page's script, relative to the project folder."""
        return f"views/{self.slug}.py"

    @property
    def url_path(self) -> str:
        """Where the page is served: '' for the default page (Streamlit serves it at the root,
        whatever its path), else its slug."""
        return "" if self is DEFAULT else self.slug

    @property
    def section(self) -> str:
        return self.report_title or self.title

    def build(self, scenario, compare: bool = True):
        """The page's content (``dashboard.content.page.PageContent``) for ``scenario``; against its
        baseline (``dashboard.content.baseline``: ghosts, change columns) unless ``compare`` is False."""
        content = importlib.import_module(f"dashboard.content.{self.content}").content(scenario)
        if not (compare and self.compares):
            return content
        return importlib.import_module("dashboard.content.baseline").compared(content, scenario)


PAGES = (
    Page("overview", "Overview", ":material/home:", "overview"),
    Page("roofline", "Roofline", ":material/show_chart:", "roofline", "Roofline per chip",
         Tabs("roof_view", ("All chips overlaid", "One panel per chip"))),
    Page("context-sweep", "Context sweep", ":material/timeline:", "context_sweep",
         tabs=Tabs("sweep_tab", ("Cost per 1M tokens", "KV cache vs HBM", "Where the picture changes"))),
    Page("attention", "MFA vs MLA vs GQA", ":material/compare_arrows:", "attention",
         tabs=Tabs("att_tab", ("(a) The paper's three designs", "(b) Same body, different attention",
                               "(c) What-ifs: 4-bit KV and multi-token prediction",
                               "(d) Measured vs modeled latency (Table 9)", "(e) Validation of the latency model"))),
    Page("afd", "AFD sizing", ":material/balance:", "afd",
         tabs=Tabs("afd_tab", ("Stage balance", "Pipeline of one decode step", "Best ratio vs context",
                               "Three models, one SLA", "The plan as a table", "Mixed chip pools"))),
    Page("deployments", "Deployments", ":material/lan:", "deployments",
         tabs=Tabs("dep_tab", ("Throughput vs requests per GPU", "Throughput vs TPOT", "Throughput vs interactivity",
                               "Step timeline", "Chosen points (table)"))),
    Page("serving", "Serving cost", ":material/payments:", "serving", "Serving cost: prefill and decode of a request",
         Tabs("srv_tab", ("Cost split: prefill vs decode", "Cost vs input length", "Cost vs output length",
                          "Pools and chip pairs", "Against API prices", "Plans (table)"))),
    Page("paper", "Paper reproduction", ":material/fact_check:", "paper",
         tabs=Tabs("paper_tab", ("Figure 1 totals: paper vs current chips",
                                 "Every cell: paper, library chips, current chips"))),
    Page("co-design", "Co-design explorer", ":material/join_inner:", "codesign",
         tabs=Tabs("cod_tab", ("Design space: sweet spots and cost", "Intensity, KV and context per GPU",
                               "What a chip wants", "What a model wants: sensitivity",
                               "What a model wants: FLOP/s and bandwidth", "What a model wants: chips"))),
    Page("compare", "Compare scenarios", ":material/difference:", "compare", compares=False),
    Page("library", "Your chips and models", ":material/library_add:",
         tabs=Tabs("lib_tab", ("Chips", "Models", "Import config.json", "Scenarios and library file"))),
)
DEFAULT = PAGES[0]  # served at '/'
BY_SLUG = {page.slug: page for page in PAGES}
REPORTED = tuple(page for page in PAGES if page.content is not None)  # the pages a report holds, in order
TAB_KEYS = tuple(page.tabs.key for page in PAGES if page.tabs is not None)  # URL parameters of the open tabs


def build(slug: str, scenario):
    """The content of page ``slug`` (a reported page) for ``scenario``."""
    return BY_SLUG[slug].build(scenario)
