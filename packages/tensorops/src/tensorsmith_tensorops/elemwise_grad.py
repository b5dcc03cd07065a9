"""Derivatives of the elementwise ops: the gradient rule of every scalar
function (registered per ``ScalarOp`` class in autodiff's registry) and the
rules of ``Elemwise``, which apply them to the tensors it maps over.

They are written with the elementwise functions of ``math.py`` and sum
broadcast gradients back with ``reduction.py``, so they live above both
rather than next to the classes (``scalar.py``, ``scalar_math.py``,
``elemwise.py``).

A scalar function's rule is ``rule(op, node, inputs, output_grads)`` (it may
take ``needed=`` as any rule): ``op`` is the scalar op, ``node`` the
``Elemwise`` node mapping it (``node.outputs`` its tensor outputs), ``inputs``
the node's tensor inputs.  It returns one entry per input: a tensor (the
``Elemwise`` rule sums it back to the input's shape and casts it to its
dtype), None (no gradient) or an autodiff marker; or None as a whole (no
derivative known: not implemented).  Rules are written for real numbers as
``gz * f'(x)``; for ``holomorphic`` functions of complex numbers the
``Elemwise`` rule conjugates around them.  Forward mode: a rule registered
with ``register_jvp`` for the scalar op class, ``rule(op, node, inputs,
tangents)`` (one entry per output), else one derived from the gradient rule."""
import numpy as np
from tensorsmith_autodiff import (
    NullGrad, disconnected, get_grad_rule, get_jvp_rule, grad_not_implemented, register_grad, register_jvp,
)
from tensorsmith_autodiff.registry import grad_rule_takes_needed

from . import math as T
from . import scalar as ps
from . import scalar_math as sm
from .basic import as_tensor_variable
from .elemwise import Elemwise
from .reduction import SumToShape, sum_to_shape

__all__ = []

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))
_SQRT_PI = float(np.sqrt(np.pi))
_SQRT_2PI = float(np.sqrt(2.0 * np.pi))


# ---------------------------------------------------------------------------
# Elemwise
# ---------------------------------------------------------------------------

_COMPLEX = frozenset(("complex64", "complex128"))


def _any_complex(inputs, outputs):
    for v in inputs:
        if v.type.dtype in _COMPLEX:
            return True
    for v in outputs:
        if v.type.dtype in _COMPLEX:
            return True
    return False


def scalar_grad(so, node, inputs, output_grads, needed=None):
    """The gradient rule of the scalar op ``so`` applied on ``node``, with
    the conjugation of holomorphic functions of complex numbers: then the
    rule is applied as ``conj(rule(conj(gz)))`` = ``gz * conj(f'(z))`` (the
    gradient of a real cost wrt ``z = x + iy`` is ``dC/dx + i dC/dy``), and
    a complex gradient for a real input keeps its real part.  ``needed`` is
    passed on to rules that take it."""
    rule = get_grad_rule(so)
    kw = {"needed": needed} if needed is not None and grad_rule_takes_needed(rule) else {}
    if not so.holomorphic or not _any_complex(inputs, node.outputs):
        return rule(so, node, inputs, output_grads, **kw)
    gz = [g if g is None or not g.type.dtype.startswith("complex") else T.conj(g) for g in output_grads]
    res = rule(so, node, inputs, gz, **kw)
    if res is None:
        return None
    out = []
    for x, g in zip(inputs, res):
        if hasattr(g, "type") and g.type.dtype.startswith("complex"):
            g = T.conj(g) if x.type.dtype.startswith("complex") else T.real(g)
        out.append(g)
    return out


def _broadcast_unknown(x, inputs):
    """True when ``x`` may have been broadcast against the other ``inputs``
    along an axis whose length is not known statically (NumPy broadcasting
    decides at run time, and so must the gradient)."""
    xshape = x.type.shape
    if None not in xshape:
        return False
    nx = len(xshape)
    for other in inputs:
        if other is x:
            continue
        oshape = other.type.shape
        no = len(oshape)
        # shapes aligned on the right; missing leading axes are length 1
        for k in range(1, min(nx, no) + 1):
            if xshape[-k] is None and oshape[-k] != 1:
                return True
    return False


def _fit_grad(g, x, inputs=()):
    """``g`` summed to the shape of ``x`` and cast to its dtype."""
    gt, xt = g.type, x.type
    if len(inputs) > 1 and _broadcast_unknown(x, inputs):
        g = SumToShape()(g, x)
    elif gt is xt:  # (shared types) nothing to sum or cast
        return g
    elif gt.shape != xt.shape:
        g = sum_to_shape(g, x)
    if g.type.dtype != xt.dtype:
        g = T.cast(g, xt.dtype)
    return g


@register_grad(Elemwise)
def _elemwise_grad(op, node, inputs, output_grads, needed=None):
    """The scalar op's rule, each input's gradient summed back to its shape
    and cast to its dtype.  ``needed`` (from the reverse pass: which inputs
    get a gradient) lets the scalar op skip the others, and skips their
    fitting; they get ``disconnected``."""
    so = op.scalar_op
    if not so.differentiable:
        return [disconnected] * len(inputs)
    gs = scalar_grad(so, node, list(inputs), list(output_grads), None if needed is None else list(needed))
    if gs is None:
        return [grad_not_implemented(op, i, x) for i, x in enumerate(inputs)]
    res = []
    for k, (x, g) in enumerate(zip(inputs, gs)):
        if g is None or not x.type.differentiable or (needed is not None and not needed[k]):
            res.append(disconnected)
        elif not hasattr(g, "type"):  # a marker from autodiff
            res.append(g)
        else:
            res.append(_fit_grad(g, x, inputs))
    return res


@register_jvp(Elemwise)
def _elemwise_jvp(op, node, inputs, tangents):
    """The scalar op's forward rule, each result cast to its output's dtype."""
    so = op.scalar_op
    if not so.differentiable:
        return [None] * len(node.outputs)
    res = get_jvp_rule(so)(so, node, list(inputs), list(tangents))
    out_res = []
    for o, r in zip(node.outputs, res):
        if r is None:
            out_res.append(None)
        else:
            r = as_tensor_variable(r)
            if r.type.dtype != o.type.dtype:
                r = T.cast(r, o.type.dtype)
            out_res.append(r)
    return out_res


# ---------------------------------------------------------------------------
# Defaults for every scalar function
# ---------------------------------------------------------------------------


@register_grad(ps.ScalarOp)
def _no_derivative(op, node, inputs, output_grads):
    """No derivative known: ``Elemwise`` reports the gradient as not implemented."""
    return None


@register_jvp(ps.ScalarOp)
def _jvp_from_grad(op, node, inputs, tangents):
    """Forward mode from the gradient rule: ``sum_i f_i'(x) t_i`` per output,
    with the derivatives ``f_i'`` read off the rule seeded with ones.  The rule
    is called as registered, without the conjugation of ``scalar_grad``
    (forward mode needs ``f'(z)``, not its conjugate)."""
    rule = get_grad_rule(op)
    outputs = node.outputs
    res = []
    for j, out in enumerate(outputs):
        seeds = [T.ones_like(o) if k == j else T.zeros_like(o) for k, o in enumerate(outputs)]
        ds = rule(op, node, list(inputs), seeds)
        if ds is None:
            raise NotImplementedError(f"{op.name} has no derivative rule")
        terms = []
        for d, t in zip(ds, tangents):
            if t is None or d is None:
                continue
            if isinstance(d, NullGrad):
                raise d.error(f"forward mode through {op.name}")
            terms.append(T.mul(d, t))
        res.append(None if not terms else terms[0] if len(terms) == 1 else T.add(*terms))
    return res


@register_grad(ps.ZeroGradOp)
def _zero_grad(op, node, inputs, gz):
    # piecewise constant: zeros (not a disconnected gradient), as PyTensor
    return [T.zeros_like(gz[0]) for _ in inputs]


register_jvp(ps.ZeroGradOp, lambda op, node, inputs, tangents: [None])


# ---------------------------------------------------------------------------
# Core arithmetic (scalar.py)
# ---------------------------------------------------------------------------


@register_grad(ps.Add)
def _add_grad(op, node, inputs, gz):
    return [gz[0] for _ in inputs]


@register_jvp(ps.Add)
def _add_jvp(op, node, inputs, tangents):
    ts = [t for t in tangents if t is not None]
    if not ts:
        return [None]
    return [T.add(*ts) if len(ts) > 1 else ts[0]]


@register_grad(ps.Mul)
def _mul_grad(op, node, inputs, gz, needed=None):
    mul = T.mul
    if len(inputs) == 2:
        x, y = inputs
        return [mul(gz[0], y) if needed is None or needed[0] else None,
                mul(gz[0], x) if needed is None or needed[1] else None]
    res = []
    for i in range(len(inputs)):
        if needed is not None and not needed[i]:
            res.append(None)
            continue
        others = [x for j, x in enumerate(inputs) if j != i]
        res.append(mul(gz[0], *others))
    return res


@register_jvp(ps.Mul)
def _mul_jvp(op, node, inputs, tangents):
    terms = []
    for i, t in enumerate(tangents):
        if t is not None:
            terms.append(T.mul(t, *[x for j, x in enumerate(inputs) if j != i]))
    if not terms:
        return [None]
    return [T.add(*terms) if len(terms) > 1 else terms[0]]


@register_grad(ps.Sub)
def _sub_grad(op, node, inputs, gz, needed=None):
    if needed is not None and not needed[1]:
        return [gz[0], None]
    return [gz[0], T.neg(gz[0])]


@register_jvp(ps.Sub)
def _sub_jvp(op, node, inputs, t):
    if t[0] is None and t[1] is None:
        return [None]
    if t[1] is None:
        return [t[0]]
    if t[0] is None:
        return [T.neg(t[1])]
    return [T.sub(t[0], t[1])]


@register_grad(ps.TrueDiv)
def _true_div_grad(op, node, inputs, gz, needed=None):
    x, y = inputs
    gx = gy = None
    if needed is None or needed[0]:
        gx = T.true_div(gz[0], y)
    if needed is None or needed[1]:
        gy = T.neg(T.true_div(T.mul(gz[0], node.outputs[0]), y))
    return [gx, gy]


@register_grad(ps.Mod)
def _mod_grad(op, node, inputs, gz, needed=None):
    x, y = inputs
    if needed is not None and not needed[1]:
        return [gz[0], None]
    return [gz[0], T.neg(T.mul(gz[0], T.floor_div(x, y)))]


@register_grad(ps.Pow)
def _pow_grad(op, node, inputs, gz, needed=None):
    x, y = inputs
    gx = gy = None
    if needed is None or needed[0]:
        gx = T.mul(gz[0], y, T.pow(x, T.sub(y, 1)))
    if needed is None or needed[1]:
        # d/dy x**y = x**y log x; 0 where x == 0 (the limit for y > 0)
        gy = T.mul(gz[0], node.outputs[0], T.switch(T.eq(x, 0), 0, T.log(T.switch(T.eq(x, 0), 1, x))))
    return [gx, gy]


@register_grad(ps.Neg)
def _neg_grad(op, node, inputs, gz):
    return [T.neg(gz[0])]


register_jvp(ps.Neg, lambda op, node, inputs, t: [None if t[0] is None else T.neg(t[0])])


@register_grad(ps.Abs)
def _abs_grad(op, node, inputs, gz):
    x = inputs[0]
    out = node.outputs[0]
    if x.type.dtype.startswith("complex"):
        return [T.mul(gz[0], T.true_div(x, T.switch(T.eq(out, 0), 1, out)))]
    return [T.mul(gz[0], T.sign(x))]


register_grad(ps.Exp, lambda op, node, inputs, gz: [T.mul(gz[0], node.outputs[0])])
register_grad(ps.Log, lambda op, node, inputs, gz: [T.true_div(gz[0], inputs[0])])
register_grad(ps.Sin, lambda op, node, inputs, gz: [T.mul(gz[0], T.cos(inputs[0]))])
register_grad(ps.Cos, lambda op, node, inputs, gz: [T.neg(T.mul(gz[0], T.sin(inputs[0])))])
register_grad(ps.Sqr, lambda op, node, inputs, gz: [T.mul(gz[0], 2, inputs[0])])
register_grad(ps.Sqrt, lambda op, node, inputs, gz: [T.true_div(gz[0], T.mul(2, node.outputs[0]))])


@register_grad(ps.Maximum)
def _maximum_grad(op, node, inputs, gz, needed=None):
    x, y = inputs
    gx = gy = None
    # ties: the gradient goes to the first input, as in PyTensor
    if needed is None or needed[0]:
        gx = T.mul(gz[0], T.cast(T.ge(x, y), gz[0].dtype))
    if needed is None or needed[1]:
        gy = T.mul(gz[0], T.cast(T.lt(x, y), gz[0].dtype))
    return [gx, gy]


@register_grad(ps.Minimum)
def _minimum_grad(op, node, inputs, gz, needed=None):
    x, y = inputs
    gx = gy = None
    if needed is None or needed[0]:
        gx = T.mul(gz[0], T.cast(T.le(x, y), gz[0].dtype))
    if needed is None or needed[1]:
        gy = T.mul(gz[0], T.cast(T.gt(x, y), gz[0].dtype))
    return [gx, gy]


@register_grad(ps.Switch)
def _switch_grad(op, node, inputs, gz, needed=None):
    c, a, b = inputs
    z = T.zeros_like(gz[0])
    # where() keeps NaN/inf of the untaken branch out of the gradient
    ga = gb = None
    if needed is None or needed[1]:
        ga = T.switch(c, gz[0], z)
    if needed is None or needed[2]:
        gb = T.switch(c, z, gz[0])
    return [None, ga, gb]


register_grad(ps.Second, lambda op, node, inputs, gz: [None, gz[0]])
register_grad(ps.Identity, lambda op, node, inputs, gz: [gz[0]])


@register_grad(ps.Cast)
def _cast_grad(op, node, inputs, gz):
    x = inputs[0]
    if x.type.dtype in ("float16", "float32", "float64", "complex64", "complex128"):
        g = gz[0]
        if op.dtype.startswith("complex") and not x.type.dtype.startswith("complex"):
            g = T.real(g)
        return [T.cast(g, x.type.dtype)]
    return [None]


# ---------------------------------------------------------------------------
# The catalogue (scalar_math.py)
# ---------------------------------------------------------------------------


def _sqrt_1mx2(x):
    return T.sqrt(T.mul(T.sub(1, x), T.add(1, x)))


# d/dx f of the unary functions of ``scalar_math._ANALYTIC`` (``y = f(x)``),
# written from the math in forms that stay finite where f does
_ANALYTIC_DERIVATIVES = {
    "Reciprocal": lambda x, y: T.neg(T.sqr(y)),
    "Cbrt": lambda x, y: T.reciprocal(T.mul(3, T.sqr(y))),
    "Exp2": lambda x, y: T.mul(y, _LN2),
    "Expm1": lambda x, y: T.exp(x),
    "Log2": lambda x, y: T.reciprocal(T.mul(x, _LN2)),
    "Log10": lambda x, y: T.reciprocal(T.mul(x, _LN10)),
    "Log1p": lambda x, y: T.reciprocal(T.add(x, 1)),
    "Sigmoid": lambda x, y: T.mul(y, T.sub(1, y)),
    # log(sigmoid(x)) = -softplus(-x): d/dx = sigmoid(-x), finite for all x
    "LogSigmoid": lambda x, y: T.sigmoid(T.neg(x)),
    "Logit": lambda x, y: T.reciprocal(T.mul(x, T.sub(1, x))),
    "Tan": lambda x, y: T.add(1, T.sqr(y)),
    "ArcSin": lambda x, y: T.reciprocal(_sqrt_1mx2(x)),
    "ArcCos": lambda x, y: T.neg(T.reciprocal(_sqrt_1mx2(x))),
    "ArcTan": lambda x, y: T.reciprocal(T.add(1, T.sqr(x))),
    "Sinh": lambda x, y: T.cosh(x),
    "Cosh": lambda x, y: T.sinh(x),
    "Tanh": lambda x, y: T.sub(1, T.sqr(y)),
    "ArcSinh": lambda x, y: T.reciprocal(T.sqrt(T.add(T.sqr(x), 1))),
    # sqrt((x - 1)(x + 1)) loses nothing near x = 1, unlike sqrt(x**2 - 1)
    "ArcCosh": lambda x, y: T.reciprocal(T.sqrt(T.mul(T.sub(x, 1), T.add(x, 1)))),
    "ArcTanh": lambda x, y: T.reciprocal(T.mul(T.sub(1, x), T.add(1, x))),
    "Deg2Rad": lambda x, y: float(np.pi / 180.0),
    "Rad2Deg": lambda x, y: float(180.0 / np.pi),
    "Erf": lambda x, y: T.mul(2.0 / _SQRT_PI, T.exp(T.neg(T.sqr(x)))),
    "Erfc": lambda x, y: T.mul(-2.0 / _SQRT_PI, T.exp(T.neg(T.sqr(x)))),
    # erfcx(x) = exp(x**2) erfc(x)
    "Erfcx": lambda x, y: T.sub(T.mul(2, x, y), 2.0 / _SQRT_PI),
    "Erfinv": lambda x, y: T.mul(_SQRT_PI / 2.0, T.exp(T.sqr(y))),
    "Erfcinv": lambda x, y: T.mul(-_SQRT_PI / 2.0, T.exp(T.sqr(y))),
    "Gamma": lambda x, y: T.mul(y, T.psi(x)),
    "GammaLn": lambda x, y: T.psi(x),
    "Psi": lambda x, y: T.tri_gamma(x),
    "J0": lambda x, y: T.neg(T.j1(x)),
    "J1": lambda x, y: T.mul(0.5, T.sub(T.j0(x), T.jv(2, x))),
    "I0": lambda x, y: T.i1(x),
    "I1": lambda x, y: T.mul(0.5, T.add(T.i0(x), T.iv(2, x))),
    # log_ndtr: pdf / cdf = exp(log pdf - log cdf), finite far in the lower tail
    "LogNdtr": lambda x, y: T.exp(T.sub(T.mul(-0.5, T.sqr(x)), T.add(y, float(np.log(_SQRT_2PI))))),
    # ndtri: inverse of the normal CDF, d/dp = 1 / pdf(ndtri(p))
    "Ndtri": lambda x, y: T.mul(_SQRT_2PI, T.exp(T.mul(0.5, T.sqr(y)))),
}


def _analytic_rule(derivative):
    def rule(op, node, inputs, gz):
        return [T.mul(gz[0], derivative(inputs[0], node.outputs[0]))]

    return rule


for _name, _d in _ANALYTIC_DERIVATIVES.items():
    register_grad(getattr(sm, _name), _analytic_rule(_d))
del _name, _d


@register_grad(sm.Clip)
def _clip_grad(op, node, inputs, gz):
    x, lo, hi = inputs
    g = gz[0]
    inside = T.and_(T.ge(x, lo), T.le(x, hi))
    return [T.mul(g, T.cast(inside, g.dtype)), T.mul(g, T.cast(T.lt(x, lo), g.dtype)),
            T.mul(g, T.cast(T.gt(x, hi), g.dtype))]


@register_grad(sm.LogAddExp)
def _logaddexp_grad(op, node, inputs, gz):
    # d/dx_i = exp(x_i - out)
    out = node.outputs[0]
    return [T.mul(gz[0], T.exp(T.sub(x, out))) for x in inputs]


register_grad(sm.Softplus, lambda op, node, inputs, gz: [T.mul(gz[0], T.sigmoid(inputs[0]))])


@register_grad(sm.Log1mExp)
def _log1mexp_grad(op, node, inputs, gz):
    # d/dx log(1 - e^x) = -e^x / (1 - e^x) = -1 / expm1(-x)
    return [T.neg(T.true_div(gz[0], T.expm1(T.neg(inputs[0]))))]


@register_grad(sm.ArcTan2)
def _arctan2_grad(op, node, inputs, gz):
    y, x = inputs
    r2 = T.add(T.sqr(x), T.sqr(y))
    return [T.true_div(T.mul(gz[0], x), r2), T.neg(T.true_div(T.mul(gz[0], y), r2))]


@register_grad(sm.Hypot)
def _hypot_grad(op, node, inputs, gz):
    x, y = inputs
    g = T.true_div(gz[0], node.outputs[0])
    return [T.mul(g, x), T.mul(g, y)]


register_grad(sm.TriGamma, lambda op, node, inputs, gz: [T.mul(gz[0], T.polygamma(2, inputs[0]))])


@register_grad(sm.PolyGamma)
def _polygamma_grad(op, node, inputs, gz):
    n, x = inputs
    return [None, T.mul(gz[0], T.polygamma(T.add(n, 1), x))]


def _gamma_density(k, x):
    """d/dx P(k, x) = x**(k-1) exp(-x) / Gamma(k), in log space."""
    return T.exp(T.sub(T.sub(T.xlogy(T.sub(k, 1), x), x), T.gammaln(k)))


@register_grad(sm.GammaInc)
def _gammainc_grad(op, node, inputs, gz):
    k, x = inputs
    return [T.mul(gz[0], T.gammainc_dk(k, x)), T.mul(gz[0], _gamma_density(k, x))]


@register_grad(sm.GammaIncC)
def _gammaincc_grad(op, node, inputs, gz):
    k, x = inputs
    return [T.neg(T.mul(gz[0], T.gammainc_dk(k, x))), T.neg(T.mul(gz[0], _gamma_density(k, x)))]


@register_grad(sm.GammaIncDk)
def _gammainc_dk_grad(op, node, inputs, gz):
    # d/dx dP/dk = d/dk density = density * (log x - psi(k))
    k, x = inputs
    return [grad_not_implemented(op, 0, k, "second derivative wrt the shape k"),
            T.mul(gz[0], _gamma_density(k, x), T.sub(T.log(x), T.psi(k)))]


def _gammaincinv_rule(sign):
    def rule(op, node, inputs, gz):
        # implicit function theorem on P(k, x) = y (or Q(k, x) = y, Q = 1 - P):
        # dx/dy = sign / density, dx/dk = -dP/dk / density for both
        k, _ = inputs
        x = node.outputs[0]
        dens = _gamma_density(k, x)
        gy = T.true_div(gz[0], dens)
        return [T.neg(T.mul(gy, T.gammainc_dk(k, x))), gy if sign > 0 else T.neg(gy)]

    return rule


register_grad(sm.GammaIncInv, _gammaincinv_rule(1))
register_grad(sm.GammaIncCInv, _gammaincinv_rule(-1))


def _beta_density(a, b, x):
    """d/dx I_x(a, b) = x**(a-1) (1-x)**(b-1) / B(a, b), in log space."""
    return T.exp(T.sub(T.add(T.xlogy(T.sub(a, 1), x), T.xlog1py(T.sub(b, 1), T.neg(x))), T.betaln(a, b)))


@register_grad(sm.BetaInc)
def _betainc_grad(op, node, inputs, gz):
    a, b, x = inputs
    da, db = T.betainc_da(a, b, x), T.betainc_db(a, b, x)
    return [T.mul(gz[0], da), T.mul(gz[0], db), T.mul(gz[0], _beta_density(a, b, x))]


@register_grad(sm.BetaIncInv)
def _betaincinv_grad(op, node, inputs, gz):
    # implicit function theorem on I_x(a, b) = y
    a, b, _ = inputs
    x = node.outputs[0]
    gy = T.true_div(gz[0], _beta_density(a, b, x))
    da, db = T.betainc_da(a, b, x), T.betainc_db(a, b, x)
    return [T.neg(T.mul(gy, da)), T.neg(T.mul(gy, db)), gy]


register_grad(sm.BetaIncDParam, lambda op, node, inputs, gz: [
    grad_not_implemented(op, i, v, "second derivatives of betainc") for i, v in enumerate(inputs)])


@register_grad(sm.Beta)
def _beta_grad(op, node, inputs, gz):
    a, b = inputs
    dab = T.psi(T.add(a, b))
    g = T.mul(gz[0], node.outputs[0])
    return [T.mul(g, T.sub(T.psi(a), dab)), T.mul(g, T.sub(T.psi(b), dab))]


@register_grad(sm.BetaLn)
def _betaln_grad(op, node, inputs, gz):
    a, b = inputs
    dab = T.psi(T.add(a, b))
    return [T.mul(gz[0], T.sub(T.psi(a), dab)), T.mul(gz[0], T.sub(T.psi(b), dab))]


@register_grad(sm.XLogY)
def _xlogy_grad(op, node, inputs, gz):
    x, y = inputs
    return [T.mul(gz[0], T.log(y)), T.mul(gz[0], T.true_div(x, y))]


@register_grad(sm.XLog1pY)
def _xlog1py_grad(op, node, inputs, gz):
    x, y = inputs
    return [T.mul(gz[0], T.log1p(y)), T.mul(gz[0], T.true_div(x, T.add(y, 1)))]


def _bessel_rule(dx):
    """Bessel functions of order ``v`` (first input): the gradient wrt ``v``
    is not implemented, the one wrt ``x`` is ``dx(v, x, out)`` (from the
    order-recurrences)."""

    def rule(op, node, inputs, gz):
        v, x = inputs
        return [grad_not_implemented(op, 0, v, "derivative wrt the order"),
                T.mul(gz[0], dx(v, x, node.outputs[0]))]

    return rule


register_grad(sm.Jv, _bessel_rule(lambda v, x, out: T.mul(0.5, T.sub(T.jv(T.sub(v, 1), x), T.jv(T.add(v, 1), x)))))
register_grad(sm.Iv, _bessel_rule(lambda v, x, out: T.mul(0.5, T.add(T.iv(T.sub(v, 1), x), T.iv(T.add(v, 1), x)))))
# ive = iv * exp(-|x|)
register_grad(sm.Ive, _bessel_rule(lambda v, x, out: T.sub(
    T.mul(0.5, T.add(T.ive(T.sub(v, 1), x), T.ive(T.add(v, 1), x))), T.mul(T.sign(x), out))))
register_grad(sm.Kv, _bessel_rule(lambda v, x, out: T.mul(-0.5, T.add(T.kv(T.sub(v, 1), x), T.kv(T.add(v, 1), x)))))
# kve = kv * exp(x)
register_grad(sm.Kve, _bessel_rule(lambda v, x, out: T.add(
    T.mul(-0.5, T.add(T.kve(T.sub(v, 1), x), T.kve(T.add(v, 1), x))), out)))


@register_grad(sm.OwensT)
def _owens_t_grad(op, node, inputs, gz):
    h, a = inputs
    h2 = T.sqr(h)
    gh = T.mul(-1.0 / (2.0 * _SQRT_2PI), T.exp(T.mul(-0.5, h2)), T.erf(T.mul(a, h, float(np.sqrt(0.5)))))
    one_a2 = T.add(1, T.sqr(a))
    ga = T.true_div(T.exp(T.mul(-0.5, h2, one_a2)), T.mul(2.0 * np.pi, one_a2))
    return [T.mul(gz[0], gh), T.mul(gz[0], ga)]


@register_grad(sm.Hyp2F1)
def _hyp2f1_grad(op, node, inputs, gz):
    # wrt the parameters for z < 1 (Hyp2F1DParam), wrt z everywhere
    a, b, c, z = inputs
    dz = T.mul(T.true_div(T.mul(a, b), c), T.hyp2f1(T.add(a, 1), T.add(b, 1), T.add(c, 1), z))
    return [T.mul(gz[0], d(a, b, c, z)) for d in (T.hyp2f1_da, T.hyp2f1_db, T.hyp2f1_dc)] + [T.mul(gz[0], dz)]


register_grad(sm.Hyp2F1DParam, lambda op, node, inputs, gz: [
    grad_not_implemented(op, i, v, "second derivatives of hyp2f1") for i, v in enumerate(inputs)])


# Complex numbers.  Gradients wrt a complex input are complex(d/d re, d/d im)
# of a real cost, as in PyTensor.


def _is_complex(v):
    return v.type.dtype.startswith("complex")


@register_grad(sm._ComplexPart)
def _complex_part_grad(op, node, inputs, gz):
    # for a complex input the gradient puts gz in the matching part
    zero = T.zeros_like(gz[0])
    if _is_complex(inputs[0]):
        parts = [zero, zero]
        parts[op.part] = gz[0]
        return [T.complex(*parts)]
    # a real x is its own real part; its imaginary part is constant 0
    return [gz[0] if op.part == 0 else zero]


register_grad(sm.Conj, lambda op, node, inputs, gz: [T.conj(gz[0])])


@register_grad(sm.Angle)
def _angle_grad(op, node, inputs, gz):
    x = inputs[0]
    if not _is_complex(x):
        return [T.zeros_like(gz[0])]
    re, im = T.real(x), T.imag(x)
    g = T.true_div(gz[0], T.add(T.sqr(re), T.sqr(im)))
    return [T.complex(T.neg(T.mul(g, im)), T.mul(g, re))]


register_grad(sm.Complex, lambda op, node, inputs, gz: [T.real(gz[0]), T.imag(gz[0])])
