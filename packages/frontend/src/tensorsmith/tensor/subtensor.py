"""Indexing ops, as ``pytensor.tensor.subtensor``."""
from tensorsmith_tensorops.subtensor import *  # noqa: F401,F403
