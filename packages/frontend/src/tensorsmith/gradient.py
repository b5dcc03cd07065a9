"""Gradient tools: ``grad``, ``Lop``/``Rop`` and (from the tensor ops)
``jacobian``, ``hessian``, ``verify_grad`` and friends, under the names of
``pytensor.gradient``."""
from tensorsmith_autodiff import *  # noqa: F401,F403
from tensorsmith_autodiff import Lop, NullGradientError, Rop, disconnected, grad, pullback, pushforward  # noqa: F401
from tensorsmith_tensorops.blockwise import vectorize_graph  # noqa: F401
from tensorsmith_tensorops.gradient import *  # noqa: F401,F403

NullTypeGradError = NullGradientError


class DisconnectedType:
    """For gradient methods written for PyTensor: ``DisconnectedType()()`` is
    the marker saying an input gets no gradient (``disconnected``)."""

    def __call__(self, name=None):
        return disconnected


def disconnected_type():
    """The ``disconnected`` marker (PyTensor's ``disconnected_type()``)."""
    return disconnected
