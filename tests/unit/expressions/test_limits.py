"""Time limits of expression evaluation: a deadline for every evaluation,
and a short one inside a transaction, whose overrun moves the evaluation
out of it."""

import time

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import expressions
from mistral_clone.expressions import limits

# Each collection under [expressions] limit_iterators (1,000,000): only
# the deadline can end it, however fast the machine.
ENDLESS_YAQL = "<% range(1000).select(range(999999).sum()).sum() %>"
ENDLESS_JINJA = ("{% for i in range(100000) %}{% for j in range(100000) %}"
                 "{% endfor %}{% endfor %}{{ 1 }}")


@pytest.fixture
def limited(conf, monkeypatch):
    # Outcomes remembered by other tests' evaluations stay with them.
    monkeypatch.setattr(limits, "_memo", limits._Memo())
    conf.set_override("evaluation_timeout", 2, "expressions")
    conf.set_override("max_time_in_transaction", 0.1, "expressions")
    yield
    conf.clear_override("evaluation_timeout", "expressions")
    conf.clear_override("max_time_in_transaction", "expressions")


@pytest.fixture
def patient(limited, conf):
    """``limited``, but with all the time a busy machine may need to end
    a slow (not endless) evaluation outside a transaction."""
    conf.set_override("evaluation_timeout", 60, "expressions")


@pytest.mark.parametrize("expression", [ENDLESS_YAQL, ENDLESS_JINJA])
def test_an_endless_expression_fails_at_its_deadline(limited, expression):
    started = time.monotonic()
    with pytest.raises(exc.ExpressionEvaluationError) as info:
        expressions.evaluate_recursively({"x": expression}, {"a": 1})
    assert str(info.value) == (
        "Expression evaluation took longer than 2.0 seconds (the "
        "[expressions] evaluation_timeout) [expression=%s]"
        % {"x": expression})
    # Far from endless, with room for a machine under heavy load.
    assert time.monotonic() - started < 30
    # The thread goes on working normally afterwards.
    assert expressions.evaluate("<% $.a + 1 %>", {"a": 1}) == 2


def test_in_a_transaction_a_slow_evaluation_moves_out(patient):
    data = {"n": "<% range(5000).sum() %>"}
    context = {"k": 1}
    with limits.in_transaction():
        with pytest.raises(limits.OutOfTime) as info:
            expressions.evaluate_recursively(data, context)
    slow = info.value
    # Outside, with the full deadline (and no lock), it ends...
    with limits.outside_transaction():
        expected = expressions.evaluate_recursively(data, context)
    limits.evaluate_outside(slow)
    # ... and the step, run again, finds its value at once.
    known = limits._memo.get(slow.data, slow.context)
    assert known is not None and known.value() == expected
    with limits.in_transaction():
        assert expressions.evaluate_recursively(data, context) == expected
        # Other data: evaluated again.
        with pytest.raises(limits.OutOfTime):
            expressions.evaluate_recursively(data, {"k": 2})


def _committed(provider, **changes):
    """The state outside the step: task b as it was committed."""
    committed = type(provider)()
    committed.tasks = [dict(t, **changes) if t["id"] == "t-b" else t
                       for t in committed.tasks]
    return committed


READS_B = "<% range(5000).sum() * 0 + task(b).result %>"


def _moved_out(expression, ctx):
    with limits.in_transaction():
        with pytest.raises(limits.OutOfTime) as info:
            expressions.evaluate(expression, ctx)
    return info.value


def test_a_slow_expression_reading_tasks_is_checked_against_the_step(
        patient, ctx, provider):
    # Out of the transaction the data provider shows what was committed,
    # not what the step did before (here: a stale result of task b). The
    # step, run again, asks its own provider the same questions: another
    # answer moves the evaluation out once more, with the step's answers.
    committed = _committed(provider, result=99)
    slow = _moved_out(READS_B, ctx)
    assert slow.answers is None
    limits.evaluate_outside(slow, committed)
    provider.calls.clear()
    slow = _moved_out(READS_B, ctx)
    # Only the question was asked in the step, not the whole expression.
    assert provider.calls == [("task_info", "t-b")]
    [answer] = slow.answers.values()
    assert answer["result"] == 2
    limits.evaluate_outside(slow, committed)
    assert committed.calls == [("task_info", "t-b")]
    with limits.in_transaction():
        assert expressions.evaluate(READS_B, ctx) == 2


def test_answers_that_differ_only_in_timestamps_are_the_same(
        patient, ctx, provider):
    limits.evaluate_outside(_moved_out(READS_B, ctx), _committed(
        provider, updated_at="2020-01-01 00:00:00"))
    with limits.in_transaction():
        assert expressions.evaluate(READS_B, ctx) == 2


def test_a_question_failing_in_the_step_is_evaluated_there(
        patient, ctx, provider):
    limits.evaluate_outside(_moved_out(READS_B, ctx), _committed(provider))

    def broken(*_args):
        raise RuntimeError("gone")
    provider.task_info = broken
    with limits.in_transaction():
        with pytest.raises(exc.ExpressionEvaluationError):
            expressions.evaluate(READS_B, ctx)


def test_a_slow_expression_reading_no_tasks_is_not_evaluated_again(
        patient, ctx, provider):
    # Evaluated outside with the data provider at hand, it asked nothing of
    # it: the step, run again, takes the value found outside (it does not
    # evaluate it again under the lock).
    expression = "<% range(5000).sum() %>"
    with limits.in_transaction():
        with pytest.raises(limits.OutOfTime) as info:
            expressions.evaluate(expression, ctx)
    limits.evaluate_outside(info.value, type(provider)())
    known = limits._memo.get(info.value.data, info.value.context)
    assert known is not None and not known.reads
    with limits.in_transaction():
        assert expressions.evaluate(expression, ctx) == sum(range(5000))


def test_an_endless_expression_moved_out_fails_when_run_again(limited):
    with limits.in_transaction():
        with pytest.raises(limits.OutOfTime) as info:
            expressions.evaluate(ENDLESS_YAQL, {"a": 1})
    limits.evaluate_outside(info.value)
    with limits.in_transaction():
        with pytest.raises(exc.ExpressionEvaluationError,
                           match="took longer than 2.0 seconds"):
            expressions.evaluate(ENDLESS_YAQL, {"a": 1})


def test_quick_expressions_are_not_affected(limited, conf):
    # Each takes microseconds; a second of room in the transaction, so
    # that a thread descheduled on a loaded machine does not count.
    conf.set_override("max_time_in_transaction", 1, "expressions")
    with limits.in_transaction():
        for i in range(200):
            assert expressions.evaluate("<% $.i * 2 %>", {"i": i}) == 2 * i


def test_no_memory_address_reaches_a_user():
    from mistral_clone.db import types
    from mistral_clone.expressions import context as ctx_mod
    assert types.dumps({"f": expressions.evaluate}) == \
        '{"f":"<function evaluate>"}'
    assert ctx_mod.without_addresses(
        "bad receiver <function env_ at 0x7f3a2b1c>") == \
        "bad receiver <function env_>"
