"""Graph nodes, as ``pytensor.graph.basic``.

As in PyTensor 3, the traversals moved to ``tensorsmith.graph.traversal``: the
old names still resolve here (to the ``traversal`` functions, with a
FutureWarning).  ``toposort``, ``orphans_between`` and ``clone_replace``, which
this module had before, stay available under the same terms."""
from tensorsmith_graphcore import (  # noqa: F401
    Apply, Constant, Variable, clone, clone_get_equiv, equal_computations,
)
from tensorsmith_graphcore import warn_user

_MOVED_TO_TRAVERSAL = frozenset({
    "walk", "ancestors", "graph_inputs", "explicit_graph_inputs", "vars_between",
    "applys_between", "apply_depends_on", "truncated_graph_inputs", "general_toposort",
    "io_toposort", "get_var_by_name", "toposort", "orphans_between",
})
_MOVED_TO_REPLACE = frozenset({"clone_replace"})


def __getattr__(name):
    if name in _MOVED_TO_TRAVERSAL or name in _MOVED_TO_REPLACE:
        module = "traversal" if name in _MOVED_TO_TRAVERSAL else "replace"
        warn_user(
            f"`tensorsmith.graph.basic.{name}` was moved to `tensorsmith.graph.{module}.{name}`. "
            "Calling it from the old location will fail in a future release.",
            FutureWarning,
        )
        from importlib import import_module

        return getattr(import_module(f"tensorsmith.graph.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
