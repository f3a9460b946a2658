"""Custom chips and models travel in a shared link. The URL names chips and models by slug; a
colleague without your own chip would fall back to the defaults. So the link also carries the
spec of every custom chip and model an input uses, in one parameter (``KEY``): the records in
the data files' shape as compact JSON, base64url, at most ``MAX_CHARS`` characters.

Opening such a link adds its records to the session (not to the user library: a link never
writes a file), each under a slug of its own (``Scenario``'s rule: a link's record never
redefines a library or a saved one), and says which ones it brought. A link too long to carry
them, or one without them, names on opening what is missing and what was used instead (the
URL checks of ``dashboard.url``)."""
from __future__ import annotations

import base64
import binascii
import json

from costmodel import library
from costmodel.errors import InputError

from dashboard.state.scenario import Scenario, keep_apart, strict_json

KEY = "custom"  # the URL parameter
MAX_CHARS = 8000  # of the parameter: a few chips and models (a chip ~0.6k, a model ~1-2k characters)
FIELD = f"URL parameter {KEY}"


def in_use(scenario: Scenario) -> tuple[tuple, tuple]:
    """The scenario's custom chips and models that an input names (selected, the AFD and
    co-design pages'), in the scenario's order."""
    chips = {*scenario.chips, scenario.afd.attention_chip, scenario.afd.ffn_chip, scenario.codesign.chip}
    models = {*scenario.models, scenario.afd.model, scenario.codesign.base}
    return (tuple(c for c in scenario.custom_chips if c.slug in chips),
            tuple(m for m in scenario.custom_models if m.slug in models))


def encode(chips, models) -> str:
    """The records as the parameter's text ('' for none)."""
    if not chips and not models:
        return ""
    doc = {"chips": [library.chip_entry(c) for c in chips], "models": [library.model_entry(m) for m in models]}
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode(text: str) -> tuple[tuple, tuple]:
    """(chips, models) of the parameter's text; InputError naming the parameter for anything a
    link of this dashboard does not hold."""
    if len(text) > MAX_CHARS:
        raise InputError(FIELD, f"longer than {MAX_CHARS:,} characters")
    try:
        doc = strict_json(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise InputError(FIELD, "not the chip and model specs this dashboard writes (base64url of JSON)") from None
    if not isinstance(doc, dict) or set(doc) - {"chips", "models"} or \
            not all(isinstance(doc.get(k, []), list) for k in ("chips", "models")):
        raise InputError(FIELD, "expected {\"chips\": [...], \"models\": [...]}")
    return (tuple(library.parse_chip(e, f"{FIELD}: chips[{i}]") for i, e in enumerate(doc.get("chips", []))),
            tuple(library.parse_model(e, f"{FIELD}: models[{i}]") for i, e in enumerate(doc.get("models", []))))


def received(text: str, mine_chips, mine_models) -> tuple[tuple, tuple, list[str]]:
    """The link's records the session adds to the user's own (``mine_*``): each under a slug of
    its own (a clash with a library or saved record kept apart, said); those the user has
    already left out. Also lines saying what the link brought."""
    chips, models = decode(text)
    (chips, _), (models, _), notes = keep_apart(chips, models, mine_chips, mine_models, "link")
    mine = {*mine_chips, *mine_models}
    chips, models = tuple(c for c in chips if c not in mine), tuple(m for m in models if m not in mine)
    brought = [f"chip {c.slug}" for c in chips] + [f"model {m.slug}" for m in models]
    if brought:
        notes.insert(0, f"This link brings its own {', '.join(brought)} (not in your library): used in this session; "
                        "save them on the page 'Your chips and models' to keep them.")
    return chips, models, notes
