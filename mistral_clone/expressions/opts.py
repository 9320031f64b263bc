"""Configuration of the expression layer: ``[yaql]`` and ``[expressions]``.

Names, types and defaults are Mistral's own, so an operator's existing
``mistral.conf`` keeps its meaning here.  ``list_opts()`` feeds
oslo-config-generator; ``register_opts()`` is idempotent and is called by the
evaluators before they first read the options.
"""

from oslo_config import cfg
from oslo_config import types

YAQL_GROUP = 'yaql'
EXPRESSIONS_GROUP = 'expressions'

LANGUAGES = ('yaql', 'jinja')

yaql_opts = [
    cfg.IntOpt(
        'limit_iterators',
        default=-1,
        min=-1,
        help='Limit iterators by the given number of elements. When set, '
             'each time any function declares its parameter to be an '
             'iterator, that iterator is modified to not produce more than '
             'the given number of items. -1 means no limit, which lets '
             'expressions produce endless iterators.'),
    cfg.IntOpt(
        'memory_quota',
        default=-1,
        min=-1,
        help='The memory usage quota (in bytes) for all data produced by a '
             'YAQL expression (or any part of it). -1 means no limit.'),
    cfg.BoolOpt(
        'convert_input_data',
        default=True,
        help='Convert the input data of YAQL expressions into immutable '
             'structures (lists to tuples, dicts to frozen dicts, sets to '
             'frozen sets). Some constructs, e.g. putting dicts into a set, '
             'need it. Disabling it speeds up expressions over large data.'),
    cfg.BoolOpt(
        'convert_output_data',
        default=True,
        help='Convert the result of YAQL expressions into JSON-compatible '
             'types. If False, an expression such as "$.list.toSet()" may '
             'produce a value that cannot be serialized.'),
    cfg.BoolOpt(
        'convert_tuples_to_lists',
        default=True,
        help='Convert tuples in the result of YAQL expressions into lists. '
             'Only effective when "convert_output_data" is True.'),
    cfg.BoolOpt(
        'convert_sets_to_lists',
        default=False,
        help='Convert sets in the result of YAQL expressions into lists; '
             'otherwise the result may hold sets, which are not '
             'JSON-serializable. Only effective when "convert_output_data" '
             'is True.'),
    cfg.BoolOpt(
        'iterable_dicts',
        default=False,
        help='Treat dictionaries as iterable in YAQL: iterating over a '
             'dictionary produces its keys (as in Python and yaql 0.2).'),
    cfg.StrOpt(
        'keyword_operator',
        default='=>',
        help='The keyword/mapping symbol of YAQL. An empty string disables '
             'named arguments altogether.'),
    cfg.BoolOpt(
        'allow_delegates',
        default=False,
        help='Enable or disable delegate expression parsing in YAQL.'),
]

expression_opts = [
    cfg.FloatOpt(
        'evaluation_timeout',
        default=10.0,
        min=0,
        help='Seconds one evaluation (the expressions of one value: an '
             'input, a publish, a condition...) may take; one that takes '
             'longer fails with a clear error, and its task with it. 0 '
             'disables the limit.'),
    cfg.FloatOpt(
        'max_time_in_transaction',
        default=0.5,
        min=0,
        help='Seconds an evaluation may take while an engine step holds '
             'its workflow execution\'s lock. One that needs more is '
             'evaluated again with no lock held (within '
             'evaluation_timeout) and the step runs again with its value, '
             'so that a slow expression never makes other executions or '
             'the API wait. 0: evaluate in the step whatever it takes.'),
    cfg.IntOpt(
        'limit_iterators',
        default=1000000,
        min=-1,
        help='Most elements a YAQL expression may take from one collection '
             'or iterator, used while [yaql] limit_iterators is -1 (its '
             'default, as in Mistral): it bounds what an expression can '
             'build item by item (range(100000000).toList()), which '
             'memory_quota checks only once it is built. -1 means no '
             'limit.'),
    cfg.IntOpt(
        'memory_quota',
        default=64 * 1024 * 1024,
        min=-1,
        help='Bytes one value made by an expression may take (a string, a '
             'list, a number). It applies to Jinja, and to YAQL when '
             '[yaql] memory_quota is -1 (its default, as in Mistral); an '
             'expression that would go over it fails with a clear error. '
             'A Jinja evaluation may also make no more than this in all '
             '(the text it renders, what its loops keep, the growth of '
             'what it concatenates). -1 means no limit.'),
    cfg.ListOpt(
        'allowed_languages',
        item_type=types.String(choices=LANGUAGES),
        default=list(LANGUAGES),
        sample_default='yaql,jinja',
        help='The expression languages workflows may use ("yaql", '
             '"jinja"). A workflow using a language left out of this list '
             'is rejected at creation and its expressions are refused at '
             'evaluation time.'),
]


def list_opts():
    """Options of this layer, grouped, for oslo-config-generator."""
    return [
        (YAQL_GROUP, list(yaql_opts)),
        (EXPRESSIONS_GROUP, list(expression_opts)),
    ]


def register_opts(conf: cfg.ConfigOpts = cfg.CONF) -> None:
    """Register the options on ``conf``; registering twice is harmless."""
    for group, opts in list_opts():
        conf.register_opts(opts, group=group)
