"""Elementwise fusion (elemwise_fusion) and reduction fusion (reduce_fusion):
the structure of the fused graphs, their values against the unfused graph
and NumPy, and the absence of cycles on random graphs."""
import pickle

import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
import tensorsmith_rewriter as tr
from tensorsmith.compile.mode import get_mode
from tensorsmith_graphcore import FunctionGraph
from tensorsmith_rewriter import RewriteTrace
from tensorsmith_rewriter.fusion import ElemwiseFusion, fusion_order, fusion_regions
from tensorsmith_tensorops.composite import Composite, CompositeBuilder, FusedReduce
from tensorsmith_tensorops.elemwise import Elemwise
from tensorsmith_tensorops import math as tm

FUSION = ("fusion",)
UNFUSED = get_mode("FAST_RUN").excluding("fusion")
NOINPLACE = get_mode("FAST_RUN").excluding("inplace")


def compiled(inputs, outputs, mode="FAST_RUN"):
    return ts.function(inputs, outputs, mode=mode, on_unused_input="ignore")


def nodes_of(f):
    return f.maker.fgraph.toposort()


def composites(nodes):
    return [n for n in nodes if isinstance(n.op, Elemwise) and isinstance(n.op.scalar_op, Composite)]


def is_elemwise(n):
    return isinstance(n.op, Elemwise)


def check_maximal(fgraph):
    """Every edge p -> n between two elementwise nodes left in ``fgraph`` is
    needed: fusing p and n would make a cycle (another path leads from p to
    n), or p is read elsewhere and has another static shape than n."""
    clients = fgraph.clients
    for n in fgraph.toposort():
        if not is_elemwise(n):
            continue
        for v in n.inputs:
            p = v.owner
            if p is None or not is_elemwise(p):
                continue
            # another path from p to n?
            stack = [c for o in p.outputs for c, _ in clients[o] if not isinstance(c, str) and c is not n]
            seen = set()
            found = False
            while stack:
                c = stack.pop()
                if c is n:
                    found = True
                    break
                if c in seen:
                    continue
                seen.add(c)
                stack.extend(d for o in c.outputs for d, _ in clients[o] if not isinstance(d, str))
            if found:
                continue
            read_elsewhere = any(isinstance(c, str) or c is not n for o in p.outputs for c, _ in clients[o])
            shape_differs = any(o.type.shape != n.outputs[0].type.shape for o in p.outputs)
            assert read_elsewhere and shape_differs, f"{p} -> {n} could be fused"


# -- the expression of the issue -------------------------------------------------


def test_expression_is_one_node():
    x = pt.dvector("x")
    y = pt.exp(-x ** 2) * pt.sin(3 * x) + pt.log1p(x ** 2) / (1 + pt.cosh(x))
    f = compiled([x], y)
    (node,) = nodes_of(f)
    assert isinstance(node.op.scalar_op, Composite)
    assert node.inputs == [f.maker.fgraph.inputs[0]]  # the constants are inside
    xv = np.linspace(-3, 3, 101)
    np.testing.assert_allclose(f(xv), np.exp(-xv ** 2) * np.sin(3 * xv) + np.log1p(xv ** 2) / (1 + np.cosh(xv)),
                               rtol=1e-14)


def test_structure_equals_expected_composite():
    x, y = pt.dvector("x"), pt.dmatrix("y")
    out = tr.rewrite_graph(pt.exp(x) * y + 1.0, include=FUSION)
    b = CompositeBuilder()
    i0, i1 = b.input(), b.input()
    expected = b.build([b.apply(tm.add.scalar_op, b.apply(tm.mul.scalar_op, b.apply(tm.exp.scalar_op, i0), i1),
                                b.constant(np.float64(1.0)))])
    assert out.owner.op == Elemwise(expected)
    assert out.owner.inputs == [x, y]
    assert out.type == (pt.exp(x) * y + 1.0).type


def test_single_nodes_and_non_elementwise_boundaries():
    x, w = pt.dvector("x"), pt.dmatrix("w")
    e = pt.exp(pt.dot(w, pt.exp(x)))
    out = tr.rewrite_graph(e, include=FUSION)
    assert out.owner.op == tm.exp and out.owner.inputs[0].owner.op.__class__.__name__ != "Elemwise"
    inner = out.owner.inputs[0].owner.inputs[1]
    assert inner.owner.op == tm.exp
    # elementwise work on both sides of a dot: two composites, the dot between
    y = pt.sin(pt.dot(w, pt.exp(x) + 1) * 2)
    f = compiled([x, w], y, NOINPLACE)
    ns = nodes_of(f)
    assert len(composites(ns)) == 2 and len(ns) == 3
    xv, wv = np.linspace(0, 1, 3), np.arange(6.0).reshape(2, 3) / 6
    np.testing.assert_allclose(f(xv, wv), np.sin(wv @ (np.exp(xv) + 1) * 2), rtol=1e-14)


def test_multi_output_region():
    x, w = pt.dvector("x"), pt.dmatrix("w")
    e = pt.exp(x)
    # e read by an elementwise node and by a dot: one composite gives both
    f = compiled([x, w], [pt.sin(e) + 1, pt.dot(w, e)], NOINPLACE)
    ns = nodes_of(f)
    (c,) = composites(ns)
    assert len(c.outputs) == 2 and len(ns) == 2
    # two regions reading the same value: one composite, two outputs
    f2 = compiled([x], [e + 1, e * 2], NOINPLACE)
    (c2,) = nodes_of(f2)
    assert isinstance(c2.op.scalar_op, Composite) and len(c2.outputs) == 2
    xv, wv = np.linspace(0, 1, 3), np.arange(6.0).reshape(2, 3)
    r = f(xv, wv)
    np.testing.assert_allclose(r[0], np.sin(np.exp(xv)) + 1, rtol=1e-15)
    np.testing.assert_allclose(r[1], wv @ np.exp(xv), rtol=1e-15)
    r2 = f2(xv)
    np.testing.assert_allclose(r2[0], np.exp(xv) + 1, rtol=1e-15)
    np.testing.assert_allclose(r2[1], np.exp(xv) * 2, rtol=1e-15)


def test_smaller_inner_values_and_shape_rule():
    x, s = pt.dmatrix("x"), pt.dscalar("s")
    # exp(s) is a scalar broadcast inside the region: fused
    f = compiled([x, s], pt.exp(s) * x + 1)
    (node,) = nodes_of(f)
    assert isinstance(node.op.scalar_op, Composite)
    xv = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(f(xv, 0.5), np.exp(0.5) * xv + 1, rtol=1e-15)
    # exp(s) is also an output: it cannot be an output of a (2, 3) composite
    f2 = compiled([x, s], [pt.exp(s) * x + 1, pt.exp(s)], NOINPLACE)
    ns = nodes_of(f2)
    assert any(n.op == tm.exp for n in ns)
    r = f2(xv, 0.5)
    assert r[1].shape == () and r[0].shape == (2, 3)
    np.testing.assert_allclose(r[0], np.exp(0.5) * xv + 1, rtol=1e-15)


def test_no_cycle_through_an_outside_node():
    x, w = pt.dmatrix("x"), pt.dmatrix("w")
    h = pt.tanh(x + 1)
    y = h * pt.dot(h, w) + 2  # h -> dot -> mul, and h -> mul
    f = compiled([x, w], y, NOINPLACE)
    ns = nodes_of(f)
    assert len(composites(ns)) == 2
    check_maximal(f.maker.fgraph)
    xv, wv = np.linspace(-1, 1, 9).reshape(3, 3), np.eye(3) * 0.5
    hv = np.tanh(xv + 1)
    np.testing.assert_allclose(f(xv, wv), hv * (hv @ wv) + 2, rtol=1e-15)


def test_trace_and_exclusion():
    x = pt.dvector("x")
    trace = RewriteTrace()
    tr.rewrite_graph(pt.exp(x) + 1, include=FUSION, trace=trace)
    assert trace.counts().get("elemwise_fusion") == 1
    out = tr.rewrite_graph(pt.exp(x) + 1, include=("fast_run",), exclude=("elemwise_fusion", "inplace"))
    assert out.owner.op == tm.add
    f = compiled([x], pt.exp(x) + 1, UNFUSED)
    assert len(nodes_of(f)) == 2


# -- dtypes ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint16", "float32", "float64"])
def test_dtypes_follow_the_unfused_graph(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None,))
    y = pt.tensor("y", dtype="int16", shape=(None,))
    outs = [(x * 3 + y) // 2, pt.switch(x < y, x - 1, y * 2), pt.cast(x, "float32") * 1.5 + 2, (x + 1) / 3]
    f = compiled([x, y], outs, NOINPLACE)
    g = compiled([x, y], outs, UNFUSED)
    assert len(nodes_of(f)) < len(nodes_of(g))
    xv = np.array([1, 2, 100, 7, 0], dtype=dtype)
    yv = np.array([3, -2, 50, 7, 1], dtype="int16")
    for a, b, o in zip(f(xv, yv), g(xv, yv), outs):
        assert a.dtype == b.dtype == o.type.dtype
        np.testing.assert_array_equal(a, b)


# -- N-term sums -------------------------------------------------------------


def nterm(x, n, shared):
    rng = np.random.default_rng(n)
    a, b, c = rng.normal(size=(3, n))
    if shared:
        A, B, C = ([ts.shared(v) for v in vs] for vs in (a, b, c))
    else:
        A, B, C = ([float(v) for v in vs] for vs in (a, b, c))
    y = C[0] * pt.sin(A[0] * x + B[0])
    for k in range(1, n):
        y = y + C[k] * pt.sin(A[k] * x + B[k])
    return y, (a, b, c)


@pytest.mark.parametrize("n,shared", [(500, False), (2000, False), (500, True)])
def test_n_term_sum_is_one_node(n, shared):
    x = pt.dvector("x")
    y, (a, b, c) = nterm(x, n, shared)
    f = compiled([x], y)
    (node,) = nodes_of(f)
    comp = node.op.scalar_op
    assert isinstance(comp, Composite)
    if shared:  # x once, each shared scalar once
        assert len(node.inputs) == 1 + 3 * n
    else:  # the Python floats are constants of the composite
        assert len(node.inputs) == 1 and len(comp.constants) >= 2 * n
    xv = np.linspace(-1, 1, 50)
    ref = (c[:, None] * np.sin(a[:, None] * xv + b[:, None])).sum(0)
    np.testing.assert_allclose(f(xv), ref, rtol=1e-10, atol=1e-12)


def test_fusion_pass_is_linear_in_practice():
    """The pass on a 6000-node region builds one node (structure, not time)."""
    x = pt.dvector("x")
    y, _ = nterm(x, 2000, False)
    fg = FunctionGraph([x], [y], clone=False, copy_on_write=True)
    regions = fusion_regions(fg)
    assert len(regions) == 1 and len(regions[0][1]) == len(fg.apply_nodes)
    assert ElemwiseFusion().apply(fg) == 1
    assert len(fg.apply_nodes) == 1


# -- reductions --------------------------------------------------------------


def test_sum_exp_is_one_pass():
    x = pt.dmatrix("x")
    m = pt.max(x, axis=1, keepdims=True)
    y = pt.sum(pt.exp(x - m), axis=1)
    f = compiled([x], y)
    fr = [n for n in nodes_of(f) if isinstance(n.op, FusedReduce)]
    assert len(fr) == 1 and not [n for n in nodes_of(f) if is_elemwise(n)]
    assert fr[0].op.reduce_op == pt.sum(x, axis=1).owner.op
    xv = np.random.default_rng(0).normal(size=(4, 7))
    np.testing.assert_allclose(f(xv), np.exp(xv - xv.max(1, keepdims=True)).sum(1), rtol=1e-14)


def test_reduce_fusion_structure_and_limits():
    x = pt.dmatrix("x")
    out = tr.rewrite_graph(pt.max(pt.abs(x) * 2, axis=0), include=FUSION)
    assert isinstance(out.owner.op, FusedReduce) and out.owner.inputs == [x]
    assert out.owner.op.reduce_op == pt.max(x, axis=0).owner.op
    # the elementwise result is read elsewhere too: not fused (no recomputation)
    e = pt.exp(x)
    outs = tr.rewrite_graph([pt.sum(e, axis=0), e], include=FUSION)
    assert outs[0].owner.op == pt.sum(x, axis=0).owner.op
    # a reduction over no axis is left alone
    out = tr.rewrite_graph(pt.sum(pt.exp(x), axis=()), include=FUSION)
    assert not isinstance(out.owner.op, FusedReduce)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "float32"])
def test_reduce_fusion_dtypes(dtype):
    x = pt.tensor("x", dtype=dtype, shape=(None, None))
    outs = [pt.sum(x * 3, axis=0), pt.prod(x + 1, axis=1), pt.sum(x * x), pt.min(x - 1, axis=1)]
    f = compiled([x], outs)
    g = compiled([x], outs, UNFUSED)
    assert len([n for n in nodes_of(f) if isinstance(n.op, FusedReduce)]) == 4
    xv = (np.arange(12) % 5).reshape(3, 4).astype(dtype)
    for a, b, o in zip(f(xv), g(xv), outs):
        assert a.dtype == b.dtype == o.type.dtype
        np.testing.assert_allclose(a, b, rtol=1e-6)


# -- the MLP training step ------------------------------------------------------


@pytest.mark.parametrize("loss_kind", ["squared", "softmax"])
def test_mlp_training_step(loss_kind):
    rng = np.random.default_rng(0)
    X, Y = pt.dmatrix("X"), pt.dmatrix("Y")

    def params():
        r = np.random.default_rng(1)
        return [ts.shared(r.normal(size=(4, 8))), ts.shared(np.zeros(8)), ts.shared(r.normal(size=(8, 8))),
                ts.shared(np.zeros(8)), ts.shared(r.normal(size=(8, 3))), ts.shared(np.zeros(3))]

    def step(mode):
        W1, b1, W2, b2, W3, b3 = ps_ = params()
        h1 = pt.tanh(pt.dot(X, W1) + b1)
        h2 = pt.maximum(pt.dot(h1, W2) + b2, 0)
        z = pt.dot(pt.sigmoid(h2), W3) + b3
        if loss_kind == "softmax":
            p = pt.exp(z - pt.max(z, axis=1, keepdims=True))
            p = p / pt.sum(p, axis=1, keepdims=True)
            loss = -pt.mean(pt.sum(Y * pt.log(p), axis=1))
        else:
            loss = pt.mean((pt.sigmoid(z) - Y) ** 2)
        gs = ts.grad(loss, ps_)
        f = ts.function([X, Y], loss, updates=[(p_, p_ - 0.1 * g) for p_, g in zip(ps_, gs)], mode=mode)
        return f, ps_

    f, pf = step(NOINPLACE)
    g, pg = step(UNFUSED)
    nf, ng = nodes_of(f), nodes_of(g)
    assert len(composites(nf)) >= 6 and len(nf) < len(ng)
    check_maximal(f.maker.fgraph)
    with pytest.raises(AssertionError, match="could be fused"):  # the check can fail
        check_maximal(g.maker.fgraph)
    xv, yv = rng.normal(size=(5, 4)), rng.random((5, 3))
    for _ in range(3):
        np.testing.assert_allclose(f(xv, yv), g(xv, yv), rtol=1e-12)
    for a, b in zip(pf, pg):
        np.testing.assert_allclose(a.get_value(), b.get_value(), rtol=1e-12)


# -- random graphs -----------------------------------------------------------

SHAPES = {"m": (None, None), "row": (1, None), "col": (None, 1), "v": (None,), "s": ()}
VALUE_SHAPES = {"m": (3, 4), "row": (1, 4), "col": (3, 1), "v": (4,), "s": ()}


def random_graph(rng, n_nodes=40):
    inputs, values, pool = [], [], []
    for k, (kind, dtype) in enumerate([("m", "float64"), ("row", "float64"), ("col", "float32"), ("v", "int32"),
                                       ("s", "float64"), ("m", "int8"), ("v", "float64")]):
        v = pt.tensor(f"in{k}", dtype=dtype, shape=SHAPES[kind])
        inputs.append(v)
        pool.append(v)
        if dtype.startswith("int"):
            values.append(rng.integers(-5, 6, size=VALUE_SHAPES[kind]).astype(dtype))
        else:
            values.append(rng.uniform(-1.5, 1.5, size=VALUE_SHAPES[kind]).astype(dtype))
    binary = [pt.add, pt.sub, pt.mul, pt.maximum, pt.minimum]
    unary_float = [pt.sin, pt.tanh, pt.exp, pt.cos, lambda a: pt.log1p(pt.abs(a))]
    unary_any = [pt.neg, pt.abs, pt.sqr]
    for _ in range(n_nodes):
        a = pool[rng.integers(len(pool))]
        b = pool[rng.integers(len(pool))]
        r = rng.random()
        if r < 0.35:
            v = binary[rng.integers(len(binary))](a, b)
        elif r < 0.45:
            v = a * float(rng.normal()) + int(rng.integers(1, 4))
        elif r < 0.6:
            f = unary_float[rng.integers(len(unary_float))]
            v = f(pt.cast(a, "float64") if not a.type.dtype.startswith("float") else a * 0.5)
        elif r < 0.7:
            v = unary_any[rng.integers(len(unary_any))](a)
        elif r < 0.78:
            v = pt.switch(a < b, a, b * 2)
        elif r < 0.86 and a.type.ndim >= 1:  # non-elementwise, shape-keeping
            v = pt.cumsum(a, axis=-1)
        elif r < 0.93 and a.type.ndim >= 1:
            v = pt.sum(a, axis=-1, keepdims=True)
        else:
            v = pt.cast(a, "float32")
        if v.type.dtype == "int8":  # keep the int8 values small
            v = v // 4
        pool.append(v)
    k = int(rng.integers(3, 7))
    outs = [pool[len(inputs) + int(i)] for i in rng.choice(len(pool) - len(inputs), size=k, replace=False)]
    return inputs, values, outs


@pytest.mark.parametrize("seed", range(12))
def test_random_graphs_values_and_no_cycles(seed):
    rng = np.random.default_rng(seed)
    inputs, values, outs = random_graph(rng)
    f = compiled(inputs, outs, NOINPLACE)
    g = compiled(inputs, outs, UNFUSED)
    fg = f.maker.fgraph
    fg.check_integrity()
    order = fusion_order(fg)  # raises on a cycle
    assert len(order) == len(fg.apply_nodes)
    with np.errstate(all="ignore"):
        rf, rg = f(*values), g(*values)
    for a, b, o in zip(rf, rg, outs):
        assert a.dtype == b.dtype == o.type.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, equal_nan=True)
    # no elementwise node was recomputed: fused graphs hold fewer nodes
    assert len(fg.apply_nodes) <= len(g.maker.fgraph.apply_nodes)


def test_random_graphs_fuse_something():
    total = 0
    for seed in range(6):
        inputs, values, outs = random_graph(np.random.default_rng(seed))
        total += len(composites(nodes_of(compiled(inputs, outs, NOINPLACE))))
    assert total >= 6


# -- pickling ----------------------------------------------------------------


def test_fused_graph_pickles():
    x = pt.dvector("x")
    y = pt.exp(-x ** 2) * pt.sin(3 * x) + pt.log1p(x ** 2) / (1 + pt.cosh(x))
    out = tr.rewrite_graph(y, include=FUSION)
    assert isinstance(out.owner.op.scalar_op, Composite)
    x2, out2 = pickle.loads(pickle.dumps((x, out)))
    assert out2.owner.op == out.owner.op
    f = ts.function([x2], out2, mode="FAST_COMPILE")
    xv = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(f(xv), np.exp(-xv ** 2) * np.sin(3 * xv) + np.log1p(xv ** 2) / (1 + np.cosh(xv)),
                               rtol=1e-14)


def test_regions_feeding_each_other_fuse_in_one_pass():
    """A model whose gradients share values (a hierarchical normal
    log-density and its gradients): the region walk repeats over the regions
    it made, so one call of the pass's round leaves one node (it used to
    take three rounds, each rebuilding the composites), and the values are
    those of the unfused graph."""
    n = 12
    rng = np.random.default_rng(3)
    mu, sigma = pt.dscalar("mu"), pt.dscalar("sigma")
    ts_ = [pt.dscalar(f"t{i}") for i in range(n)]
    ys = rng.normal(size=n).tolist()
    logp = -0.5 * mu ** 2 - sigma
    for t, yv in zip(ts_, ys):
        logp = logp + (-0.5 * ((t - mu) / sigma) ** 2 - pt.log(sigma) - 0.5 * (yv - t) ** 2)
    wrt = [mu, sigma] + ts_
    outs = [logp] + list(ts.grad(logp, wrt))
    args = [0.1, 1.3] + rng.normal(size=n).tolist()
    g = ts.function(wrt, outs, mode=UNFUSED.excluding("inplace"))
    fg = g.maker.fgraph.clone()
    assert ElemwiseFusion()._round(fg, None) == 1
    assert len(fg.apply_nodes) == 1
    check_maximal(fg)
    f = ts.function(wrt, outs, mode=NOINPLACE)
    assert len(f.maker.fgraph.apply_nodes) == 1
    for a, b in zip(f(*args), g(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
