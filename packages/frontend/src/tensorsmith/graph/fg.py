"""``FunctionGraph``, as ``pytensor.graph.fg``."""
from tensorsmith_graphcore import Feature, FunctionGraph, MissingInputError  # noqa: F401
