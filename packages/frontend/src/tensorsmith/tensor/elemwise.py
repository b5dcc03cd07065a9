"""``Elemwise`` and ``DimShuffle``, as ``pytensor.tensor.elemwise``."""
from tensorsmith_tensorops.elemwise import *  # noqa: F401,F403
from tensorsmith_tensorops.reduction import SumToShape, sum_to_shape  # noqa: F401
from tensorsmith_tensorops.shape import DimShuffle  # noqa: F401
