"""app.py's navigation over the page registry, and the first step of every page script.

Light on purpose (Streamlit and the registry only): a page script calls ``through_app`` before
its other imports."""
from __future__ import annotations

import streamlit as st

from dashboard import pages

IN_APP = "_in_app_run"  # set while app.py runs: a page script run without it was started by Streamlit alone


def streamlit_pages() -> list:
    """Every page of the registry as an ``st.Page`` (URL path = slug = the script's stem)."""
    return [st.Page(page.script, title=page.title, icon=page.icon, url_path=page.slug, default=page is pages.DEFAULT)
            for page in pages.PAGES]


def through_app() -> None:
    """Make sure the page runs inside app.py (its sidebar, its navigation).

    Streamlit's rule for a ``pages/`` folder beside the entry script: on a freshly started
    server, until a session has called ``st.navigation``, a link to a page runs that page's
    script alone (its file stem is its URL path, so Streamlit finds it: no 'Page not found').
    Then declare the navigation (Streamlit ignores ``pages/`` from then on, for the whole server)
    and run again, through app.py. Called before the page's other imports, so the navigation
    replaces Streamlit's list of files before the browser draws it."""
    if not st.session_state.get(IN_APP):
        st.navigation(streamlit_pages())
        st.rerun()
