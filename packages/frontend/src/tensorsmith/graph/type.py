"""The ``Type`` base class, as ``pytensor.graph.type``."""
from tensorsmith_graphcore import Type  # noqa: F401
