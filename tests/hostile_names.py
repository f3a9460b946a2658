"""The hostile names every output is tested with (unit, app and browser tests), declared once,
and what "no markup, no link, no formula, no escape sequence survives" means per output."""
from __future__ import annotations

import csv
import dataclasses
import io
import re
from html.parser import HTMLParser

HOSTILE_NAMES = (
    "<b>bold</b>",
    "<a href='http://evil.example/a'>anchor</a>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[md-link](http://evil.example/md)",
    "x\n\n[newline-link](http://evil.example/nl)",
    "=cmd|' /C calc'!A0",
    "+1",
    "@SUM(1)",
    "-2+3",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\u202eevil",
    "100%{y:.1f} & &lt;i&gt;",
)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # tab and newline aside
RAW_MARKUP = ("<b>bold", "<a href", "<script>", "<img src", "<i>")  # as a name writes them
PLOTLY_TEMPLATE = "100%{y"  # a name's %{...}: a Plotly hover template would fill it
LINK_HOSTS = ("evil.example",)


def hostile_models(base):
    """One custom model per hostile name, cloned from ``base`` (a ModelSpec): slugs evil-0, evil-1..."""
    return tuple(dataclasses.replace(base, slug=f"evil-{i}", name=name) for i, name in enumerate(HOSTILE_NAMES))


def hostile_chips(base):
    """One custom chip per hostile name, cloned from ``base`` (a Chip): slugs evilchip-0..."""
    return tuple(dataclasses.replace(base, slug=f"evilchip-{i}", name=name, vendor=name, source=name)
                 for i, name in enumerate(HOSTILE_NAMES))


def strings(value):
    """Every string in a JSON-like value (a figure dict), keys aside."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)


def assert_no_controls(text: str, where: str) -> None:
    assert not CONTROLS.search(text), f"{where}: a control character survives: {CONTROLS.search(text).group()!r}"


def assert_plotly_safe(figure: dict, where: str) -> None:
    """No name's markup, template or control character in any text field of a figure dict."""
    for s in strings(figure):
        for raw in (*RAW_MARKUP, PLOTLY_TEMPLATE):
            assert raw not in s, f"{where}: {raw!r} in {s[:200]!r}"
        assert_no_controls(s, where)


class _Tags(HTMLParser):
    """Which elements enclose each piece of text; every start tag seen."""

    VOID = {"br", "img", "meta", "link", "input", "hr", "wbr", "col", "area", "base", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags, self.texts = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag):]

    def handle_data(self, data):
        self.texts.append((data, tuple(self.stack)))


def assert_html_safe(page: str, where: str, scripts: int = 0) -> None:
    """No element, link or script from a name in an HTML page (``scripts``: the page's own
    <script> elements); no control character."""
    parser = _Tags()
    parser.feed(page)
    names = [t for t, _ in parser.tags]
    assert "img" not in names, f"{where}: an <img> element"
    assert names.count("script") == scripts, f"{where}: {names.count('script')} <script> elements"
    for tag, attrs in parser.tags:
        assert not any(h in (attrs.get("href") or "") for h in LINK_HOSTS), f"{where}: a link {attrs}"
        for value in attrs.values():
            assert_no_controls(value or "", where)
    for text, stack in parser.texts:
        if "script" in stack or "style" in stack:  # plotly.js itself holds control characters
            continue
        assert not ("bold" in text and "b" in stack), f"{where}: a name in bold: {text!r}"
        assert not ("anchor" in text and "a" in stack), f"{where}: a name as a link: {text!r}"
        assert_no_controls(text, where)


_UNESCAPED = r"(?<!\\)(?:\\\\)*"


def assert_markdown_safe(text: str, where: str) -> None:
    """No HTML tag, link, autolink, line break or control character from a name in markdown."""
    tag = re.search(_UNESCAPED + r"<[A-Za-z/!?]", text)
    assert not tag, f"{where}: an HTML tag: {text[max(0, tag.start() - 20):tag.end() + 20]!r}"
    assert not re.search(_UNESCAPED + r"\][ ]?\(", text), f"{where}: a markdown link"
    for host in LINK_HOSTS:
        assert not re.search(r"https?://" + re.escape(host), text), f"{where}: an autolink to {host}"
    assert_no_controls(text, where)


def assert_csv_safe(data: bytes | str, where: str) -> list[list[str]]:
    """Every cell of a CSV file: none starts a formula unless it is a number; no control
    character. Returns the rows."""
    text = data.decode() if isinstance(data, bytes) else data
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                try:
                    float(cell)
                except ValueError:
                    raise AssertionError(f"{where}: a formula cell {cell!r}") from None
            assert_no_controls(cell, where)
    return rows


def assert_terminal_safe(text: str, where: str) -> None:
    """No control character but newlines between lines (no tab: a cell never splits a row)."""
    assert "\t" not in text, f"{where}: a tab"
    assert_no_controls(text, where)
