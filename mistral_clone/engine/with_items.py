"""with-items as decisions: one action (or sub-workflow) per item, at most
``concurrency`` at a time, the result a list in item order.

What Mistral shows stays where Mistral keeps it: the task's
``runtime_context['with_items']`` holds ``capacity`` (free slots, None
without concurrency) and ``count``. Our own progress counters (``next``
item to start, ``done``, ``errors``, ``cancels``) live in the task's
``progress`` column, so that an item's completion costs O(1) work; the
result list is read once, at the end. The items that ``concurrency`` holds
back wait in ``with_items_values`` rows, read when their turn comes.
"""

import dataclasses
from typing import Optional

from mistral_clone import exceptions as exc
from mistral_clone.engine import commands
from mistral_clone.engine import dataflow
from mistral_clone.engine import states

KEY = "with_items"
CAPACITY = "capacity"
COUNT = "count"
CONCURRENCY_KEY = "concurrency"

CANCELLED_INFO = "One or more actions was cancelled."
ERROR_INFO = "One or more actions had failed."


def evaluate_values(task_spec, evaluate) -> dict:
    """``{variable: [items]}`` of the task's with-items; raises InputError
    (Mistral's messages) when one is not a list or the lengths differ."""
    values = {}
    length = None
    for var, source in task_spec.with_items:
        items = source if isinstance(source, list) else evaluate(source)
        if isinstance(items, (dict, str)) or \
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


def count_of(values: dict) -> int:
    return len(next(iter(values.values()))) if values else 0


def item_context(in_context: Optional[dict], values: dict,
                 index: int) -> dict:
    """The context an item's input is evaluated in: the item's variables
    merged with the task's inbound context, the inbound context winning on
    a clash (Mistral merges them that way round)."""
    ctx = {var: items[index] for var, items in values.items()}
    return dataflow.merge_dicts(ctx, dict(in_context or {}))


@dataclasses.dataclass
class Progress:
    """Counters of a with-items run (the task's ``progress`` column)."""

    count: int
    next: int = 0
    done: int = 0
    errors: int = 0
    cancels: int = 0

    @classmethod
    def load(cls, data: Optional[dict]) -> "Optional[Progress]":
        if not data or "count" not in data:
            return None
        return cls(**{f.name: data.get(f.name, 0)
                      for f in dataclasses.fields(cls)})

    def dump(self) -> dict:
        return dataclasses.asdict(self)


def concurrency_of(runtime_context: Optional[dict]) -> int:
    return int((runtime_context or {}).get(CONCURRENCY_KEY) or 0)


def start(count: int, runtime_context: Optional[dict]):
    """(runtime context, progress, first indexes) of a new with-items run:
    as many items as the concurrency allows (all without one)."""
    concurrency = concurrency_of(runtime_context)
    runtime = dict(runtime_context or {})
    runtime[KEY] = {CAPACITY: concurrency or None, COUNT: count}
    batch = min(concurrency, count) if concurrency else count
    return runtime, Progress(count), list(range(batch))


def started(runtime_context: dict, progress: Progress, indexes) -> dict:
    """The runtime context once ``indexes`` were started (capacity
    taken)."""
    runtime = dict(runtime_context)
    state = dict(runtime.get(KEY) or {})
    for i in indexes:
        progress.next = max(progress.next, i + 1)
        if state.get(CAPACITY) is not None:
            state[CAPACITY] = max(state[CAPACITY] - 1, 0)
    runtime[KEY] = state
    return runtime


@dataclasses.dataclass
class ItemOutcome:
    runtime_context: dict
    finished: Optional[str] = None      # the task's final state, if done
    info: Optional[str] = None
    next_index: Optional[int] = None    # the item to start now, if any


def item_done(runtime_context: dict, progress: Progress,
              state: str) -> ItemOutcome:
    """One item ended in ``state``: the capacity it frees, whether the
    task is finished (a cancelled item ends it at once), and which held
    back item starts now."""
    progress.done += 1
    if state == states.ERROR:
        progress.errors += 1
    elif state == states.CANCELLED:
        progress.cancels += 1
    runtime = dict(runtime_context)
    wi_state = dict(runtime.get(KEY) or {})
    concurrency = concurrency_of(runtime)
    if concurrency and wi_state.get(CAPACITY) is not None and \
            wi_state[CAPACITY] < concurrency:
        wi_state[CAPACITY] += 1
    runtime[KEY] = wi_state
    if progress.cancels or progress.done >= progress.count:
        if progress.cancels:
            finished, info = states.CANCELLED, CANCELLED_INFO
        elif progress.errors:
            finished, info = states.ERROR, ERROR_INFO
        else:
            finished, info = states.SUCCESS, None
        return ItemOutcome(runtime, finished, info)
    next_index = None
    if concurrency and progress.next < progress.count:
        # Claimed now: another item ending in the same step takes the
        # one after.
        next_index = progress.next
        progress.next += 1
    return ItemOutcome(runtime, next_index=next_index)


def item_commands(task_ex, outcome: ItemOutcome, origin) -> list:
    """What an item's end asks for: the task completes with every item's
    result, or the next held-back item starts."""
    if outcome.finished:
        return [commands.CompleteTask(task_ex, outcome.finished, outcome.info,
                                      commands.ACCEPTED_RESULTS,
                                      origin=origin)]
    if outcome.next_index is not None:
        return [commands.RunWork(task_ex, [outcome.next_index])]
    return []


def restart(progress: Optional[Progress], count: int,
            failed: list) -> Progress:
    """Progress of a rerun without reset: the failed items run again."""
    progress = progress or Progress(count, next=count, done=count)
    progress.done = max(progress.done - len(failed), 0)
    progress.errors = 0
    progress.cancels = 0
    return progress
