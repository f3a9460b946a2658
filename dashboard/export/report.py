"""Report-grade files from figure dicts and tables: PNG (2x), SVG, PDF, offline HTML, chart data
and tables as CSV, the scenario with every spec it used as JSON, a Markdown summary, the report
in one file (``report.html``, ``report.pdf``: ``dashboard.report_page``), and the bundle (ZIP or
folder) of a page or of all pages. No Streamlit here: the dashboard's download buttons
(``dashboard.export``) and ``python -m dashboard report`` call the same functions, so the two
bundles are the same files. Images and the PDF come from the warm export browser
(``dashboard.browser``)."""
from __future__ import annotations

import concurrent.futures
import copy
import csv
import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

from costmodel import __version__, escape, library
from costmodel.files import clean_stale, is_regular, read_bytes, remove, temp_path
from costmodel.errors import InputError
from costmodel.paper import PAPER_CHIPS, PAPER_MODELS

from dashboard.content import labels
from dashboard.export import findings, numbers, report_html
from dashboard.export.browser import IMAGE_FORMATS, INSTALL_HINT, ImageExporter, images_available
from dashboard.state.scenario import Scenario

FORMATS = IMAGE_FORMATS + ("html", "csv")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "html": "text/html",
        "csv": "text/csv", "json": "application/json", "zip": "application/zip", "md": "text/markdown"}
WIDTH_PX = 1300  # layout pixels of exported images: the dashboard's wide layout
SCALE = 2  # PNG pixels per layout pixel
CAPTION_PX = 34  # room added under each exported figure for the scenario caption
SWEEP_PAGES = ("context-sweep", "attention")  # pages whose charts span the sweep range
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed member timestamps: the same inputs give the same ZIP


# --- names, captions ----------------------------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.+-]+", "-", text.lower()).strip("-")


def scenario_tag(scenario: Scenario, page: str | None = None) -> str:
    """'step-3+deepseek-v3_h800mod+h20_8k' : models, chips (modified ones marked), context. On
    the AFD page: its model, attention+FFN chips and context ('step-3_h20+h800_4k'); on the
    Deployments page the context is the page's (and the GPUs are added: '_32gpus')."""
    def chip(c):
        return c.slug + ("mod" if c.is_modified else "")

    if page == "afd":
        setup = scenario.afd_setup()
        parts = (scenario.afd.model, chip(setup.attention_chip) + "+" + chip(setup.ffn_chip),
                 labels.tokens(setup.context))
        return "_".join(_slug(part) for part in parts)
    models = "+".join(scenario.models) if len(scenario.models) <= 3 else f"{len(scenario.models)}models"
    chips = "+".join(chip(c) for c in scenario.chip_specs())
    if len(scenario.chips) > 4:
        chips = f"{len(scenario.chips)}chips" + ("mod" if scenario.chip_overrides else "")
    if page == "deployments":
        d = scenario.deploy
        return "_".join(_slug(part) for part in (models, chips, labels.tokens(d.context or scenario.context),
                                                 f"{d.gpus}gpus"))
    return "_".join(_slug(part) for part in (models, chips, labels.tokens(scenario.context)))


def file_stem(page: str, name: str, scenario: Scenario) -> str:
    """Meaningful file name (no extension): page, chart or table, models, chips, context."""
    return f"{_slug(page)}-{_slug(name)}_{scenario_tag(scenario, page)}"


def afd_caption(scenario: Scenario) -> str:
    """The AFD page's inputs in one line (model, chips, context, target, pipeline, precisions)."""
    a, setup = scenario.afd, scenario.afd_setup()

    def chip(c):
        return labels.modified_summary(c) if c.is_modified else labels.chip_label(c)

    parts = [setup.model.name, f"{chip(setup.attention_chip)} attention + {chip(setup.ffn_chip)} FFN",
             f"context {labels.tokens(setup.context)} tokens", f"TPOT target {a.tpot_ms:g} ms",
             f"{a.stages} stages, {a.micro_batches} micro-batches, {a.attention_gpus}+{a.ffn_gpus} GPUs/instance",
             f"{a.attention_dtype.upper()} attention, {(a.kv_dtype or a.attention_dtype).upper()} KV, "
             f"{scenario.weight_dtype.upper()} weights, {a.ffn_parallel.upper()}"]
    if a.attention_net_gbps is not None or a.ffn_net_gbps is not None:
        parts.append(f"network {labels.network_label(setup)}")
    return " · ".join(parts + [f"costmodel {__version__}"])


def deploy_caption(scenario: Scenario) -> str:
    """The Deployments page's inputs in one line (deployments, GPUs, context, chosen point,
    overlap, balance, precisions, timing, network)."""
    d = scenario.deploy
    point = f"{d.batch_per_gpu:,} requests per GPU" if d.batch_per_gpu is not None else f"{d.tpot_ms:g} ms target"
    chips = ", ".join(labels.modified_summary(c) if c.is_modified else labels.chip_label(c)
                      for c in scenario.chip_specs())
    parts = [f"ep, tp, afd over {labels.deploy_setup(d, scenario.context)}", f"chips {chips}", point,
             f"overlap {'default' if d.overlap is None else f'{d.overlap:g}'}, balance "
             f"{'default' if d.balance is None else f'{d.balance:g}'}, {d.redundant_experts} redundant experts",
             f"{d.kv_dtype.upper()} KV, {d.attention_dtype.upper()} attention, {scenario.weight_dtype.upper()} weights",
             f"{d.timing} timing" + ("" if d.net_gbps is None else f", {d.net_gbps:g} GB/s network per GPU")]
    return " · ".join(parts + [f"costmodel {__version__}"])


PAGE_CAPTIONS = {"afd": afd_caption, "deployments": deploy_caption}  # pages whose own inputs make their caption


def caption(scenario: Scenario, page: str | None = None) -> str:
    """The scenario in one line, printed under every exported figure."""
    if page in PAGE_CAPTIONS:
        return PAGE_CAPTIONS[page](scenario)
    chips = scenario.chip_specs()
    modified = [labels.modified_summary(c) for c in chips if c.is_modified]
    parts = [f"Chips {', '.join(labels.chip_label(c) for c in chips)}"
             + (f" (modified: {'; '.join(modified)})" if modified else " (library specs)"),
             f"context {labels.tokens(scenario.context)} tokens"]
    if page in SWEEP_PAGES:
        parts.append(f"sweep {labels.tokens(scenario.sweep_min)}–{labels.tokens(scenario.sweep_max)} "
                     f"({scenario.sweep_axis})")
    parts += [f"KV {scenario.kv_dtype.upper() if scenario.kv_dtype else 'model default'}",
              f"weights {scenario.weight_dtype.upper()}", f"decode batch {scenario.batch}",
              f"costmodel {__version__}"]
    return " · ".join(parts)


def _margin(layout: dict) -> dict:
    base = layout.get("template", {}).get("layout", {}).get("margin", {})
    return {"l": 80, "r": 80, "t": 100, "b": 80, **base, **layout.get("margin", {})}


def _legend_height_px(spec: dict, width_px: int) -> float:
    """Estimated height of a horizontal legend: items (~7 px per character plus the symbol)
    wrapped over the figure width, ~20 px per row."""
    widths = []
    for trace in spec["data"]:
        if trace.get("showlegend") is False or not trace.get("name"):
            continue
        group = (trace.get("legendgrouptitle") or {}).get("text")
        if group:
            widths.append(20 + 7 * len(group))
        widths.append(45 + 7 * len(str(trace["name"])))
    rows, used = 1, 0.0
    for w in widths:
        if used and used + w > width_px:
            rows, used = rows + 1, 0.0
        used += w
    return 20.0 * rows + 12


def decorate(spec: dict, scenario: Scenario, page: str | None = None, width_px: int = WIDTH_PX) -> dict:
    """A copy of ``spec`` with the scenario caption under the plot; the chart's own title and
    axis titles (with units) are kept. The plot area keeps its on-screen height; the bottom
    margin grows to hold a legend placed under the plot (so Plotly's automargin need not shrink
    the plot, which would move a paper-anchored caption) and then the caption line."""
    out = {"data": spec["data"], "layout": copy.deepcopy(spec["layout"])}
    layout = out["layout"]
    margin = _margin(layout)
    plot_h = layout.get("height", 450) - margin["t"] - margin["b"]
    legend = layout.get("legend", {})
    bottom = margin["b"]
    if legend.get("orientation") == "h" and legend.get("y", 1.02) < 0 and layout.get("showlegend", True):
        bottom = max(bottom, -legend["y"] * plot_h + _legend_height_px(spec, width_px - margin["l"]))
    margin["b"] = int(round(bottom + CAPTION_PX))
    layout["margin"] = margin
    layout["height"] = margin["t"] + plot_h + margin["b"]
    layout["annotations"] = list(layout.get("annotations", [])) + [{
        "text": escape.plotly(caption(scenario, page)), "showarrow": False, "xref": "paper", "yref": "paper",
        "x": 0, "xanchor": "left", "y": -(margin["b"] - 8) / plot_h, "yanchor": "bottom",
        "font": {"size": 11, "color": "#4B5563"}, "name": "scenario-caption",
    }]
    return out


# --- one chart, one format ----------------------------------------------------------------------
def image_bytes(spec: dict, fmt: str, scenario: Scenario, page: str | None = None) -> bytes:
    """PNG (2x), SVG or PDF of a chart with its caption, through the warm exporter."""
    fig = decorate(spec, scenario, page)
    return ImageExporter.shared().image(fig, fmt, WIDTH_PX, fig["layout"]["height"], SCALE if fmt == "png" else 1)


def html_bytes(spec: dict, scenario: Scenario, page: str | None = None, name: str = "chart") -> bytes:
    """Standalone HTML with plotly.js embedded (opens with no network)."""
    import plotly.io as pio

    fig = decorate(spec, scenario, page)
    body = pio.to_html(fig, include_plotlyjs=True, full_html=True, validate=False, div_id=_slug(name) or "chart",
                       config={"displaylogo": False, "responsive": True})
    title = escape.html(escape.plotly_plain(spec["layout"].get("title", {}).get("text", name)))
    return body.replace("<head>", f"<head><meta charset=\"utf-8\"><title>{title}</title>", 1).encode()


def _axis_title(layout: dict, ref: str | None, letter: str) -> str:
    key = f"{letter}axis{(ref or letter)[1:]}"
    return (layout.get(key, {}).get("title") or {}).get("text", "")


CHART_CSV_COLUMNS = ("trace", "x axis", "y axis", "z axis", "x", "y", "z", "base")


def _points(trace: dict) -> list[tuple]:
    """(x, y, z, base) of each point of a trace. A chart drawn in transformed coordinates (log,
    panels side by side) gives the values behind it as ``meta["values"]`` (x, y, optional z
    matrix indexed [y][x]); a grid (heatmap, contour) gives one point per cell, and a grid
    without such values is a decoration (a ridge line over a heatmap) and gives none."""
    values = (trace.get("meta") or {}).get("values") or {}
    xs, ys = values.get("x", trace.get("x") or []), values.get("y", trace.get("y") or [])
    if "z" in values:
        return [(x, y, values["z"][i][j], None) for i, y in enumerate(ys) for j, x in enumerate(xs)]
    if isinstance(trace.get("z"), list):
        return []
    base = trace.get("base")
    return [(x, y, None, base[k] if isinstance(base, list) else base) for k, (x, y) in enumerate(zip(xs, ys))]


def chart_rows(spec: dict) -> list[dict]:
    """The plotted points: one row per (trace, point) with the axis titles; legend-only traces
    (no data) left out. ``z``: a grid cell's value (empty otherwise); ``base``: where a stacked
    bar starts (empty otherwise)."""
    rows = []
    layout = spec["layout"]
    for i, trace in enumerate(spec["data"]):
        points = _points(trace)
        if not any(x is not None for x, *_ in points):
            continue
        name = trace.get("name") or f"trace {i + 1}"
        xt, yt = _axis_title(layout, trace.get("xaxis"), "x"), _axis_title(layout, trace.get("yaxis"), "y")
        zt = ((trace.get("meta") or {}).get("values") or {}).get("z axis", "")
        rows += [{"trace": name, "x axis": xt, "y axis": yt, "z axis": zt, "x": x, "y": y, "z": z, "base": b}
                 for x, y, z, b in points]
    return rows


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back to the same float
    if isinstance(value, str):
        return escape.csv_cell(escape.plotly_plain(value))  # a chart's text (a name) as plain text
    return value


def chart_csv(spec: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHART_CSV_COLUMNS)
    for row in chart_rows(spec):
        writer.writerow([_cell(row[c]) for c in CHART_CSV_COLUMNS])
    return out.getvalue().encode()


def table_csv(table) -> bytes:
    """A DataFrame as CSV (floats at full precision; no text cell a spreadsheet would run as a formula)."""
    cells = table.rename(columns=escape.csv_cell).map(escape.csv_cell)
    return cells.to_csv(index=False, lineterminator="\n", float_format=lambda v: repr(float(v))).encode()


def chart_file(spec: dict, fmt: str, scenario: Scenario, page: str | None = None, name: str = "chart") -> bytes:
    """One chart in one of FORMATS."""
    if fmt in IMAGE_FORMATS:
        return image_bytes(spec, fmt, scenario, page)
    if fmt == "html":
        return html_bytes(spec, scenario, page, name)
    if fmt == "csv":
        return chart_csv(spec)
    raise InputError("format", f"choose from {', '.join(FORMATS)}, got {fmt!r}")


# --- scenario with specs ------------------------------------------------------------------------
def report_dict(scenario: Scenario) -> dict:
    """Every input (``scenario``: Scenario.to_dict, what ``python -m dashboard report`` reads),
    the full spec of every chip and model the pages use (as the data files write them: the
    selected ones, the AFD page's, the paper's, which the attention and paper pages always
    show; slider changes under ``overrides``) and the version."""
    afd = scenario.afd
    chip_slugs = dict.fromkeys([*scenario.chips, afd.attention_chip, afd.ffn_chip, *PAPER_CHIPS])
    model_slugs = dict.fromkeys([*scenario.models, afd.model, *PAPER_MODELS])
    known_chips, known_models = scenario.known_chips(), scenario.known_models()
    overrides = dict(scenario.chip_overrides)
    chips = {slug: {"selected": slug in scenario.chips, "custom": scenario.is_custom(slug),
                    "spec": library.chip_entry(known_chips[slug]),
                    **({"overrides": dict(overrides[slug])} if slug in overrides else {})} for slug in chip_slugs}
    models = {slug: {"selected": slug in scenario.models, "custom": scenario.is_custom(slug),
                     "spec": library.model_entry(known_models[slug])} for slug in model_slugs}
    return {"tool": "decode co-design dashboard", "version": __version__, "scenario": scenario.to_dict(),
            "chips": chips, "models": models}


def scenario_json(scenario: Scenario) -> bytes:
    return (json.dumps(report_dict(scenario), indent=2, allow_nan=False) + "\n").encode()


# --- summary and bundles ------------------------------------------------------------------------
def summary_markdown(contents: list, scenario: Scenario, files: list[str], notes: list[str] = (),
                     found: list = ()) -> str:
    lines = [f"# Decode cost report ({', '.join(c.title for c in contents)})", "",
             f"Generated by costmodel {__version__} from `scenario.json` (every input and spec); regenerate with "
             "`python -m dashboard report --scenario scenario.json --out DIR`. `report.pdf` is the report to send "
             "(title and contents, findings, each page's charts two to a sheet or beside their tables, appendices); "
             "`report.html` the same document, interactive and offline.", "",
             "## Scenario", ""]
    lines += [f"- {escape.markdown(line)}" for line in _summary_lines(contents, scenario)]
    if found:
        lines += ["", "## Findings", ""] + [f"- {escape.markdown(f.text)}" for f in found]
    for content in contents:
        lines += ["", f"## {content.title}", ""] + [f"- {escape.markdown(h)}" for h in content.headlines]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]  # the program's own markdown
    lines += ["", "## Files", ""] + [f"- `{f}`" for f in files]
    return "\n".join(lines) + "\n"


def _summary_lines(contents: list, scenario: Scenario) -> list[str]:
    afd, deploy = ("" if all(c.page != page for c in contents) else caption(scenario, page).rsplit(" · ", 1)[0]
                   for page in ("afd", "deployments"))
    return report_html.summary_lines(contents, scenario, afd, deploy)


def check_formats(formats) -> tuple[str, ...]:
    out = []
    for fmt in formats:
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise InputError("--formats", f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
        if fmt not in out:
            out.append(fmt)
    if not out:
        raise InputError("--formats", f"choose at least one of {', '.join(FORMATS)}")
    return tuple(out)


REPORT_FILES = {"html": "report.html", "pdf": "report.pdf"}  # the report in one file, per format
CHART_FILES = ("png", "svg", "csv")  # what a bundle holds per chart (HTML and PDF: in the report files)


def table_path(content, name: str, scenario: Scenario) -> str:
    """A table's CSV file in a bundle."""
    return f"{content.page}/{file_stem(content.page, 'table-' + name, scenario)}.csv"


def attachments(contents: list, scenario: Scenario) -> list[report_html.Attachment]:
    """The tables too long or too wide for the report's pages (``layout.placement``): in the
    bundle as CSV files, listed by the report."""
    return [report_html.Attachment(table_path(content, name, scenario), content.title, name, len(table),
                                   tuple(numbers.column(str(c))[0] for c in table.columns))
            for content in contents for name, table in content.tables.items()
            if report_html.table_place(table)[0] == "attachment"]


def report_document(contents: list, scenario: Scenario, appendices: bool = True) -> tuple[bytes, list]:
    """(``report.html``, its CSV attachments) of ``contents``: the findings first, then the pages."""
    attached = attachments(contents, scenario)
    page = report_html.document(contents, scenario, _summary_lines(contents, scenario), lambda p: caption(scenario, p),
                                findings.findings(contents), attached, appendices)
    return page, attached


def bundle_files(contents: list, scenario: Scenario, formats=FORMATS, progress=None,
                 appendices: bool = True) -> dict[str, bytes]:
    """{path in bundle: bytes}: ``report.pdf`` (with "pdf") and ``report.html`` (with "html"):
    the report (``report_document``), vector charts in the PDF, interactive in the HTML; per page
    folder every chart as PNG and SVG and its data as CSV, and every table as CSV (with "csv";
    the tables the report attaches always); then ``scenario.json`` and ``summary.md`` (the
    findings, every page's key figures, the file list). A chart is not repeated as an HTML or
    PDF file of its own: the report files hold it. Images render in the warm browser, each
    chart once for its PNG and SVG, a page's charts as soon as they are built (while the next
    page's are computed); the browser prints the PDF while it renders the last ones. Images are left out, with a note in the summary, when
    chromium is missing. ``appendices``: the report's tables appendix and attachment list.
    ``progress(done, total, what)``, if given, is called as the work advances."""
    formats = check_formats(formats)
    notes = []
    if any(f in IMAGE_FORMATS for f in formats) and not images_available():
        formats = tuple(f for f in formats if f not in IMAGE_FORMATS)
        notes.append("No PNG/SVG/PDF: " + INSTALL_HINT)
    step = progress or (lambda done, total, what: None)
    named = [(content, name) for content in contents for name in content.charts]  # names only: nothing built yet
    image_formats = [fmt for fmt in formats if fmt in IMAGE_FORMATS and fmt in CHART_FILES]
    images = len(named) * len(image_formats)
    total = images + ("html" in formats) + ("pdf" in formats) + 1
    files: dict[str, bytes] = {}
    step(0, total, f"{images} images")
    rendering = concurrent.futures.ThreadPoolExecutor(1, "report-images") if images else None
    printing = None
    batches = []  # (paths, the future of their images): a page's charts, sent to the browser as soon as built
    try:
        for content in contents:  # the page's charts built here, while the browser renders the previous pages'
            paths, jobs = [], []
            for name, spec in content.charts.items():
                stem = f"{content.page}/{file_stem(content.page, name, scenario)}"
                if "csv" in formats:
                    files[f"{stem}.csv"] = chart_csv(spec)
                if image_formats:
                    fig = decorate(spec, scenario, content.page)  # one dict per chart: its PNG and SVG share a render
                    for fmt in image_formats:
                        paths.append(f"{stem}.{fmt}")
                        jobs.append((fig, fmt, WIDTH_PX, fig["layout"]["height"], SCALE if fmt == "png" else 1))
            if jobs:
                batches.append((paths, rendering.submit(ImageExporter.shared().images, jobs)))
        if "csv" in formats:
            for content in contents:
                for name, table in content.tables.items():
                    files[table_path(content, name, scenario)] = table_csv(table)
        found = findings.findings(contents)
        if "html" in formats or "pdf" in formats:
            page, attached = report_document(contents, scenario, appendices)
            for a in attached if appendices else ():
                if a.path not in files:
                    content = next(c for c in contents if c.title == a.page_title)
                    files[a.path] = table_csv(content.tables[a.name])
            if "pdf" in formats:  # the browser prints the report while it renders the last images
                printing = concurrent.futures.ThreadPoolExecutor(1, "report-pdf")
                printed = printing.submit(ImageExporter.shared().print_pdf, page)
        for paths, batch in batches:
            files.update(zip(paths, batch.result()))
        done = images
        if "html" in formats:
            step(done, total, "report.html")
            files[REPORT_FILES["html"]] = page
            done += 1
        if printing is not None:
            step(done, total, "report.pdf")
            files[REPORT_FILES["pdf"]] = printed.result()
            done += 1
    finally:
        for pool in (rendering, printing):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    files["scenario.json"] = scenario_json(scenario)
    listing = sorted(files) + ["summary.md"]
    files["summary.md"] = summary_markdown(contents, scenario, listing, notes, found).encode()
    step(total, total, "done")
    return files


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A ZIP of ``files``, byte-identical for identical files (fixed timestamps, sorted)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
    return out.getvalue()


MANIFEST = "manifest.json"  # in every bundle folder: each file the command wrote, with its SHA-256
MAX_MANIFEST_BYTES = 1_000_000


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    """The manifest of a bundle folder: every file written (path in the folder: SHA-256)."""
    listed = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    return (json.dumps({"tool": "decode co-design dashboard report", "version": __version__, "files": listed},
                       indent=2) + "\n").encode()


def _foreign(folder: Path) -> str | None:
    """Why ``folder`` is not a bundle this command wrote and nobody changed since (a file it did
    not write, a changed file, a link, no manifest), or None: then it is the command's own to
    replace."""
    try:
        listed = json.loads(read_bytes(folder / MANIFEST, MANIFEST, MAX_MANIFEST_BYTES))["files"]
        if not isinstance(listed, dict):
            raise TypeError
    except (InputError, ValueError, KeyError, TypeError):
        return f"it has no {MANIFEST} of a bundle this command wrote"
    folders = {parent.as_posix() for name in listed for parent in Path(name).parents}
    for root, dirs, names in os.walk(folder):
        for name in sorted(dirs + names):
            path = Path(root, name)
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                return f"{rel} is a link this command did not write"
            if name in dirs:
                if rel not in folders:
                    return f"{rel}/ is not a folder this command wrote"
                continue
            if rel == MANIFEST:
                continue
            if rel not in listed:
                return f"{rel} is not a file this command wrote"
            if not is_regular(path) or hashlib.sha256(path.read_bytes()).hexdigest() != listed[rel]:
                return f"{rel} was changed since this command wrote it"
    return None


def _shown(path) -> str:
    """A path for a message: a very long one cut (its length said)."""
    text = str(path)
    return text if len(text) <= 200 else f"{text[:120]}… ({len(text):,} characters)"


def check_out(out_dir, force: bool = False, field: str = "--out") -> Path:
    """``out_dir`` as an absolute path if a bundle may be written there: new, empty, or an
    earlier bundle of this command that nobody changed since (its manifest says which files it
    wrote); anything else only with ``force``. Never the root, the current folder or a folder
    holding it (a bundle replaces its folder whole), nor a symbolic link. Else InputError
    naming ``field``."""
    shown = _shown(out_dir)
    try:
        out = Path(os.path.abspath(out_dir))
        if Path(out_dir).is_symlink():
            raise InputError(field, f"{shown} is a symbolic link (to {_shown(os.readlink(out_dir))}); give the "
                                    "folder itself")
        if not out.name:
            raise InputError(field, f"{shown} is the root folder; choose a folder for the bundle")
        if out == Path.cwd() or out in Path.cwd().parents:
            raise InputError(field, f"{shown} is the folder you are in, or holds it: the bundle replaces its folder "
                                    "whole; run the command from outside it, or choose another folder")
        if out.exists() and not out.is_dir():
            raise InputError(field, f"{shown} is a file, not a folder")
        if out.is_dir() and any(out.iterdir()) and not force:
            reason = _foreign(out)
            if reason:
                raise InputError(field, f"{shown} holds other files ({reason}); choose an empty or new folder, or add "
                                        "--force to replace its content")
    except OSError as err:
        raise InputError(field, f"cannot use {shown}: {err.strerror or err}") from None
    return out


def write_bundle(files: dict[str, bytes], out_dir, force: bool = False) -> Path:
    """Write the bundle to the folder ``out_dir`` whole or not at all, with its manifest: built
    in a temporary folder beside it, then moved into place (modes from the umask). An earlier
    bundle there is replaced (its stale files go); a folder with anything else is refused unless
    ``force`` (``check_out``). Temporary folders of an earlier run that was killed are removed
    first. A failure or an interrupt (a file in the way, a full disk, Ctrl-C) leaves ``out_dir``
    as it was and no temporary folder; a failure raises InputError."""
    out = check_out(out_dir, force)
    shown = _shown(out_dir)
    clean_stale(out.parent, out.name)
    tmp, old = temp_path(out), None
    try:  # every step inside: an interrupt anywhere (even right after a rename) is undone below
        try:
            os.mkdir(tmp, 0o777)
        except OSError as err:
            raise InputError("--out", f"cannot write beside {shown}: {err.strerror or err}") from None
        for name, data in sorted({**files, MANIFEST: manifest_bytes(files)}.items()):
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if out.exists():
            old = temp_path(out)
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            remove(old)
    except BaseException as err:
        remove(tmp)
        if old is not None:
            if out.exists():
                remove(old)  # the new bundle is in place
            elif old.exists():
                os.replace(old, out)  # put the earlier content back
        if isinstance(err, OSError):
            raise InputError("--out", f"cannot write {shown}: {err.strerror or err}; it was left as it was") from None
        raise
    return out


def bundle_name(label: str, scenario: Scenario) -> str:
    return f"report_{_slug(label)}_{scenario_tag(scenario, label)}.zip"
