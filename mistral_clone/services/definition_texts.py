"""Definition texts remembered by the row they belong to and its checksum.

Starting an execution reads its workflow's row (to check that the caller
may see it) and needs the definition text; that text is a deferred column,
so reading it costs a second SELECT on every POST. A row's text changes
only together with its ``checksum``, so ``(row id, checksum)`` names one
text: a cache hit is the text as stored. The row's id is part of the key
so that another project's definition with the same (MD5) checksum never
supplies this row's text.
"""

import threading
from collections import OrderedDict

from sqlalchemy.orm import attributes

# Texts kept per process: the workflows started most recently.
CACHE_SIZE = 1024

_lock = threading.Lock()
_texts: "OrderedDict[tuple, str]" = OrderedDict()


def with_definition(row):
    """``row`` (read in an open session) with its definition loaded, from
    the cache when this row's text with this checksum was read before, so
    that it can be read after the session closes."""
    key = (row.id, row.checksum)
    with _lock:
        text = _texts.get(key)
        if text is not None:
            _texts.move_to_end(key)
    if text is not None:
        attributes.set_committed_value(row, "definition", text)
        return row
    text = row.definition
    if text is not None and row.checksum:
        with _lock:
            _texts[key] = text
            while len(_texts) > CACHE_SIZE:
                _texts.popitem(last=False)
    return row


def forget_all() -> None:
    """Empty the cache (tests)."""
    with _lock:
        _texts.clear()
