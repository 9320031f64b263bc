"""A controllable clock and a recording engine for the scheduler tests."""

import datetime
import threading

import pytest


class Clock:
    """``now()`` returns what the test sets; ``advance`` moves it."""

    def __init__(self, start=None):
        self.value = start or datetime.datetime(2030, 1, 1, 12, 0, 0)

    def __call__(self):
        return self.value

    def advance(self, **delta):
        self.value += datetime.timedelta(**delta)
        return self.value


class RecordingEngine:
    """Stands in for the engine client's ``start_workflow`` (injected)."""

    def __init__(self):
        self.started = []
        self._lock = threading.Lock()
        self.fail = False
        self.error = RuntimeError("engine refused it")

    def start_workflow(self, ctx, **kwargs):
        with self._lock:
            self.started.append((ctx, kwargs))
        if self.fail:
            raise self.error
        return {"id": "ex-%d" % len(self.started)}


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def engine():
    return RecordingEngine()
