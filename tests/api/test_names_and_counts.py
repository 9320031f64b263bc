"""Names that their column or URL cannot hold, and cron triggers' counts
that are not whole numbers (issue 10, findings 4 and 9): a 400 that names
the problem, nothing written, on SQLite and on PostgreSQL."""

import json

import pytest

from tests.api.helpers import fault
from tests.api.helpers import post_text
from tests.conftest import DATABASES
from tests.conftest import each_database_url

db_url = pytest.fixture(params=DATABASES, name="db_url")(each_database_url)

BAD_NAMES = [("a\x00b", "NUL"), ("a\x01b", "control characters"),
             ("a" * 100000, "longer"),
             ("a/b", "'/'"), ("a\\b", "'/'"), ("..", "'..'")]


def wf_text(name):
    return 'version: "2.0"\n%s:\n  tasks:\n    t: {action: std.noop}\n' % (
        json.dumps(name))


@pytest.fixture
def wf(app):
    post_text(app, "/v2/workflows", wf_text("wf"), status=201)


@pytest.mark.parametrize("name,words", BAD_NAMES)
def test_environment_name_is_checked(app, name, words):
    resp = app.post_json("/v2/environments",
                         {"name": name, "variables": {}}, status=400)
    assert words in fault(resp)
    assert app.get("/v2/environments").json["environments"] == []


@pytest.mark.parametrize("name,words", BAD_NAMES)
def test_cron_trigger_name_is_checked(app, wf, name, words):
    resp = app.post_json("/v2/cron_triggers", {
        "name": name, "workflow_name": "wf", "pattern": "0 0 1 1 *"},
        status=400)
    assert words in fault(resp)
    assert app.get("/v2/cron_triggers").json["cron_triggers"] == []


@pytest.mark.parametrize("name,words", [
    ("a\x00b", "NUL"), ("a\x01b", "control characters"),
    ("a" * 300, "longer than 255"),
    ("a/b", "'/'")])
def test_workflow_name_is_checked(app, name, words):
    resp = post_text(app, "/v2/workflows", wf_text(name), status=400)
    assert words in fault(resp)
    assert app.get("/v2/workflows").json["workflows"] == []


def test_names_at_the_column_limit_are_taken(app, wf):
    app.post_json("/v2/environments", {"name": "e" * 200}, status=201)
    app.post_json("/v2/cron_triggers", {
        "name": "c" * 200, "workflow_name": "wf", "pattern": "0 0 1 1 *"},
        status=201)
    post_text(app, "/v2/workflows", wf_text("w" * 255), status=201)


@pytest.mark.parametrize("count,words", [
    ([], "whole number"), ({}, "whole number"), (10 ** 40, "lower or equal"),
    (1.5, "whole number"), (True, "whole number"), (0, "greater or equal")])
def test_remaining_executions_must_be_a_count(app, wf, count, words):
    resp = app.post_json("/v2/cron_triggers", {
        "name": "c", "workflow_name": "wf", "pattern": "0 0 1 1 *",
        "remaining_executions": count}, status=400)
    assert "remaining_executions" in fault(resp) and words in fault(resp)
    assert app.get("/v2/cron_triggers").json["cron_triggers"] == []


def test_workbook_and_action_names_fit_their_column(app):
    resp = post_text(app, "/v2/workbooks", 'version: "2.0"\nname: %s\n'
                     % ("n" * 300), status=400)
    assert "Workbook name is longer than 255" in fault(resp)
    resp = post_text(app, "/v2/actions", 'version: "2.0"\n%s:\n  base: '
                     'std.noop\n' % ("a" * 300), status=400)
    assert "Action name is longer than 255" in fault(resp)
    assert app.get("/v2/workbooks").json["workbooks"] == []
