"""app.py's navigation over the page registry (Streamlit and the registry only).

The page scripts live in ``views/``, not ``pages/``: a ``pages/`` folder beside the entry script
puts a freshly started server in Streamlit's folder mode, whose list of file names the browser
could show before app.py declared its navigation (seen under load); with no such folder every
link runs app.py, whose ``st.navigation`` finds the page by its URL path."""
from __future__ import annotations

import streamlit as st

from dashboard import pages



def streamlit_pages() -> list:
    """Every page of the registry as an ``st.Page`` (URL path = slug = the script's stem)."""
    return [st.Page(page.script, title=page.title, icon=page.icon, url_path=page.slug, default=page is pages.DEFAULT)
            for page in pages.PAGES]
