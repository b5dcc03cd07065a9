"""``TensorType``, as ``pytensor.tensor.type``."""
from tensorsmith_tensorops.type import *  # noqa: F401,F403
