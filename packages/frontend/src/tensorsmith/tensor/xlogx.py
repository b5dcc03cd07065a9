"""``xlogx`` and ``xlogy0``, as ``pytensor.tensor.xlogx``."""
from tensorsmith_tensorops.extra_ops import xlogx, xlogy0  # noqa: F401
