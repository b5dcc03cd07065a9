"""The ``pt`` namespace: ``import tensorsmith.tensor as pt``.

Everything from ``tensorsmith_tensorops`` (types, constructors, ops), plus
``grad`` and the gradient tools."""
from tensorsmith_tensorops import *  # noqa: F401,F403
import tensorsmith_tensorops as _tto
from tensorsmith_autodiff import Lop, Rop, grad, pullback, pushforward  # noqa: F401

for _n in dir(_tto):
    if not _n.startswith("_"):
        globals()[_n] = getattr(_tto, _n)

from tensorsmith_tensorops.config import config  # noqa: F401,E402
