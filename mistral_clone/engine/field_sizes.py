"""``[engine] execution_field_size_limit_kb``: how large the JSON fields of
an execution (input, params, output, published) may be when they are
stored.

Mistral 23 checks the field when it is set on its model and refuses it
(``SizeLimitExceededException``: a 400 from the API, a failed task or
workflow in the engine). Its size is the in-memory size of the field's
Python text, ``sys.getsizeof(str(value))``, in whole KiB, so the check
counts as Mistral's does: a value passes while that size rounded down is
at most the limit; -1 is no limit.

Writing the text of a large result costs as much as serializing it for the
database (tens of milliseconds for a megabyte of small items), and the
check runs on every action result; so a cheap upper bound of that size,
from the lengths of the value's strings, comes first, and the text is
written only when the bound does not prove the value small enough.

Its message names ``class=TaskExecution`` whatever the field belongs to
(a quirk of the way it registers its checks); users and scripts see that
text, so it is kept.
"""

import sys
from typing import Optional

from mistral_clone import exceptions as exc
from mistral_clone.config import CONF

_MESSAGE = ("Field size limit exceeded [class=TaskExecution, field=%s, "
            "size=%sKB, limit=%sKB]")

# More than the fixed part of any str object (sys.getsizeof("") is 49 for
# an ASCII text, 76 for one stored with 4 bytes a character).
_STR_HEADER = 128
# How many values the bound looks at before it gives up (and the text is
# written): enough for the results of most actions (a dict of a few
# strings), few enough that looking costs less than a large text would.
_BOUND_BUDGET = 64
# The most characters ``repr`` writes for one character of a string: ASCII
# (``\x7f``), anything else (``\U000e0001``).
_ASCII_CHAR = 4
_ANY_CHAR = 10


def check(field: str, value, limit_kb=None) -> None:
    """Raise SizeLimitExceededError when ``value`` is over the limit
    (``limit_kb``, the configured one when None)."""
    if limit_kb is None:
        limit_kb = CONF.engine.execution_field_size_limit_kb
    if not value or limit_kb < 0:
        return
    bound = size_bound(value)
    if bound is not None and bound // 1024 <= limit_kb:
        return
    size_kb = sys.getsizeof(str(value)) // 1024
    if size_kb > limit_kb:
        raise exc.SizeLimitExceededError(
            _MESSAGE % (field, size_kb, limit_kb))


def size_bound(value) -> Optional[int]:
    """At least ``sys.getsizeof(str(value))``, found without writing the
    text; None when ``value`` holds more than ``_BOUND_BUDGET`` values or
    a type whose text is not bounded here."""
    chars = 0
    wide = False            # a non-ASCII character: 4 bytes a character
    pending = [value]
    seen = 0
    while pending:
        seen += 1
        if seen > _BOUND_BUDGET:
            return None
        item = pending.pop()
        if isinstance(item, str):
            # O(1): CPython knows whether a text is ASCII.
            if item.isascii():
                chars += _ASCII_CHAR * len(item) + 2
            else:
                wide = True
                chars += _ANY_CHAR * len(item) + 2
        elif isinstance(item, dict):
            # Braces, then ": " and ", " for each item.
            chars += 2 + 4 * len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            # Brackets, ", " between items, a tuple's trailing comma.
            chars += 3 + 2 * len(item)
            pending.extend(item)
        elif item is None or isinstance(item, bool):
            chars += 5
        elif isinstance(item, int):
            # Decimal digits: fewer than one for every 3 bits, and a sign.
            chars += item.bit_length() // 3 + 2
        elif isinstance(item, float):
            chars += 24
        else:
            return None
    return _STR_HEADER + chars * (4 if wide else 1)
