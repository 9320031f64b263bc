"""on-success / on-error / on-complete / on-skip clauses and advanced publish.

Plain forms: ``t2``, ``[t2, t3]``, ``[{t2: <% cond %>}]``, engine commands
with parameters (``fail msg="x"``, ``fail(msg="x")``). Advanced form:
``{next: <plain form>, publish: {branch, global, atomic}}``.
"""

from typing import NamedTuple, Optional

from mistral_clone import exceptions as exc
from mistral_clone.lang import _checks
from mistral_clone.lang import _collect
from mistral_clone.lang import _inline
from mistral_clone.lang import _schemas

NOOP = "noop"
FAIL = "fail"
SUCCEED = "succeed"
PAUSE = "pause"
ENGINE_COMMANDS = (NOOP, FAIL, SUCCEED, PAUSE)


class TransitionSpec(NamedTuple):
    """One target of a clause.

    ``condition`` is the expression string guarding it, or None.
    ``params`` holds inline parameters such as ``{"msg": "..."}``.
    """

    target_name: str
    condition: Optional[str]
    params: dict

    @property
    def is_engine_command(self) -> bool:
        return self.target_name in ENGINE_COMMANDS


class PublishSpec:
    """Advanced publish: three dicts of name -> value/expression ({} when
    absent)."""

    __slots__ = ("branch", "global_", "atomic")

    def __init__(self, branch=None, global_=None, atomic=None):
        self.branch = dict(branch or {})
        self.global_ = dict(global_ or {})
        self.atomic = dict(atomic or {})

    @classmethod
    def from_dsl(cls, data, path, validate: bool) -> "PublishSpec":
        if validate:
            _schemas.check("publish", data, path)
            if not any(data.get(k) for k in ("branch", "global", "atomic")):
                _collect.report(_checks.invalid(
                    "Either 'branch', 'global' or 'atomic' must be "
                    "specified: ", path))
            for key in ("branch", "global", "atomic"):
                _checks.expressions(data.get(key), list(path) + [key])
        return cls(data.get("branch"), data.get("global"), data.get("atomic"))

    def overridden_by(self, other: Optional["PublishSpec"]) -> "PublishSpec":
        """A new spec: this one's entries, replaced by ``other``'s."""
        if other is None:
            return self
        return PublishSpec(
            dict(self.branch, **other.branch),
            dict(self.global_, **other.global_),
            dict(self.atomic, **other.atomic),
        )

    def is_empty(self) -> bool:
        return not (self.branch or self.global_ or self.atomic)

    def to_dict(self) -> dict:
        out = {}
        for key, value in (("branch", self.branch), ("global", self.global_),
                           ("atomic", self.atomic)):
            if value:
                out[key] = value
        return out

    def __eq__(self, other):
        return isinstance(other, PublishSpec) and \
            self.to_dict() == other.to_dict()

    def __repr__(self):
        return "PublishSpec(%r)" % self.to_dict()


class OnClauseSpec:
    """``.next``: list of TransitionSpec; ``.publish``: PublishSpec or None."""

    __slots__ = ("next", "publish")

    def __init__(self, next_=None, publish: Optional[PublishSpec] = None):
        self.next = list(next_ or [])
        self.publish = publish

    @classmethod
    def from_dsl(cls, data, path, validate: bool) -> "OnClauseSpec":
        if validate:
            _schemas.check("on_clause", data, path)
        if isinstance(data, dict):
            # Any mapping is read as the advanced form, as in Mistral: a
            # lone ``{t2: <% cond %>}`` passes the schema but leads nowhere.
            publish = None
            if data.get("publish") is not None:
                publish = PublishSpec.from_dsl(
                    data["publish"], list(path) + ["publish"], validate)
            targets = _targets(data.get("next"), list(path) + ["next"])
            return cls(targets, publish)
        return cls(_targets(data, path), None)

    def task_names(self):
        return [t.target_name for t in self.next]

    def __repr__(self):
        return "OnClauseSpec(next=%r, publish=%r)" % (self.next, self.publish)


def _targets(data, path):
    if not data:
        return []
    items = [data] if isinstance(data, (str, dict)) else data
    out = []
    for item in items:
        if isinstance(item, dict):
            raw, condition = next(iter(item.items()))
        else:
            raw, condition = item, None
        try:
            name, params = _inline.split_command(raw)
        except exc.InvalidModelError as e:
            raise _checks.invalid(e.message, path)
        out.append(TransitionSpec(name, condition or None, params))
    return out


def check_transition_expressions(clause: Optional[OnClauseSpec], path):
    """Syntax of the targets' names and conditions (not their params), as
    Mistral checks them."""
    if clause is None:
        return
    for i, transition in enumerate(clause.next):
        _checks.expression(transition.target_name, list(path) + [i])
        _checks.expression(transition.condition, list(path) + [i])
