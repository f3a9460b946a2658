"""The dashboard's pages, declared once: URL path, title, script and icon. app.py navigates over
them (``st.navigation``); the server's link guard (``dashboard.link_guard``) knows a page by its
URL path and links every page from its 'no such page' answer."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    path: str  # URL path
    title: str
    script: str  # relative to the project folder
    icon: str


PAGES = (
    Page("overview", "Overview", "pages/overview.py", ":material/home:"),
    Page("roofline", "Roofline", "pages/roofline.py", ":material/show_chart:"),
    Page("context-sweep", "Context sweep", "pages/context_sweep.py", ":material/timeline:"),
    Page("attention", "MFA vs MLA vs GQA", "pages/attention.py", ":material/compare_arrows:"),
    Page("afd", "AFD sizing", "pages/afd.py", ":material/balance:"),
    Page("deployments", "Deployments", "pages/deployments.py", ":material/lan:"),
    Page("paper", "Paper reproduction", "pages/paper.py", ":material/fact_check:"),
    Page("co-design", "Co-design explorer", "pages/codesign.py", ":material/join_inner:"),
    Page("library", "Your chips and models", "pages/library.py", ":material/library_add:"),
)
DEFAULT = PAGES[0]  # served at '/' (Streamlit serves the default page at the root, whatever its path)


def url_path(page: Page) -> str:
    """Where a page is served: '' for the default page, else its path."""
    return "" if page == DEFAULT else page.path
