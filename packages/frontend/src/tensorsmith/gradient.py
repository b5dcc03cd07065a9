"""Gradient tools: ``grad``, ``Lop``/``Rop`` and (from the tensor ops)
``jacobian``, ``hessian``, ``verify_grad`` and friends."""
from tensorsmith_autodiff import *  # noqa: F401,F403
from tensorsmith_autodiff import Lop, Rop, grad, pullback, pushforward  # noqa: F401

try:
    from tensorsmith_tensorops.gradient import *  # noqa: F401,F403
except ImportError:  # pragma: no cover - the module arrives with the tensor gradient tools
    pass
