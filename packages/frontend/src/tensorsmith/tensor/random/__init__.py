"""Random variables, as ``pytensor.tensor.random``."""
from tensorsmith_tensorops.random import *  # noqa: F401,F403
from tensorsmith_tensorops.random import RandomStream  # noqa: F401
