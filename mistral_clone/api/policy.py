"""oslo.policy rules in code, with Mistral's rule names and the Keystone
personas as defaults.

Each ``<resource>:<operation>`` rule defaults to a persona of the caller's
project: ``get`` and ``list`` to ``project_reader`` (the ``reader``,
``member`` or ``admin`` role), every other operation to ``project_member``
(``member`` or ``admin``). So a reader reads its project's rows and writes
none, where Mistral 23's defaults (``admin_or_owner`` everywhere) let it
write. A new resource gets the same defaults by being listed in
``_RESOURCES``. ``admin_only`` operations (``scope=public``,
``all_projects``, the ``project_id`` filter) succeed for a context with the
admin role and are refused with 403 otherwise, auth on or off, as in the real
Mistral.

With ``[pecan] auth_enable = False`` there are no Keystone roles: the
``no_auth`` rule holds for every request, so the personas let everyone in,
as before (only ``X-Roles: admin`` matters, for ``admin_only``). Operators
override any rule with ``[oslo_policy] policy_file``; ``etc/policy.yaml.sample``
lists them (``oslopolicy-sample-generator --config-file
etc/mistral-clone-policy-generator.conf``).
"""

import threading
import time

from oslo_config import cfg
from oslo_policy import policy

from mistral_clone import exceptions as exc

ADMIN_ONLY = "rule:admin_only"
ADMIN_OR_OWNER = "rule:admin_or_owner"
PROJECT_READER = "rule:project_reader"
PROJECT_MEMBER = "rule:project_member"

_BASE_RULES = [
    policy.RuleDefault("admin_only", "is_admin:True",
                       description="The admin role."),
    policy.RuleDefault("admin_or_owner",
                       "is_admin:True or project_id:%(project_id)s",
                       description="Mistral's default for every operation: "
                                   "an admin, or any role of the owning "
                                   "project."),
    policy.RuleDefault("no_auth", "auth_enable:False",
                       description="Every request while [pecan] "
                                   "auth_enable is False (no Keystone "
                                   "roles to check)."),
    policy.RuleDefault(
        "project_reader",
        "rule:admin_only or (project_id:%(project_id)s and "
        "(role:reader or role:member or rule:no_auth))",
        description="Reads: the reader, member or admin persona of the "
                    "project."),
    policy.RuleDefault(
        "project_member",
        "rule:admin_only or (project_id:%(project_id)s and "
        "(role:member or rule:no_auth))",
        description="Writes: the member or admin persona of the project."),
]

_RESOURCES = {
    "workflows": ["create", "delete", "get", "list", "update"],
    "workbooks": ["create", "delete", "get", "list", "update"],
    "actions": ["create", "delete", "get", "list", "update"],
    "executions": ["create", "delete", "get", "list", "update"],
    "tasks": ["get", "list", "update"],
    "action_executions": ["create", "delete", "get", "list", "update"],
    "environments": ["create", "delete", "get", "list", "update"],
    "cron_triggers": ["create", "delete", "get", "list"],
    "event_triggers": ["create", "delete", "get", "list", "update"],
    # Workflow members: who may act on a membership is decided by the
    # service (owner creates and deletes, member updates its status).
    "members": ["create", "delete", "get", "list", "update"],
}

_READ_OPERATIONS = ("get", "list")

_VERBS = {"create": "Create", "delete": "Delete", "get": "Show one of the",
          "list": "List the", "update": "Change"}

_ADMIN_ONLY_RULES = [
    "workflows:list:all_projects", "workflows:publicize",
    "workbooks:list:all_projects", "workbooks:publicize",
    "actions:list:all_projects", "actions:publicize",
    "executions:list:all_projects", "action_executions:list:all_projects",
    "environments:list:all_projects", "environments:publicize",
    "cron_triggers:list:all_projects", "cron_triggers:publicize",
    "tasks:list:all_projects",
    "event_triggers:list:all_projects", "event_triggers:publicize",
]

# Uploaded Python code runs in the executors: every operation on it is
# for admins by default, as in Mistral 23.
_ADMIN_ONLY_RESOURCES = {
    "code_sources": ["create", "delete", "get", "list", "publicize",
                     "update"],
    "dynamic_actions": ["create", "delete", "get", "list", "publicize",
                        "update"],
}


def persona_default(resource, operation):
    """The default of ``<resource>:<operation>``: reads for readers,
    anything else for members."""
    persona = PROJECT_READER if operation in _READ_OPERATIONS \
        else PROJECT_MEMBER
    what = resource.replace("_", " ")
    return policy.RuleDefault(
        "%s:%s" % (resource, operation), persona,
        description="%s %s." % (_VERBS.get(operation, operation), what))


def _admin_only(name):
    return policy.RuleDefault(
        name, ADMIN_ONLY,
        description="Admin only: %s." % name.split(":", 1)[1].replace(
            ":", " "))


def list_rules():
    rules = list(_BASE_RULES)
    for resource, operations in _RESOURCES.items():
        rules.extend(persona_default(resource, op) for op in operations)
    for name in _ADMIN_ONLY_RULES:
        rules.append(_admin_only(name))
    for resource, operations in _ADMIN_ONLY_RESOURCES.items():
        rules.extend(_admin_only("%s:%s" % (resource, op))
                     for op in operations)
    # Mistral 23 checks no rule on PUT /maintenance: open by default.
    rules.append(policy.RuleDefault("maintenance:update", ""))
    # Metrics are the operator's: admins, or anyone without auth.
    rules.append(policy.RuleDefault(
        "metrics:get", "rule:admin_only or rule:no_auth",
        description="Read the api's Prometheus metrics (GET /metrics)."))
    return rules


_enforcer = None
_lock = threading.Lock()


def get_enforcer():
    global _enforcer
    if _enforcer is None:
        with _lock:
            if _enforcer is None:
                enforcer = policy.Enforcer(cfg.CONF)
                enforcer.register_defaults(list_rules())
                _enforcer = enforcer
    return _enforcer


class _Decisions:
    """oslo.policy's answers of the last second.

    oslo.policy looks for its policy files on disk and inspects each
    check's signature on every ``enforce`` (about a millisecond for one of
    our persona rules, the biggest part of a short request). An answer
    depends only on the rule, the target and the credentials, so the same
    question within ``TTL`` seconds gets the same answer from here; a
    changed policy file is read again at most ``TTL`` seconds later. Rules
    that ask a remote server (``http:``/``https:`` checks) may answer
    otherwise from one request to the next: while any rule has one,
    nothing is kept.
    """

    TTL = 1.0
    MAX_ENTRIES = 10000

    def __init__(self):
        self._lock = threading.Lock()
        self._answers = {}
        self._since = float("-inf")
        self._enforcer = None
        self._keep = False

    def allowed(self, rule, target: dict, creds: dict) -> bool:
        enforcer = get_enforcer()
        key = (rule, _frozen(target), _frozen(creds))
        now = time.monotonic()
        with self._lock:
            if now - self._since >= self.TTL or \
                    enforcer is not self._enforcer or \
                    len(self._answers) >= self.MAX_ENTRIES:
                self._answers.clear()
                self._since = now
                self._enforcer = enforcer
                enforcer.load_rules()
                self._keep = not _asks_remote(enforcer)
            answer = self._answers.get(key) if self._keep else None
        if answer is None:
            answer = bool(enforcer.enforce(rule, target, creds))
            with self._lock:
                if self._keep and enforcer is self._enforcer:
                    self._answers[key] = answer
        return answer


def _asks_remote(enforcer) -> bool:
    """Whether a rule of ``enforcer`` has an ``http:``/``https:`` check."""
    return any(getattr(check, "kind", None) in ("http", "https")
               for rule in enforcer.rules.values()
               for check in _walk(rule))


def _walk(check):
    yield check
    for inner in getattr(check, "rules", ()) or ():
        yield from _walk(inner)
    inner = getattr(check, "rule", None)
    if inner is not None and not isinstance(inner, str):
        yield from _walk(inner)


def _frozen(values: dict) -> tuple:
    """A dict of strings, booleans and lists of strings as a key."""
    return tuple(sorted(
        (k, tuple(v) if isinstance(v, list) else v)
        for k, v in values.items()))


_decisions = _Decisions()


def enforce(rule, ctx, target=None):
    """Raise NotAllowedError (403) unless ``ctx`` may do ``rule``."""
    target = target or {"project_id": ctx.project_id}
    creds = {"is_admin": bool(ctx.is_admin), "project_id": ctx.project_id,
             "user_id": ctx.user_id, "roles": sorted(ctx.roles),
             "auth_enable": bool(cfg.CONF.pecan.auth_enable)}
    if not _decisions.allowed(rule, target, creds):
        raise exc.NotAllowedError(
            "Operation forbidden (insufficient permissions)")
