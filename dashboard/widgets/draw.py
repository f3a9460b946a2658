"""Drawing figure dicts with st.plotly_chart (theme=None: screen matches exported images),
tables folded in an expander, tabs drawn lazily, and a row of key figures as one element."""
from __future__ import annotations

import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from costmodel import escape as _escape

escape = _escape.markdown  # a user's text in Streamlit markdown (st.error, a caption, a label, a tooltip)


class _Prebuilt(go.Figure):
    """A figure dict presented as a go.Figure to st.plotly_chart, which only calls
    ``to_dict()`` and serializes the result: skips building and deep-copying Plotly's object
    tree (tens of ms for a 50-trace chart). Not a general-purpose Figure: only for drawing."""

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


def open_tab(labels: list[str], key: str):
    """Tabs of which only the open one is drawn: returns (its label, its container). Opening
    another reruns the page's fragment; the open tab is kept in the URL (query parameter
    ``key``)."""
    from dashboard.widgets import link_checks

    link_checks.choice(key, labels)
    tabs = st.tabs(labels, key=key, on_change="rerun", bind="query-params")
    return next((label, tab) for label, tab in zip(labels, tabs) if tab.open)


KPI_CSS = (".kpis{display:flex;flex-wrap:wrap;gap:.75rem 1rem;margin-bottom:1rem}.kpi-label{font-size:.875rem;"
           "opacity:.8}.kpi[title] .kpi-label{text-decoration:underline dotted;cursor:help}.kpi-value{font-size:2.25rem;"
           "line-height:1.3}.kpi-note,.kpi-foot{font-size:.875rem;opacity:.65}.kpi-foot{margin:0 0 1rem}")


def metrics(items, width: int = 300, footnote: str = "") -> None:
    """Key figures as one element: each item (label, value, note[, help]) in a card ``width`` px
    wide (300: three to a row beside the sidebar on a 1500 px window), wrapping onto more rows on a narrow screen (the help shows on hovering the card), and
    a ``footnote`` in caption style under them. Looks like a row of st.metric and a st.caption,
    at the cost of one element instead of one per figure (each element costs a rerun ~0.1 ms)."""
    esc = _escape.html  # one line of HTML, whatever the text: a blank line would end the HTML block
    cards = []
    for label, value, note, *hint in items:
        title = f' title="{esc(hint[0])}"' if hint else ""
        cards.append(f'<div class="kpi" style="flex:0 1 {width}px;min-width:{width * 2 // 3}px"{title}>'
                     f'<div class="kpi-label">{esc(label)}</div><div class="kpi-value">{esc(value)}'
                     f'</div><div class="kpi-note">{esc(note)}</div></div>')
    foot = f'<p class="kpi-foot">{esc(footnote)}</p>' if footnote else ""
    st.markdown(f'<style>{KPI_CSS}</style><div class="kpis">{"".join(cards)}</div>{foot}', unsafe_allow_html=True)


def input_error(err) -> str:
    """An InputError as markdown text: its field and message, each shown as itself."""
    return f"{escape(err.field)}: {escape(err.message)}"


code = _escape.markdown_code  # a path or file name in Streamlit markdown, shown exactly
