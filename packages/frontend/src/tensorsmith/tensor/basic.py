"""Constructors, constants, creation, joining and casting, as ``pytensor.tensor.basic``."""
from tensorsmith_tensorops.basic import *  # noqa: F401,F403
from tensorsmith_tensorops.creation import *  # noqa: F401,F403
from tensorsmith_tensorops.join import *  # noqa: F401,F403
