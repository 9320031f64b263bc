"""Workflows (direct and reverse) and files of workflows."""

import uuid
from typing import Optional

from mistral_clone import exceptions as exc
from mistral_clone.lang import _checks
from mistral_clone.lang import _collect
from mistral_clone.lang import _raw_clauses
from mistral_clone.lang import _schemas
from mistral_clone.lang.tasks import TaskDefaultsSpec
from mistral_clone.lang.tasks import TaskSpec
from mistral_clone.lang.transitions import ENGINE_COMMANDS

DIRECT = "direct"
REVERSE = "reverse"
WORKFLOW_TYPES = (DIRECT, REVERSE)
DSL_VERSION = "2.0"


class _Required:
    """Marks a workflow/action input without a default value."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "REQUIRED"

    def __reduce__(self):
        return (_Required, ())


REQUIRED = _Required()


def input_dict(entries) -> dict:
    """``[a, {b: 1}]`` -> ``{"a": REQUIRED, "b": 1}`` (ordered)."""
    out = {}
    for entry in entries or []:
        if isinstance(entry, dict):
            out.update(entry)
        else:
            out[entry] = REQUIRED
    return out


def _is_uuid_like(value: str) -> bool:
    try:
        parsed = uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    cleaned = value.lower()
    for prefix in ("urn:", "uuid:"):
        cleaned = cleaned.replace(prefix, "")
    cleaned = cleaned.strip("{}").replace("-", "")
    return parsed.hex == cleaned


def _task_spec(task_name, task_data, tasks_path, wf_type, validate,
               defaults):
    if not isinstance(task_data, dict):
        raise _checks.invalid(
            "Invalid DSL: %r is not of type 'object'" % (task_data,),
            tasks_path + [task_name])
    # Injected as Mistral does, so to_dict() matches its 'spec'.
    task_data["type"] = wf_type
    task_data["name"] = task_name
    task_data["version"] = DSL_VERSION
    return TaskSpec(task_data, tasks_path + [task_name], validate, defaults)


def _check_tasks_alone(data, path) -> None:
    """When collecting: the problems of the tasks of a workflow whose own
    keys are wrong (the workflow itself is not built)."""
    tasks = data.get("tasks") if isinstance(data, dict) else None
    if not _collect.is_collecting() or not isinstance(tasks, dict):
        return
    wf_type = data.get("type", DIRECT)
    if wf_type not in WORKFLOW_TYPES:
        return
    for task_name, task_data in tasks.items():
        with _collect.element():
            _task_spec(task_name, task_data, list(path) + ["tasks"],
                       wf_type, True, None)
    if wf_type == DIRECT:
        _raw_clauses.check_targets(path, tasks, ())


def _requires_pin(task, required) -> list:
    own = task.to_dict().get("requires")
    if isinstance(own, list) and required in own:
        return [own.index(required)]
    return []


class WorkflowSpec:
    """One workflow.

    Attributes: name, type ('direct'|'reverse'), description, tags, input
    (ordered dict name -> default, ``REQUIRED`` when none), output,
    output_on_error, vars (dicts), task_defaults (TaskDefaultsSpec or None),
    tasks (ordered dict name -> TaskSpec), version.
    Treat a spec as read-only: ``get_workflow_spec`` shares it.
    """

    def __init__(self, data: dict, path, validate: bool):
        self._data = data
        self.name = data["name"]
        self.version = data.get("version", DSL_VERSION)
        self.type = data.get("type", DIRECT)
        if self.type not in WORKFLOW_TYPES:
            raise _checks.invalid(
                "Failed to find a specification class to instantiate "
                "[spec_cls=WorkflowSpec, data=%s]" % data, path,
                cls=exc.DSLParsingError)
        # Whether every part was built (only ever False when collecting).
        self._complete = True
        if validate:
            if not _collect.attempt(_schemas.check, "workflow", data, path):
                _check_tasks_alone(data, path)
                raise _collect.Skipped()
            if not data.get("tasks"):
                raise _checks.invalid(
                    "Workflow doesn't have any tasks [data=%s]" % data, path)
            _checks.expressions(data.get("output", {}),
                                list(path) + ["output"])
            _checks.expressions(data.get("vars", {}), list(path) + ["vars"])

        self.description = data.get("description")
        self.tags = data.get("tags", [])
        self.input = input_dict(data.get("input"))
        self.output = data.get("output") or {}
        self.output_on_error = data.get("output-on-error") or {}
        self.vars = data.get("vars") or {}
        self.task_defaults: Optional[TaskDefaultsSpec] = None
        if data.get("task-defaults") is not None:
            self._complete = False
            with _collect.element():
                self.task_defaults = TaskDefaultsSpec(
                    data["task-defaults"], list(path) + ["task-defaults"],
                    validate)
                self._complete = True

        self.tasks = {}
        tasks_path = list(path) + ["tasks"]
        for task_name, task_data in data["tasks"].items():
            with _collect.element():
                self.tasks[task_name] = _task_spec(
                    task_name, task_data, tasks_path, self.type, validate,
                    self.task_defaults)
        self._complete = self._complete and \
            len(self.tasks) == len(data["tasks"])

        if self.type == DIRECT:
            self._inbound = {name: [] for name in self.tasks}
            for task in self.tasks.values():
                for target in task.next_task_names():
                    if target in self._inbound and \
                            task.name not in self._inbound[target]:
                        self._inbound[target].append(task.name)

        if validate:
            self._validate_semantics(path, set(data["tasks"]))

    # -- semantics ----------------------------------------------------------

    def _validate_semantics(self, path, task_names):
        """``task_names``: every task of the text, including those left
        out because they have problems of their own (when collecting)."""
        if _is_uuid_like(self.name):
            _collect.report(_checks.invalid(
                "Workflow name cannot be in the format of UUID.", path))
        if self.type == DIRECT:
            self._validate_direct(path, task_names)
        else:
            for task in self.tasks.values():
                for required in task.requires:
                    if required not in task_names:
                        where = list(path) + ["tasks", task.name, "requires"]
                        _collect.report(_checks.invalid(
                            "Task '%s' not found." % required, where,
                            pin=where + _requires_pin(task, required)))

    def _validate_direct(self, path, task_names):
        # The graph is only whole when every task was built.
        if self._complete and not self.start_task_names():
            raise _checks.invalid(
                "Failed to find start tasks in direct workflow. There must "
                "be at least one task without inbound transition."
                "[workflow_name=%s]" % self.name, path,
                cls=exc.DSLParsingError)
        for task in self.tasks.values():
            for key, clause in task.clauses():
                for name in clause.task_names():
                    if name not in task_names and \
                            name not in ENGINE_COMMANDS:
                        _collect.report(_checks.invalid(
                            "Task '%s' not found." % name,
                            list(path) + ["tasks", task.name, key],
                            pin=self._target_pin(path, task, key, name)))
        if not self._complete:
            _raw_clauses.check_targets(path, self._data["tasks"],
                                       set(self.tasks))
        if self._complete:
            self._validate_joins(path)

    def _target_pin(self, wf_path, task, key, name) -> list:
        """Where transition target ``name`` of clause ``key`` is written:
        in the task's own clause, else in task-defaults' (where it came
        from)."""
        found = _raw_clauses.find_target(task.to_dict().get(key), name)
        if found is not None:
            return list(wf_path) + ["tasks", task.name, key] + found
        defaults = self._data.get("task-defaults") or {}
        found = _raw_clauses.find_target(defaults.get(key), name) or []
        return list(wf_path) + ["task-defaults", key] + found

    def _validate_joins(self, path):
        """Mistral reports every join problem of a workflow in one message;
        when collecting, each is also located at its task's ``join``."""
        problems = []
        for task in self.tasks.values():
            if not task.join:
                continue
            inbound = len(self._inbound[task.name])
            if task.join == "all":
                if inbound == 0:
                    problems.append((task.name,
                                     "No inbound tasks for task with "
                                     "'join: all' [task_name=%s]"
                                     % task.name))
                continue
            needed = 1 if task.join == "one" else task.join
            if inbound < needed:
                problems.append((task.name,
                                 "Not enough inbound tasks for task with "
                                 "'join' [task_name=%s, join=%s, "
                                 "inbound_tasks=%s]"
                                 % (task.name, needed, inbound)))
        if not problems:
            return
        if not _collect.is_collecting():
            raise _checks.invalid(
                "\n".join(message for _, message in problems), path)
        for task_name, message in problems:
            _collect.report(_checks.invalid(
                message, path,
                pin=list(path) + ["tasks", task_name, "join"]))

    # -- direct workflows ---------------------------------------------------

    def start_task_names(self) -> list:
        """Direct: tasks without inbound transitions. Reverse: none."""
        if self.type != DIRECT:
            return []
        return [n for n, inbound in self._inbound.items() if not inbound]

    def inbound_task_names(self, task_name: str) -> list:
        """Direct: names of tasks with a transition to ``task_name``."""
        return list(self._inbound.get(task_name, []))

    # -- reverse workflows --------------------------------------------------

    def tasks_required_for(self, target: str) -> list:
        """Reverse: ``target`` and everything it needs, dependencies first.

        Raises InputError if ``target`` is not a task of this workflow.
        """
        if target not in self.tasks:
            raise exc.InputError(
                "Task '%s' not found in workflow '%s'." % (target, self.name))
        ordered, seen = [], set()

        def visit(name, stack):
            if name in seen:
                return
            if name in stack:
                raise exc.InvalidModelError(
                    "Cycle in 'requires' of workflow '%s' at task '%s'."
                    % (self.name, name))
            stack.add(name)
            for required in self.tasks[name].requires:
                visit(required, stack)
            stack.discard(name)
            seen.add(name)
            ordered.append(name)

        visit(target, set())
        return ordered

    # -- input ----------------------------------------------------------------

    def complete_input(self, wf_input: dict) -> dict:
        """``wf_input`` with the defaults filled in; raises InputError
        with Mistral's message naming what is missing or unexpected."""
        missing = [str(k) for k, v in self.input.items()
                   if v is REQUIRED and k not in wf_input]
        unexpected = [k for k in wf_input if k not in self.input]
        if missing or unexpected:
            cls = "DirectWorkflowSpec" if self.type == DIRECT \
                else "ReverseWorkflowSpec"
            msg = "Invalid input [name=%s, class=%s" % (self.name, cls)
            if missing:
                msg += ", missing=%s" % missing
            if unexpected:
                msg += ", unexpected=%s" % unexpected
            raise exc.InputError(msg + "]")
        full = dict(wf_input)
        for key, default in self.input.items():
            if key not in full:
                full[key] = default
        return full

    # -- API views ------------------------------------------------------------

    def input_str(self) -> str:
        """The ``input`` field of a workflow resource: ``a, b="1"``.

        Like Mistral, every default is shown as ``name="<Python str()>"``
        (so ``None``, ``True``, ``[1, 2]``, ``{'k': 'v'}``).
        """
        parts = []
        for entry in self._data.get("input") or []:
            if isinstance(entry, dict):
                parts.extend('%s="%s"' % (k, v) for k, v in entry.items())
            else:
                parts.append(entry)
        return ", ".join(parts)

    def interface(self) -> dict:
        """``{"input": <raw input list>, "output": [output names]}``."""
        return {
            "input": list(self._data.get("input") or []),
            "output": list(self._data.get("output") or {}),
        }

    def get_task(self, name: str) -> Optional[TaskSpec]:
        return self.tasks.get(name)

    def to_dict(self) -> dict:
        """The parsed definition, with ``name``/``version`` (and each task's
        ``type``/``name``/``version``) injected as Mistral stores it."""
        return self._data

    def __repr__(self):
        return "WorkflowSpec(%r)" % self.name


class WorkflowListSpec:
    """A file of workflows: ``.version``, ``.workflows`` (list)."""

    def __init__(self, data, validate: bool):
        if validate:
            check_item_list(data)
        self.version = data.get("version")
        self.workflows = []
        for name, wf_data in data.items():
            if name == "version":
                continue
            with _collect.element():
                wf_data["name"] = name
                wf_data["version"] = DSL_VERSION
                self.workflows.append(
                    WorkflowSpec(wf_data, [name], validate))

    def __iter__(self):
        return iter(self.workflows)

    def __len__(self):
        return len(self.workflows)


def check_item_list(data) -> None:
    """A file of workflows or of ad-hoc actions: ``version`` and at least
    one item. When collecting, the items are still checked one by one if
    the file is a mapping."""
    if not _collect.attempt(_schemas.check, "item_list", data, []):
        if not isinstance(data, dict):
            raise _collect.Skipped()
    elif len(data) < 2:
        _collect.report(_checks.invalid(
            "At least one item must be in the list [data=%s]." % data, []))
