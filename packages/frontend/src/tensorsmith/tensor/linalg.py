"""Linear algebra, as ``pytensor.tensor.linalg``."""
from tensorsmith_tensorops.linalg import *  # noqa: F401,F403
