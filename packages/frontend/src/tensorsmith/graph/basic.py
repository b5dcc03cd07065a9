"""Graph nodes and traversals, as ``pytensor.graph.basic``."""
from tensorsmith_graphcore import (  # noqa: F401
    Apply, Constant, Variable, ancestors, applys_between, clone, clone_get_equiv, equal_computations,
    graph_inputs, io_toposort, orphans_between, toposort, vars_between,
)
from tensorsmith_graphcore import clone_replace  # noqa: F401
