"""``/``: the version document; ``/v2``: the API."""

import pecan
from pecan import rest
from wsme import types as wtypes
import wsmeext.pecan as wsme_pecan

from mistral_clone.api.controllers import info as info_api
from mistral_clone.api.controllers import maintenance as maintenance_api
from mistral_clone.api.controllers import unknown_paths
from mistral_clone.api.controllers.v2 import root as v2_root


class Link(wtypes.Base):
    href = wtypes.text
    target = wtypes.text
    rel = wtypes.text


class APIVersion(wtypes.Base):
    id = wtypes.text
    status = wtypes.text
    links = [Link]


class APIVersions(wtypes.Base):
    versions = [APIVersion]


class RootController(unknown_paths.NotFoundBelow, rest.RestController):
    v2 = v2_root.Controller()
    info = info_api.InfoController()
    maintenance = maintenance_api.MaintenanceController()

    @wsme_pecan.wsexpose(APIVersions)
    def index(self):
        host_url = pecan.request.application_url
        link = Link(href="%s/v2" % host_url, target="v2", rel="self")
        return APIVersions(versions=[
            APIVersion(id="v2.0", status="CURRENT", links=[link])])
