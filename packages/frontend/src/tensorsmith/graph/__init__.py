"""The graph core under PyTensor's names (``pytensor.graph``): Variable, Apply,
Constant, Op, Type, FunctionGraph, and the traversals and replacements of
``tensorsmith.graph.traversal`` / ``tensorsmith.graph.replace`` (PyTensor's
versions: generators where PyTensor's are, in PyTensor's order)."""
from tensorsmith_graphcore import *  # noqa: F401,F403
from tensorsmith_graphcore import Apply, Constant, FunctionGraph, Op, Type, Variable, clone  # noqa: F401

from .replace import clone_replace, graph_replace, vectorize_graph  # noqa: F401,E402
from .traversal import (  # noqa: F401,E402
    ancestors, applys_between, explicit_graph_inputs, graph_inputs, io_toposort,
    orphans_between, toposort, vars_between,
)
