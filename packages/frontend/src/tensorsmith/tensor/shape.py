"""Shape ops, as ``pytensor.tensor.shape``."""
from tensorsmith_tensorops.shape import *  # noqa: F401,F403
from tensorsmith_tensorops.creation import BroadcastTo, broadcast_arrays, broadcast_shape, broadcast_to  # noqa: F401
from tensorsmith_tensorops.rearrange import *  # noqa: F401,F403
from tensorsmith_tensorops.subtensor import (  # noqa: F401
    ExtractDiag, RavelMultiIndex, SetDiag, UnravelIndex, diag, diagonal, fill_diagonal, fill_diagonal_offset,
    ravel_multi_index, trace, unravel_index,
)
