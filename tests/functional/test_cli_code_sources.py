"""The real ``python-mistralclient`` CLI against our server: code-source-*
and dynamic-action-* end to end, and an action execution of a dynamic
action that sees its code source's update.

Code sources are admin-only by default (as in Mistral 23); the CLI sends no
roles without Keystone, so the server here opens them with a policy file,
as an operator would. Runs when the ``mistral`` CLI is found.
"""

import os

import pytest

from tests.functional.server import (
    CLI, run_cli, running_server, write_file)


pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK),
                                reason="python-mistralclient not installed")

POLICY = "".join('"%s:%s": ""\n' % (resource, op)
                 for resource in ("code_sources", "dynamic_actions")
                 for op in ("create", "delete", "get", "list", "publicize",
                            "update"))

MODULE = '''class Hello:
    """Greets someone."""

    def __init__(self, name="world"):
        self.name = name

    def run(self, context):
        return "%s %s" % (GREETING, self.name)


GREETING = "hello"
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("cli_code_state")
    policy = state / "policy.yaml"
    policy.write_text(POLICY)
    with running_server(state, services="all", extra_conf=(
            "[oslo_policy]\npolicy_file = %s\n" % policy)) as srv:
        yield srv


def values(output):
    """``-f value`` output: one list of words per line."""
    return [line.split() for line in output.splitlines() if line.strip()]


def field(server, *args):
    return run_cli(server, *args, "-f", "value").stdout.strip()


def test_code_source_commands(server):
    path = write_file(server, "cli_mod.py", MODULE)
    created = run_cli(server, "code-source-create", "cli_mod", path,
                      "-f", "value", "-c", "Name", "-c", "Scope").stdout
    assert values(created) == [["cli_mod"], ["private"]]
    run_cli(server, "code-source-create", "cli_mod", path, "--namespace",
            "ns1", "--public")
    listed = run_cli(server, "code-source-list", "-c", "Name", "-c",
                     "Namespace", "-c", "Scope", "-f", "value").stdout
    assert sorted(values(listed)) == [["cli_mod", "ns1", "public"],
                                      ["cli_mod", "private"]]
    assert field(server, "code-source-get", "cli_mod", "--namespace", "ns1",
                 "-c", "Scope") == "public"
    assert run_cli(server, "code-source-get-content",
                   "cli_mod").stdout == MODULE

    changed = write_file(server, "cli_mod2.py",
                         MODULE.replace('"hello"', '"hi"'))
    run_cli(server, "code-source-update", "cli_mod", changed)
    assert '"hi"' in run_cli(server, "code-source-get-content",
                             "cli_mod").stdout
    assert field(server, "code-source-get", "cli_mod", "-c",
                 "Updated at") != "None"

    run_cli(server, "code-source-delete", "cli_mod", "--namespace", "ns1")
    missing = run_cli(server, "code-source-get", "cli_mod", "--namespace",
                      "ns1", ok=False)
    assert "Code Source not found [name=cli_mod,namespace=ns1]" in \
        missing.stderr + missing.stdout


def test_dynamic_action_commands_and_run(server):
    path = write_file(server, "dyn_mod.py", MODULE)
    source_id = field(server, "code-source-create", "dyn_mod", path, "-c",
                      "ID")
    created = run_cli(server, "dynamic-action-create", "cli.hello", "Hello",
                      "dyn_mod", "-f", "value", "-c", "Name", "-c",
                      "Class", "-c", "Code source ID").stdout
    assert values(created) == [["cli.hello"], ["Hello"], [source_id]]
    listed = run_cli(server, "dynamic-action-list", "-c", "Name", "-c",
                     "Code source name", "-f", "value").stdout
    assert values(listed) == [["cli.hello", "dyn_mod"]]
    assert field(server, "dynamic-action-get", "cli.hello", "-c",
                 "Class") == "Hello"
    # It is an action too.
    assert field(server, "action-get", "cli.hello", "-c", "Input") == \
        'name="world"'

    run = run_cli(server, "run-action", "cli.hello", '{"name": "cli"}')
    assert '"hello cli"' in run.stdout
    # The update is seen by the next run, with no restart.
    write_file(server, "dyn_mod.py", MODULE.replace('"hello"', '"hey"'))
    run_cli(server, "code-source-update", "dyn_mod", path)
    assert '"hey cli"' in run_cli(server, "run-action", "cli.hello",
                                  '{"name": "cli"}').stdout

    run_cli(server, "dynamic-action-update", "cli.hello", "--class-name",
            "Missing", "--public")
    assert field(server, "dynamic-action-get", "cli.hello", "-c",
                 "Scope") == "public"
    failed = run_cli(server, "run-action", "cli.hello", ok=False)
    assert "Class 'Missing' not found in code source [name=dyn_mod" in \
        failed.stderr + failed.stdout

    run_cli(server, "dynamic-action-delete", "cli.hello")
    assert run_cli(server, "dynamic-action-list", "-f",
                   "value").stdout.strip() == ""
    run_cli(server, "code-source-delete", "dyn_mod")


# Written as for Mistral 23: mistral_lib's names, imported three ways.
# The module a Mistral user uploads (text given to the server, not code
# of ours: mistral_lib is neither installed nor imported here).
MISTRAL_STYLE = '''from LIB import actions
import LIB.actions
from LIB.actions import Result


class Greet(actions.Action):
    """Greets from the workflow it runs in."""

    def __init__(self, name):
        super().__init__()
        self.name = name

    def run(self, context):
        return Result(data="hi %s" % self.name)


class Refuse(LIB.actions.Action):
    def run(self, context):
        return actions.Result(error="refused")
'''.replace("LIB", "mistral_lib")


def test_a_code_source_written_for_mistral_runs_unchanged(server):
    path = write_file(server, "ml_mod.py", MISTRAL_STYLE)
    run_cli(server, "code-source-create", "ml_mod", path)
    run_cli(server, "dynamic-action-create", "ml.greet", "Greet", "ml_mod")
    run_cli(server, "dynamic-action-create", "ml.refuse", "Refuse", "ml_mod")
    assert field(server, "action-get", "ml.greet", "-c", "Input") == "name"
    assert '"hi ml"' in run_cli(server, "run-action", "ml.greet",
                                '{"name": "ml"}').stdout
    refused = run_cli(server, "run-action", "ml.refuse", ok=False)
    assert "refused" in refused.stderr + refused.stdout
    for name in ("ml.greet", "ml.refuse"):
        run_cli(server, "dynamic-action-delete", name)
    run_cli(server, "code-source-delete", "ml_mod")
