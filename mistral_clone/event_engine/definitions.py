"""Event definitions: which values of a notification a triggered workflow
receives, as ``params.event_params``.

The file named by ``[event_engine] event_definitions_cfg_file`` is
Mistral's: a YAML list of ``{event_types: <pattern or list of patterns>,
properties: {<name>: <value or expression>}}``. Patterns are shell-style
(``compute.instance.*``); when several definitions match an event type the
last one in the file wins. An event type no definition matches gets
``DEFAULT_PROPERTIES``. Expressions see the notification as ``$``:
``event_type``, ``payload``, ``publisher``, ``timestamp``, ``context``.
"""

import fnmatch
import logging
import os
from typing import Any, Optional

import yaml

from mistral_clone import exceptions as exc
from mistral_clone import expressions

LOG = logging.getLogger(__name__)

DEFAULT_PROPERTIES = {
    "service": "<% $.publisher %>",
    "project_id": "<% $.context.project_id %>",
    "user_id": "<% $.context.user_id %>",
    "timestamp": "<% $.timestamp %>",
}


class EventDefinition:
    """One entry of the file."""

    def __init__(self, entry: Any):
        if not isinstance(entry, dict):
            raise exc.MistralError(
                "An event definition must be a mapping, not %r" % (entry,))
        for field in ("event_types", "properties"):
            if field not in entry:
                raise exc.MistralError(
                    "Required field %s not specified" % field)
        event_types = entry["event_types"]
        self.event_types = [event_types] if isinstance(event_types, str) \
            else list(event_types)
        self.properties = entry["properties"]

    def matches(self, event_type: str) -> bool:
        return any(fnmatch.fnmatch(event_type, pattern)
                   for pattern in self.event_types)


class EventConverter:
    """Turns a notification into the ``event_params`` of its workflows."""

    def __init__(self, definitions: list):
        # Searched from the end: the last matching entry wins.
        self._definitions = list(reversed(definitions))

    def definition_for(self, event_type: str) -> Optional[EventDefinition]:
        for definition in self._definitions:
            if definition.matches(event_type):
                return definition
        return None

    def convert(self, event_type: str, event: dict) -> Any:
        definition = self.definition_for(event_type)
        if definition is None:
            return default_properties(event)
        return expressions.evaluate_recursively(definition.properties, event)


def default_properties(event: dict) -> dict:
    """``DEFAULT_PROPERTIES`` of ``event``, read without YAQL: a context
    without ``user_id`` (a service's notification) gives None where
    Mistral's expression fails, and its event engine thread with it."""
    context = event.get("context") or {}
    return {
        "service": event.get("publisher"),
        "project_id": context.get("project_id"),
        "user_id": context.get("user_id"),
        "timestamp": event.get("timestamp"),
    }


def parse(text: str, source: str = "<string>") -> EventConverter:
    """The converter of a definitions file's text."""
    try:
        entries = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = (" at line: %s, column: %s" % (mark.line + 1, mark.column + 1)
                 if mark is not None else "")
        LOG.error("Invalid YAML syntax in Definitions file %s%s.", source,
                  where)
        raise exc.MistralError(
            "Invalid event definition configuration file. %s" % source)
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise exc.MistralError(
            "Invalid event definition configuration file. %s: a list of "
            "definitions is expected" % source)
    return EventConverter([EventDefinition(entry) for entry in entries])


def load(path: str) -> EventConverter:
    """The converter of the file at ``path``; no file, no definitions (as
    in Mistral, whose default path rarely exists)."""
    if not path or not os.path.exists(path):
        LOG.info("No event definitions file at %s: every event gets the "
                 "default properties", path)
        return EventConverter([])
    with open(path) as f:
        return parse(f.read(), path)
