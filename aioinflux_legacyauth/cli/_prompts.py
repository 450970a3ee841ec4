"""Questions asked on a terminal, which one Ctrl-C cancels.

While a command runs, asyncio's SIGINT handler only cancels the main task, and a task
blocked in a terminal read never sees that: the first Ctrl-C did nothing and a second
one was needed. During a prompt Ctrl-C raises at once instead, and the command ends with
exit status 130 and nothing changed.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Final

from ._errors import UserInterruptError
from ._output import Output
from ._terminal import printable

__all__ = ["confirm", "interruptible", "names_preview"]

#: How many names a question shows before "and N more".
_SHOWN: Final = 3


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Let Ctrl-C interrupt the block at once (it reads a terminal), as :class:`UserInterruptError`.

    Outside the main thread (where no signal handler can be set) it changes nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    except KeyboardInterrupt:
        sys.stderr.write("\n")  # the prompt's line was left open
        msg = "cancelled: nothing was changed"
        raise UserInterruptError(msg) from None
    finally:
        signal.signal(signal.SIGINT, previous)


def names_preview(names: Sequence[str]) -> str:
    """``grafana, telegraf, ci and 2997 more``: a few names, escaped for the terminal."""
    shown = ", ".join(printable(name) for name in names[:_SHOWN])
    rest = len(names) - _SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


def confirm(out: Output, question: str) -> bool:
    """Ask ``question [y/N]`` on stderr when stdin is a terminal; True for y/yes.

    Without a terminal there is nobody to ask: True (scripts pass ``--yes`` anyway).
    """
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        return True
    with interruptible():  # before the question shows: a Ctrl-C at once is caught too
        out.stderr.file.write(f"{printable(question)} [y/N] ")
        out.stderr.file.flush()
        answer = stdin.readline()
    return answer.strip().lower() in ("y", "yes")
