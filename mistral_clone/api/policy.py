"""oslo.policy rules in code, with Mistral's rule names.

``admin_only`` operations (``scope=public``, ``all_projects``, the
``project_id`` filter) succeed for a context with the admin role and are
refused with 403 otherwise, auth on or off, as in the real Mistral.
"""

import threading

from oslo_config import cfg
from oslo_policy import policy

from mistral_clone import exceptions as exc

ADMIN_ONLY = "rule:admin_only"
ADMIN_OR_OWNER = "rule:admin_or_owner"

_BASE_RULES = [
    policy.RuleDefault("admin_only", "is_admin:True"),
    policy.RuleDefault("admin_or_owner",
                       "is_admin:True or project_id:%(project_id)s"),
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
}

_ADMIN_ONLY_RULES = [
    "workflows:list:all_projects", "workflows:publicize",
    "workbooks:list:all_projects", "workbooks:publicize",
    "actions:list:all_projects", "actions:publicize",
    "executions:list:all_projects", "action_executions:list:all_projects",
    "environments:list:all_projects", "environments:publicize",
    "cron_triggers:list:all_projects", "cron_triggers:publicize",
    "tasks:list:all_projects",
]


def list_rules():
    rules = list(_BASE_RULES)
    for resource, operations in _RESOURCES.items():
        for op in operations:
            rules.append(policy.RuleDefault("%s:%s" % (resource, op),
                                            ADMIN_OR_OWNER))
    for name in _ADMIN_ONLY_RULES:
        rules.append(policy.RuleDefault(name, ADMIN_ONLY))
    # Mistral 23 checks no rule on PUT /maintenance: open by default.
    rules.append(policy.RuleDefault("maintenance:update", ""))
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


def enforce(rule, ctx, target=None):
    """Raise NotAllowedError (403) unless ``ctx`` may do ``rule``."""
    target = target or {"project_id": ctx.project_id}
    creds = {"is_admin": bool(ctx.is_admin), "project_id": ctx.project_id,
             "user_id": ctx.user_id, "roles": list(ctx.roles)}
    if not get_enforcer().enforce(rule, target, creds):
        raise exc.NotAllowedError(
            "Operation forbidden (insufficient permissions)")
