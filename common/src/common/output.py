"""What commands print: results on stdout, progress and notes on stderr.

Results go to stdout so they can be piped (a revision path, ``--sql`` output); what the
workbench says about its work goes to stderr.
"""

from __future__ import annotations

import sys


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit(message: str) -> None:
    print(message, flush=True)
