"""Drawing figure dicts with st.plotly_chart (theme=None: screen matches exported images),
tables folded in an expander, tabs drawn lazily, and a row of key figures as one element."""
from __future__ import annotations

import html

import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st


class _Prebuilt(go.Figure):
    """A figure dict presented as a go.Figure to st.plotly_chart, which only calls
    ``to_dict()`` and serializes the result: skips building and deep-copying Plotly's object
    tree (tens of ms for a 50-trace chart). Not a general-purpose Figure: use
    ``theme.to_figure`` for anything else."""

    def __init__(self, spec: dict):  # noqa: D107 - deliberately skips go.Figure.__init__
        object.__setattr__(self, "_spec", spec)

    def to_dict(self) -> dict:
        return self._spec

    def __repr__(self) -> str:
        return f"_Prebuilt({len(self._spec.get('data', []))} traces)"


def plotly(spec: dict, key: str) -> None:
    """Draw a figure dict from ``dashboard.charts``."""
    st.plotly_chart(_Prebuilt(spec), theme=None, key=key, width="stretch")


def table(df, **kwargs) -> None:
    """``df`` (a DataFrame, or an Arrow table as is) with st.dataframe, without its index. A
    DataFrame is sent as an Arrow table built column by column: for these small tables,
    pandas' own conversion costs ~3x more per rerun. ``kwargs`` go to st.dataframe
    (column_config, height)."""
    data = df
    if not isinstance(df, pa.Table):
        try:
            data = pa.Table.from_pydict({str(c): df[c].tolist() for c in df.columns})
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in a column: let pandas decide
            pass
    st.dataframe(data, hide_index=True, **kwargs)


def folded_table_key(page: str, name: str) -> str:
    """Widget key of a folded table's expander (its state: open or not)."""
    return f"open_{page}_{name}"


def folded_table(title: str, content, name: str, scenario) -> None:
    """The table ``name`` of ``content`` (a figures.PageContent) with its CSV button, in an
    expander titled ``title``, built and drawn only while open: opening it reruns the page's
    fragment, and a closed one costs a rerun nothing."""
    from . import export

    box = st.expander(title, key=folded_table_key(content.page, name), on_change="rerun")
    if box.open:
        with box:
            table(content.tables[name])
            export.table_download(content.tables[name], name, scenario, content.page)


def open_tab(labels: list[str], key: str):
    """Tabs of which only the open one is drawn: returns (its label, its container). Opening
    another reruns the page's fragment; the open tab is kept in the URL (query parameter
    ``key``)."""
    tabs = st.tabs(labels, key=key, on_change="rerun", bind="query-params")
    return next((label, tab) for label, tab in zip(labels, tabs) if tab.open)


def metrics(items, width: int = 300) -> None:
    """Key figures as one element: each item (label, value, note[, help]) in a card ``width`` px
    wide, wrapping onto more rows on a narrow screen; the help shows on hovering the card.
    Looks like a row of st.metric, at the cost of one element instead of one per figure (each
    element costs a rerun ~0.1 ms)."""
    cards = []
    for label, value, note, *hint in items:
        title = f' title="{html.escape(hint[0])}"' if hint else ""
        underline = "text-decoration:underline dotted;cursor:help;" if hint else ""
        cards.append(
            f'<div class="kpi" style="flex:0 1 {width}px;min-width:{width * 2 // 3}px"{title}>'
            f'<div class="kpi-label" style="font-size:0.875rem;opacity:0.8;{underline}">{html.escape(label)}</div>'
            f'<div class="kpi-value" style="font-size:2.25rem;line-height:1.3">{html.escape(value)}</div>'
            f'<div class="kpi-note" style="font-size:0.875rem;opacity:0.65">{html.escape(note)}</div></div>')
    st.markdown(f'<div class="kpis" style="display:flex;flex-wrap:wrap;gap:0.75rem 1rem;margin-bottom:0.5rem">'
                f'{"".join(cards)}</div>', unsafe_allow_html=True)
