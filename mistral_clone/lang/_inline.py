"""The one-line grammars of the DSL.

* ``std.echo output="hi" x=1`` (action / workflow / ad-hoc base / retry /
  transition target): a command then ``key=value`` pairs. A value is a quoted
  string, an expression, a ``[...]`` literal, true/false/null or digits;
  anything else (e.g. ``x=abc`` or the ``.5`` of ``x=1.5``) is silently not
  taken, and text right after an unquoted expression is lost, exactly as in
  Mistral.
* ``x in <% $.list %>`` / ``x in [1, 2]`` (with-items).
"""

import json
import re

from mistral_clone import exceptions as exc
from mistral_clone import expressions
from mistral_clone.lang._schemas import EXPRESSION_PATTERNS

_EXPR = "|".join(EXPRESSION_PATTERNS)

_COMMAND = re.compile(
    r"^(%s)" % "|".join([
        r"[\w\.]+[^=\(\s\"]*",
        expressions.YAQL_INLINE_PATTERN,
        expressions.JINJA_ANY_PATTERN,
    ])
)
_VALUE = "|".join([
    r"\"[^\"]*\"\s*", r"'[^']*'\s*", _EXPR, r"\[.*\]\s*",
    "true", "false", "null", r"\d+",
])
_PARAM = re.compile(r"([-_\w]+)=(%s)" % _VALUE)

_WITH_ITEMS = re.compile(r"\s*([\w\d_\-]+)\s*in\s*(\[.+\]|%s)" % _EXPR)


def split_command(text: str):
    """Split ``cmd k=v ...`` into ``(cmd, {k: v})``.

    Raises InvalidModelError when the text has blanks but no command at its
    start.
    """
    if " " not in text:
        return text, {}
    match = _COMMAND.search(text)
    if not match:
        raise exc.InvalidModelError(
            "Invalid action/workflow task property: %s" % text
        )
    params = {}
    for key, raw, *_ in _PARAM.findall(text):
        value = raw.strip()
        if value[0] in "\"'":
            value = value[1:-1]
        else:
            try:
                value = json.loads(value)
            except ValueError:
                pass
        params[key] = value
    return match.group(), params


def parse_with_items(item: str):
    """Parse one ``var in <source>`` string into ``(var, source)``.

    ``source`` is the expression string or the decoded ``[...]`` list.
    Returns None if the string does not have that form. Only the first
    ``var in ...`` of a string is read (as in Mistral).
    """
    match = _WITH_ITEMS.match(item)
    if not match:
        return None
    return match.group(1), match.group(2)


def decode_list_literal(source: str):
    try:
        return json.loads(source)
    except ValueError as e:
        raise exc.InvalidModelError(
            "Invalid array in 'with-items' clause: %s, error: %s"
            % (source, e)
        )
