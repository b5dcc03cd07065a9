"""Shared pieces of ``pt.linalg``: the base class of the core (matrix) ops,
``apply_core`` (core op for matrices, ``Blockwise`` for stacks), dtype rules,
and the small batched helpers the gradient rules are written with (matrix
product, transpose of the last two axes, diagonal, triangles)."""
import numpy as np
from tensorsmith_graphcore import Apply, Op

from ..basic import as_tensor_variable
from ..blockwise import Blockwise, parse_signature
from ..creation import eye, tril as _tril, triu as _triu
from ..math import conj, minimum, second
from ..products import matmul as _matmul
from ..shape import DimShuffle, shape_i, shape_padright
from ..subtensor import diagonal as _diagonal
from ..type import TensorType
from ..variable import TensorConstant


def float_dtype(*dtypes):
    """The dtype LAPACK-based NumPy/SciPy functions compute in: integers and
    bool become float64, float16 becomes float32, float32/complex stay."""
    dt = np.result_type(*[np.dtype(d) for d in dtypes])
    if dt.kind in "biu":
        return "float64"
    if dt == np.float16:
        return "float32"
    return dt.name


def real_dtype(dtype):
    return {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


def fmt_shape(shape):
    return "(" + ", ".join("?" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_square(x, what):
    """ValueError when the last two static lengths of ``x`` are known and differ."""
    if x.type.ndim < 2:
        raise ValueError(f"{what}: expected a square matrix (or a stack of them), got a {x.type.ndim}-d "
                         f"input of shape {fmt_shape(x.type.shape)}")
    m, n = x.type.shape[-2:]
    if m is not None and n is not None and m != n:
        raise ValueError(f"{what}: expected a square matrix (or a stack of them), got shape {fmt_shape(x.type.shape)}")


class _LinalgOp(Op):
    """A core op on matrices with a gufunc signature.  Subclasses set
    ``gufunc_signature`` (class or instance attribute), ``fname`` (the user
    function's name for messages), ``square`` (indices of inputs that must be
    square), ``batch_ok`` (``compute`` also works on stacks) and write
    ``compute(*arrays) -> tuple`` and ``output_dtypes(in_dtypes)``."""

    gufunc_signature = None
    fname = "linalg"
    square = (0,)
    batch_ok = True
    batched_grad = True

    def output_dtypes(self, dtypes):
        n_out = len(parse_signature(self.gufunc_signature)[1])
        return [float_dtype(*dtypes)] * n_out

    def compute_dtype(self, dtypes):
        return float_dtype(*dtypes)

    def resolve_dims(self, dims):
        """Fill in static lengths of output dimensions not named by inputs."""
        m, n = dims.get("m"), dims.get("n")
        if "k" not in dims and m is not None and n is not None:
            dims["k"] = min(m, n)

    def make_node(self, *inputs):
        inputs = [as_tensor_variable(x) for x in inputs]
        ins_sig, outs_sig = parse_signature(self.gufunc_signature)
        if len(inputs) != len(ins_sig):
            raise TypeError(f"{self.fname} takes {len(ins_sig)} inputs, got {len(inputs)}")
        dims = {}
        for i, (x, sig) in enumerate(zip(inputs, ins_sig)):
            if x.type.ndim != len(sig):
                raise TypeError(f"{self.fname}: core input {i} must be {len(sig)}-d, got {x.type}")
            for name, length in zip(sig, x.type.shape):
                if length is None:
                    continue
                if dims.setdefault(name, length) != length:
                    raise ValueError(f"{self.fname}: incompatible shapes "
                                     f"{', '.join(fmt_shape(y.type.shape) for y in inputs)} "
                                     f"(dimension {name!r} is {dims[name]} and {length})")
        for i in self.square:
            check_square(inputs[i], self.fname)
        self.resolve_dims(dims)
        dtypes = self.output_dtypes([x.type.dtype for x in inputs])
        outputs = [TensorType(dt, tuple(dims.get(n) for n in sig)).make_variable()
                   for dt, sig in zip(dtypes, outs_sig)]
        return Apply(self, inputs, outputs)

    def symbolic_dims(self, dims):
        """Symbolic lengths of output dimensions not named by inputs."""
        if "k" not in dims and "m" in dims and "n" in dims:
            dims["k"] = minimum(dims["m"], dims["n"])

    def infer_shape(self, fgraph, node, input_shapes):
        ins_sig, outs_sig = parse_signature(self.gufunc_signature)
        dims = {}
        for shp, sig in zip(input_shapes, ins_sig):
            for name, d in zip(sig, shp):
                dims.setdefault(name, d)
        self.symbolic_dims(dims)
        return [tuple(s if s is not None else dims[n] for s, n in zip(o.type.shape, sig))
                for o, sig in zip(node.outputs, outs_sig)]

    def perform(self, node, inputs, output_storage):
        cdt = self.compute_dtype([x.type.dtype for x in node.inputs])
        arrays = [np.asarray(x, dtype=cdt) if np.asarray(x).dtype.kind in "biuf" and cdt[0] in "fc"
                  else np.asarray(x) for x in inputs]
        try:
            res = self.compute(*arrays)
        except np.linalg.LinAlgError as e:
            raise np.linalg.LinAlgError(
                f"{self.fname}: {e} (input shapes {[np.shape(x) for x in inputs]})") from None
        if not isinstance(res, tuple):
            res = (res,)
        for cell, r, out in zip(output_storage, res, node.outputs):
            cell[0] = np.asarray(r, dtype=out.type.numpy_dtype)

    @property
    def batched_perform(self):
        return self.perform if self.batch_ok else None


def apply_core(op, *inputs):
    """``op`` applied to matrices, or through ``Blockwise`` to stacks of them."""
    inputs = [as_tensor_variable(x) for x in inputs]
    ins_sig = parse_signature(op.gufunc_signature)[0]
    for i in op.square:
        check_square(inputs[i], op.fname)
    for i, (x, s) in enumerate(zip(inputs, ins_sig)):
        if x.type.ndim < len(s):
            raise ValueError(f"{op.fname}: input {i} needs at least {len(s)} dimensions, got shape "
                             f"{fmt_shape(x.type.shape)}")
    if all(x.type.ndim == len(s) for x, s in zip(inputs, ins_sig)):
        return op(*inputs)
    return Blockwise(op)(*inputs)


# ---------------------------------------------------------------------------
# Batched helpers used by the gradient rules
# ---------------------------------------------------------------------------


def mT(x):
    """``x`` with its last two axes swapped."""
    nd = x.type.ndim
    return DimShuffle(nd, list(range(nd - 2)) + [nd - 1, nd - 2])(x)


def is_complex(x):
    return x.type.dtype.startswith("complex")


def cj(x):
    """``conj(x)`` for complex ``x``, ``x`` itself otherwise."""
    if is_complex(x):
        return conj(x)
    return x


def mH(x):
    """Conjugate transpose of the last two axes (``mT`` for real ``x``).
    Gradient rules use it: with the complex convention of autodiff
    (gradient = d/d re + i d/d im), the real formulas hold with ``^T``
    read as ``^H`` and primal scalars conjugated."""
    return mT(cj(x))


def matmul(a, b):
    """Batched matrix product of two (stacks of) matrices."""
    return _matmul(a, b)


def diagonal(x):
    """The diagonals of the last two axes."""
    return _diagonal(x, 0, -2, -1)


def _eye(n_of, dtype):
    return eye(shape_i(n_of, -1), dtype=dtype)


def alloc_diag(v):
    """Square matrices with diagonals ``v`` (the last axis), zeros elsewhere."""
    return as_col(v) * _eye(v, v.type.dtype)


def tril(x, k=0):
    return _tril(x, k)


def triu(x, k=0):
    return _triu(x, k)


def pad_mat(v):
    """``v[..., None, None]``: a (stack of) scalar(s) broadcast against matrices."""
    return shape_padright(v, 2)


def sym_from_triangle(s, lower):
    """The gradient with respect to the entries of one triangle (the one a
    symmetric-matrix routine reads) from the gradient ``s`` of a function of
    the full symmetric matrix: ``tril(s + s^T) - diag(s)`` (or ``triu``)."""
    t = s + mT(s)
    tri = tril(t) if lower else triu(t)
    return tri - alloc_diag(diagonal(s))


def eye_like(x):
    """Identity matrices shaped like the (stack of) square matrices ``x``."""
    return second(x, _eye(x, x.type.dtype))


def is_zero(g):
    """Whether ``g`` is a known-zero gradient (what autodiff passes for outputs
    that do not reach the cost)."""
    node = g.owner
    if isinstance(g, TensorConstant):
        return not np.any(g.data)
    return (node is not None and node.op == second and isinstance(node.inputs[1], TensorConstant)
            and not np.any(node.inputs[1].data))


def as_row(v):
    """``v[..., None, :]``."""
    nd = v.type.ndim
    return DimShuffle(nd, list(range(nd - 1)) + ["x", nd - 1])(v)


def as_col(v):
    """``v[..., :, None]``."""
    nd = v.type.ndim
    return DimShuffle(nd, list(range(nd)) + ["x"])(v)


def add_terms(*terms):
    """The sum of the terms that are not None (None when all are)."""
    res = None
    for t in terms:
        if t is not None:
            res = t if res is None else res + t
    return res


def neg_or_none(t):
    return None if t is None else -t


def matvec_or_mm(m, x, b_ndim):
    """``m @ x`` for a matrix (``b_ndim=2``) or vector (``b_ndim=1``) core ``x``."""
    if b_ndim == 2:
        return matmul(m, x)
    mv = matmul(m, as_col(x))
    return DimShuffle(mv.type.ndim, list(range(mv.type.ndim - 1)))(mv)
