"""Jinja's sandbox, with every way a template can fill the memory checked
against the evaluation's budget (``jinja_memory``):

- the operators that grow values (``+``, ``*``, ``**``, ``%``) and ``~``
  (which Jinja compiles to a join: our code generator routes it through
  ``jinja_memory.concat``);
- the methods and filters that make large values from small arguments,
  and the methods that keep values (``jinja_checks``);
- ``str.format`` (its fields' widths), and the text a template renders,
  in ``{% set %}`` blocks and macros as well as in its output.
"""

import functools
import types

from jinja2 import compiler
from jinja2 import defaults
from jinja2 import sandbox
from markupsafe import Markup

from mistral_clone.expressions import jinja_checks
from mistral_clone.expressions import jinja_memory as memory


class RenderedText(list):
    """The pieces of text a template renders, counted as they come."""

    __slots__ = ('_pending',)

    def __init__(self):
        super().__init__()
        self._pending = 0

    def append(self, piece) -> None:
        self._pending += len(piece)
        if self._pending > memory.SMALL:
            memory.charge(self._pending)
            self._pending = 0
        super().append(piece)

    def extend(self, pieces) -> None:
        pending = 0
        add = super().append
        for piece in pieces:
            pending += len(piece)
            if pending > memory.SMALL:
                memory.charge(pending)
                pending = 0
            add(piece)
        memory.charge(pending)


def render(template, variables) -> str:
    """``template.render(**variables)``, its text counted as it grows
    (errors keep their own traceback: the evaluator only shows their
    message)."""
    text = RenderedText()
    text.extend(template.root_render_func(template.new_context(variables)))
    return ''.join(text)


class _CodeGenerator(compiler.CodeGenerator):
    """Jinja's code generator, with ``~`` and block buffers checked."""

    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape:
            super().visit_Concat(node, frame)
            return
        self.write('environment.checked_concat((')
        for item in node.nodes:
            self.visit(item, frame)
            self.write(', ')
        self.write('))')

    def buffer(self, frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline('%s = environment.rendered_text()' % frame.buffer)


class _FieldsChecked:
    """A ``str.format`` formatter refusing a field (``{:>999999999}``)
    over the quota before it is made."""

    def format_field(self, value, format_spec):
        size = memory.format_field_size(value, format_spec)
        if size > memory.SMALL:
            memory.check_and_charge(size, size, 'format()')
        return super().format_field(value, format_spec)


class _Formatter(_FieldsChecked, sandbox.SandboxedFormatter):
    pass


class _EscapeFormatter(_FieldsChecked, sandbox.SandboxedEscapeFormatter):
    pass


def _finalize(value):
    """Every ``{{ value }}`` a template renders: refused before ``str()``
    if that text would be over the quota."""
    if isinstance(value, (str, int, float)):
        return value
    memory.check(memory.measured(value), 'str()')
    return value


class Environment(sandbox.SandboxedEnvironment):
    """The sandbox, refusing what would go over ``[expressions]
    memory_quota`` before Python starts making it (a single operation
    cannot be stopped by the evaluation deadline)."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset(['+', '*', '**', '%'])
    checked_concat = staticmethod(memory.concat)
    rendered_text = RenderedText

    def __init__(self, **options):
        super().__init__(finalize=_finalize, **options)
        self.filters.update(jinja_checks.checked_filters(self.filters))
        self.globals['lipsum'] = jinja_checks.checked_lipsum(
            defaults.DEFAULT_NAMESPACE['lipsum'])

    def call_binop(self, context, operator, left, right):
        memory.check_binop(operator, left, right)
        return self.binop_table[operator](left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805
        args = jinja_checks.checked_method_args(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value):
        if not isinstance(value, (types.MethodType,
                                  types.BuiltinMethodType)) \
                or value.__name__ not in ('format', 'format_map') \
                or not isinstance(value.__self__, str):
            return None
        template = value.__self__
        if isinstance(template, Markup):
            formatter = _EscapeFormatter(self, escape=template.escape)
        else:
            formatter = _Formatter(self)
        by_map = value.__name__ == 'format_map'

        def formatted(*args, **kwargs):
            if by_map:
                if kwargs or len(args) != 1:
                    raise TypeError('format_map() takes exactly one '
                                    'positional argument')
                args, kwargs = (), args[0]
            return type(template)(formatter.vformat(template, args, kwargs))
        return functools.update_wrapper(formatted, value)
