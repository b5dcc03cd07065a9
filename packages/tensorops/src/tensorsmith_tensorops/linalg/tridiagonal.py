"""Tridiagonal LU (LAPACK ``gttrf``/``gttrs``): ``tridiagonal_lu_factor(a)``
returns ``(dl, d, du, du2, ipiv)`` from the three diagonals of ``a``, and
``tridiagonal_lu_solve(factors, b, b_ndim=, transposed=)`` solves with them.
Systems smaller than 3 x 3 are padded with an identity block for LAPACK and
the results cut back.  Gradients: with respect to ``b`` only."""
import numpy as np
from tensorsmith_autodiff import disconnected, grad_not_implemented, register_grad

from ..basic import as_tensor_variable
from ..math import maximum
from ..subtensor import diagonal
from ._utils import _LinalgOp, apply_core, float_dtype

__all__ = ["LUFactorTridiagonal", "SolveLUFactorTridiagonal", "tridiagonal_lu_factor", "tridiagonal_lu_solve"]

_MIN = 3


def _pad(v, length, value):
    if v.shape[-1] >= length:
        return v
    return np.concatenate([v, np.full(length - v.shape[-1], value, dtype=v.dtype)])


def _lapack(name, dtype):
    from scipy.linalg import get_lapack_funcs

    return get_lapack_funcs(name, dtype=np.dtype(dtype))


class LUFactorTridiagonal(_LinalgOp):
    """``gttrf(dl, d, du)``: the LU factors of a tridiagonal matrix."""

    __props__ = ()
    gufunc_signature = "(p),(n),(p)->(p),(n),(p),(q),(n)"
    fname = "tridiagonal_lu_factor"
    square = ()
    batch_ok = False

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        return [dt, dt, dt, dt, "int32"]

    def resolve_dims(self, dims):
        n = dims.get("n")
        if n is not None:
            dims.setdefault("p", max(n - 1, 0))
            dims["q"] = max(n - 2, 0)

    def symbolic_dims(self, dims):
        dims["q"] = maximum(dims["n"] - 2, 0)

    def compute(self, dl, d, du):
        n = d.shape[-1]
        if n == 0:
            return dl, d, du, np.zeros(0, d.dtype), np.zeros(0, np.int32)
        m = max(n, _MIN)
        gttrf = _lapack("gttrf", d.dtype)
        rdl, rd, rdu, rdu2, ipiv, info = gttrf(_pad(dl, m - 1, 0), _pad(d, m, 1), _pad(du, m - 1, 0))
        if info > 0:
            raise np.linalg.LinAlgError(f"singular tridiagonal matrix (zero pivot at {info})")
        return rdl[:n - 1], rd[:n], rdu[:n - 1], rdu2[:max(n - 2, 0)], np.asarray(ipiv[:n], np.int32)


def tridiagonal_lu_factor(a):
    """The LU factorization of the tridiagonal part of ``a``: ``(dl, d, du, du2, ipiv)``."""
    a = as_tensor_variable(a)
    dl, d, du = (diagonal(a, o, -2, -1) for o in (-1, 0, 1))
    return tuple(apply_core(LUFactorTridiagonal(), dl, d, du))


@register_grad(LUFactorTridiagonal)
def _lu_factor_tridiagonal_grad(op, node, inputs, g):
    return [grad_not_implemented(op, i, x, "tridiagonal_lu_factor") for i, x in enumerate(inputs)]


class SolveLUFactorTridiagonal(_LinalgOp):
    """``gttrs``: solve ``A x = b`` (or ``A^T x = b``) from tridiagonal LU factors."""

    __props__ = ("b_ndim", "transposed")
    fname = "tridiagonal_lu_solve"
    square = ()
    batch_ok = False

    def __init__(self, b_ndim=2, transposed=False):
        if b_ndim not in (1, 2):
            raise ValueError(f"tridiagonal_lu_solve: b_ndim must be 1 or 2, got {b_ndim!r}")
        self.b_ndim = b_ndim
        self.transposed = bool(transposed)
        b = "(n)" if b_ndim == 1 else "(n,k)"
        self.gufunc_signature = f"(p),(n),(p),(q),(n),{b}->{b}"

    def output_dtypes(self, dtypes):
        return [float_dtype(*(dtypes[:4] + dtypes[5:]))]

    def perform(self, node, inputs, output_storage):
        dl, d, du, du2, ipiv, b = inputs
        dt = node.outputs[0].type.numpy_dtype
        n = d.shape[-1]
        if n == 0:
            output_storage[0][0] = np.zeros(b.shape, dt)
            return
        m = max(n, _MIN)
        bb = np.asarray(b, dt)
        if m > n:
            pad = np.zeros((m - n,) + bb.shape[1:], dt)
            bb = np.concatenate([bb, pad])
        piv = np.concatenate([np.asarray(ipiv, np.int32), np.arange(n + 1, m + 1, dtype=np.int32)])
        gttrs = _lapack("gttrs", dt)
        x, info = gttrs(_pad(np.asarray(dl, dt), m - 1, 0), _pad(np.asarray(d, dt), m, 1),
                        _pad(np.asarray(du, dt), m - 1, 0), _pad(np.asarray(du2, dt), m - 2, 0), piv, bb,
                        trans="T" if self.transposed else "N")
        output_storage[0][0] = np.asarray(x[:n], dtype=dt)


def tridiagonal_lu_solve(a_diagonals, b, *, b_ndim=None, transposed=False):
    """Solve with the factors of ``tridiagonal_lu_factor``."""
    b = as_tensor_variable(b)
    if b_ndim is None:
        b_ndim = 1 if b.type.ndim == 1 else 2
    dl, d, du, du2, ipiv = a_diagonals
    return apply_core(SolveLUFactorTridiagonal(b_ndim, transposed), dl, d, du, du2, ipiv, b)


@register_grad(SolveLUFactorTridiagonal)
def _solve_lu_tridiagonal_grad(op, node, inputs, g):
    *factors, ipiv, b = inputs
    if any(x.type.dtype.startswith("complex") for x in inputs):
        return [grad_not_implemented(op, i, x, "complex tridiagonal solve") for i, x in enumerate(inputs)]
    gb = tridiagonal_lu_solve(tuple(inputs[:5]), g[0], b_ndim=op.b_ndim, transposed=not op.transposed)
    return [grad_not_implemented(op, i, x, "tridiagonal_lu_solve with respect to the LU factors")
            for i, x in enumerate(factors)] + [disconnected, gb]
