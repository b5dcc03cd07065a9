"""Shared variables, as ``pytensor.tensor.sharedvar``."""
from tensorsmith_tensorops.sharedvar import *  # noqa: F401,F403
