"""Download controls for the pages: every chart as PNG (2x), SVG, PDF, offline HTML and its data
as CSV; tables as CSV; one ZIP per page and one for all pages; the scenario as JSON.

All file work runs on click only (``st.download_button(data=callable)``), never on an ordinary
rerun; the files come from ``dashboard.export``, the same functions ``python -m dashboard
report`` uses. Static images share one warm chromium per server process
(``report.ImageExporter.shared()``, held for the process like an ``st.cache_resource``).

For a page: ``chart_downloads(spec, name, scenario, page)`` under each chart,
``table_download(df, name, scenario, page)`` under a table; the page's content, published once
per page (``frame.publish``), is what the sidebar's 'Download' menu (``sidebar_downloads``) offers.
Popovers draw their buttons only while open, so an ordinary rerun pays for none of them."""
from __future__ import annotations

import functools

import streamlit as st

from dashboard import pages
from dashboard.content.page import PageContent
from dashboard.widgets import draw
from dashboard.export import browser, report
from dashboard.state.scenario import Scenario

EXPORT_POPOVER = "pop_export"  # the sidebar's download menu

LABELS = {"png": "PNG (2x)", "svg": "SVG", "pdf": "PDF", "html": "HTML (offline)", "csv": "Data (CSV)"}
ICONS = {"png": ":material/image:", "svg": ":material/polyline:", "pdf": ":material/picture_as_pdf:",
         "html": ":material/html:", "csv": ":material/table:"}


@st.cache_resource(ttl=60, show_spinner=False)
def images_available() -> bool:
    """Whether chromium is installed (checked at most once a minute per server)."""
    return report.images_available()


def chart_downloads(spec: dict, name: str, scenario: Scenario, page: str = "chart") -> None:
    """A compact 'Download' popover under a chart: PNG, SVG, PDF, HTML and the plotted data as
    CSV, named '<page>-<name>_<models>_<chips>_<context>.<ext>', each with the scenario caption.
    Opening the popover reruns the page (a fragment rerun) and draws the buttons."""
    popover = st.popover("Download chart", icon=":material/download:", key=popover_key(page, name), on_change="rerun")
    if not popover.open:  # the buttons are drawn only while it is open: a rerun costs less
        return
    stem = report.file_stem(page, name, scenario)
    images = images_available()
    with popover:
        for fmt in report.FORMATS:
            missing = fmt in report.IMAGE_FORMATS and not images
            st.download_button(
                LABELS[fmt], data=functools.partial(report.chart_file, spec, fmt, scenario, page, name),
                file_name=f"{stem}.{fmt}", mime=report.MIME[fmt], key=f"dl_{page}_{name}_{fmt}",
                on_click="ignore", icon=ICONS[fmt], disabled=missing, width="stretch",
                help=report.INSTALL_HINT if missing else None)
        if not images:
            st.caption(report.INSTALL_HINT)


def chart(content: PageContent, name: str, key: str, scenario: Scenario) -> None:
    """Chart ``name`` of a page's content (widget key ``key``) with its download menu under it."""
    draw.plotly(content.charts[name], key)
    chart_downloads(content.charts[name], name, scenario, content.page)


def table(content: PageContent, name: str, scenario: Scenario, shown=None, **kwargs) -> None:
    """Table ``name`` of a page's content (``shown``: the rows or columns drawn, default all; the
    CSV holds the whole table) with its CSV button; ``kwargs`` go to ``draw.table``."""
    draw.table(content.tables[name] if shown is None else shown, **kwargs)
    table_download(content.tables[name], name, scenario, content.page)


def folded_table_key(page: str, name: str) -> str:
    """Widget key of a folded table's expander (its state: open or not)."""
    return f"open_{page}_{name}"


def folded_table(title: str, content, name: str, scenario) -> None:
    """The table ``name`` of ``content`` (a figures.PageContent) with its CSV button, in an
    expander titled ``title``, built and drawn only while open: opening it reruns the page's
    fragment, and a closed one costs a rerun nothing."""
    box = st.expander(title, key=folded_table_key(content.page, name), on_change="rerun")
    if box.open:
        with box:
            draw.table(content.tables[name])
            table_download(content.tables[name], name, scenario, content.page)


def popover_key(page: str, name: str) -> str:
    """Widget key of a chart's download popover (its state: open or not)."""
    return f"pop_{page}_{name}"


def table_download(table, name: str, scenario: Scenario, page: str = "table") -> None:
    """A small button: the table as CSV (full precision), named like the charts."""
    st.download_button("Table (CSV)", data=functools.partial(report.table_csv, table),
                       file_name=f"{report.file_stem(page, 'table-' + name, scenario)}.csv", mime=report.MIME["csv"],
                       key=f"dl_{page}_table_{name}", on_click="ignore", icon=":material/table:", type="tertiary")


def _zip(contents: list, scenario: Scenario, formats=report.FORMATS, progress=None) -> bytes:
    return report.zip_bytes(report.bundle_files(contents, scenario, formats, progress))


def page_zip(content: PageContent, scenario: Scenario, formats=report.FORMATS, progress=None) -> bytes:
    """The page bundle: report.html and report.pdf, every chart as PNG, SVG and CSV, the
    tables, scenario.json, summary.md (``progress``: as ``report.bundle_files``)."""
    return _zip([content], scenario, formats, progress)


def page_report(content: PageContent, scenario: Scenario, progress=None) -> bytes:
    """This page as a report: ``report.pdf`` of the page alone (findings, charts, tables)."""
    return report.bundle_files([content], scenario, ("pdf",), progress)[report.REPORT_FILES["pdf"]]


def all_pages_zip(scenario: Scenario, formats=report.FORMATS, progress=None) -> bytes:
    """Every page of the registry that has content (``pages.REPORTED``) in one bundle."""
    return _zip([page.build(scenario) for page in pages.REPORTED], scenario, formats, progress)


BUILT = "_bundles"  # {bundle key: (what it was built from, ZIP bytes)}: the session's last build only (bounded)


def _bundle(label: str, action: str, key: str, token, build, file_name: str, help_: str, mime: str = report.MIME["zip"],
            icon: str = ":material/folder_zip:") -> None:
    """A bundle (a ZIP, or with ``mime`` another file) built on request with a progress bar
    (images take seconds), then offered for download; rebuilt when ``token`` (what the bundle
    depends on) has changed."""
    def offer(data: bytes) -> None:
        st.download_button(label, data=data, file_name=file_name, mime=mime, key=f"dl_{key}",
                           on_click="ignore", icon=icon, width="stretch", type="primary",
                           help=help_)

    built = st.session_state.setdefault(BUILT, {})
    ready = built.get(key)
    if ready is not None and ready[0] == token:
        offer(ready[1])
        return
    if st.button(action, key=f"build_{key}", icon=icon, width="stretch", help=help_):
        bar = st.progress(0.0, text=f"Building {label}…")

        def step(done: int, total: int, what: str) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"Building {label}: {what} ({done} of {total})")

        try:
            data = build(progress=step)
        except browser.ImageExportError as err:
            bar.empty()
            st.error(draw.escape(str(err)), icon=":material/error:")
            return
        built.clear()  # one bundle kept per session: a ZIP can be megabytes
        built[key] = (token, data)
        bar.empty()
        offer(data)


def sidebar_downloads(scenario: Scenario, content: PageContent | None) -> None:
    """Sidebar: one 'Download' popover, its buttons drawn only while open: this page as a ZIP
    (when the page offered its content), every page as a ZIP, and the scenario JSON (what
    ``python -m dashboard report --scenario`` reads). A ZIP is built on request, with a progress
    bar, then downloaded; the scenario on click."""
    popover = st.popover("Download", icon=":material/download:", key=EXPORT_POPOVER, on_change="rerun",
                         width="stretch", help="This page or every page as a ZIP, or the scenario as JSON.")
    if not popover.open:
        return
    what = "charts as PNG, SVG and CSV" if images_available() else "charts as CSV (no chromium: no images, no PDF)"
    with popover:
        if content is not None:
            _bundle("This page (ZIP)", "Build this page's ZIP", f"bundle_{content.page}", (content.page, scenario),
                    functools.partial(page_zip, content, scenario), report.bundle_name(content.page, scenario),
                    f"One ZIP: report.html and report.pdf, {what}, tables as CSV, scenario.json and summary.md.")
            if images_available():
                _bundle("This page as a report (PDF)", "Build this page's report", f"report_{content.page}",
                        (content.page, scenario), functools.partial(page_report, content, scenario),
                        report.bundle_name(content.page, scenario).replace(".zip", ".pdf"),
                        "This page as a report to send: its findings, charts and tables in one PDF.",
                        mime=report.MIME["pdf"], icon=":material/picture_as_pdf:")
        _bundle("All pages (ZIP)", "Build the ZIP of all pages", "bundle_all", scenario,
                functools.partial(all_pages_zip, scenario),
                report.bundle_name("all-pages", scenario),
                "Every page in one ZIP: report.html and report.pdf, every chart as PNG, SVG and CSV, the tables, "
                "scenario.json and summary.md.")
        st.download_button("Scenario (JSON)", data=functools.partial(report.scenario_json, scenario),
                           file_name=f"scenario_{report.scenario_tag(scenario)}.json", mime=report.MIME["json"],
                           key="dl_scenario", on_click="ignore", icon=":material/data_object:", width="stretch",
                           help="Every input and the full chip and model specs; "
                                "`python -m dashboard report --scenario FILE --out DIR` rebuilds the report from it.")
        if not images_available():
            st.caption(report.INSTALL_HINT)
