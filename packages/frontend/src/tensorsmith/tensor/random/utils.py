"""``RandomStream``, as ``pytensor.tensor.random.utils``."""
from tensorsmith_tensorops.random import RandomStream  # noqa: F401
