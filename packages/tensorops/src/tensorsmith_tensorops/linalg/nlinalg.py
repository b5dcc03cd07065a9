"""NumPy-style linear algebra: ``inv``, ``det``, ``slogdet``, ``eig``, ``eigh``,
``eigvalsh``, ``svd``, ``qr``, ``pinv``, ``norm``, ``matrix_power``, ``lstsq``.
Each core op works on matrices; stacks go through ``Blockwise``.

Gradient formulas (real inputs; see Giles, "An extended collection of matrix
derivative results", 2008; Townsend, "Differentiating the SVD", 2016; Golub &
Pereyra 1973 for the pseudo-inverse) are written with batched helpers so
the same rule serves a matrix and a stack of matrices."""
import numpy as np
from tensorsmith_autodiff import grad_not_implemented, jvp_via_double_vjp, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from ..basic import as_tensor_variable
from ..math import abs as _abs, cast, conj, mul, neq, real, sqrt
from ..reduction import max as _max, min as _min, sum as _sum
from ..shape import DimShuffle, reshape, shape_i, shape_padright
from ..type import TensorType
from .slinalg import solve, solve_triangular
from ._utils import (
    _LinalgOp, alloc_diag, apply_core, as_col, as_row, check_square, cj, diagonal, eye_like, float_dtype, fmt_shape,
    is_complex, is_zero, matmul, mH, mT, pad_mat, real_dtype, sym_from_triangle, tril,
)

__all__ = ["MatrixInverse", "Det", "SlogDet", "Eig", "Eigh", "EighGeneralized", "SVD", "QR", "MatrixPinv", "Lstsq",
           "inv", "matrix_inverse", "det", "slogdet", "eig", "eigh", "eigvalsh", "svd", "qr", "pinv",
           "norm", "matrix_power", "lstsq", "matrix_dot", "trace", "multi_dot", "kron", "tensorinv",
           "tensorsolve"]


class MatrixInverse(_LinalgOp):
    """``numpy.linalg.inv``."""

    __props__ = ()
    gufunc_signature = "(m,m)->(m,m)"
    fname = "inv"

    def compute(self, a):
        return np.linalg.inv(a)


def inv(a):
    """Inverse of a square matrix (or of each matrix of a stack)."""
    return apply_core(MatrixInverse(), a)


matrix_inverse = inv


@register_grad(MatrixInverse)
def _inv_grad(op, node, inputs, g):
    y = node.outputs[0]
    yt = mH(y)
    return [-matmul(matmul(yt, g[0]), yt)]


@register_jvp(MatrixInverse)
def _inv_jvp(op, node, inputs, t):
    y = node.outputs[0]
    return [-matmul(matmul(y, t[0]), y)]


class Det(_LinalgOp):
    """``numpy.linalg.det``."""

    __props__ = ()
    gufunc_signature = "(m,m)->()"
    fname = "det"

    def compute(self, a):
        return np.linalg.det(a)


def det(a):
    """Determinant of a square matrix (or of each matrix of a stack)."""
    return apply_core(Det(), a)


@register_grad(Det)
def _det_grad(op, node, inputs, g):
    (a,) = inputs
    d = node.outputs[0]
    return [pad_mat(g[0] * cj(d)) * mH(inv(a))]


@register_jvp(Det)
def _det_jvp(op, node, inputs, t):
    # d det = det tr(A^-1 dA)
    (a,) = inputs
    return [node.outputs[0] * _sum(mT(inv(a)) * t[0], axis=(-2, -1))]


class SlogDet(_LinalgOp):
    """``numpy.linalg.slogdet``: (sign, log|det|)."""

    __props__ = ()
    gufunc_signature = "(m,m)->(),()"
    fname = "slogdet"

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        return [dt, real_dtype(dt)]

    def compute(self, a):
        s, ld = np.linalg.slogdet(a)
        return s, ld


def slogdet(a):
    """Sign and natural log of the absolute determinant: ``(sign, logabsdet)``."""
    return tuple(apply_core(SlogDet(), a))


@register_grad(SlogDet)
def _slogdet_grad(op, node, inputs, g):
    # d log|det A| = Re tr(A^-1 dA); the sign is piecewise constant for real A
    (a,) = inputs
    if is_complex(a) and not is_zero(g[0]):
        return [grad_not_implemented(op, 0, a, "slogdet: gradient of the complex sign")]
    return [pad_mat(g[1]) * mH(inv(a))]


@register_jvp(SlogDet)
def _slogdet_jvp(op, node, inputs, tangents):
    # d log|det A| = tr(A^-1 dA); the sign of a real matrix is locally constant
    a = inputs[0]
    if a.type.dtype.startswith("complex"):
        return jvp_via_double_vjp(node, tangents)
    return [None, _sum(mul(mT(inv(a)), tangents[0]), axis=(-2, -1))]


class Eig(_LinalgOp):
    """``numpy.linalg.eig``; eigenvalues and eigenvectors are always complex."""

    __props__ = ()
    gufunc_signature = "(m,m)->(m),(m,m)"
    fname = "eig"

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        c = "complex64" if dt in ("float32", "complex64") else "complex128"
        return [c, c]

    def compute(self, a):
        w, v = np.linalg.eig(a)
        return w, v


def eig(a):
    """Eigenvalues and right eigenvectors of a general square matrix (complex)."""
    return tuple(apply_core(Eig(), a))


@register_grad(Eig)
def _eig_grad(op, node, inputs, g):
    # eigenvalues (distinct): dw = diag(V^-1 dA V), so with the complex
    # gradient convention (d/d re + i d/d im) gA = V^-H diag(gw) V^H
    # (its real part for a real A)
    (a,) = inputs
    w, v = node.outputs
    gw, gv = g
    if not is_zero(gv):
        return [grad_not_implemented(op, 0, a, "eig: gradient through the eigenvectors is not implemented")]
    vh = mT(conj(v))
    ga = matmul(inv(vh), matmul(alloc_diag(gw), vh))
    if not a.type.dtype.startswith("complex"):
        ga = real(ga)
    return [ga]


class Eigh(_LinalgOp):
    """``numpy.linalg.eigh`` (reads the triangle named by ``UPLO``)."""

    __props__ = ("UPLO",)
    gufunc_signature = "(m,m)->(m),(m,m)"
    fname = "eigh"

    def __init__(self, UPLO="L"):
        if UPLO not in ("L", "U"):
            raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
        self.UPLO = UPLO

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        return [real_dtype(dt), dt]

    def compute(self, a):
        w, v = np.linalg.eigh(a, UPLO=self.UPLO)
        return w, v


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of a symmetric/Hermitian matrix."""
    return tuple(apply_core(Eigh(UPLO), a))


@register_grad(Eigh)
def _eigh_grad(op, node, inputs, g):
    # dw_i = v_i^T dA v_i,  dV = V (F o (V^T dA V)),  F_ij = 1/(w_j - w_i) (i != j)
    (a,) = inputs
    w, v = node.outputs
    gw, gv = g
    if a.type.dtype.startswith("complex"):
        return [grad_not_implemented(op, 0, a, "eigh gradient for complex matrices")]
    inner = alloc_diag(gw)
    if not is_zero(gv):
        diff = as_row(w) - as_col(w)  # w_j - w_i
        eye = eye_like(v)
        f = (1 - eye) / (diff + eye)
        inner = inner + f * matmul(mT(v), gv)
    s = matmul(matmul(v, inner), mT(v))
    return [sym_from_triangle(s, op.UPLO == "L")]


def eigvalsh(a, b=None, lower=True):
    """Eigenvalues of a symmetric matrix (``scipy.linalg.eigvalsh``); with
    ``b`` (symmetric positive definite), of the generalized problem
    ``a v = w b v``."""
    if b is None:
        return eigh(a, "L" if lower else "U")[0]
    return apply_core(EighGeneralized(lower), a, b)[0]


class EighGeneralized(_LinalgOp):
    """``scipy.linalg.eigh(a, b)``: eigenvalues and ``b``-orthonormal
    eigenvectors of ``a v = w b v`` (both read the ``lower`` triangle)."""

    __props__ = ("lower",)
    gufunc_signature = "(m,m),(m,m)->(m),(m,m)"
    fname = "eigvalsh"
    square = (0, 1)
    batch_ok = False

    def __init__(self, lower=True):
        self.lower = bool(lower)

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        return [real_dtype(dt), dt]

    def compute(self, a, b):
        import scipy.linalg

        if a.shape[-1] == 0:
            return np.zeros(a.shape[:-1], real_dtype(a.dtype.name)), a.copy()
        w, v = scipy.linalg.eigh(a, b, lower=self.lower)
        return w, v


@register_grad(EighGeneralized)
def _eigh_gen_grad(op, node, inputs, g):
    # with v_i^T B v_i = 1: dw_i = v_i^T (dA - w_i dB) v_i
    a, b = inputs
    w, v = node.outputs
    gw, gv = g
    if is_complex(a) or is_complex(b):
        return [grad_not_implemented(op, i, x, "complex generalized eigh") for i, x in enumerate(inputs)]
    if not is_zero(gv):
        return [grad_not_implemented(op, i, x, "generalized eigh: gradient through the eigenvectors")
                for i, x in enumerate(inputs)]
    ga = matmul(v * as_row(gw), mT(v))
    gb = -matmul(v * as_row(gw * w), mT(v))
    return [sym_from_triangle(ga, op.lower), sym_from_triangle(gb, op.lower)]


class SVD(_LinalgOp):
    """``numpy.linalg.svd``."""

    __props__ = ("full_matrices", "compute_uv")
    fname = "svd"
    square = ()

    def __init__(self, full_matrices=True, compute_uv=True):
        self.full_matrices = bool(full_matrices)
        self.compute_uv = bool(compute_uv)
        if not compute_uv:
            self.gufunc_signature = "(m,n)->(k)"
        elif full_matrices:
            self.gufunc_signature = "(m,n)->(m,m),(k),(n,n)"
        else:
            self.gufunc_signature = "(m,n)->(m,k),(k),(k,n)"

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        if not self.compute_uv:
            return [real_dtype(dt)]
        return [dt, real_dtype(dt), dt]

    def compute(self, a):
        if not self.compute_uv:
            return np.linalg.svd(a, compute_uv=False)
        u, s, vh = np.linalg.svd(a, full_matrices=self.full_matrices)
        return u, s, vh


def svd(a, full_matrices=True, compute_uv=True):
    """Singular value decomposition: ``(U, s, Vh)``, or ``s`` alone."""
    res = apply_core(SVD(full_matrices, compute_uv), a)
    return res if not compute_uv else tuple(res)


@register_grad(SVD)
def _svd_grad(op, node, inputs, g):
    (a,) = inputs
    if a.type.dtype.startswith("complex"):
        return [grad_not_implemented(op, 0, a, "svd gradient for complex matrices")]
    if not op.compute_uv:
        gu = gvh = None
        gs = g[0]
    else:
        gu, gs, gvh = g
        gu = None if is_zero(gu) else gu
        gvh = None if is_zero(gvh) else gvh
    if (gu is not None or gvh is not None) and op.full_matrices:
        return [grad_not_implemented(op, 0, a, "svd gradient through U or Vh with full_matrices=True "
                                             "(use full_matrices=False)")]
    if op.compute_uv and not op.full_matrices:
        u, s, vh = node.outputs
    else:
        u, s, vh = svd(a, full_matrices=False)
    # Townsend (2016), real case, distinct nonzero singular values:
    # gA = U [F o (U^T gU - gU^T U) S + diag(gs) + S F o (V^T gV - gV^T V)] V^T
    #      + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T),  F_ij = 1/(s_j^2 - s_i^2)
    inner = alloc_diag(gs)
    if gu is not None or gvh is not None:
        s2 = s * s
        diff = as_row(s2) - as_col(s2)
        eye = eye_like(alloc_diag(s))
        f = (1 - eye) / (diff + eye)
        smat = alloc_diag(s)
        sinv_row = as_row(1 / s)  # multiplies columns
    res_extra = []
    if gu is not None:
        ut_gu = matmul(mT(u), gu)
        inner = inner + matmul(f * (ut_gu - mT(ut_gu)), smat)
        # (I - U U^T) gU S^-1 V^T
        proj = gu - matmul(u, ut_gu)
        res_extra.append(matmul(proj * sinv_row, vh))
    if gvh is not None:
        gv = mT(gvh)
        v = mT(vh)
        vt_gv = matmul(vh, gv)
        inner = inner + matmul(smat, f * (vt_gv - mT(vt_gv)))
        # U S^-1 gV^T (I - V V^T)
        proj = gvh - matmul(matmul(gvh, v), vh)
        res_extra.append(matmul(u * sinv_row, proj))
    ga = matmul(matmul(u, inner), vh)
    for r in res_extra:
        ga = ga + r
    return [ga]


class QR(_LinalgOp):
    """QR decomposition with the modes of ``scipy.linalg.qr``: 'full'
    (``Q`` m x m, ``R`` m x n), 'economic' (``Q`` m x k, ``R`` k x n), 'r'
    (``R`` m x n only) and 'raw' (Householder matrix ``H`` m x n, ``tau``,
    ``R``); with ``pivoting`` also the column permutation ``P`` (int32,
    ``A[:, P] = Q R``)."""

    __props__ = ("mode", "pivoting")
    fname = "qr"
    square = ()

    _SIGS = {"full": "(m,n)->(m,m),(m,n)", "economic": "(m,n)->(m,k),(k,n)", "r": "(m,n)->(m,n)",
             "raw": "(m,n)->(m,n),(k),(m,n)"}
    _ALIASES = {"complete": "full", "reduced": "economic"}

    def __init__(self, mode="full", pivoting=False):
        mode = self._ALIASES.get(mode, mode)
        if mode not in self._SIGS:
            raise ValueError(f"qr: mode must be one of 'full', 'economic', 'r', 'raw' (or 'complete', 'reduced'), "
                             f"got {mode!r}")
        self.mode = mode
        self.pivoting = bool(pivoting)
        self.gufunc_signature = self._SIGS[mode] + (",(n)" if pivoting else "")
        # numpy.linalg.qr computes stacks of the plain full/economic factorizations at once
        self.batch_ok = mode in ("full", "economic") and not pivoting

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        n_out = len(self._SIGS[self.mode].split("->")[1].split("),("))
        return [dt] * n_out + (["int32"] if self.pivoting else [])

    def compute(self, a):
        import scipy.linalg

        if self.batch_ok:
            return tuple(np.linalg.qr(a, mode="complete" if self.mode == "full" else "reduced"))
        if a.size == 0:
            m, n = a.shape
            k = min(m, n)
            empty = {"r": (np.zeros((m, n), a.dtype),),
                     "raw": (np.zeros((m, n), a.dtype), np.zeros(k, a.dtype), np.zeros((m, n), a.dtype))}
            res = empty[self.mode] if self.mode in empty else tuple(np.linalg.qr(
                a, mode="complete" if self.mode == "full" else "reduced"))
            return res + ((np.arange(n, dtype=np.int32),) if self.pivoting else ())
        res = scipy.linalg.qr(a, mode=self.mode, pivoting=self.pivoting)
        if self.mode == "raw":
            (h, tau), r, *p = res
            res = (h, tau, r, *p)
        return tuple(res)


def qr(a, mode="full", pivoting=False, overwrite_a=False, lwork=None):
    """QR decomposition (``scipy.linalg.qr`` modes; NumPy's 'complete' and
    'reduced' are accepted): ``(Q, R)``, ``R`` for mode='r', ``(H, tau, R)``
    for 'raw'; with ``pivoting`` the permutation is appended."""
    res = apply_core(QR(mode, pivoting), a)
    return tuple(res) if isinstance(res, list) else res


@register_grad(QR)
def _qr_grad(op, node, inputs, g):
    # Square or tall A (m >= n), from the economic factors Q (m x n), R (n x n):
    # M = R gR^T - gQ^T Q ; gA = (gQ + Q copyltu(M)) R^-T, copyltu(M) = tril(M) + tril(M, -1)^T.
    # Mode 'r' (R is m x n, zero below row n) uses the first n rows of gR; mode
    # 'full' only square A.  For shapes not known statically, a wide A fails at
    # run time in the triangular solve with the non-square R.
    (a,) = inputs
    m, n = a.type.shape[-2:]
    known = m is not None and n is not None
    if op.mode == "raw" or op.pivoting or is_complex(a) or (known and m < n) or (
            known and op.mode == "full" and m != n):
        return [grad_not_implemented(op, 0, a, "qr gradient needs a real matrix with m >= n (and m == n for "
                                             "mode='full'); modes 'raw' and pivoting have none")]
    if op.mode == "r":
        q, r = qr(a, "economic")
        gq, gr = None, g[0][..., :shape_i(a, -1), :]
    else:
        q, r = node.outputs
        gq, gr = g
        gq = None if is_zero(gq) else gq
    mmat = matmul(r, mT(gr))
    if gq is not None:
        mmat = mmat - matmul(mT(gq), q)
    copy = tril(mmat) + mT(tril(mmat, -1))
    b = matmul(q, copy)
    if gq is not None:
        b = b + gq
    # b R^-T = (R^-1 b^T)^T
    return [mT(solve_triangular(r, mT(b), lower=False))]


class MatrixPinv(_LinalgOp):
    """``numpy.linalg.pinv``."""

    __props__ = ("hermitian",)
    gufunc_signature = "(m,n)->(n,m)"
    fname = "pinv"
    square = ()

    def __init__(self, hermitian=False):
        self.hermitian = bool(hermitian)

    def compute(self, a):
        return np.linalg.pinv(a, hermitian=self.hermitian)


def pinv(x, hermitian=False):
    """Moore-Penrose pseudo-inverse."""
    return apply_core(MatrixPinv(hermitian), x)


@register_grad(MatrixPinv)
def _pinv_grad(op, node, inputs, g):
    return [_pinv_pullback(inputs[0], node.outputs[0], g[0])]


def _pinv_pullback(a, p, gz):
    """Gradient of ``p = pinv(a)`` (Golub & Pereyra, constant rank):
    gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""
    pt_ = mH(p)
    gt = mH(gz)
    t1 = -matmul(matmul(pt_, gz), pt_)
    x = matmul(matmul(gt, p), pt_)
    t2 = x - matmul(matmul(a, p), x)
    y = matmul(matmul(pt_, p), gt)
    t3 = y - matmul(matmul(y, p), a)
    return t1 + t2 + t3


class Lstsq(Op):
    """``numpy.linalg.lstsq(a, b, rcond)``: ``(x, residuals, rank, s)`` (no batching)."""

    __props__ = ("rcond",)

    def __init__(self, rcond=None):
        self.rcond = rcond

    def make_node(self, a, b):
        a = as_tensor_variable(a)
        b = as_tensor_variable(b)
        if a.type.ndim != 2 or b.type.ndim not in (1, 2):
            raise TypeError(f"lstsq: a must be a matrix and b a vector or matrix, got {a.type} and {b.type}")
        m, n = a.type.shape
        if m is not None and b.type.shape[0] is not None and m != b.type.shape[0]:
            raise ValueError(f"lstsq: shapes {fmt_shape(a.type.shape)} and {fmt_shape(b.type.shape)} are not "
                             f"compatible")
        dt = float_dtype(a.type.dtype, b.type.dtype)
        k = b.type.shape[1:]
        kk = min(m, n) if m is not None and n is not None else None
        outs = [TensorType(dt, (n,) + k).make_variable(), TensorType(real_dtype(dt), (None,)).make_variable(),
                TensorType("int32", ()).make_variable(), TensorType(real_dtype(dt), (kk,)).make_variable()]
        return Apply(self, [a, b], outs)

    def perform(self, node, inputs, output_storage):
        dt = node.outputs[0].type.numpy_dtype
        a, b = (np.asarray(x, dtype=dt) for x in inputs)
        res = np.linalg.lstsq(a, b, rcond=self.rcond)
        for cell, r, out in zip(output_storage, res, node.outputs):
            cell[0] = np.asarray(r, dtype=out.type.numpy_dtype)


@register_grad(Lstsq)
def _lstsq_grad(op, node, inputs, g):
    # the solution is x = pinv(a) b (minimum norm, rank taken as constant)
    a, b = inputs
    gx, gres, _, gs = g
    if not (is_zero(gres) and is_zero(gs)):
        return [grad_not_implemented(op, i, x, "lstsq: gradient through the residuals or singular values")
                for i, x in enumerate(inputs)]
    p = pinv(a)
    vec = b.type.ndim == 1
    gx2 = shape_padright(gx, 1) if vec else gx
    b2 = shape_padright(b, 1) if vec else b
    gp = matmul(gx2, mH(b2))  # x = P b
    gb = matmul(mH(p), gx2)
    if vec:
        gb = DimShuffle(2, (0,))(gb)
    return [_pinv_pullback(a, p, gp), gb]


def lstsq(a, b, rcond=None):
    """Least-squares solution of ``a x = b``: ``[x, residuals, rank, s]`` as NumPy."""
    return Lstsq(rcond)(a, b)


def matrix_dot(*args):
    """``args[0] @ args[1] @ ...`` (matrices or stacks of them)."""
    res = as_tensor_variable(args[0])
    for a in args[1:]:
        res = matmul(res, a)
    return res


def trace(x):
    """Sum of the diagonal of a square matrix (or of each matrix of a stack)."""
    x = as_tensor_variable(x)
    check_square(x, "trace")
    return _sum(diagonal(x), axis=-1)


def matrix_power(M, n):
    """``M`` raised to the integer power ``n`` (negative: of its inverse), as NumPy."""
    M = as_tensor_variable(M)
    check_square(M, "matrix_power")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power: exponent must be an integer, got {n!r}")
    n = int(n)
    if n == 0:
        return eye_like(M)
    if n < 0:
        M = inv(M)
        n = -n
    result = None
    base = M
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def _vector_norm(x, ord, axes, keepdims):
    ax = x  # real/complex input
    if ord is None or ord == 2:
        return sqrt(_sum(_sq_abs(ax), axis=axes, keepdims=keepdims))
    if ord == np.inf:
        return _max(_abs(ax), axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return _min(_abs(ax), axis=axes, keepdims=keepdims)
    if ord == 0:
        out_dt = real_dtype(x.type.dtype)
        return cast(_sum(neq(ax, 0), axis=axes, keepdims=keepdims), out_dt)
    if ord == 1:
        return _sum(_abs(ax), axis=axes, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    p = float(ord)
    return _sum(_abs(ax) ** p, axis=axes, keepdims=keepdims) ** (1.0 / p)


def _sq_abs(x):
    if x.type.dtype.startswith("complex"):
        a = _abs(x)
        return a * a
    return x * x


def _move_to_end(x, r, c):
    nd = x.type.ndim
    rest = [i for i in range(nd) if i not in (r, c)]
    return DimShuffle(nd, rest + [r, c])(x)


def _matrix_norm(x, ord, r, c, keepdims):
    nd = x.type.ndim
    if ord is None or ord == "fro":
        res = sqrt(_sum(_sq_abs(x), axis=(r, c)))
    elif ord == "nuc":
        res = _sum(svd(_move_to_end(x, r, c), compute_uv=False), axis=-1)
    elif ord in (2, -2):
        s = svd(_move_to_end(x, r, c), compute_uv=False)
        res = (_max if ord == 2 else _min)(s, axis=-1)
    elif ord in (1, -1, np.inf, -np.inf):
        summed_axis, red_axis = (r, c) if ord in (1, -1) else (c, r)
        sums = _sum(_abs(x), axis=summed_axis)
        red_axis = red_axis - (1 if summed_axis < red_axis else 0)
        res = (_max if ord in (1, np.inf) else _min)(sums, axis=red_axis)
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
    if keepdims:
        order = []
        j = 0
        for i in range(nd):
            if i in (r, c):
                order.append("x")
            else:
                order.append(j)
                j += 1
        res = DimShuffle(res.type.ndim, order)(res)
    return res


_ORD_ALIASES = {"f": "fro", "inf": np.inf, "-inf": -np.inf}


def norm(x, ord=None, axis=None, keepdims=False):
    """Matrix or vector norm (``numpy.linalg.norm`` values and dtypes).

    As PyTensor's ``norm``, an input of more than two dimensions with
    ``axis=None`` is a stack of matrices: the norm of each matrix of the last
    two axes (NumPy flattens it for ``ord=None`` and refuses other orders).
    ``ord`` also accepts 'f', 'inf' and '-inf'.  Explicit ``axis`` values
    count from the first axis, as in NumPy."""
    x = as_tensor_variable(x)
    if isinstance(ord, str):
        ord = _ORD_ALIASES.get(ord, ord)
    if x.type.dtype in ("bool",) or x.type.dtype[0] in "iu":
        x = cast(x, "float64")
    elif x.type.dtype == "float16":
        x = cast(x, "float32")
    nd = x.type.ndim
    if axis is None:
        if ord is None and nd <= 2:
            res = sqrt(_sum(_sq_abs(x)))
            if keepdims:
                res = reshape(res, (1,) * nd) if nd else res
            return res
        if nd == 0:
            raise ValueError("norm: improper number of dimensions (0) to norm")
        axis = (0,) if nd == 1 else (nd - 2, nd - 1)
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    axis = tuple(int(a) for a in axis)
    norm_axes = []
    for a in axis:
        if not -nd <= a < nd:
            raise ValueError(f"norm: axis {a} is out of bounds for an input with {nd} dimensions")
        norm_axes.append(a % nd)
    if len(set(norm_axes)) != len(norm_axes):
        raise ValueError(f"norm: duplicate axes in {axis}")
    if len(norm_axes) == 1:
        return _vector_norm(x, ord, norm_axes, keepdims)
    if len(norm_axes) == 2:
        return _matrix_norm(x, ord, norm_axes[0], norm_axes[1], keepdims)
    raise ValueError(f"norm: improper number of axes {axis} (one or two)")


def multi_dot(matrices):
    """``numpy.linalg.multi_dot``-style chained product of (stacks of) matrices."""
    matrices = list(matrices)
    if len(matrices) < 2:
        raise ValueError(f"multi_dot needs at least two arrays, got {len(matrices)}")
    return matrix_dot(*matrices)


def _shape_prod(x, axes):
    res = None
    for a in axes:
        s = shape_i(x, a)
        res = s if res is None else res * s
    return res


def kron(a, b):
    """Kronecker product (``numpy.kron``): blocks ``a[i, j] * b``."""
    a = as_tensor_variable(a)
    b = as_tensor_variable(b)
    nd = max(a.type.ndim, b.type.ndim)
    if nd == 0:
        return a * b
    a = DimShuffle(a.type.ndim, ["x"] * (nd - a.type.ndim) + list(range(a.type.ndim)))(a)
    b = DimShuffle(b.type.ndim, ["x"] * (nd - b.type.ndim) + list(range(b.type.ndim)))(b)
    # a[i0, 'x', i1, 'x', ...] * b['x', j0, 'x', j1, ...] then merge each (i, j) pair
    a_exp = DimShuffle(nd, [x for k in range(nd) for x in (k, "x")])(a)
    b_exp = DimShuffle(nd, [x for k in range(nd) for x in ("x", k)])(b)
    prod = a_exp * b_exp
    shape = [shape_i(a, k) * shape_i(b, k) for k in range(nd)]
    return reshape(prod, shape, ndim=nd)


def tensorinv(a, ind=2):
    """Inverse of ``a`` with respect to ``tensordot`` over the first ``ind``
    axes (``numpy.linalg.tensorinv``)."""
    a = as_tensor_variable(a)
    if not isinstance(ind, (int, np.integer)) or ind <= 0:
        raise ValueError(f"tensorinv: ind must be a positive integer, got {ind!r}")
    nd = a.type.ndim
    if ind >= nd and nd:
        raise ValueError(f"tensorinv: ind={ind} must be smaller than the number of dimensions ({nd})")
    rows = _shape_prod(a, range(ind))
    cols = _shape_prod(a, range(ind, nd))
    static = a.type.shape
    if None not in static and int(np.prod(static[:ind])) != int(np.prod(static[ind:])):
        raise ValueError(f"tensorinv: the shape {fmt_shape(static)} does not give a square matrix for ind={ind}")
    inv_m = inv(reshape(a, [rows, cols], ndim=2))
    out_shape = [shape_i(a, k) for k in range(ind, nd)] + [shape_i(a, k) for k in range(ind)]
    return reshape(inv_m, out_shape, ndim=nd)


def tensorsolve(a, b, axes=None):
    """Solve ``tensordot(a, x, axes=x.ndim) = b`` for ``x`` (``numpy.linalg.tensorsolve``)."""
    a = as_tensor_variable(a)
    b = as_tensor_variable(b)
    nd = a.type.ndim
    if axes is not None:
        axes = [int(ax) % nd for ax in (axes if isinstance(axes, (list, tuple)) else [axes])]
        order = [k for k in range(nd) if k not in axes] + axes
        a = DimShuffle(nd, order)(a)
    nb = b.type.ndim
    if nb > nd:
        raise ValueError(f"tensorsolve: b has more dimensions ({nb}) than a ({nd})")
    x_axes = range(nb, nd)
    rows = _shape_prod(b, range(nb)) if nb else None
    cols = _shape_prod(a, x_axes)
    if rows is None:
        rows = cols
    amat = reshape(a, [rows, cols], ndim=2)
    x = solve(amat, reshape(b, [rows], ndim=1))
    return reshape(x, [shape_i(a, k) for k in x_axes], ndim=nd - nb)
