"""A Jinja evaluation cannot take the service's memory: every way of
growing a value faster than the template's text is refused before the
value is made, and what one evaluation makes adds up against the same
``[expressions] memory_quota``.

The hostile templates run in a child process whose address space is
limited (``RLIMIT_AS``): where the sandbox failed to refuse one, it would
end in a MemoryError there, never take this machine's memory.  Their
60 MB strings are made as ``('x' * 1000000) * 60``, which the check of
``*`` alone always let through.
"""

import json
import subprocess
import sys
import textwrap

import pytest

from mistral_clone import exceptions as exc
from mistral_clone import expressions

HOSTILE = {
    "concatenation doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(34) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"),
    "plus doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(34) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}"),
    "list doubling": (
        "{% set ns = namespace(l=['x']) %}{% for i in range(34) %}"
        "{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}"),
    "appended doubling": (
        "{% set l = ['x'] %}{% for i in range(34) %}"
        "{% set _ = l.append(l[-1] ~ l[-1]) %}{% endfor %}{{ l|length }}"),
    "appended values under the quota": (
        "{% set l = [] %}{% for i in range(100) %}"
        "{% set _ = l.append(('x' * 1000000) * 60) %}{% endfor %}"
        "{{ l|length }}"),
    "many values of a MiB": (
        "{% set l = [] %}{% for i in range(1000) %}"
        "{% set _ = l.append('x' * 1000000) %}{% endfor %}{{ l|length }}"),
    "dictionary updates": (
        "{% set d = {} %}{% for i in range(1000) %}"
        "{% set _ = d.update({i: 'x' * 1000000}) %}{% endfor %}"
        "{{ d|length }}"),
    "rendered text": (
        "{% for i in range(100000) %}{% for j in range(100000) %}"
        "xxxxxxxxxx{% endfor %}{% endfor %}{{ 1 }}"),
    "text of a set block": (
        "{% set x %}{% for i in range(100000) %}{% for j in range(100000) %}"
        "xxxxxxxxxx{% endfor %}{% endfor %}{% endset %}{{ 1 }}"),
    "text of a macro": (
        "{% macro m() %}{% for i in range(100000) %}"
        "{% for j in range(100000) %}xxxxxxxxxx{% endfor %}{% endfor %}"
        "{% endmacro %}{{ m()|length }}"),
    "str.ljust": "{{ 'x'.ljust(10**9) }}",
    "str.center": "{{ 'x'.center(10**9) }}",
    "str.zfill": "{{ 'x'.zfill(10**9) }}",
    "bytes.ljust": "{{ 'x'.encode().ljust(10**9) }}",
    "str.expandtabs": "{{ '\t\t'.expandtabs(600000000) }}",
    "str.replace": "{{ 'ab'.replace('', ('x' * 1000000) * 60) }}",
    "str.join": "{{ ('x' * 60000).join(range(100000)|map('string')) }}",
    "str.split": "{{ ((' ' * 1000000) * 60).split(' ')|length }}",
    "str.translate": (
        "{{ (('a' * 1000000) * 60).translate({97: 'bb'})|length }}"),
    "str.format": "{{ '{:>999999999}'.format(1) }}",
    "str.format fields": "{{ '{0:>60000000}{0:>60000000}'.format(1) }}",
    "percent": "{{ '%999999999s' % 'x' }}",
    "int product": "{{ 2 ** 500000000 * 2 ** 500000000 }}",
    "center filter": "{{ 'x'|center(10**9) }}",
    "indent filter": "{{ 'x'|indent(10**9) }}",
    "format filter": "{{ '%999999999s'|format('x') }}",
    "join filter": "{{ range(100000)|join('x' * 60000) }}",
    "wordwrap filter": (
        "{{ ('x ' * 1000)|wordwrap(1, wrapstring='y' * 100000) }}"),
    "batch filter": "{{ [1]|batch(1000000000, 0)|list|length }}",
    "slice filter": "{{ [1]|slice(1000000000)|list|length }}",
    "list filter": "{{ (('x' * 1000000) * 60)|list|length }}",
    "map of a width filter": (
        "{{ range(100000)|map('center', 50000)|list|length }}"),
    "string filter": (
        "{% set s = ('x' * 1000000) * 60 %}{{ [s, s, s]|string|length }}"),
    "tojson filter": (
        "{% set s = ('x' * 1000000) * 60 %}{{ [s, s, s]|tojson|length }}"),
    "escape filter": "{{ (('<' * 1000000) * 60)|e|length }}",
    "rendered list": "{% set s = ('x' * 1000000) * 30 %}{{ [s, s, s] }}",
    "concatenated list": (
        "{% set s = ('x' * 1000000) * 30 %}{{ ([s, s, s] ~ '')|length }}"),
    "lipsum": "{{ lipsum(10000000)|length }}",
    "repeated list": (
        "{% set s = 'x' * 1000000 %}{{ ([s] * 1000)|length }}"),
    "batch filled with a large value": (
        "{% set s = 'x' * 1000000 %}{{ [1]|batch(1000, s)|list|length }}"),
    "dict.fromkeys": (
        "{% set s = 'x' * 1000000 %}"
        "{{ {}.fromkeys(range(1000), s)|length }}"),
    "json_dump": (
        "{% set s = 'x' * 1000000 %}{{ json_dump([s] * 1000)|length }}"),
    "yaml_dump filter": (
        "{% set s = 'x' * 1000000 %}{{ (_|yaml_dump([s] * 1000))|length }}"),
}

_CHILD = textwrap.dedent("""
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
    from oslo_config import cfg
    from mistral_clone import expressions
    from mistral_clone.expressions import opts
    opts.register_opts(cfg.CONF)
    # What is tested is the memory quota, not the deadline.
    cfg.CONF.set_override('evaluation_timeout', 300, 'expressions')
    outcomes = {}
    for name, text in json.loads(sys.stdin.read()).items():
        try:
            expressions.evaluate(text, {'a': 1})
            outcomes[name] = 'made'
        except MemoryError:
            outcomes[name] = 'MemoryError'
        except Exception as e:
            outcomes[name] = '%s: %s' % (type(e).__name__, e)
    print(json.dumps(outcomes))
""")


@pytest.fixture(scope="module")
def outcomes():
    """What each hostile template gave, evaluated in a child process
    with 2 GiB of address space."""
    child = subprocess.run([sys.executable, "-c", _CHILD],
                           input=json.dumps(HOSTILE), capture_output=True,
                           text=True, timeout=900)
    assert child.returncode == 0, child.stderr[-3000:]
    return json.loads(child.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_template_over_the_memory_quota_fails_clearly(outcomes, name):
    outcome = outcomes[name]
    assert outcome.startswith("JinjaEvaluationError: Can not evaluate "
                              "Jinja expression"), outcome
    assert "more than 67108864 bytes" in outcome, outcome
    assert "(the [expressions] memory_quota)" in outcome, outcome


ORDINARY = [
    ("{% for i in _.names %}{{ i ~ ':' ~ loop.index }} {% endfor %}",
     "a:1 b:2 c:3 "),
    ("{{ _.names | join(', ') }}", "a, b, c"),
    ("{{ _.names | map('upper') | list }}", ["A", "B", "C"]),
    ("{% set l = [] %}{% for i in range(10000) %}"
     "{% set _x = l.append({'n': i, 'name': 'item-' ~ i}) %}{% endfor %}"
     "{{ l | length }}", "10000"),
    ("{% set d = {} %}{% for i in _.names %}"
     "{% set _x = d.update({i: i * 3}) %}{% endfor %}{{ d }}",
     "{'a': 'aaa', 'b': 'bbb', 'c': 'ccc'}"),
    ("{{ 'x'.ljust(5, '-') ~ '|' ~ 'y'.center(5) ~ '|' ~ '7'.zfill(3) }}",
     "x----|  y  |007"),
    ("{{ '{:>6}|{:.2f}'.format('ab', 3.14159) }}", "    ab|3.14"),
    ("{{ '%5s|%-4d|' % ('ab', 7) }}", "   ab|7   |"),
    # Numbers in the text are not widths.
    ("{% for i in range(100) %}{{ 'order 12345678 of %s;' % i }}"
     "{% endfor %}", "".join("order 12345678 of %d;" % i
                             for i in range(100))),
    ("{{ 'a b c'|replace(' ', '--') }}", "a--b--c"),
    ("{{ 'line1\\nline2'|indent(2, true) }}", "  line1\n  line2"),
    ("{{ _.names|batch(2, 'z')|list }}", [["a", "b"], ["c", "z"]]),
    ("{{ _.names|tojson }}", '["a", "b", "c"]'),
    ("{{ json_dump(_.names|length) ~ ' ' ~ _|yaml_dump(_.names) }}",
     "3 - a\n- b\n- c\n"),
    ("{{ 2 ** 100 }}", 2 ** 100),
    ("{{ [1, 2] + [3] }}", [1, 2, 3]),
    ("{{ [0] * 100000 == [0] * 100000 }}", True),
    ("{{ {}.fromkeys(_.names, 0) }}", {"a": 0, "b": 0, "c": 0}),
    ("{{ 'ab' * 3 }}", "ababab"),
    # A 1 MB string, built 2,000 bytes at a time, and a 4 MB one.
    ("{% set ns = namespace(s='') %}{% for i in range(500) %}"
     "{% set ns.s = ns.s ~ ('y' * 2000) %}{% endfor %}{{ ns.s|length }}",
     "1000000"),
    ("{{ ('x' * 4000000)|length }}", 4000000),
    ("{{ range(100000)|list|length }}", 100000),
    ("{% set s %}{% for i in range(20000) %}row {{ i }}\n{% endfor %}"
     "{% endset %}{{ s|length }}",
     str(sum(len("row %d\n" % i) for i in range(20000)))),
    ("{% macro row(n) %}<{{ n }}>{% endmacro %}"
     "{% for i in _.names %}{{ row(i) }}{% endfor %}", "<a><b><c>"),
]


@pytest.mark.parametrize("template,value", ORDINARY)
def test_ordinary_templates_are_made(template, value):
    context = {"names": ["a", "b", "c"]}
    assert expressions.evaluate(template, context) == value


def test_a_large_rendered_text_under_the_quota_is_made():
    text = expressions.evaluate(
        "{% for i in range(1000) %}{{ 'z' * 10000 }}{% endfor %}", {"a": 1})
    assert len(text) == 10000000


def test_the_quota_is_per_evaluation():
    # Values made by one evaluation are not charged to the next.
    template = "{{ ('x' * 40000000)|length }}-{{ 1 }}"
    for _ in range(5):
        assert expressions.evaluate(template, {"a": 1}) == "40000000-1"


def test_a_lower_quota_is_honoured(override):
    override("memory_quota", 1000000, "expressions")
    with pytest.raises(exc.JinjaEvaluationError,
                       match=r"more than 1000000 bytes \(the \[expressions\]"
                             r" memory_quota\)"):
        expressions.evaluate("{{ 'x'.ljust(2000000) }}", {"a": 1})
    assert expressions.evaluate("{{ 'x'.ljust(500)|length }}", {}) == 500


def test_no_quota_makes_everything(override):
    override("memory_quota", -1, "expressions")
    assert expressions.evaluate("{{ ('x' * 70000000)|length }}", {}) == \
        70000000
