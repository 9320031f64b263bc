"""``[event_engine]`` options.

``host``, ``listener_pool_name``, ``topic`` and
``event_definitions_cfg_file`` are Mistral's, with its defaults.
``reload_interval`` is ours: how often an event engine re-reads the
triggers as a safety net for a change notice it missed (changes made
through the API reach it at once by a fanout message).
"""

from oslo_config import cfg

EVENT_ENGINE_GROUP = "event_engine"

event_engine_opts = [
    cfg.HostAddressOpt(
        "host", default="0.0.0.0",
        help="Name of the event engine node. This can be an opaque "
             "identifier. It is not necessarily a hostname, FQDN, or IP "
             "address."),
    cfg.HostAddressOpt(
        "listener_pool_name", default="events",
        help="Name of the event engines' listener pool: the event engines "
             "sharing it share each (exchange, topic) queue, so that one "
             "of them receives each notification."),
    cfg.StrOpt(
        "topic", default="mistral_event_engine",
        help="The message topic that the event engine listens on (for the "
             "API's notices that triggers changed)."),
    cfg.StrOpt(
        "event_definitions_cfg_file",
        default="/etc/mistral/event_definitions.yaml",
        help="Configuration file for event definitions: which values of a "
             "notification a triggered workflow receives as "
             "'event_params'. A missing file means Mistral's default "
             "properties for every event."),
    cfg.FloatOpt(
        "reload_interval", default=60, min=1,
        help="Seconds between two full re-reads of the event triggers by "
             "an event engine, in case a change notice was lost (changes "
             "made through the API take effect at once)."),
]


def list_opts():
    return [(EVENT_ENGINE_GROUP, event_engine_opts)]
