"""softmax, log_softmax and special functions, as ``pytensor.tensor.special``."""
from tensorsmith_tensorops.nnet import *  # noqa: F401,F403
from tensorsmith_tensorops.math_extra import *  # noqa: F401,F403
