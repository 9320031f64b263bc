"""What the Jinja sandbox checks before a call: the methods and filters
that can make a value much larger than their arguments, and the methods
that keep values (a list's ``append``...).

Each method check takes ``(receiver, args, kwargs)`` and returns the
arguments to call with (``join`` and ``extend`` read an iterator once to
measure it, and pass on what they read).  Each filter is wrapped so that
its result is measured (``jinja_memory.check``) before it is made, and
what it adds to its input is charged to the evaluation.
"""

import functools
import sys
from collections.abc import Mapping

from mistral_clone.expressions import jinja_memory as memory

_TEXT = (str, bytes)


def _ref_size(value) -> int:
    """What keeping ``value`` in a container costs: the reference, and the
    value itself when it is a string or a collection (conservative: the
    value may be kept elsewhere too)."""
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        return 8 + sys.getsizeof(value)
    return 8


def _items_size(values) -> int:
    return sum(_ref_size(value) for value in values)


def _width(value) -> int:
    return value if isinstance(value, int) else 0


def _checked_growth(size: int, base: int, what: str) -> None:
    """A result of ``size`` bytes from an input of ``base`` bytes: refused
    over the quota, and its growth charged."""
    if size > memory.SMALL:
        memory.check(size, what)
    memory.charge(size - base)


# -- str and bytes methods ----------------------------------------------------

def _padded(receiver, args, kwargs):
    width = _width(args[0] if args else kwargs.get('width'))
    _checked_growth(width, len(receiver), 'a padding method')
    return args


def _expandtabs(receiver, args, kwargs):
    tabsize = _width(args[0] if args else kwargs.get('tabsize', 8))
    tab = '\t' if isinstance(receiver, str) else b'\t'
    _checked_growth(len(receiver) + receiver.count(tab) * tabsize,
                    len(receiver), 'expandtabs()')
    return args


def _replaced_size(text, old, new, count=-1) -> int:
    if not isinstance(old, _TEXT) or not isinstance(new, _TEXT) or \
            len(new) <= len(old):
        return len(text)
    found = len(text) + 1 if not old else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _replace(receiver, args, kwargs):
    size = _replaced_size(receiver, *args, **kwargs)
    _checked_growth(size, len(receiver), 'replace()')
    return args


def _join(receiver, args, kwargs):
    if not args:
        return args
    items = args[0]
    if not isinstance(items, (list, tuple)):
        items = list(items)
    size = sum(len(item) for item in items if isinstance(item, _TEXT))
    size += len(receiver) * max(len(items) - 1, 0)
    _checked_growth(size, 0, 'join()')
    return (items,) + args[1:]


def _split(receiver, args, kwargs):
    separator = args[0] if args else kwargs.get('sep')
    if isinstance(separator, _TEXT) and separator:
        pieces = receiver.count(separator) + 1
    else:
        pieces = len(receiver) // 2 + 1
    _checked_growth(len(receiver) + pieces * 56, len(receiver), 'split()')
    return args


def _translate(receiver, args, kwargs):
    table = args[0] if args else None
    longest = 1
    if isinstance(table, Mapping):
        longest = max([len(v) for v in table.values()
                       if isinstance(v, _TEXT)] + [1])
    _checked_growth(len(receiver) * longest, len(receiver), 'translate()')
    return args


# -- what containers keep -----------------------------------------------------

def _fromkeys(receiver, args, kwargs):
    keys = args[0] if args else ()
    if not isinstance(keys, (list, tuple, str, dict, set, frozenset)):
        keys = list(keys)
    value = args[1] if len(args) > 1 else None
    _checked_growth(len(keys) * (16 + memory.measured(value)), 0,
                    'fromkeys()')
    return (keys,) + tuple(args[1:])


def _append(receiver, args, kwargs):
    memory.charge(_items_size(args[-1:]))
    return args


def _extend(receiver, args, kwargs):
    if not args:
        return args
    items = args[0]
    if not isinstance(items, (list, tuple)):
        items = list(items)
    memory.charge(_items_size(items))
    return (items,)


def _update(receiver, args, kwargs):
    size = _items_size(kwargs.values())
    for other in args:
        if isinstance(other, Mapping):
            size += _items_size(other.values()) + _items_size(other.keys())
        elif isinstance(other, (list, tuple, set, frozenset)):
            size += _items_size(other)
    memory.charge(size)
    return args


def _setdefault(receiver, args, kwargs):
    memory.charge(_items_size(args))
    return args


_TEXT_METHODS = {
    'ljust': _padded, 'rjust': _padded, 'center': _padded,
    'zfill': _padded, 'expandtabs': _expandtabs, 'replace': _replace,
    'join': _join, 'split': _split, 'rsplit': _split,
    'splitlines': _split, 'translate': _translate,
}
_CONTAINER_METHODS = {
    'append': _append, 'insert': _append, 'add': _append,
    'extend': _extend, 'update': _update, 'setdefault': _setdefault,
}
_KEEPERS = (list, dict, set)


def checked_method_args(method, args, kwargs):
    """The arguments to call ``method`` with, once checked (see the
    module's docstring); ``args`` themselves for any other callable."""
    name = getattr(method, '__name__', None)
    receiver = getattr(method, '__self__', None)
    if isinstance(receiver, _TEXT):
        check = _TEXT_METHODS.get(name)
    elif isinstance(receiver, _KEEPERS):
        check = _CONTAINER_METHODS.get(name)
    elif receiver is dict and name == 'fromkeys':   # {}.fromkeys
        check = _fromkeys
    else:
        return args
    return args if check is None else check(receiver, args, kwargs)


# -- filters -----------------------------------------------------------------

def _text_length(value) -> int:
    return len(value) if isinstance(value, _TEXT) else 0


def _center(value, width=80, *_a, **_k):
    return max(_text_length(value), _width(width))


def _indent(s, width=4, *_a, **_k):
    text = s if isinstance(s, str) else ''
    per_line = len(width) if isinstance(width, str) else _width(width)
    return len(text) + (text.count('\n') + 1) * per_line


def _format(value, *args, **kwargs):
    if not isinstance(value, str):
        return 0
    return memory.percent_format_size(value, kwargs or args)


def _replace_filter(s, old, new, count=None, *_a, **_k):
    if not isinstance(s, str):
        return 0
    return _replaced_size(s, str(old), str(new),
                          -1 if count is None else count)


def _wordwrap(s, width=79, break_long_words=True, wrapstring=None,
              *_a, **_k):
    text = s if isinstance(s, str) else ''
    separator = wrapstring if isinstance(wrapstring, str) else '\n'
    lines = len(text) // max(_width(width), 1) + text.count(' ') + 1
    return len(text) + lines * len(separator)


def _filled(value, count, fill_with=None, *_a, **_k):
    """``batch``/``slice``: up to ``count`` lists, or fills (each as
    large as ``fill_with`` once the engine stores the result)."""
    return _width(count) * (64 + memory.measured(fill_with))


def _printed(value, *_a, **_k):
    return memory.measured(value)


def _escaped(value, *_a, **_k):
    if not isinstance(value, str):
        return memory.measured(value) * 6
    return len(value) + 5 * sum(value.count(c) for c in '<>&"\'')


def _listed(value, *_a, **_k):
    return _text_length(value) * 8


# filter name -> estimate of its result from its arguments
_FILTER_ESTIMATES = {
    'center': _center, 'indent': _indent, 'format': _format,
    'replace': _replace_filter, 'wordwrap': _wordwrap, 'batch': _filled,
    'slice': _filled, 'tojson': _printed, 'pprint': _printed,
    'list': _listed, 'e': _escaped, 'escape': _escaped,
    'forceescape': _escaped, 'urlencode': _escaped, 'urlize': _escaped,
}
# Filters that make text of any value (str() of a list...): measured
# before, as ``{{ value }}`` is.
for _name in ('string', 'safe', 'upper', 'lower', 'capitalize', 'title',
              'trim', 'striptags', 'truncate', 'wordcount'):
    _FILTER_ESTIMATES[_name] = _printed


def _checked_join(join):
    """``join``: the items read once, measured, then joined."""
    @functools.wraps(join)
    def checked(eval_ctx, value, d='', attribute=None):
        items = value if isinstance(value, (list, tuple)) else list(value)
        if attribute is None:
            separator = d if isinstance(d, str) else ''
            size = 0
            for item in items:
                size += len(item) if type(item) is str \
                    else memory.measured(item)
            _checked_growth(size + len(separator) * len(items), 0,
                            "the 'join' filter")
        return join(eval_ctx, items, d, attribute)
    return checked


def _checked_filter(name, original, estimate):
    skip = 1 if getattr(original, 'jinja_pass_arg', None) else 0

    @functools.wraps(original)
    def checked(*args, **kwargs):
        values = args[skip:]
        _checked_growth(estimate(*values, **kwargs),
                        _text_length(values[0]) if values else 0,
                        'the %r filter' % name)
        return original(*args, **kwargs)
    return checked


def checked_filters(filters: dict) -> dict:
    """Jinja's filters that can grow a value, each wrapped with its check
    (to put into an environment's ``filters``)."""
    checked = {name: _checked_filter(name, filters[name], estimate)
               for name, estimate in _FILTER_ESTIMATES.items()
               if name in filters}
    if 'join' in filters:
        checked['join'] = _checked_join(filters['join'])
    return checked


def _checked_dump(name, dump):
    """Mistral's ``json_dump``/``yaml_dump``: the text of ``data``, with
    its indentation (up to four times its ``str()``), refused first if
    it would be over the quota."""
    @functools.wraps(dump)
    def checked(context, data):
        _checked_growth(memory.measured(data) * 4, 0, '%s()' % name)
        return dump(context, data)
    return checked


def checked_functions(functions: dict) -> dict:
    """Mistral's expression functions, those that make text of any value
    wrapped with their check."""
    return dict(functions, **{
        name: _checked_dump(name, functions[name])
        for name in ('json_dump', 'yaml_dump') if name in functions})


def checked_lipsum(lipsum):
    """Jinja's ``lipsum()`` global, refused for too many paragraphs."""
    @functools.wraps(lipsum)
    def checked(n=5, html=True, min=20, max=100):
        _checked_growth(_width(n) * max * 12 if isinstance(max, int)
                        else 0, 0, 'lipsum()')
        return lipsum(n, html, min, max)
    return checked
