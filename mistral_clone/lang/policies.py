"""Task policies: retry, wait-before, wait-after, timeout, pause-before,
concurrency, fail-on.

Values are kept raw: a number/boolean, or an expression string the engine
evaluates when the task runs.
"""

from typing import Optional

from mistral_clone import exceptions as exc
from mistral_clone.lang import _checks
from mistral_clone.lang import _inline
from mistral_clone.lang import _schemas
from mistral_clone.lang._errors import located

POLICY_KEYS = ("retry", "wait-before", "wait-after", "timeout",
               "pause-before", "concurrency", "fail-on")


class RetrySpec:
    """``retry: {count, delay, break-on, continue-on}`` or its one-line form
    ``retry: count=3 delay=1``."""

    __slots__ = ("count", "delay", "break_on", "continue_on")

    def __init__(self, data, path, validate: bool):
        if isinstance(data, str):
            try:
                data = _inline.split_command(data)[1]
            except exc.InvalidModelError as e:
                raise located(type(e), e.message, path)
        if validate:
            _schemas.check("retry", data, path)
            for key in ("count", "delay", "break-on", "continue-on"):
                _checks.expression(data.get(key), list(path) + [key])
        self.count = data.get("count")
        self.delay = data.get("delay")
        self.break_on = data.get("break-on")
        self.continue_on = data.get("continue-on")

    def to_dict(self) -> dict:
        out = {"count": self.count, "delay": self.delay}
        if self.break_on is not None:
            out["break-on"] = self.break_on
        if self.continue_on is not None:
            out["continue-on"] = self.continue_on
        return out

    def __repr__(self):
        return "RetrySpec(%r)" % self.to_dict()


class PoliciesSpec:
    """The policies of a task or of task-defaults.

    Defaults when absent: wait_before/wait_after/timeout/concurrency 0,
    pause_before/fail_on False, retry None.
    """

    __slots__ = ("retry", "wait_before", "wait_after", "timeout",
                 "pause_before", "concurrency", "fail_on")

    def __init__(self, data: dict, path, validate: bool):
        data = {k: v for k, v in data.items() if k in POLICY_KEYS and v}
        if validate:
            _schemas.check("policies", data, path)
            for key in POLICY_KEYS[1:]:
                _checks.expression(data.get(key), list(path) + [key])
        retry = data.get("retry")
        self.retry: Optional[RetrySpec] = (
            RetrySpec(retry, list(path) + ["retry"], validate)
            if retry is not None else None
        )
        self.wait_before = data.get("wait-before", 0)
        self.wait_after = data.get("wait-after", 0)
        self.timeout = data.get("timeout", 0)
        self.pause_before = data.get("pause-before", False)
        self.concurrency = data.get("concurrency", 0)
        self.fail_on = data.get("fail-on", False)

    @classmethod
    def empty(cls) -> "PoliciesSpec":
        return cls({}, [], False)

    def merged_over(self, defaults: Optional["PoliciesSpec"]
                    ) -> "PoliciesSpec":
        """This task's policies with task-defaults filling the gaps.

        As in Mistral's engine, a policy of the task wins only when it is
        "set": an expression, or a number > 0 (wait-before, wait-after,
        timeout), or truthy (pause-before, concurrency, fail-on), or present
        (retry). So ``wait-before: 0`` on a task does not cancel a default.
        """
        if defaults is None:
            return self
        merged = PoliciesSpec.empty()
        for name in self.__slots__:
            own = getattr(self, name)
            setattr(merged, name,
                    own if _is_set(name, own) else getattr(defaults, name))
        return merged

    def to_dict(self) -> dict:
        return {
            "retry": self.retry.to_dict() if self.retry else None,
            "wait-before": self.wait_before,
            "wait-after": self.wait_after,
            "timeout": self.timeout,
            "pause-before": self.pause_before,
            "concurrency": self.concurrency,
            "fail-on": self.fail_on,
        }

    def __repr__(self):
        return "PoliciesSpec(%r)" % self.to_dict()


def _is_set(name: str, value) -> bool:
    if name == "retry":
        return value is not None
    if name in ("wait_before", "wait_after", "timeout"):
        return isinstance(value, str) or value > 0
    return bool(value)
