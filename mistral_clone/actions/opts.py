"""oslo.config options of the actions package.

Group and option names are real Mistral's, so an operator's mistral.conf
keeps its meaning: ``[action_std_http]`` (egress policy and limits of
std.http), ``[action_logging]`` (what std.http logs), ``[DEFAULT]
js_implementation`` and ``[legacy_action_provider] load_action_plugins``.
Options of our own (Mistral has no such limits): ``[DEFAULT] js_timeout``
and ``js_max_memory_mb``, ``[action_std_ssh]`` and ``[action_std_email]``
``denied_cidrs``, ``[dynamic_actions] import_timeout``.
"""

from __future__ import annotations

from oslo_config import cfg

ACTION_STD_HTTP_GROUP = 'action_std_http'
ACTION_LOGGING_GROUP = 'action_logging'
LEGACY_ACTION_PROVIDER_GROUP = 'legacy_action_provider'
ACTION_STD_SSH_GROUP = 'action_std_ssh'
ACTION_STD_EMAIL_GROUP = 'action_std_email'
DYNAMIC_ACTIONS_GROUP = 'dynamic_actions'

#: Addresses no sender reaches by default: unspecified, loopback,
#: link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254),
#: shared address space (100.64.0.0/10, e.g. Alibaba's metadata service),
#: IETF protocol assignments, multicast, reserved and broadcast. Private
#: ranges (10/8, 172.16/12, 192.168/16, fc00::/7) stay reachable: calling
#: internal services is what workflows are for.
DEFAULT_DENIED_CIDRS = [
    '0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10',
    '192.0.0.0/24', '224.0.0.0/4', '240.0.0.0/4',
    '::/128', '::1/128', 'fe80::/10', 'fec0::/10', 'ff00::/8',
    'fd00:ec2::254/128',
]


def denied_cidrs_opt(sender: str, name: str = 'denied_cidrs') -> cfg.ListOpt:
    """The ``denied_cidrs``-style option of one sender."""
    return cfg.ListOpt(
        name,
        default=list(DEFAULT_DENIED_CIDRS),
        help='Networks that %s must not reach (SSRF protection). The host '
             'name is resolved once, every address it resolves to is '
             'checked, and the connection goes to a checked address. The '
             'default covers unspecified (0.0.0.0, ::), loopback, '
             'link-local (the cloud metadata service), shared, multicast '
             'and reserved ranges. Add private ranges to protect internal '
             'networks, or set an empty list to turn the check off.'
             % sender
    )


action_std_http_opts = [
    cfg.ListOpt(
        'allowed_hosts',
        default=[],
        help='Host names that std.http may connect to. Empty (the default) '
             'allows every host that the denied_cidrs check lets through; '
             'when set, any other host is refused.'
    ),
    denied_cidrs_opt(
        'std.http (the URL, each redirect and the proxy; through a proxy '
        'the URL host must resolve)'
    ),
    cfg.IntOpt(
        'default_timeout',
        default=60,
        min=0,
        help='Timeout in seconds of a std.http request that does not set '
             'its own "timeout". 0 means no timeout.'
    ),
    cfg.IntOpt(
        'max_response_size_bytes',
        default=5242880,
        min=0,
        help='Largest std.http response body accepted, in bytes (5 MiB by '
             'default). A larger Content-Length is refused before the body '
             'is read; a body without Content-Length is cut off when it '
             'passes the limit. 0 disables the check.'
    ),
]

action_logging_opts = [
    cfg.BoolOpt(
        'hide_response_body',
        default=False,
        help='Do not write the body of std.http responses to the log.'
    ),
    cfg.BoolOpt(
        'hide_request_body',
        default=False,
        help='Do not write the body of std.http requests to the log.'
    ),
    cfg.ListOpt(
        'sensitive_headers',
        default=[],
        help='Headers whose values are masked when std.http logs a request.'
    ),
]

js_implementation_opt = cfg.StrOpt(
    'js_implementation',
    default='py_mini_racer',
    choices=['pyv8', 'v8eval', 'py_mini_racer'],
    help='JavaScript engine used by std.javascript (std.js). py_mini_racer '
         'is provided by the "mini-racer" package.'
)

js_limit_opts = [
    cfg.FloatOpt(
        'js_timeout',
        default=5.0,
        min=0,
        help='Seconds a std.javascript script may run before it is stopped '
             'and the action fails. 0 means no limit.'
    ),
    cfg.IntOpt(
        'js_max_memory_mb',
        default=64,
        min=0,
        help='Heap, in MiB, a std.javascript script may use before it is '
             'stopped and the action fails. 0 means no limit.'
    ),
]

legacy_action_provider_opts = [
    cfg.BoolOpt(
        'load_action_plugins',
        default=True,
        help='Load the Python actions registered under the entry point '
             'group "mistral_clone.actions".'
    ),
]


action_std_ssh_opts = [denied_cidrs_opt('std.ssh and std.ssh_proxied '
                                       '(host and gateway_host)')]
action_std_email_opts = [denied_cidrs_opt('std.email (smtp_server)')]

dynamic_actions_opts = [
    cfg.FloatOpt(
        'import_timeout',
        default=30.0,
        min=0.1,
        help='Seconds the top level of a code source (the module of dynamic '
             'actions) may take to run when a process loads it. Past that, '
             'the actions of that version of the code source fail with a '
             'message saying so (the process goes on), until a new version '
             'is uploaded.'
    ),
]


def list_opts() -> list:
    """Every option of this package, for oslo-config-generator."""
    return [
        ('DEFAULT', [js_implementation_opt] + js_limit_opts),
        (ACTION_STD_HTTP_GROUP, list(action_std_http_opts)),
        (ACTION_STD_SSH_GROUP, list(action_std_ssh_opts)),
        (ACTION_STD_EMAIL_GROUP, list(action_std_email_opts)),
        (ACTION_LOGGING_GROUP, list(action_logging_opts)),
        (LEGACY_ACTION_PROVIDER_GROUP, list(legacy_action_provider_opts)),
        (DYNAMIC_ACTIONS_GROUP, list(dynamic_actions_opts)),
    ]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the options on ``conf``; registering twice is harmless."""
    for group, opts in list_opts():
        conf.register_opts(opts, group=None if group == 'DEFAULT' else group)


_registered_on_global = False


def get_conf() -> cfg.ConfigOpts:
    """The global configuration, with this package's options registered."""
    global _registered_on_global
    if not _registered_on_global:
        register_opts(cfg.CONF)
        _registered_on_global = True
    return cfg.CONF
