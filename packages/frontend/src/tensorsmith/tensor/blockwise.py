"""``Blockwise`` and ``vectorize``, as ``pytensor.tensor.blockwise``."""
from tensorsmith_tensorops.blockwise import *  # noqa: F401,F403
