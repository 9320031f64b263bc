"""``/v2``: its own root document and every resource controller."""

import importlib

import pecan
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan


class RootResource(wtypes.Base):
    uri = wtypes.text


# (attribute, module, class): a resource appears as its module lands.
_RESOURCES = [
    ("workflows", "workflows", "WorkflowsController"),
    ("workbooks", "workbooks", "WorkbooksController"),
    ("actions", "actions", "ActionsController"),
    ("executions", "executions", "ExecutionsController"),
    ("tasks", "tasks", "TasksController"),
    ("action_executions", "action_executions",
     "ActionExecutionsController"),
    ("environments", "environments", "EnvironmentsController"),
    ("cron_triggers", "cron_triggers", "CronTriggersController"),
    ("services", "services", "ServicesController"),
]


class Controller(rest.RestController):
    @pecan.expose()
    def get_one(self, *remainder):
        """An unknown resource is 404 (pecan would answer 405)."""
        pecan.abort(404)

    @wsme_pecan.wsexpose(RootResource)
    def index(self):
        return RootResource(uri="%s/v2" % pecan.request.application_url)


for _attr, _module, _cls in _RESOURCES:
    try:
        _mod = importlib.import_module(
            "mistral_clone.api.controllers.v2." + _module)
    except ModuleNotFoundError as _e:
        if _e.name != "mistral_clone.api.controllers.v2." + _module:
            raise
        continue
    setattr(Controller, _attr, getattr(_mod, _cls)())
