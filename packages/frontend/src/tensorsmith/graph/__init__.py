"""The graph core under PyTensor's names (``pytensor.graph``): Variable, Apply,
Constant, Op, Type, FunctionGraph and the traversals."""
from tensorsmith_graphcore import *  # noqa: F401,F403
from tensorsmith_graphcore import Apply, Constant, FunctionGraph, Op, Type, Variable  # noqa: F401
