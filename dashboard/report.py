"""Report-grade files from figure dicts and tables: PNG (2x), SVG, PDF, offline HTML, chart data
and tables as CSV, the scenario with every spec it used as JSON, a Markdown summary, and the
bundle (ZIP or folder) of a page or of all pages. No Streamlit here: the dashboard's download
buttons (``dashboard.export``) and ``python -m costmodel report`` call the same functions, so
the two bundles are the same files.

Static images go through kaleido and Debian's chromium (never kaleido's browser download), in
one warm browser per process (``ImageExporter.shared()``): the first image pays for starting
chromium (~3 s), the next ones take a fraction of a second."""
from __future__ import annotations

import asyncio
import atexit
import copy
import csv
import dataclasses
import io
import json
import re
import threading
import zipfile
from pathlib import Path

from costmodel import __version__, library
from costmodel.errors import InputError
from costmodel.scenario import PAPER_CHIPS, PAPER_MODELS, Scenario

from . import labels

IMAGE_FORMATS = ("png", "svg", "pdf")
FORMATS = IMAGE_FORMATS + ("html", "csv")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "html": "text/html",
        "csv": "text/csv", "json": "application/json", "zip": "application/zip", "md": "text/markdown"}
WIDTH_PX = 1300  # layout pixels of exported images: the dashboard's wide layout
SCALE = 2  # PNG pixels per layout pixel
CAPTION_PX = 34  # room added under each exported figure for the scenario caption
SWEEP_PAGES = ("context-sweep", "attention")  # pages whose charts span the sweep range
INSTALL_HINT = ("PNG, SVG and PDF export need Debian's chromium: run `sudo apt-get install chromium` "
                "(or `make run`, which installs it). HTML, CSV and the scenario JSON work without it.")
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed member timestamps: the same inputs give the same ZIP


class ImageExportError(RuntimeError):
    """Static image export failed (chromium missing, crashed or timed out)."""


# --- chromium and the warm exporter -------------------------------------------------------------
def chromium_path() -> str | None:
    """The chromium kaleido will use (Debian's /usr/bin/chromium, or BROWSER_PATH), None if absent."""
    try:
        from choreographer.browsers.chromium import Chromium

        path = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - any failure to look means: not usable
        return None
    return path if path and Path(path).exists() else None


def images_available() -> bool:
    return chromium_path() is not None


class ImageExporter:
    """One headless chromium (through kaleido) on its own event-loop thread, opened on the first
    image and kept for the process. Thread-safe (one image at a time), every call bounded by a
    timeout; after a failure the browser is dropped and the next call starts a fresh one."""

    _shared: "ImageExporter | None" = None
    _shared_lock = threading.Lock()

    def __init__(self, timeout_s: float = 90.0):
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None

    @classmethod
    def shared(cls) -> "ImageExporter":
        """The process-wide exporter (one warm browser per server process)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
                atexit.register(cls._shared.close)
            return cls._shared

    @property
    def warm(self) -> bool:
        return self._kaleido is not None

    def _run(self, coro, timeout_s: float):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout_s)

    def _open(self) -> None:
        if chromium_path() is None:
            raise ImageExportError(INSTALL_HINT)
        import kaleido

        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=self._loop.run_forever, name="kaleido-exporter", daemon=True).start()

        async def start():
            browser = kaleido.Kaleido(n=1, timeout=self.timeout_s, mathjax=False)  # no MathJax: no CDN fetch
            await browser.open()
            return browser

        self._kaleido = self._run(start(), self.timeout_s)

    def image(self, spec: dict, fmt: str, width: int, height: int, scale: float = 1) -> bytes:
        """``spec`` (a figure dict) as PNG, SVG or PDF bytes."""
        if fmt not in IMAGE_FORMATS:
            raise ValueError(f"not an image format: {fmt}")
        with self._lock:
            try:
                if self._kaleido is None:
                    self._open()
                opts = {"format": fmt, "width": width, "height": height, "scale": scale}
                return self._run(self._kaleido.calc_fig(spec, opts=opts), self.timeout_s)
            except ImageExportError:
                raise
            except Exception as err:  # noqa: BLE001 - a broken browser: drop it, report one message
                self._drop()
                raise ImageExportError(f"{fmt.upper()} export failed ({type(err).__name__}: {err}). "
                                       + INSTALL_HINT) from err

    def _drop(self) -> None:
        browser, self._kaleido = self._kaleido, None
        if browser is not None and self._loop is not None:
            try:
                self._run(browser.close(), 10)
            except Exception:  # noqa: BLE001 - closing a broken browser is best effort
                pass

    def close(self) -> None:
        with self._lock:
            self._drop()


# --- names, captions ----------------------------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.+-]+", "-", text.lower()).strip("-")


def scenario_tag(scenario: Scenario, page: str | None = None) -> str:
    """'step-3+deepseek-v3_h800mod+h20_8k' : models, chips (modified ones marked), context. On
    the AFD page: its model, attention+FFN chips and context ('step-3_h20+h800_4k')."""
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
    if a.net_gbps is not None:
        parts.append(f"network {a.net_gbps:g} GB/s per GPU")
    return " · ".join(parts + [f"costmodel {__version__}"])


def caption(scenario: Scenario, page: str | None = None) -> str:
    """The scenario in one line, printed under every exported figure."""
    if page == "afd":
        return afd_caption(scenario)
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
        "text": caption(scenario, page), "showarrow": False, "xref": "paper", "yref": "paper",
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
    title = spec["layout"].get("title", {}).get("text", name)
    return body.replace("<head>", f"<head><meta charset=\"utf-8\"><title>{title}</title>", 1).encode()


def _axis_title(layout: dict, ref: str | None, letter: str) -> str:
    key = f"{letter}axis{(ref or letter)[1:]}"
    return (layout.get(key, {}).get("title") or {}).get("text", "")


CHART_CSV_COLUMNS = ("trace", "x axis", "y axis", "x", "y", "base")


def chart_rows(spec: dict) -> list[dict]:
    """The plotted points: one row per (trace, point) with the axis titles; legend-only traces
    (no data) left out. ``base``: where a stacked bar starts (empty otherwise)."""
    rows = []
    layout = spec["layout"]
    for i, trace in enumerate(spec["data"]):
        xs, ys = trace.get("x") or [], trace.get("y") or []
        if not any(v is not None for v in xs):
            continue
        base = trace.get("base")
        name = trace.get("name") or f"trace {i + 1}"
        xt, yt = _axis_title(layout, trace.get("xaxis"), "x"), _axis_title(layout, trace.get("yaxis"), "y")
        for k, (x, y) in enumerate(zip(xs, ys)):
            b = base[k] if isinstance(base, list) else base
            rows.append({"trace": name, "x axis": xt, "y axis": yt, "x": x, "y": y, "base": b})
    return rows


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back to the same float
    return value


def chart_csv(spec: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CHART_CSV_COLUMNS)
    for row in chart_rows(spec):
        writer.writerow([_cell(row[c]) for c in CHART_CSV_COLUMNS])
    return out.getvalue().encode()


def table_csv(table) -> bytes:
    """A DataFrame as CSV (floats at full precision)."""
    return table.to_csv(index=False, lineterminator="\n", float_format=lambda v: repr(float(v))).encode()


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
def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"type": type(value).__name__} if not hasattr(value, "slug") else {}
        out.update({f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)})
        return out
    if isinstance(value, (frozenset, set)):
        return sorted(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def report_dict(scenario: Scenario) -> dict:
    """Every input (``scenario``: Scenario.to_dict, what ``python -m costmodel report`` reads),
    the full specs of every model and chip the pages use (selected ones with the overrides
    applied; the paper's, which the attention and paper pages always show) and the version."""
    known_models, known_chips = library.models(), library.chips()
    chips = {c.slug: c for c in scenario.chip_specs()}
    chip_specs = {}
    for slug in list(scenario.chips) + [s for s in PAPER_CHIPS if s not in chips]:
        chip = chips.get(slug, known_chips[slug])
        entry = {"selected": slug in chips, **_plain(chip)}
        if chip.is_modified:
            entry["library_values"] = {f: getattr(known_chips[slug], f) for f in sorted(chip.modified)}
        chip_specs[slug] = entry
    model_specs = {slug: {"selected": slug in scenario.models, **_plain(known_models[slug])}
                   for slug in list(scenario.models) + [s for s in PAPER_MODELS if s not in scenario.models]}
    return {"tool": "costmodel", "version": __version__, "scenario": scenario.to_dict(),
            "chips": chip_specs, "models": model_specs}


def scenario_json(scenario: Scenario) -> bytes:
    return (json.dumps(report_dict(scenario), indent=2) + "\n").encode()


def read_scenario(path) -> tuple[Scenario, list[str]]:
    """A Scenario from a file written by the dashboard (``report_dict``) or a bare
    ``Scenario.to_dict()``; also the warnings (embedded specs that differ from the library's:
    the numbers follow the library). InputError naming the field for a malformed file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise InputError("--scenario", f"cannot read {path}: {err.strerror or err}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError("--scenario", f"{path} is not valid JSON: {err.msg} at line {err.lineno}, "
                                       f"column {err.colno}") from None
    if isinstance(data, dict) and "scenario" in data:
        embedded = data
        data = data["scenario"]
    else:
        embedded = {}
    scenario = Scenario.from_dict(data)
    warnings = []
    chips = embedded.get("chips")
    if isinstance(chips, dict):
        current = report_dict(scenario)["chips"]
        for slug, spec in chips.items():
            if isinstance(spec, dict) and slug in current and spec != current[slug]:
                fields = sorted(k for k in set(spec) | set(current[slug]) if spec.get(k) != current[slug].get(k))
                warnings.append(f"chip {slug}: the file's {', '.join(fields)} differ from the library's; "
                                "the library's values (with the scenario's overrides) are used")
    return scenario, warnings


# --- summary and bundles ------------------------------------------------------------------------
def summary_markdown(contents: list, scenario: Scenario, files: list[str], notes: list[str] = ()) -> str:
    chips = scenario.chip_specs()
    names = {s: m.name for s, m in library.models().items()}
    lines = [f"# Decode cost report ({', '.join(c.title for c in contents)})", "",
             f"Generated by costmodel {__version__} from `scenario.json` (every input and spec); regenerate with "
             "`python -m costmodel report --scenario scenario.json --out DIR`.", "",
             "## Scenario", "",
             f"- Models: {', '.join(names.get(s, s) for s in scenario.models)}",
             f"- Chips: {', '.join(labels.modified_summary(c) if c.is_modified else labels.chip_label(c) for c in chips)}",
             f"- Context: {scenario.context:,} tokens; sweep {scenario.sweep_min:,}–{scenario.sweep_max:,} tokens "
             f"({scenario.sweep_axis} axis)",
             f"- Decode batch: {scenario.batch}; KV precision: {scenario.kv_dtype or 'model default'}; "
             f"weight precision: {scenario.weight_dtype}"]
    if any(c.page == "afd" for c in contents):
        lines.append(f"- AFD sizing: {afd_caption(scenario).rsplit(' · ', 1)[0]}")
    for content in contents:
        lines += ["", f"## {content.title}", ""] + [f"- {h}" for h in content.headlines]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    lines += ["", "## Files", ""] + [f"- `{f}`" for f in files]
    return "\n".join(lines) + "\n"


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


def bundle_files(contents: list, scenario: Scenario, formats=FORMATS) -> dict[str, bytes]:
    """{path in bundle: bytes}: per page folder every chart in ``formats`` (CSV: the chart's
    data, and every table), then ``scenario.json`` and ``summary.md``. Images are left out,
    with a note in the summary, when chromium is missing."""
    formats = check_formats(formats)
    notes = []
    if any(f in IMAGE_FORMATS for f in formats) and not images_available():
        formats = tuple(f for f in formats if f not in IMAGE_FORMATS)
        notes.append("No PNG/SVG/PDF: " + INSTALL_HINT)
    files: dict[str, bytes] = {}
    for content in contents:
        for name, spec in content.charts.items():
            stem = file_stem(content.page, name, scenario)
            for fmt in formats:
                files[f"{content.page}/{stem}.{fmt}"] = chart_file(spec, fmt, scenario, content.page, name)
        if "csv" in formats:
            for name, table in content.tables.items():
                files[f"{content.page}/{file_stem(content.page, 'table-' + name, scenario)}.csv"] = table_csv(table)
    files["scenario.json"] = scenario_json(scenario)
    listing = sorted(files) + ["summary.md"]
    files["summary.md"] = summary_markdown(contents, scenario, listing, notes).encode()
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


def write_files(files: dict[str, bytes], out_dir) -> list[Path]:
    out_dir = Path(out_dir)
    written = []
    for name, data in sorted(files.items()):
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def bundle_name(label: str, scenario: Scenario) -> str:
    return f"report_{_slug(label)}_{scenario_tag(scenario, label)}.zip"
