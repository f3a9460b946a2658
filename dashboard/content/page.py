"""What a page shows, as data: its charts (figure dicts), tables (DataFrames) and headline
numbers, built from a Scenario on first access. The pages draw it; the report bundle and the headless
``python -m dashboard report`` export it, so a report always holds the figures of the screen."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard import pages


class Lazy(Mapping):
    """{name: value}, each built on first access by its zero-argument builder and kept, in
    the builders' order: a page computes only what it shows, an export the rest."""

    def __init__(self, builders: dict):
        self._builders, self._built = dict(builders), {}

    def __getitem__(self, name: str):
        if name not in self._built:
            self._built[name] = self._builders[name]()
        return self._built[name]

    def __iter__(self):
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)


@dataclass
class PageContent:
    """One page's exportable content. ``charts``/``tables``: {short name: figure dict /
    DataFrame}, in display order, built on first access (``Lazy``); ``headlines``: Markdown
    bullet lines for the summary."""

    page: str
    title: str
    charts: Mapping = field(default_factory=dict)
    tables: Mapping = field(default_factory=dict)
    headlines: list = field(default_factory=list)


def page_content(slug: str, charts: Mapping, tables: Mapping, headlines: list) -> PageContent:
    """The content of the registered page ``slug``, titled as its section in a report."""
    return PageContent(slug, pages.BY_SLUG[slug].section, charts, tables, headlines)


def usd(value: float) -> str:
    return f"${value:.4f}"


def span(values, fmt: str) -> str:
    """'a–b' of two numbers, smaller first, each formatted with ``fmt`` ('{:,.0f}')."""
    low, high = sorted(float(v) for v in values)
    return f"{fmt.format(low)}–{fmt.format(high)}"
