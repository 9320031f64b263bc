"""YAML for ``yaml_parse()`` / ``yaml_dump()``: safe, and alias-free.

Expressions see user-controlled text, so parsing refuses the YAML features
that make "billion laughs" documents possible: anchors and aliases are
read as plain text (``&a`` and ``*a`` are strings).  A plain scalar may also
start with ``@``, as in Mistral.  Dumping never writes anchors/aliases and
knows yaql's frozen dicts.
"""

import yaml
from yaql.language import utils as yaql_utils


class _Loader(yaml.SafeLoader):

    def fetch_alias(self):
        return self.fetch_plain()

    def fetch_anchor(self):
        return self.fetch_plain()

    def check_plain(self):
        return self.peek() == '@' or super().check_plain()


class _Dumper(yaml.SafeDumper):

    def ignore_aliases(self, data):
        return True


_Dumper.add_representer(yaql_utils.FrozenDict,
                        yaml.representer.SafeRepresenter.represent_dict)


def load(text):
    """Parse one YAML document safely (see the module docstring)."""
    return yaml.load(text, Loader=_Loader)


def dump(data) -> str:
    """Block-style YAML of ``data``, keys sorted, no aliases."""
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False)
