"""PyTensor names composed of existing ops (tensorsmith_tensorops.extra_ops),
the extra random distributions and tensor methods, against NumPy."""
import math

import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tests.tensorops.utils import assert_op_matches, check_grad

rng = np.random.default_rng(0)


def test_constants_and_type_lists():
    assert (pt.e, pt.pi, pt.euler_gamma) == (math.e, math.pi, pytest.approx(np.euler_gamma))
    assert pt.inf == np.inf and np.isnan(pt.nan) and pt.newaxis is None
    assert [t.dtype for t in pt.float_types] == ["float32", "float64"]
    assert [t.dtype for t in pt.int_types] == ["int8", "int16", "int32", "int64"]
    assert all(t.shape == (None, None) for t in pt.complex_matrix_types)
    assert pt.dvector().type in pt.float_vector_types


def test_get_vector_length():
    x = pt.dtensor3()
    assert pt.get_vector_length(x.shape) == 3
    assert pt.get_vector_length(pt.as_tensor([1, 2])) == 2
    assert pt.get_vector_length([x, x]) == 2
    with pytest.raises(ValueError):
        pt.get_vector_length(pt.lvector())
    with pytest.raises(TypeError):
        pt.get_vector_length(pt.lmatrix())


def test_get_scalar_constant_value():
    assert pt.get_scalar_constant_value(pt.constant(3.0) * 2) == 6.0
    assert pt.get_scalar_constant_value(pt.cast(pt.constant(2), "float32")).dtype == np.float32
    assert pt.get_scalar_constant_value(pt.tensor(dtype="float64", shape=(2, 5)).shape[1]) == 5
    assert pt.get_underlying_scalar_constant_value(pt.ones(3) * 2) == 2.0
    x = pt.dscalar()
    with pytest.raises(pt.NotScalarConstantError):
        pt.get_scalar_constant_value(x + 1)
    assert pt.get_scalar_constant_value(x, raise_not_constant=False) is x
    with pytest.raises(pt.NotScalarConstantError):
        pt.get_underlying_scalar_constant_value(pt.as_tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        pt.get_scalar_constant_value(pt.as_tensor([1.0, 1.0]))
    assert pt.dscalar().get_underlying_scalar_constant if False else True


@pytest.mark.parametrize("n,k,m", [(3, 0, None), (4, 1, None), (3, -1, 5), (1, 0, 1), (0, 0, None)])
def test_tri_indices(n, k, m):
    for ours, ref in ((pt.tril_indices, np.tril_indices), (pt.triu_indices, np.triu_indices)):
        got = tensorsmith.function([], list(ours(n, k, m)))()
        for g, r in zip(got, ref(n, k, m)):
            np.testing.assert_array_equal(g, r)
            assert g.dtype == np.int64
    a = np.zeros((3, 4))
    x = pt.dmatrix()
    f = tensorsmith.function([x], list(pt.tril_indices_from(x, 1)) + list(pt.triu_indices_from(x, -1)))
    for g, r in zip(f(a), np.tril_indices_from(a, 1) + np.triu_indices_from(a, -1)):
        np.testing.assert_array_equal(g, r)
    with pytest.raises(ValueError):
        pt.tril_indices_from(pt.dvector())


@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
def test_choose(mode):
    a = np.array([[0, 1, 2, 1], [2, 0, 1, 3 if mode != "raise" else 0]])
    choices = rng.normal(size=(3, 1, 4))
    assert_op_matches(lambda i, c: pt.choose(i, c, mode=mode), lambda i, c: np.choose(i, c, mode=mode),
                      [a, choices])
    # list of choices broadcast together; gradient flows to the chosen entries
    c0, c1 = rng.normal(size=(4,)), rng.normal(size=(2, 4))
    assert_op_matches(lambda i, x, y: pt.choose(i, [x, y]), lambda i, x, y: np.choose(i, [x, y]),
                      [a % 2, c0, c1])
    check_grad(lambda c: pt.choose(pt.constant(a % 3), c, mode=mode), [choices])


def test_choose_errors():
    with pytest.raises(TypeError):
        pt.choose(pt.dvector(), [pt.dvector()])
    with pytest.raises(ValueError):
        pt.choose(pt.lvector(), pt.lvector(), mode="bogus")


def test_stacklists():
    a, b, c, d = pt.dscalars("a", "b", "c", "d")
    f = tensorsmith.function([a, b, c, d], pt.stacklists([[a, b], [c, d]]))
    np.testing.assert_array_equal(f(1, 2, 3, 4), [[1, 2], [3, 4]])
    x = pt.dmatrix()
    v = np.ones((2, 3))
    assert tensorsmith.function([x], pt.stacklists([[x, x], [x, x]]))(v).shape == (2, 2, 2, 3)


@pytest.mark.parametrize("M", [0, 1, 2, 5, 6])
def test_bartlett(M):
    out = pt.bartlett(M).eval()
    np.testing.assert_allclose(out, np.bartlett(M))
    assert out.dtype == np.float64
    m = pt.lscalar()
    np.testing.assert_allclose(tensorsmith.function([m], pt.bartlett(m))(M), np.bartlett(M))
    with pytest.raises(TypeError):
        pt.bartlett(pt.dscalar())


def test_concat_with_broadcast():
    a, b = rng.normal(size=(1, 3)), rng.normal(size=(2, 1))
    assert_op_matches(lambda x, y: pt.concat_with_broadcast([x, y], axis=0),
                      lambda x, y: np.concatenate([np.broadcast_to(x, (1, 3)), np.broadcast_to(y, (2, 3))]),
                      [a, b])
    assert_op_matches(lambda x, y: pt.concat_with_broadcast([x, y], axis=-1),
                      lambda x, y: np.concatenate([np.broadcast_to(x, (2, 3)), y], axis=-1), [a, b])
    check_grad(lambda x, y: pt.concat_with_broadcast([x, y], axis=0), [a, b])
    with pytest.raises(TypeError):
        pt.concat_with_broadcast([pt.dvector(), pt.dmatrix()])


@pytest.mark.parametrize("kw", [{}, {"rowvar": False}, {"bias": True}, {"ddof": 0}])
def test_cov(kw):
    m = rng.normal(size=(3, 5))
    assert_op_matches(lambda x: pt.cov(x, **kw), lambda x: np.cov(x, **kw), [m])
    y = rng.normal(size=(2, 5) if kw.get("rowvar", True) else (3, 2))
    assert_op_matches(lambda x, z: pt.cov(x, z, **kw), lambda x, z: np.cov(x, z, **kw), [m, y])
    check_grad(lambda x: pt.cov(x, **kw), [m])


def test_cov_vector_int_and_weights():
    v = np.array([1, 4, 2, 8])
    assert_op_matches(lambda x: pt.cov(x), lambda x: np.cov(x), [v])
    m = rng.normal(size=(2, 4))
    fw, aw = np.array([1, 2, 1, 3]), rng.uniform(0.5, 2, size=4)
    assert_op_matches(lambda x, f, a: pt.cov(x, fweights=f, aweights=a),
                      lambda x, f, a: np.cov(x, fweights=f, aweights=a), [m, fw, aw])
    assert_op_matches(lambda x, f: pt.cov(x, fweights=f), lambda x, f: np.cov(x, fweights=f), [m, fw])


def test_largest_smallest_identity_dense_dot():
    a, b, c = rng.normal(size=(3, 4)), rng.normal(size=(4,)), rng.normal(size=(1, 4))
    assert_op_matches(pt.largest, lambda *v: np.maximum(np.maximum(v[0], v[1]), v[2]), [a, b, c])
    assert_op_matches(pt.smallest, lambda *v: np.minimum(np.minimum(v[0], v[1]), v[2]), [a, b, c])
    assert_op_matches(pt.identity, lambda x: x, [a])
    assert_op_matches(pt.dense_dot, np.dot, [a, b])
    assert pt.extract_diag(pt.dmatrix()).ndim == 1
    assert_op_matches(pt.extract_diag, np.diagonal, [a])
    assert pt.is_flat(pt.dvector()) and pt.is_flat(pt.dmatrix(), 2) and not pt.is_flat(pt.dmatrix())


@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((2, 3), (2, 3, 4)), ((2, 3, 4), (2, 4)),
                                   ((2, 3, 4), (2, 4, 5)), ((0, 3, 4), (0, 4, 2))])
def test_batched_dot(sa, sb):
    a, b = rng.normal(size=sa), rng.normal(size=sb)

    def ref(x, y):
        return np.array([np.dot(x[i], y[i]) for i in range(x.shape[0])]).reshape(
            (x.shape[0],) + np.dot(x[0] if x.shape[0] else np.zeros(x.shape[1:]),
                                   y[0] if y.shape[0] else np.zeros(y.shape[1:])).shape)

    assert_op_matches(pt.batched_dot, ref, [a, b])
    if sa[0]:
        check_grad(pt.batched_dot, [a, b])


def test_batched_tensordot():
    a, b = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 5, 4, 6))
    ref = lambda x, y: np.einsum("bijk,bkjl->bil", x, y)  # noqa: E731
    assert_op_matches(lambda x, y: pt.batched_tensordot(x, y, [[2, 3], [2, 1]]), ref, [a, b])
    c = rng.normal(size=(2, 4, 5, 3))
    assert_op_matches(lambda x, y: pt.batched_tensordot(x, y, 2),
                      lambda x, y: np.einsum("bijk,bjkl->bil", x, y), [a, c])
    check_grad(lambda x, y: pt.batched_tensordot(x, y, [[2, 3], [2, 1]]), [a[:, :2, :2, :2], b[:, :2, :2, :3]])
    with pytest.raises(ValueError):
        pt.batched_tensordot(pt.dtensor3(), pt.dtensor3(), [[0], [1]])


def test_join_split_dims():
    a = rng.normal(size=(2, 3, 4, 5))
    assert_op_matches(lambda x: pt.join_dims(x, 1, 2), lambda x: x.reshape(2, 12, 5), [a])
    assert_op_matches(lambda x: pt.join_dims(x), lambda x: x.reshape(-1), [a])
    assert_op_matches(lambda x: pt.join_dims(x, -2), lambda x: x.reshape(2, 3, 20), [a])
    assert_op_matches(lambda x: pt.split_dims(x, (3, 1, 1), axis=1), lambda x: x.reshape(2, 3, 1, 1, 4, 5),
                      [a])
    assert pt.split_dims(pt.dvector(), (2, 3)).ndim == 2
    check_grad(lambda x: pt.join_dims(x, 1, 2) * 2, [a[:, :2, :2, :1]])
    with pytest.raises(ValueError):
        pt.join_dims(pt.dmatrix(), 1, 3)


def test_xlogx_xlogy0():
    x = np.array([0.0, 0.5, 1.0, 2.0])
    assert_op_matches(pt.xlogx, lambda v: np.where(v == 0, 0, v * np.log(np.where(v == 0, 1, v))), [x])
    y = np.array([0.0, 2.0, 3.0, 0.5])
    assert_op_matches(pt.xlogy0, lambda u, v: np.where(u == 0, 0, u * np.log(np.where(u == 0, 1, v))), [x, y])
    check_grad(pt.xlogx, [x[1:]])
    assert pt.special.softmax is pt.softmax and pt.special.logit is pt.logit


def test_atleast_Nd():
    assert pt.atleast_Nd(pt.dvector(), n=3).type.shape == (1, 1, None)
    assert pt.atleast_Nd(pt.dvector(), n=2, left=False).type.shape == (None, 1)
    assert pt.atleast_Nd(pt.dmatrix()).ndim == 2


def test_tensor_methods():
    a = rng.uniform(0.1, 0.9, size=(2, 3))
    x = pt.dmatrix("x")
    for name in ("arccos", "arcsin", "arctan", "arctanh", "ceil", "cos", "cosh", "deg2rad", "exp", "exp2",
                 "expm1", "floor", "log", "log10", "log1p", "log2", "rad2deg", "sin", "sinh", "sqrt", "tan",
                 "tanh", "trunc"):
        np.testing.assert_allclose(getattr(x, name)().eval({x: a}), getattr(np, name)(a), err_msg=name)
    np.testing.assert_allclose((x + 1).arccosh().eval({x: a}), np.arccosh(a + 1))
    np.testing.assert_allclose(x.arcsinh().eval({x: a}), np.arcsinh(a))
    assert x.mT.type.shape == (None, None) and pt.dtensor3().mT.ndim == 3
    np.testing.assert_array_equal(x.mT.eval({x: a}), a.T)
    np.testing.assert_array_equal(x.ravel().eval({x: a}), a.ravel())
    np.testing.assert_array_equal(x.zeros_like().eval({x: a}), np.zeros_like(a))
    np.testing.assert_array_equal(x.ones_like().eval({x: a}), np.ones_like(a))
    np.testing.assert_array_equal(x.fill(3.0).eval({x: a}), np.full_like(a, 3.0))
    v = pt.dvector("v")
    b = np.array([0.0, 1.5, 0.0, 2.0])
    np.testing.assert_array_equal(v.nonzero_values().eval({v: b}), b[b != 0])
    np.testing.assert_array_equal(v.compress([True, False, True, True]).eval({v: b}), b.compress([1, 0, 1, 1]))
    np.testing.assert_array_equal(v.searchsorted(1.0).eval({v: np.sort(b)}), np.searchsorted(np.sort(b), 1.0))
    i = pt.lvector("i")
    np.testing.assert_array_equal(i.choose([[1, 2], [3, 4]]).eval({i: np.array([1, 0])}), [3, 2])
    assert pt.constant(2.0).get_underlying_scalar_constant() == 2.0


def test_eval_by_input_name():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    assert (x * y).eval({"x": 2.0, y: 3.0}) == 6.0
    with pytest.raises(ValueError, match="no input named"):
        (x * y).eval({"z": 2.0})


@pytest.mark.parametrize("build,ref,dtype", [
    (lambda r: pt.random.betabinom(5, 2.0, 3.0, size=4, rng=r),
     lambda g: g.binomial(5, g.beta(2.0, 3.0, size=4)), "int64"),
    (lambda r: pt.random.chisquare(3.0, size=4, rng=r), lambda g: g.chisquare(3.0, size=4), "float64"),
    (lambda r: pt.random.gengamma(2.0, 1.5, 3.0, size=4, rng=r),
     lambda g: 3.0 * g.gamma(2.0 / 1.5, size=4) ** (1 / 1.5), "float64"),
    (lambda r: pt.random.geometric(0.3, size=4, rng=r), lambda g: g.geometric(0.3, size=4), "int64"),
    (lambda r: pt.random.gumbel(1.0, 2.0, size=4, rng=r), lambda g: g.gumbel(1.0, 2.0, size=4), "float64"),
    (lambda r: pt.random.hypergeometric(5, 6, 4, size=4, rng=r),
     lambda g: g.hypergeometric(5, 6, 4, size=4), "int64"),
    (lambda r: pt.random.invgamma(2.0, 3.0, size=4, rng=r), lambda g: 3.0 / g.gamma(2.0, size=4), "float64"),
    (lambda r: pt.random.negative_binomial(3, 0.4, size=4, rng=r),
     lambda g: g.negative_binomial(3, 0.4, size=4), "int64"),
    (lambda r: pt.random.nbinom(3, 0.4, size=4, rng=r), lambda g: g.negative_binomial(3, 0.4, size=4), "int64"),
    (lambda r: pt.random.pareto(2.0, 3.0, size=4, rng=r), lambda g: 3.0 * (1 + g.pareto(2.0, size=4)), "float64"),
    (lambda r: pt.random.triangular(0.0, 1.0, 3.0, size=4, rng=r),
     lambda g: g.triangular(0.0, 1.0, 3.0, size=4), "float64"),
    (lambda r: pt.random.vonmises(0.5, 2.0, size=4, rng=r), lambda g: g.vonmises(0.5, 2.0, size=4), "float64"),
    (lambda r: pt.random.wald(size=4, rng=r), lambda g: g.wald(1.0, 1.0, size=4), "float64"),
    (lambda r: pt.random.weibull(2.0, size=4, rng=r), lambda g: g.weibull(2.0, size=4), "float64"),
])
def test_more_random_variables(build, ref, dtype):
    r = pt.random.random_generator_type("rng")
    draws = build(r)
    assert draws.dtype == dtype and draws.type.shape == (4,)
    out = tensorsmith.function([r], draws)(np.random.default_rng(11))
    np.testing.assert_allclose(out, ref(np.random.default_rng(11)))
    assert out.dtype == dtype


def test_truncexpon_support_and_stream():
    draws = pt.random.truncexpon(2.0, 1.0, 3.0, size=2000, rng=np.random.default_rng(0)).eval()
    assert draws.min() >= 1.0 and draws.max() <= 1.0 + 3.0 * 2.0
    # the mean of exp(-x)/(1-exp(-b)) on [0, b]
    mean = 1 - 2.0 * np.exp(-2.0) / (1 - np.exp(-2.0))
    assert abs(draws.mean() - (1.0 + 3.0 * mean)) < 0.1
    srng = pt.random.RandomStream(3)
    assert srng.weibull(2.0, size=3).eval().shape == (3,)
    with pytest.raises(TypeError):
        pt.random.weibull()


def test_broadcast_to_grad_runtime_length_one():
    # static shapes (None, None) on both sides; the value has a run-time length 1
    x, y = pt.dmatrix("x"), pt.dmatrix("y")
    b = pt.broadcast_to(x, (y.shape[0], y.shape[1]))
    g = tensorsmith.function([x, y], pt.grad((b * y).sum(), x))
    yv = rng.normal(size=(2, 3))
    np.testing.assert_allclose(g(np.ones((2, 1)), yv), yv.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(g(np.ones((2, 3)), yv), yv)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("na,nb", [(5, 3), (3, 5), (4, 4), (1, 3), (6, 1)])
def test_convolve1d(mode, na, nb):
    a, b = rng.normal(size=na), rng.normal(size=nb)
    assert_op_matches(lambda x, y: pt.signal.convolve1d(x, y, mode), lambda x, y: np.convolve(x, y, mode), [a, b])
    check_grad(lambda x, y: pt.convolve1d(x, y, mode), [a, b])


def test_convolve1d_batched_dtypes_and_static_shape():
    a, b = rng.normal(size=(2, 1, 5)), rng.normal(size=(3, 4))
    ref = lambda x, y: np.stack([[np.convolve(x[i, 0], y[j]) for j in range(3)] for i in range(2)])  # noqa: E731
    assert_op_matches(pt.convolve1d, ref, [a, b])
    check_grad(pt.convolve1d, [a, b])
    ai, bi = np.array([1, 2, 3], dtype="int32"), np.array([1, -1], dtype="int8")
    assert_op_matches(pt.convolve1d, np.convolve, [ai, bi])
    assert pt.convolve1d(pt.tensor(dtype="float32", shape=(2, 5)), pt.tensor(dtype="float64", shape=(3,))).type.shape \
        == (2, 7)
    assert pt.convolve1d(pt.fvector(), pt.fvector()).dtype == "float32"
    with pytest.raises(ValueError):
        pt.convolve1d(pt.dscalar(), pt.dvector())
    with pytest.raises(ValueError):
        pt.convolve1d(pt.dvector(), pt.dvector(), mode="bogus")


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("sa,sb", [((5, 6), (3, 2)), ((3, 3), (3, 3)), ((2, 4), (1, 1))])
def test_convolve2d(mode, sa, sb):
    from scipy import signal as ss

    a, b = rng.normal(size=sa), rng.normal(size=sb)
    assert_op_matches(lambda x, y: pt.signal.convolve2d(x, y, mode), lambda x, y: ss.convolve2d(x, y, mode),
                      [a, b])
    check_grad(lambda x, y: pt.convolve2d(x, y, mode), [a, b])
    if mode == "same":
        assert_op_matches(lambda x, y: pt.convolve2d(x, y, mode), lambda x, y: ss.convolve2d(x, y, mode), [b, a])
    with pytest.raises(ValueError):
        pt.convolve2d(pt.dmatrix(), pt.dmatrix(), boundary="wrap")


def test_convolve_jvp_and_batched_grad():
    a, b = pt.dmatrix("a"), pt.dvector("b")
    va, vb = pt.dmatrix("va"), pt.dvector("vb")
    out = pt.convolve1d(a, b)
    jv = tensorsmith.gradient.Rop(out, [a, b], [va, vb])
    f = tensorsmith.function([a, b, va, vb], jv)
    A, B, VA, VB = rng.normal(size=(2, 4)), rng.normal(size=3), rng.normal(size=(2, 4)), rng.normal(size=3)
    ref = np.stack([np.convolve(VA[i], B) + np.convolve(A[i], VB) for i in range(2)])
    np.testing.assert_allclose(f(A, B, VA, VB), ref)
    # b broadcast over the batch: its gradient sums over it
    g = tensorsmith.function([a, b], pt.grad(out.sum(), b))(A, B)
    np.testing.assert_allclose(g, np.full(3, A.sum()))


@pytest.mark.parametrize("kw", [{}, {"left": -5.0, "right": 7.0}, {"period": 2.5}])
def test_interp(kw):
    xp, fp = np.array([0.0, 1.0, 3.0, 3.5]), rng.normal(size=4)
    x = np.array([[-1.0, 0.0, 0.5], [1.0, 2.0, 3.0], [3.2, 3.5, 4.0]])
    assert_op_matches(lambda a, b, c: pt.interp(a, b, c, **kw), lambda a, b, c: np.interp(a, b, c, **kw),
                      [x, xp, fp])
    xi = np.array([-0.5, 0.3, 1.7, 3.1, 4.6])  # away from the knots (also mod period)
    check_grad(lambda a, c: pt.interp(a, pt.constant(xp), c, **kw), [xi, fp])
    assert_op_matches(lambda a: pt.interp(a, pt.constant([1.0]), pt.constant([2.0])),
                      lambda a: np.interp(a, [1.0], [2.0]), [x])
    assert_op_matches(lambda a: pt.interp(a, pt.constant([0, 2]), pt.constant([0, 4])),
                      lambda a: np.interp(a, [0, 2], [0, 4]), [np.array([1, 3], dtype="int32")])
    with pytest.raises(ValueError):
        pt.interp(pt.dvector(), pt.dmatrix(), pt.dvector())


@pytest.mark.parametrize("keep,shapes,ref_shape", [
    (None, ((2, 3), (4, 5, 6)), (126,)),
    (0, ((2, 3), (2, 5, 6)), (2, 33)),
    (-1, ((2, 3), (5, 3)), (7, 3)),
    ([0, -1], ((2, 3, 4), (2, 5, 4)), (2, 8, 4)),
    ([0, -1], ((2, 4), (2, 1, 2, 4)), (2, 3, 4)),
])
def test_pack_unpack_round_trip(keep, shapes, ref_shape):
    vals = [rng.normal(size=s) for s in shapes]
    syms = [pt.tensor(dtype="float64", shape=s) for s in shapes]
    packed, packed_shapes = pt.pack(*syms, keep_axes=keep)
    assert packed.type.shape == ref_shape                 # static lengths kept (PyTensor 3.0.7 gives these)
    out = pt.unpack(packed, packed_shapes, keep_axes=keep)
    f = tensorsmith.function(syms, [packed] + out)
    got = f(*vals)
    lead = 0 if keep is None else len([a for a in np.atleast_1d(keep) if a >= 0])
    trail = 0 if keep is None else len([a for a in np.atleast_1d(keep) if a < 0])
    ref = np.concatenate([v.reshape(v.shape[:lead] + (-1,) + v.shape[v.ndim - trail:]) for v in vals], axis=lead)
    np.testing.assert_array_equal(got[0], ref)
    for g, v in zip(got[1:], vals):
        np.testing.assert_array_equal(g, v)
    # symbolic shapes too, and a gradient through the round trip
    dyn = [sym_like_any(v) for v in vals]
    p2, s2 = pt.pack(*dyn, keep_axes=keep)
    u2 = pt.unpack(p2 * 2, s2, keep_axes=keep)
    g = tensorsmith.function(dyn, pt.grad(sum((u * u).sum() for u in u2), dyn))(*vals)
    for gi, v in zip(g, vals):
        np.testing.assert_allclose(gi, 8 * v)


def sym_like_any(v):
    return pt.tensor(dtype=v.dtype, shape=(None,) * v.ndim)


def test_pack_errors():
    with pytest.raises(ValueError, match="start at 0"):
        pt.pack(pt.dtensor3(), keep_axes=1)
    with pytest.raises(ValueError, match="end at -1"):
        pt.pack(pt.dtensor3(), keep_axes=[-2])
    with pytest.raises(ValueError):
        pt.pack(pt.dvector(), keep_axes=[0, -1])
    with pytest.raises(ValueError):
        pt.unpack(pt.dmatrix(), [(2,)], keep_axes=None)


@pytest.mark.parametrize("inverse", [False, True])
def test_permute_row_elements(inverse):
    x = rng.normal(size=(2, 3))
    p1 = np.array([2, 0, 1])
    p2 = np.array([[2, 0, 1], [1, 2, 0]])

    def ref(a, p):
        a, p = np.broadcast_arrays(a, p)
        if inverse:
            out = np.empty_like(a)
            np.put_along_axis(out, p, a, axis=-1)
            return out
        return np.take_along_axis(a, p, axis=-1)

    for p in (p1, p2):
        assert_op_matches(lambda a, q: pt.permute_row_elements(a, q, inverse=inverse), ref, [x, p])
    assert_op_matches(lambda a, q: pt.permute_row_elements(a, q, inverse=inverse), ref, [x[0], p2])
    check_grad(lambda a: pt.permute_row_elements(a, pt.constant(p2), inverse=inverse), [x])
    with pytest.raises(TypeError):
        pt.permute_row_elements(pt.dmatrix(), pt.dvector())


def test_kn():
    from scipy import special

    x = np.array([0.5, 1.5, 3.0])
    assert_op_matches(lambda v: pt.kn(2, v), lambda v: special.kn(2, v), [x])


# values from PyTensor 3.0.7's interpolate1d on these points
_XH = np.array([-1.0, 0.0, 0.4, 0.5, 0.6, 1.0, 2.0, 2.9, 3.0, 4.0])
_INTERP1D = {
    ("linear", True): [0.0, 1.0, 1.4, 1.5, 1.6, 2.0, 1.0, 0.1, 0.0, -1.0],
    ("linear", False): [1.0, 1.0, 1.4, 1.5, 1.6, 2.0, 1.0, 0.1, 0.0, 0.0],
    ("nearest", True): [1, 1, 1, 1, 2, 2, 2, 0, 0, 0],
    ("first", True): [1, 1, 1, 1, 1, 1, 2, 2, 2, 0],
    ("last", True): [1, 1, 2, 2, 2, 2, 0, 0, 0, 0],
    ("mean", True): [1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1, 1, 1, 1],
    ("mean", False): [1, 1, 1.5, 1.5, 1.5, 1.5, 1, 1, 1, 0],
}
_INTERP1D_PADS = {
    "linear": [-9, -9, 1.4, 1.5, 1.6, 2, 1, 0.1, 0, 9],
    "nearest": [-9, -9, 1, 1, 2, 2, 2, 0, 0, 9],
    "first": [-9, -9, 1, 1, 1, 1, 2, 2, 2, 9],
    "last": [-9, -9, 2, 2, 2, 2, 0, 0, 0, 9],
    "mean": [-9, -9, 1.5, 1.5, 1.5, 1.5, 1, 1, 1, 9],
}


@pytest.mark.parametrize("method,extrapolate", sorted(_INTERP1D))
def test_interpolate1d(method, extrapolate):
    x, y = np.array([3.0, 0.0, 1.0]), np.array([0.0, 1.0, 2.0])   # unsorted: sorted by x first
    xh = pt.dvector("xh")
    f = tensorsmith.function([xh], pt.interpolate1d(x, y, method=method, extrapolate=extrapolate)(xh))
    np.testing.assert_allclose(f(_XH), _INTERP1D[method, extrapolate])
    g = pt.interpolate1d(x, y, method=method, extrapolate=False, left_pad=-9.0, right_pad=9.0)
    np.testing.assert_allclose(tensorsmith.function([xh], g(xh))(_XH), _INTERP1D_PADS[method])


def test_interpolate1d_dtype_grad_errors():
    x32 = np.array([0.0, 1.0, 3.0], dtype="float32")
    assert pt.interpolate1d(x32, x32 * 2)(pt.fvector()).dtype == "float32"
    xh = np.array([-0.5, 0.3, 2.0, 3.5])
    check_grad(lambda y, h: pt.interpolate1d(pt.constant([0.0, 1.0, 3.0]), y)(h),
               [np.array([1.0, 2.0, 0.0]), xh])
    with pytest.raises(ValueError):
        pt.interpolate1d(x32, x32, method="cubic")


def test_pytensor_parameter_names():
    # keyword names of PyTensor 3.0.7 (tools/pytensor_parity.py lists the differences)
    x = pt.dmatrix("x")
    v = np.arange(6.0).reshape(2, 3)
    assert pt.zeros_like(model=x).type == x.type and pt.ones_like(model=x, dtype="int8").dtype == "int8"
    assert pt.empty_like(prototype=x).type == x.type
    c = pt.zeros_like(pt.tensor(dtype="float32", shape=(2, 3)), opt=True)
    assert isinstance(c, pt.TensorConstant) and c.data.shape == (2, 3) and c.dtype == "float32"
    assert not isinstance(pt.ones_like(x, opt=True), pt.TensorConstant)   # unknown shape: a graph
    assert pt.shape_padleft(t=x).type.shape == (1, None, None)
    assert pt.shape_padright(t=x, n_ones=2).type.shape == (None, None, 1, 1)
    assert pt.atleast_Nd(arry=pt.dvector(), n=2).type.shape == (1, None)
    np.testing.assert_array_equal(pt.repeat(a=x, repeats=2, axis=0).eval({x: v}), np.repeat(v, 2, axis=0))
    np.testing.assert_array_equal(pt.tile(A=x, reps=(1, 2)).eval({x: v}), np.tile(v, (1, 2)))
    np.testing.assert_allclose(pt.special.softmax(c=x, axis=-1).eval({x: v}),
                               np.exp(v) / np.exp(v).sum(-1, keepdims=True))
    assert pt.log_softmax(c=x, axis=0).type.shape == (None, None)
    w = np.array([3.0, 1.0, 2.0, 1.0])
    y = pt.dvector("y")
    np.testing.assert_array_equal(pt.sort(y, stable=True).eval({y: w}), np.sort(w, stable=True))
    np.testing.assert_array_equal(y.argsort(stable=True).eval({y: w}), np.argsort(w, stable=True))
    with pytest.raises(ValueError):
        pt.sort(y, kind="heapsort", stable=True)


def test_tensor_method_parameter_names():
    x = pt.dvector("x")
    v = np.arange(6.0)
    assert x.reshape(2, 3).type.shape == x.reshape((2, 3)).type.shape == (2, 3)
    assert x.reshape(shape=(6,)).type.shape == (6,) and x.reshape(6).type.shape == (6,)
    assert x.reshape(pt.lvector(), ndim=2).type.shape == (None, None)
    m = pt.dmatrix("m")
    assert m.swapaxes(axis1=0, axis2=1).ndim == 2
    np.testing.assert_allclose(m.norm(2, axis=1, keepdims=True).eval({m: v.reshape(2, 3)}),
                               np.linalg.norm(v.reshape(2, 3), axis=1, keepdims=True))
    np.testing.assert_array_equal(x[1:].set(y=2.0).eval({x: v}), [0, 2, 2, 2, 2, 2])
    np.testing.assert_array_equal(x[:2].inc(y=1.0).eval({x: v}), [1, 2, 2, 3, 4, 5])
    assert float(x.dot(right=x).eval({x: v})) == float(v @ v)


def test_shared_rng_and_generator_methods():
    # PyTensor 3.0.7: shared_rng(seed=153).normal() under updates draws 1.45769255 first
    g = pt.random.shared_rng(seed=153, name="rng")
    assert isinstance(g, pt.random.RandomGeneratorSharedVariable) and g.name == "rng"
    nxt, x = g.normal()
    f = tensorsmith.function([], x, updates={g: nxt})
    np.testing.assert_allclose([f(), f()], np.random.default_rng(153).normal(size=2))
    np.testing.assert_allclose(f(), 1.0 * np.random.default_rng(153).normal(size=3)[2])
    g.set_value(seed=153)
    assert float(f()) == pytest.approx(1.45769255)
    g.set_value(np.random.default_rng(153))
    assert float(f()) == pytest.approx(1.45769255)
    h = pt.random.shared_rng(np.random.default_rng(3))
    assert h.get_value().bit_generator.state == np.random.default_rng(3).bit_generator.state
    with pytest.raises(ValueError):
        pt.random.shared_rng(np.random.default_rng(3), seed=3)
    with pytest.raises(TypeError):
        g.normal(rng=g)


def test_symbolic_rng_methods():
    s = pt.random.rng("s")
    assert isinstance(s, pt.random.RandomGeneratorVariable) and s.name == "s"
    n2, y = s.uniform(0, 1, size=3)
    fn = tensorsmith.function([tensorsmith.In(s, mutable=True)], [n2, y])
    gen, draws = fn(np.random.default_rng(0))
    np.testing.assert_array_equal(draws, np.random.default_rng(0).uniform(0, 1, size=3))
    assert isinstance(gen, np.random.Generator)
    assert s.gamma(2.0, scale=1.0)[1].type.shape == ()
    assert s.choice(5, size=2)[1].type.shape == (2,) and s.permutation(4)[1].dtype == "int64"
    assert s.weibull(2.0, size=(2, 2))[1].type.shape == (2, 2)
    nr, d = pt.random.normal(0, 1, rng=s, return_next_rng=True)
    assert nr.type == s.type and d is nr.owner.outputs[1]
