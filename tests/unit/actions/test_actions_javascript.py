"""std.javascript / std.js with the embedded V8 of mini-racer."""

import time

import pytest

from mistral_clone import actions


@pytest.fixture
def js_engine():
    pytest.importorskip('py_mini_racer',
                        reason='mini-racer (embedded V8) is not installed')


@pytest.mark.parametrize('name', ['std.js', 'std.javascript'])
def test_script_sees_context_as_dollar(js_engine, name):
    result = actions.run_action(name, {
        'script': 'return $.items.map(function (x) { return x * 2; });',
        'context': {'items': [1, 2, 3]}})
    assert result.data == [2, 4, 6]


@pytest.mark.parametrize('script, expected', [
    ('return {a: 1, b: [true, null, "s"]};', {'a': 1, 'b': [True, None, 's']}),
    ('return "text";', 'text'),
    ('return 1.5;', 1.5),
    ('var x = 1;', None),
    ('return undefined;', None),
])
def test_results_are_plain_data(js_engine, script, expected):
    assert actions.run_action('std.js', {'script': script}).data == expected


def test_globals_do_not_leak_between_runs(js_engine):
    actions.run_action('std.js', {'script': 'leaked = 42; return 1;'})
    result = actions.run_action('std.js',
                                {'script': 'return typeof leaked;'})
    assert result.data == 'undefined'


def test_script_error(js_engine):
    result = actions.run_action('std.js', {'script': 'throw new Error("b")'})
    assert "msg='JavaScriptAction failed: " in result.error
    assert 'Error: b' in result.error


def test_unavailable_implementation(action_conf):
    action_conf.set_override('js_implementation', 'pyv8')
    result = actions.run_action('std.js', {'script': 'return 1;'})
    assert "msg='JavaScriptAction failed: PyV8 module is not available. " \
        "Please install PyV8.'" in result.error


def test_missing_engine_message(monkeypatch):
    import importlib
    real_import = importlib.import_module

    def no_racer(name, *args):
        if name == 'py_mini_racer':
            raise ImportError(name)
        return real_import(name, *args)

    monkeypatch.setattr(importlib, 'import_module', no_racer)
    result = actions.run_action('std.js', {'script': 'return 1;'})
    assert 'JavaScript engine is not installed' in result.error


def test_busy_loop_is_stopped_by_the_time_limit(js_engine, action_conf):
    action_conf.set_override('js_timeout', 0.5)
    started = time.monotonic()
    # Bounded, so that without a limit the test fails rather than hangs.
    result = actions.run_action('std.js', {'script': (
        'var end = Date.now() + 3000; while (Date.now() < end) {} return 1;'
    )})
    assert time.monotonic() - started < 2.5
    assert "the script ran longer than [DEFAULT] js_timeout (0.5 seconds) " \
        "and was stopped." in result.error


def test_default_time_limit_is_a_few_seconds(action_conf):
    assert 0 < action_conf.js_timeout <= 10
    assert 0 < action_conf.js_max_memory_mb <= 128


def test_allocation_is_stopped_by_the_memory_limit(js_engine, action_conf):
    action_conf.set_override('js_max_memory_mb', 16)
    result = actions.run_action('std.js', {'script': (
        'var kept = [];'
        'for (var i = 0; i < 200; i++) {'
        '  kept.push(new Array(100000).fill(i + 0.5)); }'
        'return kept.length;'
    )})
    assert "the script used more memory than [DEFAULT] js_max_memory_mb " \
        "(16 MiB) and was stopped." in result.error


def test_script_within_the_limits_runs(js_engine, action_conf):
    action_conf.set_override('js_timeout', 2)
    result = actions.run_action('std.js', {'script': (
        'var s = 0; for (var i = 0; i < 100000; i++) { s += i; } return s;'
    )})
    assert result.data == 4999950000
