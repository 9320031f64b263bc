"""Event definitions: Mistral's file format, matching and conversion."""

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import expressions
from mistral_clone.event_engine import definitions

EVENT = {
    "event_type": "compute.instance.create.end",
    "payload": {"instance_id": "i-1", "state": "active"},
    "publisher": "compute.host1",
    "timestamp": "2026-12-07 08:00:00.000000",
    "context": {"project_id": "p1", "user_id": "u1"},
}

FILE = """
- event_types: compute.instance.create.*
  properties:
    instance: <% $.payload.instance_id %>
    from: '{{ _.publisher }}'
- event_types:
    - compute.instance.create.end
    - volume.*
  properties:
    last: <% $.payload.state %>
    fixed: 1
"""


def test_no_definition_gives_the_default_properties():
    converter = definitions.EventConverter([])
    assert converter.convert(EVENT["event_type"], EVENT) == {
        "service": "compute.host1", "project_id": "p1", "user_id": "u1",
        "timestamp": "2026-12-07 08:00:00.000000"}


def test_the_last_matching_definition_wins():
    converter = definitions.parse(FILE)
    assert converter.convert("compute.instance.create.end", EVENT) == {
        "last": "active", "fixed": 1}
    assert converter.convert("compute.instance.create.start", EVENT) == {
        "instance": "i-1", "from": "compute.host1"}
    assert converter.convert("volume.attach", EVENT) == {
        "last": "active", "fixed": 1}
    assert converter.definition_for("image.upload") is None


def test_missing_file_means_no_definitions(tmp_path):
    converter = definitions.load(str(tmp_path / "absent.yaml"))
    assert converter.definition_for("anything") is None


def test_file_is_read(tmp_path):
    path = tmp_path / "defs.yaml"
    path.write_text(FILE)
    converter = definitions.load(str(path))
    assert converter.definition_for("volume.detach") is not None


@pytest.mark.parametrize("text, message", [
    ("- event_types: [a\n", "Invalid event definition configuration file"),
    ("- properties: {}\n", "Required field event_types not specified"),
    ("- event_types: a\n", "Required field properties not specified"),
    ("event_types: a\n", "a list of definitions is expected"),
])
def test_bad_files_are_refused(text, message):
    with pytest.raises(exc.MistralError) as error:
        definitions.parse(text, "defs.yaml")
    assert message in str(error.value)


def test_empty_file_is_no_definitions():
    assert definitions.parse("").definition_for("a") is None


def test_default_properties_of_a_context_without_user():
    event = dict(EVENT, context={"project_id": "p1"})
    converter = definitions.EventConverter([])
    assert converter.convert("x", event)["user_id"] is None
    # The same as Mistral's expressions where the keys are there.
    assert converter.convert("x", EVENT) == expressions.evaluate_recursively(
        definitions.DEFAULT_PROPERTIES, EVENT)
