"""Ad-hoc actions: an existing action (``base``) with preset input."""

import json

from mistral_clone import exceptions as exc
from mistral_clone.lang import _checks
from mistral_clone.lang import _collect
from mistral_clone.lang import _inline
from mistral_clone.lang import _schemas
from mistral_clone.lang.workflows import DSL_VERSION
from mistral_clone.lang.workflows import check_item_list
from mistral_clone.lang.workflows import input_dict


class ActionSpec:
    """Attributes: name, description, tags, base (action name without the
    inline parameters), base_input (dict; ``base-input`` with the inline
    parameters of ``base`` merged over it), input (ordered dict name ->
    default, ``REQUIRED`` when none), output (raw; None when absent)."""

    def __init__(self, data: dict, path, validate: bool):
        if validate:
            _validate(data, path)
        self._data = data
        self.name = data["name"]
        self.description = data.get("description")
        self.tags = data.get("tags", [])
        self.base, params = _inline.split_command(data["base"])
        self.base_input = dict(data.get("base-input") or {})
        self.base_input.update(params)
        self.input = input_dict(data.get("input"))
        self.output = data.get("output")

    def input_str(self):
        """The ``input`` field of an action resource: ``a, b=[1]`` (defaults
        JSON-encoded), or None when the action takes no input."""
        parts = []
        for entry in self._data.get("input") or []:
            if isinstance(entry, dict):
                parts.extend("%s=%s" % (k, json.dumps(v))
                             for k, v in entry.items())
            else:
                parts.append(entry)
        return ", ".join(parts) if parts else None

    def to_dict(self) -> dict:
        return self._data

    def __repr__(self):
        return "ActionSpec(%r)" % self.name


def _validate(data, path) -> None:
    """When collecting, an action of the wrong shape still has its
    expressions checked before it is left out."""
    shape_ok = _collect.attempt(_schemas.check, "action", data, path)
    base = data.get("base") if isinstance(data, dict) else None
    if isinstance(base, str):
        try:
            inline = _inline.split_command(base)[1]
        except exc.InvalidModelError as e:
            _collect.abort(_checks.invalid(e.message, list(path) + ["base"]))
        _checks.expressions(inline, list(path) + ["base"])
    if isinstance(data, dict):
        _checks.expressions(data.get("base-input", {}),
                            list(path) + ["base-input"])
        if isinstance(data.get("output"), str):
            _checks.expression(data["output"], list(path) + ["output"])
    if not shape_ok:
        raise _collect.Skipped()


def parse_action_list(data, validate: bool) -> list:
    """A file of ad-hoc actions: ``version`` plus action names."""
    if validate:
        check_item_list(data)
    actions = []
    for name, action_data in data.items():
        if name == "version":
            continue
        with _collect.element():
            action_data["name"] = name
            action_data["version"] = DSL_VERSION
            actions.append(ActionSpec(action_data, [name], validate))
    return actions
