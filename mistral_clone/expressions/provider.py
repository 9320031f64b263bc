"""What the expression functions need from the engine at run time.

This layer never touches the database: ``task()``, ``tasks()``,
``execution()``, ``executions()`` and ``global()`` ask a *data provider*
that the engine puts into the evaluation context under the key
``__data_provider`` (see :data:`DATA_PROVIDER_KEY`).  The provider is taken
out of the data before ``$`` / ``_`` are bound, so expressions never see it.

Dict shapes are those real Mistral returns to expressions (timestamps are
strings made with ``datetime.isoformat(' ')``, e.g. ``'2026-01-01 10:00:00'``):

task info (``task()``, ``tasks()``)::

    {'id', 'name', 'spec', 'state', 'state_info', 'result', 'published',
     'type', 'workflow_execution_id', 'created_at', 'updated_at'}

  ``type`` is ``'ACTION'`` or ``'WORKFLOW'``; ``result`` is the task's result
  as the data flow sees it (a list for with-items tasks); ``updated_at`` may
  be None.

execution info (``execution()``)::

    {'id', 'name', 'spec', 'input', 'params', 'created_at', 'updated_at',
     'root_execution_id'}

executions list items (``executions()``): the full workflow execution
record as the REST API would serialize it (``id``, ``name``,
``workflow_name``, ``workflow_id``, ``workflow_namespace``, ``description``,
``spec``, ``input``, ``output``, ``params``, ``context``, ``state``,
``state_info``, ``tags``, ``runtime_context``, ``accepted``, ``scope``,
``project_id``, ``task_execution_id``, ``root_execution_id``,
``created_at``, ``updated_at``).

Errors: whatever a provider raises is reported as an evaluation error of
the expression, except instances of the classes listed in its optional
attribute ``passthrough_errors`` and errors for which its optional method
``passes_through(error)`` answers True (e.g. a DB deadlock or a lost
connection, which the engine retries), which propagate unchanged.
"""

from typing import Any, Optional, Protocol

DATA_PROVIDER_KEY = '__data_provider'


class DataProvider(Protocol):
    """Run-time data for Mistral's expression functions (engine-side)."""

    def task_info(self, task_execution_id: str) -> Optional[dict]:
        """The task execution with this id, or None.

        Used by ``task()`` and ``task(<name of the current task>)``: it
        must be exactly the current task execution, not another run of a
        task with the same name.
        """

    def find_task_info(self, workflow_execution_id: str,
                       name: str) -> Optional[dict]:
        """The latest task execution named ``name`` in that workflow
        execution (the last one created, when a task ran several times
        in a cycle), or None when there is none."""

    def tasks_info(self, workflow_execution_id: Optional[str] = None,
                   recursive: bool = False, state: Optional[str] = None,
                   flat: bool = False) -> list:
        """Task executions, as real Mistral's ``tasks()`` selects them.

        - ``workflow_execution_id``: only tasks of that execution; None
          means tasks of every execution visible to the caller.
        - ``recursive`` (only with an execution id): also the tasks of the
          sub-workflow executions started by its WORKFLOW tasks, at any
          depth, after the tasks of the execution itself.
        - ``state``: only tasks in that state (applies to nested ones too).
        - ``flat``: drop each WORKFLOW task that has a sub-workflow
          execution in the same state as the task itself (ACTION tasks
          always stay), so a tree reads as a flat list of its leaves.
        """

    def execution_info(self, execution_id: str) -> Optional[dict]:
        """The workflow execution with this id (execution info shape),
        or None if it does not exist."""

    def executions_info(self, id: Optional[str] = None,
                        root_execution_id: Optional[str] = None,
                        state: Optional[str] = None,
                        from_time: Optional[str] = None,
                        to_time: Optional[str] = None) -> list:
        """Workflow executions matching every given filter.

        ``id``, ``root_execution_id`` and ``state`` compare for equality;
        ``from_time`` keeps ``created_at >= from_time`` and ``to_time``
        keeps ``created_at < to_time``.
        """

    def global_var(self, execution_id: str, name: str) -> Any:
        """The value of variable ``name`` in the workflow execution's own
        context (where ``publish: global:`` stores it), or None."""
