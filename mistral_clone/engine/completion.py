"""When and how a workflow ends, as decisions (Mistral's
``check_and_complete``), and the messages it ends with."""

import dataclasses
from typing import Optional

from mistral_clone.engine import commands
from mistral_clone.engine import states


@dataclasses.dataclass
class CompletionFacts:
    """What the end of a workflow depends on."""

    incomplete: int            # tasks not finished (WAITING ... PAUSED)
    cancelled_names: list      # names of CANCELLED tasks, sorted
    unhandled_errors: int      # ERROR tasks whose error is not handled


def decide(facts: CompletionFacts) -> Optional[str]:
    """The state the workflow ends in now, or None (tasks left)."""
    if facts.incomplete:
        return None
    if facts.cancelled_names:
        return states.CANCELLED
    if not facts.unhandled_errors:
        return states.SUCCESS
    return states.ERROR


def completion_commands(facts: CompletionFacts) -> list:
    """Mistral's ``check_and_complete`` as commands: nothing while tasks
    are left; else the end, with its message."""
    state = decide(facts)
    if state is None:
        return []
    if state == states.CANCELLED:
        return [commands.FinishWorkflow(state,
                                        cancel_info(facts.cancelled_names))]
    if state == states.ERROR:
        return [commands.FinishWorkflow(state, commands.FAILURE_SUMMARY)]
    return [commands.FinishWorkflow(state)]


def cancel_info(cancelled_names: list) -> str:
    return "Cancelled tasks: %s" % ", ".join(cancelled_names)


@dataclasses.dataclass
class FailedTask:
    """A failed task for the failure message, with its failed children
    (``(child id, position among the task's children, result)``)."""

    name: str
    id: str
    state_info: Optional[str]
    failed_actions: list = dataclasses.field(default_factory=list)
    failed_workflows: list = dataclasses.field(default_factory=list)


def failed_task(task_ex, children, is_workflow: bool) -> FailedTask:
    """A ``FailedTask`` from a task execution and its children (each with
    ``id``, ``state`` and ``output``, oldest first)."""
    failed = FailedTask(task_ex.name, task_ex.id, task_ex.state_info)
    listed = [(c.id, i, (c.output or {}).get("result", "Unknown")
               if isinstance(c.output, dict) else "Unknown")
              for i, c in enumerate(children) if c.state == states.ERROR]
    if is_workflow:
        failed.failed_workflows = listed
    else:
        failed.failed_actions = listed
    return failed


def fail_info(failed: list) -> str:
    """Mistral's "Failure caused by error in tasks: ..." message."""
    msg = "Failure caused by error in tasks: %s\n" % ", ".join(
        t.name for t in failed)
    for t in failed:
        msg += "\n  %s [task_ex_id=%s] -> %s\n" % (t.name, t.id,
                                                   t.state_info)
        for child_id, idx, result in t.failed_actions:
            msg += "    [action_ex_id=%s, idx=%s]: %s\n" % (child_id, idx,
                                                           result)
        for child_id, idx, result in t.failed_workflows:
            msg += "    [wf_ex_id=%s, idx=%s]: %s\n" % (child_id, idx,
                                                       result)
    return msg


def bad_transition(wf_ex, state) -> str:
    """Mistral's refusal of a workflow state change."""
    return ("Can't change workflow execution state from %s to %s. "
            "[workflow=%s, execution_id=%s]"
            % (wf_ex.state, state, wf_ex.workflow_name, wf_ex.id))


def check_failure(wf_ex_id: str, wf_name: str, error) -> str:
    return "Failed to check and complete [wf_ex_id=%s, wf_name=%s]: %s" % (
        wf_ex_id, wf_name, error)


def output_on_error_failure(output_on_error, error, cause) -> str:
    return ("Failed to evaluate expression in output-on-error! "
            "(output-on-error: '%s', exception: '%s' Cause: '%s'"
            % (output_on_error, error, cause))


def _quoted(value) -> str:
    return "'%s'" % value if isinstance(value, str) else str(value)


def _cut_text(text: str, length: int, closing: str) -> str:
    if 0 <= length <= len(text) and text[length - 1:length] != closing:
        return text[:length - 3] + "..."
    return text


def cut(data, length: int):
    """Mistral's text of a value cut to about ``length`` characters: a
    dict or list is written as Python shows it (strings in quotes), any
    other value as ``str``; an empty value stays as it is."""
    if not data:
        return data
    if isinstance(data, dict):
        parts = ["%s: %s" % (_quoted(k), _quoted(v)) for k, v in data.items()]
        return _cut_text("{%s}" % ", ".join(parts), length, "}")
    if isinstance(data, list):
        return _cut_text("[%s]" % ", ".join(_quoted(v) for v in data),
                         length, "]")
    text = str(data)
    return "%s..." % text[:length] if 0 <= length < len(text) else text


def output_message(msg, output_on_error, limit_kb: int):
    """The ``result`` of a failed or cancelled workflow's output: its
    message cut so that, with ``output-on-error``, it fits the field size
    limit (``[engine] execution_field_size_limit_kb``)."""
    if limit_kb is None or limit_kb < 0:
        limit = -1
    else:
        limit = limit_kb * 1024
    taken = len(str(output_on_error).encode("utf-8"))
    if limit >= 0 and taken < limit:
        return cut(msg, limit - taken)
    return cut(msg, limit)
