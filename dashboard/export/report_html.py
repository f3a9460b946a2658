"""The report as one document: ``report.html``, a self-contained page (plotly.js embedded once,
opens offline) of A4 landscape sheets (a title sheet with the scenario and the contents with
page numbers, the findings, each page's key figures, charts two to a sheet or beside their
tables, the appendices: longer tables and the list of CSV attachments), every chart
interactive, a contents sidebar on screen; ``report.pdf`` is that page printed by the export
browser (``browser.print_pdf``), one sheet to a page, charts as vector. Numbers come formatted
by ``numbers``, sheets from ``layout``. No Streamlit here."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from costmodel import __version__, escape

from dashboard.content import labels
from dashboard.export import layout, numbers
from dashboard.export.layout import Block

CSS = f"""
@page{{size:297mm 210mm;margin:0}}
html{{background:#E5E7EB}}
body{{margin:0;font-family:Inter,'Segoe UI',Helvetica,Arial,sans-serif;color:#1F2937;font-size:11.5px;line-height:1.45}}
nav.toc{{position:fixed;left:0;top:0;bottom:0;width:250px;overflow:auto;background:#F9FAFB;
border-right:1px solid #D1D5DB;padding:14px 12px;box-sizing:border-box;font-size:12px}}
nav.toc ol{{list-style:none;padding-left:0;margin:0}}nav.toc ol ol{{padding-left:12px;font-size:11px}}
nav.toc a{{color:#1F2937;text-decoration:none;display:block;padding:1px 0}}nav.toc a:hover{{color:#0072B2}}
main{{margin-left:250px;padding:18px 0}}
.sheet{{width:{layout.SHEET_W_PX}px;height:{layout.SHEET_H_PX}px;box-sizing:border-box;
padding:{layout.PAD_TOP_PX}px {layout.PAD_X_PX}px {layout.PAD_BOTTOM_PX}px;background:#fff;margin:0 auto 18px;
box-shadow:0 1px 4px rgba(0,0,0,.25);position:relative;overflow:hidden;display:flex;flex-direction:column}}
.sheet>header{{height:{layout.HEADER_PX}px;flex:none;font-size:10px;color:#6B7280;display:flex;
justify-content:space-between;border-bottom:1px solid #E5E7EB;box-sizing:border-box}}
.sheet>.body{{flex:1;overflow:hidden;min-height:0}}
.sheet>footer{{position:absolute;bottom:16px;left:{layout.PAD_X_PX}px;right:{layout.PAD_X_PX}px;font-size:10px;
color:#6B7280;display:flex;justify-content:space-between}}
h1{{font-size:30px;margin:70px 0 6px;line-height:1.2}}.subtitle{{font-size:15px;color:#374151;margin:0 0 26px}}
h2{{font-size:17px;margin:8px 0 2px}}h3{{font-size:13px;margin:18px 0 4px}}
.scenario{{color:#4B5563;font-size:11px;margin:0 0 6px}}
ul,ol.findings{{margin:4px 0 8px;padding-left:20px}}li{{margin:0 0 4px}}
ul.keys{{font-size:10.5px;color:#374151}}
figure{{margin:6px 0 10px}}figcaption{{font-size:10.5px;color:#4B5563;margin-top:2px}}figcaption b{{color:#1F2937}}
.plotbox{{overflow:hidden;margin:0 auto}}.plot{{transform-origin:0 0}}
table{{border-collapse:collapse;font-size:10px;width:100%}}
th,td{{border:1px solid #E5E7EB;padding:1px 5px;text-align:right;vertical-align:top}}
th{{background:#F3F4F6;text-align:center;font-weight:600}}td.text,th.text{{text-align:left}}
table.contents{{font-size:12.5px;width:70%}}table.contents td{{border:none;border-bottom:1px dotted #D1D5DB;padding:3px 4px;text-align:left}}table.contents td+td{{text-align:right;width:60px}}
.meta{{color:#4B5563;font-size:11px}}
@media print{{html{{background:#fff}}nav.toc{{display:none}}main{{margin:0;padding:0}}
.sheet{{margin:0;box-shadow:none;break-after:page}}.sheet:last-child{{break-after:auto}}.modebar-container{{display:none}}}}
"""
# After drawing the charts: a sheet whose content came out taller than estimated is shrunk to fit
# (its zoom said in a data attribute), then the page says it is ready (the PDF is printed then).
SCRIPT = ("Promise.all(FIGURES.map(([id,fig])=>Plotly.newPlot(id,fig.data,fig.layout,"
          "{displaylogo:false,responsive:false}))).then(()=>{document.querySelectorAll('.sheet>.body').forEach(b=>{"
          "const over=b.scrollHeight/b.clientHeight;if(over>1.002){b.style.zoom=(0.995/over).toFixed(4);"
          "b.dataset.shrunk=b.style.zoom}});document.body.dataset.ready='1'});")


@functools.lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js as the plotly package ships it (the same version the dashboard draws with)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _script_json(value) -> str:
    """JSON safe inside a <script> element (no '</' closes it early)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


@dataclass(frozen=True)
class Attachment:
    """A table too long or too wide for a page, in the bundle as a CSV file: ``path`` in the
    bundle, the page's title and the table's name, its rows and column headers."""

    path: str
    page_title: str
    name: str
    rows: int
    columns: tuple


def _text_table(frame) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a DataFrame as report text (``numbers.table``)."""
    shown = numbers.table(frame)
    return list(shown.columns), shown.values.tolist()


def transposed(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """A short, wide table with rows and columns swapped: one row per column, headed by the
    first column's values."""
    return [header[0]] + [r[0] for r in rows], [[h] + [r[j] for r in rows] for j, h in enumerate(header) if j]


def table_place(frame) -> tuple[str, list[str], list[list[str]]]:
    """(where the table goes: ``layout.placement``, its header and rows as printed); the
    rows and header are empty for an attachment."""
    if layout.placement(*frame.shape) == "attachment":
        return "attachment", [], []
    header, rows = _text_table(frame)
    where = layout.placement(len(rows), len(header))
    if where == "transposed":
        header, rows = transposed(header, rows)
    if layout.placement(len(rows), len(header), layout.table_height(header, rows)) == "attachment":
        return "attachment", [], []
    return where, header, rows


def _is_number(text: str) -> bool:
    return text[:1].isdigit() or (text[:1] in "-$" and text[1:2].isdigit()) or text == numbers.DASH


def _table_html(header: list[str], rows: list[list[str]]) -> str:
    esc = escape.html
    numeric = [all(_is_number(r[j]) for r in rows) and bool(rows) for j in range(len(header))]
    head = "".join(f'<th class="{"" if n else "text"}">{esc(h)}</th>' for h, n in zip(header, numeric))
    body = "".join("<tr>" + "".join(f'<td class="{"" if n else "text"}">{esc(c)}</td>' for c, n in zip(r, numeric))
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure_title(spec: dict, name: str) -> str:
    return escape.plotly_plain(((spec["layout"].get("title") or {}).get("text") or name).split("<br>")[0])


def document(contents: list, scenario, summary_lines: list[str], caption, findings: list, attachments: list,
             appendices: bool = True) -> bytes:
    """The whole report as one HTML page. ``summary_lines``: the scenario in plain lines;
    ``caption(page)``: the scenario of that page's charts and tables in one line; ``findings``:
    ``findings.Finding`` sentences; ``attachments``: the tables written as CSV files
    (``Attachment``); ``appendices``: whether the tables appendix and the attachment list are in."""
    esc = escape.html
    attached = {(a.page_title, a.name) for a in attachments}
    figure_no, table_no, figures, blocks, sections, toc = {}, 0, [], [], {}, []
    appendix_tables = []
    for content in contents:
        for name in content.charts:
            figure_no[(content.page, name)] = len(figure_no) + 1

    # Findings: each sentence names its chart, linked
    sections[len(blocks)] = "Findings"
    blocks.append(Block("heading", 40, "<h2 id=\"findings\">Findings</h2><p class=\"scenario\">Written from the figures "
                                       "of the pages below, for the scenario on the title page.</p>",
                        "findings", keep=True))
    for f in findings:
        no = figure_no.get((f.page, f.chart))
        ref = f' <a href="#fig-{esc(f.page)}-{esc(f.chart)}">(Figure {no})</a>' if no else ""
        blocks.append(Block("text", layout.text_height([f.text + " (Figure 00)"]),
                            f'<ol class="findings" start="{len([b for b in blocks if b.kind == "text"]) + 1}">'
                            f"<li>{esc(f.text)}{ref}</li></ol>"))
    toc.append(("findings", "Findings", []))

    for content in contents:
        anchor = f"page-{content.page}"
        sections[len(blocks)] = content.title
        keys = "".join(f"<li>{esc(line)}</li>" for line in content.headlines)
        page_caption = caption(content.page)
        head = (f'<h2 id="{esc(anchor)}">{esc(content.title)}</h2><p class="scenario">{esc(page_caption)}</p>')
        blocks.append(Block("heading", 48 + layout.text_height([page_caption], 5.5, 15, 0) - 15, head, anchor, keep=True))
        if content.headlines:
            blocks.append(Block("text", layout.text_height(content.headlines, 5.6, 15, 3) + 10,
                                f'<ul class="keys">{keys}</ul>'))
        entries = []
        for name, spec in content.charts.items():
            no = figure_no[(content.page, name)]
            plot_id = f"fig-{content.page}-{name}"
            height = int(spec["layout"].get("height", 450))
            figures.append([plot_id, {"data": spec["data"],
                                      "layout": {**spec["layout"], "width": layout.CHART_W_PX, "height": height}}])
            title = _figure_title(spec, name)
            blocks.append(Block("chart", height, (plot_id, no, title, content.title, name), plot_id))
            entries.append((plot_id, f"Figure {no}. {title}"))
        for name, table in content.tables.items():
            if (content.title, name) in attached:
                continue
            where, header, rows = table_place(table)
            item = (content, name, header, rows, len(table))
            if where == "appendix":
                appendix_tables.append(item)
                continue
            table_no += 1
            blocks.append(Block("table", layout.table_height(header, rows) + layout.CAPTION_PX, (table_no, *item),
                                f"tab-{content.page}-{name}"))
            entries.append((f"tab-{content.page}-{name}", f"Table {table_no}. {content.title}: {name.replace('-', ' ')}"))
        toc.append((anchor, content.title, entries))

    if appendices and appendix_tables:
        sections[len(blocks)] = "Appendix A: tables"
        blocks.append(Block("heading", 40, '<h2 id="appendix-tables">Appendix A. Tables</h2><p class="scenario">'
                                           "The pages' longer tables, as the pages show them.</p>", "appendix-tables",
                            keep=True))
        entries = []
        for content, name, header, rows, count in appendix_tables:
            table_no += 1
            blocks.append(Block("table", layout.table_height(header, rows) + layout.CAPTION_PX,
                                (table_no, content, name, header, rows, count), f"tab-{content.page}-{name}"))
            entries.append((f"tab-{content.page}-{name}", f"Table {table_no}. {content.title}: {name.replace('-', ' ')}"))
        toc.append(("appendix-tables", "Appendix A. Tables", entries))
    if appendices and attachments:
        letter = "B" if appendices and appendix_tables else "A"
        sections[len(blocks)] = f"Appendix {letter}: attachments"
        header = ["file", "rows", "what it holds"]
        rows = [[a.path, numbers.number(a.rows),
                 f"{a.page_title}: {a.name.replace('-', ' ')}; {len(a.columns)} columns: {', '.join(a.columns)}"]
                for a in attachments]
        blocks.append(Block("heading", 40, f'<h2 id="attachments">Appendix {letter}. Attachments</h2><p class="scenario">'
                                           "Tables longer than a page holds (or wider), in the bundle as CSV files "
                                           "(full precision), each with its rows and columns.</p>",
                            "attachments", keep=True))
        blocks.append(Block("table", layout.table_height(header, rows), ("attachments", header, rows)))
        toc.append(("attachments", f"Appendix {letter}. Attachments", []))

    sheets = layout.paginate(blocks, first_page=2, sections=sections)
    total = len(sheets) + 1
    pages_at = {b.anchor: b.sheet for b in blocks if b.anchor}
    title = "Decode cost report"
    subtitle = (f"{', '.join(_model_names(scenario))} on "
                f"{', '.join(labels.chip_label(c) for c in scenario.chip_specs())} at {labels.tokens(scenario.context)} "
                f"context · {len(contents)} page{'s' if len(contents) != 1 else ''} of the dashboard")
    contents_rows = "".join(f'<tr><td><a href="#{esc(a)}">{esc(t)}</a></td><td>{pages_at.get(a, "")}</td></tr>'
                            for a, t, _ in toc)
    title_sheet = (
        f'<h1 id="title">{esc(title)}</h1><p class="subtitle">{esc(subtitle)}</p>'
        f'<h3>Scenario</h3><ul>{"".join(f"<li>{esc(line)}</li>" for line in summary_lines)}</ul>'
        f'<h3>Contents</h3><table class="contents"><tbody>{contents_rows}</tbody></table>'
        f'<p class="meta">Generated by costmodel {esc(__version__)} from scenario.json (every input and the full chip '
        "and model specs, beside this file in the bundle); regenerate with <code>python -m dashboard report "
        "--scenario scenario.json --out DIR</code>. Numbers: 3 significant figures; whole numbers as they are.</p>")
    out = [_sheet(title_sheet, 1, total, "", title)]
    for n, sheet in enumerate(sheets, start=2):
        out.append(_sheet("".join(_block_html(b) for b in sheet.blocks), n, total, sheet.section, title))
    nav = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a>' + _nav_entries(entries) + "</li>"
                  for a, t, entries in [("title", "Title and contents", [])] + toc)
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}: {esc(subtitle)}</title>'
            f"<style>{CSS}</style><script>{plotly_js()}</script></head><body>"
            f'<nav class="toc" aria-label="Contents"><ol>{nav}</ol></nav><main>{"".join(out)}</main>'
            f"<script>const FIGURES={_script_json(figures)};{SCRIPT}</script></body></html>")
    return page.encode()


def _nav_entries(entries) -> str:
    esc = escape.html
    items = "".join(f'<li><a href="#{esc(anchor)}">{esc(text)}</a></li>' for anchor, text in entries)
    return f"<ol>{items}</ol>" if items else ""


def _model_names(scenario) -> list[str]:
    names = {slug: model.name for slug, model in scenario.known_models().items()}
    return [names.get(slug, slug) for slug in scenario.models]


def _sheet(body: str, number: int, total: int, section: str, title: str) -> str:
    esc = escape.html
    return (f'<section class="sheet" data-page="{number}"><header><span>{esc(title)}</span><span>{esc(section)}</span>'
            f'</header><div class="body">{body}</div><footer><span>costmodel {esc(__version__)}</span>'
            f"<span>{number} / {total}</span></footer></section>")


def _block_html(block: Block) -> str:
    esc = escape.html
    if block.kind in ("heading", "text"):
        return block.item
    if block.kind == "chart":
        plot_id, no, title, page_title, name = block.item
        z = block.zoom
        return (f'<figure class="chart"><div class="plotbox" style="width:{layout.CHART_W_PX * z:.0f}px;'
                f'height:{block.height * z:.0f}px"><div class="plot" id="{esc(plot_id)}" style="width:'
                f'{layout.CHART_W_PX}px;height:{block.height}px;transform:scale({z:.4f})"></div></div>'
                f"<figcaption><b>Figure {no}.</b> {esc(title)} ({esc(page_title)}, chart '{esc(name)}').</figcaption>"
                "</figure>")
    if block.item[0] == "attachments":
        _, header, rows = block.item
        return f'<figure class="table">{_table_html(header, rows)}</figure>'
    no, content, name, header, rows, count = block.item
    return (f'<figure class="table" id="{esc(block.anchor)}">{_table_html(header, rows)}<figcaption><b>Table {no}.</b> '
            f"{esc(content.title)}: {esc(name.replace('-', ' '))} ({numbers.number(count)} rows).</figcaption></figure>")


def summary_lines(contents, scenario, afd_caption, deploy_caption="") -> list[str]:
    """The scenario in plain lines (the summary's 'Scenario' section); ``afd_caption``,
    ``deploy_caption``: the AFD and Deployments pages' inputs in a line."""
    chips = scenario.chip_specs()
    lines = [f"Models: {', '.join(_model_names(scenario))}",
             "Chips: " + ", ".join(labels.modified_summary(c) if c.is_modified else labels.chip_label(c) for c in chips),
             f"Context: {scenario.context:,} tokens; sweep {scenario.sweep_min:,}–{scenario.sweep_max:,} tokens "
             f"({scenario.sweep_axis} axis)",
             f"Decode batch: {scenario.batch}; KV precision: {scenario.kv_dtype or 'model default'}; "
             f"weight precision: {scenario.weight_dtype}"]
    if any(c.page == "afd" for c in contents):
        lines.append(f"AFD sizing: {afd_caption}")
    if any(c.page == "deployments" for c in contents):
        lines.append(f"Deployments: {deploy_caption}")
    return lines
