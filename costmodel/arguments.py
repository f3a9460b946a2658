"""The command lines' argument parser: a usage error is one line on stderr, exit 2, like every
other bad input (`error: argument --top: invalid int value: 'x'`)."""
from __future__ import annotations

import argparse
import sys

from .escape import terminal


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (subcommands' parsers are of the same class)."""

    def error(self, message: str):
        print(f"error: {terminal(message)} (see {self.prog} --help)", file=sys.stderr)  # an argument as typed, shown
        sys.exit(2)
