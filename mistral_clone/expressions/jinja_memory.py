"""The memory budget of one Jinja evaluation.

A single Python operation (``s * n``, ``s.ljust(n)``, ``''.join(...)``)
cannot be interrupted by the evaluation deadline, and a loop can make many
values in the seconds the deadline leaves it.  So the sandbox asks this
module, BEFORE it makes a value that can grow much faster than the
template's text, how big it would be (``check``): a value over
``[expressions] memory_quota`` is refused.  What the evaluation adds on top
of its operands (the new part of a concatenation, a repeated string, an
item appended to a list, the text rendered) is also charged to the
evaluation (``charge``): once the total goes over the same quota the
evaluation fails, so that many values of a few MiB cannot add up to
gigabytes either.

Sizes are estimates in bytes (characters for strings): they need to be
cheap and of the right order, not exact.  Every evaluation starts with a
fresh budget (``start``), held per thread.
"""

import re
import sys
import threading
from collections.abc import Mapping

from jinja2 import sandbox


class MemoryQuotaExceeded(sandbox.SecurityError):
    """An evaluation would go over ``[expressions] memory_quota``."""


class _Budget(threading.local):
    # Outside any evaluation (limit -1): nothing is refused.
    limit = -1
    spent = 0


_budget = _Budget()

_SEQUENCES = (str, bytes, list, tuple)

# Results up to this size are neither checked nor charged: they cost less
# than the Jinja code making them, and what a loop keeps of them is
# charged where it is kept (a list it grows, the text it renders).
SMALL = 64 * 1024
_COLLECTIONS = (list, tuple, set, frozenset)


def start(limit: int) -> tuple:
    """Give this thread a fresh budget of ``limit`` bytes (-1: none); the
    returned token gives the previous one back (``restore``)."""
    previous = (_budget.limit, _budget.spent)
    _budget.limit = limit
    _budget.spent = 0
    return previous


def restore(token: tuple) -> None:
    _budget.limit, _budget.spent = token


def check(nbytes: int, what: str) -> None:
    """Refuse to make ``what`` if it would take more than the quota."""
    limit = _budget.limit
    if 0 <= limit < nbytes:
        raise MemoryQuotaExceeded(
            'the result of %s would take more than %d bytes (the '
            '[expressions] memory_quota)' % (what, limit))


def charge(nbytes: int) -> None:
    """Count ``nbytes`` more made by this evaluation."""
    if nbytes <= 0:
        return
    budget = _budget
    budget.spent += nbytes
    if 0 <= budget.limit < budget.spent:
        raise MemoryQuotaExceeded(
            'the evaluation would take more than %d bytes in all (the '
            '[expressions] memory_quota)' % budget.limit)


def check_and_charge(nbytes: int, grown: int, what: str) -> None:
    """``check`` a result of ``nbytes``, then ``charge`` the ``grown``
    bytes it adds to what already existed."""
    check(nbytes, what)
    charge(grown)


# -- sizes -------------------------------------------------------------------

def size_of(value) -> int:
    """Bytes of ``value`` itself (its items not counted)."""
    return sys.getsizeof(value) if isinstance(value, _SEQUENCES) else 0


def printed_size(value, limit: int) -> int:
    """Roughly the length of ``str(value)``; it stops counting once past
    ``limit`` (so a list holding the same large string many times, or
    itself, costs no more than ``limit`` to measure)."""
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, (str, bytes)):
            total += len(item) + 4
        elif isinstance(item, _COLLECTIONS):
            total += 2 + 2 * len(item)
            pending.extend(item)
        elif isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        else:
            total += 24
        if 0 <= limit < total:
            break
    return total


def measured(value) -> int:
    """``printed_size`` up to the quota (0 when there is none)."""
    limit = _budget.limit
    return 0 if limit < 0 else printed_size(value, limit)


def text_of(value) -> str:
    """``str(value)``, refused first if it would be over the quota."""
    if isinstance(value, str):
        return value
    if not isinstance(value, (int, float, bool, type(None))):
        check(measured(value), 'str()')
    return str(value)


def _repeated_size(seq) -> int:
    """What one repetition of ``seq`` costs in ``seq * n``: its text, or
    for a list its references and the text of its items (``[s] * 1000``
    takes 8 kB here, but a thousand copies of ``s`` in the JSON the
    engine stores)."""
    if isinstance(seq, (str, bytes)):
        return len(seq)
    return 8 * len(seq) + measured(seq)


def binop_result(operator: str, left, right) -> int:
    """What ``left <operator> right`` would allocate, roughly, for the
    operators that can grow a value faster than the expression's text
    (0 for any other)."""
    if operator == '+':
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            return sys.getsizeof(left) + sys.getsizeof(right)
    elif operator == '*':
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, _SEQUENCES) and isinstance(times, int):
                return _repeated_size(seq) * max(times, 0)
        if isinstance(left, int) and isinstance(right, int):
            return (left.bit_length() + right.bit_length()) // 8
    elif operator == '**':
        if (isinstance(left, int) and isinstance(right, int)
                and right > 0 and abs(left) > 1):
            return int(right * left.bit_length() / 8)
    elif operator == '%':
        if isinstance(left, str):
            return percent_format_size(left, right)
    return 0


def check_binop(operator: str, left, right) -> None:
    """Refuse ``left <operator> right`` over the quota; charge what it
    adds to the larger operand."""
    result = binop_result(operator, left, right)
    if result > SMALL:
        check_and_charge(
            result, result - max(size_of(left), size_of(right)),
            repr(operator))


def concat(items) -> str:
    """Jinja's ``~``: the items as text, joined, refused before the join
    if it would be over the quota."""
    parts = items
    for item in items:
        if not isinstance(item, str):
            parts = [part if isinstance(part, str) else text_of(part)
                     for part in items]
            break
    total = sum(map(len, parts))
    if total > SMALL:
        check_and_charge(total, total - max(map(len, parts)), "'~'")
    return ''.join(parts)


# -- widths in format specifications -----------------------------------------

def _numbers_in(spec: str) -> int:
    """The sum of the numbers written in a format spec (widths,
    precisions)."""
    total = 0
    number = ''
    for char in spec + ' ':
        if char.isdigit():
            number += char
        elif number:
            total += int(number)
            number = ''
    return total


# A conversion of printf-style formatting, with its width and precision.
_PERCENT_SPEC = re.compile(
    r'%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?')


def percent_format_size(template: str, args) -> int:
    """Upper bound of ``template % args`` (widths and ``*`` widths
    included)."""
    values = args if isinstance(args, tuple) else (args,)
    size = len(template)
    stars = False
    for width_and_precision in _PERCENT_SPEC.findall(template):
        for number in width_and_precision:
            if number == '*':
                stars = True
            elif number:
                size += int(number)
    if stars:
        size += sum(abs(v) for v in values if isinstance(v, int))
    for value in values:
        size += measured(value)
    if isinstance(args, Mapping):
        size += measured(args)
    return size


def format_field_size(value, spec: str) -> int:
    """Upper bound of ``format(value, spec)``."""
    return _numbers_in(spec) + measured(value)
