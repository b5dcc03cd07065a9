"""The stabilize passes (tensorsmith_rewriter/stabilize.py): for each rule the
rewritten graph (``rewrite_graph(..., include=("stabilize", "merge"))``)
against the expected one, and the values against NumPy/SciPy in FAST_RUN and
in a pipeline of the stabilize stage alone; the unstable expressions at
|x| = 1000, their values and gradients, finite and accurate after FAST_RUN
where evaluating them as written (FAST_COMPILE, FAST_RUN excluding
stabilize) overflows."""
import numpy as np
import pytest
import scipy.special as sp

import tensorsmith as ts
import tensorsmith.tensor as pt
from tensorsmith import get_mode
from tensorsmith_graphcore import equal_computations
from tensorsmith_rewriter import rewrite_graph
from tensorsmith_tensorops.math import cast, second
from tensorsmith_tensorops.nnet.losses import LogSoftmax, Softmax
from tensorsmith_tensorops.reduction import LogSumExp
from tensorsmith_tensorops.shape import DimShuffle

FAST_RUN = get_mode("FAST_RUN")
# the stabilize stage alone (with the merges)
STAB_ONLY = get_mode("FAST_COMPILE").including("stabilize")
UNSTABLE = [get_mode("FAST_COMPILE"), get_mode("FAST_RUN").excluding("stabilize")]


def stab(out):
    return rewrite_graph(out, include=("stabilize", "merge"))


def assert_graph(out, expected):
    got = stab(out)
    got_l = got if isinstance(got, list) else [got]
    exp_l = expected if isinstance(expected, list) else [expected]
    if not equal_computations(got_l, exp_l):
        ts.dprint(got_l)
        print("expected:")
        ts.dprint(exp_l)
        raise AssertionError("the rewritten graph is not the expected one")


def ops_in(out):
    """The (scalar) op names of the rewritten graph."""
    got = stab(out)
    names = set()
    stack = [got] if not isinstance(got, list) else list(got)
    seen = set()
    while stack:
        v = stack.pop()
        n = v.owner
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        names.add(str(n.op).split("{")[0])
        stack.extend(n.inputs)
    return names


def check_values(inputs, out, ref, vals, rtol=1e-7, atol=0.0, modes=(FAST_RUN, STAB_ONLY)):
    want = ref(*vals)
    for mode in modes:
        f = ts.function(inputs, out, mode=mode)
        got = f(*vals)
        assert got.dtype == out.type.dtype
        assert got.shape == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


rng = np.random.default_rng(1234)
X = rng.normal(size=7) * 3
XS = np.array([-1e-9, 1e-12, 3e-8, -0.3, 0.7, 2.5, -0.9])  # near 0 and not
XNEG = -np.abs(X) - 1e-3  # log(1 - exp(x)) needs x < 0


# ---------------------------------------------------------------------------
# log(1 + x), log(1 - x)
# ---------------------------------------------------------------------------


def test_log_one_plus_x_is_log1p_both_orders():
    x = pt.vector("x")
    for e in (pt.log(1 + x), pt.log(x + 1), pt.log(pt.add(1, x)), pt.log(pt.add(x, np.float64(1)))):
        assert_graph(e, pt.log1p(x))
    check_values([x], pt.log(x + 1), np.log1p, [XS], rtol=1e-12)
    # as written, log(1 + 1e-12) loses the digits
    f = ts.function([x], pt.log(1 + x), mode=UNSTABLE[0])
    assert abs(f(XS)[1] - 1e-12) > 1e-17


def test_log_one_plus_sum_of_terms():
    x, y = pt.vectors("x", "y")
    e = pt.log(pt.add(x, 1.0, y))
    assert_graph(e, pt.log1p(pt.add(x, y)))
    check_values([x, y], e, lambda a, b: np.log1p(a + b), [XS, XS[::-1] * 1e-3], rtol=1e-12)


def test_log_one_minus_x_is_log1p_neg():
    x = pt.vector("x")
    assert_graph(pt.log(1 - x), pt.log1p(pt.neg(x)))
    check_values([x], pt.log(1 - x), lambda a: np.log1p(-a), [XS / 10], rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_one_of_any_float_dtype(dtype):
    x = pt.vector("x", dtype="float32")
    one = pt.constant(np.ones((), dtype=dtype))
    e = pt.log(pt.add(one, x))
    got = stab(e)
    assert got.type == e.type
    assert "log1p" in ops_in(e) and "log" not in ops_in(e)
    xv = (XS / 10).astype("float32")
    check_values([x], e, lambda a: np.log1p(a.astype(e.type.dtype)), [xv], rtol=1e-6)


def test_array_of_ones_same_shape_and_broadcast():
    x = pt.vector("x")
    ones4 = pt.constant(np.ones(4))
    # x of unknown length may be of length 1: broadcast back to 4
    assert_graph(pt.log(ones4 + x), second(ones4, pt.log1p(x)))
    x4 = pt.tensor("x4", dtype="float64", shape=(4,))
    assert_graph(pt.log(ones4 + x4), pt.log1p(x4))
    # ones of shape (3, 4) broadcast x (4,) to (3, 4): the result is broadcast back
    ones34 = pt.constant(np.ones((3, 4)))
    e = pt.log(ones34 + x)
    assert e.type.shape == (3, 4)
    assert_graph(e, second(ones34, pt.log1p(x)))
    xv = np.array([0.1, 1e-10, -0.5, 2.0])
    check_values([x], e, lambda a: np.broadcast_to(np.log1p(a), (3, 4)), [xv], rtol=1e-12)
    # a constant of ones with a length-1 axis: shape (1, 4) still enlarges a vector to 2-d
    ones14 = pt.constant(np.ones((1, 1)))
    e = pt.log(ones14 + x)
    assert_graph(e, second(ones14, pt.log1p(x)))
    check_values([x], e, lambda a: np.log1p(a)[None, :], [xv], rtol=1e-12)


def test_ones_of_shape_4_broadcasting_a_length1_input():
    # x has a static length 1: ones(4) + x is (4,), log1p(x) would be (1,)
    x = pt.tensor("x", dtype="float64", shape=(1,))
    ones4 = pt.constant(np.ones(4))
    e = pt.log(ones4 + x)
    assert_graph(e, second(ones4, pt.log1p(x)))
    check_values([x], e, lambda a: np.full(4, np.log1p(a[0])), [np.array([1e-11])], rtol=1e-12)
    # x of unknown length holding 1 element at run time
    xu = pt.vector("xu")
    e = pt.log(ones4 + xu)
    check_values([xu], e, lambda a: np.full(4, np.log1p(a[0])), [np.array([1e-11])], rtol=1e-12)


def test_not_one_does_not_fire():
    x = pt.vector("x")
    for e in (pt.log(2 + x), pt.log(pt.constant(np.array([1.0, 2.0])) + x), pt.log(x - 1)):
        assert "log1p" not in ops_in(e)
        assert_graph(e, e)


def test_integer_and_complex_inputs():
    xi = pt.vector("xi", dtype="int64")
    e = pt.log(1 + xi)  # float64 out
    got = stab(e)
    assert got.type == e.type
    check_values([xi], e, lambda a: np.log1p(a), [np.array([0, 1, 5, 1000])], rtol=1e-12)
    xc = pt.vector("xc", dtype="complex128")
    e = pt.log(1 + pt.exp(xc))
    assert_graph(e, e)  # no real-only stable op for complex values


# ---------------------------------------------------------------------------
# softplus, log1mexp, expm1
# ---------------------------------------------------------------------------


def test_log_one_plus_exp_is_softplus():
    x = pt.vector("x")
    for e in (pt.log(1 + pt.exp(x)), pt.log(pt.exp(x) + 1), pt.log1p(pt.exp(x))):
        assert_graph(e, pt.softplus(x))
        check_values([x], e, lambda a: np.logaddexp(0, a), [X], rtol=1e-12)


def test_log1p_exp_float32():
    x = pt.vector("x", dtype="float32")
    e = pt.log1p(pt.exp(x))
    assert_graph(e, pt.softplus(x))
    xv = np.array([-100, -3, 0, 3, 100], dtype="float32")
    check_values([x], e, lambda a: np.logaddexp(np.float32(0), a), [xv], rtol=1e-6)


def test_exp_minus_one_is_expm1():
    x = pt.vector("x")
    for e in (pt.exp(x) - 1, pt.add(pt.exp(x), -1.0), pt.add(-1.0, pt.exp(x))):
        assert_graph(e, pt.expm1(x))
    check_values([x], pt.exp(x) - 1, np.expm1, [XS], rtol=1e-12)


def test_one_minus_exp_is_neg_expm1():
    x = pt.vector("x")
    for e in (1 - pt.exp(x), pt.add(1.0, pt.neg(pt.exp(x))), pt.add(pt.neg(pt.exp(x)), 1.0)):
        assert_graph(e, pt.neg(pt.expm1(x)))
    check_values([x], 1 - pt.exp(x), lambda a: -np.expm1(a), [XS], rtol=1e-12)


def test_add_one_minus_exp_keeps_other_terms():
    x, y = pt.vectors("x", "y")
    e = pt.add(y, 1.0, pt.neg(pt.exp(x)))
    assert_graph(e, pt.add(pt.neg(pt.expm1(x)), y))
    check_values([x, y], e, lambda a, b: b - np.expm1(a), [XS, X], rtol=1e-12)


def test_log_one_minus_exp_is_log1mexp():
    x = pt.vector("x")
    ref = lambda a: np.log(-np.expm1(a))  # noqa: E731
    for e in (pt.log(1 - pt.exp(x)), pt.log1p(pt.neg(pt.exp(x))), pt.log(pt.neg(pt.expm1(x))),
              pt.log(pt.mul(-1.0, pt.expm1(x))), pt.log(pt.add(1.0, pt.neg(pt.exp(x))))):
        assert_graph(e, pt.log1mexp(x))
        check_values([x], e, ref, [XNEG], rtol=1e-12)
    # near 0 and far below, where 1 - exp(x) loses everything
    xv = np.array([-1e-20, -1e-10, -800.0])
    f = ts.function([x], pt.log(1 - pt.exp(x)), mode=FAST_RUN)
    np.testing.assert_allclose(f(xv), [np.log(1e-20), np.log(-np.expm1(-1e-10)), -np.exp(-800.0)], rtol=1e-14)
    with np.errstate(divide="ignore"):
        r = ts.function([x], pt.log(1 - pt.exp(x)), mode=UNSTABLE[0])(xv)
    assert r[0] == -np.inf and r[2] == 0.0


# ---------------------------------------------------------------------------
# sigmoid
# ---------------------------------------------------------------------------


def test_log_sigmoid():
    x = pt.vector("x")
    assert_graph(pt.log(pt.sigmoid(x)), pt.log_sigmoid(x))
    check_values([x], pt.log(pt.sigmoid(x)), sp.log_expit, [X * 100], rtol=1e-12)


def test_one_minus_sigmoid():
    x = pt.vector("x")
    for e in (1 - pt.sigmoid(x), pt.add(1.0, pt.neg(pt.sigmoid(x)))):
        assert_graph(e, pt.sigmoid(pt.neg(x)))
    check_values([x], 1 - pt.sigmoid(x), lambda a: sp.expit(-a), [X * 10], rtol=1e-12)


def test_log_one_minus_sigmoid():
    x = pt.vector("x")
    # 1 - sigmoid(x) -> sigmoid(-x) first (inputs first), then log_sigmoid
    assert_graph(pt.log(1 - pt.sigmoid(x)), pt.log_sigmoid(pt.neg(x)))
    assert_graph(pt.log1p(pt.neg(pt.sigmoid(x))), pt.neg(pt.softplus(x)))
    for e in (pt.log(1 - pt.sigmoid(x)), pt.log1p(pt.neg(pt.sigmoid(x)))):
        check_values([x], e, lambda a: -np.logaddexp(0, a), [X * 100], rtol=1e-12)


def test_exp_log_sigmoid_is_sigmoid():
    x = pt.vector("x")
    assert_graph(pt.exp(pt.log_sigmoid(x)), pt.sigmoid(x))
    check_values([x], pt.exp(pt.log_sigmoid(x)), sp.expit, [X], rtol=1e-12)


# ---------------------------------------------------------------------------
# softmax, logsumexp
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, None, (0, 1)])
def test_log_softmax(axis):
    x = pt.matrix("x")
    e = pt.log(pt.special.softmax(x, axis=axis))
    axes = (0, 1) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    assert_graph(e, LogSoftmax(axes)(x))
    xv = rng.normal(size=(3, 4)) * 50
    check_values([x], e, lambda a: sp.log_softmax(a, axis=axis), [xv], rtol=1e-10, atol=1e-10)


def test_exp_log_softmax_is_softmax():
    x = pt.matrix("x")
    e = pt.exp(pt.special.log_softmax(x, axis=1))
    assert_graph(e, Softmax((1,))(x))
    xv = rng.normal(size=(3, 4))
    check_values([x], e, lambda a: sp.softmax(a, axis=1), [xv], rtol=1e-12)


@pytest.mark.parametrize("axis", [0, 1, None, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_log_sum_exp(axis, keepdims):
    x = pt.matrix("x")
    e = pt.log(pt.sum(pt.exp(x), axis=axis, keepdims=keepdims))
    expected = pt.logsumexp(x, axis=axis, keepdims=keepdims)
    assert_graph(e, expected)
    xv = rng.normal(size=(3, 4)) * 5
    check_values([x], e, lambda a: sp.logsumexp(a, axis=axis, keepdims=keepdims), [xv], rtol=1e-12)


def test_log_sum_exp_accumulation_dtype():
    x = pt.vector("x", dtype="float32")
    e = pt.log(pt.sum(pt.exp(x), dtype="float64"))
    assert e.type.dtype == "float64"
    assert_graph(e, LogSumExp((0,))(cast(x, "float64")))
    xv = np.array([80.0, 90.0, -3.0], dtype="float32")  # exp(90) overflows float32
    check_values([x], e, lambda a: sp.logsumexp(a.astype("float64")), [xv], rtol=1e-12)


def test_log_sum_exp_other_reductions_do_not_fire():
    x = pt.vector("x")
    for e in (pt.log(pt.prod(pt.exp(x))), pt.log(pt.sum(pt.exp(x)) + 2), pt.log(pt.sum(pt.sqr(x)))):
        assert "LogSumExp" not in ops_in(e)


# ---------------------------------------------------------------------------
# log(exp(x)), erf/erfc
# ---------------------------------------------------------------------------


def test_log_exp_floats_only():
    x = pt.vector("x")
    assert_graph(pt.log(pt.exp(x)), x)
    check_values([x], pt.log(pt.exp(x)), lambda a: a, [X * 300], rtol=0)
    xi = pt.vector("xi", dtype="int32")
    e = pt.log(pt.exp(xi))  # float64 of an int: not x itself
    assert_graph(e, e)


def test_one_minus_erf_erfc():
    x = pt.vector("x")
    assert_graph(1 - pt.erf(x), pt.erfc(x))
    assert_graph(1 - pt.erfc(x), pt.erf(x))
    assert_graph(pt.add(1.0, pt.neg(pt.erf(x))), pt.erfc(x))
    xv = np.array([-3.0, -0.5, 0.0, 1e-9, 2.0, 6.0, 20.0])
    check_values([x], 1 - pt.erf(x), sp.erfc, [xv], rtol=1e-12)
    check_values([x], 1 - pt.erfc(x), sp.erf, [xv], rtol=1e-12)


def _log_erfc_ref(a):
    # log(erfc(a)) = log(2) + log_ndtr(-a sqrt(2)), finite in the tail
    return np.log(2.0) + sp.log_ndtr(-a * np.sqrt(2.0))


def test_log_erfc():
    x = pt.vector("x")
    e = pt.log(pt.erfc(x))
    p, n = pt.maximum(x, 0), pt.minimum(x, 0)
    expected = (pt.log(pt.erfcx(p)) - pt.sqr(p)) + pt.log1p(pt.erf(pt.neg(n)))
    assert_graph(e, expected)
    xv = np.array([-30.0, -3.0, -0.5, 0.0, 0.5, 3.0, 30.0, 1000.0])
    check_values([x], e, _log_erfc_ref, [xv], rtol=1e-12)
    with np.errstate(divide="ignore"):
        r = ts.function([x], e, mode=UNSTABLE[0])(xv)
    assert np.isneginf(r[-1]) and np.isneginf(r[-2])
    # log(1 - erf(x)) goes through erfc
    e2 = pt.log(1 - pt.erf(x))
    assert_graph(e2, expected)
    check_values([x], e2, _log_erfc_ref, [xv], rtol=1e-12)
    check_values([x], pt.log1p(pt.neg(pt.erf(x))), _log_erfc_ref, [xv], rtol=1e-12)


def test_log_erfc_float32():
    x = pt.vector("x", dtype="float32")
    e = pt.log(pt.erfc(x))
    assert stab(e).type == e.type
    xv = np.array([-5.0, 0.0, 2.0, 12.0, 100.0], dtype="float32")
    check_values([x], e, lambda a: _log_erfc_ref(a.astype("float64")), [xv], rtol=1e-5)


# ---------------------------------------------------------------------------
# products (the gradients' forms)
# ---------------------------------------------------------------------------


def test_exp_over_one_plus_exp_is_sigmoid():
    x, g = pt.vectors("x", "g")
    for e in (pt.exp(x) / (1 + pt.exp(x)), pt.exp(x) * pt.reciprocal(pt.exp(x) + 1)):
        assert_graph(e, pt.sigmoid(x))
    e = (g / (1 + pt.exp(x))) * pt.exp(x)  # the gradient of log(1 + exp(x))
    assert_graph(e, pt.mul(g, pt.sigmoid(x)))
    xv = np.array([-1000.0, -3.0, 0.0, 2.0, 1000.0])
    gv = np.array([1.0, 2.0, -1.0, 0.5, 3.0])
    check_values([x, g], e, lambda a, b: b * sp.expit(a), [xv, gv], rtol=1e-12)
    e = -(pt.exp(x) / (pt.exp(x) + 1))
    assert_graph(e, pt.neg(pt.sigmoid(x)))


def test_product_forms_pow_and_nesting():
    x = pt.vector("x")
    e = pt.exp(x) * pt.pow(1 + pt.exp(x), -1.0)
    assert_graph(e, pt.sigmoid(x))
    # an exponent that broadcasts is not a plain division: left alone
    m1 = pt.constant(-np.ones((2, 1)))
    e = pt.exp(x) * pt.pow(1 + pt.exp(x), m1)
    assert "sigmoid" not in ops_in(e)
    # a product inside a product of another rank, under a DimShuffle
    s = pt.scalar("s")
    v = pt.vector("v")
    w = pt.matrix("w")
    inner = v * (pt.exp(s) / (1 + pt.exp(s)))
    e = w * pt.shape_padleft(inner)
    assert "sigmoid" in ops_in(e) and "exp" not in ops_in(e)
    wv = np.ones((2, 3))
    vv = np.array([1.0, 2.0, 3.0])
    for sv in (1000.0, -3.0):
        check_values([w, v, s], e, lambda a, b, c: a * (b * sp.expit(c))[None, :],
                     [wv, vv, np.array(sv)], rtol=1e-12)


def test_one_over_one_plus_exp_is_sigmoid():
    x, g = pt.vectors("x", "g")
    assert_graph(1 / (1 + pt.exp(pt.neg(x))), pt.sigmoid(x))
    assert_graph(g / (pt.exp(x) + 1), pt.mul(g, pt.sigmoid(pt.neg(x))))
    # then log(sigmoid)
    e = pt.log(1 / (1 + pt.exp(-x)))
    assert_graph(e, pt.log_sigmoid(x))
    check_values([x], e, sp.log_expit, [np.array([-1000.0, -3.0, 0.0, 2.0, 1000.0])], rtol=1e-12)
    # a 1 that broadcasts (the constant of shape (2, 1)) is kept
    c = pt.constant(np.ones((2, 1)))
    e = c / (1 + pt.exp(x))
    assert_graph(e, pt.mul(c, pt.sigmoid(pt.neg(x))))


def test_exp_times_sigmoid_neg_is_sigmoid():
    x = pt.vector("x")
    e = pt.exp(x) * pt.sigmoid(pt.neg(x))
    assert_graph(e, pt.sigmoid(x))
    check_values([x], e, sp.expit, [np.array([-1000.0, 0.0, 3.0, 1000.0])], rtol=1e-12)


@pytest.mark.parametrize("axis", [0, 1, None])
def test_exp_over_sum_exp_is_softmax(axis):
    x = pt.matrix("x")
    e = pt.exp(x) / pt.sum(pt.exp(x), axis=axis, keepdims=True)
    axes = (0, 1) if axis is None else (axis,)
    assert_graph(e, Softmax(axes)(x))
    xv = rng.normal(size=(3, 4)) * 300
    check_values([x], e, lambda a: sp.softmax(a, axis=axis), [xv], rtol=1e-10, atol=1e-300)
    if axis is None:  # a scalar sum broadcasts without keepdims
        e = pt.exp(x) / pt.sum(pt.exp(x))
        assert_graph(e, Softmax((0, 1))(x))


def test_exp_over_sum_exp_other_axes_does_not_fire():
    x = pt.matrix("x")
    # the sum over axis 0 expanded as if over axis 1 (a transpose of a square): not a softmax
    s = pt.sum(pt.exp(x), axis=0)
    e = pt.exp(x) / DimShuffle(1, (0, "x"))(s)
    assert "Softmax" not in ops_in(e)
    y = pt.matrix("y")
    e = pt.exp(x) / pt.sum(pt.exp(y), axis=1, keepdims=True)
    assert "Softmax" not in ops_in(e)


def test_cancellation():
    x, g = pt.vectors("x", "g")
    s = pt.sigmoid(x)
    e = (g / s) * (s * (1 - s))  # the gradient of log(sigmoid(x))
    assert_graph(e, pt.mul(g, pt.sigmoid(pt.neg(x))))
    xv = np.array([-1000.0, -3.0, 0.0, 2.0, 1000.0])
    gv = np.array([1.0, 2.0, -1.0, 0.5, 3.0])
    check_values([x, g], e, lambda a, b: b * sp.expit(-a), [xv, gv], rtol=1e-12)


def test_cancellation_through_sqr():
    x, g = pt.vectors("x", "g")
    s = pt.sigmoid(x)
    e = (g / s) * pt.sqr(s)  # what the canonical product of s * s looks like
    assert_graph(e, pt.mul(g, s))
    xv = np.array([-1000.0, -3.0, 0.0, 2.0])
    gv = np.array([1.0, 2.0, -1.0, 0.5])
    check_values([x, g], e, lambda a, b: b * sp.expit(a), [xv, gv], rtol=1e-12)


def test_cancellation_only_of_positive_functions():
    x, y = pt.vectors("x", "y")
    e = (x / y) * y  # y = 0 gives NaN: not cancelled
    assert_graph(e, e)
    e = (x / pt.exp(y)) * pt.exp(y)  # exp(y) > 0 for finite y, rounds to 0 / inf
    assert_graph(e, second(y, x))  # y: exp(y)'s shape
    check_values([x, y], e, lambda a, b: a, [np.array([1.0, 2.0]), np.array([-1000.0, 1000.0])], rtol=0)
    sm = pt.special.softmax(y)
    e = (x / sm) * sm
    assert_graph(e, second(y, x))


def test_cancellation_keeps_the_broadcast_shape():
    g = pt.vector("g")
    m = pt.matrix("m")
    s = pt.exp(m)
    e = g * s / s  # (?, ?): the cancelled factor gave the shape
    got = stab(e)
    assert got.type == e.type
    gv = np.array([1.0, 2.0, 3.0])
    mv = np.zeros((2, 3))
    check_values([g, m], e, lambda a, b: np.broadcast_to(a, (2, 3)), [gv, mv], rtol=0)


def test_distribute_log_softmax_gradient_form():
    x, g = pt.vectors("x", "g")
    sm = pt.special.softmax(x)
    d = g / sm
    e = (d - pt.sum(d * sm, keepdims=True)) * sm
    # g / sm * sm is g broadcast to sm's shape, x's (g could be of length 1)
    gs = second(x, g)
    assert_graph(e, pt.sub(gs, pt.mul(pt.sum(gs, keepdims=True), sm)))
    xv = np.array([1000.0, -1000.0, 0.0, 5.0])
    gv = np.array([1.0, 2.0, -1.0, 0.5])
    ref = lambda a, b: b - b.sum() * sp.softmax(a)  # noqa: E731
    check_values([x, g], e, ref, [xv, gv], rtol=1e-12, atol=1e-300)
    # with static shapes that agree, nothing to broadcast back
    x4, g4 = (pt.tensor(n, dtype="float64", shape=(4,)) for n in "xg")
    sm = pt.special.softmax(x4)
    d = g4 / sm
    e = (d - pt.sum(d * sm, keepdims=True)) * sm
    assert_graph(e, pt.sub(g4, pt.mul(pt.sum(g4, keepdims=True), sm)))
    check_values([x4, g4], e, ref, [xv, gv], rtol=1e-12, atol=1e-300)
    # a divisor that does not cancel: nothing gained, left alone
    y = pt.vector("y")
    e = (g / y - x) * y
    assert_graph(e, e)


# ---------------------------------------------------------------------------
# The unstable expressions at |x| = 1000: values and gradients
# ---------------------------------------------------------------------------

XBIG = [np.array([1000.0]), np.array([-1000.0]), np.array([1000.0, -1000.0, 0.0, 3.0, -2.0, 1000.0])]


def _softplus_grad(a):
    return sp.expit(a)


CASES = {
    "log(1+exp(x))": (lambda x: pt.log(1 + pt.exp(x)), lambda a: np.logaddexp(0, a), sp.expit),
    "log(sigmoid(x))": (lambda x: pt.log(pt.sigmoid(x)), sp.log_expit, lambda a: sp.expit(-a)),
    "log(1-sigmoid(x))": (lambda x: pt.log(1 - pt.sigmoid(x)), lambda a: -np.logaddexp(0, a),
                          lambda a: -sp.expit(a)),
    "log(sum(exp(x)))": (lambda x: pt.log(pt.sum(pt.exp(x))), sp.logsumexp, sp.softmax),
    "log(softmax(x))": (lambda x: pt.log(pt.special.softmax(x)), sp.log_softmax,
                        lambda a: 1.0 - a.size * sp.softmax(a)),
}


def _overflows(v):
    return not np.all(np.isfinite(v))


@pytest.mark.parametrize("name", list(CASES))
def test_stable_values_at_1000(name):
    build, ref, _ = CASES[name]
    x = pt.vector("x")
    e = build(x)
    f = ts.function([x], e, mode="FAST_RUN")
    unstable = [ts.function([x], e, mode=m) for m in UNSTABLE]
    bad = 0
    for xv in XBIG:
        got = f(xv)
        want = ref(xv)
        assert np.all(np.isfinite(got)), (name, xv, got)
        np.testing.assert_allclose(got, want, rtol=1e-12)
        with np.errstate(all="ignore"):
            for u in unstable:
                r = u(xv)
                bad += _overflows(r)
    # as written it overflows (each unstable mode, on some input)
    assert bad >= len(UNSTABLE), name


@pytest.mark.parametrize("name", list(CASES))
def test_stable_gradients_at_1000(name):
    build, _, dref = CASES[name]
    x = pt.vector("x")
    e = build(x)
    g = pt.grad(pt.sum(e), x)
    f = ts.function([x], g, mode="FAST_RUN")
    unstable = [ts.function([x], g, mode=m) for m in UNSTABLE]
    bad = 0
    for xv in XBIG:
        got = f(xv)
        assert np.all(np.isfinite(got)), (name, xv, got)
        np.testing.assert_allclose(got, dref(xv), rtol=1e-12, atol=1e-300)
        with np.errstate(all="ignore"):
            for u in unstable:
                bad += _overflows(u(xv))
    assert bad >= len(UNSTABLE), name
    # and at ordinary values, against finite differences
    xv = np.array([0.3, -1.2, 2.0])
    fe = ts.function([x], pt.sum(e), mode="FAST_RUN")
    h = 1e-6
    num = np.array([(fe(xv + h * np.eye(3)[k]) - fe(xv - h * np.eye(3)[k])) / (2 * h) for k in range(3)])
    np.testing.assert_allclose(f(xv), num, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [0, 1])
def test_stable_matrix_forms_and_gradients(dtype, axis):
    x = pt.matrix("x", dtype=dtype)
    xv = np.array([[1000.0, -1000.0, 0.0], [3.0, -2.0, 500.0]], dtype=dtype)
    rtol = 1e-5 if dtype == "float32" else 1e-12
    forms = [
        (pt.log(pt.sum(pt.exp(x), axis=axis)), lambda a: sp.logsumexp(a, axis=axis),
         lambda a: sp.softmax(a, axis=axis)),
        (pt.log(pt.sum(pt.exp(x), axis=axis, keepdims=True)),
         lambda a: sp.logsumexp(a, axis=axis, keepdims=True), lambda a: sp.softmax(a, axis=axis)),
        (pt.log(pt.special.softmax(x, axis=axis)), lambda a: sp.log_softmax(a, axis=axis),
         lambda a: 1.0 - a.shape[axis] * sp.softmax(a, axis=axis)),
    ]
    for e, ref, dref in forms:
        g = pt.grad(pt.sum(e), x)
        v, gv = ts.function([x], [e, g], mode="FAST_RUN")(xv)
        assert v.dtype == dtype and gv.dtype == dtype
        a = xv.astype("float64")
        np.testing.assert_allclose(v, ref(a), rtol=rtol)
        np.testing.assert_allclose(gv, dref(a), rtol=rtol, atol=1e-30)


def test_stable_ops_own_gradients():
    x = pt.vector("x")
    xv = np.array([1000.0, -1000.0, 0.0, 3.0])
    xn = np.array([-1000.0, -1e-5, -3.0])
    for e, xs, dref in [
        (pt.softplus(x), xv, sp.expit),
        (pt.log_sigmoid(x), xv, lambda a: sp.expit(-a)),
        (pt.logsumexp(x), xv, sp.softmax),
        (pt.special.log_softmax(x), xv, lambda a: 1.0 - a.size * sp.softmax(a)),
        (pt.log1mexp(x), xn, lambda a: -np.exp(a) / -np.expm1(a)),
    ]:
        g = pt.grad(pt.sum(e), x)
        with np.errstate(over="ignore"):  # log1mexp's: -1 / expm1(-x), expm1(1000) = inf
            got = ts.function([x], g, mode="FAST_RUN")(xs)
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, dref(xs), rtol=1e-10, atol=1e-300)


def test_product_left_by_stabilize_cleaned_in_specialize():
    """The gradient of ``sum(log(sigmoid(x)))`` is ``sigmoid(-x)``: the
    factor of ones that stabilize leaves (``DimShuffle{x}(1.0)``) is folded
    and dropped in specialize (constant_folding and mul_canonical run there
    too)."""
    x = pt.dvector("x")
    y = pt.sum(pt.log(pt.sigmoid(x)))
    g = ts.grad(y, x)
    f = ts.function([x], g, mode=FAST_RUN.excluding("fusion", "inplace"))
    (out,) = f.maker.fgraph.outputs
    assert equal_computations([out], [pt.sigmoid(pt.neg(x))], [f.maker.fgraph.inputs[0]], [x])
    v = np.array([-1000.0, -3.0, 0.0, 2.5, 1000.0])
    np.testing.assert_allclose(f(v), sp.expit(-v), rtol=1e-12)
    kept = ts.function([x], g, mode=FAST_RUN.excluding("fusion", "inplace", "mul_canonical"))
    assert len(kept.maker.fgraph.apply_nodes) > 2  # without the rule the product stays
