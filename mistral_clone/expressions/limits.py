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
data, so that the step, run again, finds it at once.

An expression that asked the data provider (``task()``, ``execution()``...)
saw the committed state out there, not the step's (a task's result the step
has just stored, say). Its outcome keeps what it read (``_Read``: the call
and a digest of the answer); the step, run again, asks the same questions
of its own provider, which is quick, and takes the value only when every
answer is the same. Otherwise it moves the evaluation out once more, this
time with the step's answers (``OutOfTime.answers``): out there the
expression reads them instead of the committed state, and the next run of
the step finds them unchanged. Timestamps are left out of the comparison
(a row the step updates gets a new ``updated_at`` at each run). After
``engine.step.MAX_MOVES_OUT`` moves the step evaluates it itself, under the
full deadline.
"""

import contextlib
import copy
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

    def __init__(self, evaluate, data, context, answers=None):
        super().__init__("Expression evaluation moved out of the "
                         "transaction")
        self.evaluate = evaluate
        self.data = data
        self.context = context
        # What the step's data provider answered to the questions the
        # evaluation asked last time: {(name, key): answer}.
        self.answers = answers


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
        if known is not None:
            if not known.reads:
                return known.value()
            answers = _step_answers_or_error(known.reads,
                                             _provider_of(context))
            if answers is None:
                return known.value()
            if answers is not _UNANSWERED:
                raise OutOfTime(evaluate, data, context, answers)
        # Read from the step's own state with no provider to compare:
        # here, under the full deadline.
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
        recording = _RecordingProvider(provider, slow.answers or {})
        context = dict(context)
        context[DATA_PROVIDER_KEY] = recording
    with outside_transaction():
        try:
            outcome = _Outcome(value=guarded(slow.evaluate, slow.data,
                                             context))
        except exc.MistralError as e:
            outcome = _Outcome(error=e)
    if recording is not None:
        # What it read, for the step to check against its own state.
        outcome.reads = tuple(recording.reads)
    _memo.put(slow.data, slow.context, outcome)


class _Read:
    """One question an evaluation asked its data provider, and a digest
    of the answer."""

    __slots__ = ("name", "args", "kwargs", "key", "digest")

    def __init__(self, name, args, kwargs, answer):
        self.name = name
        self.args = args
        self.kwargs = kwargs
        self.key = _question_key(name, args, kwargs)
        self.digest = _answer_digest(answer)


def _question_key(name, args, kwargs) -> tuple:
    return name, json.dumps([args, kwargs], sort_keys=True, default=str)


# Left out when answers are compared: the step sets them anew each time it
# runs.
_TIMESTAMPS = frozenset({"created_at", "updated_at"})


def _without_timestamps(value):
    if isinstance(value, dict):
        return {k: _without_timestamps(v) for k, v in value.items()
                if k not in _TIMESTAMPS}
    if isinstance(value, list):
        return [_without_timestamps(v) for v in value]
    return value


def _answer_digest(answer) -> str:
    return hashlib.sha256(json.dumps(
        _without_timestamps(answer), sort_keys=True,
        default=str).encode()).hexdigest()


def _provider_of(context):
    if isinstance(context, dict):
        return context.get(DATA_PROVIDER_KEY)
    return None


# The step's provider could not answer (there is none, or it failed).
_UNANSWERED = object()


def _step_answers_or_error(reads, provider):
    """``_step_answers``, or ``_UNANSWERED``: a question that now fails
    (evaluated in the step, the expression gets the error as usual)."""
    if provider is None:
        return _UNANSWERED
    try:
        return _step_answers(reads, provider)
    except Exception as e:  # noqa: BLE001 - the evaluation reports it
        passes_through = getattr(provider, "passes_through", None)
        if passes_through is not None and passes_through(e):
            raise
        return _UNANSWERED


def _step_answers(reads, provider) -> Optional[dict]:
    """None when ``provider`` (the step's) answers every read as it was
    answered outside; else all its answers, by question."""
    answers = {}
    same = True
    for read in reads:
        answer = getattr(provider, read.name)(*read.args, **read.kwargs)
        answers[read.key] = answer
        same = same and _answer_digest(answer) == read.digest
    return None if same else answers


class _RecordingProvider:
    """A data provider that records what an evaluation asked it and
    answers from ``answers`` (the step's, see ``OutOfTime``) what they
    hold."""

    def __init__(self, provider, answers: dict):
        self._provider = provider
        self._answers = answers
        self.reads = []

    def __getattr__(self, name):
        attr = getattr(self._provider, name)
        if name in _NOT_DATA or not callable(attr):
            return attr     # what every evaluation asks, reading nothing

        def asked(*args, **kwargs):
            key = _question_key(name, args, kwargs)
            if key in self._answers:
                answer = copy.deepcopy(self._answers[key])
            else:
                answer = attr(*args, **kwargs)
            self.reads.append(_Read(name, args, kwargs, answer))
            return answer
        return asked


# Provider attributes an evaluation reads before it runs (see
# ``expressions.provider``): they say how to handle errors, not what the
# data is.
_NOT_DATA = frozenset({"passthrough_errors", "passes_through"})


# -- what was evaluated outside ------------------------------------------------

class _Outcome:
    __slots__ = ("_value", "_error", "reads")

    def __init__(self, value=None, error=None):
        self._value = value
        self._error = error
        # What the evaluation asked its data provider (``_Read``s).
        self.reads = ()

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
