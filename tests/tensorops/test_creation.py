"""Creation ops vs NumPy: alloc, zeros/ones/full/empty (+ _like), eye,
identity_like, tri/tril/triu, arange, linspace."""
import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tests.tensorops.utils import assert_op_matches, check_grad, compile_eval



def run(inputs, out, *values):
    return compile_eval(inputs, out, list(values))


def assert_same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------
# zeros / ones / full / empty
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fn,val", [(pt.zeros, 0), (pt.ones, 1), (pt.empty, None)])
@pytest.mark.parametrize("shape", [(), 3, (0,), (2, 3), (1, 0, 4)])
@pytest.mark.parametrize("dtype", [None, "int32", "bool", "float32"])
def test_filled_constant_shapes(fn, val, shape, dtype):
    out = fn(shape, dtype=dtype)
    shp = (shape,) if isinstance(shape, int) else shape
    assert out.type.shape == shp
    assert out.type.dtype == (dtype or "float64")
    res = run([], out)
    assert res.shape == shp and res.dtype == np.dtype(dtype or "float64")
    if val is not None:
        assert np.all(res == val)


def test_zeros_symbolic_shapes():
    n = pt.lscalar("n")
    m = pt.iscalar("m")
    out = pt.zeros((n, 3, m))
    assert out.type.shape == (None, 3, None)
    assert run([n, m], out, 2, 4).shape == (2, 3, 4)
    x = pt.tensor("x", dtype="float64", shape=(None, 5))
    out = pt.zeros(x.shape)
    assert out.type.shape == (None, 5)
    assert run([x], out, np.ones((3, 5))).shape == (3, 5)
    out = pt.zeros(n)
    assert run([n], out, 0).shape == (0,)


def test_zeros_symbolic_vector_shape():
    if not hasattr(pt, "subtensor"):
        pytest.skip("needs indexing (x[i])")
    v = pt.lvector("v", shape=(2,))
    out = pt.ones(v, dtype="int64")
    assert out.type.shape == (None, None)
    assert_same(run([v], out, np.array([2, 1])), np.ones((2, 1), dtype="int64"))


def test_zeros_bad_shape():
    with pytest.raises(TypeError):
        pt.zeros((2.5, 3))
    with pytest.raises(TypeError):
        pt.zeros(pt.dscalar())
    with pytest.raises(ValueError):
        pt.zeros((-1, 2))
    with pytest.raises(ValueError):
        pt.zeros(pt.lvector())  # unknown length


@pytest.mark.parametrize("fill,dtype", [(3, None), (2.5, None), (True, None), (7, "float32"),
                                        (np.float32(1.5), None), (np.arange(3.0), None)])
def test_full(fill, dtype):
    out = pt.full((2, 3), fill, dtype=dtype)
    assert_same(run([], out), np.full((2, 3), fill, dtype=dtype))


def test_full_symbolic_fill_and_grad():
    v = pt.dvector("v")
    n = pt.lscalar("n")
    out = pt.full((n, 3), v)
    assert_same(run([v, n], out, np.arange(3.0), 2), np.full((2, 3), np.arange(3.0)))
    check_grad(lambda v: pt.full((4, 3), v), [np.arange(3.0)])


@pytest.mark.parametrize("value", [np.zeros((2, 3)), np.arange(6, dtype="int32").reshape(2, 3),
                                   np.zeros((0, 2), dtype=bool), np.float32(2.0)])
@pytest.mark.parametrize("fn,ref", [(pt.zeros_like, np.zeros_like), (pt.ones_like, np.ones_like),
                                    (pt.empty_like, None)])
def test_like(value, fn, ref):
    x = pt.tensor("x", dtype=np.asarray(value).dtype, shape=(None,) * np.ndim(value))
    res = run([x], fn(x), value)
    if ref is None:
        assert res.shape == np.shape(value) and res.dtype == np.asarray(value).dtype
    else:
        assert_same(res, ref(value))
    res = run([x], fn(x, dtype="int8"), value)
    assert res.dtype == np.int8 and res.shape == np.shape(value)


def test_full_like():
    assert_op_matches(lambda x: pt.full_like(x, 3.5), lambda x: np.full_like(x, 3.5), [np.zeros((2, 3))])
    assert_op_matches(lambda x: pt.full_like(x, 3.5), lambda x: np.full_like(x, 3.5), [np.zeros((2, 3), "int32")])
    assert_op_matches(lambda x: pt.full_like(x, 2, dtype="float32"),
                      lambda x: np.full_like(x, 2, dtype="float32"), [np.zeros(4)])


# ---------------------------------------------------------------------------
# alloc
# ---------------------------------------------------------------------------


def test_alloc_values_and_static_shape():
    v = pt.dvector("v")
    out = pt.alloc(v, 4, 3)
    assert out.type.shape == (4, 3)
    assert_same(run([v], out, np.arange(3.0)), np.broadcast_to(np.arange(3.0), (4, 3)))
    out = pt.alloc(pt.tensor(dtype="int32", shape=(3,)), 2, 3)
    assert out.type.shape == (2, 3) and out.type.dtype == "int32"
    out = pt.alloc(5, 2, 2)
    assert out.type.shape == (2, 2) and out.type.dtype == "int64"
    # a single tuple / vector shape argument
    assert pt.alloc(1.0, (2, 3)).type.shape == (2, 3)
    n = pt.lscalar("n")
    out = pt.alloc(pt.dscalar("s"), n)
    assert run([out.owner.inputs[0], n], out, 2.0, 3).tolist() == [2.0, 2.0, 2.0]
    # a known non-1 value length pins an unknown requested length
    assert pt.alloc(pt.tensor(shape=(3,)), n, n).type.shape == (None, 3)


def test_alloc_errors():
    with pytest.raises(ValueError):
        pt.alloc(pt.tensor(shape=(3,)), 2, 4)
    with pytest.raises(ValueError):
        pt.alloc(pt.dmatrix(), 3)
    with pytest.raises(TypeError):
        pt.alloc(1.0, pt.dscalar())
    v = pt.dvector("v")
    f = tensorsmith.function([v], pt.alloc(v, 2, 3))
    with pytest.raises(ValueError):
        f(np.ones(4))


@pytest.mark.parametrize("shape,target", [((3,), (2, 3)), ((1, 3), (4, 3)), ((2, 1), (2, 5)), ((), (2, 2)),
                                          ((1,), (3, 1, 4))])
def test_alloc_grad(shape, target):
    rng = np.random.default_rng(0)
    check_grad(lambda v: pt.alloc(v, *target), [rng.normal(size=shape)])


def test_alloc_grad_empty():
    v = pt.dvector("v")
    g = pt.grad(pt.alloc(v, 2, 0).sum(), v)
    assert_same(run([v], g, np.zeros(0)), np.zeros(0))


def test_alloc_grad_symbolic_shape():
    v = pt.dvector("v")
    n = pt.lscalar("n")
    g = pt.grad(pt.alloc(v, n, 3).sum(), v)
    assert_same(run([v, n], g, np.ones(3), 4), np.full(3, 4.0))
    g = pt.grad(pt.alloc(v, n, 3).sum(), v)
    assert_same(run([v, n], g, np.ones(1), 4), np.array([12.0]))


# ---------------------------------------------------------------------------
# eye, identity_like, tri, tril, triu
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n,m,k", [(3, None, 0), (3, 4, 1), (4, 2, -1), (0, 3, 0), (2, 2, 5), (3, 3, -3)])
@pytest.mark.parametrize("dtype", [None, "int32", "bool"])
def test_eye(n, m, k, dtype):
    out = pt.eye(n, m, k, dtype=dtype)
    ref = np.eye(n, m, k, dtype=dtype or "float64")
    assert out.type.shape == ref.shape
    assert_same(run([], out), ref)


def test_eye_symbolic():
    n, k = pt.lscalars("n", "k")
    out = pt.eye(n, k=k)
    assert out.type.shape == (None, None)
    assert_same(run([n, k], out, 3, -1), np.eye(3, k=-1))
    with pytest.raises(ValueError):
        pt.eye(-2)


def test_identity_like():
    assert_op_matches(lambda x: pt.identity_like(x), lambda x: np.eye(*x.shape, dtype=x.dtype),
                      [np.zeros((2, 3), "int32")])
    with pytest.raises(ValueError):
        pt.identity_like(pt.dvector())


@pytest.mark.parametrize("N,M,k", [(3, None, 0), (3, 5, 1), (4, 2, -1), (0, 2, 0), (3, 3, -5)])
def test_tri(N, M, k):
    assert_same(run([], pt.tri(N, M, k)), np.tri(N, M, k))
    assert_same(run([], pt.tri(N, M, k, dtype="int8")), np.tri(N, M, k, dtype="int8"))
    assert pt.tri(N, M, k).type.shape == np.tri(N, M, k).shape


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 3), (0, 2), (1, 1)])
@pytest.mark.parametrize("k", [0, 1, -1, 3])
def test_tril_triu(shape, k):
    x = np.arange(1, np.prod(shape) + 1, dtype="float64").reshape(shape)
    assert_op_matches(lambda a: pt.tril(a, k), lambda a: np.tril(a, k), [x])
    assert_op_matches(lambda a: pt.triu(a, k), lambda a: np.triu(a, k), [x])
    assert_op_matches(lambda a: pt.triu(a, k), lambda a: np.triu(a, k), [x.astype("int32")])


def test_tril_symbolic_k_and_errors():
    x = pt.dmatrix("x")
    k = pt.lscalar("k")
    a = np.arange(12.0).reshape(3, 4)
    assert_same(run([x, k], pt.tril(x, k), a, 1), np.tril(a, 1))
    assert_same(run([x, k], pt.triu(x, k), a, -1), np.triu(a, -1))
    with pytest.raises(ValueError):
        pt.tril(pt.dvector())


# ---------------------------------------------------------------------------
# arange
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [(5,), (0,), (-3,), (2, 7), (7, 2), (7, 2, -2), (1, 10, 3), (0.5, 3.0),
                                  (1, 2, 0.25), (3.0,), (-1.5, 1.5, 0.5), (10, 0, -3)])
def test_arange_constants(args):
    out = pt.arange(*args)
    ref = np.arange(*args)
    assert out.type.shape == ref.shape
    assert_same(run([], out), ref)


@pytest.mark.parametrize("dtype", ["int32", "float32", "uint8", "float64"])
def test_arange_dtype(dtype):
    assert_same(run([], pt.arange(1, 7, 2, dtype=dtype)), np.arange(1, 7, 2, dtype=dtype))


def test_arange_symbolic_bounds_dtype():
    i8 = pt.bscalar("i8")
    f32 = pt.fscalar("f32")
    # integer ranges are int64 whatever the bounds' width (NumPy: np.arange(np.int8(5))
    # is int64; PyTensor 3.0.7: pt.arange(pt.bscalar()) is int64)
    assert pt.arange(i8).type.dtype == "int64"
    assert pt.arange(f32).type.dtype == "float32"
    assert pt.arange(i8, 10).type.dtype == "int64"
    assert pt.arange(i8, 2.5).type.dtype == "float64"
    n = pt.lscalar("n")
    out = pt.arange(n)
    assert out.type.shape == (None,)
    assert_same(run([n], out, 4), np.arange(4))
    assert_same(run([n], out, -4), np.arange(-4))
    a, b, s = pt.dscalars("a", "b", "s")
    assert_same(run([a, b, s], pt.arange(a, b, s), 0.0, 1.0, 0.3), np.arange(0.0, 1.0, 0.3))
    f = tensorsmith.function([a, b, s], pt.arange(a, b, s))
    with pytest.raises(ValueError):
        f(0.0, 1.0, 0.0)
    with pytest.raises(ValueError):
        pt.arange(0, 3, 0)
    with pytest.raises(TypeError):
        pt.arange(pt.dvector())


def test_arange_grad():
    check_grad(lambda a, b, s: pt.arange(a, b, s), [np.float64(0.3), np.float64(2.9), np.float64(0.5)],
               wrt=[0, 2])
    a, b, s = pt.dscalars("a", "b", "s")
    g = pt.grad(pt.arange(a, b, s).sum(), b)
    assert run([a, b, s], g, 0.0, 2.0, 0.5) == 0.0
    # integer bounds get no gradient
    n = pt.lscalar()
    assert pt.grad(pt.cast(pt.arange(n), "float64").sum(), n, disconnected_inputs="ignore") is not None


# ---------------------------------------------------------------------------
# linspace
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("start,stop,num,endpoint", [(0, 1, 5, True), (0, 1, 5, False), (2.0, -3.0, 7, True),
                                                     (1, 1, 3, True), (0, 10, 1, True), (0, 10, 1, False),
                                                     (0, 10, 0, True), (-1, 4, 50, True)])
def test_linspace(start, stop, num, endpoint):
    out = pt.linspace(start, stop, num, endpoint=endpoint)
    ref = np.linspace(start, stop, num, endpoint=endpoint)
    assert out.type.shape == ref.shape
    assert_same(run([], out), ref)


def test_linspace_variants():
    y, step = pt.linspace(0, 2, 5, retstep=True)
    ry, rstep = np.linspace(0, 2, 5, retstep=True)
    assert_same(run([], y), ry)
    assert_same(run([], step), np.float64(rstep))
    assert_same(run([], pt.linspace(0, 10, 4, dtype="int64")), np.linspace(0, 10, 4, dtype="int64"))
    assert_same(run([], pt.linspace(-10, 10, 4, dtype="int32")), np.linspace(-10, 10, 4, dtype="int32"))
    a, b = np.array([0.0, 1.0]), np.array([1.0, 5.0])
    assert_same(run([], pt.linspace(a, b, 3)), np.linspace(a, b, 3))
    assert_same(run([], pt.linspace(a, b, 3, axis=-1)), np.linspace(a, b, 3, axis=-1))
    f32 = pt.fscalar("f")
    assert pt.linspace(f32, 1, 3).type.dtype == "float32"
    n = pt.lscalar("n")
    s, e = pt.dscalars("s", "e")
    out = pt.linspace(s, e, n)
    assert_same(run([s, e, n], out, 1.0, 2.0, 6), np.linspace(1.0, 2.0, 6))


def test_linspace_grad():
    check_grad(lambda s, e: pt.linspace(s, e, 5), [np.float64(0.5), np.float64(3.0)])


def test_tril_triu_grad():
    x = np.random.default_rng(1).normal(size=(3, 4))
    check_grad(lambda a: pt.tril(a, 1), [x])
    check_grad(lambda a: pt.triu(a, -1), [x])


@pytest.mark.parametrize("start,stop,num,endpoint,base", [(0, 2, 5, True, 10.0), (0, 2, 5, False, 2.0),
                                                          (1.5, -1, 4, True, 3.0), (0, 1, 1, True, 10.0)])
def test_logspace(start, stop, num, endpoint, base):
    assert_same(run([], pt.logspace(start, stop, num, endpoint=endpoint, base=base)),
                np.logspace(start, stop, num, endpoint=endpoint, base=base))


@pytest.mark.parametrize("start,stop,num,endpoint", [(1, 1000, 4, True), (1, 1000, 4, False), (-2, -32, 5, True),
                                                     (3.0, 0.5, 6, True), (2, 5, 1, True), (2, 5, 0, True)])
def test_geomspace(start, stop, num, endpoint):
    out = run([], pt.geomspace(start, stop, num, endpoint=endpoint))
    ref = np.geomspace(start, stop, num, endpoint=endpoint)
    assert out.shape == ref.shape and out.dtype == ref.dtype
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    if num:
        assert out[0] == ref[0]
        if endpoint:
            assert out[-1] == ref[-1]


def test_mgrid_ogrid():
    for got, ref in zip(pt.mgrid[0:2, 1:7:2], np.mgrid[0:2, 1:7:2]):
        assert_same(run([], got), ref)
    for got, ref in zip(pt.ogrid[0:2, 0:1:3j], np.ogrid[0:2, 0:1:3j]):
        assert_same(run([], got), ref)
    n = pt.lscalar("n")
    g = pt.mgrid[0:n, 0:2]
    assert_same(run([n], g[0], 3), np.mgrid[0:3, 0:2][0])
    with pytest.raises(TypeError):
        pt.mgrid[3]
