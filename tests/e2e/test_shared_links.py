"""Shared links open cleanly: every documented URL, opened first on a freshly started server,
shows its page with the dashboard's own navigation from the first paint: no 'Page not found'
dialog, never a list of script file names. Both as `make run` serves it (`python -m dashboard
serve`) and as a Streamlit user would (`streamlit run app.py`). (The page scripts live in views/:
a pages/ folder put a fresh server in Streamlit's folder mode, whose file list a busy browser drew
before app.py's navigation.)"""
from __future__ import annotations

import contextlib

import pytest
from browser_harness import start_server, stop_server

from dashboard import pages

pytestmark = pytest.mark.e2e

# The heading each page must show (every page of the registry: a new page needs its line here)
HEADINGS = {"overview": "What does decoding a token cost?", "roofline": "Roofline per chip",
            "context-sweep": "Context sweep", "attention": "MFA vs MLA vs GQA",
            "afd": "AFD sizing: attention-to-FFN ratio",
            "deployments": "Deployments: expert parallel, tensor parallel, AFD", "serving": "Serving cost: what a request costs",
            "paper": "Paper reproduction (Step-3 report, Tables 2–7)",
            "co-design": "Co-design explorer", "compare": "Compare scenarios", "library": "Your chips and models"}
DOCUMENTED = {page.url_path: HEADINGS[page.slug] for page in pages.PAGES}  # every page's URL path -> its heading
NAVIGATION = [page.title for page in pages.PAGES]
WATCH = r"""() => {  // every text the page ever shows while loading, and every navigation link list
  window.__seen = {notFound: false, navs: []};
  new MutationObserver(() => {
    if (document.body && document.body.innerText.includes('Page not found')) window.__seen.notFound = true;
    const nav = document.querySelector('[data-testid="stSidebarNav"]');
    if (nav) {
      const links = Array.from(nav.querySelectorAll('a')).map(a => a.innerText.trim().split('\n').pop().trim()).filter(Boolean).join('|');
      if (links && window.__seen.navs[window.__seen.navs.length - 1] !== links) window.__seen.navs.push(links);
    }
  }).observe(document, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module", params=["dashboard serve", "streamlit run app.py"])
def fresh_servers(request, tmp_path_factory):
    """One freshly started server per documented URL, started at once (each URL is the first a
    server ever sees), served one way, then the other."""
    servers = {}
    with contextlib.ExitStack() as stack:
        for path in DOCUMENTED:
            proc, url, _ = start_server(tmp_path_factory.mktemp("home"), plain=request.param != "dashboard serve")
            stack.callback(stop_server, proc)
            servers[path] = url
        yield servers, request.param


@pytest.mark.parametrize("path", list(DOCUMENTED))
def test_documented_url_opens_directly_on_a_fresh_server(browser, fresh_servers, path):
    servers, mode = fresh_servers
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        page.add_init_script(f"({WATCH})()")
        page.goto(f"{servers[path]}/{path}")
        page.locator("h1").filter(has_text=DOCUMENTED[path]).wait_for(timeout=60_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.locator(".js-plotly-plot .main-svg, [data-testid='stTabs'], [data-testid='stTextInput']").first.wait_for(
            timeout=60_000)  # the page drawn: a chart, or the library page's tabs
        seen = page.evaluate("() => window.__seen")
        assert not seen["notFound"], "a 'Page not found' dialog showed"
        navs = seen["navs"]
        assert navs and all(nav.split("|") == NAVIGATION for nav in navs), (mode, seen["navs"])
        assert page.url.rstrip("/").endswith(f"/{path}".rstrip("/")), page.url
        assert not page.locator('[data-testid="stException"]').count()
    finally:
        page.close()
