"""Elementwise math: every elementwise function, each an ``Elemwise``
instance over a scalar op of ``scalar.py`` or ``scalar_math.py`` (so
``pt.add(x, y)`` builds a node and ``pt.add.scalar_op`` is its scalar
function), with PyTensor's ``pytensor.tensor.math`` names; ``cast``; the
functions composed from them (``clip``, ``round``, ``isclose``,
``nan_to_num``, ...); ``zeros_like``/``ones_like``; and the autodiff hooks of
``TensorType``, which build these ops."""
import numpy as np

from . import scalar as ps
from . import scalar_math as sm
from .basic import as_tensor_variable, constant, register_conversion
from .config import config
from .elemwise import Elemwise, broadcast_static_shape
from .type import TensorType, normalize_dtype

__all__ = []


def _elemwise(scalar_op, name):
    scalar_op.display_name = name
    return Elemwise(scalar_op, name=name)


def _ew(scalar_op, name, doc=None):
    op = _elemwise(scalar_op, name)
    if doc:
        op.__doc__ = doc
    globals()[name] = op
    __all__.append(name)
    return op


def _alias(name, target):
    globals()[name] = target
    __all__.append(name)


# ---------------------------------------------------------------------------
# The core arithmetic (scalar.py)
# ---------------------------------------------------------------------------

add = _ew(ps.Add(), "add", "x + y + ... elementwise")
sub = _ew(ps.Sub(), "sub", "x - y elementwise")
mul = _ew(ps.Mul(), "mul", "x * y * ... elementwise")
true_div = _ew(ps.TrueDiv(), "true_div", "x / y elementwise")
floor_div = _ew(ps.IntDiv(), "floor_div", "x // y elementwise")
int_div = floor_div
mod = _ew(ps.Mod(), "mod", "x % y elementwise (sign of y, as NumPy)")
pow = _ew(ps.Pow(), "pow", "x ** y elementwise")
neg = _ew(ps.Neg(), "neg", "-x elementwise")
abs = _ew(ps.Abs(), "abs", "|x| elementwise")
sign = _ew(ps.Sign(), "sign", "sign of x elementwise")
exp = _ew(ps.Exp(), "exp", "e**x elementwise")
log = _ew(ps.Log(), "log", "natural logarithm elementwise")
sin = _ew(ps.Sin(), "sin", "sine elementwise")
cos = _ew(ps.Cos(), "cos", "cosine elementwise")
sqr = _ew(ps.Sqr(), "sqr", "x**2 elementwise")
sqrt = _ew(ps.Sqrt(), "sqrt", "square root elementwise")
maximum = _ew(ps.Maximum(), "maximum", "elementwise maximum")
minimum = _ew(ps.Minimum(), "minimum", "elementwise minimum")
lt = _ew(ps.LT(), "lt", "x < y elementwise")
gt = _ew(ps.GT(), "gt", "x > y elementwise")
le = _ew(ps.LE(), "le", "x <= y elementwise")
ge = _ew(ps.GE(), "ge", "x >= y elementwise")
eq = _ew(ps.EQ(), "eq", "x == y elementwise")
neq = _ew(ps.NEQ(), "neq", "x != y elementwise")
and_ = _ew(ps.AND(), "and_", "bitwise/logical and elementwise")
or_ = _ew(ps.OR(), "or_", "bitwise/logical or elementwise")
xor = _ew(ps.XOR(), "xor", "bitwise/logical xor elementwise")
invert = _ew(ps.Invert(), "invert", "bitwise/logical not elementwise")
switch = _ew(ps.Switch(), "switch", "switch(cond, a, b): a where cond else b")
second = _ew(ps.Second(), "second", "second(x, y): y broadcast to the shape of x")
fill = second
tensor_copy = _ew(ps.Identity(), "tensor_copy", "a copy of x")
bitwise_and, bitwise_or, bitwise_xor, bitwise_not = and_, or_, xor, invert
true_divide, divide = true_div, true_div
multiply, subtract, negative, power = mul, sub, neg, pow
absolute = abs
square = sqr
less, greater, less_equal, greater_equal, equal, not_equal = lt, gt, le, ge, eq, neq
__all__ += ["less", "greater", "less_equal", "greater_equal", "equal", "not_equal",
            "int_div", "fill", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
            "true_divide", "divide", "multiply", "subtract", "negative", "power", "absolute",
            "square"]


_cast_ops = {}


def cast(x, dtype):
    """``x`` converted to ``dtype`` (NumPy ``astype`` semantics)."""
    x = as_tensor_variable(x)
    dtype = normalize_dtype(dtype)
    if x.type.dtype == dtype:
        return x
    op = _cast_ops.get(dtype)
    if op is None:
        op = _cast_ops[dtype] = Elemwise(ps.Cast(dtype), name=f"cast_{dtype}")
    return op(x)


__all__.append("cast")


# ---------------------------------------------------------------------------
# The catalogue (scalar_math.py)
# ---------------------------------------------------------------------------

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
            "isclose", "nan_to_num", "complex_from_polar", "gammau", "gammal", "chi2sf",
            "poch", "factorial"]


def _filled_like(model, dtype, opt, value):
    x = as_tensor_variable(model)
    dt = x.type.dtype if dtype is None else normalize_dtype(dtype)
    if opt and None not in x.type.shape:
        return constant(np.full(x.type.shape, value, dtype=dt))
    return second(x, constant(np.full((), value, dtype=dt)))


def zeros_like(model, dtype=None, opt=False):
    """Zeros with the shape of ``model`` (its dtype unless given).  With
    ``opt``, a constant when ``model``'s shape is static (``model`` is then
    not in the graph), as PyTensor."""
    return _filled_like(model, dtype, opt, 0)


def ones_like(model, dtype=None, opt=False):
    """Ones with the shape of ``model`` (its dtype unless given); ``opt`` as
    for ``zeros_like``."""
    return _filled_like(model, dtype, opt, 1)


# ``zeros_like``/``ones_like`` are exported by ``creation.py`` (with ``full_like``).

# as_tensor_variable(x, dtype=...) of a variable of another dtype
register_conversion("cast", cast)


# ---------------------------------------------------------------------------
# TensorType's autodiff hooks (see type.py), written with these ops
# ---------------------------------------------------------------------------


def _grad_seed(self, cost):
    if self.ndim != 0:
        raise TypeError(
            f"The cost of grad must be a scalar, got {cost} of type {self} "
            "(reduce it, e.g. with .sum(), or pass known_grads)")
    return ones_like(cost, dtype=self.dtype if self.differentiable else config.floatX)


def _zeros_like(self, var):
    return zeros_like(var, dtype=self.dtype if self.differentiable else config.floatX)


def _add_gradients(self, grads):
    return add(*grads)


def _filter_gradient(self, var, g):
    """The gradient ``g`` a rule returned for ``var``, cast to ``var``'s
    dtype; a gradient of another rank, or whose static shape cannot be
    ``var``'s, is an error naming the op that built it."""
    gt = g.type
    if gt is self:
        return g
    if not isinstance(gt, TensorType) or not self.differentiable:
        return g
    if gt.dtype == self.dtype and gt.shape == self.shape:
        return g
    shape, gshape = self.shape, gt.shape
    if len(gshape) != len(shape):
        what = f"{g.owner.op}" if g.owner is not None else "a constant or input"
        raise TypeError(
            f"gradient rule error: the gradient for {var} ({self}) has {len(gshape)} dimensions instead of "
            f"{len(shape)} (type {gt}, built by {what})")
    for k in range(len(shape)):
        a, b = shape[k], gshape[k]
        if a is not None and b is not None and a != b:
            what = f"{g.owner.op}" if g.owner is not None else "a constant or input"
            raise ValueError(
                f"gradient rule error: the gradient for {var} ({self}) has static length {b} instead of {a} "
                f"on axis {k} (type {gt}, built by {what}); a broadcast input's gradient must be summed "
                "back to its shape")
    if gt.dtype != self.dtype:
        g = cast(g, self.dtype)
    return g


TensorType.grad_seed = _grad_seed
TensorType.zeros_like = _zeros_like
TensorType.add_gradients = _add_gradients
TensorType.filter_gradient = _filter_gradient
