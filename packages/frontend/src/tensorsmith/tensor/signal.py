"""Signal processing (``convolve1d``, ``convolve2d``), as ``pytensor.tensor.signal``."""
from tensorsmith_tensorops.extra_ops import signal as _signal

convolve1d = _signal.convolve1d
convolve2d = _signal.convolve2d
__all__ = ["convolve1d", "convolve2d"]
