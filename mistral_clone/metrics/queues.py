"""Queue depths, read when a scrape asks for them: a service names a
function that counts its queue (``watch``), and nothing is done on the
hot path to keep a gauge up to date.

A function that fails (the database away, for a count that reads it)
leaves its gauge out of that scrape rather than failing the scrape.
"""

import logging
import threading
from typing import Callable

import prometheus_client
from prometheus_client import core
from prometheus_client import registry

LOG = logging.getLogger(__name__)

_sources = {}
_lock = threading.Lock()


def watch(name: str, documentation: str, count: Callable[[], float]) -> None:
    """Expose ``count()`` as the gauge ``name`` (a later ``watch`` of the
    same name replaces it: one service of a kind per process)."""
    with _lock:
        _sources[name] = (documentation, count)


def unwatch(name: str, count: Callable[[], float] = None) -> None:
    """Stop exposing ``name`` (only while it is ``count``'s, if given)."""
    with _lock:
        source = _sources.get(name)
        if source is not None and (count is None or source[1] == count):
            del _sources[name]


class _QueueCollector(registry.Collector):
    def collect(self):
        with _lock:
            sources = list(_sources.items())
        for name, (documentation, count) in sources:
            try:
                value = count()
            except Exception as e:  # noqa: BLE001 - left out this time
                LOG.warning("Metric %s not read: %s", name,
                            str(e).split("\n", 1)[0])
                continue
            yield core.GaugeMetricFamily(name, documentation, value=value)

    def describe(self):
        return []


prometheus_client.REGISTRY.register(_QueueCollector())
