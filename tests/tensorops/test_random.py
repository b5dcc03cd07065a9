"""Random variables: explicit generator threading, RandomStream with default
updates, reproducibility, shapes and dtypes, and moments of each distribution."""
import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith_autodiff import DisconnectedInputError

ptr = pt.random
N = 20000


def _draw(build, seed=0):
    """Compile ``build(rng)`` with a constant-free explicit generator input; return draws."""
    rng = ptr.random_generator_type("rng")
    out = build(rng)
    f = tensorsmith.function([rng], out)
    return f(np.random.default_rng(seed))


# ---------------------------------------------------------------------------
# generator threading
# ---------------------------------------------------------------------------


def test_explicit_threading_returns_next_rng_and_leaves_input_alone():
    rng = ptr.random_generator_type("rng")
    loc = pt.dvector("loc")
    x = ptr.normal(loc, 2.0, rng=rng)
    next_rng = x.owner.outputs[0]
    assert isinstance(next_rng.type, ptr.RandomGeneratorType)
    assert x.owner.inputs[0] is rng
    f = tensorsmith.function([rng, loc], [next_rng, x])
    g0 = np.random.default_rng(7)
    state = g0.bit_generator.state
    r1, d1 = f(g0, [0.0, 10.0])
    assert g0.bit_generator.state == state  # not mutated
    r1b, d1b = f(g0, [0.0, 10.0])
    np.testing.assert_array_equal(d1, d1b)  # same input generator, same draws
    np.testing.assert_array_equal(d1, np.random.default_rng(7).normal([0.0, 10.0], 2.0))  # NumPy semantics
    assert isinstance(r1, np.random.Generator) and r1.bit_generator.state != state
    _, d2 = f(r1, [0.0, 10.0])
    ref = np.random.default_rng(7)
    ref.normal(size=2)
    np.testing.assert_array_equal(d2, ref.normal([0.0, 10.0], 2.0))


def test_chained_draws_in_one_graph():
    rng = ptr.random_generator_type("rng")
    a = ptr.uniform(size=3, rng=rng)
    b = ptr.uniform(size=3, rng=a.owner.outputs[0])
    va, vb = tensorsmith.function([rng], [a, b])(np.random.default_rng(3))
    ref = np.random.default_rng(3)
    np.testing.assert_array_equal(va, ref.uniform(size=3))
    np.testing.assert_array_equal(vb, ref.uniform(size=3))


def test_shared_generator_and_updates():
    g = np.random.default_rng(5)
    s = pt.shared(g)
    assert isinstance(s, ptr.RandomGeneratorSharedVariable)
    assert s.get_value() is not g and s.get_value(borrow=True) is not g
    x = ptr.normal(size=(2,), rng=s)
    f = tensorsmith.function([], x, updates=[(s, x.owner.outputs[0])])
    v1, v2 = f(), f()
    assert not np.array_equal(v1, v2)
    ref = np.random.default_rng(5)
    np.testing.assert_array_equal(v1, ref.normal(size=2))
    np.testing.assert_array_equal(v2, ref.normal(size=2))
    assert g.bit_generator.state == np.random.default_rng(5).bit_generator.state
    # without an update the shared generator stays put
    f2 = tensorsmith.function([], x)
    np.testing.assert_array_equal(f2(), f2())
    with pytest.raises(TypeError):
        s.set_value(3)


def test_random_stream_advances_and_reproduces():
    srng = ptr.RandomStream(123)
    x = srng.normal(0, 1, size=(3,))
    y = srng.uniform(size=(2,))
    rng_var = x.owner.inputs[0]
    assert rng_var.default_update is x.owner.outputs[0]
    before = rng_var.get_value().bit_generator.state
    f = tensorsmith.function([], [x, y])
    a1, b1 = f()
    a2, b2 = f()
    assert not np.array_equal(a1, a2) and not np.array_equal(b1, b2)
    assert rng_var.get_value().bit_generator.state != before
    # same seed, same draws
    srng2 = ptr.RandomStream(123)
    f2 = tensorsmith.function([], [srng2.normal(0, 1, size=(3,)), srng2.uniform(size=(2,))])
    c1, d1 = f2()
    np.testing.assert_array_equal(a1, c1)
    np.testing.assert_array_equal(b1, d1)
    # reseeding restarts the stream
    srng.seed(123)
    e1, _ = f()
    np.testing.assert_array_equal(e1, a1)
    srng.seed(9)
    e2, _ = f()
    assert not np.array_equal(e2, a1)
    assert len(srng.updates()) == 2
    # no_default_updates keeps the generators fixed
    g = tensorsmith.function([], x, no_default_updates=True)
    np.testing.assert_array_equal(g(), g())


def test_random_stream_gamma_and_errors():
    srng = ptr.RandomStream(1)
    assert srng.gamma(2.0, rate=3.0, size=4).type.shape == (4,)
    with pytest.raises(AttributeError):
        srng.not_a_distribution
    with pytest.raises(AttributeError):
        srng.NormalRV
    with pytest.raises(TypeError):
        srng.normal(rng=ptr.default_rng(1))


def test_not_differentiable():
    mu = pt.dscalar("mu")
    x = ptr.normal(mu, 1.0, size=3, rng=ptr.default_rng(0))
    # as in PyTensor: the gradient of draws with respect to their parameters
    # is undefined, and asking for it raises an error naming the op
    from tensorsmith_autodiff import NullGradientError

    with pytest.raises(NullGradientError, match="normal"):
        pt.grad(x.sum(), mu)


# ---------------------------------------------------------------------------
# shapes and dtypes
# ---------------------------------------------------------------------------


def test_static_shapes_and_broadcasting():
    assert ptr.normal(0, 1).type.shape == ()
    assert ptr.normal(0, 1, size=(2, 3)).type.shape == (2, 3)
    assert ptr.normal(np.zeros(3), 1, size=(2, 3)).type.shape == (2, 3)
    assert ptr.normal(np.zeros((4, 1)), np.ones(3)).type.shape == (4, 3)
    assert ptr.normal(pt.dvector(), 1.0).type.shape == (None,)
    assert ptr.normal(0, 1, size=5).type.shape == (5,)
    n = pt.lscalar("n")
    xn = ptr.normal(0, 1, size=(n, 2), rng=ptr.default_rng(0))
    assert xn.type.shape == (None, 2)
    assert tensorsmith.function([n], xn)(4).shape == (4, 2)
    xs = ptr.uniform(size=n, rng=ptr.default_rng(0))
    assert xs.type.shape == (None,)
    assert tensorsmith.function([n], xs)(3).shape == (3,)
    sv = pt.lvector("sv")
    with pytest.raises(ValueError, match="unknown length"):
        ptr.normal(size=sv)
    assert ptr.normal(size=pt.tensor(dtype="int64", shape=(2,))).type.shape == (None, None)
    assert ptr.dirichlet(np.ones(3), size=(4,)).type.shape == (4, 3)
    assert ptr.multinomial(10, np.ones(4) / 4, size=(2, 5)).type.shape == (2, 5, 4)
    assert ptr.multivariate_normal(np.zeros(2), np.eye(2)).type.shape == (2,)
    assert ptr.multivariate_normal(np.zeros((3, 2)), np.eye(2), size=(4, 3)).type.shape == (4, 3, 2)
    assert ptr.categorical(np.ones((2, 5)) / 5).type.shape == (2,)
    assert ptr.choice(5, size=(2, 3)).type.shape == (2, 3)
    assert ptr.choice(np.arange(6).reshape(3, 2), size=4).type.shape == (4, 2)
    assert ptr.permutation(5).type.shape == (5,)
    assert ptr.permutation(np.ones((3, 2))).type.shape == (3, 2)
    with pytest.raises(ValueError):
        ptr.normal(np.zeros(3), 1, size=(2, 4))
    with pytest.raises(ValueError):
        ptr.dirichlet(1.0)
    with pytest.raises(TypeError):
        ptr.normal(rng=3)


def test_runtime_shapes_and_errors():
    loc = pt.dvector("loc")
    x = ptr.normal(loc, 1.0, size=(4, 3), rng=ptr.default_rng(0))
    f = tensorsmith.function([loc], x)
    assert f(np.zeros(3)).shape == (4, 3)
    assert f(np.zeros(1)).shape == (4, 3)
    with pytest.raises(ValueError, match="normal"):
        f(np.zeros(2))
    v = _draw(lambda r: ptr.normal(np.arange(3.0)[:, None] * 100, np.ones(2) * 1e-9, rng=r))
    assert v.shape == (3, 2)
    np.testing.assert_allclose(v, np.broadcast_to(np.arange(3.0)[:, None] * 100, (3, 2)), atol=1e-6)


@pytest.mark.parametrize("build,dtype", [
    (lambda r: ptr.normal(size=2, rng=r), "float64"),
    (lambda r: ptr.normal(size=2, rng=r, dtype="float32"), "float32"),
    (lambda r: ptr.uniform(size=2, rng=r), "float64"),
    (lambda r: ptr.integers(5, size=2, rng=r), "int64"),
    (lambda r: ptr.integers(2, 9, size=2, rng=r, dtype="int32"), "int32"),
    (lambda r: ptr.bernoulli(0.5, size=2, rng=r), "int64"),
    (lambda r: ptr.poisson(3.0, size=2, rng=r), "int64"),
    (lambda r: ptr.binomial(4, 0.5, size=2, rng=r), "int64"),
    (lambda r: ptr.categorical(np.ones(3) / 3, size=2, rng=r), "int64"),
    (lambda r: ptr.multinomial(5, np.ones(3) / 3, rng=r), "int64"),
    (lambda r: ptr.choice(np.arange(4, dtype="int16"), size=2, rng=r), "int16"),
    (lambda r: ptr.permutation(np.arange(4.0), rng=r), "float64"),
    (lambda r: ptr.dirichlet(np.ones(3), rng=r), "float64"),
])
def test_dtypes(build, dtype):
    v = _draw(build)
    assert v.dtype == np.dtype(dtype)
    assert build(ptr.random_generator_type()).type.dtype == dtype


def test_float32_floatx():
    with pt.config.change_flags(floatX="float32"):
        assert ptr.normal(0, 1, size=3).type.dtype == "float32"
        assert ptr.beta(2.0, 3.0).type.dtype == "float32"
        assert ptr.poisson(2.0).type.dtype == "int64"


# ---------------------------------------------------------------------------
# moments
# ---------------------------------------------------------------------------

MOMENTS = [
    ("normal", lambda r: ptr.normal(2.0, 3.0, size=N, rng=r), 2.0, 9.0),
    ("standard_normal", lambda r: ptr.standard_normal(size=N, rng=r), 0.0, 1.0),
    ("uniform", lambda r: ptr.uniform(-1.0, 3.0, size=N, rng=r), 1.0, 16 / 12),
    ("integers", lambda r: ptr.integers(2, 8, size=N, rng=r), 4.5, (36 - 1) / 12),
    ("integers_one_arg", lambda r: ptr.integers(6, size=N, rng=r), 2.5, 35 / 12),
    ("bernoulli", lambda r: ptr.bernoulli(0.3, size=N, rng=r), 0.3, 0.21),
    ("binomial", lambda r: ptr.binomial(10, 0.4, size=N, rng=r), 4.0, 2.4),
    ("poisson", lambda r: ptr.poisson(3.5, size=N, rng=r), 3.5, 3.5),
    ("beta", lambda r: ptr.beta(2.0, 5.0, size=N, rng=r), 2 / 7, 10 / (49 * 8)),
    ("gamma_rate", lambda r: ptr.gamma(3.0, rate=2.0, size=N, rng=r), 1.5, 0.75),
    ("gamma_scale", lambda r: ptr.gamma(3.0, scale=2.0, size=N, rng=r), 6.0, 12.0),
    ("exponential", lambda r: ptr.exponential(2.0, size=N, rng=r), 2.0, 4.0),
    ("lognormal", lambda r: ptr.lognormal(0.2, 0.5, size=N, rng=r), np.exp(0.2 + 0.125),
     (np.exp(0.25) - 1) * np.exp(0.4 + 0.25)),
    ("halfnormal", lambda r: ptr.halfnormal(1.0, 2.0, size=N, rng=r), 1 + 2 * np.sqrt(2 / np.pi),
     4 * (1 - 2 / np.pi)),
    ("t", lambda r: ptr.t(5.0, 1.0, 2.0, size=N, rng=r), 1.0, 4 * 5 / 3),
    ("laplace", lambda r: ptr.laplace(1.0, 2.0, size=N, rng=r), 1.0, 8.0),
    ("logistic", lambda r: ptr.logistic(1.0, 2.0, size=N, rng=r), 1.0, np.pi ** 2 * 4 / 3),
    ("categorical", lambda r: ptr.categorical(np.array([0.2, 0.5, 0.3]), size=N, rng=r), 1.1, 0.49),
    ("choice_p", lambda r: ptr.choice(np.array([1.0, 5.0]), size=N, p=np.array([0.25, 0.75]), rng=r),
     4.0, 3.0),
    ("choice_range", lambda r: ptr.choice(4, size=N, rng=r), 1.5, 1.25),
]


@pytest.mark.parametrize("name,build,mean,var", MOMENTS, ids=[m[0] for m in MOMENTS])
def test_moments(name, build, mean, var):
    v = _draw(build, seed=11)
    assert v.shape == (N,)
    sd = np.sqrt(var)
    assert abs(v.mean() - mean) < 5 * sd / np.sqrt(N) + 1e-12
    tol = 0.15 if name == "t" else 0.06
    assert abs(v.var() - var) < tol * var


def test_heavy_tailed_medians():
    c = _draw(lambda r: ptr.cauchy(1.0, 2.0, size=N, rng=r))
    assert abs(np.median(c) - 1.0) < 0.1
    assert abs(np.quantile(c, 0.75) - 3.0) < 0.2  # loc + scale
    h = _draw(lambda r: ptr.halfcauchy(1.0, 2.0, size=N, rng=r))
    assert h.min() >= 1.0
    assert abs(np.median(h) - 3.0) < 0.2


def test_multivariate_moments():
    alpha = np.array([1.0, 2.0, 5.0])
    d = _draw(lambda r: ptr.dirichlet(alpha, size=N, rng=r))
    assert d.shape == (N, 3)
    np.testing.assert_allclose(d.sum(-1), 1.0)
    np.testing.assert_allclose(d.mean(0), alpha / alpha.sum(), atol=0.01)
    p = np.array([0.1, 0.6, 0.3])
    m = _draw(lambda r: ptr.multinomial(20, p, size=N, rng=r))
    assert m.shape == (N, 3)
    assert np.all(m.sum(-1) == 20)
    np.testing.assert_allclose(m.mean(0), 20 * p, atol=0.1)
    mean = np.array([1.0, -2.0])
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    x = _draw(lambda r: ptr.multivariate_normal(mean, cov, size=N, rng=r))
    assert x.shape == (N, 2)
    np.testing.assert_allclose(x.mean(0), mean, atol=0.05)
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.08)
    # singular (semi-definite) covariance
    xs = _draw(lambda r: ptr.multivariate_normal(np.zeros(2), np.ones((2, 2)), size=1000, rng=r))
    np.testing.assert_allclose(xs[:, 0], xs[:, 1], atol=1e-6)


def test_batched_multivariate():
    alphas = np.array([[1.0, 1.0], [10.0, 1.0]])
    d = _draw(lambda r: ptr.dirichlet(alphas, size=(N, 2), rng=r))
    assert d.shape == (N, 2, 2)
    np.testing.assert_allclose(d.mean(0)[:, 0], [0.5, 10 / 11], atol=0.01)
    n = np.array([5, 50])
    m = _draw(lambda r: ptr.multinomial(n, np.array([0.5, 0.5]), rng=r))
    assert m.shape == (2, 2) and list(m.sum(-1)) == [5, 50]
    means = np.array([[0.0, 0.0], [10.0, -10.0]])
    covs = np.stack([np.eye(2), 4 * np.eye(2)])
    x = _draw(lambda r: ptr.multivariate_normal(means, covs, size=(N, 2), rng=r))
    np.testing.assert_allclose(x.mean(0), means, atol=0.1)
    np.testing.assert_allclose(x[:, 1].var(0), [4.0, 4.0], rtol=0.06)
    c = _draw(lambda r: ptr.categorical(np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), size=(5, 2), rng=r))
    np.testing.assert_array_equal(c, np.tile([0, 2], (5, 1)))


def test_choice_and_permutation():
    c = _draw(lambda r: ptr.choice(10, size=(10,), replace=False, rng=r))
    assert sorted(c) == list(range(10))
    a = np.arange(12).reshape(6, 2)
    rows = _draw(lambda r: ptr.choice(a, size=3, replace=False, rng=r))
    assert rows.shape == (3, 2) and len({tuple(x) for x in rows}) == 3
    assert all(tuple(x) in {tuple(y) for y in a} for x in rows)
    p = _draw(lambda r: ptr.permutation(7, rng=r))
    assert sorted(p) == list(range(7))
    q = _draw(lambda r: ptr.permutation(a, rng=r))
    assert q.shape == a.shape and sorted(map(tuple, q)) == sorted(map(tuple, a))
    with pytest.raises(ValueError):
        _draw(lambda r: ptr.choice(3, size=(5,), replace=False, rng=r))
    n = pt.lscalar("n")
    f = tensorsmith.function([n], ptr.permutation(n, rng=ptr.default_rng(0)))
    assert sorted(f(4)) == [0, 1, 2, 3]


def test_gamma_signature():
    with pytest.raises(ValueError):
        ptr.gamma(1.0)
    with pytest.raises(ValueError):
        ptr.gamma(1.0, rate=1.0, scale=1.0)
    x = ptr.gamma(2.0, 0.5, size=3)  # second positional is the rate
    assert x.owner.op.name == "gamma"


def test_constant_generator_and_merge():
    g = np.random.default_rng(4)
    x = ptr.normal(size=3, rng=g)
    assert isinstance(x.owner.inputs[0], ptr.RandomGeneratorConstant)
    v = tensorsmith.function([], x)()
    np.testing.assert_array_equal(v, np.random.default_rng(4).normal(size=3))
    assert g.bit_generator.state == np.random.default_rng(4).bit_generator.state
