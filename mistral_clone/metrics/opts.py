"""``[metrics]`` options (ours: Mistral has no metrics).

The api serves its process's metrics at ``/metrics`` beside ``/v2``; a
process without the api serves them on a port of its own, chosen by the
first of its services (in ``mistral-clone-server``'s order) whose
``<service>_port`` is set. Those ports are unset by default: two engines
of one host sharing a configuration file would otherwise fight over one
default port.
"""

from oslo_config import cfg

METRICS_GROUP = "metrics"

# The services that serve their metrics on a port of their own, each with
# the option naming that port.
PORT_OPTIONS = {
    "engine": "engine_port",
    "executor": "executor_port",
    "scheduler": "scheduler_port",
    "notifier": "notifier_port",
    "event-engine": "event_engine_port",
}

_PORT_HELP = (
    "Port on which a process whose first service (in the order engine, "
    "executor, scheduler, notifier, event-engine) is the %s serves its "
    "metrics (Prometheus text format, at any path) when the process runs "
    "no api. Unset: none.")

metrics_opts = [
    cfg.BoolOpt("enabled", default=True,
                help="Collect and serve Prometheus metrics: /metrics on the "
                     "api (with [pecan] auth_enable, for a token allowed by "
                     "the rule metrics:get, admins by default), and the "
                     "<service>_port of the other services. False: no "
                     "/metrics (404) and no metrics port."),
    cfg.HostAddressOpt("host", default="127.0.0.1",
                       help="Address the metrics ports of the services "
                            "other than the api listen on. They answer "
                            "without a token: keep them on a network "
                            "only Prometheus reaches."),
] + [cfg.PortOpt(option, help=_PORT_HELP % service)
     for service, option in PORT_OPTIONS.items()]


def list_opts():
    return [(METRICS_GROUP, metrics_opts)]
