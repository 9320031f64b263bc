"""The bounded wait every test uses instead of a bare sleep."""

import time

# Without an interval given, the pause between two polls starts here and
# grows to the longest: a state reached at once is seen at once, and a long
# wait does not take the CPU that the processes it waits for need (two
# cores for the test workers and the services they start).
FIRST_PAUSE_S = 0.01
LONGEST_PAUSE_S = 0.1


def wait_for(predicate, timeout=15.0, interval=None):
    """Poll ``predicate`` until it returns a truthy value (bounded), every
    ``interval`` seconds when given."""
    deadline = time.monotonic() + timeout
    pause = interval or FIRST_PAUSE_S
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("Condition not met in %ss" % timeout)
        time.sleep(pause)
        if interval is None:
            pause = min(pause * 1.5, LONGEST_PAUSE_S)
