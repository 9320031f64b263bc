"""Reading this process's metrics in tests: values and their changes."""

import contextlib

import prometheus_client


def value(name, **labels) -> float:
    """A sample of the default registry (0 when it has none yet)."""
    found = prometheus_client.REGISTRY.get_sample_value(name, labels)
    return found or 0.0


@contextlib.contextmanager
def change(name, **labels):
    """``with change(name, ...) as delta:`` then ``delta()`` is how much
    the sample grew inside the block, or so far while in it (the registry
    is the process's, so tests compare before and after instead of
    absolute values)."""
    before = value(name, **labels)
    after = []
    yield lambda: (after[0] if after else value(name, **labels)) - before
    after.append(value(name, **labels))
