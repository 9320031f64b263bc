"""Bounds on the shape of data users send: nesting depth, and strings that
cannot be stored (lone UTF-16 surrogates; NUL, which PostgreSQL's text
cannot hold).

Plain functions of plain data, without recursion, so that the check itself
cannot run out of stack on the input it refuses. The API and the DSL parser
both use them.
"""

import itertools
import re

# Deeper than any workflow, input or environment needs, well short of the
# depth where Python's recursive code (json, yaml, yaql, WSME) fails.
MAX_DEPTH = 100

# A string, or an unterminated one up to the end of the text. Possessive,
# and never failing once started, so the scan stays linear on hostile text
# (a plain "(?:[^"\\]|\\.)*" takes minutes on '"' + '\\"' * 20000).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]")


def json_text_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest, counted on the
    text (before parsing it)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    steps = (1 if c in "[{" else -1 for c in brackets)
    return max(itertools.accumulate(steps), default=0)


def problem_in(value, max_depth: int = MAX_DEPTH):
    """Why ``value`` (decoded JSON or YAML) cannot be accepted, or None:
    nested deeper than ``max_depth``, a string that is not valid Unicode
    (a lone surrogate such as ``"\\ud83d"``) or that holds a NUL."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                return ("data nested deeper than %d levels" % max_depth)
            children = (itertools.chain.from_iterable(item.items())
                        if isinstance(item, dict) else item)
            pending.extend((child, depth + 1) for child in children)
        elif isinstance(item, str) and not _encodable(item):
            return "a string holds a lone UTF-16 surrogate"
        elif isinstance(item, str) and "\x00" in item:
            return "a string holds a NUL character"
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
