"""Mistral's expression functions, shared by YAQL and Jinja.

Each function takes the evaluation context first, the way both languages
hand it over: in YAQL the yaql ``Context`` (yaql fills a parameter named
``context`` by itself, and a missing key reads as None); in Jinja the data
context ``_`` (bound as the first argument of each global function, or the
piped value when a function is used as a filter, so ``{{ _ | env }}``
works and ``{{ x | json_dump }}`` does not, as in Mistral).

Parameter names are Mistral's: YAQL exposes them in camel case for
keyword arguments (``task(taskName => t1)``).  Function names end with
``_`` like Mistral's, which shows in some error messages.
"""

import uuid

from oslo_serialization import jsonutils
from yaql.language import contexts as yaql_contexts

from mistral_clone.expressions import _yaml
from mistral_clone.expressions import context as ctx_mod
from mistral_clone.expressions.provider import DATA_PROVIDER_KEY

EXECUTION_INFO_KEYS = ('id', 'name', 'spec', 'input', 'params', 'created_at',
                       'updated_at', 'root_execution_id')


class DataProviderMissing(RuntimeError):
    """A function needs run-time data but the context has no provider."""

    def __init__(self, function_name):
        super().__init__(
            "%s() needs run-time data, but the evaluation context has no "
            "'%s'" % (function_name, DATA_PROVIDER_KEY))


def _provider_or_none(context):
    if isinstance(context, yaql_contexts.ContextBase):
        return context[DATA_PROVIDER_KEY]
    return ctx_mod.provider_of(context)


def _provider(context, function_name):
    provider = _provider_or_none(context)
    if provider is None:
        raise DataProviderMissing(function_name)
    return provider


def env_(context):
    return context[ctx_mod.ENV_KEY]


def execution_(context):
    execution = context[ctx_mod.EXECUTION_KEY]
    execution_id = execution['id']
    provider = _provider_or_none(context)

    if provider is None:
        # No provider: the engine gave the whole execution in the context.
        return {key: execution.get(key) for key in EXECUTION_INFO_KEYS}

    info = provider.execution_info(execution_id)
    if info is None:
        raise LookupError(
            "Workflow execution not found [id=%s]" % execution_id)
    return info


def executions_(context, id=None, root_execution_id=None, state=None,
                from_time=None, to_time=None):
    return list(_provider(context, 'executions').executions_info(
        id=id,
        root_execution_id=root_execution_id,
        state=state,
        from_time=from_time,
        to_time=to_time,
    ))


def global_(context, var_name):
    execution = context[ctx_mod.EXECUTION_KEY]
    execution_id = execution['id']
    provider = _provider_or_none(context)

    if provider is None:
        return (execution.get('context') or {}).get(var_name)

    return provider.global_var(execution_id, var_name)


def task_(context, task_name=None):
    current = context[ctx_mod.TASK_EXECUTION_KEY]

    # The current task is taken by id: a task that ran several times (a
    # cycle) must answer with this very run.
    if current and (not task_name or current['name'] == task_name):
        return _provider(context, 'task').task_info(current['id'])

    workflow_execution_id = context[ctx_mod.EXECUTION_KEY]['id']

    if not task_name:
        return None

    return _provider(context, 'task').find_task_info(
        workflow_execution_id, task_name)


def tasks_(context, workflow_execution_id=None, recursive=False, state=None,
           flat=False):
    return list(_provider(context, 'tasks').tasks_info(
        workflow_execution_id=workflow_execution_id,
        recursive=recursive,
        state=state,
        flat=flat,
    ))


def uuid_(context=None):
    return str(uuid.uuid4())


def json_parse_(context, data):
    return jsonutils.loads(data)


def json_dump_(context, data):
    return jsonutils.dumps(data, indent=4)


def yaml_parse_(context, data):
    return _yaml.load(data)


def yaml_dump_(context, data):
    return _yaml.dump(data)


# Name in expressions -> function, as Mistral 23 registers them (its
# 'mistral.expression.functions' entry points).
FUNCTIONS = {
    'env': env_,
    'execution': execution_,
    'executions': executions_,
    'global': global_,
    'json_dump': json_dump_,
    'json_parse': json_parse_,
    'task': task_,
    'tasks': tasks_,
    'uuid': uuid_,
    'yaml_dump': yaml_dump_,
    'yaml_parse': yaml_parse_,
}
