"""NumPy-style linear algebra, as ``pytensor.tensor.nlinalg``."""
from tensorsmith_tensorops.linalg.nlinalg import *  # noqa: F401,F403
