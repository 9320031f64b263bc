"""The maintenance status as the API's write requests check it: read from
the database at most every ``MAX_AGE_S`` seconds, not on each request
(one query per POST was a good part of a start's time).

A change made through this process (``PUT /maintenance``) is seen at
once (``forget``); one made elsewhere (another API process, an engine
moving PAUSING to PAUSED) within ``MAX_AGE_S``, which is also how late
Mistral's own API may act on a change racing with a request."""

import threading
import time

from mistral_clone.config import CONF
from mistral_clone.db import maintenance as maintenance_db
from mistral_clone.db import session as db_session

MAX_AGE_S = 1.0

_lock = threading.Lock()
# database URL -> (status, monotonic time it was read)
_read = {}


def current() -> str:
    key = CONF.database.connection
    now = time.monotonic()
    with _lock:
        cached = _read.get(key)
    if cached is not None and now - cached[1] < MAX_AGE_S:
        return cached[0]
    with db_session.read_only() as session:
        status = maintenance_db.status(session)
    with _lock:
        _read[key] = (status, now)
    return status


def forget() -> None:
    """Read the status again at the next request."""
    with _lock:
        _read.clear()
