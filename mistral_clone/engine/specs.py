"""Workflow specs at run time, cached by the checksum of their text.

An execution keeps the text of the definition it was started with
(``spec_definition``, deferred) and its sha256 (``spec_checksum``): a cache
hit costs no database read, and an updated definition never changes a
running execution.
"""

import hashlib
import threading
from collections import OrderedDict

from mistral_clone import lang

_CACHE_SIZE = 512
_lock = threading.Lock()
_cache = OrderedDict()


def checksum(definition: str) -> str:
    return hashlib.sha256(definition.encode("utf-8")).hexdigest()


def remember(definition: str):
    """The spec of ``definition``, cached; returns (checksum, spec)."""
    key = checksum(definition)
    with _lock:
        spec = _cache.get(key)
        if spec is not None:
            _cache.move_to_end(key)
            return key, spec
    spec = lang.get_workflow_spec(definition)
    with _lock:
        _cache[key] = spec
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return key, spec


def workflow_spec(wf_ex):
    with _lock:
        spec = _cache.get(wf_ex.spec_checksum)
        if spec is not None:
            return spec
    return remember(wf_ex.spec_definition)[1]
