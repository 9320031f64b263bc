"""Fixtures for the expression tests: an in-memory data provider and a
clean configuration/cache state around each test."""

import pytest

from mistral_clone import expressions
from mistral_clone.expressions import opts
from oslo_config import cfg

WF_EX_ID = 'wf-1'
SUB_WF_EX_ID = 'wf-2'


def _task(id, name, state='SUCCESS', result=None, type='ACTION',
          wf_ex_id=WF_EX_ID, published=None):
    return {
        'id': id,
        'name': name,
        'spec': {'action': 'std.noop', 'name': name, 'type': 'direct',
                 'version': '2.0'},
        'state': state,
        'state_info': None,
        'result': result,
        'published': published or {},
        'type': type,
        'workflow_execution_id': wf_ex_id,
        'created_at': '2026-01-01 10:00:00',
        'updated_at': '2026-01-01 10:00:01',
    }


class InMemoryProvider:
    """A DataProvider over plain lists, with Mistral's selection rules."""

    def __init__(self):
        self.tasks = [
            _task('t-a1', 'a', result=1),
            _task('t-a2', 'a', result=11),      # a second run of 'a'
            _task('t-b', 'b', result=2),
            _task('t-c', 'c', state='ERROR', result='boom'),
            _task('t-sub', 'sub', type='WORKFLOW', result={'x': 1}),
            _task('t-leaf', 'leaf', result=3, wf_ex_id=SUB_WF_EX_ID),
        ]
        self.executions = [
            {'id': WF_EX_ID, 'name': 'wf', 'spec': {'name': 'wf'},
             'input': {'a': 1}, 'params': {'env': {'k': 'v'}},
             'state': 'RUNNING', 'root_execution_id': None,
             'task_execution_id': None,
             'created_at': '2026-01-01 10:00:00',
             'updated_at': '2026-01-01 10:00:05'},
            {'id': SUB_WF_EX_ID, 'name': 'sub', 'spec': {'name': 'sub'},
             'input': {}, 'params': {}, 'state': 'SUCCESS',
             'root_execution_id': WF_EX_ID, 'task_execution_id': 't-sub',
             'created_at': '2026-01-01 11:00:00',
             'updated_at': '2026-01-01 11:00:05'},
        ]
        self.globals = {WF_EX_ID: {'g': 'global-value'}}
        self.calls = []

    def task_info(self, task_execution_id):
        self.calls.append(('task_info', task_execution_id))
        return next((t for t in self.tasks if t['id'] == task_execution_id),
                    None)

    def find_task_info(self, workflow_execution_id, name):
        self.calls.append(('find_task_info', workflow_execution_id, name))
        found = [t for t in self.tasks
                 if t['workflow_execution_id'] == workflow_execution_id
                 and t['name'] == name]
        return found[-1] if found else None

    def tasks_info(self, workflow_execution_id=None, recursive=False,
                   state=None, flat=False):
        self.calls.append(('tasks_info', workflow_execution_id, recursive,
                           state, flat))
        own = [t for t in self.tasks
               if workflow_execution_id in (None, t['workflow_execution_id'])]
        nested = []
        if recursive and workflow_execution_id:
            for t in own:
                for ex in self.executions:
                    if ex['task_execution_id'] == t['id']:
                        nested += self.tasks_info(ex['id'], True, state, flat)
        if state:
            own = [t for t in own if t['state'] == state]
        if flat:
            own = [t for t in own if t['type'] == 'ACTION' or not any(
                ex['task_execution_id'] == t['id']
                and ex['state'] == t['state'] for ex in self.executions)]
        return own + nested

    def execution_info(self, execution_id):
        self.calls.append(('execution_info', execution_id))
        for ex in self.executions:
            if ex['id'] == execution_id:
                return {k: ex[k] for k in (
                    'id', 'name', 'spec', 'input', 'params', 'created_at',
                    'updated_at', 'root_execution_id')}
        return None

    def executions_info(self, id=None, root_execution_id=None, state=None,
                        from_time=None, to_time=None):
        self.calls.append(('executions_info', id, root_execution_id, state,
                           from_time, to_time))
        result = []
        for ex in self.executions:
            if id is not None and ex['id'] != id:
                continue
            if (root_execution_id is not None
                    and ex['root_execution_id'] != root_execution_id):
                continue
            if state is not None and ex['state'] != state:
                continue
            if from_time is not None and ex['created_at'] < from_time:
                continue
            if to_time is not None and ex['created_at'] >= to_time:
                continue
            result.append(dict(ex))
        return result

    def global_var(self, execution_id, name):
        self.calls.append(('global_var', execution_id, name))
        return self.globals.get(execution_id, {}).get(name)


@pytest.fixture
def override():
    """Set an option for this test; the caches are re-built, and again
    with the defaults afterwards."""
    changed = []

    def _override(name, value, group='yaql'):
        opts.register_opts(cfg.CONF)
        cfg.CONF.set_override(name, value, group)
        changed.append((name, group))
        expressions.reset()

    yield _override
    for name, group in changed:
        cfg.CONF.clear_override(name, group)
    if changed:
        expressions.reset()


@pytest.fixture
def provider():
    return InMemoryProvider()


@pytest.fixture
def ctx(provider):
    """A task-scope context as the engine builds it."""
    return {
        'x': 1,
        's': 'text',
        'd': {'a': 1},
        'l': [1, {'b': 2}],
        'n': None,
        '__env': {'region': 'eu'},
        '__execution': {'id': WF_EX_ID},
        '__task_execution': {'id': 't-b', 'name': 'b'},
        '__data_provider': provider,
    }
