"""What a shared link carries. Every input is bound to a URL query parameter; before a widget
reads its parameter, the value is checked here against what the widget accepts. An invalid
value (out of range, not a number, not an option, 400 digits) is removed from the link, the
input keeps its default, and the page says so: the parameter, the value given and the value
used, as text. Unknown parameters are reported too, so a mistyped link never silently shows
another scenario."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from costmodel.fields import number_text

from costmodel.escape import markdown as escape
from dashboard.state.parameters import LEFT_OUT, NAMED

PROBLEMS = "_url_problems"  # this run's problems: [Problem]
MAX_CHARS = 200  # a longer value is shown cut
STREAMLIT_OWN = ("embed", "embed_options")  # parameters Streamlit itself reads


@dataclass(frozen=True)
class Problem:
    key: str
    given: str
    reason: str
    show: object = None  # the widget's value as the widget shows it (a slug as its label), or None
    input: bool = True  # the parameter of an input (whose value used is shown), else one no input reads


def _raw(key: str):
    values = st.query_params.get_all(key)
    if not values:
        return None
    return values if len(values) > 1 else values[0]


def _drop(key: str, keep: list[str] | None = None) -> None:
    """Remove ``key`` from the link (keep ``keep`` for a list-valued parameter). Streamlit still
    seeds a bound widget from the link it opened with: an unknown option or one of a list it
    leaves out by itself, a number it would take (cut to a whole one, or not finite) is kept out
    by drawing that widget unbound for this run (``number`` returns False)."""
    if keep:
        st.query_params[key] = keep
    else:
        st.query_params.pop(key, None)


def _report(key: str, given, reason: str, show=None) -> None:
    text = given if isinstance(given, str) else ", ".join(given)
    st.session_state.setdefault(PROBLEMS, []).append(Problem(key, text, reason, show))


def number(key: str, low: float, high: float, integer: bool = False, what: str = "") -> bool:
    """Check the number in parameter ``key``: finite, within [low, high], whole if ``integer``.
    False when the link's value is refused: then draw the widget without ``bind`` this run, so
    that Streamlit does not seed it from the link (it keeps its default; bound again from the
    next run on, it is not seeded again)."""
    raw = _raw(key)
    if raw is None or raw == "":
        return True
    try:
        value = float(raw if isinstance(raw, str) else raw[-1])
    except ValueError:
        reason = "not a number"
    else:
        if not math.isfinite(value) or not low <= value <= high:
            reason = f"{what or 'it'} must be between {number_text(low)} and {number_text(high)}"
        elif integer and value != int(value):
            reason = f"{what or 'it'} must be a whole number"
        else:
            return True
    _report(key, raw, reason)
    _drop(key)
    return False


def choice(key: str, labels, show=None) -> None:
    """Check that parameter ``key`` names one of ``labels`` (as the widget shows them;
    ``show``: the widget's format function, to name the value used)."""
    raw = _raw(key)
    if raw is None:
        return
    labels = [str(label) for label in labels]
    if isinstance(raw, str) and raw in labels:
        return
    _report(key, raw, "choose one of " + ", ".join(labels[:12]) + (", ..." if len(labels) > 12 else ""), show)
    _drop(key)


def choices(key: str, labels, show=None) -> None:
    """Check each value of the list parameter ``key`` (a multiselect): unknown ones go."""
    raw = _raw(key)
    if raw is None:
        return
    values = [raw] if isinstance(raw, str) else raw
    labels = [str(label) for label in labels]
    unknown = [v for v in values if v not in labels]
    if unknown:
        _report(key, unknown, "not among " + ", ".join(labels[:12]) + (", ..." if len(labels) > 12 else ""), show)
        _drop(key, keep=[v for v in values if v in labels])


def boolean(key: str) -> None:
    raw = _raw(key)
    if raw is not None and (not isinstance(raw, str) or raw.lower() not in ("true", "false")):
        _report(key, raw, "use true or false")
        _drop(key)


def refuse(key: str, reason: str) -> None:
    """Report parameter ``key`` as unusable (``reason``) and remove it from the link."""
    raw = _raw(key)
    if raw is not None:
        _report(key, raw, reason)
        _drop(key)


def unknown(known) -> None:
    """Report the parameters no input of the dashboard reads (a typo, an old link, a name left
    empty), and those the server left out of a link too long for Streamlit (``LEFT_OUT``, see
    ``dashboard.link_guard``), as one problem naming the first few; drop them from the link in
    one update (each update sends the whole link to the browser)."""
    extra = [key for key in st.query_params if key not in known and key not in STREAMLIT_OWN]
    names, count, note = [key for key in extra if key != LEFT_OUT], len(extra), ""
    if LEFT_OUT in extra:
        try:
            left, left_names = json.loads(st.query_params[LEFT_OUT])
            names, count = names + [str(n) for n in left_names], count - 1 + int(left)
            note = " (the link was longer than Streamlit reads: the server kept the inputs' parameters)"
        except (ValueError, TypeError):
            names.append(LEFT_OUT)
    if not extra:
        return
    more = count - len(names[:NAMED])
    named = ", ".join(repr(key) for key in names[:NAMED]) + (f" and {more:,} more" if more > 0 else "")
    given = "" if count > 1 else _raw(extra[0])
    what = f"{count:,} parameters, none an input" if count > 1 else "not an input"
    st.session_state.setdefault(PROBLEMS, []).append(
        Problem(named, given if isinstance(given, str) else ", ".join(given), f"{what} of this dashboard; ignored{note}",
                input=False))
    keep = {key: st.query_params.get_all(key) for key in st.query_params if key not in extra}
    try:
        st.query_params.from_dict(keep)  # one update
    except StreamlitAPIException:  # a kept parameter is bound to a widget already (a later run): one by one
        for key in extra:
            st.query_params.pop(key, None)


def notice() -> None:
    """This run's problems as one warning (in the container the caller opened): each
    parameter, the value given and the value used; text only, never markdown."""
    problems = st.session_state.pop(PROBLEMS, [])
    if not problems:
        return
    lines = []
    for p in problems:
        given = p.given if len(p.given) <= MAX_CHARS else p.given[:MAX_CHARS] + f"… ({len(p.given):,} characters)"
        if not p.input:
            lines.append(f"- {escape(p.key)}{' = ' + escape(repr(given)) if given else ''}: "
                         f"{escape(p.reason)}")
            continue
        value = st.session_state.get(p.key)
        if value is not None and p.show is not None:
            value = ", ".join(map(p.show, value)) if isinstance(value, list) else p.show(value)
        using = "" if value is None else f"; using {value}"
        lines.append(f"- {escape(p.key)} = {escape(repr(given))}: {escape(p.reason)}"
                     f"{escape(using)}")
    st.warning("**This link has values the dashboard cannot use** (the inputs kept their defaults):\n"
               + "\n".join(lines), icon=":material/link_off:")
