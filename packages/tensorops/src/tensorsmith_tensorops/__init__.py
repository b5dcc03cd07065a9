"""tensorsmith_tensorops: tensor types and ops.

Each op family has its own module; this namespace gathers their public names
(``__all__`` of each module), and the frontend's ``tensorsmith.tensor`` (the
``pt`` namespace) re-exports it."""
import os as _os

from tensorsmith_graphcore import register_library_path as _register_library_path

__version__ = "0.1.0"

_register_library_path(_os.path.dirname(_os.path.abspath(__file__)))

from .config import config, change_flags  # noqa: E402
from .type import TensorType  # noqa: E402
from .variable import TensorConstant, TensorVariable  # noqa: E402
from . import basic, elemwise, math, products, reduction, scalar, shape, sharedvar  # noqa: E402
from .basic import *  # noqa: E402,F401,F403
from .elemwise import DimShuffle, Elemwise  # noqa: E402
from .math import *  # noqa: E402,F401,F403
from .shape import *  # noqa: E402,F401,F403
from .reduction import *  # noqa: E402,F401,F403
from .products import *  # noqa: E402,F401,F403
from .sharedvar import *  # noqa: E402,F401,F403

# Op families added module by module; each module defines __all__.
_FAMILY_MODULES = (
    "scalar_math",   # the scalar function catalogue (math, special functions)
    "math_extra",    # elementwise functions built from the catalogue
    "reduction_extra",
    "products_extra",
    "subtensor",
    "join",
    "creation",
    "shape_extra",
    "sort",
    "nnet",
    "blockwise",
    "gradient",
    "extra_ops",     # PyTensor names composed of existing ops
)
import importlib as _importlib  # noqa: E402

for _name in _FAMILY_MODULES:
    if _os.path.exists(_os.path.join(_os.path.dirname(__file__), _name + ".py")):
        _mod = _importlib.import_module(f"{__name__}.{_name}")
        for _n in getattr(_mod, "__all__", ()):
            globals()[_n] = getattr(_mod, _n)

for _sub in ("linalg", "random"):
    if _os.path.exists(_os.path.join(_os.path.dirname(__file__), _sub)) or _os.path.exists(
            _os.path.join(_os.path.dirname(__file__), _sub + ".py")):
        globals()[_sub] = _importlib.import_module(f"{__name__}.{_sub}")


def dimshuffle(x, pattern):
    x = as_tensor_variable(x)  # noqa: F405
    return DimShuffle(x.type.ndim, pattern)(x)
