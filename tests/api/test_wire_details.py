"""Wire details pinned against the real Mistral 23 by sending the same
requests to both (issue 12, "Wire details")."""

import pytest

from tests.api.helpers import post_text, put_text

DEFINITION_JSON = "application/json;charset=utf-8"

WF = """---
version: '2.0'
wd_wf:
  tasks:
    t1:
      action: std.noop
"""
WB = """---
version: '2.0'
name: wd_wb
workflows:
  w:
    tasks:
      t1:
        action: std.noop
"""
ACTION = """---
version: '2.0'
wd_action:
  base: std.noop
"""


@pytest.mark.parametrize("resource, text", [
    ("workflows", WF), ("workbooks", WB), ("actions", ACTION)])
def test_definition_answers_say_their_charset(app, resource, text):
    url = "/v2/%s" % resource
    checks = [post_text(app, url, text, status=201),
              put_text(app, url, text, status=200),
              post_text(app, url, text, status=409),
              post_text(app, url, "{{{: [", status=400),
              post_text(app, url + "/validate", text, status=200),
              post_text(app, url + "/validate", "{{{: [", status=200)]
    assert [r.headers["Content-Type"] for r in checks] == \
        [DEFINITION_JSON] * len(checks)
    assert checks[-2].json == {"valid": True}
    assert checks[-1].json["valid"] is False


def test_other_answers_keep_plain_json(app):
    post_text(app, "/v2/workflows", WF, status=201)
    assert app.get("/v2/workflows/wd_wf").headers["Content-Type"] == \
        "application/json"
