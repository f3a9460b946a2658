"""The baseline a page is compared with, and its short form in a link. No Streamlit here.

A pinned baseline is a Scenario (``Scenario.baseline``). Until one is pinned, a scenario whose
chips a slider changed is compared with the same scenario on the library's chips (the changed
chips' originals: ``effective``). In a link (parameter ``KEY``) a pinned baseline is either the
name of a saved scenario, or ``~`` and the fields in which it differs from a default Scenario
as compact JSON, zlib-compressed, base64url (its custom chips and models left out when they are
the current scenario's own)."""
from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import zlib

from costmodel.errors import InputError

from dashboard.state.scenario import Scenario, strict_json

KEY = "baseline"  # the URL parameter
CODED = "~"  # starts an encoded baseline (a saved scenario's name cannot)
MAX_CHARS = 8000
FIELD = f"URL parameter {KEY}"
CUSTOM = ("custom_chips", "custom_models")


def effective(scenario: Scenario) -> Scenario | None:
    """What ``scenario`` is compared with: its pinned baseline, else (chips a slider changed) the
    same scenario on the library's chips, else None."""
    if scenario.baseline is not None:
        return scenario.baseline
    if scenario.chip_overrides:
        return dataclasses.replace(scenario, chip_overrides=())
    return None


def pinned(scenario: Scenario) -> Scenario:
    """``scenario`` as a baseline: itself without a baseline of its own."""
    return dataclasses.replace(scenario, baseline=None)


def without(scenario: Scenario) -> Scenario:
    """``scenario`` without its pinned baseline: what a page computes its own figures from, so
    they are the unpinned page's, from the same caches."""
    return scenario if scenario.baseline is None else dataclasses.replace(scenario, baseline=None)


def encode(baseline: Scenario, current: Scenario) -> str:
    """The link's short form of ``baseline`` (``current``: the scenario the link also carries)."""
    data, default = baseline.to_dict(), Scenario().to_dict()
    changed = {k: v for k, v in data.items() if k != "schema_version" and v != default.get(k)}
    for name in CUSTOM:
        if getattr(baseline, name) == getattr(current, name):
            changed.pop(name, None)
    text = json.dumps(changed, separators=(",", ":"), allow_nan=False).encode()
    return CODED + base64.urlsafe_b64encode(zlib.compress(text, 9)).decode().rstrip("=")


def decode(text: str, current: Scenario) -> Scenario:
    """The baseline of the link's short form ``text`` (InputError naming the parameter); custom
    chips and models it leaves out are ``current``'s."""
    if not text.startswith(CODED):
        raise InputError(FIELD, "not an encoded baseline")
    if len(text) > MAX_CHARS:
        raise InputError(FIELD, f"{len(text):,} characters; at most {MAX_CHARS:,}")
    body = text[len(CODED):]
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), bufsize=1 << 16)
        data = strict_json(raw.decode())
    except (binascii.Error, zlib.error, ValueError, UnicodeDecodeError, RecursionError):
        raise InputError(FIELD, "cannot be read: not a baseline this dashboard wrote") from None
    if not isinstance(data, dict):
        raise InputError(FIELD, "cannot be read: not a baseline this dashboard wrote")
    own = current.to_dict()
    for name in CUSTOM:
        data.setdefault(name, own[name])
    try:
        return Scenario.from_dict({"schema_version": Scenario().schema_version, **data})
    except InputError as err:
        raise InputError(f"{FIELD}: {err.field}", err.message) from None
