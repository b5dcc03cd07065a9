"""The ``pt`` namespace: ``import tensorsmith.tensor as pt``.

Everything from ``tensorsmith_tensorops`` (types, constructors, ops), plus
``grad`` and the gradient tools.  The submodules (``tensorsmith.tensor.math``,
``.basic``, ``.shape``, ``.slinalg``, ``.random.utils``, ...) follow PyTensor's
layout so that imports of ``pytensor.tensor.<module>`` port too."""
import importlib as _importlib

# Load the submodules first: importing one later would set its name on this
# package and hide the function of the same name (pt.shape, pt.subtensor...).
for _m in ("basic", "blockwise", "elemwise", "extra_ops", "linalg", "math", "nlinalg", "nnet", "random",
           "random.utils", "random.basic", "shape", "sharedvar", "signal", "slinalg", "sort", "special",
           "subtensor", "xlogx",
           "type", "variable"):
    _importlib.import_module(f"{__name__}.{_m}")

import tensorsmith_tensorops as _tto  # noqa: E402
from tensorsmith_autodiff import Lop, Rop, grad, pullback, pushforward  # noqa: F401,E402

for _n in dir(_tto):
    if not _n.startswith("_"):
        globals()[_n] = getattr(_tto, _n)

# The submodules that gather several tensorops modules (``basic``: constructors,
# creation and joins; ``elemwise``; ``extra_ops``; ``math``: elementwise math,
# reductions and products) are ``pt.<name>`` too, rather than the tensorops
# module of the same name, so that ``import tensorsmith.tensor.math as ptm``
# (which reads the attribute) gives what ``from tensorsmith.tensor.math
# import ...`` gives.
for _m in ("basic", "elemwise", "extra_ops", "math"):
    globals()[_m] = _importlib.import_module(f"{__name__}.{_m}")

from tensorsmith_autodiff import grad  # noqa: E402,F401,F811
from tensorsmith_tensorops.config import config  # noqa: E402,F401
