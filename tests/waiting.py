"""The bounded wait every test uses instead of a bare sleep."""

import time


def wait_for(predicate, timeout=15.0, interval=0.01):
    """Poll ``predicate`` until it returns a truthy value (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("Condition not met in %ss" % timeout)
        time.sleep(interval)
