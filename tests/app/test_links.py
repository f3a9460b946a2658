"""Links the dashboard cannot fully use (issue 22, findings 7 and 8): a parameter with no name, and
many parameters no input reads. The inputs the link does set still apply; what was ignored is
said once, naming a few; dropping them from the link costs one update of the URL, not one per
parameter (each update sends the whole query string to the browser)."""
from __future__ import annotations

import pytest
from streamlit.runtime.state.query_params import QueryParams

from app_harness import open_app, shown


@pytest.fixture
def url_updates(monkeypatch):
    """How many times the app rewrote the browser's URL (each sends the whole query string)."""
    sent = []
    original = QueryParams._send_query_param_msg

    def counted(self):
        sent.append(1)
        return original(self)

    monkeypatch.setattr(QueryParams, "_send_query_param_msg", counted)
    return sent


def test_a_parameter_with_no_name_is_ignored_with_a_warning():
    """Finding 8: `/?=x` gave 'Internal error' (the empty name reached a widget key)."""
    at = open_app("overview", query={"": "x", "ctx": "16384"})
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.number_input(key="ctx").value == 16384, "the rest of the link applies"
    (warning,) = at.warning
    assert "''" in shown(warning) and "ignored" in shown(warning)


def test_many_unknown_parameters_are_ignored_at_once_with_one_short_warning(url_updates):
    """Finding 7 (below Streamlit's 1,000-field limit): 999 unknown parameters took 999 URL
    updates of the whole link (19.8 s in a browser) and a warning of 999 lines."""
    query = {f"junk{i}": "1" for i in range(998)}
    at = open_app("overview", query={**query, "ctx": "32768"})
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.number_input(key="ctx").value == 32768, "the known parameter applies"
    (warning,) = at.warning
    text = shown(warning)
    assert "998 parameters" in text and "'junk0'" in text and "'junk997'" not in text, text
    assert len(text) < 1000, "a few names, not all"
    assert len(url_updates) <= 2, f"{len(url_updates)} URL updates"
    assert not any(key.startswith("junk") for key in at.query_params), "dropped from the link"


def test_what_the_server_left_out_of_a_too_long_link_is_said():
    """Finding 7 (beyond Streamlit's limit): the server cuts such a link to the inputs' parameters
    and says what it left out (``link_guard.LEFT_OUT``); the page reports it with the rest."""
    import json

    from dashboard.server.link_guard import LEFT_OUT

    at = open_app("overview", query={"ctx": "32768", "typo": "1", LEFT_OUT: json.dumps([1500, ["junk0", "junk1"]])})
    assert not at.exception and not at.error
    assert at.number_input(key="ctx").value == 32768
    (warning,) = at.warning
    text = shown(warning)
    assert "1,501 parameters" in text and "'typo', 'junk0', 'junk1' and 1,498 more" in text, text
    assert "longer than Streamlit reads" in text and LEFT_OUT not in at.query_params
