"""What a piece of work has done that a new attempt could not undo.

The API runs a request again when the database failed it for a transient
reason (``api.guard``), but only while the request has left no trace: no
write transaction reached its commit (a commit cut short may have been
stored all the same) and no message went to another service. The database
session and the RPC clients note those moments here; outside a watched
piece of work noting costs one context-variable lookup.
"""

import contextlib
import contextvars
from typing import Iterator, Optional


class Ledger:
    """The lasting effects of one watched piece of work."""

    __slots__ = ("commits", "messages")

    def __init__(self):
        self.commits = 0
        self.messages = 0

    @property
    def repeatable(self) -> bool:
        """Nothing was committed or sent: running it again is safe."""
        return not (self.commits or self.messages)


_current: contextvars.ContextVar[Optional[Ledger]] = \
    contextvars.ContextVar("mistral_clone_effects", default=None)


@contextlib.contextmanager
def watched() -> Iterator[Ledger]:
    """Record the lasting effects of the work done inside."""
    ledger = Ledger()
    token = _current.set(ledger)
    try:
        yield ledger
    finally:
        _current.reset(token)


def note_commit() -> None:
    """A write transaction is about to commit."""
    ledger = _current.get()
    if ledger is not None:
        ledger.commits += 1


def note_message() -> None:
    """A message is about to leave for another service."""
    ledger = _current.get()
    if ledger is not None:
        ledger.messages += 1
