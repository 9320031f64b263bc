"""Keep eventlet out of mistral-clone's processes.

mistral-clone runs on native threads only. Yet importing oslo.messaging
imports ``oslo_service.service``, whose default backend is eventlet, and
futurist, oslo.utils and oslo.messaging ``try_import('eventlet')`` whenever
it is installed: about 18 MB per process (eventlet, greenlet, dnspython,
cryptography) and an ``EventletDeprecationWarning``, for a library we never
use.

``prefer_threads()`` runs when the ``mistral_clone`` package is imported,
before any of those libraries: it selects oslo.service's threading backend
and makes ``import eventlet`` fail with ImportError, which every one of
those libraries handles by falling back to the standard library. It does
nothing when eventlet is already imported (a host that monkey-patched on
purpose keeps it), when oslo.service has already chosen a backend, or when
the threading backend cannot load (it needs ``cotyledon``).
"""

from __future__ import annotations

import importlib.util
import sys

_BLOCKED = "eventlet"


def prefer_threads() -> bool:
    """Select oslo.service's threading backend and hide eventlet.

    Returns True when eventlet is now hidden from imports.
    """
    if _BLOCKED in sys.modules:
        return sys.modules[_BLOCKED] is None
    if importlib.util.find_spec("cotyledon") is None:
        return False
    try:
        from oslo_service import backend
    except ImportError:  # oslo.service absent or too old: nothing to steer
        return False
    if getattr(backend, "get_backend_type", lambda: None)() is not None:
        return False
    backend.register_backend_default_hook(
        lambda: backend.BackendType.THREADING)
    sys.modules[_BLOCKED] = None  # ``import eventlet`` -> ImportError
    return True
