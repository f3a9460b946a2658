"""The headless chromium behind static exports: Debian's chromium driven through kaleido (never
kaleido's own browser download), one warm browser per process (``ImageExporter.shared()``)
with a few tabs, so a bundle's images render concurrently; the same browser prints the
one-file report (``report.html``) to PDF. The first use pays for starting chromium (~3 s)."""
from __future__ import annotations

import asyncio
import atexit
import base64
import tempfile
import threading
from pathlib import Path

IMAGE_FORMATS = ("png", "svg", "pdf")
INSTALL_HINT = ("PNG, SVG and PDF export need Debian's chromium: run `sudo apt-get install chromium` "
                "(or `make run`, which installs it). HTML, CSV and the scenario JSON work without it.")
TABS = 3  # renders in flight at once (2 cores here: a third tab keeps both busy while one waits)


class ImageExportError(RuntimeError):
    """Static image export failed (chromium missing, crashed or timed out)."""


def chromium_path() -> str | None:
    """The chromium kaleido will use (Debian's /usr/bin/chromium, or BROWSER_PATH), None if absent."""
    try:
        from choreographer.browsers.chromium import Chromium

        path = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - any failure to look means: not usable
        return None
    return path if path and Path(path).exists() else None


def images_available() -> bool:
    return chromium_path() is not None


class ImageExporter:
    """One headless chromium (through kaleido, ``TABS`` tabs) on its own event-loop thread,
    opened on first use and kept for the process. Thread-safe (one batch at a time), every call
    bounded by a timeout; after a failure the browser is dropped and the next call starts a
    fresh one."""

    _shared: "ImageExporter | None" = None
    _shared_lock = threading.Lock()

    def __init__(self, timeout_s: float = 90.0, tabs: int = TABS):
        self.timeout_s = timeout_s
        self.tabs = tabs
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None

    @classmethod
    def shared(cls) -> "ImageExporter":
        """The process-wide exporter (one warm browser per server process)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
                atexit.register(cls._shared.close)
            return cls._shared

    @property
    def warm(self) -> bool:
        return self._kaleido is not None

    def _run(self, coro, timeout_s: float):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout_s)

    def _open(self) -> None:
        if chromium_path() is None:
            raise ImageExportError(INSTALL_HINT)
        import kaleido

        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=self._loop.run_forever, name="kaleido-exporter", daemon=True).start()

        async def start():
            browser = kaleido.Kaleido(n=self.tabs, timeout=self.timeout_s, mathjax=False)  # no MathJax: no CDN
            await browser.open()
            return browser

        self._kaleido = self._run(start(), self.timeout_s)

    def _call(self, what: str, make_coro, timeout_s: float):
        """Run the coroutine ``make_coro(kaleido)`` in the browser's loop; any failure drops the
        browser and becomes one ImageExportError."""
        with self._lock:
            try:
                if self._kaleido is None:
                    self._open()
                return self._run(make_coro(self._kaleido), timeout_s)
            except ImageExportError:
                raise
            except Exception as err:  # noqa: BLE001 - a broken browser: drop it, report one message
                self._drop()
                raise ImageExportError(f"{what} failed ({type(err).__name__}: {err}). " + INSTALL_HINT) from err

    def warm_up(self) -> None:
        """Start chromium in the background (a report starts it while it computes the pages'
        figures); a failure here is reported by the first real call."""
        def start():
            try:
                self._call("starting chromium", lambda kaleido: asyncio.sleep(0), self.timeout_s)
            except ImageExportError:
                pass

        threading.Thread(target=start, name="kaleido-warm-up", daemon=True).start()

    def image(self, spec: dict, fmt: str, width: int, height: int, scale: float = 1) -> bytes:
        """``spec`` (a figure dict) as PNG, SVG or PDF bytes."""
        return self.images([(spec, fmt, width, height, scale)])[0]

    def images(self, jobs) -> list[bytes]:
        """Every (figure dict, format, width, height, scale) of ``jobs`` rendered, concurrently
        over the browser's tabs; the bytes in the order of ``jobs``."""
        jobs = list(jobs)
        for job in jobs:
            if job[1] not in IMAGE_FORMATS:
                raise ValueError(f"not an image format: {job[1]}")
        if not jobs:
            return []

        async def render(kaleido):
            return await asyncio.gather(*(kaleido.calc_fig(spec, opts={"format": fmt, "width": w, "height": h,
                                                                        "scale": scale})
                                          for spec, fmt, w, h, scale in jobs))

        formats = "/".join(sorted({job[1].upper() for job in jobs}))
        return list(self._call(f"{formats} export", render, self.timeout_s * max(1, len(jobs) / self.tabs)))

    def print_pdf(self, html: bytes, ready: str = "document.body.dataset.ready === '1'") -> bytes:
        """``html`` (a self-contained page) printed to PDF by the browser, once the script
        expression ``ready`` is true (the page's charts drawn): A4, backgrounds printed, page
        breaks as the page's print CSS sets them."""
        with tempfile.TemporaryDirectory(prefix="decode-report-") as folder:
            path = Path(folder) / "report.html"
            path.write_bytes(html)

            async def print_(kaleido):
                tab = await kaleido.create_tab("")
                try:
                    await tab.send_command("Page.enable")
                    loaded = tab.subscribe_once("Page.loadEventFired")
                    await tab.send_command("Page.navigate", {"url": path.as_uri()})
                    await loaded
                    for _ in range(int(self.timeout_s * 20)):
                        answer = await tab.send_command("Runtime.evaluate", {"expression": ready, "returnByValue": True})
                        if answer.get("result", {}).get("result", {}).get("value") is True:
                            break
                        await asyncio.sleep(0.05)
                    else:
                        raise TimeoutError("the report's charts did not finish drawing")
                    printed = await tab.send_command("Page.printToPDF", {"printBackground": True,
                                                                         "preferCSSPageSize": True})
                    if "error" in printed:
                        raise RuntimeError(printed["error"])
                    return base64.b64decode(printed["result"]["data"])
                finally:
                    await kaleido.close_tab(tab.target_id)

            return self._call("PDF report", print_, self.timeout_s * 2)

    def _drop(self) -> None:
        browser, self._kaleido = self._kaleido, None
        if browser is not None and self._loop is not None:
            try:
                self._run(browser.close(), 10)
            except Exception:  # noqa: BLE001 - closing a broken browser is best effort
                pass

    def close(self) -> None:
        with self._lock:
            self._drop()
