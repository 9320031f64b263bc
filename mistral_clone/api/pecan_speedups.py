"""Pecan's routing asks for the argument spec of a controller method several
times per request, and its ``getargspec`` defines a new namedtuple class on
every call: about a fifth of the API's CPU time under load. The spec of a
function never changes, so it is computed once per function here.
"""

import collections
import functools
import inspect

import pecan.compat
import pecan.util

ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")


@functools.lru_cache(maxsize=4096)
def _spec_of(func) -> ArgSpec:
    args, varargs, keywords, defaults = inspect.getfullargspec(func)[:4]
    return ArgSpec(args=args, varargs=varargs, keywords=keywords,
                   defaults=defaults)


def getargspec(func) -> ArgSpec:
    """``pecan.compat.getargspec``, cached per function (a bound method has
    the spec of its function, ``self`` included, as before)."""
    target = getattr(func, "__func__", func)
    try:
        return _spec_of(target)
    except TypeError:  # unhashable callable: no cache
        return _spec_of.__wrapped__(func)


def install() -> None:
    """Idempotent."""
    pecan.compat.getargspec = getargspec
    pecan.util._getargspec = getargspec
