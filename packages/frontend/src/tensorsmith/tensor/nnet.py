"""Neural-network helpers (softmax, activations, cross-entropy, convolution, pooling)."""
from tensorsmith_tensorops.nnet import *  # noqa: F401,F403
