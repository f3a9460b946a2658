"""Drawing figure dicts with st.plotly_chart (theme=None: screen matches exported images)."""
from __future__ import annotations

import plotly.graph_objects as go
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
