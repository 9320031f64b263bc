"""Tasks and task-defaults.

What task-defaults feed into a task (as Mistral 23 applies them):

* policies (retry, wait-before, wait-after, timeout, pause-before,
  concurrency, fail-on): each one of the task's wins when it is set, else the
  default's (see ``PoliciesSpec.merged_over``);
* ``safe-rerun``: the task's if given, else the default's, else False;
* on-success / on-error / on-complete / on-skip (direct workflows): when the
  task's own clause has no targets, the default clause's targets are used,
  minus any transition to the task itself; ``publish`` of a clause is never
  taken from task-defaults;
* ``requires`` (reverse workflows): union of the task's and the default's,
  minus the task itself.

The task's own raw values stay readable in ``to_dict()`` and
``own_policies``.
"""

from typing import Optional

from mistral_clone import exceptions as exc
from mistral_clone.lang import _checks
from mistral_clone.lang import _collect
from mistral_clone.lang import _inline
from mistral_clone.lang import _schemas
from mistral_clone.lang.policies import PoliciesSpec
from mistral_clone.lang.transitions import OnClauseSpec
from mistral_clone.lang.transitions import PublishSpec
from mistral_clone.lang.transitions import check_transition_expressions

ACTION_TASK = "ACTION"
WORKFLOW_TASK = "WORKFLOW"

MAX_TASK_NAME_LENGTH = 255
MAX_JOIN_TASK_NAME_LENGTH = MAX_TASK_NAME_LENGTH - 47

CLAUSE_KEYS = ("on-success", "on-error", "on-complete", "on-skip")

# Task states whose publish get_publish() knows.
SUCCESS = "SUCCESS"
ERROR = "ERROR"
SKIPPED = "SKIPPED"


def _clauses(data: dict, path, validate: bool) -> dict:
    out = {}
    for key in CLAUSE_KEYS:
        if data.get(key) is not None:
            out[key] = OnClauseSpec.from_dsl(data[key], list(path) + [key],
                                             validate)
    return out


def _as_list(value) -> list:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


class TaskDefaultsSpec:
    """``task-defaults`` of a workflow (only the keys Mistral allows there:
    the policies, the four clauses, safe-rerun and requires)."""

    def __init__(self, data: dict, path, validate: bool):
        if validate:
            _schemas.check("task_defaults", data, path)
            _checks.expression(data.get("safe-rerun"),
                               list(path) + ["safe-rerun"])
        self._data = data
        self.policies = PoliciesSpec(data, path, validate)
        self.clauses = _clauses(data, path, validate)
        self.safe_rerun = data.get("safe-rerun")
        self.requires = _as_list(data.get("requires"))
        if validate:
            for key, clause in self.clauses.items():
                check_transition_expressions(clause, list(path) + [key])

    def to_dict(self) -> dict:
        return self._data


class TaskSpec:
    """One task, with task-defaults already applied (see module doc).

    Attributes: name, workflow_type ('direct'|'reverse'), type
    ('ACTION'|'WORKFLOW'), action (str, 'std.noop' when neither action nor
    workflow is given), workflow, description, tags, input (dict with the
    inline parameters merged in; or the raw string for ``input: <% ... %>``),
    with_items (list of (var, source) where source is an expression string or
    a list), publish / publish_on_error / publish_on_skip (dicts),
    on_success / on_error / on_complete / on_skip (OnClauseSpec or None),
    join (None, 'all', 'one' or int), requires (list), policies (effective
    PoliciesSpec), own_policies, keep_result, safe_rerun (effective), target.
    """

    def __init__(self, data: dict, path, validate: bool,
                 defaults: Optional[TaskDefaultsSpec] = None):
        self._data = data
        self.name = data["name"]
        self.workflow_type = data.get("type", "direct")
        direct = self.workflow_type == "direct"
        if validate:
            self._validate_raw(data, path, direct)

        self.description = data.get("description")
        self.tags = data.get("tags", [])
        self.action = data.get("action")
        self.workflow = data.get("workflow")
        self.with_items = self._read_with_items(data, path, validate)
        self.publish = dict(data.get("publish") or {})
        self.publish_on_error = dict(data.get("publish-on-error") or {})
        self.publish_on_skip = dict(data.get("publish-on-skip") or {})
        self.own_policies = PoliciesSpec(data, path, validate)
        self.policies = self.own_policies.merged_over(
            defaults.policies if defaults else None)
        self.target = data.get("target")
        self.keep_result = data.get("keep-result", True)
        own_safe_rerun = data.get("safe-rerun")
        if own_safe_rerun is None and defaults is not None:
            own_safe_rerun = defaults.safe_rerun
        self.safe_rerun = False if own_safe_rerun is None else own_safe_rerun
        self.input = self._read_action_and_input(data, path)

        self.join = data.get("join") if direct else None
        own_clauses = _clauses(data, path, validate) if direct else {}
        self.own_clauses = own_clauses
        default_clauses = defaults.clauses if (defaults and direct) else {}
        effective = {}
        for key in CLAUSE_KEYS:
            effective[key] = self._effective_clause(
                own_clauses.get(key), default_clauses.get(key))
        self.on_success = effective["on-success"]
        self.on_error = effective["on-error"]
        self.on_complete = effective["on-complete"]
        self.on_skip = effective["on-skip"]

        requires = [] if direct else _as_list(data.get("requires"))
        if defaults is not None and not direct:
            requires += [r for r in defaults.requires if r not in requires]
        self.requires = [r for r in requires if r != self.name]

        if validate and direct:
            for key, clause in own_clauses.items():
                check_transition_expressions(clause, list(path) + [key])
            if self.join and len(self.name) > MAX_JOIN_TASK_NAME_LENGTH:
                _collect.report(_checks.invalid(
                    "The length of a '%s' join task name must not exceed %d "
                    "symbols" % (self.name, MAX_JOIN_TASK_NAME_LENGTH),
                    path))

    # -- building -------------------------------------------------------

    @staticmethod
    def _validate_raw(data, path, direct):
        """When collecting, a task of the wrong shape still has its
        expressions and with-items checked before it is left out."""
        shape_ok = _collect.attempt(
            _schemas.check, "direct_task" if direct else "reverse_task",
            data, path)
        TaskSpec._validate_values(data, path)
        if not shape_ok:
            with _collect.element():
                TaskSpec._read_with_items(data, path, True)
            raise _collect.Skipped()

    @staticmethod
    def _validate_values(data, path):
        if len(data["name"]) > MAX_TASK_NAME_LENGTH:
            _collect.report(_checks.invalid(
                "The length of a '%s' task name must not exceed %d symbols"
                % (data["name"], MAX_TASK_NAME_LENGTH), path))
        command = data.get("action") or data.get("workflow")
        if isinstance(command, str) and command:
            key = "action" if data.get("action") else "workflow"
            try:
                params = _inline.split_command(command)[1]
            except exc.InvalidModelError as e:
                _collect.abort(_checks.invalid(e.message, list(path) + [key]))
            _checks.expressions(params, list(path) + [key])
        for key in ("input", "publish", "publish-on-error",
                    "publish-on-skip", "keep-result", "safe-rerun"):
            _checks.expressions(data.get(key), list(path) + [key])

    @staticmethod
    def _read_with_items(data, path, validate):
        raw = data.get("with-items")
        items = [raw] if isinstance(raw, str) else (raw or [])
        where = list(path) + ["with-items"]
        out = []
        for i, item in enumerate(items):
            # Where the item is written (``with-items`` may be one string).
            pin = where + [i] if isinstance(raw, list) else where
            if not isinstance(item, str):
                _collect.report(_checks.invalid(
                    "'with-items' elements should be strings: %s" % data,
                    where, pin=pin))
                continue
            parsed = _inline.parse_with_items(item)
            if parsed is None:
                _collect.report(_checks.invalid(
                    "Wrong format of 'with-items' property. Please use "
                    "format 'var in {[some, list] | <% $.array %> }: "
                    + str(data), where, pin=pin))
                continue
            var, source = parsed
            if validate:
                _checks.expression(source, where, pin=pin)
            if source.startswith("["):
                try:
                    source = _inline.decode_list_literal(source)
                except exc.InvalidModelError as e:
                    _collect.report(_checks.invalid(e.message, where,
                                                    pin=pin))
                    continue
            out.append((var, source))
        return out

    def _read_action_and_input(self, data, path):
        raw_input = data.get("input")
        task_input = {} if raw_input is None else raw_input
        if isinstance(task_input, dict):
            task_input = dict(task_input)
        params = {}
        if self.action:
            self.action, params = _inline.split_command(self.action)
        elif self.workflow:
            self.workflow, params = _inline.split_command(self.workflow)
        else:
            self.action = "std.noop"
        if params:
            if not isinstance(task_input, dict):
                raise _checks.invalid(
                    "'input' given as an expression cannot be combined with "
                    "inline parameters of the action/workflow",
                    list(path) + ["input"])
            _merge(task_input, params)
        return task_input

    def _effective_clause(self, own, default):
        if own is not None and own.next:
            return own
        if default is None or not default.next:
            return own
        targets = [t for t in default.next if t.target_name != self.name]
        return OnClauseSpec(targets, own.publish if own else None)

    # -- reading ----------------------------------------------------------

    @property
    def type(self) -> str:
        return WORKFLOW_TASK if self.workflow else ACTION_TASK

    def clauses(self):
        """(key, OnClauseSpec) of the effective clauses that exist."""
        return [(k, c) for k, c in (("on-error", self.on_error),
                                    ("on-success", self.on_success),
                                    ("on-complete", self.on_complete),
                                    ("on-skip", self.on_skip)) if c]

    def next_task_names(self):
        """Names of all transition targets (engine commands included), in
        clause order on-error, on-success, on-complete, on-skip."""
        names = []
        for _, clause in self.clauses():
            for name in clause.task_names():
                if name not in names:
                    names.append(name)
        return names

    def get_publish(self, state: str) -> Optional[PublishSpec]:
        """What to publish when the task ends in ``state``.

        Mistral's precedence: the clause of that state (on-success /
        on-error / on-skip) is the base; the task-level publish
        (publish / publish-on-error / publish-on-skip, as ``branch``) and
        on-complete's publish override its entries, on-complete over the
        task level. None when nothing is published.
        """
        plain = {SUCCESS: self.publish, ERROR: self.publish_on_error,
                 SKIPPED: self.publish_on_skip}.get(state)
        spec = PublishSpec(branch=plain) if plain else None
        complete = self.own_clauses.get("on-complete")
        if complete is not None and complete.publish is not None:
            spec = (spec or PublishSpec()).overridden_by(complete.publish)
        key = {SUCCESS: "on-success", ERROR: "on-error",
               SKIPPED: "on-skip"}.get(state)
        clause = self.own_clauses.get(key) if key else None
        if clause is not None and clause.publish is not None:
            return clause.publish.overridden_by(spec)
        return spec

    def to_dict(self) -> dict:
        return self._data

    def __repr__(self):
        return "TaskSpec(%r)" % self._data


def _merge(left: dict, right: dict) -> None:
    """Merge ``right`` into ``left``; nested dicts are merged, other values
    from ``right`` win."""
    for key, value in right.items():
        if isinstance(left.get(key), dict) and isinstance(value, dict):
            _merge(left[key], value)
        else:
            left[key] = value
