"""The routes the pecan app serves, found by walking its controller tree.

A pecan ``RestController`` maps its methods to HTTP verbs (``get_all``,
``get``/``get_one``, ``post``, ``put``, ``delete``, ``index``) and its
attributes that are controllers to sub-paths. Which path segments a method
takes is in its signature: the arguments without a default are path
segments (the first ones are the ids of the parent resources a nested
controller is reached through), the others are query parameters. So a
controller or method added later is described without being listed
anywhere.
"""

import dataclasses
import inspect

from pecan import rest
from wsme import types as wtypes

from mistral_clone.api.controllers import unknown_paths

# Method name -> HTTP verb, in the order the document lists them.
VERBS = (("index", "get"), ("get_all", "get"), ("get", "get"),
         ("get_one", "get"), ("post", "post"), ("put", "put"),
         ("delete", "delete"))


@dataclasses.dataclass(frozen=True)
class Argument:
    name: str
    # The WSME type, or None for a method pecan exposes directly (text).
    datatype: object
    mandatory: bool
    default: object = None


@dataclasses.dataclass(frozen=True)
class Route:
    verb: str
    path: str
    path_args: tuple
    query_args: tuple
    # The function pecan calls (its WSME definition, if any, is on it).
    function: object
    # "module.Class.method" of the controller method: names it in tests
    # and in the descriptions of the methods outside WSME.
    name: str

    @property
    def wsme(self):
        """The method's WSME definition; None when pecan exposes it
        directly (a text body, a hand-made JSON answer)."""
        return getattr(self.function, "_wsme_definition", None)


def arguments(function) -> list:
    """The arguments of an exposed method, body excluded, in order."""
    definition = getattr(function, "_wsme_definition", None)
    if definition is not None:
        body = definition.body_type
        args = [Argument(a.name, a.datatype, a.mandatory, a.default)
                for a in definition.arguments]
        if body is not None and args and args[-1].datatype is body:
            args = args[:-1]
        return args
    signature = inspect.signature(inspect.unwrap(function))
    args = []
    for param in list(signature.parameters.values())[1:]:  # self
        if param.kind not in (param.POSITIONAL_ONLY,
                              param.POSITIONAL_OR_KEYWORD):
            continue
        mandatory = param.default is param.empty
        args.append(Argument(param.name, wtypes.text, mandatory,
                             None if mandatory else param.default))
    return args


def _mandatory_count(function) -> int:
    return sum(1 for a in arguments(function) if a.mandatory)


def _is_route(controller, method_name) -> bool:
    function = getattr(controller, method_name, None)
    if function is None or not hasattr(function, "_pecan"):
        return False
    # The 404 answers of unknown_paths are no resource of their own.
    inherited = getattr(unknown_paths.NotFoundBelow, method_name, None)
    return getattr(type(controller), method_name, None) is not inherited


def _methods(controller) -> list:
    names = [name for name, _verb in VERBS if _is_route(controller, name)]
    if "get_all" in names and "index" in names:
        names.remove("index")  # pecan prefers get_all for the collection
    return names


def _children(controller) -> list:
    """(name, controller) of the sub-controllers, sorted by name."""
    names = set(dir(type(controller))) | set(vars(controller))
    found = []
    for name in sorted(names):
        if name.startswith("_"):
            continue
        child = getattr(controller, name, None)
        if isinstance(child, rest.RestController):
            found.append((name, child))
    return found


def _routing_depth(controller) -> int:
    """How many ids of parent resources a controller's methods take: the
    fewest mandatory arguments among them."""
    counts = [_mandatory_count(getattr(controller, name))
              for name in _methods(controller)]
    if not counts:  # only sub-controllers: a plain path segment
        return 0
    return min(counts)


def _segment(name):
    return "/{%s}" % name


def walk(controller, prefix="", inherited=()) -> list:
    """Every route under ``controller`` (mounted at ``prefix``, reached
    with the parent ids named in ``inherited``)."""
    routes = []
    verbs = dict(VERBS)
    for method_name in _methods(controller):
        function = getattr(controller, method_name)
        args = arguments(function)
        path_args = [a for a in args if a.mandatory]
        query_args = [a for a in args if not a.mandatory]
        own = path_args[len(inherited):]
        path = prefix + "".join(_segment(a.name) for a in own)
        if method_name == "index":
            path += "/"  # an index page is canonical with its slash
        name = "%s.%s.%s" % (type(controller).__module__,
                             type(controller).__qualname__, method_name)
        routes.append(Route(verbs[method_name], path.replace("//", "/"),
                            tuple(path_args), tuple(query_args), function,
                            name))
    # A sub-controller hangs below an item ("/{id}/child") when its
    # methods take one id more than this controller's, if this one has
    # items at all.
    has_items = any(len(r.path_args) > len(inherited) for r in routes)
    for child_name, child in _children(controller):
        extra = min(_routing_depth(child) - len(inherited), int(has_items))
        depth = len(inherited) + max(extra, 0)
        ids = _ids_of(child)[len(inherited):depth]
        child_prefix = prefix + "".join(_segment(n) for n in ids) + \
            "/" + child_name
        routes.extend(walk(child, child_prefix,
                           tuple(_ids_of(child)[:depth])))
    return routes


def _ids_of(controller) -> list:
    """Names of the mandatory arguments of the controller's first method
    (the parent ids come first in every one)."""
    for method_name in _methods(controller):
        return [a.name for a in arguments(getattr(controller, method_name))
                if a.mandatory]
    return []
