"""Sorting, searching, counting, repeating and friends, as ``pytensor.tensor.extra_ops``."""
from tensorsmith_tensorops.sort import *  # noqa: F401,F403
from tensorsmith_tensorops.shape_extra import *  # noqa: F401,F403
from tensorsmith_tensorops.reduction_extra import *  # noqa: F401,F403
from tensorsmith_tensorops.extra_ops import *  # noqa: F401,F403
