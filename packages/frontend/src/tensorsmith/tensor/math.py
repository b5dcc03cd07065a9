"""Elementwise math, reductions and products, as ``pytensor.tensor.math``."""
from tensorsmith_tensorops.math import *  # noqa: F401,F403
from tensorsmith_tensorops.math_extra import *  # noqa: F401,F403
from tensorsmith_tensorops.reduction import *  # noqa: F401,F403
from tensorsmith_tensorops.reduction_extra import *  # noqa: F401,F403
from tensorsmith_tensorops.products import *  # noqa: F401,F403
from tensorsmith_tensorops.products_extra import *  # noqa: F401,F403
