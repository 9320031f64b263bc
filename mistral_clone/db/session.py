"""Engines and transactions.

One SQLAlchemy engine per process, built from ``[database] connection``.
Work is done in explicit transactions (``transaction()``), never through a
thread-local session: the session is passed to the query functions.

SQLite (the embedded default) allows one writer at a time; write transactions
there start with ``BEGIN IMMEDIATE`` and wait on the busy timeout instead of
failing half-way. Inside one process the writers also queue on a lock taken
*before* a connection is checked out: SQLite's own busy handler polls with
sleeps of up to 100 ms (a released lock sits idle while the waiters sleep),
and a waiting writer would hold a pooled connection for nothing. The busy
timeout still covers other processes (``mistral-clone-db-manage``).
PostgreSQL needs none of that: concurrency is per row lock.

Pool sizes come from ``[database] max_pool_size``, ``max_overflow`` and
``pool_timeout`` on every backend.

A pooled connection that the server ended is not handed out. Pinging
every connection on checkout would add a round trip to every engine step,
so the pool pings only a connection that sat idle for a while
(``PING_AFTER_IDLE_S``) or one the server has written to while it was idle:
a server that ends a session (a restart, ``pg_terminate_backend``, a
proxy dropping the link) says so or closes the socket, which a
zero-timeout poll of the socket sees without a round trip. (A link that
died silently shows nothing until used: that use fails as below.) A driver
without a socket to poll gets the ping on every checkout. A failed ping
invalidates the whole pool (every connection opened before it is replaced
on its next checkout: what killed one killed them all); so does an error
of a connection in use that the driver reports as a disconnect
(SQLAlchemy's own rule). A connection lost in the middle of a transaction
is a transient error that engine steps and API requests retry; a commit
cut short is first checked (``commit_outcome``): when it was stored, the
transaction counts as committed.
"""

import contextlib
import select
import threading
import time

import sqlalchemy as sa
from sqlalchemy import event, orm
from sqlalchemy import exc as sa_exc

from mistral_clone import config
from mistral_clone import effects
from mistral_clone.db import commit_outcome
from mistral_clone.db import retry
from mistral_clone.metrics import errors as error_metrics

_lock = threading.Lock()
_engine = None
_sessionmaker = None
# The in-process writer lock of a SQLite database (None on other backends).
# Re-entrant: a thread that nests transactions must not wait for itself.
_sqlite_writer = None


def _configure_sqlite(engine):
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql("BEGIN " + mode)


PING_AFTER_IDLE_S = 1.0


def _ping_idle_connections(engine):
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None:
            return      # just opened
        if time.monotonic() - idle_since < PING_AFTER_IDLE_S and \
                not _server_wrote(dbapi_conn):
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as e:  # noqa: BLE001 - any failure: reconnect
            # The pool replaces this connection and, on their next
            # checkout, every other one opened before now.
            raise sa_exc.InvalidatePoolError(str(e)) from e


def _server_wrote(dbapi_conn) -> bool:
    """Has the server written to (or closed) this idle connection? It
    does so to an idle session mostly to end it; a notice or a
    notification only costs a ping."""
    try:
        poller = select.poll()
        poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError, AttributeError, TypeError):
        return True     # no usable socket: let the ping decide


def _count_error(context) -> None:
    """Every failed statement or connection attempt, by the class of
    its error (SQLAlchemy's DB-API wrapper where it made one)."""
    error = context.sqlalchemy_exception or context.original_exception
    error_metrics.database_error(type(error).__name__)


def create_engine(url):
    conf = config.CONF.database
    kwargs = {"echo": conf.connection_debug, "future": True}
    kwargs["pool_size"] = conf.max_pool_size
    kwargs["max_overflow"] = conf.max_overflow
    kwargs["pool_timeout"] = conf.pool_timeout
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 60}
        kwargs["poolclass"] = sa.pool.QueuePool
    else:
        kwargs["pool_recycle"] = conf.connection_recycle_time
    engine = sa.create_engine(url, **kwargs)
    event.listen(engine, "handle_error", _count_error)
    if url.startswith("sqlite"):
        _configure_sqlite(engine)
    else:
        _ping_idle_connections(engine)
    return engine


def get_engine():
    global _engine, _sessionmaker, _sqlite_writer
    if _engine is None:
        with _lock:
            if _engine is None:
                engine = create_engine(config.database_url())
                _sqlite_writer = threading.RLock() \
                    if engine.dialect.name == "sqlite" else None
                _sessionmaker = orm.sessionmaker(
                    bind=engine, expire_on_commit=False, future=True)
                _engine = engine
    return _engine


def dispose():
    """Forget the engine (tests switch databases; forked children)."""
    global _engine, _sessionmaker, _sqlite_writer
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
        _sessionmaker = None
        _sqlite_writer = None


@contextlib.contextmanager
def transaction():
    """A session in one transaction: committed on success, rolled back on
    any error."""
    get_engine()
    writer = _sqlite_writer
    if writer is None:
        yield from _transaction()
        return
    with writer:
        yield from _transaction()


def _transaction():
    session = _sessionmaker()
    try:
        session.begin()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        effects.note_commit()
        engine = session.get_bind()
        xact_id = commit_outcome.transaction_id(session) \
            if engine.dialect.name == "postgresql" else None
        try:
            session.commit()
        except Exception as e:  # noqa: BLE001 - re-raised unless stored
            if xact_id is None or not retry.is_transient(e):
                raise
            # Closing our end makes the server end a transaction it still
            # holds open: its outcome is then final.
            session.invalidate()
            if not commit_outcome.was_committed(engine, xact_id):
                raise
            # Stored after all: what waits for the commit goes on.
            session.dispatch.after_commit(session)
    finally:
        session.close()


@contextlib.contextmanager
def read_only():
    """A session for reads; on SQLite it does not take the write lock."""
    engine = get_engine()
    session = _sessionmaker(bind=engine.execution_options(
        sqlite_begin="DEFERRED"))
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def has_single_writer():
    """One write transaction at a time for the whole database (SQLite)."""
    get_engine()
    return _sqlite_writer is not None


def is_postgresql():
    return get_engine().dialect.name == "postgresql"
