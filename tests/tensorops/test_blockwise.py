"""Blockwise (gufunc-style batching of core ops), vectorize_graph and vectorize."""
import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith_autodiff import register_grad
from tensorsmith_graphcore import Apply, Op
from tensorsmith_tensorops.blockwise import Blockwise, parse_signature, vectorize_graph
from tensorsmith_tensorops.products import Dot
from tensorsmith_tensorops.type import TensorType

from .utils import check_grad, compile_eval

rng = np.random.default_rng(0)


class RowSumsAndMax(Op):
    """A test core op with two outputs and no batched implementation:
    ``(m,n)->(m),()``: row sums and the overall max."""

    __props__ = ()
    gufunc_signature = "(m,n)->(m),()"

    def make_node(self, x):
        x = pt.as_tensor_variable(x)
        if x.type.ndim != 2:
            raise TypeError("RowSumsAndMax takes a matrix")
        return Apply(self, [x], [TensorType(x.type.dtype, x.type.shape[:1]).make_variable(),
                                 TensorType(x.type.dtype, ()).make_variable()])

    def perform(self, node, inputs, out):
        (x,) = inputs
        assert x.ndim == 2
        out[0][0] = np.asarray(x.sum(axis=1), dtype=x.dtype)
        out[1][0] = np.asarray(x.max(), dtype=x.dtype)


@register_grad(RowSumsAndMax)
def _rsm_grad(op, node, inputs, g):
    (x,) = inputs
    gsum, gmax = g
    mx = node.outputs[1]
    return [pt.shape_padright(gsum, 1) + pt.eq(x, mx) * gmax + pt.zeros_like(x)]


class ScaledRows(Op):
    """Core op ``(n),()->(n)`` with a batched implementation."""

    __props__ = ()
    gufunc_signature = "(n),()->(n)"
    calls = 0

    def make_node(self, v, s):
        v, s = pt.as_tensor_variable(v), pt.as_tensor_variable(s)
        return Apply(self, [v, s], [TensorType(v.type.dtype, v.type.shape).make_variable()])

    def perform(self, node, inputs, out):
        v, s = inputs
        out[0][0] = np.asarray(v * s, dtype=node.outputs[0].type.dtype)

    def batched_perform(self, node, inputs, out):
        type(self).calls += 1
        v, s = inputs
        out[0][0] = v * s[..., None]


register_grad(ScaledRows, lambda op, node, inputs, g: [g[0] * inputs[1], (g[0] * inputs[0]).sum()])


def test_parse_signature():
    assert parse_signature("(m,n),(n,k)->(m,k)") == ([("m", "n"), ("n", "k")], [("m", "k")])
    assert parse_signature("(), (n) -> (n),()") == ([(), ("n",)], [("n",), ()])
    for bad in ("(m,n)", "m,n->m", "(m->n)", 3):
        with pytest.raises((ValueError, TypeError)):
            parse_signature(bad)
    assert Blockwise(Dot(), "(m, n),(n,k) -> (m,k)") == Blockwise(Dot(), "(m,n),(n,k)->(m,k)")
    with pytest.raises(ValueError, match="gufunc_signature"):
        Blockwise(Dot())


@pytest.mark.parametrize("ashape,bshape", [((4, 2, 3), (3, 5)), ((2, 3), (4, 3, 5)), ((4, 1, 2, 3), (6, 3, 5)),
                                           ((0, 2, 3), (3, 5)), ((2, 3), (3, 5))])
def test_dot_batched(ashape, bshape):
    bw = Blockwise(Dot(), "(m,n),(n,k)->(m,k)")
    a, b = rng.normal(size=ashape), rng.normal(size=bshape)
    x, y = pt.tensor(dtype="float64", shape=ashape), pt.tensor(dtype="float64", shape=bshape)
    out = bw(x, y)
    expected = np.matmul(a, b)
    assert out.type.shape == expected.shape
    got = compile_eval([x, y], out, [a, b])
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected)


def test_static_shape_inference_and_errors():
    bw = Blockwise(Dot(), "(m,n),(n,k)->(m,k)")
    x = pt.tensor(dtype="float32", shape=(None, 2, 3))
    y = pt.tensor(dtype="float64", shape=(1, 3, None))
    out = bw(x, y)
    assert out.type.shape == (None, 2, None) and out.type.dtype == "float64"
    with pytest.raises(ValueError, match="batch"):
        bw(pt.tensor(dtype="float64", shape=(4, 2, 3)), pt.tensor(dtype="float64", shape=(5, 3, 3)))
    with pytest.raises(ValueError, match="'n'"):
        bw(pt.tensor(dtype="float64", shape=(4, 2, 3)), pt.tensor(dtype="float64", shape=(4, 2, 3)))
    with pytest.raises(TypeError, match="at least 2"):
        bw(pt.vector(), pt.matrix())
    with pytest.raises(TypeError, match="takes 2"):
        bw(pt.matrix())


def test_runtime_batch_mismatch():
    bw = Blockwise(Dot(), "(m,n),(n,k)->(m,k)")
    x, y = pt.tensor3(), pt.tensor3()
    f = tensorsmith.function([x, y], bw(x, y))
    with pytest.raises(ValueError, match="batch"):
        f(np.ones((2, 2, 2)), np.ones((3, 2, 2)))


def test_multi_output_loop_and_empty_batch():
    bw = Blockwise(RowSumsAndMax())
    x = pt.tensor3()
    s, m = bw(x)
    assert s.type.ndim == 2 and m.type.ndim == 1
    f = tensorsmith.function([x], [s, m])
    a = rng.normal(size=(3, 4, 5))
    rs, rm = f(a)
    np.testing.assert_allclose(rs, a.sum(-1))
    np.testing.assert_allclose(rm, a.max(axis=(1, 2)))
    rs, rm = f(np.zeros((0, 4, 5)))
    assert rs.shape == (0, 4) and rm.shape == (0,)


def test_batched_perform_used_and_broadcast():
    ScaledRows.calls = 0
    bw = Blockwise(ScaledRows())
    v, s = pt.matrix(), pt.vector()
    out = bw(v, s)
    a, c = rng.normal(size=(1, 3)), rng.normal(size=4)
    got = compile_eval([v, s], out, [a, c])
    np.testing.assert_allclose(got, a * c[:, None])
    assert ScaledRows.calls == 1


def test_infer_shape():
    bw = Blockwise(Dot(), "(m,n),(n,k)->(m,k)")
    x, y = pt.tensor3(), pt.matrix()
    out = bw(x, y)
    shp = bw.infer_shape(None, out.owner, [tuple(pt.shape_i(x, i) for i in range(3)),
                                          tuple(pt.shape_i(y, i) for i in range(2))])[0]
    a, b = rng.normal(size=(4, 2, 3)), rng.normal(size=(3, 5))
    vals = compile_eval([x, y], list(shp), [a, b])
    assert tuple(int(v) for v in vals) == (4, 2, 5)


def test_grad_generic_vectorized_core_rule():
    bw = Blockwise(Dot(), "(m,n),(n,k)->(m,k)")
    check_grad(lambda a, b: bw(a, b), [rng.normal(size=(3, 2, 4)), rng.normal(size=(4, 2))])
    check_grad(lambda a, b: bw(a, b), [rng.normal(size=(2, 4)), rng.normal(size=(3, 4, 2))])
    check_grad(lambda a, b: bw(a, b), [rng.normal(size=(1, 2, 4)), rng.normal(size=(3, 4, 2))])


def test_grad_multi_output_and_batched_inputs():
    bw = Blockwise(RowSumsAndMax())
    check_grad(lambda x: bw(x)[0], [rng.normal(size=(2, 3, 4))])
    check_grad(lambda x: bw(x)[1], [rng.normal(size=(2, 3, 4))])
    check_grad(lambda v, s: Blockwise(ScaledRows())(v, s), [rng.normal(size=(3, 4)), rng.normal(size=3)])
    check_grad(lambda v, s: Blockwise(ScaledRows())(v, s), [rng.normal(size=(1, 4)), rng.normal(size=3)])


def test_vectorize_signature():
    f = pt.vectorize(lambda x: pt.dot(x, x.T), "(m,n)->(m,m)")
    a = rng.normal(size=(2, 3, 4))
    x = pt.tensor3()
    out = f(x)
    np.testing.assert_allclose(compile_eval([x], out, [a]), a @ a.transpose(0, 2, 1))
    g = pt.vectorize(lambda u, v: ((u * v).sum(), u + v), "(n),(n)->(),(n)")
    u, v = pt.matrix(), pt.vector()
    s, t = g(u, v)
    au, av = rng.normal(size=(3, 4)), rng.normal(size=4)
    rs, rt = compile_eval([u, v], [s, t], [au, av])
    np.testing.assert_allclose(rs, au @ av)
    np.testing.assert_allclose(rt, au + av)
    with pytest.raises(TypeError):
        g(u)
    with pytest.raises(ValueError):
        f(pt.vector())


def test_vectorize_elementwise_and_constant_output():
    f = pt.vectorize(lambda x, y: pt.switch(x > y, x, y * 2))
    x, y = pt.matrix(), pt.vector()
    a, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    np.testing.assert_allclose(compile_eval([x, y], f(x, y), [a, b]), np.where(a > b, a, b * 2))
    h = pt.vectorize(lambda v: pt.constant(np.arange(3.0)), "(n)->(k)")
    out = compile_eval([x], h(x), [a])
    np.testing.assert_allclose(out, np.tile(np.arange(3.0), (3, 1)))


def test_vectorize_graph_nodes():
    x = pt.vector("x")
    y = pt.exp(x) * 2 + x.sum()          # Elemwise + CAReduce + broadcasting
    z = pt.dot(pt.shape_padright(y, 1), pt.shape_padleft(x, 1))  # DimShuffle + Dot (generic Blockwise)
    xb = pt.matrix("xb")
    yb, zb = vectorize_graph([y, z], {x: xb})
    a = rng.normal(size=(3, 4))
    ryb, rzb = compile_eval([xb], [yb, zb], [a])
    ey = np.exp(a) * 2 + a.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ryb, ey)
    np.testing.assert_allclose(rzb, ey[:, :, None] * a[:, None, :])
    # single output, unchanged graph, error for fewer dims
    assert vectorize_graph(pt.exp(pt.vector()), {}) is not None
    with pytest.raises(ValueError):
        vectorize_graph(y, {x: pt.scalar()})


def test_vectorize_graph_mixed_batch_elemwise():
    x, w = pt.vector("x"), pt.matrix("w")
    y = w * x  # core (n),(m,n) -> (m,n)
    xb = pt.matrix("xb")
    yb = vectorize_graph(y, {x: xb})
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(2, 3))
    np.testing.assert_allclose(compile_eval([xb, w], yb, [a, b]), b[None] * a[:, None, :])


def test_vectorize_grad_through():
    f = pt.vectorize(lambda x: (x * x).sum() * pt.exp(x).max(), "(n)->()")
    check_grad(lambda v: f(v), [rng.normal(size=(3, 4))])


def test_linalg_blockwise_of_blockwise_vectorizes():
    x = pt.matrix()
    y = pt.linalg.inv(x)
    xb = pt.tensor3()
    yb = vectorize_graph(y, {x: xb})
    assert isinstance(yb.owner.op, Blockwise)
    a = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    np.testing.assert_allclose(compile_eval([xb], yb, [a]), np.linalg.inv(a))
    x3 = pt.tensor3()
    y4 = vectorize_graph(pt.linalg.det(x3), {x3: pt.tensor4()})
    assert y4.type.ndim == 2


def _random_batch_pair(r):
    """Two batch shapes that broadcast (some axes 1, different lengths of shape)."""
    nd = r.integers(0, 4)
    full = tuple(int(v) for v in r.integers(1, 4, size=nd))
    shapes = []
    for _ in range(2):
        keep = r.integers(0, nd + 1)
        s = full[nd - keep:]
        shapes.append(tuple(1 if r.random() < 0.3 else d for d in s))
    return shapes


@pytest.mark.parametrize("seed", range(12))
def test_random_batch_broadcasting(seed):
    r = np.random.default_rng(seed)
    ba, bb = _random_batch_pair(r)
    static = bool(seed % 2)
    a = r.normal(size=ba + (2, 3))
    b = r.normal(size=bb + (3, 2))
    x = pt.tensor(dtype="float64", shape=a.shape if static else (None,) * a.ndim)
    y = pt.tensor(dtype="float64", shape=b.shape if static else (None,) * b.ndim)
    out = Blockwise(Dot(), "(m,n),(n,k)->(m,k)")(x, y)
    expected = np.matmul(a, b)
    if static:
        assert out.type.shape == expected.shape
    np.testing.assert_allclose(compile_eval([x, y], out, [a, b]), expected)
    inv_out = pt.linalg.solve(pt.tensor(dtype="float64", shape=(None,) * (len(ba) + 2)), y)
    assert inv_out.type.ndim == max(len(ba), len(bb)) + 2


def test_vectorize_graph_shape_ops_and_registry():
    # shape-dependent graphs: reshape by the core shape, sum_to_shape
    x = pt.matrix("x")
    y = pt.reshape(x, (pt.shape_i(x, 0) * pt.shape_i(x, 1),)) * 2
    xb = pt.tensor3("xb")
    yb = vectorize_graph(y, {x: xb})
    a = rng.normal(size=(4, 2, 3))
    np.testing.assert_allclose(compile_eval([xb], yb, [a]), a.reshape(4, 6) * 2)
    f = pt.vectorize(lambda m: pt.reshape(m, (-1,)).sum() + pt.shape_i(m, 0), "(m,n)->()")
    np.testing.assert_allclose(compile_eval([xb], f(xb), [a]), a.sum(axis=(1, 2)) + 2)
