"""The engine's shape, read from the code: one-way imports, states changed
by the state machines only, every query in one module."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[3] / "mistral_clone"
ENGINE = ROOT / "engine"


def _modules(folder):
    return sorted(p for p in folder.rglob("*.py"))


def _name(path):
    return ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)


def _imports(path):
    """(imported project module, inside a function?) of a file."""
    tree = ast.parse(path.read_text(), str(path))
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ImportFrom) and child.module and \
                    child.module.startswith("mistral_clone"):
                for alias in child.names:
                    found.append(("%s.%s" % (child.module, alias.name),
                                  in_function))
                found.append((child.module, in_function))
            elif isinstance(child, ast.Import):
                found.extend((a.name, in_function) for a in child.names
                             if a.name.startswith("mistral_clone"))
            visit(child, in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


def test_no_project_import_inside_an_engine_function():
    hidden = ["%s imports %s" % (p.name, name)
              for p in _modules(ENGINE) for name, inside in _imports(p)
              if inside]
    assert hidden == []


def test_no_import_cycle_in_the_engine():
    modules = {_name(p): p for p in _modules(ENGINE)}
    graph = {name: {m for m, _ in _imports(path) if m in modules}
             for name, path in modules.items()}

    def reaches(start, goal, seen):
        for nxt in graph[start]:
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                if reaches(nxt, goal, seen):
                    return True
        return False

    cycles = [name for name in graph if reaches(name, name, set())]
    assert cycles == []


def test_the_executor_does_not_import_the_engine():
    leaks = [(p.name, name) for p in _modules(ROOT / "executor")
             for name, _ in _imports(p)
             if name.startswith("mistral_clone.engine")]
    assert leaks == []


def _assigned_attributes(path, attribute):
    tree = ast.parse(path.read_text(), str(path))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
            for target in (node.targets if isinstance(node, ast.Assign)
                           else [node.target])
            if isinstance(target, ast.Attribute) and target.attr == attribute]


def test_only_the_state_machines_assign_a_state():
    assigning = sorted(str(p.relative_to(ROOT)) for p in _modules(ROOT)
                       if _assigned_attributes(p, "state"))
    assert assigning == ["engine/machines.py"]


def test_every_engine_query_is_in_queries():
    """``sa.select`` appears in the engine only where its reads are named
    (``queries``); writes are the store's and the machines'."""
    readers = sorted(p.name for p in _modules(ENGINE)
                     if "sa.select(" in p.read_text())
    assert readers == ["queries.py"]
