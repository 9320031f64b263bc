"""Database and RPC errors seen by this process.

Database errors are counted by SQLAlchemy's ``handle_error`` event (every
failed statement or connection attempt, whoever made it) by the class of
the error (``OperationalError``, ``IntegrityError``, ...: the DB-API's
fixed hierarchy), plus the transactions run again after a transient one.
RPC errors are counted by the client method (a fixed set) and reason:
``timeout`` (no answer in time), ``unreachable`` (the broker could not
take the message), ``remote`` (the other side failed unexpectedly).
"""

import prometheus_client

TIMEOUT = "timeout"
UNREACHABLE = "unreachable"
REMOTE = "remote"

DATABASE_ERRORS = prometheus_client.Counter(
    "mistral_database_errors_total",
    "Database errors (failed statements and connections), by error "
    "class.",
    ["error"])
DATABASE_RETRIES = prometheus_client.Counter(
    "mistral_database_transaction_retries_total",
    "Transactions run again after a transient database error (a lost "
    "connection, a deadlock, a busy SQLite file, no free connection).")
RPC_ERRORS = prometheus_client.Counter(
    "mistral_rpc_errors_total",
    "RPC calls and casts that failed, by method and reason (timeout, "
    "unreachable, remote).",
    ["method", "reason"])


def database_error(error_class: str) -> None:
    DATABASE_ERRORS.labels(error_class).inc()


def database_retry() -> None:
    DATABASE_RETRIES.inc()


def rpc_error(method: str, reason: str) -> None:
    RPC_ERRORS.labels(method, reason).inc()
