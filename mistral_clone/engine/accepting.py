"""Starting an execution in two transactions: the API accepts it, an engine
starts it.

``accept`` runs in the API process, in the request's thread: in one
transaction it checks the request as the engine would (the definition,
the input, the environment, the size limits, a reverse workflow's
target), evaluates the workflow's ``vars``, writes the execution RUNNING
-- the answer Mistral gives, its first tasks not run yet -- and a
``WorkflowStart`` row, then, after the commit, sends the engines a hint
(a cast: nobody waits for it). So a POST costs one short transaction and
no round trip to an engine.

``start_accepted`` runs in an engine (the hint, or ``Sweeper`` for hints
lost with a broker or sent while no engine ran): it locks the execution,
and when its ``WorkflowStart`` row is still there deletes it and runs the
first tasks in the same transaction. The lock and the deletion make two
engines (the hint and a sweep, or two sweeps) start it once. What fails
from then on fails the execution (ERROR), as in Mistral, whose API also
answers before the first tasks run.
"""

import datetime
import logging

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from mistral_clone import context as mc_context
from mistral_clone import exceptions as exc
from mistral_clone.config import CONF
from mistral_clone.db import models
from mistral_clone.db import retry
from mistral_clone.db import session as db_session
from mistral_clone.engine import conductor as conductor_mod
from mistral_clone.engine import heartbeats
from mistral_clone.engine import queries
from mistral_clone.engine import start_hints
from mistral_clone.engine import start_lane
from mistral_clone.engine import states
from mistral_clone.engine import step as step_mod
from mistral_clone.engine import store as store_mod
from mistral_clone.rpc import clients
from mistral_clone.rpc import transport

LOG = logging.getLogger(__name__)

Start = models.WorkflowStart

# Most accepted executions one sweep starts before it looks again.
SWEEP_BATCH = 100
# Most accepted executions of one caller started in one engine step: a
# commit and a few statements for all of them, yet a short transaction.
START_BATCH = 20


def execution_dict(session, wf_ex) -> dict:
    session.flush()
    return store_mod.row_dict(wf_ex)


def callers_execution(session, ctx, wf_ex_id):
    """The execution ``wf_ex_id`` when it is the caller's (a start by id is
    idempotent), None when there is none; an id that another project's
    execution holds is refused as real Mistral refuses it (400), without
    telling anything of that execution."""
    wf_ex = queries.workflow(session, wf_ex_id)
    if wf_ex is None:
        return None
    if wf_ex.project_id != ctx.project_id:
        raise exc.InputError(
            "Execution id %s cannot be used: it is taken." % wf_ex_id)
    return wf_ex


def as_accepted(values: dict) -> dict:
    """A new execution as Mistral 23 answers its start: as it was created,
    RUNNING. Mistral runs the first tasks after answering, so a workflow
    that fails, pauses or ends within this step is still RUNNING in the
    answer (its real state is there at the next read)."""
    if values["state"] == states.RUNNING:
        return values
    return dict(values, state=states.RUNNING, state_info=None, output={})


# -- the API's half -----------------------------------------------------------

def accept(ctx, definition, wf_ex_id: str, wf_input: dict,
           description: str, params: dict) -> dict:
    """The execution ``wf_ex_id`` of the workflow definition that
    ``definition(session)`` reads (a row with its definition loaded, or an
    error to answer: read in the transaction that writes the execution)
    written RUNNING, its start left to an engine; the one of that id when
    it exists (idempotent, also when a concurrent request with the same id
    commits first)."""
    try:
        return step_mod.call(ctx, _accept, ctx, definition, wf_ex_id,
                             wf_input, description, params)
    except sa_exc.IntegrityError:
        existing = retry.call(_existing, ctx, wf_ex_id)
        if existing is None:
            raise
        return existing


def _existing(ctx, wf_ex_id):
    with db_session.read_only() as session:
        wf_ex = callers_execution(session, ctx, wf_ex_id)
        return None if wf_ex is None else execution_dict(session, wf_ex)


def _accept(ctx, definition, wf_ex_id, wf_input, description,
            params) -> dict:
    # No look for an execution of that id first: the API looked before,
    # and one committed since makes the INSERT fail (``accept``).
    with step_mod.step(ctx) as step:
        wf_def = definition(step.session)
        conductor = conductor_mod.Conductor(store_mod.DbStore(step))
        wf_ex = conductor.accept_workflow(wf_def, wf_input or {},
                                          description, params or {},
                                          wf_ex_id)
        caller = _caller(ctx)
        step.session.add(Start(id=wf_ex.id, created_at=models.utcnow(),
                               caller=caller))
        # Queued for the process's hint sender: the answer does not wait
        # for the broker.
        step.after_commit(hint, ctx, [wf_ex.id], caller)
        return as_accepted(execution_dict(step.session, wf_ex))


def _caller(ctx) -> dict:
    return ctx.to_wire() if hasattr(ctx, "to_wire") else {}


def hint(ctx, wf_ex_ids: list, caller: dict = None) -> None:
    """Tell an engine that ``wf_ex_ids`` wait for their start, in a
    message shared with other requests' hints (``start_hints``). A hint
    that cannot be sent (the broker is away) is left to the engines'
    sweep."""
    caller = _caller(ctx) if caller is None else caller
    for wf_ex_id in wf_ex_ids:
        _hints.offer(ctx, wf_ex_id, caller)


def _send_hints(ctx, starts: list) -> None:
    lane = start_lane.local()
    if lane is not None and transport.is_in_process():
        lane.offer(hinted_starts(ctx, starts))
        return
    clients.get_engine_client(
        reply_timeout=CONF.api.engine_reply_timeout).start_accepted_many(
            ctx, starts)


_hints = start_hints.HintSender(_send_hints)


def wait_hints_sent(timeout: float = None) -> bool:
    """Until this process's queued hints are sent (tests)."""
    return _hints.wait_sent(timeout)


def hinted_starts(ctx, starts: list) -> list:
    """``(caller's context, execution id)`` of a ``start_accepted_many``
    message's ``[execution id, caller on the wire]`` (the message's own
    context for a hint without its caller)."""
    return [(ctx if caller is None
             else mc_context.RequestContext.from_wire(caller), wf_ex_id)
            for wf_ex_id, caller in starts]


# -- the engine's half --------------------------------------------------------

def start_accepted(ctx, wf_ex_id: str) -> bool:
    """Run the first tasks of the accepted execution ``wf_ex_id`` unless an
    engine did; True when this call started it. A start that breaks on
    something unexpected fails the execution instead of leaving it
    RUNNING with nothing to run."""
    try:
        return step_mod.call(ctx, _start_accepted, ctx, wf_ex_id)
    except Exception as e:  # noqa: BLE001 - see _fail_start
        if retry.is_transient(e):
            LOG.error("The database is unavailable; execution %s is left "
                      "to the next sweep", wf_ex_id)
            return False
        LOG.exception("Starting execution %s failed", wf_ex_id)
        retry.call(_fail_start, ctx, wf_ex_id, e)
        return False


def _start_accepted(ctx, wf_ex_id) -> bool:
    with step_mod.step(ctx) as step:
        try:
            wf_ex = queries.lock_workflow(step.session, wf_ex_id)
        except exc.NotFoundError:
            # Deleted before it started.
            _take(step.session, wf_ex_id)
            return False
        return start_first(step, conductor_mod.Conductor(
            store_mod.DbStore(step)), wf_ex)


def start_many(pairs: list) -> None:
    """Start the accepted executions of ``[(ctx, execution id)]``: those
    of one caller ``START_BATCH`` at a time in one step (one statement
    locks them, one deletes their start rows, one commit). When such a
    step fails, each is started on its own (``start_accepted``), so an
    error stays with its own execution."""
    for ctx, wf_ex_ids in mc_context.group_by_caller(pairs):
        for i in range(0, len(wf_ex_ids), START_BATCH):
            _start_batch(ctx, wf_ex_ids[i:i + START_BATCH])


def _start_batch(ctx, wf_ex_ids: list) -> None:
    if len(wf_ex_ids) > 1:
        try:
            step_mod.call(ctx, _start_together, ctx, wf_ex_ids)
            return
        except Exception as e:  # noqa: BLE001 - one by one below
            if retry.is_transient(e):
                LOG.error("The database is unavailable; %d executions are "
                          "left to the next sweep", len(wf_ex_ids))
                return
            LOG.warning("Starting %d executions together failed; starting "
                        "them one by one", len(wf_ex_ids), exc_info=True)
    for wf_ex_id in wf_ex_ids:
        start_accepted(ctx, wf_ex_id)


def _start_together(ctx, wf_ex_ids: list) -> None:
    with step_mod.step(ctx) as step:
        executions = queries.lock_workflows(step.session, wf_ex_ids)
        # Those whose row another engine did not delete first (a row
        # without its execution: deleted before it started).
        taken = _take_many(step.session, wf_ex_ids)
        conductor = conductor_mod.Conductor(store_mod.DbStore(step))
        with conductor.batch():
            for wf_ex_id in wf_ex_ids:
                if wf_ex_id in taken and wf_ex_id in executions:
                    conductor.run_accepted(executions[wf_ex_id])


def _take_many(session, wf_ex_ids: list) -> set:
    """Delete the start rows of ``wf_ex_ids``; the ids that had one."""
    return set(session.execute(
        sa.delete(Start).where(Start.id.in_(wf_ex_ids)).returning(Start.id)
        .execution_options(synchronize_session=False)).scalars())


def start_first(step, conductor, wf_ex) -> bool:
    """Before a pause, resume, stop or continue of the locked ``wf_ex``:
    its start first, when it waits for one, so that the change meets the
    execution as Mistral's would (its first tasks created), and a resume
    never finds a workflow with nothing run that it would call done."""
    if _take(step.session, wf_ex.id) == 0:
        return False
    conductor.run_accepted(wf_ex)
    return True


def _take(session, wf_ex_id) -> int:
    """Delete the start row of ``wf_ex_id``; 1 when it was there."""
    return session.execute(
        sa.delete(Start).where(Start.id == wf_ex_id)
        .execution_options(synchronize_session=False)).rowcount


def _fail_start(ctx, wf_ex_id, error) -> None:
    with step_mod.step(ctx) as step:
        _take(step.session, wf_ex_id)
        try:
            wf_ex = queries.lock_workflow(step.session, wf_ex_id)
        except exc.NotFoundError:
            return
        if not states.is_completed(wf_ex.state):
            conductor_mod.Conductor(store_mod.DbStore(step)).fail_workflow(
                wf_ex, str(error))


def waiting(older_than: float, limit: int = SWEEP_BATCH) -> list:
    """``(execution id, caller)`` of accepted executions not started,
    accepted more than ``older_than`` seconds ago, the oldest first."""
    before = models.utcnow() - datetime.timedelta(seconds=older_than)
    with db_session.read_only() as session:
        return queries.waiting_starts(session, before, limit)


def sweep(older_than: float) -> int:
    """Start the accepted executions waiting for more than ``older_than``
    seconds; how many were found."""
    found = waiting(older_than)
    for wf_ex_id, _caller in found:
        LOG.info("Starting execution %s, whose start no engine took",
                 wf_ex_id)
    start_many([(mc_context.RequestContext.from_wire(caller or {}),
                 wf_ex_id) for wf_ex_id, caller in found])
    return len(found)


class Sweeper(heartbeats.PeriodicLook):
    """The engine's thread that starts the accepted executions whose hint
    no engine took (lost, or sent while no engine ran): at the engine's
    start every one of them, then every ``[engine] start_sweep_interval``
    seconds those accepted at least that long ago."""

    name = "engine-start-sweep"
    disabled_message = "The sweep of accepted executions is disabled."

    def enabled(self) -> bool:
        return self.interval() > 0

    def interval(self) -> float:
        return float(self._conf.engine.start_sweep_interval)

    def first_delay(self) -> float:
        return 0

    def start(self) -> "Sweeper":
        self._first = True
        return super().start()

    def look(self) -> bool:
        older_than = 0 if self._first else self.interval()
        self._first = False
        return sweep(older_than) >= SWEEP_BATCH
