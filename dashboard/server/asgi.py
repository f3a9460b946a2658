"""The dashboard's web server, what ``python -m dashboard serve`` (``make run``) starts with
``streamlit run`` on this file: Streamlit's own server for app.py (``st.App``, Streamlit's
documented ASGI entry point), with the link guard in front of it (``dashboard.link_guard``: a
path under a page or no page at all, a query string too long for Streamlit). A plain
``streamlit run app.py`` serves the same pages without the guard."""
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from dashboard.server.link_guard import LinkGuard

app = st.App(str(Path(__file__).resolve().parents[2] / "app.py"), middleware=[Middleware(LinkGuard)])
