"""Elementwise math, reductions and products, as ``pytensor.tensor.math``."""
from tensorsmith_tensorops.math import *  # noqa: F401,F403
from tensorsmith_tensorops.sort import where  # noqa: F401
from tensorsmith_tensorops.reduction import *  # noqa: F401,F403
from tensorsmith_tensorops.products import *  # noqa: F401,F403
