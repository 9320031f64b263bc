"""Dynamic actions in a process: loading code sources by version, and
failures (syntax, raising or hanging at import, missing class) that fail
the action with a clear message and leave the process working."""

import sys
import threading

import pytest

from mistral_clone import exceptions as exc
from mistral_clone.actions import dynamic
from mistral_clone.actions import opts
from mistral_clone.actions import runner

HELLO = '''
LOADS = []
LOADS.append(1)

class Hello:
    """Says hello."""

    def __init__(self, name="world"):
        self.name = name

    def run(self, context):
        return "%s %s" % (GREETING, self.name)

GREETING = "GREETING_VALUE"
'''


def hello(greeting):
    return HELLO.replace("GREETING_VALUE", greeting)


def ref(content, version=1, class_name="Hello", source_id="cs-1"):
    return dynamic.CodeRef(code_source_id=source_id, code_source_name="mod",
                           version=version, class_name=class_name,
                           content=content)


@pytest.fixture(autouse=True)
def fresh_modules():
    dynamic.forget()
    yield
    dynamic.forget()
    opts.get_conf().clear_override("import_timeout", "dynamic_actions")


def test_runs_the_class_of_the_code_source():
    result = runner.run_action("my.hello", {"name": "you"},
                               code=ref(hello("hello")))
    assert result.is_success() and result.data == "hello you"


def test_a_version_is_loaded_once_and_a_newer_one_replaces_it():
    first = ref(hello("hello"))
    module = dynamic.module_of(first)
    for _ in range(3):
        assert runner.run_action("my.hello", {}, code=first).data == \
            "hello world"
    assert dynamic.module_of(first) is module and module.LOADS == [1]

    second = ref(hello("hi"), version=2)
    assert runner.run_action("my.hello", {}, code=second).data == "hi world"
    assert dynamic.module_of(second) is not module
    # A late message of the old version runs what it carries, and does not
    # push the newer module out.
    assert runner.run_action("my.hello", {}, code=first).data == \
        "hello world"
    assert dynamic.module_of(second).GREETING == "hi"


def test_the_module_is_not_put_in_sys_modules():
    import sys
    module = dynamic.module_of(ref("import json\nX = json.dumps(1)\n"))
    assert module.X == "1" and sys.modules["json"] is not module


@pytest.mark.parametrize("content, class_name, message", [
    ("def broken(:\n", "Hello",
     "Failed to load code source [name=mod, id=cs-1, version=1]: "),
    ("raise RuntimeError('boom at import')\n", "Hello",
     "Failed to load code source [name=mod, id=cs-1, version=1]: "
     "RuntimeError: boom at import"),
    ("import sys\nsys.exit(3)\n", "Hello",
     "Failed to load code source [name=mod, id=cs-1, version=1]: "
     "SystemExit: 3"),
    ("X = 1\n", "Hello",
     "Class 'Hello' not found in code source [name=mod, id=cs-1, "
     "version=1]"),
    ("X = 1\n", "X",
     "Class 'X' not found in code source [name=mod, id=cs-1, version=1]"),
])
def test_code_that_cannot_load_fails_the_action(content, class_name,
                                                message):
    result = runner.run_action("my.action", {},
                               code=ref(content, class_name=class_name))
    assert result.is_error() and result.error.startswith(message)
    if "broken" in content:
        assert "SyntaxError" in result.error


def test_a_failed_version_is_not_imported_again_until_a_new_one():
    content = "import random\nraise ValueError(random.random())\n"
    first = runner.run_action("a", {}, code=ref(content)).error
    assert runner.run_action("a", {}, code=ref(content)).error == first
    fixed = runner.run_action("a", {}, code=ref(hello("ok"), version=2))
    assert fixed.data == "ok world"


def test_an_import_that_hangs_times_out_and_the_process_goes_on():
    opts.get_conf().set_override("import_timeout", 0.5, "dynamic_actions")
    release = threading.Event()
    dynamic.RELEASE_FOR_TEST = release
    try:
        hanging = ("from mistral_clone.actions import dynamic\n"
                   "dynamic.RELEASE_FOR_TEST.wait(60)\n" + hello("late"))
        result = runner.run_action("a", {}, code=ref(hanging))
        assert result.error == (
            "Failed to load code source [name=mod, id=cs-1, version=1]: "
            "importing took longer than 0.5 seconds")
        # Other code sources still load; the hung one is not started again.
        assert runner.run_action(
            "b", {}, code=ref(hello("hey"), source_id="cs-2")).data == \
            "hey world"
        assert runner.run_action("a", {}, code=ref(hanging)).error == \
            result.error
    finally:
        release.set()
        del dynamic.RELEASE_FOR_TEST


def test_actions_of_plain_classes_and_bad_input():
    plain = "class P:\n    def run(self, context):\n        return 42\n"
    assert runner.run_action("p", {}, code=ref(plain, class_name="P",
                                               source_id="p")).data == 42
    bad = runner.run_action("my.hello", {"bogus": 1},
                            code=ref(hello("x"), source_id="h"))
    assert bad.error == ("Invalid input [name=my.hello, class=mod.Hello, "
                         "unexpected=['bogus']]")
    raising = ("class R:\n    def run(self, context):\n"
               "        raise KeyError('nope')\n")
    failed = runner.run_action("r", {}, code=ref(raising, class_name="R",
                                                 source_id="r"))
    assert failed.is_error() and "msg=''nope''" in failed.error


def test_exec_context_carries_the_code_ref():
    code = ref(hello("x"))
    exec_ctx = dynamic.with_code({"action_execution_id": "a"}, code)
    assert dynamic.code_of(exec_ctx) == code
    assert dynamic.code_of({"action_execution_id": "a"}) is None
    assert dynamic.with_code({}, None) == {}


# The module a Mistral user uploads (text given to the server, not code
# of ours: mistral_lib is neither installed nor imported here).
MISTRAL_STYLE = '''
from LIB import actions
import LIB
from LIB.actions import Result


class Greet(actions.Action):
    def __init__(self, name):
        super().__init__()
        self.name = name

    def run(self, context):
        import LIB.actions as again
        return again.Result(data="hi %s in %s" % (
            self.name, context.execution.workflow_name))


class Refuse(LIB.actions.Action):
    def run(self, context):
        return Result(error="refused")
'''.replace("LIB", "mistral_lib")


def test_a_module_written_for_mistral_lib_runs_unchanged():
    code = ref(MISTRAL_STYLE, class_name="Greet")
    result = runner.run_action("ml.greet", {"name": "you"}, code=code)
    assert result.is_success() and result.data == "hi you in None"
    refused = runner.run_action(
        "ml.refuse", {}, code=ref(MISTRAL_STYLE, class_name="Refuse"))
    assert refused.is_error() and refused.error == "refused"
    # Only the code source sees those names.
    assert "mistral_lib" not in sys.modules


def test_a_part_of_mistral_lib_we_do_not_provide_is_a_clear_load_error():
    code = ref("from mistral_lib.utils import cut\n", class_name="X")
    with pytest.raises(exc.InvalidActionError) as info:
        dynamic.action_class(code)
    assert "ModuleNotFoundError: No module named 'mistral_lib" in \
        str(info.value)
