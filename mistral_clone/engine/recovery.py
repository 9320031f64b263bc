"""What an engine does when it starts: continue work that a crash left
between a commit and the messages that should have followed it.

* Sub-workflows that finished while their parent task still runs have
  their result reported again.

Action executions left RUNNING by a crash are not sent again here: their
executor may well be alive (only this engine restarted). When it is not,
its beats stop and the liveness checker (``engine.members``) runs them
again where the task says ``safe-rerun: true`` and fails them otherwise,
within seconds -- after a restart of the whole embedded process too, since
its executor died with it; Mistral's per-action heartbeat rules
(``engine.heartbeats``) remain for actions no process ever named.
"""

import logging

from mistral_clone import context as mc_context
from mistral_clone.db import session as db_session
from mistral_clone.engine import queries
from mistral_clone.rpc import clients

LOG = logging.getLogger(__name__)


def recover() -> None:
    ctx = mc_context.admin_context()
    with db_session.read_only() as session:
        children = queries.completed_children_of_running_tasks(session)
    for child_id in children:
        LOG.info("Recovery: reporting sub-workflow %s again", child_id)
        clients.get_engine_client().report_subworkflow_result(ctx, child_id)
