"""``Elemwise`` and ``DimShuffle``, as ``pytensor.tensor.elemwise``."""
from tensorsmith_tensorops.elemwise import *  # noqa: F401,F403
