"""Every problem of a definition, each with where it is written.

``inspect(text, kind)`` validates a workflow file, a workbook or an ad-hoc
action file the way ``parse_*(validate=True)`` does, but collects all the
problems (``lang._collect``) instead of stopping at the first, and locates
each one in the YAML text (``lang.locator``):

* ``errors``: ``Problem(path, line, column, message)``, in the order
  validation meets them, so the first is the one ``parse_*`` raises.
  ``path`` is dotted with indexes in brackets (``wf.tasks.t1.on-success[0]``;
  empty for the document itself); it may point deeper than the path in the
  raised message (the unexpected key of a mapping, the item of a list).
  ``message`` is the raised message without its location.
* ``warnings``: keys written twice in one mapping (loading keeps the last,
  as Mistral does).
* ``references``: the actions and workflows the tasks (and ad-hoc actions'
  ``base``) name, for a caller that can look them up; names that are
  expressions are left out. ``local_actions`` / ``local_workflows``: the
  names the text itself defines (with the workbook's prefix too).

``parse_located(kind, text)`` is ``parse_*(text, validate=True)`` whose
DSL error carries ``located_errors`` (a list of Problem).
"""

import dataclasses
from typing import NamedTuple

import yaml

from mistral_clone import exceptions as exc
from mistral_clone.lang import _collect
from mistral_clone.lang import _inline
from mistral_clone.lang import _yaml
from mistral_clone.lang import locator
from mistral_clone.lang import parser
from mistral_clone.lang._errors import format_path

_PARSERS = {
    "workflows": parser.parse_workflows,
    "workbooks": parser.parse_workbook,
    "actions": parser.parse_actions,
}
KINDS = tuple(_PARSERS)
_EXPRESSION_MARKS = ("<%", "{{", "{%")


class Problem(NamedTuple):
    path: str
    line: int
    column: int
    message: str

    def to_dict(self) -> dict:
        return self._asdict()


class Reference(NamedTuple):
    """A task's ``action``/``workflow`` or an ad-hoc action's ``base``."""

    kind: str  # "action" or "workflow"
    name: str
    path: str
    line: int
    column: int


@dataclasses.dataclass
class Inspection:
    errors: list
    warnings: list
    references: list
    local_actions: set
    local_workflows: set


def inspect(text: str, kind: str) -> Inspection:
    root = locator.compose(text)
    try:
        data = _yaml.load(text)
    except exc.DSLParsingError as e:
        return Inspection([_unreadable(e)], [], [], set(), set())
    errors = [_problem(root, e) for e in _collect_errors(text, kind)]
    warnings = [
        Problem(format_path(r.path), r.place.line, r.place.column,
                "Key '%s' is written more than once in this mapping; "
                "the last one is used." % r.path[-1])
        for r in locator.repeated_keys(root)
    ]
    refs = _References(root)
    if isinstance(data, dict):
        refs.read(data, kind)
    return Inspection(errors, warnings, refs.found, refs.actions,
                      refs.workflows)


def parse_located(kind: str, text: str):
    """``parse_*(text, validate=True)``; its DSL error (unchanged) gets
    ``located_errors``."""
    try:
        return _PARSERS[kind](text, validate=True)
    except exc.DSLParsingError as e:
        errors = inspect(text, kind).errors
        e.located_errors = errors or [_problem(locator.compose(text), e)]
        raise


def _collect_errors(text: str, kind: str) -> list:
    with _collect.collecting() as problems:
        try:
            _PARSERS[kind](text, validate=True)
        except exc.DSLParsingError as e:
            if not getattr(e, "recorded", False):
                problems.append(e)
        except Exception:
            if not problems:  # not the fall-out of a recorded problem
                raise
    return problems


def _problem(root, error) -> Problem:
    pin = getattr(error, "spec_pin", [])
    place = locator.place_of(root, pin)
    return Problem(format_path(pin) if pin else "", place.line,
                   place.column, getattr(error, "spec_message", str(error)))


def _unreadable(error) -> Problem:
    """A text that is not YAML: where the parser stopped."""
    cause = error.__context__
    mark = getattr(cause, "problem_mark", None) or \
        getattr(cause, "context_mark", None)
    if not isinstance(cause, yaml.MarkedYAMLError) or mark is None:
        return Problem("", 1, 1, error.message.strip())
    words = [w for w in (cause.context, cause.problem) if w]
    return Problem("", mark.line + 1, mark.column + 1,
                   "Definition could not be parsed: %s" % ", ".join(words))


class _References:
    """Reads the names a definition refers to, and the ones it defines."""

    def __init__(self, root):
        self._root = root
        self.found = []
        self.actions = set()
        self.workflows = set()

    def read(self, data: dict, kind: str) -> None:
        items = _named(data)
        if kind == "workflows":
            self.workflows.update(items)
            for name, wf in items.items():
                self._workflow([name], wf)
        elif kind == "actions":
            self.actions.update(items)
            for name, action in items.items():
                self._name("action", action.get("base"), [name, "base"])
        elif kind == "workbooks":
            self._workbook(data)

    def _workbook(self, data: dict) -> None:
        prefix = data.get("name")
        actions = _named(data.get("actions"))
        workflows = _named(data.get("workflows"))
        for names, found in ((self.actions, actions),
                             (self.workflows, workflows)):
            names.update(found)
            if isinstance(prefix, str):
                names.update("%s.%s" % (prefix, n) for n in found)
        for name, action in actions.items():
            self._name("action", action.get("base"),
                       ["actions", name, "base"])
        for name, wf in workflows.items():
            self._workflow(["workflows", name], wf)

    def _workflow(self, path, wf: dict) -> None:
        tasks = wf.get("tasks")
        if not isinstance(tasks, dict):
            return
        for task_name, task in tasks.items():
            if not isinstance(task, dict):
                continue
            for key in ("action", "workflow"):
                self._name(key, task.get(key),
                           list(path) + ["tasks", task_name, key])

    def _name(self, kind: str, text, path) -> None:
        if not isinstance(text, str) or \
                any(m in text for m in _EXPRESSION_MARKS):
            return
        try:
            name = _inline.split_command(text)[0].strip()
        except exc.InvalidModelError:
            return
        if not name:
            return
        place = locator.place_of(self._root, path)
        self.found.append(Reference(kind, name, format_path(path),
                                    place.line, place.column))


def _named(section) -> dict:
    """The named items of a file or a workbook section (``version`` and
    items that are not mappings left out)."""
    if not isinstance(section, dict):
        return {}
    return {str(k): v for k, v in section.items()
            if k != "version" and isinstance(v, dict)}
