"""The test files that took longest last time run first.

With two pytest-xdist workers, a file of a minute that comes last keeps
one worker busy for that minute while the other has nothing left to do.
Each run keeps how long each file's tests took (pytest's cache,
``.pytest_cache``), and the next run collects the files longest first,
each file's tests in their own order (its module fixtures set up once, as
before); files it has no time for (new ones, which may be long) go before
them all, in their own order.
The workers take the times the controller read, so all collect the same
order (which xdist requires) even if another run writes the cache
meanwhile. Without the cache (``-p no:cacheprovider``) nothing moves.
A fresh clone (CI) has no cache yet: it takes the times of a whole run
kept in ``tests/file_seconds.json`` (refresh it now and then from
``.pytest_cache/v/mistral_clone/file_seconds`` after a full run).
"""

import collections
import json
import os

import pytest

CACHE_KEY = "mistral_clone/file_seconds"

# The file of each test -> seconds, summed over this run's reports.
_seconds = collections.Counter()


def _file_of(nodeid):
    return nodeid.split("::", 1)[0]


COMMITTED = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "file_seconds.json")


def _committed() -> dict:
    try:
        with open(COMMITTED) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _known(config) -> dict:
    """file -> seconds it took last time (this checkout's last runs over
    the committed times of a whole run)."""
    if hasattr(config, "workerinput"):
        return config.workerinput.get(CACHE_KEY, {})
    cache = getattr(config, "cache", None)
    if cache is None:
        return {}
    known = _committed()
    known.update(cache.get(CACHE_KEY, {}))
    return known


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """(xdist's controller, for each worker it starts.)"""
    node.workerinput[CACHE_KEY] = _known(node.config)


def pytest_collection_modifyitems(session, config, items):
    known = _known(config)
    if not known:
        return
    first_place = {}
    for index, item in enumerate(items):
        first_place.setdefault(_file_of(item.nodeid), index)
    items.sort(key=lambda item: (
        -known.get(_file_of(item.nodeid), float("inf")),
        first_place[_file_of(item.nodeid)]))


def pytest_runtest_logreport(report):
    _seconds[_file_of(report.nodeid)] += report.duration


def pytest_terminal_summary(config):
    """The times kept for the next run, by the main process (xdist's
    controller gets every worker's reports)."""
    cache = getattr(config, "cache", None)
    if cache is None or hasattr(config, "workerinput") or not _seconds:
        return
    known = dict(cache.get(CACHE_KEY, {}))
    known.update({path: round(seconds, 2)
                  for path, seconds in _seconds.items()})
    cache.set(CACHE_KEY, known)
