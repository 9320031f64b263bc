"""The catalogue of Python actions: the std.* set plus entry-point plugins.

Each entry is an :class:`ActionDescriptor`. ``SYSTEM_ACTIONS`` is fixed at
import; plugins registered under the entry point group
``mistral_clone.actions`` (``name = package.module:ActionClass``) are added
on first lookup when ``[legacy_action_provider] load_action_plugins`` is on.

Each registered class is a thin subclass of the implementation carrying the
registered name (``action_name``), so std.js and std.javascript share code
yet report their own name in messages.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from importlib import metadata
from typing import Dict, List, Optional, Tuple

from mistral_clone import exceptions as exc
from mistral_clone.actions import opts, signature
from mistral_clone.actions.std import basic, http, javascript, mail, ssh

LOG = logging.getLogger(__name__)

ENTRY_POINT_GROUP = 'mistral_clone.actions'


@dataclasses.dataclass(frozen=True)
class ActionDescriptor:
    """What the API lists for an action and what the executor instantiates.

    ``is_system`` and ``scope`` hold what real Mistral 23 answers for its
    Python actions in ``GET /v2/actions``: ``false`` and ``null``.
    """

    name: str
    input_str: str
    description: str
    tags: Optional[List[str]]
    action_class: type
    is_system: bool = False
    scope: Optional[str] = None

    def as_resource(self) -> dict:
        """The action as ``GET /v2/actions`` shows a Python action."""
        return {
            'id': self.name,
            'name': self.name,
            'is_system': self.is_system,
            'input': self.input_str,
            'description': self.description,
            'tags': self.tags,
            'definition': '',
            'scope': self.scope,
            'project_id': None,
            'created_at': '',
            'updated_at': '',
            'namespace': '',
        }


def _bind(name: str, impl: type) -> type:
    return type(impl.__name__, (impl,), {
        'action_name': name,
        '__module__': impl.__module__,
        '__doc__': impl.__doc__,
    })


def _describe(name: str, impl: type, description: str) -> ActionDescriptor:
    bound = _bind(name, impl)
    return ActionDescriptor(
        name=name,
        input_str=signature.of(bound).input_str(),
        description=description,
        tags=None,
        action_class=bound,
    )


_HTTP_DESCRIPTION = (
    'Sends an HTTP request and returns the response.\n\n'
    ':param url: the URL to request.\n'
    ':param method: HTTP method, GET unless given.\n'
    ':param params: dictionary or bytes for the query string.\n'
    ':param body: request body: a dictionary (sent as JSON text), bytes or '
    'text.\n'
    ':param json: any JSON-serializable value sent as the JSON body '
    '(not together with body).\n'
    ':param headers: dictionary of request headers.\n'
    ':param cookies: dictionary of cookies to send.\n'
    ':param auth: "user:password" for HTTP basic authentication.\n'
    ':param timeout: seconds to wait for the server (float).\n'
    ':param allow_redirects: true to follow redirects.\n'
    ':param proxies: dictionary mapping a protocol to a proxy URL.\n'
    ':param verify: for https, whether to check the server certificate; '
    'may also be the path of a CA bundle.'
)

_SSH_DESCRIPTION = (
    'Runs a command over Secure Shell (SSH) on one or several hosts.\n\n'
    'The "host" parameter takes a single host or a list of hosts. With a '
    'single host the result is that host\'s output; with a list it is a '
    'list of outputs in the order of the hosts.'
)

_JS_DESCRIPTION = (
    'Evaluates a JavaScript snippet.\n\n'
    'The script is the body of a function and returns its result with '
    '"return"; the "context" input is available to it as $.'
)

SYSTEM_ACTIONS: List[ActionDescriptor] = sorted([
    _describe('std.async_noop', basic.AsyncNoOpAction,
              'No-operation action that completes asynchronously.'),
    _describe('std.echo', basic.EchoAction,
              'Echo action.\n\nReturns the given output as its result and '
              'does nothing else (after an optional delay in seconds). '
              'Handy as a stand-in while designing, testing or demonstrating '
              'workflows.'),
    _describe('std.email', mail.SendEmailAction,
              'Sends an email message through an SMTP server.\n\nWith '
              'smtp_password the connection is secured with STARTTLS and the '
              'sender logs in; html_body adds an HTML alternative to the '
              'plain-text body.'),
    _describe('std.fail', basic.FailAction,
              '\'Always fail\' action.\n\nFails every time: with error_data '
              'as the error result when it is given, otherwise with an '
              'action error. Useful to test how a workflow handles failing '
              'tasks.\n\n:param error_data: the error result to fail with'),
    _describe('std.http', http.HTTPAction, _HTTP_DESCRIPTION),
    _describe('std.javascript', javascript.JavaScriptAction, _JS_DESCRIPTION),
    _describe('std.js', javascript.JavaScriptAction, _JS_DESCRIPTION),
    _describe('std.mistral_http', http.MistralHTTPAction,
              _HTTP_DESCRIPTION + '\n\nAdds headers naming the workflow, '
              'execution, task and action execution, and the callback URL '
              'through which the called service delivers the result later.'),
    _describe('std.noop', basic.NoOpAction,
              'No-operation action.\n\nDoes nothing; mostly useful for '
              'testing and debugging.'),
    _describe('std.sleep', basic.SleepAction,
              'Sleep action.\n\nWaits the given number of seconds; mostly '
              'useful for testing and debugging.'),
    _describe('std.ssh', ssh.SSHAction, _SSH_DESCRIPTION),
    _describe('std.ssh_proxied', ssh.SSHProxiedAction,
              _SSH_DESCRIPTION + '\n\nThe connection goes through the SSH '
              'gateway given as gateway_host.'),
    _describe('std.test_dict', basic.TestDictAction,
              'Generates a test dictionary of the given size.'),
], key=lambda desc: desc.name)

_SYSTEM_BY_NAME: Dict[str, ActionDescriptor] = {
    desc.name: desc for desc in SYSTEM_ACTIONS
}

_plugins_lock = threading.Lock()
_plugins: Optional[Dict[str, ActionDescriptor]] = None


def _load_plugins() -> Dict[str, ActionDescriptor]:
    found: Dict[str, ActionDescriptor] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in _SYSTEM_BY_NAME or entry.name in found:
            LOG.warning('Action plugin %s (%s) ignored: the name is taken',
                        entry.name, entry.value)
            continue
        try:
            impl = entry.load()
            found[entry.name] = _describe(
                entry.name, impl, (impl.__doc__ or '').strip()
            )
        except Exception:
            LOG.exception('Cannot load action plugin %s (%s)', entry.name,
                          entry.value)
    return found


def plugin_actions() -> List[ActionDescriptor]:
    """Actions from entry points (empty when plugins are switched off)."""
    global _plugins
    if not opts.get_conf().legacy_action_provider.load_action_plugins:
        return []
    with _plugins_lock:
        if _plugins is None:
            _plugins = _load_plugins()
        return sorted(_plugins.values(), key=lambda desc: desc.name)


def reload_plugins() -> None:
    """Forget loaded plugins; the next lookup reads the entry points again."""
    global _plugins
    with _plugins_lock:
        _plugins = None


def list_actions() -> List[ActionDescriptor]:
    """Every Python action, sorted by name."""
    return sorted(SYSTEM_ACTIONS + plugin_actions(), key=lambda d: d.name)


def find_action(name: str) -> Optional[ActionDescriptor]:
    """The descriptor of ``name``, or None when no Python action has it."""
    desc = _SYSTEM_BY_NAME.get(name)
    if desc is not None:
        return desc
    for desc in plugin_actions():
        if desc.name == name:
            return desc
    return None


def get_action_class(name: str) -> type:
    """The class to instantiate for ``name``; InvalidActionError if none."""
    desc = find_action(name)
    if desc is None:
        raise exc.InvalidActionError(
            'Failed to find action [action_name=%s]' % name
        )
    return desc.action_class


def get_action_signature(name: str) -> Tuple[List[str], dict]:
    """``(required parameter names, {parameter: default})`` of ``name``."""
    sig = signature.of(get_action_class(name))
    return list(sig.required), dict(sig.defaults)
