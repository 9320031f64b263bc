"""Line and column of an element of a DSL text, from PyYAML's nodes.

A path is a list of mapping keys and sequence indexes from the top of the
document (``["wf", "tasks", "t1", "on-success", 0]``). Lines and columns
are 1-based. Which mark an element gets:

* a scalar, or a collection written inline (``{a: 1}``, ``[a, b]``): where
  its value starts;
* a block collection: where its key is written (``t1:``), since its own
  start is its first child's; at the top of the document, line 1 column 1
  of its first key;
* a path ending with a ``Key``: where that key is written;
* a path that does not (or no longer) exist, e.g. a key the definition
  lacks: the deepest element that does, i.e. the mapping that lacks it.
"""

from typing import NamedTuple

import yaml

from mistral_clone.lang._yaml import DSLLoader


class Key(str):
    """The last part of a path that means the key itself, not its value
    (an unexpected key is pointed at where its name is written)."""


class Place(NamedTuple):
    line: int
    column: int


def compose(text: str):
    """The document's root node, or None (empty text, YAML error)."""
    try:
        return yaml.compose(text, DSLLoader)
    except (yaml.YAMLError, RecursionError):
        return None


def compose_quickly(text: str):
    """``compose`` by libyaml where it reads the text (5x faster; the
    marks are the same), else by ours (``@`` plain scalars, aliases read as
    text)."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.compose(text, loader)
        except (yaml.YAMLError, RecursionError):
            pass
    return compose(text)


def place_of(root, path) -> Place:
    """Where the element at ``path`` is written (``root``: ``compose``)."""
    if root is None:
        return Place(1, 1)
    key_node, node = None, root
    for part in path:
        child = _child(node, part)
        if child is None:
            break
        key_node, node = child
    at_key = bool(path) and isinstance(path[-1], Key) and \
        key_node is not None and node is not root
    if not at_key and (isinstance(node, yaml.ScalarNode) or
                       key_node is None or
                       getattr(node, "flow_style", False)):
        mark = node.start_mark
    else:
        mark = key_node.start_mark
    return Place(mark.line + 1, mark.column + 1)


def entry_lines(root, path, text: str) -> dict:
    """``{key: (first, last)}``: the 1-based lines each entry of the
    mapping at ``path`` is written on, from its key's line to its last
    written line (blank and comment lines after it left out); {} when
    there is no mapping there."""
    node = root
    for part in path:
        child = _child(node, part) if node is not None else None
        node = child[1] if child else None
    if not isinstance(node, yaml.MappingNode):
        return {}
    lines = text.splitlines()
    return {key_node.value: _span(key_node, value_node, lines)
            for key_node, value_node in node.value
            if isinstance(key_node, yaml.ScalarNode)}


def _span(key_node, node, lines):
    first = key_node.start_mark.line
    # A block collection ends where what follows it starts: its last
    # line is its last written element's.
    while isinstance(node, yaml.CollectionNode) and not node.flow_style \
            and node.value:
        node = node.value[-1]
        if isinstance(node, tuple):
            node = node[1]
    end = node.end_mark
    last = end.line if end.column else end.line - 1
    while last > first and not _written(lines, last):
        last -= 1
    return first + 1, max(first, last) + 1


def _written(lines, index) -> bool:
    if index >= len(lines):
        return False
    stripped = lines[index].strip()
    return bool(stripped) and not stripped.startswith("#")


def _child(node, part):
    """(key node or None, value node) of ``part`` under ``node``."""
    if isinstance(node, yaml.MappingNode):
        found = None
        for key_node, value_node in node.value:
            # The last of duplicate keys wins, as when loading.
            if isinstance(key_node, yaml.ScalarNode) and \
                    _same_key(key_node, part):
                found = (key_node, value_node)
        return found
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and \
            0 <= part < len(node.value):
        return None, node.value[part]
    return None


def _same_key(key_node, part) -> bool:
    if key_node.value == str(part):
        return True
    # A key loaded as a number or a boolean (``1:``, ``yes:``).
    return isinstance(part, (int, float, bool)) and \
        key_node.value.lower() == str(part).lower()


class Repeat(NamedTuple):
    """A key written twice in one mapping: loading keeps the last one."""

    path: list
    place: Place


def repeated_keys(root) -> list:
    """Every key written more than once in a mapping, at its later
    occurrences, in document order."""
    found = []
    _walk_repeats(root, [], found)
    return found


def _walk_repeats(node, path, found) -> None:
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) \
                else None
            if key is not None and key in seen:
                mark = key_node.start_mark
                found.append(Repeat(path + [key],
                                    Place(mark.line + 1, mark.column + 1)))
            seen.add(key)
            _walk_repeats(value_node, path + [key], found)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk_repeats(item, path + [i], found)
