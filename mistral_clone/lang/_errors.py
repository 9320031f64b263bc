"""Errors that say where in the definition they are.

Every DSL error starts with the message real Mistral gives for the same
problem, then adds the element's path (``wf.tasks.t1.publish.x``), which
Mistral's own messages often lack. The path is also kept on the exception as
``spec_path`` for callers that want it structured.
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


def located(exc_cls, message: str, path, detail: str = None):
    """Build ``exc_cls`` with the message, the element path and a detail."""
    text = message
    if path:
        text += "\n\nOn %s" % format_path(path)
        if detail is not None:
            text += ":\n" + textwrap.indent(detail, "    ")
    elif detail is not None:
        text += "\n\nOn instance:\n" + textwrap.indent(detail, "    ")
    error = exc_cls(text)
    error.spec_path = format_path(path) if path else ""
    return error


def relocate(error, path):
    """Re-raise-able copy of a path-less DSL error with ``path`` added."""
    if getattr(error, "spec_path", None) is not None:
        return error
    return located(type(error), error.message, path)
