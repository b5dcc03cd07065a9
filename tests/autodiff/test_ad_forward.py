"""Forward mode: JVP rules, the double-VJP fallback, agreement with reverse mode."""
import math

import pytest

import tensorsmith_autodiff as ad
from tensorsmith_autodiff import GradNotImplementedError, grad, pullback, pushforward
from tensorsmith_graphcore import Constant, ancestors

import toyops as T
from toyops import add, cos, div, exp, fconst, ftype, function, log, mul, sin, sub


def numeric_jvp(f, point, direction, eps=1e-6):
    hi = [p + eps * d for p, d in zip(point, direction)]
    lo = [p - eps * d for p, d in zip(point, direction)]
    return [(a - b) / (2 * eps) for a, b in zip(f(*hi), f(*lo))]


GRAPHS = {
    # rules everywhere
    "rules": lambda x, y: [mul(sin(x), exp(y)), div(log(add(x, 2.0)), cos(y)), sub(x, T.sqrt(y))],
    "sincos": lambda x, y: list(T.sincos(mul(x, y))),
    "pow": lambda x, y: [T.pow_(add(x, y), 3)],
    # ops without a forward rule: double-VJP fallback (incl. L_op/grad methods, two outputs)
    "fallback": lambda x, y: [T.hypot(x, y), T.square(x), T.cube(y)],
    "fallback_repeated_input": lambda x, y: [T.hypot(x, x), mul(T.square(x), x), T.polar_to_cart(x, x)[1]],
    "fallback_multi": lambda x, y: list(T.polar_to_cart(add(x, 1.0), mul(x, y))),
    "mixed": lambda x, y: [mul(T.hypot(sin(x), y), exp(T.polar_to_cart(x, y)[1]))],
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_pushforward_matches_finite_differences(name):
    x, y, tx, ty = ftype("x"), ftype("y"), ftype("tx"), ftype("ty")
    outs = GRAPHS[name](x, y)
    jv = pushforward(outs, [x, y], [tx, ty])
    assert isinstance(jv, list) and len(jv) == len(outs)
    point, direction = [0.7, 1.3], [0.4, -1.1]
    f = function([x, y, tx, ty], jv)
    g = function([x, y], outs)
    got = f(*point, *direction)
    num = numeric_jvp(g, point, direction)
    assert got == pytest.approx(num, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_forward_and_reverse_agree(name):
    """v . (J u) by pushforward equals (J^T v) . u by pullback."""
    x, y = ftype("x"), ftype("y")
    outs = GRAPHS[name](x, y)
    us = [ftype("u0"), ftype("u1")]
    vs = [ftype(f"v{k}") for k in range(len(outs))]
    ju = pushforward(outs, [x, y], us)
    jtv = pullback(outs, [x, y], vs, disconnected_inputs="ignore")
    lhs = ju[0] if len(outs) == 1 else None
    f = function([x, y] + us + vs, list(ju) + list(jtv))
    point, u, v = [0.9, 0.6], [0.3, -0.8], [1.7, -0.4, 0.25][: len(outs)]
    vals = f(*point, *u, *v)
    ju_vals, jtv_vals = vals[: len(outs)], vals[len(outs):]
    fwd = sum(a * b for a, b in zip(v, ju_vals))
    rev = sum(a * b for a, b in zip(jtv_vals, u))
    assert fwd == pytest.approx(rev, rel=1e-10, abs=1e-12)
    del lhs


def test_fallback_leaves_no_dummy_variable():
    x, y, tx = ftype("x"), ftype("y"), ftype("tx")
    o = T.hypot(x, y)
    jv = pushforward(o, x, tx)
    leaves = [v for v in ancestors([jv]) if v.owner is None and not isinstance(v, Constant)]
    assert set(leaves) <= {x, y, tx}
    jv2 = ad.jvp_via_double_vjp(o.owner, [tx, None])
    assert function([x, y, tx], jv2)(3.0, 4.0, 1.0)[0] == pytest.approx(0.6)


def test_use_fallback_false():
    x = ftype("x")
    with pytest.raises(NotImplementedError, match="Hypot"):
        pushforward(T.hypot(x, x), x, fconst(1.0), use_fallback=False)
    # ops with rules do not need the fallback
    pushforward(sin(x), x, fconst(1.0), use_fallback=False)


def test_rop_alias_none_tangents_and_disconnected_outputs():
    x, y, t = ftype("x"), ftype("y"), ftype("t")
    a = mul(x, y)
    b = sin(y)
    r = ad.Rop([a, b], [x, y], [t, None])
    assert isinstance(r[1], Constant) and r[1].data == 0.0
    assert function([x, y, t], [r[0]])(2.0, 3.0, 0.5)[0] == pytest.approx(1.5)
    assert pushforward([a, b], [x, y], [t, None], return_disconnected="none")[1] is None
    single = pushforward(a, (x,), (t,))
    assert not isinstance(single, (list, tuple))


def test_not_differentiable_and_int_paths():
    x, t = ftype("x"), ftype("t")
    c = mul(T.to_float(T.floor(x)), x)
    jv = pushforward(c, x, t)
    assert function([x, t], [jv])(2.5, 1.0)[0] == pytest.approx(2.0)


def test_fallback_null_gradient_raises():
    x = ftype("x")
    with pytest.raises(GradNotImplementedError, match="LogGamma"):
        pushforward(T.loggamma(x), x, fconst(1.0))


def test_hessian_vector_product_forward_over_reverse():
    x, y, vx, vy = ftype("x"), ftype("y"), ftype("vx"), ftype("vy")
    c = mul(T.hypot(x, y), sin(mul(x, y)))
    gx, gy = grad(c, [x, y])
    hv = pushforward([gx, gy], [x, y], [vx, vy])
    f = function([x, y, vx, vy], hv)
    g = function([x, y], [gx, gy])
    point, direction = [0.8, 1.1], [0.5, -0.3]
    assert f(*point, *direction) == pytest.approx(numeric_jvp(g, point, direction), rel=1e-5, abs=1e-6)
    # reverse over reverse gives the same
    hv2 = grad(None, [x, y], known_grads={gx: vx, gy: vy})
    f2 = function([x, y, vx, vy], hv2)
    assert f2(*point, *direction) == pytest.approx(f(*point, *direction), rel=1e-10)


def test_intermediate_wrt_keeps_its_tangent():
    x, t, s = ftype("x"), ftype("t"), ftype("s")
    h = sin(x)
    c = mul(h, x)
    # h is treated as an independent input: dc = x * s + h * t
    jv = pushforward(c, [x, h], [t, s])
    val = function([x, t, s], [jv])(0.5, 2.0, 3.0)[0]
    assert val == pytest.approx(0.5 * 3.0 + math.sin(0.5) * 2.0)
