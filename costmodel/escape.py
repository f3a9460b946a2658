"""Names are data: one escaping rule per output, declared here once and applied where text leaves
the program. A name (a chip's or a model's, a URL parameter, a key read from a file) is shown as
the user typed it, never as markup, a link, a formula or a terminal command.

Every rule first makes control characters visible: C0 and C1 controls, DEL and the
bidirectional overrides and isolates (U+202A-202E, U+2066-2069) become text such as ``\\x1b`` or
``\\u202e`` (an ESC sequence can then neither retitle nor clear a terminal, nor break an SVG),
keeping only the white space the output itself handles. Then, per output:

- ``html``: HTML text and attribute values (report.html; report.pdf, which is that page printed;
  the dashboard's own HTML in Streamlit markdown). ``& < > " '`` as entities, line breaks as
  ``&#10;``: white space in HTML, and inside Streamlit markdown a raw blank line would end the
  HTML block and turn the rest into markdown (a live link).
- ``markdown``: Streamlit markdown (st.markdown, captions, messages, widget labels, tooltips)
  and summary.md: every character that could start markdown, HTML, an entity, LaTeX or a
  Streamlit directive backslash-escaped (a block marker only at the start), bare URLs,
  'www.' and e-mail addresses broken with an invisible space (no autolink), line breaks as
  spaces (a name is one line: a line break would end a list item or start a heading);
  ``markdown_code`` the same as a code span (a path shown exactly).
- ``plotly``: every text field of a Plotly figure (trace names, legend, hover, tick labels,
  point labels, titles, annotations). plotly.js draws a subset of HTML there (``<b>``,
  ``<a href>``, ``<br>``...) and fills ``%{...}`` templates, then decodes entities in the text
  between tags: ``& < > %`` as ``&amp; &lt; &gt; &#37;`` show as themselves, on screen and in
  exported SVG, PNG and PDF. ``plotly_plain`` reads such text back as plain text.
- ``csv_cell``: a CSV cell: a text cell starting with ``= + - @``, a tab or a carriage return
  gets a leading apostrophe (OWASP: a spreadsheet would run it as a formula); numbers stay
  numbers.
- ``terminal``: command-line output: every control character visible, tab and newline too
  (a cell never breaks a table's line).
- ``pdf``: the report's PDF is report.html printed by the export browser: the HTML rule.
"""
from __future__ import annotations

import html as _html
import re

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile(r"\r\n?|\n")
WHITE = "\t\n\r"  # white space an output may keep


def _visible(text, keep: str = "") -> str:
    """``text`` with every control character but those in ``keep`` written out ('\\x1b')."""
    def shown(m: re.Match) -> str:
        ch = m.group()
        return ch if ch in keep else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")

    return _CONTROLS.sub(shown, str(text))


def _one_line(text) -> str:
    """``text`` with control characters written out and line breaks as spaces."""
    return _LINE_BREAK.sub(" ", _visible(text, WHITE))


def html(text) -> str:
    """``text`` as HTML text or an attribute value."""
    escaped = _html.escape(_visible(text, WHITE), quote=True)
    return escaped.replace("\r", "&#13;").replace("\n", "&#10;")


pdf = html  # the PDF is the HTML report printed


_MARKDOWN = re.compile(r"[\\`*_\[\]<>&~|$]|:(?=\S)")  # inline markup, HTML, entities, LaTeX, Streamlit's :directives:
_BLOCK_START = re.compile(r"^(\s*)([#+\-=]|\d+[.)])")  # a heading, list item or underline if at a line's start
_AUTOLINK = re.compile(r"(\\:)(//)|(www)(\.)|(@)", re.IGNORECASE)
ZWSP = "\u200b"  # invisible: keeps a bare URL, www. or e-mail address from being turned into a link


def markdown(text) -> str:
    """``text`` shown as itself inside markdown: only the characters that could start markup are
    escaped, so the text stays readable in a .md file too."""
    escaped = _MARKDOWN.sub(lambda m: "\\" + m.group(), _one_line(text))
    escaped = _BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], escaped)
    return _AUTOLINK.sub(lambda m: ZWSP.join(g for g in m.groups() if g) if not m.group(5) else ZWSP + "@", escaped)


def markdown_code(text) -> str:
    """``text`` as a markdown code span, shown exactly (a path, a file name): fenced with one
    more backtick than its longest run of backticks, on one line."""
    text = _one_line(text)
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plotly(text) -> str:
    """``text`` shown as itself in a Plotly text field."""
    return _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("%", "&#37;")


_PLOTLY_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PLOTLY_TAG = re.compile(r"</?(?:b|i|em|sup|sub|span|a)\b[^<>]*>", re.IGNORECASE)


def plotly_plain(text) -> str:
    """A Plotly text field as plain text: its own markup dropped (a line break as ' · '), the
    entities ``plotly`` wrote decoded."""
    return _html.unescape(_PLOTLY_TAG.sub("", _PLOTLY_BREAK.sub(" · ", str(text))))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A CSV cell: text that a spreadsheet would read as a formula gets a leading apostrophe;
    anything but text (numbers, None) is returned as is."""
    if not isinstance(value, str):
        return value
    value = _visible(value, WHITE)
    return "'" + value if value.startswith(FORMULA_START) else value


def terminal(text) -> str:
    """``text`` for a terminal: every control character written out."""
    return _visible(text)
