"""with-items: one action (or sub-workflow) per item, at most
``concurrency`` at a time, the result a list in item order.

Progress lives in the task's ``runtime_context['with_items']`` as counters
(``count``, ``capacity``, ``next``, ``done``, ``errors``, ``cancels``), so an
item's completion costs O(1) work; the result list is read once, at the end.
The items that ``concurrency`` holds back wait in ``with_items_values``, one
row per item, read when their turn comes: the runtime context, rewritten on
every completion, stays small.
"""

import copy

import sqlalchemy as sa

from mistral_clone import exceptions as exc
from mistral_clone.db import models
from mistral_clone.engine import dataflow
from mistral_clone.engine import states

KEY = "with_items"
VALUES_KEY = "with_items_values"


def evaluate_values(task_spec, view) -> dict:
    values = {}
    length = None
    for var, source in task_spec.with_items:
        items = source if isinstance(source, list) else \
            dataflow.evaluate(source, view)
        if isinstance(items, dict) or isinstance(items, str) or \
                not hasattr(items, "__iter__"):
            raise exc.InputError(
                "Wrong input format for: %s. Iterable type is expected for "
                "each value." % values)
        items = list(items)
        if length is None:
            length = len(items)
        elif len(items) != length:
            raise exc.InputError(
                "Wrong input format for: %s. All arrays must have the same "
                "length." % dict(values, **{var: items}))
        values[var] = items
    return values


def _concurrency(task_spec, view) -> int:
    raw = task_spec.policies.concurrency
    value = dataflow.evaluate(raw, view) if isinstance(raw, str) else raw
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        raise exc.InputError(
            "Invalid concurrency value [task=%s, concurrency=%s]"
            % (task_spec.name, value))


def start(step, wf_ex, wf_spec, task_ex, task_spec) -> None:
    from mistral_clone.engine import tasks as task_handler
    view = task_handler.task_view(step, wf_ex, task_ex)
    values = evaluate_values(task_spec, view)
    count = len(next(iter(values.values()))) if values else 0
    concurrency = _concurrency(task_spec, view)
    # Other keys (the policies' state) stay.
    runtime_context = dict(task_ex.runtime_context or {})
    runtime_context.update({
        KEY: {"count": count, "capacity": concurrency, "next": 0,
              "done": 0, "errors": 0, "cancels": 0},
        "concurrency": concurrency,
    })
    runtime_context.pop(VALUES_KEY, None)
    task_ex.runtime_context = runtime_context
    if count == 0:
        task_handler.complete(step, wf_ex, wf_spec, task_ex, states.SUCCESS,
                              None, [])
        return
    batch = count if not concurrency else min(concurrency, count)
    _store_values(step, task_ex, values, batch, count)
    _schedule(step, wf_ex, task_ex, task_spec, values, range(batch))


def _store_values(step, task_ex, values, first: int, count: int) -> None:
    """Keep the items from ``first`` on (held back by concurrency) in their
    own rows, replacing those of an earlier run of the task."""
    model = models.WithItemsValue
    step.session.execute(sa.delete(model).where(
        model.task_execution_id == task_ex.id))
    if first >= count:
        return
    step.session.execute(sa.insert(model), [
        {"task_execution_id": task_ex.id, "item_index": i,
         "value": {var: items[i] for var, items in values.items()}}
        for i in range(first, count)])


def _load_values(step, task_ex, indexes) -> dict:
    """``{variable: {index: value}}`` of the stored items ``indexes``."""
    model = models.WithItemsValue
    rows = step.session.execute(
        sa.select(model.item_index, model.value).where(
            model.task_execution_id == task_ex.id,
            model.item_index.in_(list(indexes)))).all()
    values = {}
    for index, value in rows:
        for var, item in (value or {}).items():
            values.setdefault(var, {})[index] = item
    return values


def _schedule(step, wf_ex, task_ex, task_spec, values, indexes) -> None:
    from mistral_clone.engine import tasks as task_handler
    runtime_context = copy.deepcopy(task_ex.runtime_context)
    progress = runtime_context[KEY]
    # Every input first: a failing expression must start no item at all.
    prepared = []
    for i in indexes:
        ctx = dict(task_ex.in_context or {})
        for var, items in values.items():
            ctx[var] = items[i]
        view = task_handler.task_view(step, wf_ex, task_ex, ctx)
        prepared.append((i, view, task_handler.evaluate_input(task_spec,
                                                              view)))
    for i, view, task_input in prepared:
        task_handler.schedule_one(step, wf_ex, task_ex, task_spec, view, i,
                                  task_input)
        progress["next"] = max(progress["next"], i + 1)
        if runtime_context.get("concurrency"):
            progress["capacity"] = max(progress["capacity"] - 1, 0)
    task_ex.runtime_context = runtime_context


def on_item_done(step, wf_ex, wf_spec, task_ex, task_spec, state) -> None:
    from mistral_clone.engine import tasks as task_handler
    runtime_context = copy.deepcopy(task_ex.runtime_context)
    progress = runtime_context[KEY]
    progress["done"] += 1
    if state == states.ERROR:
        progress["errors"] += 1
    elif state == states.CANCELLED:
        progress["cancels"] += 1
    if runtime_context.get("concurrency"):
        progress["capacity"] += 1
    task_ex.runtime_context = runtime_context
    if progress["cancels"] or progress["done"] >= progress["count"]:
        _finish(step, wf_ex, wf_spec, task_ex, task_spec, progress)
        return
    if progress["next"] < progress["count"] and \
            runtime_context.get("concurrency"):
        # (A task started by an earlier version keeps its list in the
        # runtime context.)
        values = runtime_context.get(VALUES_KEY) or \
            _load_values(step, task_ex, [progress["next"]])
        try:
            _schedule(step, wf_ex, task_ex, task_spec, values,
                      [progress["next"]])
        except task_handler.SubworkflowStartError as e:
            task_handler.complete(step, wf_ex, wf_spec, task_ex,
                                  states.ERROR, str(e), results(step,
                                                                task_ex))
        except exc.MistralError as e:
            task_handler.fail_on_start(step, wf_ex, wf_spec, task_ex, e)


def _finish(step, wf_ex, wf_spec, task_ex, task_spec, progress) -> None:
    from mistral_clone.engine import tasks as task_handler
    if progress["cancels"]:
        state, info = states.CANCELLED, "One or more actions was cancelled."
    elif progress["errors"]:
        state, info = states.ERROR, "One or more actions had failed."
    else:
        state, info = states.SUCCESS, None
    runtime_context = dict(task_ex.runtime_context)
    runtime_context.pop(VALUES_KEY, None)
    task_ex.runtime_context = runtime_context
    model = models.WithItemsValue
    step.session.execute(sa.delete(model).where(
        model.task_execution_id == task_ex.id))
    task_handler.complete(step, wf_ex, wf_spec, task_ex, state, info,
                          results(step, task_ex))


def results(step, task_ex) -> list:
    """The results of the accepted items, in item order."""
    if task_ex.type == "WORKFLOW":
        model = models.WorkflowExecution
        rows = step.session.execute(
            sa.select(model).where(model.task_execution_id == task_ex.id,
                                   model.accepted.is_(True))
        ).scalars().all()
        rows = sorted(rows, key=lambda r: (r.runtime_context or {}).get(
            "index", 0))
        return [r.output for r in rows]
    model = models.ActionExecution
    rows = step.session.execute(
        sa.select(model.output).where(model.task_execution_id == task_ex.id,
                                      model.accepted.is_(True))
        .order_by(model.index, model.created_at)).scalars().all()
    return [(o or {}).get("result") for o in rows]


def restart_failed(step, wf_ex, wf_spec, task_ex, task_spec) -> None:
    """Rerun without reset: run again only the items that failed."""
    from mistral_clone.engine import tasks as task_handler
    model = models.ActionExecution
    failed = sorted(set(step.session.execute(
        sa.select(model.index).where(model.task_execution_id == task_ex.id,
                                     model.state == states.ERROR,
                                     model.accepted.is_(False))
    ).scalars()))
    view = task_handler.task_view(step, wf_ex, task_ex)
    values = evaluate_values(task_spec, view)
    runtime_context = copy.deepcopy(task_ex.runtime_context or {})
    progress = runtime_context.setdefault(KEY, {
        "count": len(next(iter(values.values()))) if values else 0,
        "capacity": 0, "next": 0, "done": 0, "errors": 0, "cancels": 0})
    progress["done"] = max(progress["done"] - len(failed), 0)
    progress["errors"] = 0
    task_ex.runtime_context = runtime_context
    _schedule(step, wf_ex, task_ex, task_spec, values, failed)
