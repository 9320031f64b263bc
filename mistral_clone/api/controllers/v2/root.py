"""``/v2``: its own root document and every resource controller."""

import pecan
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api.controllers import openapi as openapi_api
from mistral_clone.api.controllers import unknown_paths
from mistral_clone.api.controllers.v2 import \
    action_executions as action_executions_api
from mistral_clone.api.controllers.v2 import actions as actions_api
from mistral_clone.api.controllers.v2 import code_sources as code_sources_api
from mistral_clone.api.controllers.v2 import cron_triggers as cron_triggers_api
from mistral_clone.api.controllers.v2 import \
    dynamic_actions as dynamic_actions_api
from mistral_clone.api.controllers.v2 import environments as environments_api
from mistral_clone.api.controllers.v2 import \
    event_triggers as event_triggers_api
from mistral_clone.api.controllers.v2 import executions as executions_api
from mistral_clone.api.controllers.v2 import tasks as tasks_api
from mistral_clone.api.controllers.v2 import workbooks as workbooks_api
from mistral_clone.api.controllers.v2 import workflows as workflows_api


class RootResource(wtypes.Base):
    uri = wtypes.text


class Controller(unknown_paths.NotFoundBelow, rest.RestController):
    workflows = workflows_api.WorkflowsController()
    workbooks = workbooks_api.WorkbooksController()
    actions = actions_api.ActionsController()
    executions = executions_api.ExecutionsController()
    tasks = tasks_api.TasksController()
    action_executions = action_executions_api.ActionExecutionsController()
    environments = environments_api.EnvironmentsController()
    cron_triggers = cron_triggers_api.CronTriggersController()
    event_triggers = event_triggers_api.EventTriggersController()
    code_sources = code_sources_api.CodeSourcesController()
    dynamic_actions = dynamic_actions_api.DynamicActionsController()

    @wsme_pecan.wsexpose(RootResource)
    def index(self):
        return RootResource(uri="%s/v2" % pecan.request.application_url)


# ``/v2/openapi.json``: a name no Python attribute can have.
pecan.route(Controller, "openapi.json", openapi_api.OpenAPIController())
