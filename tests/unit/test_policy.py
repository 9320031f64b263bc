"""The policy defaults: Keystone's personas with auth on, everyone (and
``X-Roles: admin`` for the admin-only rules) with auth off; and the
committed sample is what oslopolicy-sample-generator makes now."""

import os
import sys

import pytest

from mistral_clone import config
from mistral_clone import context
from mistral_clone import exceptions as exc
from mistral_clone.api import policy
from tests.unit import generated_samples
READS = [r.name for r in policy.list_rules()
         if r.check_str == policy.PROJECT_READER]
WRITES = [r.name for r in policy.list_rules()
          if r.check_str == policy.PROJECT_MEMBER]


@pytest.fixture
def auth_on():
    config.parse_args([])
    config.CONF.set_override("auth_enable", True, "pecan")
    yield
    config.CONF.clear_override("auth_enable", "pecan")


def ctx_with(*roles):
    return context.RequestContext(project_id="p1", user_id="u1",
                                  roles=list(roles),
                                  is_admin="admin" in roles)


def allowed(rule, ctx):
    try:
        policy.enforce(rule, ctx)
        return True
    except exc.NotAllowedError:
        return False


def test_every_mistral_resource_rule_has_a_persona():
    assert "workflows:create" in WRITES and "workflows:get" in READS
    assert len(READS) + len(WRITES) == sum(
        len(ops) for ops in policy._RESOURCES.values())


def test_reader_reads_and_writes_nothing(auth_on):
    reader = ctx_with("reader")
    assert all(allowed(rule, reader) for rule in READS)
    assert [rule for rule in WRITES if allowed(rule, reader)] == []


@pytest.mark.parametrize("roles", [("member", "reader"), ("member",),
                                   ("admin",), ("admin", "member", "reader")])
def test_member_and_admin_read_and_write(auth_on, roles):
    ctx = ctx_with(*roles)
    assert all(allowed(rule, ctx) for rule in READS + WRITES)


def test_a_role_that_is_no_persona_gets_nothing(auth_on):
    other = ctx_with("load-balancer_observer")
    assert [rule for rule in READS + WRITES if allowed(rule, other)] == []


def test_admin_only_rules_with_auth_on(auth_on):
    assert allowed("workflows:list:all_projects", ctx_with("admin"))
    assert not allowed("workflows:list:all_projects",
                       ctx_with("member", "reader"))


def test_auth_off_lets_every_caller_read_and_write():
    config.parse_args([])
    for roles in ((), ("reader",), ("anything",)):
        ctx = ctx_with(*roles)
        assert all(allowed(rule, ctx) for rule in READS + WRITES), roles
        assert not allowed("executions:list:all_projects", ctx)
    assert allowed("executions:list:all_projects", ctx_with("admin"))


def test_sample_is_current(tmp_path):
    generated_samples.assert_current(
        [os.path.join(os.path.dirname(sys.executable),
                      "oslopolicy-sample-generator")],
        "mistral-clone-policy-generator.conf", "policy.yaml.sample",
        tmp_path)


def test_a_changed_policy_file_is_honoured_after_the_answers_expire(
        policy_file, monkeypatch):
    """Answers are kept for ``_Decisions.TTL`` seconds (oslo.policy costs
    about a millisecond per question); a policy file changed meanwhile
    counts from then on."""
    policy_file.write_text('"environments:create": ""\n')
    member = ctx_with("member")
    assert allowed("environments:create", member)
    policy_file.write_text('"environments:create": "rule:admin_only"\n')
    # Stat times have a coarse grain on some file systems.
    os.utime(policy_file, (1, 2_000_000_000))
    assert allowed("environments:create", member)  # kept
    monkeypatch.setattr(policy._decisions, "TTL", 0.0)
    assert not allowed("environments:create", member)
    assert allowed("environments:create", ctx_with("admin"))


def test_nothing_is_kept_while_a_rule_asks_a_remote_server(policy_file,
                                                           monkeypatch):
    policy_file.write_text(
        '"environments:create": "role:member or '
        'not http://127.0.0.1:9/never"\n')
    decisions = policy._decisions
    assert allowed("environments:create", ctx_with("member"))
    assert decisions._keep is False and decisions._answers == {}
    policy_file.write_text('"environments:create": "role:member"\n')
    os.utime(policy_file, (1, 2_000_000_000))
    monkeypatch.setattr(decisions, "TTL", 0.0)
    assert allowed("environments:create", ctx_with("member"))
    assert decisions._keep is True and len(decisions._answers) == 1


def test_a_new_enforcer_forgets_the_answers(monkeypatch):
    config.parse_args([])
    decisions = policy._Decisions()
    monkeypatch.setattr(policy, "_decisions", decisions)
    assert allowed("environments:create", ctx_with("member"))
    assert len(decisions._answers) == 1
    monkeypatch.setattr(policy, "_enforcer", None)
    assert allowed("environments:get", ctx_with("member"))
    assert list(decisions._answers) == [
        ("environments:get",) + list(decisions._answers)[0][1:]]
