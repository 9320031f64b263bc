"""Time limits of expression evaluation: a deadline for every evaluation,
and a short one inside a transaction, whose overrun moves the evaluation
out of it."""

import time

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import expressions
from mistral_clone.expressions import limits

ENDLESS_YAQL = "<% range(1000000000).sum() %>"
ENDLESS_JINJA = ("{% for i in range(100000) %}{% for j in range(100000) %}"
                 "{% endfor %}{% endfor %}{{ 1 }}")


@pytest.fixture
def limited(conf):
    conf.set_override("evaluation_timeout", 2, "expressions")
    conf.set_override("max_time_in_transaction", 0.1, "expressions")
    yield
    conf.clear_override("evaluation_timeout", "expressions")
    conf.clear_override("max_time_in_transaction", "expressions")


@pytest.mark.parametrize("expression", [ENDLESS_YAQL, ENDLESS_JINJA])
def test_an_endless_expression_fails_at_its_deadline(limited, expression):
    started = time.monotonic()
    with pytest.raises(exc.ExpressionEvaluationError) as info:
        expressions.evaluate_recursively({"x": expression}, {"a": 1})
    assert str(info.value) == (
        "Expression evaluation took longer than 2.0 seconds (the "
        "[expressions] evaluation_timeout) [expression=%s]"
        % {"x": expression})
    assert time.monotonic() - started < 10
    # The thread goes on working normally afterwards.
    assert expressions.evaluate("<% $.a + 1 %>", {"a": 1}) == 2


def test_in_a_transaction_a_slow_evaluation_moves_out(limited):
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
    with limits.in_transaction():
        started = time.monotonic()
        assert expressions.evaluate_recursively(data, context) == expected
        assert time.monotonic() - started < 0.1
        # Other data: evaluated again.
        with pytest.raises(limits.OutOfTime):
            expressions.evaluate_recursively(data, {"k": 2})


def test_a_slow_expression_reading_tasks_is_evaluated_by_the_step(
        limited, ctx, provider):
    # Out of the transaction the data provider shows what was committed,
    # not what the step did before (here: a stale result of task b); the
    # step, run again, evaluates it itself under the full deadline.
    expression = "<% range(5000).sum() * 0 + task(b).result %>"
    with limits.in_transaction():
        with pytest.raises(limits.OutOfTime) as info:
            expressions.evaluate(expression, ctx)
    committed = type(provider)()
    committed.tasks = [dict(t, result=99) for t in committed.tasks]
    limits.evaluate_outside(info.value, committed)
    with limits.in_transaction():
        assert expressions.evaluate(expression, ctx) == 2


def test_a_slow_expression_reading_no_tasks_is_not_evaluated_again(
        limited, ctx, provider):
    # Evaluated outside with the data provider at hand, it asked nothing of
    # it: the step, run again, takes the value found outside (it does not
    # evaluate it again under the lock).
    expression = "<% range(5000).sum() %>"
    with limits.in_transaction():
        with pytest.raises(limits.OutOfTime) as info:
            expressions.evaluate(expression, ctx)
    limits.evaluate_outside(info.value, type(provider)())
    known = limits._memo.get(info.value.data, info.value.context)
    assert known is not None and not known.needs_step
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


def test_quick_expressions_are_not_affected(limited):
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
