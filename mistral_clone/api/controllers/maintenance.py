"""``/maintenance``: the cluster's maintenance mode, as Mistral 23 serves
it (outside ``/v2``; python-mistralclient has no command for it).

``GET`` answers ``{"status": "RUNNING" | "PAUSING" | "PAUSED"}``; ``PUT``
with ``{"status": "PAUSED"}`` or ``"RUNNING"`` answers the status now in
force (PAUSING while the executions are being paused). The rule
``maintenance:update`` (open by default, as the endpoint is in Mistral)
lets an operator restrict the PUT.
"""

import pecan
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api import errors
from mistral_clone.api import hooks
from mistral_clone.api import maintenance_status
from mistral_clone.api import policy
from mistral_clone.services import maintenance as maintenance_service


class Maintenance(wtypes.Base):
    status = wtypes.text


class MaintenanceController(rest.RestController):
    @pecan.expose("json")
    @errors.renders_errors
    def get(self):
        return {"status": maintenance_service.current_status()}

    @wsme_pecan.wsexpose(Maintenance, body=Maintenance, status_code=200)
    def put(self, new_maintenance_status):
        # (The argument's name is in WSME's messages, as in Mistral.)
        policy.enforce("maintenance:update", hooks.request_context())
        try:
            return Maintenance(status=maintenance_service.change_mode(
                new_maintenance_status.status))
        finally:
            maintenance_status.forget()
