"""Sorting, searching, counting, repeating and friends, as ``pytensor.tensor.extra_ops``."""
from tensorsmith_tensorops.sort import *  # noqa: F401,F403
from tensorsmith_tensorops.shape import (  # noqa: F401
    Flip, atleast_1d, atleast_2d, atleast_3d, atleast_Nd, expand_dims, flatten, flip, matrix_transpose,
    moveaxis, squeeze, swapaxes,
)
from tensorsmith_tensorops.creation import BroadcastTo, broadcast_arrays, broadcast_shape, broadcast_to  # noqa: F401
from tensorsmith_tensorops.rearrange import *  # noqa: F401,F403
from tensorsmith_tensorops.subtensor import (  # noqa: F401
    ExtractDiag, RavelMultiIndex, SetDiag, UnravelIndex, diag, diagonal, fill_diagonal, fill_diagonal_offset,
    ravel_multi_index, trace, unravel_index,
)
from tensorsmith_tensorops.reduction import (  # noqa: F401
    Argmax, Argmin, CumOp, LogSumExp, Median, argmax, argmin, cumprod, cumsum, logsumexp, max_and_argmax,
    median, ptp, std, var,
)
from tensorsmith_tensorops.extra_ops import *  # noqa: F401,F403
