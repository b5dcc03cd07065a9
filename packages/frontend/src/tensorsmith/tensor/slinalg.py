"""SciPy-style linear algebra (solvers, decompositions), as ``pytensor.tensor.slinalg``."""
from tensorsmith_tensorops.linalg.slinalg import *  # noqa: F401,F403
