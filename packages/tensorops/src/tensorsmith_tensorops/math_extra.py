"""The elementwise function catalogue (PyTensor's ``pytensor.tensor.math``
names): ``Elemwise`` instances over the scalar ops of ``scalar_math.py`` and
the functions composed from them (``round``, ``isclose``, ``clip``, ...)."""
import numpy as np

from . import scalar_math as sm
from .basic import as_tensor_variable, constant
from .elemwise import Elemwise, broadcast_static_shape
from .math import (abs, add, and_, cast, cos, eq, floor_div, le, maximum, minimum, mod, mul, neq, or_, sign,
                   sin, sub, switch, true_div)

__all__ = []


def _elemwise(scalar_op, name):
    scalar_op.display_name = name
    return Elemwise(scalar_op, name=name)


def _ew(scalar_op, name, doc):
    op = _elemwise(scalar_op, name)
    op.__doc__ = doc
    globals()[name] = op
    __all__.append(name)
    return op


def _alias(name, target):
    globals()[name] = target
    __all__.append(name)


# -- arithmetic ---------------------------------------------------------------
_ew(sm.Reciprocal(), "reciprocal", "1 / x elementwise")
_ew(sm.Cbrt(), "cbrt", "cube root elementwise")
_clip = _elemwise(sm.Clip(), "clip")

# -- exponentials and logarithms ---------------------------------------------
_ew(sm.Exp2(), "exp2", "2**x elementwise")
_ew(sm.Expm1(), "expm1", "exp(x) - 1, accurate near 0")
_ew(sm.Log2(), "log2", "base-2 logarithm elementwise")
_ew(sm.Log10(), "log10", "base-10 logarithm elementwise")
_ew(sm.Log1p(), "log1p", "log(1 + x), accurate near 0")
_ew(sm.LogAddExp(), "logaddexp", "log(exp(x) + exp(y)) without overflow")
_ew(sm.Softplus(), "log1pexp", "log(1 + exp(x)), stable for any x (softplus)")
_ew(sm.Log1mExp(), "log1mexp", "log(1 - exp(x)) for x <= 0, stable near 0 and far below")
_ew(sm.Sigmoid(), "sigmoid", "1 / (1 + exp(-x)) (expit)")
_ew(sm.LogSigmoid(), "log_sigmoid", "log(sigmoid(x)) = -softplus(-x), stable")
_ew(sm.Logit(), "logit", "log(x / (1 - x)), the inverse of sigmoid")
_alias("softplus", log1pexp)  # noqa: F821
_alias("expit", sigmoid)  # noqa: F821

# -- trigonometric and hyperbolic ---------------------------------------------
_ew(sm.Tan(), "tan", "tangent elementwise")
_ew(sm.ArcSin(), "arcsin", "inverse sine elementwise")
_ew(sm.ArcCos(), "arccos", "inverse cosine elementwise")
_ew(sm.ArcTan(), "arctan", "inverse tangent elementwise")
_ew(sm.ArcTan2(), "arctan2", "arctan2(y, x): the angle of the point (x, y)")
_ew(sm.Sinh(), "sinh", "hyperbolic sine elementwise")
_ew(sm.Cosh(), "cosh", "hyperbolic cosine elementwise")
_ew(sm.Tanh(), "tanh", "hyperbolic tangent elementwise")
_ew(sm.ArcSinh(), "arcsinh", "inverse hyperbolic sine elementwise")
_ew(sm.ArcCosh(), "arccosh", "inverse hyperbolic cosine elementwise")
_ew(sm.ArcTanh(), "arctanh", "inverse hyperbolic tangent elementwise")
_ew(sm.Deg2Rad(), "deg2rad", "degrees to radians")
_ew(sm.Rad2Deg(), "rad2deg", "radians to degrees")
_ew(sm.Hypot(), "hypot", "sqrt(x**2 + y**2) without overflow")

# -- rounding -------------------------------------------------------------------
_ew(sm.Floor(), "floor", "largest integer <= x elementwise")
_ew(sm.Ceil(), "ceil", "smallest integer >= x elementwise")
_ew(sm.Trunc(), "trunc", "x rounded towards zero elementwise")
_ew(sm.RoundHalfToEven(), "round_half_to_even", "x rounded to the nearest integer, ties to even")
_ew(sm.RoundHalfAwayFromZero(), "round_half_away_from_zero",
    "x rounded to the nearest integer, ties away from zero")

# -- predicates, logic and bits --------------------------------------------------
_ew(sm.IsNan(), "isnan", "x is NaN")
_ew(sm.IsInf(), "isinf", "x is +inf or -inf")
_ew(sm.IsFinite(), "isfinite", "x is neither inf nor NaN")
_ew(sm.IsPosInf(), "isposinf", "x is +inf")
_ew(sm.IsNegInf(), "isneginf", "x is -inf")
_ew(sm.LeftShift(), "left_shift", "x << y elementwise")
_ew(sm.RightShift(), "right_shift", "x >> y elementwise")
_ew(sm.LogicalAnd(), "logical_and", "truth value of x and y elementwise")
_ew(sm.LogicalOr(), "logical_or", "truth value of x or y elementwise")
_ew(sm.LogicalXor(), "logical_xor", "truth value of x xor y elementwise")
_ew(sm.LogicalNot(), "logical_not", "truth value of not x elementwise")

# -- special functions ------------------------------------------------------------
_ew(sm.Erf(), "erf", "error function")
_ew(sm.Erfc(), "erfc", "complementary error function 1 - erf(x)")
_ew(sm.Erfcx(), "erfcx", "scaled complementary error function exp(x**2) erfc(x)")
_ew(sm.Erfinv(), "erfinv", "inverse error function")
_ew(sm.Erfcinv(), "erfcinv", "inverse complementary error function")
_ew(sm.Gamma(), "gamma", "gamma function")
_ew(sm.GammaLn(), "gammaln", "log |gamma(x)|")
_ew(sm.Psi(), "psi", "digamma function d/dx gammaln(x)")
_alias("digamma", psi)  # noqa: F821
_ew(sm.TriGamma(), "tri_gamma", "trigamma function d/dx psi(x)")
_polygamma = _elemwise(sm.PolyGamma(), "polygamma")
_ew(sm.GammaInc(), "gammainc", "regularized lower incomplete gamma P(k, x)")
_ew(sm.GammaIncC(), "gammaincc", "regularized upper incomplete gamma Q(k, x)")
_ew(sm.GammaIncInv(), "gammaincinv", "inverse of gammainc(k, .)")
gammainc_dk = _elemwise(sm.GammaIncDk(), "gammainc_dk")  # d/dk gammainc(k, x), for gradients
_ew(sm.GammaIncCInv(), "gammainccinv", "inverse of gammaincc(k, .)")
_ew(sm.BetaInc(), "betainc", "regularized incomplete beta I_x(a, b)")
_ew(sm.BetaIncInv(), "betaincinv", "inverse of betainc(a, b, .)")
# d/da and d/db of betainc(a, b, x), for gradients
betainc_da = _elemwise(sm.BetaIncDParam("a"), "betainc_da")
betainc_db = _elemwise(sm.BetaIncDParam("b"), "betainc_db")
_ew(sm.Beta(), "beta", "beta function B(a, b)")
_ew(sm.BetaLn(), "betaln", "log |B(a, b)|")
_ew(sm.XLogY(), "xlogy", "x * log(y), 0 where x == 0")
_ew(sm.XLog1pY(), "xlog1py", "x * log1p(y), 0 where x == 0")
_ew(sm.J0(), "j0", "Bessel function of the first kind of order 0")
_ew(sm.J1(), "j1", "Bessel function of the first kind of order 1")
_ew(sm.Jv(), "jv", "jv(v, x): Bessel function of the first kind of real order v")
_ew(sm.I0(), "i0", "modified Bessel function of the first kind of order 0")
_ew(sm.I1(), "i1", "modified Bessel function of the first kind of order 1")
_ew(sm.Iv(), "iv", "iv(v, x): modified Bessel function of the first kind of real order v")
_ew(sm.Ive(), "ive", "ive(v, x) = iv(v, x) * exp(-|x|)")
_ew(sm.Kv(), "kv", "kv(v, x): modified Bessel function of the second kind of real order v")
_ew(sm.Kve(), "kve", "kve(v, x) = kv(v, x) * exp(x)")
_ew(sm.OwensT(), "owens_t", "Owen's T function T(h, a)")
_ew(sm.LogNdtr(), "log_ndtr", "log of the standard normal CDF")
_ew(sm.Ndtri(), "ndtri", "inverse of the standard normal CDF")
_ew(sm.Hyp2F1(), "hyp2f1", "Gauss hypergeometric function 2F1(a, b; c; z)")
# its derivatives wrt the parameters, for gradients
hyp2f1_da, hyp2f1_db, hyp2f1_dc = (_elemwise(sm.Hyp2F1DParam(p), f"hyp2f1_d{p}") for p in "abc")

# -- complex numbers -----------------------------------------------------------------
_ew(sm.Real(), "real", "real part (x itself for real x)")
_ew(sm.Imag(), "imag", "imaginary part (zeros for real x)")
_ew(sm.Conj(), "conj", "complex conjugate")
_alias("conjugate", conj)  # noqa: F821
_ew(sm.Angle(), "angle", "argument of a complex number (0 or pi for real x)")
_ew(sm.Complex(), "complex", "complex(re, im) = re + 1j * im")


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------


def clip(x, min, max):
    """``x`` limited to ``[min, max]``; the gradient flows to ``x`` where
    ``min <= x <= max`` and to the bound that is active elsewhere.  One bound
    may be None (as in NumPy)."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    if min is None:
        return minimum(x, max)
    if max is None:
        return maximum(x, min)
    return _clip(x, min, max)


_ROUND_MODES = {"half_to_even": round_half_to_even,  # noqa: F821
                "half_away_from_zero": round_half_away_from_zero}  # noqa: F821


def round(a, mode=None):
    """``a`` rounded to the nearest integer; ``mode`` is ``"half_to_even"``
    (the default, like NumPy) or ``"half_away_from_zero"``."""
    if mode is None:
        mode = "half_to_even"
    op = _ROUND_MODES.get(mode)
    if op is None:
        raise ValueError(f"round: mode must be one of {sorted(_ROUND_MODES)}, got {mode!r}")
    return op(a)


def polygamma(n, x):
    """``polygamma(n, x)``: the ``n``-th derivative of ``psi`` (``n`` an integer)."""
    if isinstance(n, (int, np.integer)) and not isinstance(n, bool):
        n = constant(n, dtype="int64")  # a strong int, not re-typed by x's dtype
    return _polygamma(n, x)


def iround(a, mode=None):
    """``round(a, mode)`` as int64."""
    return cast(round(a, mode), "int64")


def sgn(a):
    """Alias of ``sign``."""
    return sign(a)


def ceil_intdiv(a, b):
    """``ceil(a / b)`` for integers: ``a // b``, plus 1 where ``b`` does not divide ``a``."""
    div = floor_div(a, b)
    return add(div, cast(neq(mod(a, b), 0), div.dtype))


def divmod(x, y):
    """``(x // y, x % y)``."""
    return floor_div(x, y), mod(x, y)


floor_divide = floor_div
remainder = mod


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|a - b| <= atol + rtol * |b|`` elementwise, as ``numpy.isclose``:
    infinities are close to themselves only, NaNs only if ``equal_nan``."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    broadcast_static_shape([a.type.shape, b.type.shape], "in isclose")
    if a.dtype[0] in "biu" and b.dtype[0] in "biu":
        # NumPy compares integers as float64
        a, b = cast(a, "float64"), cast(b, "float64")
    close = le(abs(sub(a, b)), add(atol, mul(rtol, abs(b))))
    res = switch(and_(isfinite(a), isfinite(b)), close, eq(a, b))  # noqa: F821
    if equal_nan:
        res = or_(res, and_(isnan(a), isnan(b)))  # noqa: F821
    return res


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """All of ``isclose(a, b, ...)`` (a 0-d bool tensor)."""
    from .reduction import all as _all

    return _all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf``
    (default: the largest/smallest finite value of ``x``'s dtype)."""
    x = as_tensor_variable(x)
    if x.dtype[0] not in "fc":
        return x
    rdt = np.dtype(x.dtype).type(0).real.dtype
    posinf = np.finfo(rdt).max if posinf is None else posinf
    neginf = np.finfo(rdt).min if neginf is None else neginf
    x = switch(isnan(x), constant(nan, dtype=x.dtype), x)  # noqa: F821
    x = switch(isposinf(x), constant(posinf, dtype=x.dtype), x)  # noqa: F821
    return switch(isneginf(x), constant(neginf, dtype=x.dtype), x)  # noqa: F821


def complex_from_polar(abs, angle):
    """``abs * exp(1j * angle)``."""
    return complex(mul(abs, cos(angle)), mul(abs, sin(angle)))  # noqa: F821


def gammau(k, x):
    """Upper incomplete gamma ``Gamma(k) * Q(k, x)`` (not regularized)."""
    return mul(gammaincc(k, x), gamma(k))  # noqa: F821


def gammal(k, x):
    """Lower incomplete gamma ``Gamma(k) * P(k, x)`` (not regularized)."""
    return mul(gammainc(k, x), gamma(k))  # noqa: F821


def chi2sf(x, k):
    """Survival function of the chi-squared distribution with ``k`` degrees of freedom."""
    return gammaincc(true_div(k, 2), true_div(x, 2))  # noqa: F821


def poch(z, m):
    """Pochhammer symbol ``gamma(z + m) / gamma(z)``."""
    return true_div(gamma(add(z, m)), gamma(z))  # noqa: F821


def factorial(n):
    """``gamma(n + 1)``."""
    return gamma(add(n, 1))  # noqa: F821


__all__ += ["clip", "polygamma", "round", "iround", "sgn", "ceil_intdiv", "divmod", "floor_divide", "remainder",
            "isclose", "allclose", "nan_to_num", "complex_from_polar", "gammau", "gammal", "chi2sf",
            "poch", "factorial"]
