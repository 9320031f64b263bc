"""What the tests that kill services around running executions share:
waiting for a sub-workflow's asynchronous action, for a line in a
service's log, and delivering that action's result."""

from tests.functional.helpers import action_exs_of, children_of, tasks_of
from tests.waiting import wait_for

# A service's start, or a line it logs, on a loaded machine.
LOG_WAIT_S = 60


def running_action(wf_ex_id, task_name):
    """The RUNNING action execution of the task, or None."""
    task = tasks_of(wf_ex_id).get(task_name)
    actions = action_exs_of(task["id"]) if task else []
    return actions[0] if actions and actions[0]["state"] == "RUNNING" \
        else None


def waiting_child(wf_ex_id, task_name="call", timeout=LOG_WAIT_S):
    """The child of the parent's task once its asynchronous action
    ``wait`` runs."""
    def child():
        task = tasks_of(wf_ex_id).get(task_name)
        children = children_of(task["id"]) if task else []
        if children and running_action(children[0]["id"], "wait"):
            return children[0]
        return None
    return wait_for(child, timeout, 0.1)


def finish_waiting(client, ctx, child, result="done"):
    """Deliver the result of the child's asynchronous action."""
    action = wait_for(lambda: running_action(child["id"], "wait"),
                      LOG_WAIT_S, 0.1)
    client.on_action_complete(ctx, action["id"], {"data": result})


def log_says(path, text) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


def wait_log(path, text, timeout=LOG_WAIT_S):
    wait_for(lambda: log_says(path, text), timeout, 0.1)
