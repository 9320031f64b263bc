"""Random (version 4) UUIDs, read from the system 256 at a time.

``uuid.uuid4`` reads 16 bytes with ``os.urandom`` for each id: a system call
that releases the GIL, so in a busy threaded process (an engine step makes
two ids per task) each id may wait out another thread's switch interval
before its step goes on. These are the same cryptographic bytes, read
4 KiB per call. A forked child drops what its parent had read: two
processes never hand out the same bytes.
"""

import os
import threading
import uuid

_CHUNK = 4096
_lock = threading.Lock()
_buffer = b""
_offset = 0


def _forget() -> None:
    global _buffer, _offset
    _buffer, _offset = b"", 0


os.register_at_fork(after_in_child=_forget)


def _take16() -> bytes:
    global _buffer, _offset
    with _lock:
        if _offset + 16 > len(_buffer):
            _buffer, _offset = os.urandom(_CHUNK), 0
        start = _offset
        _offset = start + 16
        return _buffer[start:start + 16]


def uuid4() -> str:
    """A random UUID (version 4, RFC 4122 variant) as text."""
    return str(uuid.UUID(bytes=_take16(), version=4))
