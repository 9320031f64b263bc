"""The action contract: Action, ActionResult, ActionContext.

These three types are all that an action implementation (a std action or a
plugin) and the executor share. They mirror the concepts of mistral-lib
(``Action``, ``Result``, ``ActionContext``) so that action authors find the
same shape, but are this project's own code.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional

from mistral_clone import exceptions as exc
from mistral_clone.actions import signature


@dataclasses.dataclass
class ActionResult:
    """What an action produced: data on success, error on failure.

    An action may return one explicitly to fail *with a value* (std.fail
    with ``error_data``, std.http with a 4xx/5xx response): that value is
    what ``on-error`` handlers and ``task().result`` see.

    ``sync`` is set by ``run_action``: False when the action is asynchronous
    (std.async_noop, std.mistral_http), so its ``data`` is not its result:
    that arrives later through the API. An error result counts either way.
    """

    data: Any = None
    error: Any = None
    cancel: bool = False
    sync: bool = dataclasses.field(default=True, compare=False)

    def is_cancel(self) -> bool:
        return bool(self.cancel)

    def is_error(self) -> bool:
        return self.error is not None and not self.is_cancel()

    def is_success(self) -> bool:
        return not self.is_error() and not self.is_cancel()

    def to_dict(self) -> dict:
        """The ``{"result": ...}`` form stored as an action execution's output."""
        return {'result': self.data if self.is_success() else self.error}


@dataclasses.dataclass
class ActionContext:
    """Where an action runs: the execution it belongs to and who asked.

    ``security`` carries the caller's auth data (``auth_token``,
    ``project_id``, ``user_name``, ...) as a plain mapping; it is empty when
    auth is off. ``execution`` returns the context itself so that code
    written against mistral-lib (``context.execution.workflow_name``) works.
    """

    workflow_execution_id: Optional[str] = None
    task_execution_id: Optional[str] = None
    action_execution_id: Optional[str] = None
    workflow_name: Optional[str] = None
    callback_url: Optional[str] = None
    with_items_index: int = 0
    task_rerun_no: int = 0
    workflow_propagated_headers: Optional[Mapping[str, str]] = None
    security: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def execution(self) -> 'ActionContext':
        return self


class Action:
    """Base of every action.

    A concrete action takes its input as keyword arguments of ``__init__``
    (the parameter list *is* the action's signature: names without a default
    are required), does its work in ``run(ctx)`` and returns any
    JSON-serializable value or an :class:`ActionResult`. It fails by raising
    (``ActionError`` preferably) or by returning ``ActionResult(error=...)``.

    Constructing an action with a missing or unknown argument raises
    :class:`~mistral_clone.exceptions.InvalidActionError` with the message
    real Mistral gives (``Invalid input [name=..., class=..., missing=[...]]``).
    """

    #: Name the action is registered under; set by the registry.
    action_name: Optional[str] = None
    #: Class path shown in messages; defaults to the Python path of the class.
    class_path: Optional[str] = None

    def __new__(cls, *args: Any, **kwargs: Any) -> 'Action':
        if args:
            raise exc.InvalidActionError(
                'Action input must be given by keyword [name=%s]'
                % cls.display_name()
            )
        signature.check_input(cls, kwargs)
        return super().__new__(cls)

    @classmethod
    def display_name(cls) -> str:
        return signature.display_name(cls)

    @classmethod
    def display_class(cls) -> str:
        return signature.display_class(cls)

    def run(self, ctx: ActionContext) -> Any:
        raise NotImplementedError(
            'Action %s does not implement run()' % self.display_name()
        )

    def is_sync(self) -> bool:
        """False when the result is delivered later through the API."""
        return True

    def test(self, ctx: ActionContext) -> Any:
        """A dry-run result, for workflows run in test mode."""
        return None

    def __repr__(self) -> str:
        return '<%s object at %#x>' % (self.display_class(), id(self))

    def __reduce__(self):
        # Copy and pickle without re-running the input check in __new__; a
        # registered action is found again by name (its class is made at
        # registration and cannot be imported by path).
        if self.action_name:
            return _restore, (self.action_name, None, dict(vars(self)))
        return _restore, (None, type(self), dict(vars(self)))


def _restore(action_name: Optional[str], action_cls: Optional[type],
             state: dict) -> Action:
    if action_cls is None:
        from mistral_clone.actions import registry
        action_cls = registry.get_action_class(action_name)
    action = object.__new__(action_cls)
    action.__dict__.update(state)
    return action
