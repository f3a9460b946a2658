"""What the dashboard's server answers for a link before Streamlit does: an ASGI middleware in
front of Streamlit's own server (``dashboard.server``). Streamlit answers every path it does not
serve with its app page, and reads a query string of at most 1,000 fields and 512 KiB; beyond
either it fails without a word. Here:

- ``/overview`` (the default page's own path, served at ``/``) opens ``/``; a path under a page
  (``/afd/extra``) opens that page: Streamlit's app page there loads its scripts from the wrong
  folder and stays blank;
- any other path Streamlit would answer with its app page (``/_stcore/x``: blank; ``/nosuch``:
  the overview under a 'Page not found' dialog) gets a short page saying there is no such page,
  with a link to every page (HTTP 404);
- a query string Streamlit would ignore whole is cut to the parameters the dashboard's inputs
  read, and the page opened again with it (303); one parameter, ``LEFT_OUT``, tells the page how
  many others were left out and names a few (``dashboard.url`` reports them with the rest).

Only GET and HEAD requests are looked at; websockets, uploads and Streamlit's files pass as they
are. No Streamlit here (its server calls this)."""
from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from costmodel import escape

from dashboard import pages
from dashboard.state import parameters
from dashboard.state.parameters import LEFT_OUT, NAMED

MAX_FIELDS = 1000  # Streamlit ignores a query string with more fields (separated by '&') ...
MAX_QUERY_CHARS = 512 * 1024  # ... or more characters, all of it
FILE_ROUTES = ("media", "component", "app")  # Streamlit's routes serving files: their HTML is a file
PAGES = {page.url_path: page for page in pages.PAGES}  # served path ('' = '/') -> page


def too_long(query: str) -> bool:
    """Whether Streamlit would ignore the query string ``query`` whole."""
    return query.count("&") + 1 > MAX_FIELDS or len(query) > MAX_QUERY_CHARS


def cut(query: str, known) -> str:
    """``query`` as Streamlit reads it: the parameters in ``known`` (a value given twice, once),
    within Streamlit's limits (the longest values go first), and ``LEFT_OUT`` counting and
    naming the others."""
    kept, left = {}, []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in known and key != LEFT_OUT and len(kept) < MAX_FIELDS - 1:
            kept.setdefault((key, value), None)
        elif (key, value) not in kept:
            left.append(key)
    pairs = list(kept)
    while len(urlencode(pairs)) > MAX_QUERY_CHARS - 2000:  # room for LEFT_OUT
        longest = max(pairs, key=lambda pair: len(pair[1]))
        pairs.remove(longest)
        left.append(longest[0])
    if left:
        pairs.append((LEFT_OUT, json.dumps([len(left), [key[:100] for key in dict.fromkeys(left)][:NAMED]])))
    return urlencode(pairs)


def known_parameters() -> set[str]:
    """Every parameter an input of the dashboard reads, the user's own chips' included."""
    from dashboard.state.scenario import catalog
    from dashboard.user_library import store

    user = store.load()
    return parameters.known_parameters(catalog(user.chips, user.models)[0])


def where(path: str, query: str, known=known_parameters) -> tuple[str, str] | None:
    """Where a link to ``path`` (under the base URL, no leading '/') with ``query`` should go
    instead, if Streamlit would answer it with its app page: (page path, query), or None (a page
    served as it is, or no page at all). ``known()``: the parameters the dashboard reads
    (computed only for a query string too long for Streamlit)."""
    path = path.strip("/")
    first = path.partition("/")[0]
    target = path if path in PAGES else "" if first == pages.DEFAULT.slug else first if first in PAGES else None
    if target is None or (target == path and not too_long(query)):
        return None
    return target, cut(query, known()) if too_long(query) else query


def not_found_page(path: str, base: str) -> bytes:
    """The answer for a path that is no page: says so, and links every page."""
    links = "".join(f'<li><a href="{escape.html(base + "/" + page.url_path)}">{escape.html(page.title)}</a>'
                    "</li>" for page in pages.PAGES)
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>No such page · decode co-design '
            'dashboard</title></head><body style="font-family:sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5">'
            f"<h1>No page at {escape.html('/' + path)}</h1><p>The dashboard's pages:</p><ul>{links}</ul>"
            "</body></html>").encode()


class LinkGuard:
    """The ASGI middleware (see the module): redirects a link to the page it means, answers a
    path that is no page, cuts a query string too long for Streamlit."""

    def __init__(self, app, base_url_path: str | None = None):
        self.app = app
        self._base = base_url_path

    @property
    def base(self) -> str:
        """The server's base URL path ('' or '/name'), Streamlit's ``server.baseUrlPath``."""
        if self._base is None:
            import streamlit as st

            self._base = ("/" + (st.get_option("server.baseUrlPath") or "").strip("/")).rstrip("/")
        return self._base

    async def __call__(self, scope, receive, send):
        base = self.base
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD")
                or not (scope["path"] == base or scope["path"].startswith(base + "/"))):
            return await self.app(scope, receive, send)
        path = scope["path"][len(base):].strip("/")
        query = scope["query_string"].decode("latin-1")
        if path.partition("/")[0] in FILE_ROUTES:
            return await self.app(scope, receive, send)
        if path in PAGES:
            target = where(path, query)
            return await (self.app(scope, receive, send) if target is None else _redirect(send, base, target))
        replaced = False

        async def unless_app_page(message):
            """Streamlit's app page for a path that is no page (a fetch of /afd/_stcore/health, say,
            gets a 404 and passes): the page it means, or 'no such page'."""
            nonlocal replaced
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if message["status"] == 200 and headers.get(b"content-type", b"").startswith(b"text/html"):
                    replaced = True
                    target = where(path, query)
                    if target is not None:
                        return await _redirect(send, base, target)
                    return await _answer(send, 404, [(b"content-type", b"text/html; charset=utf-8"),
                                                     (b"cache-control", b"no-cache")], not_found_page(path, base))
            elif replaced:
                return  # the app page's body
            await send(message)

        await self.app(scope, receive, unless_app_page)


async def _redirect(send, base: str, target: tuple[str, str]) -> None:
    location = f"{base}/{target[0]}" + (f"?{target[1]}" if target[1] else "")
    await _answer(send, 303, [(b"location", location.encode("latin-1")), (b"cache-control", b"no-cache")])


async def _answer(send, status: int, headers: list, body: bytes = b"") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
