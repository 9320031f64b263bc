"""``/info``: the JSON file named by ``[api] info_json_file_path``, served
as it is when ``[api] enable_info_endpoint`` is on (Mistral 23's build
information endpoint). Read on every request, so a deployment may replace
the file without a restart."""

import json
import os

import pecan
from pecan import rest

from mistral_clone import config
from mistral_clone import exceptions as exc
from mistral_clone.api import errors


class InfoController(rest.RestController):
    @pecan.expose("json")
    @errors.renders_errors(content_type="application/json")
    def get(self):
        conf = config.CONF.api
        if not conf.enable_info_endpoint:
            raise exc.InputError("Info endpoint disabled.")
        path = conf.info_json_file_path
        if not os.path.isfile(path):
            raise exc.InputError("Incorrect path to info json file.")
        with open(path, encoding="utf-8") as info_file:
            return json.load(info_file)
