"""The server's link guard (issue 22, findings 7 and 13), as an ASGI middleware in front of a
stand-in for Streamlit that answers every path with its app page, as Streamlit does: a path under a
page opens the page, /overview opens /, a path that is no page gets 'no such page' with a link to
every page, and a query string Streamlit would ignore whole is cut to the inputs' parameters."""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl, urlsplit

import pytest
from hostile_names import assert_html_safe

from dashboard.server import link_guard
from dashboard import pages

APP_PAGE = b"<!DOCTYPE html><html><head><script type=module src=./static/js/index.js></script></head></html>"


async def streamlit_stand_in(scope, receive, send):
    """Streamlit's answers: its health check as text (404 under a page's path, where its front end
    probes for the server's base path), a media file as is, its app page otherwise."""
    path = scope["path"]
    status, kind, body = (
        (200, b"text/plain", b"ok") if path == "/_stcore/health" else
        (404, b"text/plain", b"Not Found") if path.endswith("/_stcore/health") else
        (200, b"text/html", b"<p>a downloaded chart</p>") if path.startswith("/media/") else (200, b"text/html", APP_PAGE))
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", kind)]})
    await send({"type": "http.response.body", "body": body})


def get(path: str, query: str = "", method: str = "GET", kind: str = "http", base: str = "") -> tuple[int, dict, bytes]:
    """(status, headers, body) of a request through the guard (``base``: the server's base URL path)."""
    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": kind, "method": method, "path": path, "query_string": query.encode(), "headers": []}
    guard = link_guard.LinkGuard(streamlit_stand_in, base_url_path=base)
    with ThreadPoolExecutor(1) as thread:  # an event loop of its own (the browser tests hold one in this thread)
        thread.submit(asyncio.run, guard(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture(autouse=True)
def user_library(tmp_path, monkeypatch):
    monkeypatch.setenv("DECODE_CODESIGN_HOME", str(tmp_path / "user-library"))


@pytest.mark.parametrize("path, location", [
    ("/overview", "/"),  # the default page's own path: Streamlit said 'Page not found'
    ("/overview?ctx=16384", "/?ctx=16384"),
    ("/afd/extra", "/afd"),  # blank: the app page's scripts load from /afd/static/
    ("/afd/extra/more?afd_tpot_ms=40", "/afd?afd_tpot_ms=40"),
    ("/context-sweep/x", "/context-sweep"),
])
def test_a_link_under_a_page_opens_the_page(path, location):
    path, _, query = path.partition("?")
    status, headers, _ = get(path, query)
    assert status == 303 and headers[b"location"].decode() == location


@pytest.mark.parametrize("path", ["/_stcore/x", "/nosuch", "/_stcore/x/y", "/%3Cb%3Ex%3C/b%3E", "/<b>bold</b>"])
def test_a_path_that_is_no_page_says_so_and_links_every_page(path):
    status, headers, body = get(path)
    page = body.decode()
    assert status == 404 and headers[b"content-type"].startswith(b"text/html")
    assert "No page at" in page and APP_PAGE.decode() not in page
    for p in pages.PAGES:
        assert f'href="/{p.url_path}">{p.title}</a>' in page.replace("&#x27;", "'")
    assert_html_safe(page, "not-found page")


@pytest.mark.parametrize("path", ["/", "/roofline", "/afd", "/library"])
def test_pages_are_served_as_they_are(path):
    assert get(path, "ctx=16384") == (200, {b"content-type": b"text/html"}, APP_PAGE)


def test_streamlits_own_answers_pass():
    assert get("/_stcore/health") == (200, {b"content-type": b"text/plain"}, b"ok")
    assert get("/afd/_stcore/health")[0] == 404, "the front end's probe for the base path is not sent to /afd"
    assert get("/media/chart.html")[2] == b"<p>a downloaded chart</p>", "a file served as HTML is a file"
    assert get("/_stcore/x", method="POST")[0] == 200, "only page requests (GET, HEAD) are looked at"


def test_under_a_base_url_path():
    assert get("/dash/afd/extra", base="/dash")[1][b"location"] == b"/dash/afd"
    assert b'href="/dash/roofline"' in get("/dash/nosuch", base="/dash")[2]
    assert get("/dashboard/afd/extra", base="/dash")[2] == APP_PAGE, "not under the base: not looked at"


@pytest.mark.parametrize("junk", [1001, 5000])
def test_a_link_streamlit_would_ignore_is_cut_to_the_inputs_parameters(junk):
    """Finding 7: more than 1,000 fields and Streamlit ignored the whole link, silently."""
    query = "&".join([f"junk{i}=1" for i in range(junk)] + ["ctx=32768", "models=Step-3", "models=Step-3",
                                                              "h800_usd_h=1.5"])
    assert link_guard.too_long(query)
    status, headers, _ = get("/context-sweep/extra", query)
    location = urlsplit(headers[b"location"].decode())
    assert status == 303 and location.path == "/context-sweep"
    assert not link_guard.too_long(location.query), "Streamlit reads it"
    params = parse_qsl(location.query)
    assert [p for p in params if p[0] != link_guard.LEFT_OUT] == [("ctx", "32768"), ("models", "Step-3"),
                                                                   ("h800_usd_h", "1.5")], "the inputs' parameters"
    count, names = json.loads(dict(params)[link_guard.LEFT_OUT])
    assert count == junk and names == [f"junk{i}" for i in range(link_guard.NAMED)], "what was left out, said"


def test_a_cut_link_stays_within_streamlits_limits():
    many_known = "&".join(f"models=m{i}" for i in range(3000))
    assert not link_guard.too_long(link_guard.cut(many_known, {"models"}))
    huge = "ctx=" + "9" * (600 * 1024) + "&batch=64"
    cut = dict(parse_qsl(link_guard.cut(huge, {"ctx", "batch"})))
    assert cut["batch"] == "64" and "ctx" not in cut and json.loads(cut[link_guard.LEFT_OUT]) == [1, ["ctx"]]
    assert link_guard.cut("ctx=1&ctx=1&batch=2", {"ctx", "batch"}) == "ctx=1&batch=2", "a repeat is not 'left out'"
