"""Drawing figure dicts with st.plotly_chart (theme=None: screen matches exported images),
tables, tabs drawn lazily, and a row of key figures (st.metric)."""
from __future__ import annotations

import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from costmodel import escape as _escape

escape = _escape.markdown  # a user's text in Streamlit markdown (st.error, a caption, a label, a tooltip)


class _Prebuilt(go.Figure):
    """A figure dict presented as a go.Figure to st.plotly_chart, which only calls
    ``to_dict()`` and serializes the result: skips building and validating Plotly's object tree.
    Not a general-purpose Figure: only for drawing.

    Kept, measured against the documented alternative (passing the dict itself, which
    st.plotly_chart validates through ``go.Figure``): server time per chart per rerun, the
    first chart of each page (Debian, this machine): Deployments 45 traces 20.0 ms vs 0.3 ms,
    context sweep 46 traces 16.7 vs 0.3, attention 9 traces 7.5 vs 0.1, AFD 7 traces 4.4 vs 0.0,
    co-design 3.6 vs 0.0, overview 2.2 vs 0.0; a slider move redraws every chart of the open
    view, and what a user feels starts after the server's share (bench/bench_felt.py)."""

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


KEY_FIGURES = "key_figures"  # the container of a page's key figures (CSS class st-key-key_figures)
FOOTNOTE = "key_figures_note"  # the line under them


def key_figures(items, width: int = 300, footnote: str = "", changes=None) -> None:
    """Key figures, each an ``st.metric`` ``width`` px wide in a row that wraps (300: three to a
    row beside the sidebar on a 1500 px window): (label, value, note[, help]), the note in grey
    under the value; then ``footnote`` (a user's text shown as itself) in caption style.
    ``changes``: per item None or (its change against the baseline, 'normal' / 'inverse' / 'off':
    whether a rise is good, bad or neither), shown as the metric's delta, the note under it."""
    row = st.container(horizontal=True, gap="medium", key=KEY_FIGURES)
    for (label, value, note, *hint), change in zip(items, changes or [None] * len(items)):
        if change is None:
            row.metric(label, value, note, delta_color="off", delta_arrow="off", help=hint[0] if hint else None,
                       width=width)
            continue
        cell = row.container(width=width, gap=None)
        cell.metric(label, value, f"{change[0]} vs baseline", delta_color=change[1],
                    delta_arrow="off" if change[0].startswith("±") else "auto", help=hint[0] if hint else None)
        cell.caption(note)
    if footnote:
        st.container(key=FOOTNOTE).caption(escape(footnote))


def input_error(err) -> str:
    """An InputError as markdown text: its field and message, each shown as itself."""
    return f"{escape(err.field)}: {escape(err.message)}"


code = _escape.markdown_code  # a path or file name in Streamlit markdown, shown exactly
