"""SciPy-style linear algebra: ``solve``, ``solve_triangular``, ``cholesky``,
``cho_solve``, ``lu``, ``expm``.  Each core op works on matrices; stacks go
through ``Blockwise``.

Gradients (real inputs): for ``x = A^-1 b``, ``gb = A^-T G`` and
``gA = -gb x^T``; routines that read one triangle of ``A`` get the gradient
with respect to that triangle's entries.  Cholesky follows Murray, "Differentiation
of the Cholesky decomposition" (2016); expm uses the Fréchet derivative
``L(A^T, G)``, the upper-right block of ``expm([[A^T, G], [0, A^T]])``."""
import numpy as np
from tensorsmith_autodiff import grad_not_implemented, mark_not_differentiable, register_grad, register_jvp

from ..basic import as_tensor_variable
from ..math import cast, eq, ones_like, zeros_like
from ..reduction import sum as _sum
from ..shape import shape_i
from ._utils import (
    _LinalgOp, add_terms, alloc_diag, apply_core, as_col, as_row, cj, diagonal, eye_like, float_dtype, is_complex,
    is_zero, matmul, matvec_or_mm, mH, mT, neg_or_none, sym_from_triangle, tril, triu,
)

__all__ = ["Solve", "SolveTriangular", "Cholesky", "CholeskySolve", "LU", "LUFactor", "LUSolve",
           "PivotToPermutations", "BlockDiagonal", "Schur", "QZ", "Expm", "ExpmFrechetAdjoint",
           "solve", "solve_triangular", "cholesky", "cho_solve", "lu", "lu_factor", "lu_solve",
           "pivot_to_permutation", "block_diag", "schur", "qz", "ordqz", "expm"]

_ASSUME_A = {"gen": "gen", "general": "gen", "sym": "sym", "symmetric": "sym", "her": "her",
             "hermitian": "her", "pos": "pos", "positive definite": "pos", "diagonal": "diagonal",
             "tridiagonal": "tridiagonal", "upper triangular": "upper triangular",
             "lower triangular": "lower triangular"}


def _b_ndim(b, b_ndim):
    if b_ndim is None:
        return 1 if b.type.ndim == 1 else 2
    if b_ndim not in (1, 2):
        raise ValueError(f"b_ndim must be 1 or 2, got {b_ndim!r}")
    return b_ndim


def _b_sig(b_ndim):
    return "(m)" if b_ndim == 1 else "(m,k)"


def _outer_or_mm(gb, x, b_ndim):
    """``gb x^T`` for vector (``b_ndim=1``) or matrix right-hand sides."""
    if b_ndim == 1:
        return as_col(gb) * as_row(x)
    return matmul(gb, mT(x))


class Solve(_LinalgOp):
    """``scipy.linalg.solve(a, b, assume_a=, lower=, transposed=)``."""

    __props__ = ("assume_a", "lower", "b_ndim", "transposed")
    fname = "solve"

    def __init__(self, assume_a="gen", lower=False, b_ndim=2, transposed=False):
        if assume_a not in _ASSUME_A:
            raise ValueError(f"solve: assume_a must be one of {sorted(set(_ASSUME_A))}, got {assume_a!r}")
        self.assume_a = _ASSUME_A[assume_a]
        self.lower = bool(lower)
        self.b_ndim = b_ndim
        self.transposed = bool(transposed)
        self.gufunc_signature = f"(m,m),{_b_sig(b_ndim)}->{_b_sig(b_ndim)}"
        # stacks of general systems go to numpy.linalg.solve in one call
        self.batch_ok = self.assume_a == "gen"

    def compute(self, a, b):
        import scipy.linalg

        if a.shape[-1] == 0:
            return np.empty(b.shape, dtype=np.result_type(a, b))
        if a.ndim > 2:  # batched general solve (batch dimensions already broadcast)
            if self.transposed:
                a = np.swapaxes(a, -1, -2)
            if self.b_ndim == 1:
                return np.linalg.solve(a, b[..., None])[..., 0]
            return np.linalg.solve(a, b)
        return scipy.linalg.solve(a, b, assume_a=self.assume_a, lower=self.lower, transposed=self.transposed)


def solve(a, b, *, assume_a="gen", lower=False, transposed=False, b_ndim=None, check_finite=True,
          overwrite_a=False, overwrite_b=False):
    """Solve ``a x = b`` (``scipy.linalg.solve``); ``b_ndim`` (1 or 2) says
    whether ``b``'s core is a vector or a matrix (default: from ``b.ndim``)."""
    a = as_tensor_variable(a)
    b = as_tensor_variable(b)
    return apply_core(Solve(assume_a, lower, _b_ndim(b, b_ndim), transposed), a, b)


@register_grad(Solve)
def _solve_grad(op, node, inputs, g):
    a, b = inputs
    x = node.outputs[0]
    # the op solves M x = b with M = A (or A^T when transposed): gb = M^-H G, gM = -gb x^H
    if is_complex(a) or is_complex(b):
        if op.assume_a != "gen":
            return [grad_not_implemented(op, i, v, f"complex solve with assume_a={op.assume_a!r}")
                    for i, v in enumerate(inputs)]
        gb = solve(cj(a) if op.transposed else mH(a), g[0], b_ndim=op.b_ndim)
    else:
        gb = solve(a, g[0], assume_a=op.assume_a, lower=op.lower, transposed=not op.transposed,
                   b_ndim=op.b_ndim)
    gm = -_outer_or_mm(gb, cj(x), op.b_ndim)
    ga = mT(gm) if op.transposed else gm
    # the routine reads only part of A: the gradient is for those entries
    if op.assume_a in ("sym", "her", "pos"):
        ga = sym_from_triangle(_sym(ga), op.lower)
    elif op.assume_a == "diagonal":
        ga = alloc_diag(diagonal(ga))
    elif op.assume_a == "tridiagonal":
        ga = tril(triu(ga, -1), 1)
    elif op.assume_a == "upper triangular":
        ga = triu(ga)
    elif op.assume_a == "lower triangular":
        ga = tril(ga)
    return [ga, gb]


def _read_part(op, ta):
    """The part of a tangent of A that the routine of ``Solve`` reads, as the
    tangent of the matrix it solves with."""
    if op.assume_a in ("sym", "her", "pos"):
        tri = tril(ta) if op.lower else triu(ta)
        strict = tril(ta, -1) if op.lower else triu(ta, 1)
        return tri + (mH(strict) if op.assume_a != "sym" else mT(strict))
    if op.assume_a == "diagonal":
        return alloc_diag(diagonal(ta))
    if op.assume_a == "tridiagonal":
        return tril(triu(ta, -1), 1)
    if op.assume_a == "upper triangular":
        return triu(ta)
    if op.assume_a == "lower triangular":
        return tril(ta)
    return ta


def _solve_like_jvp(node, tangents, tangent_of_matrix, solve_with, b_ndim):
    """Forward rule of ``x = M^-1 b``: ``dx = M^-1 (db - dM x)``, where the
    first input determines ``M`` (``tangent_of_matrix`` maps its tangent to
    ``dM``), the last one is ``b``, and ``solve_with(rhs)`` solves with ``M``."""
    x = node.outputs[0]
    tm, tb = tangents[0], tangents[-1]
    dmx = None if tm is None else matvec_or_mm(tangent_of_matrix(tm), x, b_ndim)
    return [solve_with(add_terms(tb, neg_or_none(dmx)))]


@register_jvp(Solve)
def _solve_jvp(op, node, inputs, t):
    # M = A (or A^T when transposed); dM from the entries the routine reads
    a = inputs[0]
    return _solve_like_jvp(
        node, t, lambda ta: mT(_read_part(op, ta)) if op.transposed else _read_part(op, ta),
        lambda rhs: solve(a, rhs, assume_a=op.assume_a, lower=op.lower, transposed=op.transposed,
                          b_ndim=op.b_ndim), op.b_ndim)


def _sym(s):
    return (s + mT(s)) * 0.5


class SolveTriangular(_LinalgOp):
    """``scipy.linalg.solve_triangular(a, b, trans, lower, unit_diagonal)``."""

    __props__ = ("lower", "trans", "unit_diagonal", "b_ndim")
    fname = "solve_triangular"
    batch_ok = False

    def __init__(self, lower=False, trans=0, unit_diagonal=False, b_ndim=2):
        trans = {"N": 0, "T": 1, "C": 2}.get(trans, trans)
        if trans not in (0, 1, 2):
            raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
        self.lower = bool(lower)
        self.trans = int(trans)
        self.unit_diagonal = bool(unit_diagonal)
        self.b_ndim = b_ndim
        self.gufunc_signature = f"(m,m),{_b_sig(b_ndim)}->{_b_sig(b_ndim)}"

    def compute(self, a, b):
        import scipy.linalg

        if a.shape[-1] == 0:
            return np.empty(b.shape, dtype=np.result_type(a, b))
        return scipy.linalg.solve_triangular(a, b, trans=self.trans, lower=self.lower,
                                             unit_diagonal=self.unit_diagonal)


def solve_triangular(a, b, *, trans=0, lower=False, unit_diagonal=False, check_finite=True, b_ndim=None,
                     overwrite_b=False):
    """Solve ``a x = b`` for triangular ``a`` (``scipy.linalg.solve_triangular``)."""
    a = as_tensor_variable(a)
    b = as_tensor_variable(b)
    return apply_core(SolveTriangular(lower, trans, unit_diagonal, _b_ndim(b, b_ndim)), a, b)


@register_grad(SolveTriangular)
def _solve_triangular_grad(op, node, inputs, g):
    a, b = inputs
    x = node.outputs[0]
    # M x = b with M = A, A^T or A^H (trans 0, 1, 2): gb = M^-H G, gM = -gb x^H
    kw = dict(lower=op.lower, unit_diagonal=op.unit_diagonal, b_ndim=op.b_ndim)
    if is_complex(a) or is_complex(b):
        if op.trans == 1:  # M^H = conj(A)
            gb = solve_triangular(cj(a), g[0], trans=0, **kw)
        else:
            gb = solve_triangular(a, g[0], trans=2 - op.trans, **kw)
    else:
        gb = solve_triangular(a, g[0], trans=0 if op.trans else 1, **kw)
    gm = -_outer_or_mm(gb, cj(x), op.b_ndim)
    ga = {0: gm, 1: mT(gm), 2: mH(gm)}[op.trans]
    k = -1 if op.unit_diagonal else 0
    ga = tril(ga, k) if op.lower else triu(ga, -k)
    return [ga, gb]


@register_jvp(SolveTriangular)
def _solve_triangular_jvp(op, node, inputs, t):
    a = inputs[0]
    k = -1 if op.unit_diagonal else 0

    def dm(ta):
        tri = tril(ta, k) if op.lower else triu(ta, -k)
        return {0: tri, 1: mT(tri), 2: mH(tri)}[op.trans]

    return _solve_like_jvp(node, t, dm, lambda rhs: solve_triangular(
        a, rhs, trans=op.trans, lower=op.lower, unit_diagonal=op.unit_diagonal, b_ndim=op.b_ndim), op.b_ndim)


class Cholesky(_LinalgOp):
    """Cholesky factor of a symmetric positive-definite matrix: lower ``L``
    with ``A = L L^T`` (reads the lower triangle), or upper ``U = L^T``
    (reads the upper triangle).  ``on_error='nan'`` gives NaNs instead of
    raising for matrices that are not positive definite."""

    __props__ = ("lower", "on_error")
    gufunc_signature = "(m,m)->(m,m)"
    fname = "cholesky"

    def __init__(self, lower=True, on_error="raise"):
        if on_error not in ("raise", "nan"):
            raise ValueError(f"cholesky: on_error must be 'raise' or 'nan', got {on_error!r}")
        self.lower = bool(lower)
        self.on_error = on_error

    def compute(self, a):
        try:
            return np.linalg.cholesky(a, upper=not self.lower)
        except np.linalg.LinAlgError:
            if self.on_error == "raise":
                raise
        # element by element, NaN for the failing ones
        out = np.empty_like(a)
        for idx in np.ndindex(*a.shape[:-2]):
            try:
                out[idx] = np.linalg.cholesky(a[idx], upper=not self.lower)
            except np.linalg.LinAlgError:
                out[idx] = np.nan
        return out


def cholesky(x, lower=True, *, check_finite=False, overwrite_a=False, on_error="raise"):
    """Cholesky factor (lower by default, as PyTensor)."""
    return apply_core(Cholesky(lower, on_error), x)


@register_grad(Cholesky)
def _cholesky_grad(op, node, inputs, g):
    (a,) = inputs
    if a.type.dtype.startswith("complex"):
        return [grad_not_implemented(op, 0, a, "complex cholesky")]
    out = node.outputs[0]
    lmat, gl = (out, g[0]) if op.lower else (mT(out), mT(g[0]))
    # P = Phi(L^T gL) (lower triangle, halved diagonal); S = L^-T P L^-1
    p = matmul(mT(lmat), gl)
    p = tril(p) - 0.5 * alloc_diag(diagonal(p))
    # S = L^-T P L^-1 = (L^-T (L^-T P)^T)^T
    t = solve_triangular(lmat, p, lower=True, trans=1)
    s = mT(solve_triangular(lmat, mT(t), lower=True, trans=1))
    return [sym_from_triangle(_sym(s), op.lower)]


class CholeskySolve(_LinalgOp):
    """``scipy.linalg.cho_solve((c, lower), b)``: ``x`` with ``(c c^T) x = b``
    (``c`` lower) or ``(c^T c) x = b`` (``c`` upper)."""

    __props__ = ("lower", "b_ndim")
    fname = "cho_solve"
    batch_ok = False

    def __init__(self, lower=False, b_ndim=2):
        self.lower = bool(lower)
        self.b_ndim = b_ndim
        self.gufunc_signature = f"(m,m),{_b_sig(b_ndim)}->{_b_sig(b_ndim)}"

    def compute(self, c, b):
        import scipy.linalg

        if c.shape[-1] == 0:
            return np.empty(b.shape, dtype=np.result_type(c, b))
        return scipy.linalg.cho_solve((c, self.lower), b)


def cho_solve(c_and_lower, b, *, check_finite=True, b_ndim=None, overwrite_b=False):
    """Solve with a Cholesky factor: ``cho_solve((c, lower), b)`` as SciPy."""
    c, lower = c_and_lower
    c = as_tensor_variable(c)
    b = as_tensor_variable(b)
    return apply_core(CholeskySolve(lower, _b_ndim(b, b_ndim)), c, b)


@register_grad(CholeskySolve)
def _cho_solve_grad(op, node, inputs, g):
    c, b = inputs
    x = node.outputs[0]
    if c.type.dtype.startswith("complex"):
        return [grad_not_implemented(op, i, v, "complex cho_solve") for i, v in enumerate(inputs)]
    gb = cho_solve((c, op.lower), g[0], b_ndim=op.b_ndim)
    ga = -_outer_or_mm(gb, x, op.b_ndim)
    h = ga + mT(ga)
    # A = C C^T (lower): gC = tril((gA + gA^T) C);  A = C^T C (upper): gC = triu(C (gA + gA^T))
    gc = tril(matmul(h, c)) if op.lower else triu(matmul(c, h))
    return [gc, gb]


@register_jvp(CholeskySolve)
def _cho_solve_jvp(op, node, inputs, t):
    # A = C C^H (lower) or C^H C (upper), C read in its triangle
    c = inputs[0]

    def da(tc):
        dc = tril(tc) if op.lower else triu(tc)
        if op.lower:
            return matmul(dc, mH(c)) + matmul(c, mH(dc))
        return matmul(mH(dc), c) + matmul(mH(c), dc)

    return _solve_like_jvp(node, t, da, lambda rhs: cho_solve((c, op.lower), rhs, b_ndim=op.b_ndim), op.b_ndim)


class LU(_LinalgOp):
    """``scipy.linalg.lu``: ``(P, L, U)``, ``(PL, U)`` with ``permute_l`` or
    ``(p, L, U)`` with ``p_indices``."""

    __props__ = ("permute_l", "p_indices")
    fname = "lu"
    square = ()
    batch_ok = False

    def __init__(self, permute_l=False, p_indices=False):
        self.permute_l = bool(permute_l)
        self.p_indices = bool(p_indices)
        if permute_l:
            self.gufunc_signature = "(m,n)->(m,k),(k,n)"
        elif p_indices:
            self.gufunc_signature = "(m,n)->(m),(m,k),(k,n)"
        else:
            self.gufunc_signature = "(m,n)->(m,m),(m,k),(k,n)"

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        if self.permute_l:
            return [dt, dt]
        return ["int32" if self.p_indices else dt, dt, dt]

    def compute(self, a):
        import scipy.linalg

        return tuple(scipy.linalg.lu(a, permute_l=self.permute_l, p_indices=self.p_indices))


def lu(a, permute_l=False, check_finite=True, p_indices=False, overwrite_a=False):
    """LU decomposition with partial pivoting (``scipy.linalg.lu``)."""
    return tuple(apply_core(LU(permute_l, p_indices), a))


def _lu_pullback(a, p_mat, lmat, umat, gl, gu):
    """Gradient of A = P L U (square) from those of L (unit lower) and U:
    with B = P^T A = L U, L^-1 dB U^-1 = L^-1 dL + dU U^-1 gives
    gB = L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T and gA = P gB
    (de Hoog, Anderssen & Lukas, "Differentiation of matrix functionals using
    triangular factorization", 2011)."""
    inner = None
    if gl is not None:
        inner = tril(matmul(mT(lmat), gl), -1)
    if gu is not None:
        t = triu(matmul(gu, mT(umat)))
        inner = t if inner is None else inner + t
    x = solve_triangular(mT(lmat), inner, lower=False, unit_diagonal=True)
    gb = mT(solve_triangular(umat, mT(x), lower=False))
    return matmul(p_mat, gb)


def _square_static(a):
    m, n = a.type.shape[-2:]
    return not (m is not None and n is not None and m != n)


@register_grad(LU)
def _lu_grad(op, node, inputs, g):
    (a,) = inputs
    if a.type.dtype.startswith("complex") or not _square_static(a):
        return [grad_not_implemented(op, 0, a, "the gradient of lu needs a real square matrix")]
    if op.permute_l:
        p_mat, lmat, umat = lu(a)
        gpl, gu = g
        gl = None if is_zero(gpl) else matmul(mT(p_mat), gpl)
    else:
        _, lmat, umat = node.outputs
        p_mat = node.outputs[0] if not op.p_indices else lu(a)[0]
        gl = None if is_zero(g[1]) else g[1]
        gu = g[2]
    gu = None if is_zero(gu) else gu
    if gl is None and gu is None:
        return [zeros_like(a)]
    return [_lu_pullback(a, p_mat, lmat, umat, gl, gu)]


class LUFactor(_LinalgOp):
    """``scipy.linalg.lu_factor``: the packed ``LU`` (unit-lower ``L`` below
    the diagonal, ``U`` on and above) and the LAPACK row pivots (int32)."""

    __props__ = ()
    gufunc_signature = "(m,m)->(m,m),(m)"
    fname = "lu_factor"
    batch_ok = False

    def output_dtypes(self, dtypes):
        return [float_dtype(*dtypes), "int32"]

    def compute(self, a):
        import scipy.linalg

        if a.size == 0:
            return a.copy(), np.zeros(a.shape[-1], "int32")
        return tuple(scipy.linalg.lu_factor(a))


def lu_factor(a, *, check_finite=True, overwrite_a=False):
    """LU factorization with partial pivoting: ``(LU, pivots)`` as SciPy."""
    return tuple(apply_core(LUFactor(), a))


def _unpack_lu(lu_mat):
    return tril(lu_mat, -1) + eye_like(lu_mat), triu(lu_mat)


@register_grad(LUFactor)
def _lu_factor_grad(op, node, inputs, g):
    from tensorsmith_autodiff import disconnected

    (a,) = inputs
    if a.type.dtype.startswith("complex"):
        return [grad_not_implemented(op, 0, a, "complex lu_factor")]
    lu_mat = node.outputs[0]
    glu = g[0]
    if is_zero(glu):
        return [disconnected]
    lmat, umat = _unpack_lu(lu_mat)
    p_mat = lu(a)[0]  # the same factorization (getrf), as a permutation matrix
    return [_lu_pullback(a, p_mat, lmat, umat, tril(glu, -1), triu(glu))]


class PivotToPermutations(_LinalgOp):
    """LAPACK row pivots to a permutation: with ``inverse=True`` the rows
    ``perm`` with ``A[perm] = L @ U``; otherwise its inverse (``A = (L @ U)[perm]``)."""

    __props__ = ("inverse",)
    gufunc_signature = "(m)->(m)"
    fname = "pivot_to_permutation"
    square = ()

    def __init__(self, inverse=False):
        self.inverse = bool(inverse)

    def output_dtypes(self, dtypes):
        return ["int64"]

    def compute_dtype(self, dtypes):
        return "int64"

    def compute(self, piv):
        piv = np.asarray(piv, dtype=np.int64)
        perm = np.broadcast_to(np.arange(piv.shape[-1], dtype=np.int64), piv.shape).copy()
        for idx in np.ndindex(*piv.shape[:-1]):
            row = perm[idx]
            for i, j in enumerate(piv[idx]):
                row[i], row[j] = row[j], row[i]
        return perm if self.inverse else np.argsort(perm, axis=-1)


def pivot_to_permutation(p, inverse=False):
    """Row permutation from the pivots of ``lu_factor``."""
    return apply_core(PivotToPermutations(inverse), p)


mark_not_differentiable(PivotToPermutations)


def _perm_matrix_t(piv, like):
    """``P^T`` (rows permuted so that ``P^T A = L U``) built from the pivots."""
    perm = pivot_to_permutation(piv, inverse=True)
    n_range = _sum(tril(ones_like(like)), axis=-1) - 1  # 0, 1, ..., n-1 along the last axis
    return cast(eq(as_col(perm), as_row(n_range)), like.type.dtype)


class LUSolve(_LinalgOp):
    """``scipy.linalg.lu_solve((lu, piv), b, trans)``."""

    __props__ = ("trans", "b_ndim")
    fname = "lu_solve"
    square = (0,)
    batch_ok = False

    def __init__(self, trans=0, b_ndim=2):
        trans = {"N": 0, "T": 1, "C": 2}.get(trans, trans)
        if trans not in (0, 1, 2):
            raise ValueError(f"lu_solve: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
        self.trans = int(trans)
        self.b_ndim = b_ndim
        self.gufunc_signature = f"(m,m),(m),{_b_sig(b_ndim)}->{_b_sig(b_ndim)}"

    def output_dtypes(self, dtypes):
        return [float_dtype(dtypes[0], dtypes[2])]

    def compute_dtype(self, dtypes):
        return self.output_dtypes(dtypes)[0]

    def perform(self, node, inputs, output_storage):
        import scipy.linalg

        lu_mat, piv, b = inputs
        dt = node.outputs[0].type.numpy_dtype
        if lu_mat.shape[-1] == 0:
            x = np.empty(b.shape, dt)
        else:
            x = scipy.linalg.lu_solve((np.asarray(lu_mat, dt), np.asarray(piv, np.int32)), np.asarray(b, dt),
                                      trans=self.trans)
        output_storage[0][0] = np.asarray(x, dtype=dt)


def lu_solve(LU_and_pivots, b, trans=0, b_ndim=None, check_finite=True, overwrite_b=False):
    """Solve ``A x = b`` (or ``A^T x = b``) from ``lu_factor(A)``."""
    lu_mat, piv = LU_and_pivots
    b = as_tensor_variable(b)
    return apply_core(LUSolve(trans, _b_ndim(b, b_ndim)), lu_mat, piv, b)


@register_grad(LUSolve)
def _lu_solve_grad(op, node, inputs, g):
    from tensorsmith_autodiff import disconnected

    lu_mat, piv, b = inputs
    x = node.outputs[0]
    if lu_mat.type.dtype.startswith("complex") or b.type.dtype.startswith("complex"):
        return [grad_not_implemented(op, i, v, "complex lu_solve") for i, v in enumerate(inputs)]
    gb = lu_solve((lu_mat, piv), g[0], trans=0 if op.trans else 1, b_ndim=op.b_ndim)
    gm = -_outer_or_mm(gb, x, op.b_ndim)
    ga = mT(gm) if op.trans else gm
    # A = P L U with L = tril(LU, -1) + I, U = triu(LU): gB = P^T gA, gL = gB U^T, gU = L^T gB
    lmat, umat = _unpack_lu(lu_mat)
    gbm = matmul(_perm_matrix_t(piv, lu_mat), ga)
    glu = tril(matmul(gbm, mT(umat)), -1) + triu(matmul(mT(lmat), gbm))
    return [glu, disconnected, gb]


@register_jvp(LUSolve)
def _lu_solve_jvp(op, node, inputs, t):
    # A = P L U with L = tril(LU, -1) + I, U = triu(LU): dA = P (dL U + L dU)
    lu_mat, piv = inputs[0], inputs[1]

    def da(tlu):
        lmat, umat = _unpack_lu(lu_mat)
        d = matmul(mT(_perm_matrix_t(piv, lu_mat)), matmul(tril(tlu, -1), umat) + matmul(lmat, triu(tlu)))
        return {0: d, 1: mT(d), 2: mH(d)}[op.trans]

    return _solve_like_jvp(node, t, da, lambda rhs: lu_solve((lu_mat, piv), rhs, trans=op.trans,
                                                            b_ndim=op.b_ndim), op.b_ndim)


class BlockDiagonal(_LinalgOp):
    """``scipy.linalg.block_diag`` of ``n_inputs`` matrices."""

    __props__ = ("n_inputs",)
    fname = "block_diag"
    square = ()
    batch_ok = False

    def __init__(self, n_inputs):
        self.n_inputs = int(n_inputs)
        if self.n_inputs < 1:
            raise ValueError("block_diag needs at least one matrix")
        ins = ",".join(f"(m{i},n{i})" for i in range(self.n_inputs))
        self.gufunc_signature = f"{ins}->(m,n)"

    def output_dtypes(self, dtypes):
        return [np.result_type(*dtypes).name]

    def compute_dtype(self, dtypes):
        return np.result_type(*dtypes).name

    def resolve_dims(self, dims):
        for axis in "mn":
            lengths = [dims.get(f"{axis}{i}") for i in range(self.n_inputs)]
            if None not in lengths:
                dims[axis] = sum(lengths)

    def symbolic_dims(self, dims):
        for axis in "mn":
            total = dims[f"{axis}0"]
            for i in range(1, self.n_inputs):
                total = total + dims[f"{axis}{i}"]
            dims[axis] = total

    def compute(self, *mats):
        import scipy.linalg

        return scipy.linalg.block_diag(*mats)


def block_diag(*matrices):
    """Block-diagonal matrix of the given matrices (or stacks of them)."""
    if not matrices:
        raise ValueError("block_diag needs at least one matrix")
    return apply_core(BlockDiagonal(len(matrices)), *matrices)


@register_grad(BlockDiagonal)
def _block_diag_grad(op, node, inputs, g):
    res = []
    r0 = c0 = 0
    for x in inputs:
        nr, nc = shape_i(x, -2), shape_i(x, -1)
        res.append(g[0][..., r0:r0 + nr, c0:c0 + nc])
        r0 = r0 + nr
        c0 = c0 + nc
    return res


@register_jvp(BlockDiagonal)
def _block_diag_jvp(op, node, inputs, tangents):
    # linear in all its inputs
    ts = [zeros_like(x) if t is None else t for x, t in zip(inputs, tangents)]
    return op.make_node(*ts).outputs


class Schur(_LinalgOp):
    """``scipy.linalg.schur(a, output)``: ``(T, Z)`` with ``A = Z T Z^H``."""

    __props__ = ("output",)
    gufunc_signature = "(m,m)->(m,m),(m,m)"
    fname = "schur"
    batch_ok = False

    def __init__(self, output="real"):
        if output not in ("real", "complex"):
            raise ValueError(f"schur: output must be 'real' or 'complex', got {output!r}")
        self.output = output

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        if self.output == "complex" and not dt.startswith("complex"):
            dt = "complex64" if dt == "float32" else "complex128"
        return [dt, dt]

    def compute(self, a):
        import scipy.linalg

        if a.size == 0:
            return a.copy(), a.copy()
        t, z = scipy.linalg.schur(a, output=self.output)
        return t, z


def schur(a, output="real"):
    """Schur decomposition ``A = Z T Z^H``: ``(T, Z)``."""
    return tuple(apply_core(Schur(output), a))


@register_grad(Schur)
def _schur_grad(op, node, inputs, g):
    return [grad_not_implemented(op, 0, inputs[0], "the gradient of schur is not implemented")]


class QZ(_LinalgOp):
    """``scipy.linalg.qz(a, b, output)``: ``(AA, BB, Q, Z)`` with
    ``A = Q AA Z^H`` and ``B = Q BB Z^H``; with ``sort``, ``scipy.linalg.ordqz``:
    ``(AA, BB, alpha, beta, Q, Z)`` reordered by ``sort`` ('lhp', 'rhp', 'iuc', 'ouc')."""

    __props__ = ("output", "sort")
    fname = "qz"
    square = (0, 1)
    batch_ok = False

    def __init__(self, output="real", sort=None):
        if output not in ("real", "complex"):
            raise ValueError(f"qz: output must be 'real' or 'complex', got {output!r}")
        if sort not in (None, "lhp", "rhp", "iuc", "ouc"):
            raise ValueError(f"ordqz: sort must be 'lhp', 'rhp', 'iuc' or 'ouc', got {sort!r}")
        self.output = output
        self.sort = sort
        self.gufunc_signature = ("(m,m),(m,m)->(m,m),(m,m),(m,m),(m,m)" if sort is None
                                 else "(m,m),(m,m)->(m,m),(m,m),(m),(m),(m,m),(m,m)")

    def output_dtypes(self, dtypes):
        dt = float_dtype(*dtypes)
        cdt = "complex64" if dt in ("float32", "complex64") else "complex128"
        if self.output == "complex":
            dt = cdt
        if self.sort is None:
            return [dt] * 4
        return [dt, dt, cdt, dt, dt, dt]

    def compute(self, a, b):
        import scipy.linalg

        if self.sort is None:
            return tuple(scipy.linalg.qz(a, b, output=self.output))
        return tuple(scipy.linalg.ordqz(a, b, sort=self.sort, output=self.output))


def qz(A, B, output="real"):
    """Generalized Schur (QZ) decomposition: ``(AA, BB, Q, Z)``."""
    return tuple(apply_core(QZ(output), A, B))


def ordqz(A, B, sort="lhp", output="real"):
    """QZ decomposition with reordered eigenvalues: ``(AA, BB, alpha, beta, Q, Z)``."""
    return tuple(apply_core(QZ(output, sort), A, B))


@register_grad(QZ)
def _qz_grad(op, node, inputs, g):
    return [grad_not_implemented(op, i, x, "the gradient of qz is not implemented") for i, x in enumerate(inputs)]


class Expm(_LinalgOp):
    """``scipy.linalg.expm``."""

    __props__ = ()
    gufunc_signature = "(m,m)->(m,m)"
    fname = "expm"

    def compute(self, a):
        import scipy.linalg

        if a.shape[-1] == 0:
            return a.copy()
        return scipy.linalg.expm(a)


def expm(A):
    """Matrix exponential."""
    return apply_core(Expm(), A)


class ExpmFrechetAdjoint(_LinalgOp):
    """``L(A^H, G)``, the adjoint of the Fréchet derivative of expm at ``A``
    applied to ``G``: the upper-right block of ``expm([[A^H, G], [0, A^H]])``."""

    __props__ = ()
    gufunc_signature = "(m,m),(m,m)->(m,m)"
    fname = "expm_grad"
    square = (0, 1)

    def compute(self, a, g):
        import scipy.linalg

        n = a.shape[-1]
        if n == 0:
            return np.zeros_like(g)
        at = np.conj(np.swapaxes(a, -1, -2))
        big = np.zeros(a.shape[:-2] + (2 * n, 2 * n), dtype=np.result_type(a, g))
        big[..., :n, :n] = at
        big[..., n:, n:] = at
        big[..., :n, n:] = g
        return scipy.linalg.expm(big)[..., :n, n:]


@register_grad(Expm)
def _expm_grad(op, node, inputs, g):
    return [apply_core(ExpmFrechetAdjoint(), inputs[0], g[0])]


@register_grad(ExpmFrechetAdjoint)
def _expm_frechet_grad(op, node, inputs, g):
    return [grad_not_implemented(op, i, x, "second derivatives of expm") for i, x in enumerate(inputs)]


@register_jvp(Expm)
def _expm_jvp(op, node, inputs, tangents):
    # d expm(A)[E] = L(A, E), the Frechet derivative, = L(B^H, E) with B = A^H
    a = inputs[0]
    b = mT(a)
    if a.type.dtype.startswith("complex"):
        b = b.conj()
    return [ExpmFrechetAdjoint()(b, tangents[0])]
