"""Python actions: the std.* set, plugins, and how the executor runs them.

The contract the executor relies on
-----------------------------------
``run_action(name, input, ctx) -> ActionResult`` is the single entry point.
It finds the class, checks the input, constructs the action, runs it and
never raises: every failure is an ``ActionResult`` whose ``error`` is the
message for the user. ``result.sync`` is False for asynchronous actions
(std.async_noop, std.mistral_http): then a successful result is not final,
the real one arrives later through ``PUT /v2/action_executions/<id>``; an
error result is final either way.

Pieces, for callers that need them separately:

* ``Action`` -- base class. Its input is the keyword arguments of
  ``__init__``; a missing or unknown argument raises
  ``InvalidActionError('Invalid input [name=..., class=..., missing=[...],
  unexpected=[...]]')`` at construction. ``run(ctx)`` returns any
  JSON-serializable value or an ``ActionResult``; it fails by raising
  (``ActionError`` or any exception) or by returning
  ``ActionResult(error=...)``. ``is_sync()`` and ``test(ctx)`` as in Mistral.
* ``ActionResult(data=None, error=None, cancel=False)`` with
  ``is_error()``, ``is_success()``, ``is_cancel()``, ``to_dict()``.
* ``ActionContext`` -- workflow_execution_id, task_execution_id,
  action_execution_id, workflow_name, callback_url, with_items_index,
  task_rerun_no, workflow_propagated_headers, security (a mapping).
* ``SYSTEM_ACTIONS`` / ``list_actions()`` / ``find_action(name)`` --
  ``ActionDescriptor`` (name, input_str, description, tags, action_class,
  is_system, scope; ``as_resource()`` is the ``GET /v2/actions`` shape).
* ``get_action_class(name)``, ``get_action_signature(name) -> (required,
  defaults)``, ``instantiate_action(name, input)``.
* Options: ``mistral_clone.actions.opts.list_opts()`` / ``register_opts``.

Plugins: a package declares ``[options.entry_points] mistral_clone.actions =
my.action = my_pkg.module:MyAction``; the class follows the ``Action``
contract (subclassing ``Action`` is recommended, not required).
"""

import importlib
from typing import Any

# The names are loaded on first use (PEP 562), so importing a light
# submodule such as ``mistral_clone.actions.opts`` (as config does) does
# not load the catalogue and every std action's module.
_EXPORTS = {
    'Action': 'base',
    'ActionContext': 'base',
    'ActionResult': 'base',
    'SYSTEM_ACTIONS': 'registry',
    'ActionDescriptor': 'registry',
    'find_action': 'registry',
    'get_action_class': 'registry',
    'get_action_signature': 'registry',
    'list_actions': 'registry',
    'instantiate_action': 'runner',
    'run_action': 'runner',
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(
            'module %r has no attribute %r' % (__name__, name))
    value = getattr(importlib.import_module('%s.%s' % (__name__, module)),
                    name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
