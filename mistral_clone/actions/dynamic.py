"""Dynamic actions: classes of code sources (Python modules uploaded through
``/v2/code_sources``) run as actions.

The engine sends, with each dynamic action, a :class:`CodeRef`: which code
source (id, name, version, content) and which class in it. A process keeps
the module it made from a code source, one per code source id, and makes it
again only when a newer version arrives, so an update takes effect on the
next run without a restart and nothing is imported again on every run.

The code is trusted (creating it is admin-only), but a module that fails to
import, or hangs while importing, must not take the process with it: the
module's top level runs in a daemon thread that is given ``[dynamic_actions]
import_timeout`` seconds; a failure (or a timeout) is remembered for
that version and each run of its actions fails with a message that says
what went wrong, until a new version is uploaded.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import traceback
import types
from typing import Any, Mapping, Optional

from mistral_clone import exceptions as exc
from mistral_clone.actions import mistral_lib_names
from mistral_clone.actions import opts

LOG = logging.getLogger(__name__)

# The key of an executor message's execution context that holds the
# dynamic action's CodeRef (as a dict).
EXEC_CTX_KEY = 'dynamic_action'


@dataclasses.dataclass(frozen=True)
class CodeRef:
    """A dynamic action as the executor needs it."""

    code_source_id: str
    code_source_name: str
    version: int
    class_name: str
    content: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> 'CodeRef':
        return cls(**{f.name: values[f.name]
                      for f in dataclasses.fields(cls)})

    def describe(self) -> str:
        return ('[name=%s, id=%s, version=%s]'
                % (self.code_source_name, self.code_source_id,
                   self.version))


@dataclasses.dataclass
class _Loaded:
    """One version of one code source: its module, or why there is none."""

    version: int
    done: threading.Event
    module: Optional[types.ModuleType] = None
    error: Optional[str] = None


_modules: dict = {}       # code source id -> _Loaded (its newest version)
_lock = threading.Lock()


def _execute(code: CodeRef, loaded: _Loaded) -> None:
    module = types.ModuleType(code.code_source_name)
    module.__file__ = '<code source %s v%s>' % (code.code_source_name,
                                                 code.version)
    # ``from mistral_lib import actions`` works as in Mistral.
    module.__builtins__ = mistral_lib_names.module_builtins()
    try:
        compiled = compile(code.content or '', module.__file__, 'exec')
        exec(compiled, module.__dict__)  # noqa: S102 - admin-uploaded code
        loaded.module = module
    except BaseException as e:  # noqa: BLE001 - SystemExit too: reported
        loaded.error = ''.join(
            traceback.format_exception_only(type(e), e)).strip()
    finally:
        loaded.done.set()


def _start_loading(code: CodeRef) -> _Loaded:
    loaded = _Loaded(code.version, threading.Event())
    threading.Thread(target=_execute, args=(code, loaded), daemon=True,
                     name='code-source-%s' % code.code_source_id).start()
    return loaded


def module_of(code: CodeRef) -> types.ModuleType:
    """The module made from ``code``'s version of its code source; raises
    InvalidActionError when it cannot be made."""
    with _lock:
        loaded = _modules.get(code.code_source_id)
        if loaded is None or loaded.version < code.version:
            loaded = _start_loading(code)
            _modules[code.code_source_id] = loaded
        elif loaded.version > code.version:
            # A message older than the newest version: run what it says,
            # without replacing the newer module.
            loaded = _start_loading(code)
    timeout = opts.get_conf().dynamic_actions.import_timeout
    if not loaded.done.wait(timeout):
        loaded.error = 'importing took longer than %s seconds' % timeout
        loaded.done.set()
    if loaded.module is None:
        raise exc.InvalidActionError(
            'Failed to load code source %s: %s'
            % (code.describe(), loaded.error))
    return loaded.module


def action_class(code: CodeRef) -> type:
    """The class named by ``code``; InvalidActionError when the module
    cannot be made or has no such class."""
    module = module_of(code)
    cls = getattr(module, code.class_name, None)
    if not isinstance(cls, type):
        raise exc.InvalidActionError(
            "Class '%s' not found in code source %s"
            % (code.class_name, code.describe()))
    return cls


def with_code(exec_ctx: dict, code: Optional[CodeRef]) -> dict:
    """``exec_ctx`` carrying ``code`` (unchanged when there is none)."""
    if code is not None:
        exec_ctx[EXEC_CTX_KEY] = code.to_dict()
    return exec_ctx


def code_of(exec_ctx: Optional[Mapping[str, Any]]) -> Optional[CodeRef]:
    """The CodeRef an execution context carries, if any."""
    values = (exec_ctx or {}).get(EXEC_CTX_KEY)
    return CodeRef.from_dict(values) if values else None


def forget() -> None:
    """Drop every loaded module (tests)."""
    with _lock:
        _modules.clear()
