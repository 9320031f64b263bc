"""Execution lists shared by several resources: ``/v2/executions``,
``/v2/tasks/{id}/workflow_executions`` and the sub-execution trees
(``/v2/executions/{id}/executions``, ``/v2/tasks/{id}/executions``)."""

from pecan import rest
import wsmeext.pecan as wsme_pecan

from mistral_clone import exceptions as exc
from mistral_clone.api import hooks
from mistral_clone.api import listing
from mistral_clone.api import policy
from mistral_clone.api import types
from mistral_clone.api.controllers.v2 import runtime_resources as res
from mistral_clone.db import models
from mistral_clone.services import executions as ex_service


# The columns of Mistral 23's workflow executions table, the names
# ``nulls`` may take; every one but ``id`` may hold NULL there.
MISTRAL_EXECUTION_COLUMNS = (
    "spec", "accepted", "input", "output", "params", "context", "id", "name",
    "description", "workflow_name", "workflow_namespace", "workflow_id",
    "state", "state_info", "tags", "runtime_context", "scope", "project_id",
    "created_at", "updated_at", "task_execution_id", "root_execution_id")


def check_nulls(nulls) -> list:
    """The ``nulls`` names must be columns of Mistral's table that may
    hold NULL there (whether ours may or not)."""
    for name in nulls or []:
        if name not in MISTRAL_EXECUTION_COLUMNS:
            raise exc.InputError("'%s' is not a valid field name." % name)
        if name == "id":
            raise exc.InputError(
                "The field '%s' can't hold None value." % name)
    return list(nulls or [])


def list_executions(ctx, path, filters, nulls, marker, limit, sort_keys,
                    sort_dirs, fields, all_projects=False,
                    include_output=False, blobs=ex_service.LIST_BLOBS):
    """A page of executions: shared by /v2/executions and
    /v2/tasks/{id}/workflow_executions (``blobs``: the JSON fields shown
    unless ``fields`` names them). As in Mistral, ``nulls`` asks for
    NULL only in the columns the list filters on (those not given a value;
    an empty ``tags`` filter filters nothing); other names are ignored."""
    if fields:
        # Only what the page shows is read (pollers ask for ``id,state``).
        blobs = tuple(b for b in ex_service.LIST_BLOBS if b in fields)
    else:
        blobs = tuple(b for b in ex_service.LIST_BLOBS if b in blobs)
    for name in nulls:
        if name in filters and filters[name] is None and name != "tags":
            filters[name] = listing.IS_NULL
    spec, fields = listing.make_spec(
        models.WorkflowExecution, res.Execution, limit, marker, sort_keys,
        sort_dirs, fields, all_projects, **filters)
    items = listing.fetch_page(
        models.WorkflowExecution, spec, ctx,
        ex_service.list_values(include_output, blobs),
        "WorkflowExecution not found [id=%s]",
        base_stmt=ex_service.list_statement(include_output, blobs))
    link = listing.next_link(path, spec, fields, items)
    return res.Executions.build(
        [res.Execution.from_values(v, fields or None) for v in items], link)


class SubExecutionsController(rest.RestController):
    """``GET /v2/executions/{id}/executions`` and
    ``GET /v2/tasks/{id}/executions``: the execution tree, flattened."""

    def __init__(self, origin):
        super().__init__()
        self._origin = origin

    @wsme_pecan.wsexpose(res.Executions, types.uuid_type, res.boolean, int,
                         res.boolean)
    def get(self, id, errors_only=False, max_depth=-1, include_output=False):
        ctx = hooks.request_context()
        policy.enforce("executions:get", ctx)
        items = ex_service.sub_executions(
            ctx, self._origin, id, errors_only=errors_only,
            max_depth=-1 if max_depth is None else max_depth,
            include_output=include_output)
        return res.Executions.build(
            [res.Execution.from_values(v) for v in items], None)
