"""Reverse mode over the toy scalar ops, checked against finite differences."""
import math
import warnings

import pytest

import tensorsmith_autodiff as ad
from tensorsmith_autodiff import (
    NOT_DIFFERENTIABLE, DisconnectedGrad, DisconnectedInputError, GradNotImplementedError,
    GradUndefinedError, MissingTypeHookError, NullGrad, NullGradientError, disconnected,
    get_grad_rule, grad, has_grad_rule, pullback, register_grad,
)
from tensorsmith_graphcore import Apply, Constant, Op, Type, Variable, ancestors

import toyops as T
from toyops import add, cos, div, exp, fconst, ftype, function, itype, log, mul, numeric_grad, sin, sub


def check_grad(build, point, rtol=1e-5, atol=1e-6):
    xs = [ftype(f"x{i}") for i in range(len(point))]
    cost = build(*xs)
    gs = grad(cost, xs)
    f = function(xs, [cost] + list(gs))
    vals = f(*point)
    num = numeric_grad(lambda *p: f(*p)[0], point)
    for a, b in zip(vals[1:], num):
        assert a == pytest.approx(b, rel=rtol, abs=atol)
    return xs, cost, gs


EXPRS = {
    "mul_sin_exp": (lambda x, y: mul(sin(x), exp(y)), [0.3, -0.7]),
    "div_log": (lambda x, y: div(log(x), add(y, 2.0)), [1.7, 0.4]),
    "sub_cos": (lambda x, y: sub(cos(mul(x, y)), mul(x, x)), [0.9, 1.1]),
    "sqrt_hypot": (lambda x, y: mul(T.sqrt(x), T.hypot(x, y)), [2.0, 0.5]),
    "pow_int": (lambda x: T.pow_(x, 3), [1.3]),
    "sincos_both": (lambda x: mul(*T.sincos(x)), [0.6]),
    "sincos_one_output": (lambda x: mul(T.sincos(x)[1], x), [0.6]),
    "polar": (lambda r, t: add(mul(*T.polar_to_cart(r, t)), T.polar_to_cart(r, t)[0]), [1.5, 0.8]),
    "L_op_method": (lambda x: T.square(sin(x)), [0.4]),
    "grad_method": (lambda x: T.cube(add(x, 1.0)), [0.4]),
    "reuse": (lambda x: mul(mul(x, x), mul(x, sin(x))), [0.7]),
    "int_path": (lambda x: mul(T.to_float(T.floor(x)), x), [2.5]),
}


@pytest.mark.parametrize("name", sorted(EXPRS))
def test_grad_matches_finite_differences(name):
    build, point = EXPRS[name]
    check_grad(build, point)


def test_structure_and_names():
    x, y = ftype("x"), ftype("y")
    c = mul(x, sin(y))
    c.name = "c"
    g = grad(c, x)
    assert isinstance(g, Variable) and g.name == "(dc/dx)"
    gt = grad(c, (x, y))
    assert isinstance(gt, tuple) and len(gt) == 2
    gl = grad(c, [y])
    assert isinstance(gl, list) and gl[0].name == "(dc/dy)"
    c2 = mul(x, cos(y))
    c2.name = "c2"
    assert grad(c2, x, add_names=False).name is None


def test_grad_wrt_cost_and_intermediate():
    x = ftype("x")
    h = sin(x)
    c = mul(h, h)
    f = function([x], [grad(c, c), grad(c, h)])
    assert f(0.3) == pytest.approx([1.0, 2 * math.sin(0.3)])


def test_higher_order():
    x, y = ftype("x"), ftype("y")
    c = mul(sin(x), mul(y, y))
    gx = grad(c, x)
    gxx = grad(gx, x)
    gxxx = grad(gxx, x)
    gxy = grad(gx, y)
    f = function([x, y], [gx, gxx, gxxx, gxy])
    a, b = 0.7, 1.3
    assert f(a, b) == pytest.approx([math.cos(a) * b * b, -math.sin(a) * b * b, -math.cos(a) * b * b,
                                     2 * math.cos(a) * b])


def test_known_grads_and_pullback():
    x = ftype("x")
    h = exp(x)
    y = sin(h)
    g = ftype("g")
    a = grad(None, x, known_grads={y: g})
    b = pullback(y, x, g)
    c = ad.Lop([y], [x], [g])[0]
    f = function([x, g], [a, b, c])
    expect = 2.5 * math.cos(math.exp(0.4)) * math.exp(0.4)
    assert f(0.4, 2.5) == pytest.approx([expect] * 3)
    # known grad on an intermediate variable, no cost
    d = grad(None, x, known_grads={h: g})
    assert function([x, g], [d])(0.4, 2.0) == pytest.approx([2.0 * math.exp(0.4)])
    # a known grad for the cost replaces the seed
    e = grad(y, x, known_grads={y: fconst(3.0)})
    assert function([x], [e])(0.4) == pytest.approx([expect / 2.5 * 3.0])


def test_pullback_multiple_outputs_and_duplicates():
    x, u, v = ftype("x"), ftype("u"), ftype("v")
    s, c = T.sincos(x)
    r = pullback([s, c, s], x, [u, v, u])
    val = function([x, u, v], [r])(0.5, 1.5, -2.0)[0]
    assert val == pytest.approx(2 * 1.5 * math.cos(0.5) + 2.0 * math.sin(0.5))
    # a disconnected output grad
    r2 = pullback([s, c], x, [u, None])
    assert function([x, u], [r2])(0.5, 1.0)[0] == pytest.approx(math.cos(0.5))


def test_consider_constant():
    x = ftype("x")
    s = sin(x)
    c = mul(x, s)
    g = grad(c, x, consider_constant=[s])
    assert function([x], [g])(0.8)[0] == pytest.approx(math.sin(0.8))
    # the constant-considered variable itself can still be asked about
    gs = grad(c, s, consider_constant=[s])
    assert function([x], [gs])(0.8)[0] == pytest.approx(0.8)
    # blocking the only path disconnects x
    c2 = exp(s)
    with pytest.raises(DisconnectedInputError):
        grad(c2, x, consider_constant=[s])


def test_disconnected_inputs_modes():
    x, y = ftype("x"), ftype("my_unused_y")
    c = sin(x)
    with pytest.raises(DisconnectedInputError, match="my_unused_y"):
        grad(c, [x, y])
    with pytest.warns(UserWarning, match="my_unused_y"):
        gx, gy = grad(c, [x, y], disconnected_inputs="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gx, gy = grad(c, [x, y], disconnected_inputs="ignore")
    assert isinstance(gy, Constant) and gy.data == 0.0
    assert grad(c, [x, y], disconnected_inputs="ignore", return_disconnected="none")[1] is None
    assert grad(c, [x, y], disconnected_inputs="ignore", return_disconnected="disconnected")[1] is disconnected
    assert isinstance(disconnected, DisconnectedGrad) and not disconnected
    with pytest.raises(ValueError):
        grad(c, x, disconnected_inputs="bogus")


def test_connection_pattern():
    x, y = ftype("x"), ftype("y")
    c = mul(T.first(x, y), 3.0)
    assert function([x, y], [grad(c, x)])(1.0, 2.0)[0] == 3.0
    # y is not a true ancestor of c: disconnected, like PyTensor
    with pytest.raises(DisconnectedInputError):
        grad(c, y)
    assert grad(c, y, disconnected_inputs="ignore", return_disconnected="none") is None
    # y reaches the cost by another path too
    c2 = add(T.first(x, y), sin(y))
    g = grad(c2, y)
    assert function([x, y], [g])(1.0, 0.3)[0] == pytest.approx(math.cos(0.3))


def test_connection_pattern_multi_output():
    class Swap(Op):
        """(a, b) -> (b, a): a is connected only to output 1."""
        __props__ = ()

        def make_node(self, a, b):
            return Apply(self, [a, b], [ftype.make_variable(), ftype.make_variable()])

        def perform(self, node, inputs, out):
            out[0][0], out[1][0] = inputs[1], inputs[0]

        def connection_pattern(self, node):
            return [[False, True], [True, False]]

    calls = []

    @register_grad(Swap)
    def _swap_grad(op, node, inputs, output_grads):
        calls.append(1)
        return [output_grads[1], output_grads[0]]

    a, b = ftype("a"), ftype("b")
    o0, o1 = Swap()(a, b)
    c = sin(o0)  # depends on b only
    with pytest.raises(DisconnectedInputError):
        grad(c, a)
    gb = grad(c, b)
    assert function([a, b], [gb])(1.0, 0.2)[0] == pytest.approx(math.cos(0.2))


def test_int_inputs_get_zero_gradient():
    x = ftype("x")
    n = itype("n")
    c = T.pow_(x, n)
    gx, gn = grad(c, [x, n])
    assert gn.type == itype and isinstance(gn, Constant) and gn.data == 0
    assert function([x, n], [gx])(1.5, 3)[0] == pytest.approx(3 * 1.5 ** 2)
    # floor is marked not differentiable: the only path from x goes through it,
    # so the gradient is zero (the cost does depend on x), as in PyTensor
    c2 = T.to_float(T.floor(x))
    g2 = grad(c2, x)
    assert isinstance(g2, Constant) and g2.data == 0.0
    # an int wrt not in the graph is still disconnected
    m = itype("m")
    with pytest.raises(DisconnectedInputError):
        grad(c, m)


def test_null_grad_undefined():
    x = ftype("x")
    c = mul(T.heaviside(x), x)
    with pytest.raises(GradUndefinedError) as ei:
        grad(c, x)
    e = ei.value
    assert isinstance(e, NullGradientError) and isinstance(e, TypeError) and isinstance(e, ValueError)
    msg = str(e)
    assert "Heaviside" in msg and "input 0" in msg and "no derivative at 0" in msg and "x" in msg
    assert e.kind == "undefined"
    r = grad(c, x, null_gradients="return")
    assert isinstance(r, NullGrad) and r.kind == "undefined" and r.index == 0


def test_null_grad_not_implemented_and_missing_rule():
    x, y = ftype("x"), ftype("y")
    with pytest.raises(GradNotImplementedError) as ei:
        grad(exp(T.loggamma(x)), x)
    assert isinstance(ei.value, NotImplementedError)
    assert "LogGamma" in str(ei.value) and "digamma" in str(ei.value)
    with pytest.raises(GradNotImplementedError, match="NoRule.*register_grad"):
        grad(sin(T.norule(x)), x)
    # a null gradient that does not reach wrt is harmless
    c = add(mul(x, 2.0), T.heaviside(y))
    assert function([x, y], [grad(c, x)])(1.0, 1.0)[0] == 2.0
    # known_grads may carry null markers too
    with pytest.raises(GradUndefinedError):
        grad(None, x, known_grads={sin(x): ad.grad_undefined(T.sin, 0, x, "testing")})


def test_registry():
    for cls in T.ALL_OP_CLASSES:
        assert has_grad_rule(cls), cls
        assert has_grad_rule(cls())
    assert not has_grad_rule(T.NoRule)
    assert get_grad_rule(T.Floor) is NOT_DIFFERENTIABLE
    assert ad.is_not_differentiable(T.floor)

    class MySin(T.Sin):
        pass

    assert get_grad_rule(MySin) is get_grad_rule(T.Sin)
    x = ftype("x")
    assert function([x], [grad(MySin()(x), x)])(0.2)[0] == pytest.approx(math.cos(0.2))

    class MySin2(T.Sin):
        pass

    register_grad(MySin2, lambda op, node, inputs, ogs: [fconst(42.0)])
    assert function([x], [grad(MySin2()(x), x)])(0.2)[0] == 42.0
    assert get_grad_rule(T.Sin) is not get_grad_rule(MySin2)

    class NoDiff(T.Sin):
        pass

    assert ad.mark_not_differentiable(NoDiff) is NoDiff
    g = grad(NoDiff()(x), x)  # connected, zero gradient
    assert isinstance(g, Constant) and g.data == 0.0
    with pytest.raises(TypeError):
        register_grad(T.sin)  # an instance, not a class


def test_bad_rule_results():
    class Bad(T.Sin):
        pass

    register_grad(Bad, lambda op, node, inputs, ogs: [])
    x = ftype("x")
    with pytest.raises(ValueError, match="Bad"):
        grad(Bad()(x), x)

    class Bad2(T.Sin):
        pass

    register_grad(Bad2, lambda op, node, inputs, ogs: [1.0])
    with pytest.raises(TypeError, match="Bad2"):
        grad(Bad2()(x), x)


def test_missing_type_hooks():
    class BareType(Type):
        __props__ = ()

        def filter(self, v, strict=False, allow_downcast=None):
            return v

    class Ident(Op):
        __props__ = ()

        def make_node(self, a):
            return Apply(self, [a], [BareType().make_variable()])

    register_grad(Ident, lambda op, node, inputs, ogs: [ogs[0]])
    v = BareType()("v")
    with pytest.raises(MissingTypeHookError, match="grad_seed"):
        grad(Ident()(v), v)
    assert issubclass(MissingTypeHookError, TypeError)


def test_errors_on_bad_arguments():
    x = ftype("x")
    with pytest.raises(ValueError):
        grad(None, x)
    with pytest.raises(TypeError):
        grad(sin(x), [x, 1.0])
    with pytest.raises(TypeError):
        grad(1.0, x)


def test_shared_subexpression_summed_once():
    """A variable with many clients gets one sum of its contributions."""
    x = ftype("x")
    h = sin(x)
    terms = [mul(h, fconst(float(k))) for k in range(1, 6)]
    c = terms[0]
    for t in terms[1:]:
        c = add(c, t)
    g = grad(c, x)
    assert function([x], [g])(0.3)[0] == pytest.approx(15 * math.cos(0.3))
    n_add = sum(1 for v in ancestors([g]) if v.owner is not None and isinstance(v.owner.op, T.Add))
    assert n_add == 4  # one add_gradients call over 5 terms (4 binary adds); no others


def test_gradient_graph_is_plain_graph_and_reuses_forward_nodes():
    x = ftype("x")
    e = exp(x)
    g = grad(e, x)
    # Exp's rule reuses its output: the gradient graph contains the forward node
    assert e in ancestors([g])


def test_filter_gradient_hook():
    class Checked(T.FloatType):
        __props__ = ("tag_",)

        def __init__(self, tag_="checked"):
            self.tag_ = tag_

        def filter_gradient(self, var, g):
            if not isinstance(g.type, T.FloatType):
                raise TypeError(f"bad gradient type {g.type}")
            return T.neg(T.neg(g))  # a visible rewrite of the gradient

    ct = Checked()
    v = ct("v")
    c = sin(v)  # toy ops accept any FloatType
    g = grad(c, v)
    assert isinstance(g.owner.op, T.Neg)
    assert function([v], [g])(0.3)[0] == pytest.approx(math.cos(0.3))

    class Rejecting(T.FloatType):
        __props__ = ("tag_",)

        def __init__(self, tag_="rejecting"):
            self.tag_ = tag_

        def filter_gradient(self, var, g):
            raise TypeError("gradient refused")

    w = Rejecting()("w")
    with pytest.raises(TypeError, match="gradient refused") as ei:
        grad(sin(w), w)
    if hasattr(ei.value, "add_note"):
        assert "Sin" in "".join(getattr(ei.value, "__notes__", []))
