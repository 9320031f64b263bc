"""The benchmark workflow definitions (Mistral DSL v2), built as data and
dumped with PyYAML so their shape is easy to read and to test."""

from __future__ import annotations

from typing import Dict, List, Optional

import yaml

NOOP = "std.noop"


def _document(workflows: Dict[str, dict]) -> str:
    doc = {"version": "2.0"}
    doc.update(workflows)
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


def _chain(prefix: str, length: int) -> Dict[str, dict]:
    tasks: Dict[str, dict] = {}
    for i in range(1, length + 1):
        task: dict = {"action": NOOP}
        if i < length:
            task["on-success"] = ["%s%d" % (prefix, i + 1)]
        tasks["%s%d" % (prefix, i)] = task
    return tasks


def linear(name: str, length: int = 10) -> str:
    """``length`` std.noop tasks, each starting the next on success."""
    return _document({name: {"tasks": _chain("t", length)}})


def parallel(name: str, width: int = 100) -> str:
    """A start task fans out to ``width`` tasks that all join a last task."""
    branches = ["p%d" % i for i in range(1, width + 1)]
    tasks: Dict[str, dict] = {"start": {"action": NOOP,
                                        "on-success": branches}}
    for branch in branches:
        tasks[branch] = {"action": NOOP, "on-success": ["join_all"]}
    tasks["join_all"] = {"join": "all", "action": NOOP}
    return _document({name: {"tasks": tasks}})


def subworkflows(parent: str, child: str, count: int = 20,
                 child_length: int = 5) -> str:
    """A parent whose ``count`` independent tasks each run ``child``, a
    linear workflow of ``child_length`` std.noop tasks. Both go in one
    document; the child is defined first."""
    parent_tasks = {"sub%d" % i: {"workflow": child}
                    for i in range(1, count + 1)}
    return _document({child: {"tasks": _chain("c", child_length)},
                      parent: {"tasks": parent_tasks}})


def with_items(name: str, concurrency: Optional[int] = None,
               items_source: str = "range") -> str:
    """One std.echo task over ``$.n`` items: ``range(0, $.n)`` evaluated by
    the server, or (``items_source='list'``) an ``items`` input list."""
    if items_source == "range":
        wf_input: List[str] = ["n"]
        items = "x in <% range(0, $.n) %>"
    elif items_source == "list":
        wf_input = ["items"]
        items = "x in <% $.items %>"
    else:
        raise ValueError("items_source must be 'range' or 'list'")
    task: dict = {"with-items": items, "action": "std.echo output=<% $.x %>"}
    if concurrency:
        task["concurrency"] = concurrency
    return _document({name: {"input": wf_input, "tasks": {"echo": task}}})


def with_items_input(size: int, items_source: str = "range") -> dict:
    if items_source == "range":
        return {"n": size}
    return {"items": list(range(size))}
