"""A command line run in the test's own process, as `subprocess.run` reports one: for the many
cases around a command that a test elsewhere in the same file starts as a user does
(`python -m costmodel ...`), without starting a new interpreter for each."""
from __future__ import annotations

import contextlib
import io
import subprocess


def costmodel(*args: str) -> subprocess.CompletedProcess:
    """`python -m costmodel *args`, through its ``main`` here: exit status, stdout, stderr."""
    from costmodel.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code
    return subprocess.CompletedProcess(["python", "-m", "costmodel", *args], code, out.getvalue(), err.getvalue())
