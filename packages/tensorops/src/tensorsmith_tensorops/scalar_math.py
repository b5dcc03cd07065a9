"""The scalar function catalogue: exponentials and logarithms, trigonometric
and hyperbolic functions, rounding, predicates, bit operations, special
functions (``scipy.special``) and complex parts.

Each class is a ``ScalarOp``: ``ufunc`` (NumPy or SciPy) gives the values and,
through NumPy's type resolution, the output dtypes; functions with a
hand-written ``impl`` name a ``dtype_like`` ufunc for their dtypes instead.
``math.py`` makes the ``Elemwise`` instances; the derivatives are gradient
rules registered in ``elemwise_grad.py``."""
import numpy as np
from ._lazy_scipy import special as sp
from ._lazy_scipy import special_ufunc

from .scalar import ScalarOp, ZeroGradOp

__all__ = []  # the classes stay out of the ``pt`` namespace

_LN2 = float(np.log(2.0))


def _real_dtype(dtype):
    return {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


class _Unary(ScalarOp):
    nin = 1


class _NoGrad(ScalarOp):
    """Predicates and bit operations: no gradient."""

    differentiable = False


def _ufunc_op(name, bases, ufunc, **attrs):
    """A scalar op class that is just ``ufunc`` (values and dtypes)."""
    cls = type(name, bases, dict(ufunc=ufunc, __module__=__name__, __qualname__=name,
                                 __doc__=f"``{ufunc.__name__}`` elementwise.", **attrs))
    globals()[name] = cls
    return cls


class _Analytic(_Unary):
    """A unary function of the table below: ``ufunc`` for its values (its
    derivative is in the table of ``elemwise_grad.py``)."""


# name, ufunc (``elemwise_grad.py`` holds each one's derivative)
_ANALYTIC = [
    ("Reciprocal", np.reciprocal), ("Cbrt", np.cbrt), ("Exp2", np.exp2), ("Expm1", np.expm1),
    ("Log2", np.log2), ("Log10", np.log10), ("Log1p", np.log1p),
    ("Sigmoid", special_ufunc("expit")), ("LogSigmoid", special_ufunc("log_expit")),
    ("Logit", special_ufunc("logit")), ("Tan", np.tan), ("ArcSin", np.arcsin),
    ("ArcCos", np.arccos), ("ArcTan", np.arctan), ("Sinh", np.sinh), ("Cosh", np.cosh),
    ("Tanh", np.tanh), ("ArcSinh", np.arcsinh), ("ArcCosh", np.arccosh), ("ArcTanh", np.arctanh),
    ("Deg2Rad", np.deg2rad), ("Rad2Deg", np.rad2deg), ("Erf", special_ufunc("erf")),
    ("Erfc", special_ufunc("erfc")), ("Erfcx", special_ufunc("erfcx")),
    ("Erfinv", special_ufunc("erfinv")), ("Erfcinv", special_ufunc("erfcinv")),
    ("Gamma", special_ufunc("gamma")), ("GammaLn", special_ufunc("gammaln")),
    ("Psi", special_ufunc("psi")), ("J0", special_ufunc("j0")), ("J1", special_ufunc("j1")),
    ("I0", special_ufunc("i0")), ("I1", special_ufunc("i1")),
    ("LogNdtr", special_ufunc("log_ndtr")), ("Ndtri", special_ufunc("ndtri")),
]

for _name, _uf in _ANALYTIC:
    _ufunc_op(_name, (_Analytic,), _uf)


# ---------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------


class Clip(ScalarOp):
    """``clip(x, lo, hi)``: ``minimum(maximum(x, lo), hi)``.  The gradient goes
    to ``x`` where ``lo <= x <= hi``, to ``lo`` below and to ``hi`` above."""

    nin = 3

    def output_dtypes(self, in_dtypes):
        return [np.result_type(*[np.dtype(d) for d in in_dtypes]).name]

    def impl(self, x, lo, hi):
        return np.minimum(np.maximum(x, lo), hi)


# ---------------------------------------------------------------------------
# Exponentials and logarithms
# ---------------------------------------------------------------------------


class LogAddExp(ScalarOp):
    """``log(exp(x) + exp(y) + ...)`` without overflow (any number of
    inputs, folded pairwise); d/dx_i = exp(x_i - out)."""

    nin = -1
    ufunc = np.logaddexp
    commutative = associative = True


class Softplus(_Unary):
    """``log(1 + exp(x))``, computed as ``logaddexp(0, x)``: exact for large
    negative ``x`` and no overflow for large positive ``x``."""

    dtype_like = np.exp

    def impl(self, x):
        x = np.asarray(x)
        return np.logaddexp(np.zeros((), dtype=np.result_type(x.dtype, np.float16)), x)


class Log1mExp(_Unary):
    """``log(1 - exp(x))`` for ``x <= 0``: ``log(-expm1(x))`` near 0 and
    ``log1p(-exp(x))`` below ``-log 2`` (Maechler's recipe)."""

    dtype_like = np.log1p

    def impl(self, x):
        x = np.asarray(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x < -_LN2, np.log1p(-np.exp(x)), np.log(-np.expm1(x)))


# ---------------------------------------------------------------------------
# Trigonometric and hyperbolic functions
# ---------------------------------------------------------------------------


class ArcTan2(ScalarOp):
    """``arctan2(y, x)``: the angle of the point ``(x, y)``."""

    ufunc = np.arctan2


class Hypot(ScalarOp):
    ufunc = np.hypot
    commutative = True


# ---------------------------------------------------------------------------
# Rounding (zero gradient almost everywhere)
# ---------------------------------------------------------------------------

for _name, _uf in [("Floor", np.floor), ("Ceil", np.ceil), ("Trunc", np.trunc)]:
    _ufunc_op(_name, (_Unary, ZeroGradOp), _uf)


class _Round(_Unary, ZeroGradOp):
    """Integers are returned unchanged (as ``np.round``); bool and floats
    give what ``np.rint`` gives."""

    def output_dtypes(self, in_dtypes):
        (d,) = in_dtypes
        if np.dtype(d).kind in "iu":
            return [d]
        return [np.rint.resolve_dtypes((np.dtype(d), None))[1].name]


class RoundHalfToEven(_Round):
    def impl(self, x):
        x = np.asarray(x)
        return x.copy() if x.dtype.kind in "iu" else np.rint(x)


class RoundHalfAwayFromZero(_Round):
    def impl(self, x):
        x = np.asarray(x)
        if x.dtype.kind in "iu":
            return x.copy()
        if x.dtype.kind == "b":
            x = x.astype(np.float16)
        whole = np.trunc(x)
        frac = x - whole  # exact in floating point
        return whole + np.where(np.abs(frac) >= 0.5, np.sign(x), 0).astype(whole.dtype)


# ---------------------------------------------------------------------------
# Predicates, logic and bit operations
# ---------------------------------------------------------------------------

for _name, _uf in [("IsNan", np.isnan), ("IsInf", np.isinf), ("IsFinite", np.isfinite),
                   ("LogicalNot", np.logical_not)]:
    _ufunc_op(_name, (_Unary, _NoGrad), _uf)
for _name, _uf in [("LeftShift", np.left_shift), ("RightShift", np.right_shift)]:
    _ufunc_op(_name, (_NoGrad,), _uf)
for _name, _uf in [("LogicalAnd", np.logical_and), ("LogicalOr", np.logical_or), ("LogicalXor", np.logical_xor)]:
    _ufunc_op(_name, (_NoGrad,), _uf, commutative=True, associative=True)
del _name, _uf


class IsPosInf(_Unary, _NoGrad):
    dtype_like = np.isinf

    def impl(self, x):
        x = np.asarray(x)
        return np.isinf(x) & (x > 0) if x.dtype.kind in "fc" else np.zeros(x.shape, bool)


class IsNegInf(_Unary, _NoGrad):
    dtype_like = np.isinf

    def impl(self, x):
        x = np.asarray(x)
        return np.isinf(x) & (x < 0) if x.dtype.kind in "fc" else np.zeros(x.shape, bool)


# ---------------------------------------------------------------------------
# Special functions
# ---------------------------------------------------------------------------


class TriGamma(_Unary):
    dtype_like = special_ufunc("psi")

    def impl(self, x):
        return sp.polygamma(1, x)


class PolyGamma(ScalarOp):
    """``polygamma(n, x)``: the ``n``-th derivative of ``psi``."""

    def output_dtypes(self, in_dtypes):
        n, x = (np.dtype(d) for d in in_dtypes)
        if n.kind not in "biu":
            raise TypeError(f"polygamma: the order n must be an integer, got dtype {n.name}")
        return [sp.psi.resolve_dtypes((x, None))[1].name]

    def impl(self, n, x):
        return sp.polygamma(n, x)


class GammaInc(ScalarOp):
    """Regularized lower incomplete gamma ``P(k, x)``."""

    ufunc = special_ufunc("gammainc")


class GammaIncC(ScalarOp):
    """Regularized upper incomplete gamma ``Q(k, x) = 1 - P(k, x)``."""

    ufunc = special_ufunc("gammaincc")


def _dp_dk_series(k, x):
    """d/dk P(k, x) from ``P = x**k e**-x sum_n x**n / Gamma(k + n + 1)``
    differentiated term by term (all terms positive; used for x <= k + 1)."""
    logx = np.log(np.where(x > 0, x, 1.0))
    base = k * logx - x
    total = np.zeros(k.shape)
    active = np.ones(k.shape, dtype=bool)
    n = 0
    while active.any():
        kn = k[active] + n + 1
        t = np.exp(base[active] + n * logx[active] - sp.gammaln(kn))
        total[active] += t * (logx[active] - sp.psi(kn))
        done = (n > x[active] - k[active]) & (t <= 1e-17 * np.maximum(np.abs(total[active]), 1e-300))
        idx = np.flatnonzero(active)
        active[idx[done | ~np.isfinite(t)]] = False
        n += 1
    return np.where(x > 0, total, 0.0)


def _dq_dk_upper(k, x):
    """d/dk Q(k, x) for x > k + 1 from ``Gamma(k, x) = int_x^inf t**(k-1) e**-t dt``
    with t = x + s: ``x**(k-1) e**-x / Gamma(k) * int_0^inf (1 + s/x)**(k-1)
    (log(x + s) - psi(k)) e**-s ds`` (no cancellation: log x > psi(k) here)."""
    from scipy.integrate import quad

    psi_k = sp.psi(k)
    val, _ = quad(lambda s: np.exp((k - 1) * np.log1p(s / x) - s) * (np.log(x + s) - psi_k), 0.0, np.inf,
                  limit=200)
    return np.exp((k - 1) * np.log(x) - x - sp.gammaln(k)) * val


class GammaIncDk(ScalarOp):
    """``d/dk gammainc(k, x)``: a series below ``x = k + 1``, the upper
    integral above (where ``P`` is near 1 and the series would cancel)."""

    dtype_like = special_ufunc("gammainc")

    def impl(self, k, x):
        k, x = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(x, dtype=np.float64))
        out = np.full(k.shape, np.nan)
        valid = (k > 0) & (x >= 0) & np.isfinite(k)
        out[valid & (x == np.inf)] = 0.0
        lower = valid & (x <= k + 1)
        out[lower] = _dp_dk_series(k[lower], x[lower])
        upper = valid & (x > k + 1) & np.isfinite(x)
        out[upper] = [-_dq_dk_upper(kk, xx) for kk, xx in zip(k[upper], x[upper])]
        return out


class GammaIncInv(ScalarOp):
    """Inverse of ``P(k, .)``: ``x`` with ``gammainc(k, x) = y``."""

    ufunc = special_ufunc("gammaincinv")


class GammaIncCInv(ScalarOp):
    """Inverse of ``Q(k, .)``."""

    ufunc = special_ufunc("gammainccinv")


class BetaInc(ScalarOp):
    """Regularized incomplete beta ``I_x(a, b)``."""

    nin = 3
    ufunc = special_ufunc("betainc")


class BetaIncInv(ScalarOp):
    """Inverse of ``I_.(a, b)``: ``x`` with ``betainc(a, b, x) = y``."""

    nin = 3
    ufunc = special_ufunc("betaincinv")


def _betainc_lower_dparam(a, b, x, wrt_a):
    """d/da (``wrt_a``) or d/db of ``I_x(a, b)``, integrating over ``[0, x]``
    with ``t = x v**(1/a)``: ``x**a / (a B(a, b)) int_0^1 (1 - t)**(b-1)
    (log t - psi(a) + psi(a+b)) dv`` (or ``log(1 - t) - psi(b) + psi(a+b)``);
    smooth but for a log singularity at ``v = 0``."""
    from scipy.integrate import quad

    c = sp.psi(a + b) - (sp.psi(a) if wrt_a else sp.psi(b))
    lx = np.log(x)

    def f(v):
        if v <= 0.0:
            return -np.inf if wrt_a else 0.0
        t = x * v ** (1.0 / a)
        l1mt = np.log1p(-t)
        return np.exp((b - 1) * l1mt) * ((lx + np.log(v) / a if wrt_a else l1mt) + c)

    val, _ = quad(f, 0.0, 1.0, limit=200, epsabs=0.0, epsrel=1e-12)
    return val * np.exp(a * lx - np.log(a) - sp.betaln(a, b))


def _betainc_dparam(a, b, x, wrt_a):
    if not (a > 0 and b > 0 and 0 <= x <= 1):
        return np.nan
    if x == 0 or x == 1:
        return 0.0
    if x <= a / (a + b):
        return _betainc_lower_dparam(a, b, x, wrt_a)
    # above the mean integrate the other tail: I_x(a, b) = 1 - I_{1-x}(b, a)
    return -_betainc_lower_dparam(b, a, 1.0 - x, not wrt_a)


class BetaIncDParam(ScalarOp):
    """``d/da`` (``wrt="a"``) or ``d/db`` (``wrt="b"``) of ``betainc(a, b, x)``
    by adaptive quadrature over the smaller tail (for gradients)."""

    nin = 3
    __props__ = ("wrt",)
    dtype_like = special_ufunc("betainc")

    def __init__(self, wrt):
        if wrt not in ("a", "b"):
            raise ValueError(f"BetaIncDParam: wrt must be 'a' or 'b', got {wrt!r}")
        self.wrt = wrt

    @property
    def name(self):
        return f"betainc_d{self.wrt}"

    def impl(self, a, b, x):
        a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x)))
        out = np.empty(a.shape)
        for idx in np.ndindex(a.shape):
            out[idx] = _betainc_dparam(a[idx], b[idx], x[idx], self.wrt == "a")
        return out


class Beta(ScalarOp):
    ufunc = special_ufunc("beta")
    commutative = True


class BetaLn(ScalarOp):
    ufunc = special_ufunc("betaln")
    commutative = True


class XLogY(ScalarOp):
    """``x * log(y)``, 0 where ``x == 0``."""

    ufunc = special_ufunc("xlogy")


class XLog1pY(ScalarOp):
    """``x * log1p(y)``, 0 where ``x == 0``."""

    ufunc = special_ufunc("xlog1py")


class _Bessel(ScalarOp):
    """Bessel functions of order ``v`` (first input): the gradient wrt ``v`` is
    not implemented, the one wrt ``x`` uses the order-recurrences."""


class Jv(_Bessel):
    ufunc = special_ufunc("jv")


class Iv(_Bessel):
    ufunc = special_ufunc("iv")


class Ive(_Bessel):
    """``iv(v, x) * exp(-|x|)``."""

    ufunc = special_ufunc("ive")


class Kv(_Bessel):
    ufunc = special_ufunc("kv")


class Kve(_Bessel):
    """``kv(v, x) * exp(x)``."""

    ufunc = special_ufunc("kve")


class OwensT(ScalarOp):
    """Owen's T function ``T(h, a)``."""

    ufunc = special_ufunc("owens_t")


class Hyp2F1(ScalarOp):
    """Gauss hypergeometric function ``2F1(a, b; c; z)``.  Gradients wrt the
    parameters for ``z < 1`` (``Hyp2F1DParam``), wrt ``z`` everywhere."""

    nin = 4
    ufunc = special_ufunc("hyp2f1")


def _hyp2f1_series(a, b, c, z):
    """``2F1(a, b; c; z)`` and its derivatives wrt ``a, b, c`` from the power
    series ``sum_n t_n``, ``t_{n+1} = t_n (a+n)(b+n) / ((c+n)(n+1)) z`` and
    ``d t_n / da = t_n sum_{k<n} 1/(a+k)`` (``|z| < 1``)."""
    F = np.ones(a.shape)
    term = np.ones(a.shape)
    dA, dB, dC = np.zeros(a.shape), np.zeros(a.shape), np.zeros(a.shape)
    sa, sb, sc = np.zeros(a.shape), np.zeros(a.shape), np.zeros(a.shape)
    active = np.ones(a.shape, dtype=bool)
    n = 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        while active.any():
            sa, sb, sc = sa + 1.0 / (a + n), sb + 1.0 / (b + n), sc + 1.0 / (c + n)
            term = term * (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            n += 1
            t = np.where(active & (term != 0), term, 0.0)
            F += t
            dA += np.where(t != 0, t * sa, 0.0)
            dB += np.where(t != 0, t * sb, 0.0)
            dC -= np.where(t != 0, t * sc, 0.0)
            size = np.abs(F) + np.abs(dA) + np.abs(dB) + np.abs(dC)
            step = np.abs(term) * (1 + np.abs(sa) + np.abs(sb) + np.abs(sc))
            active &= (term != 0) & ~(step <= 1e-17 * size) & np.isfinite(term)
    return F, dA, dB, dC


def _hyp2f1_dparams(a, b, c, z):
    """The derivatives (3, ...) of ``2F1`` wrt ``a, b, c``: the series for
    ``-1/2 <= z < 1``, Pfaff's transformation ``2F1(a, b; c; z) = (1 - z)**-a
    2F1(a, c - b; c; z / (z - 1))`` below.  NaN for ``z >= 1`` and for a
    parameter at a non-positive integer (where the series is a polynomial
    whose derivative the truncated sum does not give)."""
    out = np.full((3,) + a.shape, np.nan)
    direct = (z >= -0.5) & (z < 1)
    if direct.any():
        out[:, direct] = _hyp2f1_series(a[direct], b[direct], c[direct], z[direct])[1:]
    pfaff = z < -0.5
    if pfaff.any():
        a_, b_, c_, z_ = a[pfaff], b[pfaff], c[pfaff], z[pfaff]
        G, g1, g2, g3 = _hyp2f1_series(a_, c_ - b_, c_, z_ / (z_ - 1))
        scale = (1 - z_) ** (-a_)
        out[0, pfaff] = scale * (g1 - np.log1p(-z_) * G)
        out[1, pfaff] = -scale * g2
        out[2, pfaff] = scale * (g2 + g3)
    for i, p in enumerate((a, b)):
        out[i][(p <= 0) & (p == np.round(p))] = np.nan
    return out


class Hyp2F1DParam(ScalarOp):
    """The derivative of ``hyp2f1(a, b, c, z)`` wrt ``wrt`` (``"a"``, ``"b"``
    or ``"c"``), for gradients."""

    nin = 4
    __props__ = ("wrt",)
    dtype_like = special_ufunc("hyp2f1")

    def __init__(self, wrt):
        if wrt not in ("a", "b", "c"):
            raise ValueError(f"Hyp2F1DParam: wrt must be 'a', 'b' or 'c', got {wrt!r}")
        self.wrt = wrt

    @property
    def name(self):
        return f"hyp2f1_d{self.wrt}"

    def impl(self, a, b, c, z):
        a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
        return _hyp2f1_dparams(a, b, c, z)["abc".index(self.wrt)]


# ---------------------------------------------------------------------------
# Complex numbers.  Gradients wrt a complex input are complex(d/d re, d/d im)
# of a real cost, as in PyTensor.
# ---------------------------------------------------------------------------


class _ComplexPart(_Unary):
    """``real``/``imag``: the real dtype of the input; for a complex input the
    gradient puts ``gz`` in the matching part (``part`` is 0 or 1)."""

    holomorphic = False
    part = 0
    numpy_fn = None

    def output_dtypes(self, in_dtypes):
        return [_real_dtype(in_dtypes[0])]

    def impl(self, x):
        return type(self).numpy_fn(x)


class Real(_ComplexPart):
    numpy_fn = np.real


class Imag(_ComplexPart):
    part = 1
    numpy_fn = np.imag


class Conj(_Unary):
    holomorphic = False

    ufunc = np.conjugate


class Angle(_Unary):
    holomorphic = False

    def output_dtypes(self, in_dtypes):
        # np.angle is no ufunc: its dtype is what it gives on an empty array
        return [np.angle(np.zeros(0, dtype=in_dtypes[0])).dtype.name]

    def impl(self, x):
        return np.angle(x)


class Complex(ScalarOp):
    """``complex(re, im)``: ``re + 1j * im``."""

    holomorphic = False
    def output_dtypes(self, in_dtypes):
        for d in in_dtypes:
            if np.dtype(d).kind == "c":
                raise TypeError(f"complex: the real and imaginary parts must be real, got dtype {d}")
        return [np.result_type(*[np.dtype(d) for d in in_dtypes], np.complex64).name]

    def impl(self, re, im):
        re, im = np.asarray(re), np.asarray(im)
        dt = np.result_type(re.dtype, im.dtype, np.complex64)
        out = np.empty(np.broadcast_shapes(re.shape, im.shape), dtype=dt)
        out.real = re
        out.imag = im
        return out
