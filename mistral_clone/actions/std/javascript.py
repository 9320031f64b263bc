"""std.javascript (std.js): evaluate a script body in an embedded V8.

The script is the body of a function (it ends with ``return ...``); its
``context`` input is visible to it as ``$``. The engine is chosen by
``[DEFAULT] js_implementation``; the one this project ships is
``py_mini_racer`` (package "mini-racer"). A script runs under the time and
heap limits ``[DEFAULT] js_timeout`` and ``js_max_memory_mb``. The result crosses the boundary
as JSON, so it is plain data: ``undefined`` and functions become null.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from mistral_clone import exceptions as exc
from mistral_clone.actions import opts
from mistral_clone.actions.base import Action, ActionContext

_ENGINE_MISSING = {
    'pyv8': 'PyV8 module is not available. Please install PyV8.',
    'v8eval': 'v8eval module is not available. Please install v8eval.',
    'py_mini_racer': 'JavaScript engine is not installed: the '
                     '"py_mini_racer" module (PyPI package "mini-racer") is '
                     'not available.',
}


def _new_mini_racer():
    """A fresh V8 context per evaluation (a few ms), so that no global a
    script leaves behind is seen by the next workflow's script."""
    try:
        module = importlib.import_module('py_mini_racer')
    except ImportError:
        raise exc.ActionError(_ENGINE_MISSING['py_mini_racer'])
    return module.MiniRacer()


def evaluate(script: str, context: Any) -> Any:
    """Run ``script`` as a function body with ``$`` bound to ``context``."""
    conf = opts.get_conf()
    impl = conf.js_implementation
    if impl != 'py_mini_racer':
        raise exc.ActionError(_ENGINE_MISSING[impl])
    source = (
        '(function () {\n'
        '  var $ = %s;\n'
        '  var __result = (function () {\n%s\n  })();\n'
        '  return __result === undefined ? undefined'
        ' : JSON.stringify(__result);\n'
        '})()' % (json.dumps(context), script)
    )
    racer = _new_mini_racer()
    module = importlib.import_module('py_mini_racer')
    try:
        text = racer.eval(
            source, timeout_sec=conf.js_timeout or None,
            max_memory=conf.js_max_memory_mb * 1024 * 1024 or None,
        )
    except module.JSTimeoutException:
        raise exc.ActionError(
            'the script ran longer than [DEFAULT] js_timeout (%s seconds) '
            'and was stopped.' % conf.js_timeout
        )
    except module.JSOOMException:
        raise exc.ActionError(
            'the script used more memory than [DEFAULT] js_max_memory_mb '
            '(%s MiB) and was stopped.' % conf.js_max_memory_mb
        )
    finally:
        close = getattr(racer, 'close', None)
        if close is not None:
            close()
    return None if text is None else json.loads(text)


class JavaScriptAction(Action):
    """Evaluates ``script`` (a function body) with ``$`` = ``context``."""

    class_path = 'mistral.actions.std_actions.JavaScriptAction'

    def __init__(self, script, context=None):
        self.script = script
        self.js_context = context

    def run(self, ctx: ActionContext) -> Any:
        try:
            return evaluate(self.script, self.js_context)
        except Exception as e:
            raise exc.ActionError('JavaScriptAction failed: %s' % e)

    def test(self, ctx: ActionContext) -> str:
        return self.script
