"""The Mistral v2 DSL: parse YAML, validate it as Mistral 23 does, build specs.

Public API (the API and the engine code against exactly this):

Parsing (``validate=False`` skips the checks, for texts already validated):

* ``parse_workflows(text, validate=True) -> WorkflowListSpec``
  (``.version``, ``.workflows: list[WorkflowSpec]``).
* ``parse_workbook(text, validate=True) -> WorkbookSpec``
  (``.name, .description, .tags, .version, .workflows, .actions``; the
  workflow and action names are bare: the API qualifies them as
  ``<workbook>.<name>``).
* ``parse_actions(text, validate=True) -> list[ActionSpec]``.
* ``get_workflow_spec(definition) -> WorkflowSpec``: the spec of one stored
  workflow definition, cached by the sha256 of the text (engine hot path).
* ``parse_action(definition) -> ActionSpec``: one stored ad-hoc action.
* ``clear_cache()``.

What to store as each item's ``definition`` (as Mistral does):

* ``cut_workflow_definition(text, name)``: for ``POST /v2/workflows``.
* ``workbook_workflow_definition(wb_text, name)`` and
  ``workbook_action_definition(wb_text, name)``: for workbooks.
* ad-hoc actions created through ``/v2/actions`` store the whole text.

Specs (read-only once built):

* ``WorkflowSpec``: ``name, type ('direct'|'reverse'), description, tags,
  input (ordered name -> default or REQUIRED), output, output_on_error,
  vars, task_defaults, tasks (ordered name -> TaskSpec), to_dict(),
  input_str(), interface(), start_task_names(), inbound_task_names(name)``
  (direct) and ``tasks_required_for(target)`` (reverse).
* ``TaskSpec``: see ``mistral_clone.lang.tasks`` (which values come from
  task-defaults is listed there).
* ``OnClauseSpec(.next: list[TransitionSpec], .publish: PublishSpec|None)``,
  ``TransitionSpec(target_name, condition, params)``,
  ``PublishSpec(branch, global_, atomic)``.
* ``PoliciesSpec`` / ``RetrySpec``: raw values (numbers or expressions).
* ``ActionSpec``: ``name, description, tags, base, base_input, input,
  output, input_str()``.
* Constants: ``REQUIRED``, ``NOOP, FAIL, SUCCEED, PAUSE, ENGINE_COMMANDS``,
  ``DIRECT, REVERSE``, task states ``SUCCESS, ERROR, SKIPPED`` for
  ``TaskSpec.get_publish``.

Errors: ``DSLParsingError`` (YAML errors name line and column),
``InvalidModelError``, ``YaqlGrammarError``, ``JinjaGrammarError``, all from
``mistral_clone.exceptions``. The message starts as Mistral's ``faultstring``
(the schema dump Mistral appends is left out) and then says where: ``On
wf.tasks.t1.wait-before:`` and the offending value; ``exc.spec_path`` holds
the same path.

Located problems (``mistral_clone.lang.inspection``):

* ``inspect(text, kind) -> Inspection`` (kind ``workflows``, ``workbooks``
  or ``actions``): ``.errors`` (every problem, not only the first) and
  ``.warnings`` as ``Problem(path, line, column, message)``, and the
  action/workflow names the text refers to (``.references``).
* ``parse_located(kind, text)``: ``parse_*(text, validate=True)`` whose
  DSL error also carries ``located_errors`` (list of ``Problem``).

Expression syntax is checked with ``mistral_clone.expressions.validate``.
"""

from mistral_clone.lang.actions import ActionSpec
from mistral_clone.lang.inspection import Inspection
from mistral_clone.lang.inspection import Problem
from mistral_clone.lang.inspection import inspect
from mistral_clone.lang.inspection import parse_located
from mistral_clone.lang.parser import clear_cache
from mistral_clone.lang.parser import cut_workflow_definition
from mistral_clone.lang.parser import get_workflow_spec
from mistral_clone.lang.parser import parse_action
from mistral_clone.lang.parser import parse_actions
from mistral_clone.lang.parser import parse_workbook
from mistral_clone.lang.parser import parse_workflows
from mistral_clone.lang.parser import workbook_action_definition
from mistral_clone.lang.parser import workbook_workflow_definition
from mistral_clone.lang.policies import PoliciesSpec
from mistral_clone.lang.policies import RetrySpec
from mistral_clone.lang.tasks import ERROR
from mistral_clone.lang.tasks import SKIPPED
from mistral_clone.lang.tasks import SUCCESS
from mistral_clone.lang.tasks import TaskDefaultsSpec
from mistral_clone.lang.tasks import TaskSpec
from mistral_clone.lang.transitions import ENGINE_COMMANDS
from mistral_clone.lang.transitions import FAIL
from mistral_clone.lang.transitions import NOOP
from mistral_clone.lang.transitions import OnClauseSpec
from mistral_clone.lang.transitions import PAUSE
from mistral_clone.lang.transitions import PublishSpec
from mistral_clone.lang.transitions import SUCCEED
from mistral_clone.lang.transitions import TransitionSpec
from mistral_clone.lang.workbooks import WorkbookSpec
from mistral_clone.lang.workflows import DIRECT
from mistral_clone.lang.workflows import REQUIRED
from mistral_clone.lang.workflows import REVERSE
from mistral_clone.lang.workflows import WorkflowListSpec
from mistral_clone.lang.workflows import WorkflowSpec

__all__ = [
    "ActionSpec", "DIRECT", "ENGINE_COMMANDS", "ERROR", "FAIL",
    "Inspection", "NOOP", "OnClauseSpec", "PAUSE", "PoliciesSpec",
    "Problem", "PublishSpec", "REQUIRED", "REVERSE", "RetrySpec",
    "SKIPPED", "SUCCEED", "SUCCESS", "TaskDefaultsSpec", "TaskSpec",
    "TransitionSpec", "WorkbookSpec", "WorkflowListSpec", "WorkflowSpec",
    "clear_cache", "cut_workflow_definition", "get_workflow_spec",
    "inspect", "parse_action", "parse_actions", "parse_located",
    "parse_workbook", "parse_workflows", "workbook_action_definition",
    "workbook_workflow_definition",
]
