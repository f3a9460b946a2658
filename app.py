"""Decode co-design dashboard: entry point. Navigation over pages/, the shared sidebar; each
page hands its body to ``sidebar.show``, drawn after the page script as one fragment (which is
all a chip slider reruns)."""
import streamlit as st

from dashboard import sidebar, url
from dashboard.guard import errors_as_messages

st.set_page_config(page_title="Decode co-design: cost per token", page_icon=":material/memory:", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", url_path="overview", default=True),
    st.Page("pages/roofline.py", title="Roofline", icon=":material/show_chart:", url_path="roofline"),
    st.Page("pages/context_sweep.py", title="Context sweep", icon=":material/timeline:", url_path="context-sweep"),
    st.Page("pages/attention.py", title="MFA vs MLA vs GQA", icon=":material/compare_arrows:", url_path="attention"),
    st.Page("pages/afd.py", title="AFD sizing", icon=":material/balance:", url_path="afd"),
    st.Page("pages/deployments.py", title="Deployments", icon=":material/lan:", url_path="deployments"),
    st.Page("pages/paper.py", title="Paper reproduction", icon=":material/fact_check:", url_path="paper"),
    st.Page("pages/codesign.py", title="Co-design explorer", icon=":material/join_inner:", url_path="co-design"),
    st.Page("pages/library.py", title="Your chips and models", icon=":material/library_add:", url_path="library"),
]
page = st.navigation(pages)

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
            url.notice()
