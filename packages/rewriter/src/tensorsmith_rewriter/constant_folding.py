"""constant_folding: a node whose inputs are all constants is evaluated at
rewrite time (its op's ``perform``, the Python implementation) and its outputs
replaced by constants of the same types (dtype and static shape).

Registered as ``constant_folding`` in the stages ``useless`` (tagged
``fast_compile`` too, so FAST_COMPILE folds) and ``canonicalize`` (the
canonical forms of that stage can leave constant-only nodes).

Not folded:

* ops that draw random numbers (``RandomVariable``), ops that overwrite an
  input (a ``destroy_map``) and ops that say so (``constant_folding = False``
  on the op or its class);
* nodes whose outputs would be large: more than ``MAX_FOLD_ELEMENTS``
  elements in all (a small constant broadcast to a big shape by ``Alloc``,
  ``second`` or an ``Elemwise`` stays a node: folding would put the big array
  in the graph).  The output shapes are found before anything is computed
  (static types, else ``infer_shape`` on the constant inputs' shapes); when
  they cannot be found the node is not folded;
* nodes whose evaluation raises (the error then happens when the function
  runs, where it belongs) or gives a value that the output type refuses;
* constants of other types than tensors (e.g. random generators) are left
  alone: only nodes whose outputs are all tensors are folded."""
import numpy as np
from tensorsmith_graphcore import Constant
from tensorsmith_graphcore.rewrite import node_rewriter
from tensorsmith_tensorops.elemwise import Elemwise
from tensorsmith_tensorops.random.op import RandomVariable
from tensorsmith_tensorops.type import TensorType
from tensorsmith_tensorops.variable import TensorConstant

from . import register_canonicalize, register_specialize, register_useless

__all__ = ["constant_folding", "MAX_FOLD_ELEMENTS", "fold_node"]

#: no folding when the outputs would hold more elements than this, in all
MAX_FOLD_ELEMENTS = 1_000_000


def _static_int(s):
    if isinstance(s, (int, np.integer)):
        return int(s)
    if isinstance(s, TensorConstant) and s.data.ndim == 0 and s.data.dtype.kind in "iu":
        return int(s.data)
    return None


def _output_sizes(node):
    """The number of elements of each output, or None when unknown."""
    sizes = []
    unknown = False
    for out in node.outputs:
        shp = out.type.shape
        if None in shp:
            unknown = True
            break
        sizes.append(int(np.prod(shp, dtype=np.int64)) if shp else 1)
    if not unknown:
        return sizes
    op = node.op
    if isinstance(op, Elemwise):
        try:
            shp = np.broadcast_shapes(*[np.shape(i.data) for i in node.inputs])
        except ValueError:
            return None
        n = int(np.prod(shp, dtype=np.int64)) if shp else 1
        return [n] * len(node.outputs)
    infer = getattr(op, "infer_shape", None)
    if infer is None:
        return None
    try:
        shapes = infer(None, node, [tuple(np.shape(i.data)) for i in node.inputs])
    except Exception:  # noqa: BLE001 - no static answer: do not fold
        return None
    sizes = []
    for shp in shapes:
        n = 1
        for s in shp:
            k = _static_int(s)
            if k is None or k < 0:
                return None
            n *= k
        sizes.append(n)
    return sizes


def _foldable(node):
    op = node.op
    if isinstance(op, RandomVariable) or getattr(op, "destroy_map", None):
        return False
    if getattr(op, "constant_folding", True) is False:
        return False
    for out in node.outputs:
        if not isinstance(out.type, TensorType):
            return False
    for i in node.inputs:
        if not isinstance(i, Constant):
            return False
    return True


def fold_node(node, max_elements=MAX_FOLD_ELEMENTS):
    """The constants that replace the outputs of ``node`` (all its inputs
    constants), or None when it is not folded (see the module's doc)."""
    if not _foldable(node):
        return None
    sizes = _output_sizes(node)
    if sizes is None or sum(sizes) > max_elements:
        return None
    storage = [[None] for _ in node.outputs]
    try:
        with np.errstate(all="ignore"):
            node.op.perform(node, [i.data for i in node.inputs], storage)
    except Exception:  # noqa: BLE001 - the function reports it when it runs
        return None
    res = []
    for out, cell in zip(node.outputs, storage):
        val = cell[0]
        t = out.type
        if not (isinstance(val, np.ndarray) and val.dtype == t.numpy_dtype):
            try:
                val = t.filter(val, strict=False)
            except Exception:  # noqa: BLE001 - a value the type refuses
                return None
        val = np.array(val, dtype=t.numpy_dtype, copy=True)  # no view of an input's data
        if val.ndim != t.ndim or any(s is not None and s != v for s, v in zip(t.shape, val.shape)):
            return None
        c = TensorConstant(t, val)
        # the static shape the output type promises is kept (a wider type is
        # what the engine would wrap in specify_shape); the constant knows all
        c = TensorConstant(t.clone(shape=val.shape), val) if None in t.shape else c
        res.append(c)
    return res


@node_rewriter(None, name="constant_folding")
def constant_folding(fgraph, node):
    for i in node.inputs:
        if not isinstance(i, Constant):
            return None
    return fold_node(node)


register_useless(constant_folding, "fast_compile", "constant_folding", name="constant_folding")
register_canonicalize(constant_folding, "constant_folding", name="constant_folding")
# again after stabilize: its rules build constants shaped by DimShuffle
# (``mul(sigmoid(-x), DimShuffle{x}(1.0))`` from the gradient of
# ``log(sigmoid(x))``), which fold here and leave the product to
# ``mul_canonical`` (also in specialize) to drop
register_specialize(constant_folding, "constant_folding", name="constant_folding")
