"""Names and links in a real browser (issue 22, findings 3, 7, 10, 13), against the server `make run`
starts, with the user's own models named after the hostile names of tests/hostile_names.py: a chart
legend shows a name's <b> and <a> as text (no bold, no link element), the AFD key figures carry no
link from a name; a link under a page opens the page, a path that is no page says so with links, and
a link too long for Streamlit still applies its inputs and says what it left out."""
from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlencode

import pytest
from browser_harness import running_server
from hostile_names import HOSTILE_NAMES
from playwright.sync_api import expect

from costmodel import library
from dashboard.user_library import store

pytestmark = pytest.mark.e2e
NEWLINE_LINK = "x\n\n[newline-link](http://evil.example)"
SHOWN = [HOSTILE_NAMES[0], HOSTILE_NAMES[1], NEWLINE_LINK]  # <b>bold</b>, <a href=...>anchor</a>, the blank line
LEGEND = """() => Array.from(document.querySelectorAll('.js-plotly-plot .legend')).map(legend => ({
    text: legend.textContent,
    links: legend.querySelectorAll('a').length,
    bold: Array.from(legend.querySelectorAll('tspan')).filter(t => /bold/.test(t.getAttribute('style') || '')).length}))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server whose user library holds a model named after each of ``SHOWN``."""
    home = tmp_path_factory.mktemp("hostile-names")
    for i, name in enumerate(SHOWN):
        store.save_model(dataclasses.replace(library.model("qwen3-32b"), slug=f"evil-{i}", name=name), home)
    with running_server(home) as url:
        yield url


@pytest.fixture
def tab(browser):
    p = browser.new_page(viewport={"width": 1500, "height": 1400})
    yield p
    p.close()


def idle(page) -> None:
    """No script run in flight (Streamlit shows its status widget while one runs)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def test_a_names_markup_is_text_in_a_chart_legend(server, tab):
    """Finding 10: `<b>bold</b>` drew bold and `<a href=...>` became a link element in legends."""
    tab.goto(f"{server}/context-sweep?" + urlencode({"models": SHOWN}, doseq=True))
    tab.wait_for_function(f"() => ({LEGEND})().some(l => l.text.includes('anchor'))", timeout=60_000)
    idle(tab)
    legends = tab.evaluate(LEGEND)
    assert legends and all(legend["links"] == 0 and legend["bold"] == 0 for legend in legends), legends
    text = "".join(legend["text"] for legend in legends)
    assert "<b>bold</b>" in text and "<a href='http://evil.example/a'>anchor</a>" in text, "shown as typed"
    assert tab.locator("svg.main-svg a").count() == 0, "no link element anywhere in the charts"


def test_a_names_blank_line_puts_no_link_under_the_afd_key_figures(server, tab):
    """Finding 3: the model's name rendered a live link in the footnote under the key figures."""
    tab.goto(f"{server}/afd?" + urlencode({"afd_model": NEWLINE_LINK}))
    footnote = tab.locator(".st-key-key_figures_note")
    # shown as text: the markdown rule keeps an autolink out with a zero-width space after 'http:'
    expect(footnote).to_contain_text(re.compile(r"\[newline-link\]\(http:\u200b?//evil\.example\)"), timeout=60_000)
    idle(tab)
    assert tab.locator('[data-testid="stMain"] a[href*="evil"]').count() == 0


def test_a_path_under_a_page_opens_the_page(server, tab):
    """Finding 13: /afd/extra was a blank page, /overview said 'Page not found'."""
    tab.goto(f"{server}/afd/extra?afd_tpot_ms=40")
    expect(tab.locator("h1").filter(has_text="AFD sizing")).to_be_visible(timeout=60_000)
    assert tab.url.endswith("/afd?afd_tpot_ms=40") or "/afd?" in tab.url, tab.url
    tab.goto(f"{server}/overview")
    expect(tab.locator("h1").filter(has_text="What does decoding a token cost?")).to_be_visible(timeout=60_000)
    idle(tab)
    assert tab.url.rstrip("/") == server and not tab.get_by_text("Page not found").count()


def test_a_path_that_is_no_page_says_so_with_links(server, tab):
    """Finding 13: /_stcore/x was a blank page."""
    tab.goto(f"{server}/_stcore/x")
    expect(tab.locator("h1")).to_have_text("No page at /_stcore/x", timeout=30_000)
    tab.get_by_role("link", name="Roofline").click()
    expect(tab.locator("h1").filter(has_text="Roofline per chip")).to_be_visible(timeout=60_000)


def test_a_link_too_long_for_streamlit_still_applies_its_inputs(server, tab):
    """Finding 7: with more than 1,000 fields Streamlit ignored the whole link (context back to
    8,192, no warning)."""
    junk = "&".join(f"junk{i}=1" for i in range(1500))
    tab.goto(f"{server}/?{junk}&ctx=32768")
    warning = tab.locator('[data-testid="stAlert"]').filter(has_text="1,500 parameters")
    expect(warning).to_contain_text("'junk0'", timeout=60_000)
    expect(tab.get_by_role("spinbutton", name="Context (tokens)")).to_have_value("32768")
    assert "junk" not in tab.url and "left_out" not in tab.url, "the link keeps what it applies"
