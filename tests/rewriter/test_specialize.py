"""specialize: pow forms, gemm/gemv, sum(x*y) -> dot; structural and value
tests, and the cases the rules must leave alone."""
import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
import tensorsmith_rewriter as tr
from tensorsmith_graphcore import equal_computations
from tensorsmith_tensorops import math as tm
from tensorsmith_tensorops.products import Gemm, Gemv, _dot, gemm, gemv

SPEC = ("specialize",)
rng = np.random.default_rng(1)
XV = rng.uniform(0.5, 2.0, size=5)


def rw(e, include=SPEC):
    return tr.rewrite_graph(e, include=include)


def c(v, dtype="float64"):
    return pt.constant(np.asarray(v, dtype=dtype))


def run(inputs, out, values):
    return ts.function(inputs, out, mode="FAST_RUN")(*values)


@pytest.mark.parametrize("p, build, ref", [
    (2.0, lambda x: tm.sqr(x), lambda v: v**2),
    (3.0, lambda x: tm.mul(tm.sqr(x), x), lambda v: v**3),
    (4.0, lambda x: tm.sqr(tm.sqr(x)), lambda v: v**4),
    (0.5, lambda x: tm.sqrt(x), np.sqrt),
    (-1.0, lambda x: tm.reciprocal(x), lambda v: 1 / v),
    (-0.5, lambda x: tm.reciprocal(tm.sqrt(x)), lambda v: 1 / np.sqrt(v)),
    (-2.0, lambda x: tm.reciprocal(tm.sqr(x)), lambda v: 1 / v**2),
])
def test_pow_forms(p, build, ref):
    x = pt.dvector("x")
    e = tm.pow(x, c(p))
    assert equal_computations([rw(e)], [build(x)])
    np.testing.assert_allclose(run([x], e, [XV]), ref(XV), rtol=1e-12)


def test_pow_int():
    i = pt.lvector("i")
    e = tm.pow(i, c(3, "int64"))
    assert equal_computations([rw(e)], [tm.mul(tm.sqr(i), i)])
    iv = np.array([2, -3, 5], dtype="int64")
    assert run([i], e, [iv]).tolist() == (iv**3).tolist()
    e2 = tm.pow(i, c(-1, "int64"))  # not a reciprocal for integers
    assert rw(e2) is e2


def test_pow_not_fired():
    x = pt.dvector("x")
    e = tm.pow(x, c(np.full((2, 1), 0.5)))  # the exponent broadcasts x
    assert rw(e) is e
    e2 = tm.pow(x, c([0.5, 2.0, 0.5, 0.5, 0.5]))  # not all equal
    assert rw(e2) is e2
    e3 = tm.pow(x, c(1.5))
    assert rw(e3) is e3


def test_gemm_scaled():
    A, B, C = pt.dmatrix("A"), pt.dmatrix("B"), pt.dmatrix("C")
    e = 2.0 * pt.dot(A, B) + 3.0 * C
    r = rw(e)
    assert isinstance(r.owner.op, Gemm)
    assert equal_computations([r], [gemm(C, c(2.0), A, B, c(3.0))])
    av, bv, cv = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(run([A, B, C], e, [av, bv, cv]), 2 * av @ bv + 3 * cv)


def test_gemm_after_canonicalize_sub_and_scalar_alpha():
    A, B, C = pt.fmatrix("A"), pt.fmatrix("B"), pt.fmatrix("C")
    a = pt.fscalar("a")
    e = C - a * pt.dot(A, B)
    f = ts.function([A, B, C, a], e, mode="FAST_RUN")
    assert any(isinstance(n.op, Gemm) for n in f.maker.fgraph.toposort())
    av, bv, cv = (rng.normal(size=s).astype("float32") for s in [(3, 4), (4, 2), (3, 2)])
    out = f(av, bv, cv, np.float32(0.5))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, cv - 0.5 * av @ bv, rtol=1e-5)


def test_gemm_bias_vector_broadcast():
    X, W = pt.dmatrix("X"), pt.dmatrix("W")
    b = pt.dvector("b")
    e = pt.dot(X, W) + b
    r = rw(e)
    assert isinstance(r.owner.op, Gemm)
    xv, wv, bv = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    np.testing.assert_allclose(run([X, W, b], e, [xv, wv, bv]), xv @ wv + bv)


def test_gemv():
    A = pt.dmatrix("A")
    x, y = pt.dvector("x"), pt.dvector("y")
    e = pt.dot(A, x) * 2.0 + y
    r = rw(e)
    assert isinstance(r.owner.op, Gemv)
    av, xv, yv = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    np.testing.assert_allclose(run([A, x, y], e, [av, xv, yv]), 2 * av @ xv + yv)
    e2 = pt.dot(y, A) - x  # vector-matrix: gemv of the transpose
    assert isinstance(rw(e2).owner.op, Gemv)
    np.testing.assert_allclose(run([A, x, y], e2, [av, xv, yv]), yv @ av - xv)


def test_gemm_not_fired():
    A, B, C = pt.dmatrix("A"), pt.dmatrix("B"), pt.dmatrix("C")
    d = pt.dot(A, B)
    e = d + C
    e2 = e * d  # the dot has another client: no gemm
    r = rw(e2)
    assert not any(isinstance(n.op, Gemm) for n in _nodes(r))
    ia, ib = pt.lmatrix("ia"), pt.lmatrix("ib")
    e3 = pt.dot(ia, ib) + ia  # integers: no BLAS
    assert rw(e3) is e3
    f = pt.fmatrix("f")
    e4 = pt.dot(A, B) + f  # mixed float64/float32: left alone
    assert not any(isinstance(n.op, Gemm) for n in _nodes(rw(e4)))


def test_gemm_found_among_many_scaled_terms():
    """A scaled dot after many terms scaled by constants (read quickly as no
    dot) is still found, in each of its forms."""
    A, B = pt.dmatrix("A"), pt.dmatrix("B")
    Cs = [pt.dmatrix(f"C{k}") for k in range(20)]
    d = pt.dot(A, B)
    av, bv = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    cvs = [rng.normal(size=(3, 2)) for _ in Cs]
    rest = tm.add(*[tm.mul(ck, c(float(k + 2))) for k, ck in enumerate(Cs)])
    ref_rest = sum((k + 2) * cv for k, cv in enumerate(cvs))
    for e, alpha in [(tm.add(rest, tm.mul(d, c(3.0))), 3.0), (tm.sub(rest, d), -1.0),
                     (tm.add(rest, tm.neg(d)), -1.0)]:
        r = rw(e)
        assert isinstance(r.owner.op, Gemm), e
        out = ts.function([A, B] + Cs, e, mode="FAST_RUN")(av, bv, *cvs)
        np.testing.assert_allclose(out, ref_rest + alpha * av @ bv, rtol=1e-12)


def test_gemm_two_dots():
    """As many dots as terms: the terms are read in order; the first dot wins."""
    A, B, C, D = (pt.dmatrix(n) for n in "ABCD")
    e = tm.add(tm.mul(pt.dot(A, B), c(2.0)), tm.mul(pt.dot(C, D), c(3.0)))
    r = rw(e)
    assert isinstance(r.owner.op, Gemm) and r.owner.inputs[2] is A
    vals = [rng.normal(size=(3, 3)) for _ in range(4)]
    np.testing.assert_allclose(run([A, B, C, D], e, vals),
                               2 * vals[0] @ vals[1] + 3 * vals[2] @ vals[3], rtol=1e-12)


def test_gemm_reads_few_terms_of_a_big_sum(monkeypatch):
    """A big sum offered again after each of its n terms was rewritten
    (x**3 -> sqr(x) * x) looks only at its dot terms each time (here none: the
    dot of the graph is another sum's): the work of the rule is linear in n."""
    import tensorsmith_rewriter.specialize as S

    calls = {}
    for n in (100, 200):
        count = [0]
        orig = S._scaled_dot

        def counted(*a, _orig=orig, _count=count):
            _count[0] += 1
            return _orig(*a)

        monkeypatch.setattr(S, "_scaled_dot", counted)
        A, B = pt.dvector("A"), pt.dmatrix("B")
        xs = [pt.dvector(f"x{k:04d}") for k in range(n)]
        e = tm.add(*[tm.pow(x, c(3.0)) for x in xs])
        t = tr.RewriteTrace()
        r, r2 = tr.rewrite_graph([e, pt.dot(B, A) + A], include=SPEC, trace=t)
        monkeypatch.undo()
        calls[n] = count[0]
        assert isinstance(r2.owner.op, Gemv) and t.tried["gemm"] >= n  # offered again and again
    assert calls[200] <= 2 * calls[100] + 2, calls


def test_specialize_rules_offered_their_ops_only():
    x = pt.dvector("x")
    e = 2.0 * pt.sin(x) + pt.exp(x)
    t = tr.RewriteTrace()
    tr.rewrite_graph(e, include=SPEC, trace=t)
    # gemm sees the add only, mul_canonical the mul only, pow_specialize
    # nothing (no pow); constant_folding tracks every op
    assert t.tried["gemm"] == 1 and t.tried["mul_canonical"] == 1
    assert set(t.tried) == {"gemm", "mul_canonical", "constant_folding"}


def _nodes(v):
    from tensorsmith_graphcore.graph import toposort

    return toposort([v])


def test_gemm_op_direct_and_grad():
    A, B, C = pt.dmatrix("A"), pt.dmatrix("B"), pt.dmatrix("C")
    al, be = pt.dscalar("al"), pt.dscalar("be")
    out = gemm(C, al, A, B, be)
    av, bv, cv = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    f = ts.function([C, al, A, B, be], out, mode="FAST_COMPILE")
    np.testing.assert_allclose(f(cv, 0.5, av, bv, 2.0), 0.5 * av @ bv + 2 * cv)
    cost = (out**2).sum()
    ref = ((be * C + al * pt.dot(A, B)) ** 2).sum()
    wrt = [C, al, A, B, be]
    g1 = ts.function(wrt, ts.grad(cost, wrt), mode="FAST_COMPILE")(cv, 0.5, av, bv, 2.0)
    g2 = ts.function(wrt, ts.grad(ref, wrt), mode="FAST_COMPILE")(cv, 0.5, av, bv, 2.0)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    with pytest.raises(TypeError):
        gemm(pt.lmatrix("i"), al, A, B, be)
    y = pt.dvector("y")
    v = pt.dvector("v")
    gv = gemv(y, al, A, v, be)
    cost = gv.sum()
    ref = (be * y + al * pt.dot(A, v)).sum()
    yv, vv = rng.normal(size=3), rng.normal(size=4)
    wrt = [y, al, A, v, be]
    g1 = ts.function(wrt, ts.grad(cost, wrt), mode="FAST_COMPILE")(yv, 0.5, av, vv, 2.0)
    g2 = ts.function(wrt, ts.grad(ref, wrt), mode="FAST_COMPILE")(yv, 0.5, av, vv, 2.0)
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_sum_mul_to_dot():
    x = pt.dvector("x", shape=(4,))
    y = pt.dvector("y", shape=(4,))
    e = pt.sum(x * y)
    assert equal_computations([rw(e)], [_dot(x, y)])
    xv, yv = rng.normal(size=4), rng.normal(size=4)
    np.testing.assert_allclose(run([x, y], e, [xv, yv]), xv @ yv)
    z = pt.dvector("z")
    e2 = pt.sum(tm.sqr(z))  # same variable: lengths equal even if unknown
    assert equal_computations([rw(e2)], [_dot(z, z)])
    np.testing.assert_allclose(run([z], e2, [xv]), xv @ xv)


def test_sum_mul_not_fired_when_lengths_unknown():
    x, y = pt.dvector("x"), pt.dvector("y")
    e = pt.sum(x * y)  # y could have length 1 (broadcast), which dot refuses
    assert rw(e) is e
    np.testing.assert_allclose(run([x, y], e, [XV, np.array([2.0])]), (XV * 2).sum())
    i, j = pt.lvector("i", shape=(3,)), pt.lvector("j", shape=(3,))
    e2 = pt.sum(i * j)  # integers
    assert rw(e2) is e2
