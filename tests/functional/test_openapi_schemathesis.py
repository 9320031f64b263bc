"""The OpenAPI document against the server it describes: schemathesis
generates requests for every operation of ``/v2/openapi.json`` (valid
ones and invalid ones) and sends them to a real ``mistral-clone-server``
(embedded: SQLite, in-process messaging). No answer may be a 5xx, and
each must match the document: a documented status code, its content type,
its body schema.

Bounded and repeatable: deterministic generation, a fixed number of
examples per operation (``MISTRAL_CLONE_SCHEMATHESIS_EXAMPLES``, default
8), under a minute on two idle cores. For a longer hunt, more examples and
``MISTRAL_CLONE_SCHEMATHESIS_COVERAGE=1``: schemathesis's coverage phase
too (boundary values, undeclared content types; about four times as
long)."""

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.functional.server import running_server

EXAMPLES = int(os.environ.get("MISTRAL_CLONE_SCHEMATHESIS_EXAMPLES", 8))
COVERAGE = os.environ.get("MISTRAL_CLONE_SCHEMATHESIS_COVERAGE") == "1"
CHECKS = [not_a_server_error, status_code_conformance,
          content_type_conformance, response_schema_conformance]
CONFIG = schemathesis.Config.from_dict({
    "generation": {"mode": "all", "max-examples": EXAMPLES,
                   "deterministic": True, "database": "none"},
    "phases": {"coverage": {"enabled": COVERAGE},
               "stateful": {"enabled": False}},
})

WF = 'version: "2.0"\nwf:\n  input: [x]\n  tasks:\n    t: {action: std.noop}\n'


@pytest.fixture(scope="module")
def served_document(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("openapi")) as (url, _s):
        # Something to find: a workflow and an execution of it.
        wf = requests.post(url + "/workflows", data=WF, timeout=60,
                           headers={"Content-Type": "text/plain"})
        assert wf.status_code == 201, wf.text
        ex = requests.post(url + "/executions", timeout=60, json={
            "workflow_name": "wf", "input": {"x": 1}})
        assert ex.status_code == 201, ex.text
        yield schemathesis.openapi.from_url(url + "/openapi.json",
                                            config=CONFIG, timeout=60)


schema = schemathesis.pytest.from_fixture("served_document")


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          database=None, suppress_health_check=list(HealthCheck))
def test_answers_match_the_document(case):
    case.call_and_validate(checks=CHECKS, timeout=60)
