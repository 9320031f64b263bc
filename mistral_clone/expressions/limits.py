"""Time limits of expression evaluation.

Expressions are code written by users: ``<% range(100000000).sum() %>``
would keep a thread busy for many minutes. Every top-level evaluation runs
under a deadline (``[expressions] evaluation_timeout``): one watchdog thread
raises ``_Expired`` in the evaluating thread when its deadline passes
(``PyThreadState_SetAsyncExc``: the evaluators are Python code, so it stops
at the next bytecode), and the evaluation fails with a clear error.

Inside an engine step (``in_transaction()``), where the step holds its
execution's lock, an evaluation gets only ``[expressions]
max_time_in_transaction``: one that needs more raises ``OutOfTime``
(carrying the expression and its data) out of the step, which is rolled
back; ``evaluate_outside`` then evaluates it with no lock held, under the
full deadline, and remembers the outcome for that expression and that
data, so that the step, run again, finds it at once. An expression that
asked the data provider (``task()``, ``execution()``...) would have seen
the committed state there rather than the step's: the step, run again,
evaluates it itself under the full deadline.
"""

import contextlib
import ctypes
import hashlib
import itertools
import json
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Optional

from oslo_config import cfg

from mistral_clone import exceptions as exc
from mistral_clone.expressions import opts
from mistral_clone.expressions.provider import DATA_PROVIDER_KEY


class _Expired(BaseException):
    """Raised by the watchdog in a thread whose deadline has passed (a
    BaseException, so that no ``except Exception`` on the way stops it)."""


class OutOfTime(BaseException):
    """An evaluation inside a transaction needed more than its share: the
    step must be rolled back and run again once ``evaluate_outside`` has
    run ``evaluate(data, context)`` with no lock held."""

    def __init__(self, evaluate, data, context):
        super().__init__("Expression evaluation moved out of the "
                         "transaction")
        self.evaluate = evaluate
        self.data = data
        self.context = context


# -- the watchdog ----------------------------------------------------------------

class _Watchdog:
    """One thread for every deadline: arming and disarming are two dict
    operations (the hot path); the thread looks at the armed deadlines
    every POLL_S while there are any and sleeps otherwise."""

    POLL_S = 0.05

    def __init__(self):
        self._lock = threading.Lock()
        self._armed = {}         # seq -> (deadline, thread id)
        self._seq = itertools.count()
        self._work = threading.Event()
        self._thread = None

    def arm(self, seconds: float) -> int:
        seq = next(self._seq)
        entry = (time.monotonic() + seconds, threading.get_ident())
        with self._lock:
            self._armed[seq] = entry
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="expression-watchdog",
                    daemon=True)
                self._thread.start()
        if not self._work.is_set():
            self._work.set()
        return seq

    def disarm(self, seq: int) -> None:
        with self._lock:
            self._armed.pop(seq, None)

    def _run(self) -> None:
        while True:
            self._work.wait()
            time.sleep(self.POLL_S)
            now = time.monotonic()
            with self._lock:
                if not self._armed:
                    self._work.clear()
                    continue
                expired = [seq for seq, (deadline, _tid) in
                           self._armed.items() if deadline <= now]
                for seq in expired:
                    _deadline_at, thread_id = self._armed.pop(seq)
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(thread_id),
                        ctypes.py_object(_Expired))


_watchdog = _Watchdog()
_local = threading.local()


_registered = []


def _options():
    if not _registered:
        opts.register_opts(cfg.CONF)
        _registered.append(True)
    return cfg.CONF.expressions


@contextlib.contextmanager
def _deadline(seconds: Optional[float]):
    """Raise ``_Expired`` in this thread after ``seconds`` (None or 0: no
    limit)."""
    if not seconds or seconds <= 0:
        yield
        return
    seq = _watchdog.arm(seconds)
    try:
        yield
    finally:
        try:
            _watchdog.disarm(seq)
        except _Expired:
            # Fired while leaving: the work was done just in time.
            _watchdog.disarm(seq)


# How much of the evaluated data an error shows.
_SHOWN_CHARS = 200


def shown(data) -> str:
    """The evaluated data as errors and logs show it (cut short)."""
    text = data if isinstance(data, str) else repr(data)
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + '...'
    return text


def _timeout_error(seconds, data) -> exc.ExpressionEvaluationError:
    return exc.ExpressionEvaluationError(
        "Expression evaluation took longer than %s seconds (the "
        "[expressions] evaluation_timeout) [expression=%s]"
        % (seconds, shown(data)))


@contextlib.contextmanager
def _thread_flag(name: str):
    """Set a flag of this thread for the block, as it was after."""
    previous = getattr(_local, name, False)
    setattr(_local, name, True)
    try:
        yield
    finally:
        setattr(_local, name, previous)


def in_transaction():
    """Evaluations in this block hold a transaction's lock: they get
    ``max_time_in_transaction`` (see the module's docstring)."""
    return _thread_flag("in_transaction")


def outside_transaction():
    """Evaluations in this block get the full deadline, inside a
    transaction too (the last attempt of a step that kept moving
    evaluations out; evaluating outside)."""
    return _thread_flag("full_deadline")


def _budgeted() -> bool:
    return getattr(_local, "in_transaction", False) and \
        not getattr(_local, "full_deadline", False) and \
        _options().max_time_in_transaction > 0


def guarded(evaluate: Callable[[Any, Any], Any], data, context):
    """``evaluate(data, context)`` under the limits (nested calls run
    under the outermost one's)."""
    if getattr(_local, "guarded", False):
        return evaluate(data, context)
    options = _options()
    budgeted = _budgeted()
    if budgeted:
        known = _memo.get(data, context)
        if known is not None and not known.needs_step:
            return known.value()
        # Read from the step's own state (see evaluate_outside): here,
        # under the full deadline.
        budgeted = known is None
    limit = (options.max_time_in_transaction if budgeted
             else options.evaluation_timeout)
    _local.guarded = True
    try:
        with _deadline(limit):
            return evaluate(data, context)
    except _Expired:
        if budgeted:
            raise OutOfTime(evaluate, data, context) from None
        raise _timeout_error(limit, data) from None
    finally:
        _local.guarded = False


def evaluate_outside(slow: OutOfTime, provider: Any = None) -> None:
    """Evaluate what a step could not, with no lock held and under the full
    deadline (``provider``: a data provider for this moment, since the
    step's session is gone), and remember the value or the error."""
    context = slow.context
    recording = None
    if provider is not None and isinstance(context, dict):
        recording = _RecordingProvider(provider)
        context = dict(context)
        context[DATA_PROVIDER_KEY] = recording
    with outside_transaction():
        try:
            outcome = _Outcome(value=guarded(slow.evaluate, slow.data,
                                             context))
        except exc.MistralError as e:
            outcome = _Outcome(error=e)
    if recording is not None and recording.used:
        # It read tasks or executions: out here it saw what was committed,
        # not what the step had done before it (a task's result, say). The
        # step evaluates it again itself, under the full deadline.
        outcome = _Outcome(needs_step=True)
    _memo.put(slow.data, slow.context, outcome)


class _RecordingProvider:
    """A data provider that remembers whether an evaluation asked it
    anything."""

    def __init__(self, provider):
        self._provider = provider
        self.used = False

    def __getattr__(self, name):
        attr = getattr(self._provider, name)
        if name in _NOT_DATA or not callable(attr):
            return attr     # what every evaluation asks, reading nothing

        def asked(*args, **kwargs):
            self.used = True
            return attr(*args, **kwargs)
        return asked


# Provider attributes an evaluation reads before it runs (see
# ``expressions.provider``): they say how to handle errors, not what the
# data is.
_NOT_DATA = frozenset({"passthrough_errors", "passes_through"})


# -- what was evaluated outside ------------------------------------------------

class _Outcome:
    __slots__ = ("_value", "_error", "needs_step")

    def __init__(self, value=None, error=None, needs_step=False):
        self._value = value
        self._error = error
        self.needs_step = needs_step

    def value(self):
        if self._error is not None:
            raise self._error
        return self._value


class _Memo:
    """Outcomes of evaluations done outside a transaction, by expression
    and data (a digest of the data without its provider), for a while."""

    SIZE = 256
    TTL_S = 300.0

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = OrderedDict()
        # Entries by expression text: a quick no for any other text.
        self._texts = {}

    @staticmethod
    def _text(data) -> str:
        return json.dumps(data, sort_keys=True, default=str)

    @staticmethod
    def _digest(context) -> str:
        if isinstance(context, dict):
            context = {k: v for k, v in context.items()
                       if k != DATA_PROVIDER_KEY}
        return hashlib.sha256(json.dumps(
            context, sort_keys=True, default=repr).encode()).hexdigest()

    def get(self, data, context) -> Optional[_Outcome]:
        if not self._texts:
            return None
        text = self._text(data)
        if text not in self._texts:
            return None
        key = (text, self._digest(context))
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, data, context, outcome: _Outcome) -> None:
        text = self._text(data)
        key = (text, self._digest(context))
        with self._lock:
            if key not in self._entries:
                self._texts[text] = self._texts.get(text, 0) + 1
            self._entries[key] = (time.monotonic() + self.TTL_S, outcome)
            while len(self._entries) > self.SIZE:
                (old_text, _digest), _entry = self._entries.popitem(
                    last=False)
                self._texts[old_text] -= 1
                if not self._texts[old_text]:
                    del self._texts[old_text]


_memo = _Memo()
