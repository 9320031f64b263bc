"""Entry points: text -> specs, the spec cache, and the per-item definition
texts Mistral stores."""

import hashlib
import io
import threading
from collections import OrderedDict

from mistral_clone import exceptions as exc
from mistral_clone.lang import _yaml
from mistral_clone.lang.actions import ActionSpec
from mistral_clone.lang.actions import parse_action_list
from mistral_clone.lang.workbooks import WorkbookSpec
from mistral_clone.lang.workflows import DSL_VERSION
from mistral_clone.lang.workflows import WorkflowListSpec
from mistral_clone.lang.workflows import WorkflowSpec

_SPEC_CACHE_SIZE = 512
_spec_cache = OrderedDict()
_spec_cache_lock = threading.Lock()


def _load_mapping(text: str, validate: bool):
    data = _yaml.load(text)
    if not validate and not isinstance(data, dict):
        raise exc.DSLParsingError(
            "Definition must be a mapping, got %s" % type(data).__name__)
    return data


def parse_workflows(text: str, validate: bool = True) -> WorkflowListSpec:
    """A text of ``version`` plus one or more workflows."""
    return WorkflowListSpec(_load_mapping(text, validate), validate)


def parse_workbook(text: str, validate: bool = True) -> WorkbookSpec:
    return WorkbookSpec(_load_mapping(text, validate), validate)


def parse_actions(text: str, validate: bool = True) -> list:
    """A text of ``version`` plus one or more ad-hoc actions."""
    return parse_action_list(_load_mapping(text, validate), validate)


def parse_action(definition: str) -> ActionSpec:
    """The spec of ONE stored ad-hoc action definition (a whole actions
    file whose only action it is, or the ``name: {...}`` text cut from a
    workbook). Not validated: it was when it was created."""
    data = _load_mapping(definition, False)
    name, body = _single_item(data)
    body["name"] = name
    body["version"] = DSL_VERSION
    return ActionSpec(body, [name], False)


def _single_item(data: dict):
    items = [(k, v) for k, v in data.items() if k != "version"]
    if len(items) != 1 or not isinstance(items[0][1], dict):
        raise exc.DSLParsingError(
            "A stored definition must hold exactly one item, found %d"
            % len(items))
    return items[0]


def get_workflow_spec(definition: str) -> WorkflowSpec:
    """The spec of ONE stored workflow definition, cached by checksum.

    ``definition`` is what is stored for a workflow: the whole text when it
    was created alone, the text from ``cut_workflow_definition``, or the
    ``name: {...}`` text cut from a workbook (no ``version``). It is not
    validated again (it was at creation), which keeps this cheap; a cache
    hit costs one sha256 of the text. The returned spec is shared: do not
    change it.
    """
    key = hashlib.sha256(definition.encode("utf-8")).hexdigest()
    with _spec_cache_lock:
        spec = _spec_cache.get(key)
        if spec is not None:
            _spec_cache.move_to_end(key)
            return spec
    data = _load_mapping(definition, False)
    name, body = _single_item(data)
    body["name"] = name
    body["version"] = DSL_VERSION
    spec = WorkflowSpec(body, [name], False)
    with _spec_cache_lock:
        _spec_cache[key] = spec
        while len(_spec_cache) > _SPEC_CACHE_SIZE:
            _spec_cache.popitem(last=False)
    return spec


def clear_cache() -> None:
    with _spec_cache_lock:
        _spec_cache.clear()


def cut_workflow_definition(text: str, name: str) -> str:
    """The definition Mistral stores for workflow ``name`` of a
    ``POST /v2/workflows`` text.

    A text with one workflow is stored as it is. From a text with several,
    each workflow is stored as a fresh YAML dump of ``{version, name: body}``
    (keys in their original order; comments and layout are lost).
    """
    data = _yaml.load(text)
    names = [k for k in data if k != "version"]
    if len(names) == 1:
        if names[0] != name:
            raise exc.NotFoundError("Workflow '%s' not in the text" % name)
        return text
    if name not in data:
        raise exc.NotFoundError("Workflow '%s' not in the text" % name)
    return _yaml.dump({"version": data["version"], name: data[name]})


def workbook_workflow_definition(wb_text: str, name: str) -> str:
    """The text Mistral stores for workflow ``name`` of a workbook."""
    return _cut_from_workbook(wb_text, "workflows:", name + ":")


def workbook_action_definition(wb_text: str, name: str) -> str:
    """The text Mistral stores for ad-hoc action ``name`` of a workbook."""
    return _cut_from_workbook(wb_text, "actions:", name + ":")


def _cut_from_workbook(wb_text: str, section: str, header: str) -> str:
    """Cut ``header`` and its indented block out of a workbook text.

    Mistral does this on the text, not the YAML: after the first occurrence
    of ``section``, the first line that is exactly ``header`` (stripped)
    starts the block; it runs while lines are indented deeper than the
    header, blank lines and comments included. Lines lose the header's
    indentation; comments indented less than the header are kept as they
    are. Nothing found gives a lone newline, as in Mistral.
    """
    start = wb_text.find(section)
    if start < 0:
        return "\n"
    lines = io.StringIO(wb_text[start:])
    lines.readline()
    out = []
    indent = 0
    for line in lines:
        if line.strip() == header:
            indent = line.index(header)
            out.append(line.lstrip())
            break
    for line in lines:
        stripped = line.strip()
        if not stripped:
            out.append(line)
        elif stripped.startswith("#"):
            column = line.index("#")
            out.append(line if indent > column else line[indent:])
        else:
            if len(line) - len(line.lstrip()) > indent:
                out.append(line[indent:])
            else:
                break
    return "".join(out).rstrip() + "\n"
