"""Sorting and searching, as ``pytensor.tensor.sort``."""
from tensorsmith_tensorops.sort import *  # noqa: F401,F403
