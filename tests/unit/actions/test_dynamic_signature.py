"""The input of a dynamic action's class read from its text (the engine's
check, which runs no uploaded code)."""

import pytest

from mistral_clone import exceptions as exc
from mistral_clone.actions import dynamic
from mistral_clone.actions import dynamic_signature


def ref(content, class_name="C"):
    return dynamic.CodeRef("id", "mod", 1, class_name, content)


@pytest.mark.parametrize("content, required, order, any_kw", [
    ("class C:\n    def __init__(self, a, b=1, *, c, d=2):\n        pass\n",
     ("a", "c"), ("a", "b", "c", "d"), False),
    ("class C:\n    def __init__(self, **kw):\n        pass\n",
     (), (), True),
    ("class C:\n    def run(self, context):\n        return 1\n",
     (), (), False),
    ("class C(Base):\n    def __init__(self, x):\n        pass\n",
     ("x",), ("x",), False),
])
def test_plain_declarations(content, required, order, any_kw):
    sig = dynamic_signature.declared(content, "C")
    assert (sig.required, sig.order, sig.accepts_any) == (required, order,
                                                          any_kw)


@pytest.mark.parametrize("content", [
    "def broken(:\n",
    "X = 1\n",
    "class C(Base):\n    pass\n",
    "@decorate\nclass C:\n    def __init__(self, a):\n        pass\n",
    "class C(metaclass=M):\n    def __init__(self, a):\n        pass\n",
    "class C:\n    @wrap\n    def __init__(self, a):\n        pass\n",
    "class C:\n    def __init__(self, a):\n        pass\nC = other(C)\n",
    "from elsewhere import C\n",
])
def test_nothing_said_plainly_means_no_check(content):
    assert dynamic_signature.declared(content, "C") is None
    dynamic_signature.check_input("my.action", ref(content), {"any": 1})


def test_refused_input_is_worded_as_for_any_action():
    content = "class C:\n    def __init__(self, a, b=1):\n        pass\n"
    dynamic_signature.check_input("my.action", ref(content), {"a": 1})
    with pytest.raises(exc.InvalidActionError) as raised:
        dynamic_signature.check_input("my.action", ref(content),
                                      {"b": 2, "z": 3})
    assert str(raised.value) == ("Invalid input [name=my.action, "
                                 "class=mod.C, missing=['a'], "
                                 "unexpected=['z']]")
