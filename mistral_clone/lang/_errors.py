"""Errors that say where in the definition they are.

Every DSL error starts with the message real Mistral gives for the same
problem, then adds the element's path (``wf.tasks.t1.publish.x``), which
Mistral's own messages often lack. The path is also kept on the exception as
``spec_path`` for callers that want it structured, and for the located
error list (``lang.inspection``): ``spec_parts`` (the path as a list),
``spec_message`` (the message alone) and ``spec_pin`` (the parts of the
exact element to point at, which may be deeper than the path the message
names, e.g. the unexpected key of a mapping).
"""

import textwrap


def format_path(path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += "[%d]" % part
        else:
            out += ("." if out else "") + str(part)
    return out or "<root>"


def located(exc_cls, message: str, path, detail: str = None, pin=None):
    """Build ``exc_cls`` with the message, the element path and a detail;
    ``pin`` when the element to point at is deeper than ``path``."""
    text = message
    if path:
        text += "\n\nOn %s" % format_path(path)
        if detail is not None:
            text += ":\n" + textwrap.indent(detail, "    ")
    elif detail is not None:
        text += "\n\nOn instance:\n" + textwrap.indent(detail, "    ")
    error = exc_cls(text)
    error.spec_path = format_path(path) if path else ""
    error.spec_parts = list(path or [])
    error.spec_message = message
    error.spec_pin = list(pin) if pin is not None else list(path or [])
    return error


def relocate(error, path):
    """Re-raise-able copy of a path-less DSL error with ``path`` added."""
    if getattr(error, "spec_path", None) is not None:
        return error
    return located(type(error), error.message, path)
