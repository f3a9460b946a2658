"""Decode co-design dashboard: the entry script. The navigation over the page registry
(``dashboard.pages``), the shared sidebar, the page, then the sidebar's Download menu for what
the page published. Each page draws what a chip slider changes in its own fragment."""
import streamlit as st

from dashboard.widgets import navigation

st.set_page_config(page_title="Decode co-design: cost per token", page_icon=":material/memory:", layout="wide")
page = st.navigation(navigation.streamlit_pages())

from dashboard.widgets import frame, link_checks  # noqa: E402
from dashboard.widgets.errors import errors_as_messages  # noqa: E402

banner = st.container()  # above the page: what the link asked for that the inputs could not take
try:
    with errors_as_messages():
        sidebar = frame.start(page.url_path)
        with errors_as_messages():  # a page that fails keeps the chip sliders and the Download menu
            page.run()
        frame.finish(sidebar)
finally:
    with banner:
        link_checks.notice()
