"""Errors become a clear st.error, never a traceback in the page."""
from __future__ import annotations

import contextlib
import logging

import streamlit as st

from costmodel.errors import InputError

from dashboard.widgets.draw import escape, input_error

log = logging.getLogger("dashboard")


@contextlib.contextmanager
def errors_as_messages():
    """Show InputError as 'Invalid input' naming the field; any other exception as an internal
    error with its type and message (the traceback goes to the server log only); both as text
    (a value from the URL never renders as markdown). Streamlit's own control flow (rerun,
    stop) derives from BaseException and passes through."""
    try:
        yield
    except InputError as err:
        st.error(f"**Invalid input** · {input_error(err)}", icon=":material/error:")
    except Exception as err:  # noqa: BLE001 - the UI must not show a traceback
        log.exception("internal error while drawing the page")
        st.error(f"**Internal error** · {type(err).__name__}: {escape(err)}. The inputs were kept; "
                 "change them or reload the page.", icon=":material/bug_report:")
