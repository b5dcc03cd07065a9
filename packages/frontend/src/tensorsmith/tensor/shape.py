"""Shape ops, as ``pytensor.tensor.shape``."""
from tensorsmith_tensorops.shape import *  # noqa: F401,F403
from tensorsmith_tensorops.shape_extra import *  # noqa: F401,F403
