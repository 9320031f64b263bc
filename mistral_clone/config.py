"""Configuration options, with Mistral's own group and option names.

An operator's existing mistral.conf keeps working: options we do not use are
simply ignored by oslo.config. ``list_opts`` feeds oslo-config-generator
(see ``etc/mistral-clone-config-generator.conf``).

The embedded default needs no file at all: a SQLite database in the state
directory, the in-process ``fake:/`` transport and auth off.
"""

import os

from oslo_config import cfg

from mistral_clone.actions import opts as actions_opts
from mistral_clone.event_engine import opts as event_engine_opts
from mistral_clone.expressions import opts as expressions_opts
from mistral_clone.metrics import opts as metrics_opts

CONF = cfg.CONF

DEFAULT_STATE_DIR = os.path.join(
    os.path.expanduser("~"), ".local", "share", "mistral-clone")

default_opts = [
    cfg.StrOpt(
        "state_path",
        default=os.environ.get("MISTRAL_CLONE_STATE_DIR", DEFAULT_STATE_DIR),
        sample_default="~/.local/share/mistral-clone",
        help="Directory for the embedded mode's state (its SQLite "
             "database). MISTRAL_CLONE_STATE_DIR overrides the default."),
    cfg.IntOpt(
        "graceful_shutdown_timeout", default=60, min=0,
        help="Seconds a stopping service (SIGTERM) waits for the work it "
             "has started, such as an executor's running actions, before "
             "it exits. 0: wait as long as it takes."),
    cfg.StrOpt(
        "default_transport_url", default="fake:/",
        help="Transport used when [DEFAULT] transport_url is not set: "
             "'fake:/' runs every service in one process."),
]

api_opts = [
    cfg.HostAddressOpt("host", default="127.0.0.1",
                       help="Address the API server listens on."),
    cfg.PortOpt("port", default=8989, help="Port the API server listens on."),
    cfg.IntOpt("max_limit", default=1000,
               help="Upper bound of the `limit` of list requests."),
    cfg.BoolOpt("allow_action_execution_deletion", default=False,
                help="Allow DELETE /v2/action_executions/{id}."),
    cfg.IntOpt("api_workers", default=1,
               help="Number of API worker threads."),
    cfg.StrOpt("validation_mode", default="mandatory",
               choices=["enabled", "mandatory", "disabled"],
               help="'mandatory': definitions are always validated; "
                    "'enabled': validation can be skipped with "
                    "skip_validation; 'disabled': never validated."),
    cfg.IntOpt("engine_reply_timeout", default=5, min=1,
               help="Seconds a request waits for an engine's answer (to "
                    "start, pause, resume or stop an execution, rerun a "
                    "task, deliver an action's result) before the API "
                    "reads the outcome from the database itself, or "
                    "answers 503 with Retry-After. A start is sent once "
                    "more before that 503 (it is idempotent by id). Far "
                    "under rpc_response_timeout on purpose: an engine that "
                    "died or a broker that is away costs the client "
                    "seconds, not a 500 after a minute. Running an action "
                    "synchronously (POST /v2/action_executions) still "
                    "waits as long as the action runs, up to "
                    "rpc_response_timeout."),
    cfg.FloatOpt("database_retry_timeout", default=5.0, min=0,
                 help="Seconds a request waits for the database after a "
                      "transient error (a lost connection, a restarting "
                      "server, a deadlock): reads, and writes that had "
                      "committed and sent nothing yet, run again until "
                      "then; after it the answer is 503 with Retry-After."),
    cfg.BoolOpt("enable_info_endpoint", default=False,
                help="Serve GET /info: the JSON file named by "
                     "info_json_file_path (build information)."),
    cfg.StrOpt("info_json_file_path", default="info.json",
               help="The JSON file GET /info answers with (relative to "
                    "the service's working directory unless absolute)."),
    cfg.BoolOpt("ui_enabled", default=True,
                help="Serve the web view of executions at /ui/ (a page "
                     "that reads this API from the browser, with the "
                     "caller's token; nothing under /v2 changes)."),
]

healthcheck_opts = [
    cfg.BoolOpt("enabled", default=False,
                help="Serve /healthcheck (oslo.middleware's healthcheck, "
                     "without authentication). Its backends are "
                     "[healthcheck] backends, by default 'database': 503 "
                     "when the database does not answer."),
]

execution_expiration_policy_opts = [
    cfg.IntOpt("evaluation_interval",
               help="Minutes between two runs of the expiration policy in "
                    "each engine (the first run when the engine starts). "
                    "Unset: no expiration. Only finished (SUCCESS, ERROR, "
                    "CANCELLED) top-level executions are deleted, with "
                    "their sub-executions, tasks and action executions."),
    cfg.IntOpt("older_than",
               help="Delete the finished executions last updated this many "
                    "minutes ago or earlier. Minimum 1; unset: no age "
                    "rule."),
    cfg.IntOpt("max_finished_executions", default=0,
               help="Keep at most this many finished top-level executions "
                    "(the latest updated), even unexpired ones. 0: no "
                    "such rule."),
    cfg.IntOpt("batch_size", default=0, min=0,
               help="Executions deleted per transaction. 0: up to 100 "
                    "at a time (every execution due is still deleted in "
                    "the run); each transaction holds its rows only "
                    "briefly."),
    cfg.ListOpt("ignored_states", default=[], item_type=str,
                help="Finished states whose executions are never deleted "
                     "(among SUCCESS, ERROR, CANCELLED)."),
]

pecan_opts = [
    cfg.BoolOpt("auth_enable", default=False,
                help="Authenticate requests with keystonemiddleware. Off in "
                     "the embedded default."),
    cfg.BoolOpt("debug", default=False, help="Pecan debug mode."),
]

# oslo.middleware's name (Mistral 23 has no body limit at all). 10 MiB
# rather than oslo.middleware's 112 KiB: an execution's input and params
# may each be as large as [engine] execution_field_size_limit_kb (1 MiB),
# and one just over it must get Mistral's 400 "Field size limit exceeded",
# not a 413.
oslo_middleware_opts = [
    cfg.IntOpt("max_request_body_size", min=1, default=10 * 1024 * 1024,
               help="Largest request body, in bytes; a larger one is "
                    "answered 413. Keep it well above [engine] "
                    "execution_field_size_limit_kb, so that a value over "
                    "that limit is answered as Mistral answers it (400)."),
]

database_opts = [
    cfg.StrOpt("connection", secret=True,
               help="SQLAlchemy URL; default: a SQLite file in state_path."),
    cfg.IntOpt("max_pool_size", default=10,
               help="Connections kept open in the pool."),
    cfg.IntOpt("max_overflow", default=20,
               help="Connections opened beyond the pool when it is busy."),
    cfg.IntOpt("pool_timeout", default=30,
               help="Seconds to wait for a free connection."),
    cfg.IntOpt("connection_recycle_time", default=3600,
               help="Seconds after which a connection is reopened."),
    cfg.BoolOpt("connection_debug", default=False,
                help="Log every SQL statement."),
]

engine_opts = [
    cfg.HostAddressOpt("host", default="0.0.0.0",
                       help="Name of the engine node."),
    cfg.StrOpt("topic", default="mistral_engine",
               help="RPC topic the engines listen on."),
    cfg.StrOpt("version", default="1.0", help="RPC API version."),
    cfg.StrOpt("merge_strategy", default="replace",
               choices=["replace", "merge"],
               help="How published variables are merged into the "
                    "workflow context."),
    cfg.IntOpt("execution_field_size_limit_kb", default=1024,
               help="The most KB of a workflow's or action's input and "
                    "of a workflow's params (larger: refused, 400) and of "
                    "a failed workflow's error message in its output "
                    "(-1: no limit)."),
    cfg.FloatOpt("recovery_interval", default=5, min=0,
                 help="Seconds between an engine's looks for work another "
                      "engine committed but could not announce before it "
                      "died (a sub-workflow's end its parent task never "
                      "heard of); 0: only when an engine starts."),
    cfg.FloatOpt("start_sweep_interval", default=2, min=0,
                 help="Seconds between an engine's looks for executions "
                      "the API accepted (POST /v2/executions) whose start "
                      "no engine took: its hint was lost, or sent while no "
                      "engine ran. Each look starts those accepted at "
                      "least this long ago; an engine's first look, at its "
                      "start, every one. 0: never."),
    cfg.IntOpt("rpc_workers", default=8,
               help="Threads of an engine's RPC server."),
    cfg.FloatOpt("overdue_timer_warning", default=60, min=0,
                 help="Seconds after which a durable timer (wait-before/"
                      "after, retry delay, timeout) or a cron trigger that "
                      "is due and that no scheduler took makes the engines "
                      "log a warning: without a scheduler service they "
                      "never fire and their executions stay RUNNING. "
                      "0: no warning."),
    cfg.IntOpt("result_workers", default=2, min=1,
               help="Threads of an engine that absorb executors' results, "
                    "each taking the results of many workflow executions "
                    "into one transaction. One engine process runs Python "
                    "on one core, so a few are enough; with SQLite (one "
                    "writer) always 1."),
    cfg.IntOpt("start_workers", default=2, min=1,
               help="Threads of an engine that run the first tasks of the "
                    "executions the API accepted (POST /v2/executions), "
                    "apart from its RPC threads and result workers, so "
                    "that a burst of starts leaves the executions already "
                    "running their share of the engine. With SQLite (one "
                    "writer) always 1."),
    cfg.IntOpt("action_definition_cache_time", default=60,
               help="Seconds an engine remembers which Python action an "
                    "action name leads to (0: look it up every time)."),
    cfg.ListOpt("inline_actions", default=[], item_type=str,
                help="Python actions the engine runs itself, in the "
                     "transaction that starts them, instead of sending them "
                     "to an executor: for instant, side-effect-free actions "
                     "only (std.noop, std.echo, std.fail). Saves two "
                     "messages and a transaction per action; a task's "
                     "'target' still goes to its executor. Empty: "
                     "std.noop, std.echo and std.fail when [executor] "
                     "type = local, else none (Mistral's behaviour)."),
]

executor_opts = [
    cfg.StrOpt("type", default="remote", choices=["remote", "local"],
               help="'remote': actions run in executor services; "
                    "'local': in the engine process."),
    cfg.HostAddressOpt("host", default="0.0.0.0",
                       help="Name of the executor node."),
    cfg.StrOpt("topic", default="mistral_executor",
               help="RPC topic the executors listen on."),
    cfg.StrOpt("version", default="1.0", help="RPC API version."),
    cfg.IntOpt("workers", default=16,
               help="Threads of an executor's action pool."),
    cfg.FloatOpt("liveness_interval", min=0, default=2,
                 help="Seconds between two beats of a process that runs "
                      "actions (an executor, an engine running actions "
                      "itself): one message naming the process and the "
                      "actions it accepted since its previous beat (sent "
                      "at once when there are some). The engines look for "
                      "silent processes as often. 0 disables executors' "
                      "liveness (Mistral's [action_heartbeat] rules only)."),
    cfg.FloatOpt("liveness_timeout", min=1, default=10,
                 help="Seconds without a beat after which the engines take "
                      "a process that runs actions for dead: all its "
                      "running actions are run again at once when their "
                      "task says 'safe-rerun: true', else they fail with "
                      "\"Heartbeat wasn't received.\"."),
]

scheduler_opts = [
    cfg.FloatOpt("fixed_delay", default=1,
                 help="Seconds between two polls of the delayed calls."),
    cfg.FloatOpt("random_delay", default=0,
                 help="Up to this many seconds added at random to each poll."),
    cfg.IntOpt("batch_size", default=None,
               help="Most delayed calls claimed at once."),
    cfg.FloatOpt("captured_job_timeout", default=30,
                 help="Seconds after which a claimed but unfinished call "
                      "is claimed again."),
    cfg.IntOpt("workers", default=4, min=1,
               help="Threads of a scheduler that run due delayed calls; "
                    "a poll claims no more calls than there are free "
                    "threads."),
]

cron_trigger_opts = [
    cfg.BoolOpt("enabled", default=True,
                help="Fire cron triggers."),
    cfg.IntOpt("execution_interval", default=1,
               help="Seconds between two looks for due triggers."),
]

notifier_opts = [
    cfg.StrOpt("type", default="remote", choices=["local", "remote"],
               help="'remote': events go to notifier services over RPC; "
                    "'local': sent by the engine itself."),
    cfg.HostAddressOpt("host", default="0.0.0.0",
                       help="Name of the notifier node."),
    cfg.StrOpt("topic", default="mistral_notifier",
               help="RPC topic the notifiers listen on."),
    cfg.ListOpt("notify", default=[], item_type=str,
                help="Notifiers applied to every execution."),
    actions_opts.denied_cidrs_opt("notification webhooks",
                                  name="webhook_denied_cidrs"),
    cfg.IntOpt("delivery_workers", default=4, min=1,
               help="Threads of a notifier that deliver events, each to "
                    "one publisher of one workflow execution at a time "
                    "(so a webhook that is slow or down holds up only "
                    "its own events)."),
    cfg.FloatOpt("delivery_sweep_interval", default=2, min=0.1,
                 help="Seconds between two looks of a notifier for due "
                      "events besides the engines' wake-ups: what a lost "
                      "wake-up delays an event by at most."),
    cfg.FloatOpt("delivery_lease_time", default=20, min=1,
                 help="Seconds a notifier holds the events it is "
                      "delivering, renewed after each one: a notifier that "
                      "dies has its events taken over by another one this "
                      "long after. Must exceed a webhook request's longest "
                      "time (about 13 s)."),
    cfg.FloatOpt("delivery_retry_delay", default=1, min=0,
                 help="Seconds before a failed event is tried again, "
                      "doubled after every further failure."),
    cfg.FloatOpt("delivery_max_retry_delay", default=300, min=0,
                 help="Longest wait between two attempts of an event."),
    cfg.FloatOpt("delivery_max_age", default=86400, min=0,
                 help="Seconds after which an event that still fails is "
                      "logged and dropped (and the events after it to the "
                      "same publisher go on)."),
]


context_versioning_opts = [
    cfg.BoolOpt("enabled", default=True,
                help="Version the variables published along each branch, "
                     "so that where branches meet (a join, the end of the "
                     "workflow) a variable takes the value of the branch "
                     "that published it most often, as in Mistral 23."),
    cfg.BoolOpt("hash_version_keys", default=True,
                help="Name the versions of published variables by the md5 "
                     "of their path, as Mistral does (False: by the path "
                     "itself)."),
]

action_heartbeat_opts = [
    cfg.IntOpt("max_missed_heartbeats", min=0, default=15,
               help="Heartbeats an action execution may miss before its "
                    "executor is taken for dead: the action is then run "
                    "again when its task has 'safe-rerun: true', else it "
                    "fails. 0 disables action heartbeats."),
    cfg.IntOpt("check_interval", min=0, default=20,
               help="Seconds between two heartbeats of an executor (all "
                    "the actions it runs, in one message) and between two "
                    "looks of the engines for action executions whose "
                    "last heartbeat is older than check_interval * "
                    "max_missed_heartbeats. 0 disables action "
                    "heartbeats."),
    cfg.IntOpt("batch_size", min=0, default=10,
               help="Most action executions handled by one look for "
                    "missed heartbeats (0: no limit)."),
    cfg.IntOpt("first_heartbeat_timeout", min=0, default=3600,
               help="Grace period in seconds before the first heartbeat "
                    "of a new (or re-sent) action execution, for when no "
                    "executor is free to take it yet."),
]


def list_opts():
    return [
        ("DEFAULT", default_opts),
        ("api", api_opts),
        ("pecan", pecan_opts),
        ("oslo_middleware", oslo_middleware_opts),
        ("database", database_opts),
        ("engine", engine_opts),
        ("executor", executor_opts),
        ("scheduler", scheduler_opts),
        ("cron_trigger", cron_trigger_opts),
        ("notifier", notifier_opts),
        ("action_heartbeat", action_heartbeat_opts),
        ("context_versioning", context_versioning_opts),
        ("healthcheck", healthcheck_opts),
        ("execution_expiration_policy", execution_expiration_policy_opts),
    ] + actions_opts.list_opts() + expressions_opts.list_opts() + \
        event_engine_opts.list_opts() + metrics_opts.list_opts()


_registered = False


def register_opts(conf=CONF):
    global _registered
    if _registered and conf is CONF:
        return
    for group, opts in list_opts():
        conf.register_opts(opts, group=None if group == "DEFAULT" else group)
    if conf is CONF:
        _registered = True


def parse_args(argv=None, default_config_files=None):
    """Register every option and read the command line and config files."""
    register_opts()
    from oslo_log import log as logging
    try:
        logging.register_options(CONF)
    except cfg.ArgsAlreadyParsedError:
        pass
    except cfg.DuplicateOptError:
        pass
    CONF(argv if argv is not None else [], project="mistral-clone",
         default_config_files=default_config_files or [])


def database_url(conf=CONF):
    if conf.database.connection:
        return conf.database.connection
    os.makedirs(conf.state_path, exist_ok=True)
    return "sqlite:///" + os.path.join(conf.state_path, "mistral-clone.sqlite")


register_opts()
