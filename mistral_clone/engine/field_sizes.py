"""``[engine] execution_field_size_limit_kb``: how large the JSON fields of
an execution (input, params, ...) may be when they are stored.

Mistral 23 checks the field when it is set on its model and refuses it
with a 400 (``SizeLimitExceededException``). Its size is the in-memory
size of the field's Python text, ``sys.getsizeof(str(value))``, in whole
KiB, so the check counts as Mistral's does: a value passes while that size
rounded down is at most the limit; -1 is no limit.

Its message names ``class=TaskExecution`` whatever the field belongs to
(a quirk of the way it registers its checks); users and scripts see that
text, so it is kept.
"""

import sys

from mistral_clone import exceptions as exc
from mistral_clone.config import CONF

_MESSAGE = ("Field size limit exceeded [class=TaskExecution, field=%s, "
            "size=%sKB, limit=%sKB]")


def check(field: str, value, limit_kb=None) -> None:
    """Raise SizeLimitExceededError when ``value`` is over the limit
    (``limit_kb``, the configured one when None)."""
    if limit_kb is None:
        limit_kb = CONF.engine.execution_field_size_limit_kb
    if not value or limit_kb < 0:
        return
    size_kb = sys.getsizeof(str(value)) // 1024
    if size_kb > limit_kb:
        raise exc.SizeLimitExceededError(
            _MESSAGE % (field, size_kb, limit_kb))
