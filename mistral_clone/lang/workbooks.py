"""Workbooks: a named bundle of workflows and ad-hoc actions."""

from mistral_clone import exceptions as exc
from mistral_clone.lang import _checks
from mistral_clone.lang import _collect
from mistral_clone.lang import _schemas
from mistral_clone.lang.actions import ActionSpec
from mistral_clone.lang.workflows import DSL_VERSION
from mistral_clone.lang.workflows import WorkflowSpec


def check_version(data) -> None:
    """A workbook's version must read as 2.0 (missing means 2.0); the schema
    then only allows '2.0' or 2.0 itself."""
    version = data.get("version", DSL_VERSION)
    try:
        ok = bool(version) and str(float(version)) == DSL_VERSION
    except (TypeError, ValueError):
        ok = False
    if not ok:
        _collect.report(_checks.invalid(
            "Unsupported DSL version: %s" % version, ["version"],
            cls=exc.DSLParsingError))


class WorkbookSpec:
    """Attributes: name, description, tags, version, workflows (list of
    WorkflowSpec with bare names), actions (list of ActionSpec with bare
    names)."""

    def __init__(self, data, validate: bool):
        if validate:
            if isinstance(data, dict):
                check_version(data)
            # When collecting, a workbook mapping with problems of its own
            # still has its actions and workflows checked.
            if not _collect.attempt(_schemas.check, "workbook", data, []) \
                    and not isinstance(data, dict):
                raise _collect.Skipped()
        self._data = data
        self.name = data.get("name")
        self.description = data.get("description")
        self.tags = data.get("tags", [])
        self.version = data.get("version")
        self.actions = []
        for name, item in self._items(data, "actions"):
            with _collect.element():
                self.actions.append(
                    ActionSpec(item, ["actions", name], validate))
        self.workflows = []
        for name, item in self._items(data, "workflows"):
            with _collect.element():
                if not isinstance(item, dict):
                    raise _checks.invalid(
                        "A specification with polymorphic key must be "
                        "backed by a dictionary [spec_cls=WorkflowSpec, "
                        "data=%s]" % item, ["workflows", name])
                self.workflows.append(
                    WorkflowSpec(item, ["workflows", name], validate))

    @staticmethod
    def _items(data, section):
        items = data.get(section) or {}
        if not isinstance(items, dict):  # reported by the schema
            return
        for name, item in items.items():
            if name == "version":
                continue
            if isinstance(item, dict):
                item["name"] = name
                item["version"] = DSL_VERSION
            yield name, item

    def to_dict(self) -> dict:
        return self._data

    def __repr__(self):
        return "WorkbookSpec(%r)" % self.name
