"""tensorsmith_tensorops: tensor types and ops.

Each op family has its own module; this namespace gathers their public names
(``__all__`` of each module), and the frontend's ``tensorsmith.tensor`` (the
``pt`` namespace) re-exports it.

The modules stand in floors; a module imports only from the floors below it
(``tools/import_cycles.py --all`` finds no circle, deferred imports counted):

0. ``config``; ``type`` (``TensorType``), ``variable`` (``TensorVariable``,
   ``TensorConstant``: their operators call the functions of this namespace
   when used), ``sharedvar``; ``_ufunc_thunk``.
1. ``basic``: constants and ``as_tensor_variable``.
2. ``scalar``, ``scalar_math``: the scalar functions (values and dtypes).
3. ``elemwise``: ``Elemwise``, a scalar function mapped over arrays.
4. ``math``: the elementwise functions, ``cast``, ``zeros_like``.
5. ``shape``: ``DimShuffle``, the shape ops and functions, ``flip``.
6. ``reduction``: ``sum`` and the other reductions, ``SumToShape``.
7. ``elemwise_grad``: the derivatives of the scalar functions and ``Elemwise``'s
   gradient rules; ``creation`` (``alloc``, ``zeros``, ``arange``, ``eye``, ...).
8. ``join`` (concatenate, stack, split), ``products`` (dot, matmul, einsum,
   tensordot, outer, ...), ``subtensor`` (indexing, diagonals).
9. ``rearrange`` (tile, repeat, pad, roll), then ``sort`` (sorting, searching, ``where``).
10. ``vectorize`` (vectorization rules by op class), then ``blockwise``.
11. ``linalg/``, ``nnet/`` (activations, softmax and losses, convolution,
    pooling), ``random/``, ``gradient`` (jacobian, hessian, verify_grad and the
    gradient-control ops), ``extra_ops`` (PyTensor names composed of the rest).

The lower floors call the ops of the higher ones through hooks that those
floors set when imported (all of them are imported here, before any user code
runs): ``as_tensor_variable``'s conversions (``basic.register_conversion``:
cast by ``math``, padding axes by ``shape``, stacking a list by ``join``),
``TensorType``'s graph-building methods (``basic``, ``math``, ``shape``),
``Elemwise.infer_shape`` (``shape``), and the gradient rules, registered in
autodiff's registry by op class."""
import os as _os

from tensorsmith_graphcore import register_library_path as _register_library_path

__version__ = "0.1.0"

_register_library_path(_os.path.dirname(_os.path.abspath(__file__)))

from .config import config, change_flags  # noqa: E402
from .type import TensorType  # noqa: E402
from .variable import TensorConstant, TensorVariable  # noqa: E402
from . import (  # noqa: E402
    basic, scalar, scalar_math, elemwise, math, shape, reduction, elemwise_grad, creation, join, products,
    subtensor, rearrange, sort, vectorize, blockwise, sharedvar, gradient, extra_ops, linalg, nnet, random,
)
from .elemwise import Elemwise  # noqa: E402
from .shape import DimShuffle  # noqa: E402

# The public names of the families; where two export a name, the later wins.
for _mod in (basic, math, shape, reduction, products, sharedvar, subtensor, join, creation, rearrange, sort, nnet,
             blockwise, gradient, extra_ops):
    for _n in _mod.__all__:
        globals()[_n] = getattr(_mod, _n)
del _mod, _n


def dimshuffle(x, pattern):
    x = as_tensor_variable(x)  # noqa: F821
    return DimShuffle(x.type.ndim, pattern)(x)
