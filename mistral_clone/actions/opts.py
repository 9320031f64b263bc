"""oslo.config options of the actions package.

Group and option names are real Mistral's, so an operator's mistral.conf
keeps its meaning: ``[action_std_http]`` (egress policy and limits of
std.http), ``[action_logging]`` (what std.http logs), ``[DEFAULT]
js_implementation`` and ``[legacy_action_provider] load_action_plugins``.
Options of our own (Mistral has no such limits): ``[DEFAULT] js_timeout``
and ``js_max_memory_mb``.
"""

from __future__ import annotations

from oslo_config import cfg

ACTION_STD_HTTP_GROUP = 'action_std_http'
ACTION_LOGGING_GROUP = 'action_logging'
LEGACY_ACTION_PROVIDER_GROUP = 'legacy_action_provider'

action_std_http_opts = [
    cfg.ListOpt(
        'allowed_hosts',
        default=[],
        help='Host names that std.http may connect to. Empty (the default) '
             'allows every host that the denied_cidrs check lets through; '
             'when set, any other host is refused.'
    ),
    cfg.ListOpt(
        'denied_cidrs',
        default=['127.0.0.0/8', '::1/128', '169.254.0.0/16', 'fe80::/10'],
        help='Networks that std.http must not reach (SSRF protection). A '
             'URL whose host resolves to an address in one of them is '
             'refused, as is a redirect to one. The default covers loopback '
             'and link-local, which includes the cloud metadata service at '
             '169.254.169.254. Add private ranges to protect internal '
             'networks, or set an empty list to turn the address check off '
             '(the http/https scheme check and allowed_hosts still apply).'
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


def list_opts() -> list:
    """Every option of this package, for oslo-config-generator."""
    return [
        ('DEFAULT', [js_implementation_opt] + js_limit_opts),
        (ACTION_STD_HTTP_GROUP, list(action_std_http_opts)),
        (ACTION_LOGGING_GROUP, list(action_logging_opts)),
        (LEGACY_ACTION_PROVIDER_GROUP, list(legacy_action_provider_opts)),
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
