"""How the report's blocks (headings, text, charts, tables) fall onto A4 landscape sheets, so
that one sheet is one printed page and the contents can give page numbers: blocks flow in
order, a sheet holds at most two charts, charts shrink (never below ``MIN_ZOOM``) to share a
sheet with the blocks around them, a heading stays with what follows it. Heights are
estimates in CSS pixels (96 per inch); the page's script shrinks a sheet whose content came out
taller (``report_html``). Which tables print and which become CSV attachments is decided here
too (``placement``)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

SHEET_W_PX, SHEET_H_PX = 1123, 794  # A4 landscape (297 x 210 mm) at 96 px per inch
PAD_X_PX, PAD_TOP_PX, PAD_BOTTOM_PX = 40, 30, 44  # the footer with the page number sits in the bottom padding
HEADER_PX = 22  # the running header (report and section) at the top of every sheet
BODY_W_PX = SHEET_W_PX - 2 * PAD_X_PX
BODY_H_PX = SHEET_H_PX - PAD_TOP_PX - PAD_BOTTOM_PX - HEADER_PX
CHART_W_PX = 1300  # charts are laid out as exported (the dashboard's wide layout), then scaled to the sheet
MAX_ZOOM = BODY_W_PX / CHART_W_PX  # a chart as wide as the sheet
MIN_ZOOM = 0.5  # below this a chart's 12 px text would print under 4.5 pt: the chart gets a sheet of its own
CHARTS_PER_SHEET = 2
CAPTION_PX = 40  # a figure's or table's caption (two lines of 11 px text)
LINE_PX = 17  # a line of body text (11.5 px)
CHAR_PX = 6.0  # mean width of a character of body text
TABLE_ROW_PX = 17  # a table row of one line (10 px text)
TABLE_CHAR_PX = 5.6
BODY_ROWS = 12  # tables up to this many rows print beside their page's charts
MAX_ROWS = 30  # longer tables are CSV attachments (the report lists them)
MAX_COLUMNS = 12  # wider tables too, unless a few rows that print transposed
TRANSPOSE_ROWS = 3  # a table of at most this many rows and more than MAX_COLUMNS columns prints transposed


def text_height(lines, px_per_char: float = CHAR_PX, line_px: int = LINE_PX, gap_px: int = 4) -> int:
    """Estimated height of bullet ``lines`` of text wrapped to the sheet's width."""
    per_line = int((BODY_W_PX - 30) / px_per_char)
    return sum(line_px * max(1, math.ceil(len(line) / per_line)) + gap_px for line in lines)


def table_height(header: list[str], rows: list[list[str]]) -> int:
    """Estimated height of a table of text cells: each column gets the sheet's width in
    proportion to its longest cell; a cell longer than its column wraps."""
    longest = [max([len(str(h))] + [len(str(r[j])) for r in rows]) for j, h in enumerate(header)]
    total = sum(min(n, 40) for n in longest) or 1
    width = [max(BODY_W_PX * min(n, 40) / total, 30) for n in longest]

    def lines(cells, pad=12):
        return max([1] + [math.ceil(len(str(c)) * TABLE_CHAR_PX / max(w - pad, 10)) for c, w in zip(cells, width)])

    return lines(header) * 14 + 6 + sum(lines(r) * (TABLE_ROW_PX - 3) + 3 for r in rows)


@dataclass
class Block:
    """A piece of the report: ``kind`` ('heading', 'text', 'chart', 'table'), its height in
    px (a chart's: its own layout height, scaled on its sheet), ``keep``: stays on the sheet of
    the block after it (a heading), ``item``: what the HTML draws (opaque here), ``anchor``:
    its id in the HTML (contents and links point at it)."""

    kind: str
    height: int
    item: object = None
    anchor: str = ""
    keep: bool = False
    zoom: float = 1.0  # set for charts by ``paginate``
    sheet: int = 0  # set by ``paginate``: 1-based page number


@dataclass
class Sheet:
    blocks: list = field(default_factory=list)
    section: str = ""
    new_section: bool = False


def _need(blocks) -> float:
    """Least height the blocks take on a sheet (charts at the smallest zoom)."""
    return sum(b.height * MIN_ZOOM + CAPTION_PX if b.kind == "chart" else b.height for b in blocks)


def _fits(blocks) -> bool:
    return sum(b.kind == "chart" for b in blocks) <= CHARTS_PER_SHEET and _need(blocks) <= BODY_H_PX


def paginate(blocks: list[Block], first_page: int = 1, sections=None) -> list[Sheet]:
    """The blocks on sheets, in order: a block goes on the current sheet when it fits there (with
    the block it keeps with), else it starts the next one. Sets each block's ``sheet`` (page
    number, from ``first_page``) and each chart's ``zoom``: as large as its sheet lets, at most
    the sheet's width. ``sections``: {block index: section title} where a section starts (the
    running header shows it)."""
    sheets: list[Sheet] = [Sheet()]
    section = ""
    i = 0
    while i < len(blocks):
        group = [blocks[i]]
        while group[-1].keep and i + len(group) < len(blocks):
            group.append(blocks[i + len(group)])
        current = sheets[-1]
        if current.blocks and not _fits(current.blocks + group):
            current = Sheet()
            sheets.append(current)
        if sections and i in sections:
            section = sections[i]
            current.new_section = True
        current.section = current.section or section
        current.blocks += group
        i += len(group)
    for n, sheet in enumerate(sheets):
        charts = [b for b in sheet.blocks if b.kind == "chart"]
        fixed = sum(b.height for b in sheet.blocks if b.kind != "chart") + CAPTION_PX * len(charts)
        if charts:
            zoom = min(MAX_ZOOM, (BODY_H_PX - fixed) / sum(b.height for b in charts))
            for b in charts:
                b.zoom = max(zoom, MIN_ZOOM if len(charts) > 1 or fixed else 0.1)
        for b in sheet.blocks:
            b.sheet = first_page + n
    return sheets


def placement(rows: int, columns: int, height: int | None = None) -> str:
    """Where a table of this shape goes: 'body' (beside its page's charts), 'appendix' (the
    tables appendix), 'transposed' (printed with rows and columns swapped, in the body) or
    'attachment' (a CSV file the report lists): longer than ``MAX_ROWS``, wider than
    ``MAX_COLUMNS`` (unless it prints transposed) or, ``height`` given (px, as printed), taller
    than a sheet holds."""
    if height is not None and height + CAPTION_PX > BODY_H_PX:
        return "attachment"
    if columns > MAX_COLUMNS:
        return "transposed" if rows <= TRANSPOSE_ROWS else "attachment"
    if rows > MAX_ROWS:
        return "attachment"
    return "body" if rows <= BODY_ROWS else "appendix"
