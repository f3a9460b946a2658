"""Sessions under load: N concurrent sessions (default 20) against ONE dashboard server
(`streamlit run app.py`), without browsers, each moving chip sliders and switching pages; server-side rerun
times (p50, p95) against one session alone doing the same, errors, cross-session leaks, and
the server's memory before and after each wave.

    .venv/bin/python bench/bench_load.py [--sessions 20] [--actions 20] [--waves 2] [--json PATH]

The server: a fresh headless `python -m dashboard serve` (what `make run` starts: `streamlit
run app.py`, legacy pages/ discovery off) on a free port of 127.0.0.1 (file watcher off,
DECODE_CODESIGN_HOME a temporary folder, its own process group, stopped at the end, and
killed with the bench if the bench dies).

The clients speak Streamlit's own protocol, as the browser does: a websocket to
/_stcore/stream, protobuf BackMsg.rerun_script requests (ClientState: widget states, query
string, page_script_hash) up, ForwardMsgs down. What a browser sends was recorded from
Debian's chromium on this app and is mimicked: on every rerun the state of every widget the
last run drew (value from the element: set_value ? value : default; the browser's own value
after that), which the server needs (on a page change it keeps only the widgets the browser
names); the URL's query string (the server's last page_info_changed, plus a changed widget
bound to the URL); on a page switch only the URL parameters of bound widgets (Streamlit drops
the others); the target page's script hash. A chip slider move is its new value in the widget
states, with the id of the page's fragment that draws it: the server reruns only that fragment.

Each session opens the app (overview), then plays ``--actions`` actions (default 20) from a
cycle of ten: move H800 HBM bandwidth, switch page, move H800 price, switch page, edit H20,
move H20 HBM bandwidth, switch page, move H20 price, switch page, edit H800 (pages in turn:
roofline, context-sweep, attention, afd, paper, overview). Every slider value is unique to
its session (and wave): H800 HBM 5.01.. TB/s, H20 HBM 8.01.., H800 price 3.01.. USD/h, H20
price 1.01.. (apart from each other and from both chips' library values). A session's actions are
sequential: the next is sent when the previous one's script run has finished.

Timing: per action, from sending the BackMsg to receiving the final script_finished
(finished, or fragment run finished; a 'finished early for rerun' in between is part of
it), measured in the client on loopback: the server's queueing, script run and message
sending. First a warm-up session (every page once, not timed), then the session alone:
``--alone`` sessions (default 3) one after another, their samples pooled (the machine is
noisy); then ``--waves`` waves of N concurrent sessions started 50 ms apart (the same
actions with fresh values: the app's caches miss again, so their bounds are what keeps
memory flat); last, the sessions alone again ('after': has the server slowed down?). p50/p95
are over the timed actions (each session's open is shown apart); ratios are to the first
sessions alone.

Errors: an exception element, an st.error element, a compile error, a missing widget, a
timeout or a closed socket; and tracebacks in the server log (but for websockets torn down).

Leaks: every ForwardMsg a session receives is scanned for the chip values of the sliders
(URL parameters such as h800_usd_h=3.07, the roofline's 'H800*: ... HBM 5.07 TB/s', the
sliders' own values): a value owned by another session is a leak (how many of its own it saw
is printed: the check had material). Wrong (shown own value missing): a move
whose run did not write the session's new value into its URL. And after each wave, each
session's last page (reloaded) is compared with a replay alone: a fresh session opening the
same URL (page and query string) once the wave is over; the page's main area and 'Modified'
caption must be byte-identical (content depends on the session's inputs only).

Memory: VmRSS of the server process (/proc/PID/status) at start, after warm-up and the
session alone ('before'), and after each wave once its sessions have disconnected (the
server keeps disconnected sessions for reconnection; the bench sets
server.disconnectedSessionTTL to 2 s so that each reading holds one wave's sessions, not the
previous wave's too); VmHWM is the peak. Also the server's CPU time per request (the actions,
each session's open and final reload; /proc/PID/stat), requests served per second, and the
client's own CPU use (it shares the machine).

Exit status 1 on any error, leak, wrong value or replay mismatch."""
from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from browser_harness import app_tracebacks, free_port, wait_until_up  # noqa: E402

from dashboard import pages  # noqa: E402

PAGES = tuple(page.slug for page in pages.REPORTED)  # every page with charts, in the navigation's order
EDIT = {"h800": "NVIDIA H800 SXM5", "h20": "NVIDIA H20"}  # the 'Edit chip' selectbox's options
# slider key -> (first value, step): ranges no library chip and no other slider reaches
VALUES = {"h800_hbm_tbps": (5.00, 0.01), "h20_hbm_tbps": (8.00, 0.01),
          "h800_usd_h": (3.00, 0.01), "h20_usd_h": (1.00, 0.01)}
CAPACITY = {"h800_hbm_tbps": 299, "h20_hbm_tbps": 799, "h800_usd_h": 499, "h20_usd_h": 219}  # up to the slider max
CYCLE = (("move", "h800_hbm_tbps"), ("page", None), ("move", "h800_usd_h"), ("page", None), ("edit", "h20"),
         ("move", "h20_hbm_tbps"), ("page", None), ("move", "h20_usd_h"), ("page", None), ("edit", "h800"))
PAGE_ORDER = PAGES[1:] + PAGES[:1]  # page switches go round: roofline first (sessions open on overview)
QUERY_VALUE = re.compile(rb"(h800_hbm_tbps|h800_usd_h|h20_hbm_tbps|h20_usd_h)=(\d+(?:\.\d+)?)")
HBM_TEXT = re.compile(rb"(H800|H20)\*?: [^\"]{0,300}?HBM (\d+\.\d\d) TB")  # a roofline's hover text, per chip
MAIN = 0  # delta_path[0] of the main area (the sidebar is 1)
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
        ForwardMsg.FINISHED_WITH_COMPILE_ERROR}
TTL_S = 2  # server.disconnectedSessionTTL for the bench server


def plan(actions: int) -> list[tuple[str, str | None]]:
    """The first ``actions`` actions of the cycle, page switches filled in with their targets."""
    out, pages = [], 0
    for k in range(actions):
        kind, arg = CYCLE[k % len(CYCLE)]
        if kind == "page":
            arg, pages = PAGE_ORDER[pages % len(PAGE_ORDER)], pages + 1
        out.append((kind, arg))
    return out


WARM_UP = plan(len(CYCLE)) + [("page", "paper"), ("page", "overview")]  # every page once, each slider moved


def moves_per_key(actions: list) -> int:
    """Values a session needs per slider: its most moved slider's moves (the warm-up's too)."""
    return max(sum(1 for a in acts if a == ("move", key)) for acts in (actions, WARM_UP) for key in VALUES)


def max_sessions(actions: list) -> int:
    """How many sessions (warm-up, alone and waves together) the value ranges hold."""
    return min(CAPACITY.values()) // moves_per_key(actions) - 1


class Values:
    """Every slider value a session may set, unique to that session: (key, cents) -> owner."""

    def __init__(self, moves: int):
        self.moves = max(moves, 1)
        self.owner: dict[tuple[str, int], int] = {}

    def value(self, key: str, session: int, move: int) -> float:
        n = 1 + session * self.moves + move
        if n > CAPACITY[key]:
            raise SystemExit(f"too many sessions x moves for the value range of {key}")
        base, step = VALUES[key]
        value = round(base + n * step, 2)
        self.owner[key, round(value * 100)] = session
        return value

    def reserve(self, sessions: int) -> None:
        """Register every value of sessions 0..sessions-1 up front (so that the leak check knows
        the owner of a value even before its owner sets it)."""
        for s in range(sessions):
            for key in VALUES:
                for m in range(self.moves):
                    self.value(key, s, m)

    def whose(self, key: str, text: bytes | float) -> int | None:
        return self.owner.get((key, round(float(text) * 100)))


# --- the browser's widget state, from the elements the server draws --------------------------------------------

def widget_value(kind: str, w) -> tuple[str, object] | None:
    """(WidgetState field, value) the browser starts a drawn widget with; None: no value (yet)."""
    if kind == "slider":
        return "double_array_value", list(w.value if w.set_value else w.default)
    if kind == "number_input":
        if w.set_value or w.HasField("value"):
            value = w.value
        elif w.HasField("default"):
            value = w.default
        else:
            return None
        return ("int_value", int(value)) if w.data_type == w.INT else ("double_value", value)
    if kind in ("selectbox", "radio"):
        if w.set_value or w.HasField("raw_value"):
            return "string_value", w.raw_value
        return ("string_value", w.options[w.default]) if w.HasField("default") else None
    if kind == "multiselect":
        return "string_array_value", list(w.raw_values) if w.set_value else [w.options[i] for i in w.default]
    if kind == "button_group":
        return "string_array_value", list(w.raw_values) if w.set_value else [w.options[i].content for i in w.default]
    if kind == "checkbox":
        return "bool_value", w.value if w.set_value else w.default
    return None


STATELESS = {"button", "download_button", "plotly_chart", "dataframe", "page_link", "link_button", "menu_button"}


class ActionError(Exception):
    pass


class Run:
    """What one rerun request brought back."""

    def __init__(self):
        self.done = asyncio.get_running_loop().create_future()
        self.t0 = time.perf_counter()
        self.seconds: float | None = None
        self.statuses: list[int] = []
        self.queries: list[str] = []
        self.rendered: dict[str, tuple[str, object]] = {}  # widget id -> (kind, element proto) drawn in this run
        self.content: list[tuple[tuple[int, ...], bytes]] = []  # main area + 'Modified' caption


class Session:
    """One browser tab, speaking Streamlit's websocket protocol."""

    def __init__(self, url: str, number: int, values: Values, timeout: float, stats: dict):
        self.url, self.number, self.values, self.timeout, self.stats = url, number, values, timeout, stats
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.pages: dict[str, str] = {}  # page -> page_script_hash
        self.page = "overview"
        self.params: list[tuple[str, str]] = []  # the browser's URL query
        self.state: dict[str, tuple[str, object]] = {}  # widget id -> (WidgetState field, value)
        self.ids: dict[str, str] = {}  # widget key -> id (drawn in the last run)
        self.fragment_of: dict[str, str] = {}  # widget id -> id of the fragment that drew it
        self.bound: dict[str, str] = {}  # URL parameter of a bound widget -> its widget id
        self.run: Run | None = None
        self.moves = {key: 0 for key in VALUES}
        self.errors: list[str] = []
        self.leaks: list[str] = []
        self.wrong: list[str] = []
        self.samples: list[tuple[str, float]] = []  # (action kind, seconds)

    # --- receiving ---
    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self._receive(data)
        except Exception as exc:  # noqa: BLE001 - a dropped socket fails the waiting action
            self._fail(f"socket: {type(exc).__name__}: {exc}")
        else:
            self._fail("socket closed by the server")

    def _fail(self, message: str) -> None:
        if self.run is not None and not self.run.done.done():
            self.run.done.set_exception(ActionError(message))

    def _receive(self, data: bytes) -> None:
        self._scan(data)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        run = self.run
        if kind == "navigation":
            pages = {(p.url_pathname or "overview"): p.page_script_hash for p in msg.navigation.app_pages}
            if set(PAGES) <= set(pages):  # app.py's st.navigation (not the pages/ folder's listing)
                self.pages = pages
        elif kind == "page_info_changed":
            self.params = parse_qsl(msg.page_info_changed.query_string, keep_blank_values=True)
            if run:
                run.queries.append(msg.page_info_changed.query_string)
        elif kind == "delta" and run:
            self._delta(msg, run)
        elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
            error = msg.session_event.script_compilation_exception
            self.errors.append(f"compile error on {self.page}: {error.message}")
        elif kind == "script_finished" and run:
            run.statuses.append(msg.script_finished)
            if msg.script_finished in DONE and not run.done.done():
                run.seconds = time.perf_counter() - run.t0
                run.done.set_result(msg.script_finished)

    def _delta(self, msg: ForwardMsg, run: Run) -> None:
        delta, path = msg.delta, tuple(msg.metadata.delta_path)
        which = delta.WhichOneof("type")
        if which == "add_block":
            if path and path[0] == MAIN:
                run.content.append((path, delta.add_block.SerializeToString()))
            return
        if which != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        w = getattr(element, kind)
        if path and path[0] == MAIN or kind == "markdown" and w.body.startswith(("Modified:", "No chip modified.")):
            run.content.append((path, element.SerializeToString()))
        if kind == "exception":
            self.errors.append(f"exception on {self.page}: {w.type}: {w.message}")
        elif kind == "alert" and w.format == w.ERROR:
            self.errors.append(f"st.error on {self.page}: {w.body}")
        widget_id = getattr(w, "id", "") if kind not in STATELESS else ""
        if not widget_id:
            return
        run.rendered[widget_id] = (kind, w)
        self.fragment_of[widget_id] = msg.delta.fragment_id
        if kind == "slider":
            key = widget_id.rsplit("-", 1)[-1]
            if key in VALUES:
                for v in (w.value if w.set_value else []):
                    self._owned(key, v, f"slider {key}", "sliders")
        if widget_id not in self.state or getattr(w, "set_value", False):
            value = widget_value(kind, w)
            self.state[widget_id] = value
            if value is None and kind not in ("number_input", "selectbox", "radio"):
                self.stats.setdefault("untracked widget kinds", set()).add(kind)

    def _scan(self, data: bytes) -> None:
        """Chip values in a message (URL parameters, the roofline's HBM text): all must be this
        session's own (or no session's: library values)."""
        if b"=" in data:
            for m in QUERY_VALUE.finditer(data):
                self._owned(m.group(1).decode(), m.group(2), f"{m.group(0).decode()}", "URLs")
        if b"HBM " in data:
            for m in HBM_TEXT.finditer(data):
                key = m.group(1).decode().lower() + "_hbm_tbps"
                self._owned(key, m.group(2), f"'{m.group(1).decode()} ... HBM {m.group(2).decode()} TB/s'", "rooflines")

    def _owned(self, key: str, value, what: str, where: str) -> None:
        owner = self.values.whose(key, value)
        seen = self.stats.setdefault("own values seen", {})
        seen[where] = seen.get(where, 0) + (owner == self.number)
        if owner is not None and owner != self.number:
            self.leaks.append(f"session {self.number} on {self.page} saw {what}: session {owner}'s value")

    # --- sending ---
    def _query(self) -> str:
        return urlencode(self.params)

    async def rerun(self, *, page: str | None = None, first: bool = False, page_hash: str = "",
                    query: str = "", fragment: str = "") -> Run:
        """Request a rerun as the browser does: of ``page`` (a switch when it is not the current one),
        else of the current page; ``first``: the browser's first request after connecting (no widget
        states; the page and query string of the URL opened); ``fragment``: the id of the fragment
        that drew the changed widget (only that fragment reruns)."""
        msg = BackMsg()
        client = msg.rerun_script
        client.fragment_id = fragment
        if first:
            client.page_script_hash, client.query_string = page_hash, query
        else:
            client.page_script_hash = self.pages[page or self.page]
            if page is not None and page != self.page:  # a page switch: the browser keeps bound widgets' URL parameters
                self.params = [(k, v) for k, v in self.params if k in self.bound]
            client.query_string = self._query()
        client.widget_states.SetInParent()
        for widget_id, value in self.state.items():
            state = client.widget_states.widgets.add(id=widget_id)
            if value is None:
                continue
            field, v = value
            if field.endswith("array_value"):
                getattr(state, field).data.extend(v)
            else:
                setattr(state, field, v)
        info = client.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.is_embedded, info.color_scheme = self.url + "/", False, "light"
        self.run = run = Run()
        await self.ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(asyncio.shield(run.done), self.timeout)
        except asyncio.TimeoutError:
            raise ActionError(f"no script_finished within {self.timeout:g} s") from None
        if run.done.result() == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            self.errors.append(f"compile error on {self.page}")
        if page is not None:
            self.page = page
        if run.done.result() == ForwardMsg.FINISHED_SUCCESSFULLY:  # a full run: the browser unmounts the rest
            self.state = {i: s for i, s in self.state.items() if i in run.rendered}
            self.ids = {i.rsplit("-", 1)[-1]: i for i in run.rendered}
            self.bound = {w.query_param_key: i for i, (_, w) in run.rendered.items()
                          if getattr(w, "query_param_key", "")}
        else:
            self.ids.update({i.rsplit("-", 1)[-1]: i for i in run.rendered})
        return run

    async def open(self, page_hash: str = "", query: str = "") -> Run:
        """Connect and request the first run, as a browser opening the app's URL (a page and query)."""
        self.ws = await asyncio.wait_for(
            connect(self.url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                    origin=self.url, max_size=None, ping_interval=None), self.timeout)
        self.reader = asyncio.create_task(self._read())
        run = await self.rerun(first=True, page_hash=page_hash, query=query)
        if not self.pages:
            raise ActionError("no navigation message: pages unknown")
        return run

    async def act(self, kind: str, arg: str | None) -> Run:
        if kind == "page":
            return await self.rerun(page=arg)
        if kind == "edit":
            widget_id = self.ids.get("edit")
            if widget_id is None:
                raise ActionError("the 'Edit chip' selectbox is not drawn")
            label = EDIT[arg]
            self.state[widget_id] = ("string_value", label)
            self.params = [(k, v) for k, v in self.params if k != "edit"]
            if arg != "h800":  # the browser writes a bound widget's value into the URL (none at the default)
                self.params.insert(0, ("edit", label))
            return await self.rerun()
        key = arg
        widget_id = self.ids.get(key)
        if widget_id is None:
            raise ActionError(f"slider {key} is not drawn")
        value = self.values.value(key, self.number, self.moves[key])
        self.moves[key] += 1
        self.state[widget_id] = ("double_array_value", [value])
        run = await self.rerun(fragment=self.fragment_of.get(widget_id, ""))
        if not any(dict(parse_qsl(q)).get(key) == f"{value:g}" for q in run.queries):
            self.wrong.append(f"session {self.number}: moving {key} to {value:g} on {self.page} did not put it in "
                              f"its URL (queries {run.queries})")
        return run

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 10)
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        if self.reader is not None:
            self.reader.cancel()
            try:
                await self.reader
            except BaseException:  # noqa: BLE001
                pass


async def play(session: Session, actions: list, delay: float, timed: bool, all_done: asyncio.Event | None,
               release: asyncio.Event | None) -> dict | None:
    """Open, play ``actions``, reload the last page (untimed) for the replay check; then wait for
    ``release`` before closing. Returns what the replay needs (None if the session broke)."""
    await asyncio.sleep(delay)
    final = None
    try:
        run = await session.open()
        if timed:
            session.samples.append(("open", run.seconds))
        for kind, arg in actions:
            run = await session.act(kind, arg)
            if timed:
                session.samples.append((kind, run.seconds))
        run = await session.rerun()  # the page as it stands (like pressing R): what the replay must match
        final = {"page": session.page, "query": session._query(), "content": run.content}
    except (ActionError, OSError, asyncio.TimeoutError) as exc:
        session.errors.append(f"session {session.number} on {session.page}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a broken session is an error, not a crash of the bench
        session.errors.append(f"session {session.number} on {session.page}: {type(exc).__name__}: {exc}")
    finally:
        if all_done is not None:
            all_done.set()
        if release is not None:
            await release.wait()
        await session.close()
    return final


async def replay(url: str, number: int, values: Values, timeout: float, pages: dict, final: dict,
                 stats: dict) -> str | None:
    """A fresh session opening the same page and URL as ``final``: None if its content is identical."""
    twin = Session(url, number, values, timeout, stats)
    try:
        twin.page = final["page"]
        run = await twin.open(pages[final["page"]], final["query"])
        if twin.errors or twin.leaks:
            return "; ".join(twin.errors + twin.leaks)
        mine, theirs = final["content"], run.content
        if mine == theirs:
            return None
        for k, (a, b) in enumerate(zip(mine, theirs)):
            if a != b:
                return f"element {k} at {a[0]} differs from the replay's ({b[0]})"
        return f"{len(mine)} elements, the replay {len(theirs)}"
    except Exception as exc:  # noqa: BLE001
        return f"replay failed: {type(exc).__name__}: {exc}"
    finally:
        await twin.close()


# --- the server ---------------------------------------------------------------------------------------------------

def _die_with_parent() -> None:
    """In the server's process, before exec: SIGTERM when the bench dies, even killed (Linux prctl)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Server:
    def __init__(self, home: Path, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        cmd = [sys.executable, "-m", "dashboard", "serve", "--server.headless", "true",
               "--server.port", str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats",
               "false", "--server.fileWatcherType", "none", "--server.disconnectedSessionTTL", str(TTL_S)]
        with open(log_path, "w") as log:  # a file, not a pipe: a full pipe would block the server
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=_die_with_parent,
                                         env={**os.environ, "DECODE_CODESIGN_HOME": str(home)})

    def wait_until_up(self, timeout: float = 90.0) -> None:
        wait_until_up(self.url, self.proc, timeout)

    def status(self, field: str) -> float:
        """A /proc/PID/status memory field (VmRSS, VmHWM) in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise KeyError(field)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def tracebacks(self) -> int:
        """Tracebacks in the server's log, but for websockets torn down (sessions closing)."""
        return len(app_tracebacks(self.log_path.read_text(errors="replace")))

    def stop(self) -> None:
        """The server's whole process group (anything it started too): TERM, then KILL."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
            except ProcessLookupError:
                pass


# --- waves ---------------------------------------------------------------------------------------------------------

def pct(samples: list[float], q: float) -> float:
    """q-th percentile (linear between closest ranks), in ms."""
    xs = sorted(samples)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return (xs[lo] + (xs[hi] - xs[lo]) * (k - lo)) * 1e3


async def wave(server: Server, numbers: list[int], actions: list, values: Values, timeout: float, name: str,
               replay_check: bool, sequential: bool = False) -> dict:
    """Sessions ``numbers`` play ``actions`` concurrently (started 50 ms apart; all stay connected
    until the last is done), or one after another (``sequential``: the sessions alone)."""
    stats: dict = {}
    sessions = [Session(server.url, n, values, timeout, stats) for n in numbers]
    cpu0, client0, t0 = server.cpu_seconds(), time.process_time(), time.perf_counter()
    if sequential:
        finals = [await play(s, actions, 0, True, None, None) for s in sessions]
    else:
        release = asyncio.Event()
        dones = [asyncio.Event() for _ in sessions]
        tasks = [asyncio.create_task(play(s, actions, 0.05 * k, True, dones[k], release))
                 for k, s in enumerate(sessions)]
        try:
            await asyncio.wait_for(asyncio.gather(*(d.wait() for d in dones)), timeout * (len(actions) + 3))
        except asyncio.TimeoutError:
            for s in sessions:
                s.errors.append(f"session {s.number}: the wave did not end in time")
    wall, cpu = time.perf_counter() - t0, server.cpu_seconds() - cpu0
    client_cpu = time.process_time() - client0
    if not sequential:
        release.set()
        finals = await asyncio.gather(*tasks)
    await asyncio.sleep(TTL_S + 1.0)
    rss = server.status("VmRSS")
    mismatches = []
    if replay_check:
        pages = next((s.pages for s in sessions if s.pages), {})
        for s, final in zip(sessions, finals):
            if final is not None:
                problem = await replay(server.url, s.number, values, timeout, pages, final, stats)
                if problem:
                    mismatches.append(f"session {s.number} on {final['page']} (?{final['query']}): {problem}")
    samples = [sec for s in sessions for kind, sec in s.samples if kind != "open"]
    by_kind = {kind: [sec for s in sessions for k, sec in s.samples if k == kind]
               for kind in ("move", "page", "edit", "open")}
    return {
        "name": name, "sessions": 1 if sequential else len(sessions), "runs": len(sessions), "actions": len(samples),
        "wall_s": wall,
        "p50_ms": pct(samples, 50), "p95_ms": pct(samples, 95), "max_ms": pct(samples, 100),
        "by_kind": {k: {"n": len(v), "p50_ms": pct(v, 50), "p95_ms": pct(v, 95)} for k, v in by_kind.items()},
        "errors": [e for s in sessions for e in s.errors], "leaks": [x for s in sessions for x in s.leaks],
        "wrong": [x for s in sessions for x in s.wrong], "replay_mismatches": mismatches,
        "replayed": sum(f is not None for f in finals) if replay_check else 0,
        "requests": len(samples) + 2 * len(sessions),  # the actions, each session's open and final reload
        "own_values_seen": stats.get("own values seen", {}),
        "rss_mb": rss, "server_cpu_s": cpu, "client_cpu_s": client_cpu,
        "untracked_widget_kinds": sorted(stats.get("untracked widget kinds", ())),
        "samples_ms": [round(x * 1e3, 2) for x in samples],
    }


async def warm_up(server: Server, values: Values, number: int, timeout: float) -> list[str]:
    """Every page once and a move of each slider (imports, first compiles, first caches), untimed."""
    s = Session(server.url, number, values, timeout, {})
    await play(s, WARM_UP, 0, False, None, None)
    return s.errors + s.leaks


async def bench(args) -> dict:
    actions = plan(args.actions)
    values = Values(moves_per_key(actions))
    total = 1 + 2 * args.alone + args.sessions * args.waves  # warm-up, the sessions alone (twice), the waves
    values.reserve(total)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as home:
        log_path = Path(tempfile.gettempdir()) / f"bench-load-server-{os.getpid()}.log"
        server = Server(Path(home), log_path)
        try:
            server.wait_until_up()
            rss_start = server.status("VmRSS")
            warm_errors = await warm_up(server, values, 0, args.timeout)
            rows = [await wave(server, list(range(1, 1 + args.alone)), actions, values, args.timeout, "alone",
                               False, sequential=True)]
            rss_before = server.status("VmRSS")
            for w in range(args.waves):
                first = 1 + args.alone + w * args.sessions
                rows.append(await wave(server, list(range(first, first + args.sessions)), actions, values,
                                       args.timeout, f"wave {w + 1}", not args.no_replay))
            first = 1 + args.alone + args.waves * args.sessions  # alone again: has the server slowed down?
            after = await wave(server, list(range(first, first + args.alone)), actions, values, args.timeout,
                               "after", False, sequential=True)
            hwm = server.status("VmHWM")
            tracebacks = server.tracebacks()
        finally:
            server.stop()
    return {"rows": rows, "alone_after": after, "rss_start_mb": rss_start, "rss_before_mb": rss_before, "vm_hwm_mb": hwm,
            "warm_up_errors": warm_errors, "server_tracebacks": tracebacks, "server_log": str(log_path),
            "actions": actions, "sessions": args.sessions, "waves": args.waves, "cpus": os.cpu_count()}


def report(result: dict) -> int:
    waves = result["rows"][1:]
    rows = result["rows"] + [result["alone_after"]]  # the sessions alone, the waves, the sessions alone again
    alone = rows[0]
    print(f"{'':8}{'sessions':>9}{'actions':>8}{'p50 ms':>8}{'p95 ms':>8}{'p50 x':>7}{'p95 x':>7}{'errors':>7}"
          f"{'leaks':>6}{'wrong':>6}{'replay':>7}{'RSS MB':>7}{'req/s':>6}{'CPU ms/req':>11}")
    for r in rows:
        replay_col = f"{r['replayed'] - len(r['replay_mismatches'])}/{r['replayed']}" if r["replayed"] else "-"
        print(f"{r['name']:8}{r['sessions']:>9}{r['actions']:>8}{r['p50_ms']:>8.0f}{r['p95_ms']:>8.0f}"
              f"{r['p50_ms'] / alone['p50_ms']:>7.1f}{r['p95_ms'] / alone['p95_ms']:>7.1f}{len(r['errors']):>7}"
              f"{len(r['leaks']):>6}{len(r['wrong']):>6}{replay_col:>7}{r['rss_mb']:>7.0f}"
              f"{r['requests'] / r['wall_s']:>6.1f}{r['server_cpu_s'] * 1e3 / r['requests']:>11.0f}")
    print("p50/p95 ms by action:")
    for r in rows:
        print(f"  {r['name']:8}" + "   ".join(f"{k} {v['p50_ms']:.0f}/{v['p95_ms']:.0f}"
                                            for k, v in r["by_kind"].items() if v["n"]))
    print("(after: the sessions alone again, after the waves: has the server slowed down? RSS: after its sessions left)")
    prev = result["rss_before_mb"]
    line = f"server RSS MB: start {result['rss_start_mb']:.0f}, before {prev:.0f} (after warm-up and the session alone)"
    for r in waves:
        line += f", after {r['name']} {r['rss_mb']:.0f} ({r['rss_mb'] - prev:+.0f})"
        prev = r["rss_mb"]
    print(line + f"; peak (VmHWM) {result['vm_hwm_mb']:.0f}")
    print("leak check material, a session's own chip values seen: " + "; ".join(
        f"{r['name']} " + ", ".join(f"{n} in {where}" for where, n in sorted(r["own_values_seen"].items()))
        for r in rows))
    print(f"client CPU (this process; the machine has {result['cpus']} CPUs): " +
          ", ".join(f"{r['name']} {r['client_cpu_s'] / r['wall_s'] * 100:.0f}% of a core" for r in rows))
    problems = 0
    for r in rows:
        for label in ("errors", "leaks", "wrong", "replay_mismatches"):
            for line in r[label][:5]:
                print(f"  {r['name']} {label}: {line}")
            problems += len(r[label])
        if r["untracked_widget_kinds"]:
            print(f"  {r['name']}: widget kinds drawn whose state the bench does not send: "
                  f"{r['untracked_widget_kinds']}")
    for line in result["warm_up_errors"][:5]:
        print(f"  warm-up: {line}")
    problems += len(result["warm_up_errors"])
    if result["server_tracebacks"]:
        print(f"  server log: {result['server_tracebacks']} tracebacks, see {result['server_log']}")
        problems += result["server_tracebacks"]
    print(f"{result['sessions']} concurrent sessions x {len(waves)} waves on one server: "
          f"{sum(len(r['errors']) for r in waves)} errors, {sum(len(r['leaks']) for r in waves)} leaks, "
          f"{sum(len(r['wrong']) for r in waves)} wrong values, "
          f"{sum(len(r['replay_mismatches']) for r in waves)} replay mismatches, "
          f"{result['server_tracebacks']} server tracebacks")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions per wave (default 20)")
    parser.add_argument("--actions", type=int, default=20, help="actions per session (default 20)")
    parser.add_argument("--waves", type=int, default=2, help="waves of concurrent sessions (default 2)")
    parser.add_argument("--alone", type=int, default=3,
                        help="sessions alone (one after another) for the baseline, run first (default 3)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for any one action (default 120)")
    parser.add_argument("--no-replay", action="store_true", help="skip the replay-alone content check")
    parser.add_argument("--json", type=Path, help="write the numbers (every sample included) here")
    args = parser.parse_args()
    if min(args.sessions, args.actions, args.waves, args.alone) < 1:
        parser.error("--sessions, --actions, --waves and --alone must be at least 1")
    if 1 + 2 * args.alone + args.sessions * args.waves > max_sessions(plan(args.actions)):
        parser.error(f"the slider value ranges hold {max_sessions(plan(args.actions))} sessions in all (warm-up, "
                     f"--alone, --sessions x --waves) at --actions {args.actions}: every value is unique to a session")
    result = asyncio.run(bench(args))
    status = report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    if not status:
        Path(result["server_log"]).unlink(missing_ok=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
