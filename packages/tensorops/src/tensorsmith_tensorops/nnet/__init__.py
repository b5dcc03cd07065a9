"""``pt.nnet``: neural-network helpers, by family: activations (``relu``,
``gelu``, ``elu``, ``leaky_relu``), softmax and the losses (``softmax``/
``log_softmax``, ``one_hot``, the cross-entropies), convolutions
(``conv1d``/``conv2d``/``conv3d``) and pooling (``max_pool2d``/``avg_pool2d``)."""
from . import activations, conv, losses, pool
from .activations import *  # noqa: F401,F403
from .activations import Elu, EluDeriv, Gelu, GeluDeriv, LeakyRelu, LeakyReluDeriv  # noqa: F401
from .conv import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403

__all__ = list(losses.__all__) + list(activations.__all__) + list(conv.__all__) + list(pool.__all__)
