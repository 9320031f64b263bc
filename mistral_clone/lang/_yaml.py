"""YAML loading for DSL texts.

Anchors and aliases are read as plain text (as Mistral does) so that a
definition cannot expand itself exponentially ("billion laughs"), and a bare
``@`` may start a plain scalar.
"""

import yaml

from mistral_clone import data_limits
from mistral_clone import exceptions as exc


class DSLLoader(yaml.SafeLoader):
    def fetch_alias(self):
        return self.fetch_plain()

    def fetch_anchor(self):
        return self.fetch_plain()

    def check_plain(self):
        if self.peek() == "@":
            return True
        return super().check_plain()


def load(text: str):
    """Load a DSL text; an empty document gives ``{}``.

    A YAML error becomes DSLParsingError whose message names the line and
    column (PyYAML's "line N, column M" marks). Nesting deeper than
    ``data_limits.MAX_DEPTH`` (or than PyYAML's recursive composer can
    follow) and strings that are not valid Unicode are parsing errors too.
    """
    try:
        data = yaml.load(text, DSLLoader) or {}
    except yaml.YAMLError as e:
        raise exc.DSLParsingError("Definition could not be parsed: %s\n" % e)
    except RecursionError:
        data = None
    problem = "data nested too deep" if data is None else \
        data_limits.problem_in(data)
    if problem:
        raise exc.DSLParsingError(
            "Definition could not be parsed: %s." % problem)
    return data


def dump(data) -> str:
    """Dump as Mistral stores a workflow cut out of a multi-workflow text."""
    return yaml.safe_dump(data, sort_keys=False)
