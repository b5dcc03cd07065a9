"""Tensor variable classes, as ``pytensor.tensor.variable``."""
from tensorsmith_tensorops.variable import *  # noqa: F401,F403
