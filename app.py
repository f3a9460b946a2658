"""Decode co-design dashboard: entry point. Navigation over pages/, the shared sidebar; each
page hands its body to ``sidebar.show``, drawn after the page script as one fragment (which is
all a chip slider reruns)."""
import streamlit as st

from dashboard import pages
from dashboard.widgets import sidebar, link_checks
from dashboard.widgets.errors import errors_as_messages

st.set_page_config(page_title="Decode co-design: cost per token", page_icon=":material/memory:", layout="wide")

page = st.navigation([st.Page(p.script, title=p.title, icon=p.icon, url_path=p.slug, default=p is pages.DEFAULT)
                      for p in pages.PAGES])

banner = st.container()  # above the page: what the link asked for that the inputs could not take
with errors_as_messages():
    try:
        sidebar.render()
        with errors_as_messages():  # a page that fails keeps the chip editor and the export menu
            page.run()
        sidebar.draw_page()
    finally:
        sidebar.forget()
        with banner:
            link_checks.notice()
