"""A sub-workflow's end, on its way to its parent.

The end of a child is absorbed by its parent like an action's result: it
joins the parent execution's queue of results (``rpc.results``) and is
handled in the parent's next batch, with the other children and actions
that ended meanwhile, under one lock of the parent and with one look at
whether the parent is done. Twenty children ending together cost one step
of the parent, not twenty steps queued on its lock.

The child ends in an engine step, so an engine runs in this process: the
report goes straight to its queue, with no message. A report without a
local engine (recovery run elsewhere) travels as a cast and joins the
queue of the engine that receives it. One lost on the way (a crash after
the child's commit) is sent again by recovery (``engine.recovery``).
"""

from typing import NamedTuple, Optional

from mistral_clone.rpc import clients
from mistral_clone.rpc import results as rpc_results


class ChildEnded(NamedTuple):
    """A queue item (beside the executors' ``(ctx, action_ex_id,
    result)``): sub-workflow execution ``child_id`` ended."""

    ctx: object
    child_id: str


def deliver(ctx, child_id: str, parent_id: Optional[str]) -> None:
    """Report the end of ``child_id`` to its parent execution
    ``parent_id`` (None when it is not known: the receiver looks it
    up)."""
    queue = rpc_results.local_engine_queue()
    if queue is not None and parent_id:
        queue.submit_async(parent_id, ChildEnded(ctx, child_id))
        return
    clients.get_engine_client().report_subworkflow_result(
        ctx, child_id, parent_wf_ex_id=parent_id)
