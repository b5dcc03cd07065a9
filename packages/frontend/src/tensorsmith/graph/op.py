"""The ``Op`` base class, as ``pytensor.graph.op``."""
from tensorsmith_graphcore import Op  # noqa: F401
