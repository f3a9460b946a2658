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
RELOAD_AFTER = 8  # batches a tab renders before it is reloaded (kaleido reloads after every image)
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


# In a kaleido tab: the figure as SVG (kaleido's own render: Plotly.toImage), then, for each PNG
# scale asked, that SVG drawn on a canvas of scale x its size and encoded, as Plotly's svgToImg
# does for its PNG export (a Blob URL of the SVG, drawImage to the full canvas, toDataURL).
_SVG_AND_PNGS_JS = r"""function(spec, scales) {
  return kaleido_scopes.plotly(spec, null, false).then(function (response) {
    if (response.code !== 0 || !scales.length) return JSON.stringify(response);
    var raster = function (scale) {
      return new Promise(function (resolve, reject) {
        var canvas = document.createElement("canvas");
        canvas.width = scale * response.width;
        canvas.height = scale * response.height;
        var context = canvas.getContext("2d", {willReadFrequently: true});
        var url = URL.createObjectURL(new window.Blob([response.result], {type: "image/svg+xml;charset=utf-8"}));
        var image = new window.Image();
        image.onload = function () {
          URL.revokeObjectURL(url);
          context.drawImage(image, 0, 0, canvas.width, canvas.height);
          resolve(canvas.toDataURL("image/png").replace(/^data:image\/png;base64,/, ""));
        };
        image.onerror = function () { URL.revokeObjectURL(url); reject(new Error("the SVG did not load as an image")); };
        image.src = url;
      });
    };
    return Promise.all(scales.map(raster)).then(function (pngs) {
      response.pngs = pngs;
      return JSON.stringify(response);
    });
  });
}"""


async def _svg_and_pngs(tab, spec: dict, width: int, height: int, scales: list[float]) -> tuple[bytes, list[bytes]]:
    """(the figure's SVG, its PNG at each of ``scales``) rendered in the kaleido tab ``tab``."""
    from kaleido._kaleido_tab import _devtools_utils as devtools  # kaleido 1.5 (pinned)
    from kaleido._kaleido_tab._errors import _raise_error
    from kaleido._utils import fig_tools

    js_spec = fig_tools.coerce_for_js(spec, None, {"format": "svg", "width": width, "height": height, "scale": 1})
    result = await devtools.exec_js_fn(tab.tab, tab._current_js_id, _SVG_AND_PNGS_JS, js_spec, scales)  # noqa: SLF001
    _raise_error(result)
    response = devtools.check_kaleido_js_response(result)
    return response["result"].encode(), [base64.b64decode(png) for png in response.get("pngs", [])]


class ImageExporter:
    """One headless chromium (through kaleido, ``TABS`` tabs) on its own event-loop thread,
    opened on first use and kept for the process. Thread-safe (batches from several threads share it), every call
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
        browser and becomes one ImageExportError. Calls from several threads run concurrently in
        the one browser (a report prints its PDF while its images render); opening and dropping
        the browser are one at a time."""
        with self._lock:
            try:
                if self._kaleido is None:
                    self._open()
            except ImageExportError:
                raise
            except Exception as err:  # noqa: BLE001 - a browser that would not start: one message
                self._drop()
                raise ImageExportError(f"{what} failed ({type(err).__name__}: {err}). " + INSTALL_HINT) from err
            browser = self._kaleido
        try:
            return self._run(make_coro(browser), timeout_s)
        except Exception as err:  # noqa: BLE001 - a broken browser: drop it, report one message
            with self._lock:
                if self._kaleido is browser:
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
        over the browser's tabs; the bytes in the order of ``jobs``. PNG and SVG jobs of one
        figure (the same dict, width and height) share one render: Plotly draws the figure once
        as SVG, and each PNG is that SVG rasterized on a canvas at its scale in the same page,
        which is what Plotly's own PNG export does (the same SVG drawn the same way, so the same
        pixels). A tab renders figure after figure; kaleido reloads a tab (plotly.js parsed
        again) after every image, here after ``RELOAD_AFTER`` batches."""
        jobs = list(jobs)
        for job in jobs:
            if job[1] not in IMAGE_FORMATS:
                raise ValueError(f"not an image format: {job[1]}")
        if not jobs:
            return []
        drawn: dict[tuple, dict] = {}  # (figure, width, height) -> {"job", "svg": [k], "png": {scale: [k]}}
        printed = []  # PDF jobs: kaleido's own path (the SVG printed by the browser)
        for k, (spec, fmt, w, h, scale) in enumerate(jobs):
            if fmt == "pdf":
                printed.append(k)
                continue
            group = drawn.setdefault((id(spec), w, h), {"job": (spec, w, h), "svg": [], "png": {}})
            if fmt == "svg":
                group["svg"].append(k)
            else:
                group["png"].setdefault(float(scale), []).append(k)
        out: list = [None] * len(jobs)

        async def render(kaleido):
            groups = list(drawn.values())

            async def worker():
                tab = await kaleido._get_kaleido_tab()  # noqa: SLF001 - kaleido 1.5 (pinned): its tab queue
                try:
                    while groups:
                        group = groups.pop(0)
                        spec, w, h = group["job"]
                        svg, pngs = await asyncio.wait_for(_svg_and_pngs(tab, spec, w, h, list(group["png"])),
                                                           self.timeout_s)
                        for k in group["svg"]:
                            out[k] = svg
                        for scale, png in zip(group["png"], pngs):
                            for k in group["png"][scale]:
                                out[k] = png
                finally:
                    tab.decode_renders = getattr(tab, "decode_renders", 0) + 1
                    if tab.decode_renders >= RELOAD_AFTER:  # now and then a fresh page, as kaleido does after each
                        tab.decode_renders = 0
                        await kaleido._return_kaleido_tab(tab)  # noqa: SLF001 - reloads the tab, puts it back
                    else:
                        await kaleido.tabs_ready.put(tab)

            async def pdf(k):
                spec, fmt, w, h, scale = jobs[k]
                out[k] = await kaleido.calc_fig(spec, opts={"format": fmt, "width": w, "height": h, "scale": scale})

            await asyncio.gather(*(worker() for _ in range(min(self.tabs, len(groups)))),
                                 *(pdf(k) for k in printed))
            return out

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
