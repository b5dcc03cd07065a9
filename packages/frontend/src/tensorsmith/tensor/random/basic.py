"""The distributions, as ``pytensor.tensor.random.basic``."""
from tensorsmith_tensorops.random.basic import *  # noqa: F401,F403
