"""The names users give to what they store (workflows, workbooks, actions,
environments, cron triggers): what their columns can hold and their URLs
can address.

A name fits its column (255 characters for definitions, 200 for
environments and cron triggers, as in Mistral's tables), and holds no control character
(NUL cannot be stored by PostgreSQL), no ``/`` or ``\\`` and is not ``.``
or ``..``, since the name is the last segment of the resource's URL
(``GET /v2/environments/a/b`` could never reach an environment named
``a/b``). Mistral 23 takes such names (or fails on them with a 500).
"""

import re

from mistral_clone import exceptions as exc

_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f/\\]")


def check(kind: str, name, model) -> None:
    """InputError (400) when ``name`` cannot name a ``model`` row; ``kind``
    is how the message calls it ("Workflow", "Environment", ...)."""
    if not isinstance(name, str):
        return  # the caller's own checks speak about missing names
    limit = model.__table__.c.name.type.length
    if len(name) > limit:
        raise exc.InputError("%s name is longer than %d characters."
                             % (kind, limit))
    if _FORBIDDEN.search(name) or name in (".", ".."):
        raise exc.InputError(
            "%s name must not be '.' or '..' nor contain '/', '\\' or "
            "control characters: %r"
            % (kind, name))
