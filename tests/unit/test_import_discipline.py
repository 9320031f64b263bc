"""Each service imports only what it uses: a fresh interpreter imports a
service's module and we look at ``sys.modules``. Heavy libraries that only
one action or one service needs (paramiko, requests, pecan, ...) must not
creep into the others' memory, and eventlet must stay out entirely."""

import json
import subprocess
import sys

import pytest

_PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted({m.split('.')[0] for m, v in sys.modules.items()
                         if v is not None})))
"""

# Only needed by the std action that uses them, loaded on its first run.
# (requests is also loaded by the API's oslo.policy, for its http check.)
SSH_JS_MAIL = {"paramiko", "py_mini_racer", "smtplib", "aiosmtpd",
               "cryptography", "invoke", "nacl"}
ACTION_LIBS = SSH_JS_MAIL | {"requests", "urllib3"}
API_LIBS = {"pecan", "wsme", "webob", "keystonemiddleware",
            "oslo_middleware", "waitress", "mako"}
NEVER = {"eventlet", "dns", "alembic"}


def imported_packages(*modules: str) -> set:
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", _PROBE,
         "mistral_clone.cmd.server", *modules],
        check=True, capture_output=True, text=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("service, forbidden", [
    ("mistral_clone.executor.service",
     API_LIBS | NEVER | {"sqlalchemy", "yaql", "jinja2", "jsonschema"}),
    ("mistral_clone.engine.service", API_LIBS | NEVER | ACTION_LIBS),
    ("mistral_clone.scheduler.service", API_LIBS | NEVER | ACTION_LIBS),
    ("mistral_clone.notifier.service", API_LIBS | NEVER | ACTION_LIBS),
    ("mistral_clone.api.service", NEVER | SSH_JS_MAIL),
])
def test_service_imports_stay_lean(service, forbidden):
    assert imported_packages(service) & forbidden == set()


def test_api_app_and_controllers_skip_action_libraries():
    loaded = imported_packages("mistral_clone.api.app",
                               "mistral_clone.api.controllers.root")
    assert loaded & (NEVER | SSH_JS_MAIL) == set()


def test_action_catalogue_without_action_libraries():
    loaded = imported_packages("mistral_clone.actions.registry")
    assert loaded & (NEVER | ACTION_LIBS) == set()
    # ... and yet it lists every std action with its signature.
    from mistral_clone.actions import registry
    names = {d.name for d in registry.SYSTEM_ACTIONS}
    assert {"std.http", "std.ssh", "std.email", "std.js"} <= names
    assert "cmd" in registry.find_action("std.ssh").input_str


def test_eventlet_is_hidden_from_our_processes():
    import mistral_clone  # noqa: F401 - imported for its side effect
    assert sys.modules.get("eventlet", None) is None
