"""Matrix equations of control theory (SciPy references):
``solve_sylvester`` (A X + X B = Q), ``solve_continuous_lyapunov``
(A X + X A^T = Q), ``solve_discrete_lyapunov`` (A X A^T - X + Q = 0) and
``solve_discrete_are`` (the discrete algebraic Riccati equation).

Gradients (real inputs) come from the adjoint equation: differentiating
the defining equation gives the same kind of equation for dX, so the
gradient G of X is pulled back by solving the transposed equation for S:
Sylvester: A^T S + S B^T = G, gQ = S, gA = -S X^T, gB = -X^T S;
continuous Lyapunov: gQ = S (A^T S + S A = G), gA = -(S X^T + S^T X);
discrete Lyapunov: S = A^T S A + G, gQ = S, gA = S A X^T + S^T A X."""
import numpy as np
from tensorsmith_autodiff import grad_not_implemented, register_grad, register_jvp

from ._utils import _LinalgOp, add_terms, apply_core, matmul, mH, mT, neg_or_none

__all__ = ["SolveSylvester", "SolveContinuousLyapunov", "SolveDiscreteLyapunov", "SolveDiscreteARE",
           "solve_sylvester", "solve_continuous_lyapunov", "solve_discrete_lyapunov", "solve_discrete_are"]


def _real(op, inputs):
    return not any(x.type.dtype.startswith("complex") for x in inputs)


class SolveSylvester(_LinalgOp):
    """``scipy.linalg.solve_sylvester(a, b, q)``: ``A X + X B = Q``."""

    __props__ = ()
    gufunc_signature = "(m,m),(n,n),(m,n)->(m,n)"
    fname = "solve_sylvester"
    square = (0, 1)
    batch_ok = False

    def compute(self, a, b, q):
        import scipy.linalg

        if q.size == 0:
            return np.zeros(q.shape, np.result_type(a, b, q))
        return scipy.linalg.solve_sylvester(a, b, q)


def solve_sylvester(A, B, Q):
    """``X`` with ``A X + X B = Q``."""
    return apply_core(SolveSylvester(), A, B, Q)


@register_grad(SolveSylvester)
def _sylvester_grad(op, node, inputs, g):
    if not _real(op, inputs):
        return [grad_not_implemented(op, i, x, "complex inputs") for i, x in enumerate(inputs)]
    a, b, q = inputs
    x = node.outputs[0]
    s = solve_sylvester(mT(a), mT(b), g[0])
    return [-matmul(s, mT(x)), -matmul(mT(x), s), s]


@register_jvp(SolveSylvester)
def _sylvester_jvp(op, node, inputs, t):
    # A dX + dX B = dQ - dA X - X dB
    a, b, q = inputs
    x = node.outputs[0]
    ta, tb, tq = t
    rhs = add_terms(tq, neg_or_none(None if ta is None else matmul(ta, x)),
                    neg_or_none(None if tb is None else matmul(x, tb)))
    return [solve_sylvester(a, b, rhs)]


class SolveContinuousLyapunov(_LinalgOp):
    """``scipy.linalg.solve_continuous_lyapunov(a, q)``: ``A X + X A^H = Q``."""

    __props__ = ()
    gufunc_signature = "(m,m),(m,m)->(m,m)"
    fname = "solve_continuous_lyapunov"
    square = (0, 1)
    batch_ok = False

    def compute(self, a, q):
        import scipy.linalg

        if q.size == 0:
            return np.zeros(q.shape, np.result_type(a, q))
        return scipy.linalg.solve_continuous_lyapunov(a, q)


def solve_continuous_lyapunov(A, Q):
    """``X`` with ``A X + X A^H = Q``."""
    return apply_core(SolveContinuousLyapunov(), A, Q)


@register_grad(SolveContinuousLyapunov)
def _cont_lyap_grad(op, node, inputs, g):
    if not _real(op, inputs):
        return [grad_not_implemented(op, i, x, "complex inputs") for i, x in enumerate(inputs)]
    a, q = inputs
    x = node.outputs[0]
    s = solve_continuous_lyapunov(mT(a), g[0])
    return [-(matmul(s, mT(x)) + matmul(mT(s), x)), s]


@register_jvp(SolveContinuousLyapunov)
def _cont_lyap_jvp(op, node, inputs, t):
    # A dX + dX A^H = dQ - dA X - X dA^H
    a, q = inputs
    x = node.outputs[0]
    ta, tq = t
    dax = None
    if ta is not None:
        dax = matmul(ta, x) + matmul(x, mH(ta))
    return [solve_continuous_lyapunov(a, add_terms(tq, neg_or_none(dax)))]


class SolveDiscreteLyapunov(_LinalgOp):
    """``scipy.linalg.solve_discrete_lyapunov(a, q, method)``: ``A X A^H - X + Q = 0``."""

    __props__ = ("method",)
    gufunc_signature = "(m,m),(m,m)->(m,m)"
    fname = "solve_discrete_lyapunov"
    square = (0, 1)
    batch_ok = False

    def __init__(self, method=None):
        if method not in (None, "direct", "bilinear"):
            raise ValueError(f"solve_discrete_lyapunov: method must be 'direct' or 'bilinear', got {method!r}")
        self.method = method

    def compute(self, a, q):
        import scipy.linalg

        if q.size == 0:
            return np.zeros(q.shape, np.result_type(a, q))
        return scipy.linalg.solve_discrete_lyapunov(a, q, method=self.method)


def solve_discrete_lyapunov(A, Q, method=None):
    """``X`` with ``A X A^H - X + Q = 0``."""
    return apply_core(SolveDiscreteLyapunov(method), A, Q)


@register_grad(SolveDiscreteLyapunov)
def _disc_lyap_grad(op, node, inputs, g):
    if not _real(op, inputs):
        return [grad_not_implemented(op, i, x, "complex inputs") for i, x in enumerate(inputs)]
    a, q = inputs
    x = node.outputs[0]
    s = solve_discrete_lyapunov(mT(a), g[0], method=op.method)
    ax = matmul(a, x)
    return [matmul(matmul(s, a), mT(x)) + matmul(mT(s), ax), s]


@register_jvp(SolveDiscreteLyapunov)
def _disc_lyap_jvp(op, node, inputs, t):
    # dX = A dX A^H + (dA X A^H + A X dA^H + dQ)
    a, q = inputs
    x = node.outputs[0]
    ta, tq = t
    dax = None
    if ta is not None:
        dax = matmul(matmul(ta, x), mH(a)) + matmul(matmul(a, x), mH(ta))
    return [solve_discrete_lyapunov(a, add_terms(tq, dax), method=op.method)]


class SolveDiscreteARE(_LinalgOp):
    """``scipy.linalg.solve_discrete_are(a, b, q, r)``."""

    __props__ = ("enforce_Q_symmetric",)
    gufunc_signature = "(m,m),(m,n),(m,m),(n,n)->(m,m)"
    fname = "solve_discrete_are"
    square = (0, 2, 3)
    batch_ok = False

    def __init__(self, enforce_Q_symmetric=False):
        self.enforce_Q_symmetric = bool(enforce_Q_symmetric)

    def compute(self, a, b, q, r):
        import scipy.linalg

        if self.enforce_Q_symmetric:
            q = 0.5 * (q + np.swapaxes(q, -1, -2))
        return scipy.linalg.solve_discrete_are(a, b, q, r)


def solve_discrete_are(A, B, Q, R, enforce_Q_symmetric=False):
    """Solution ``X`` of the discrete algebraic Riccati equation
    ``A^T X A - X - (A^T X B)(R + B^T X B)^-1 (B^T X A) + Q = 0``."""
    return apply_core(SolveDiscreteARE(enforce_Q_symmetric), A, B, Q, R)


@register_grad(SolveDiscreteARE)
def _dare_grad(op, node, inputs, g):
    return [grad_not_implemented(op, i, x, "solve_discrete_are") for i, x in enumerate(inputs)]
