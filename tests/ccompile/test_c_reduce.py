"""The C linker on reductions: CAReduce (sum, prod, max, min, all, any),
FusedReduce and LogSumExp, against the Python linker and NumPy, over dtypes,
axes (None, 0, -1, (0, 2), all of a 3-d array), contiguous, transposed,
stepped and empty inputs, and NaN.

Tolerances: float64 results within 1e-12 (relative) of NumPy's (the C loop
sums in eight lanes combined pairwise, NumPy pairwise in blocks: the orders
differ); float32 sums within 1e-5 (accumulated in double, rounded once;
NumPy sums float32 pairwise in float32); integers, max and min exactly."""
import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
from ccache_support import NO_COMPILER

pytestmark = pytest.mark.skipif(NO_COMPILER is not None, reason=f"no C compiler: {NO_COMPILER}")

PY_RUN = ts.Mode(linker="py", optimizer="FAST_RUN")
AXES = [None, 0, -1, (0, 2), (0, 1, 2)]
REDUCERS = {"sum": (pt.sum, np.sum), "prod": (pt.prod, np.prod), "max": (pt.max, np.max),
            "min": (pt.min, np.min)}


@pytest.fixture(scope="module")
def c_run(tmp_path_factory):
    from tensorsmith_ccompile.cache import CompileCache
    from tensorsmith_ccompile.linker import CLinker

    cache = CompileCache(tmp_path_factory.mktemp("ccache"), max_bytes=0)
    return ts.Mode(linker=CLinker(cache=cache), optimizer="FAST_RUN")


def _backends(f):
    from tensorsmith_ccompile import node_backends

    return node_backends(f)


def _tol(dt):
    return {"float64": 1e-12, "float32": 1e-5}.get(dt, 0)


def _inputs(dt, rng):
    """3-d arrays of ``dt``: contiguous, transposed, stepped, reversed."""
    if np.dtype(dt).kind == "f":
        base = rng.uniform(0.5, 1.5, size=(8, 10, 12)).astype(dt)
    elif dt == "bool":
        base = rng.integers(0, 2, size=(8, 10, 12)).astype(dt)
    elif np.dtype(dt).kind == "u":
        base = rng.integers(0, 4, size=(8, 10, 12)).astype(dt)
    else:
        base = rng.integers(-3, 4, size=(8, 10, 12)).astype(dt)
    return [base[:4, :5, :6].copy(),                  # contiguous
            base[:6, :5, :4].transpose(2, 1, 0),      # transposed
            base[::2, 1::3, ::2],                     # stepped slices
            base[::-2, :3, ::-3]]                     # negative steps


@pytest.mark.parametrize("dt", ["float64", "float32", "int8", "int32", "int64", "uint8", "bool"])
def test_careduce_against_py_and_numpy(c_run, dt):
    x = pt.tensor(dtype=dt, shape=(None, None, None), name="x")
    names = [(r, ax) for r in REDUCERS for ax in AXES]
    outs = [REDUCERS[r][0](x, axis=ax) for r, ax in names]
    outs += [pt.sum(x, axis=1, keepdims=True), pt.max(x, axis=(0, 2), keepdims=True),
             pt.all(x, axis=0), pt.any(x, axis=-1)]
    f = ts.function([x], outs, mode=c_run)
    g = ts.function([x], outs, mode=PY_RUN)
    reductions = [b for n, b in _backends(f) if "Sum" in str(n.op) or "Max" in str(n.op)
                  or "Min" in str(n.op) or "Prod" in str(n.op) or "All" in str(n.op) or "Any" in str(n.op)]
    assert reductions and set(reductions) == {"c"}, _backends(f)
    for a in _inputs(dt, np.random.default_rng(0)):
        rs, refs = f(a), g(a)
        nps = [REDUCERS[r][1](a, axis=ax) for r, ax in names]
        nps += [a.sum(axis=1, keepdims=True), a.max(axis=(0, 2), keepdims=True), a.all(axis=0),
                a.any(axis=-1)]
        for (r, ref, want), what in zip(zip(rs, refs, nps), names + ["sum kd", "max kd", "all", "any"]):
            assert r.dtype == ref.dtype == want.dtype, (what, r.dtype, ref.dtype, want.dtype)
            assert r.shape == ref.shape == want.shape, what
            np.testing.assert_allclose(r, ref, rtol=_tol(dt), err_msg=str(what))
            np.testing.assert_allclose(r, want, rtol=_tol(dt), err_msg=str(what))


def test_dtype_argument_and_nan(c_run):
    """sum/prod with a dtype; NaN propagates through max/min/sum as NumPy's."""
    x = pt.tensor(dtype="float64", shape=(None, None), name="x")
    i = pt.tensor(dtype="int8", shape=(None, None), name="i")
    outs = [pt.max(x, axis=1), pt.min(x, axis=0), pt.max(x), pt.sum(x, axis=1), pt.prod(x, axis=0),
            pt.sum(i, axis=0, dtype="int8"), pt.sum(i, dtype="float32"), pt.sum(x, dtype="float32"),
            pt.sum(i)]
    f = ts.function([x, i], outs, mode=c_run)
    g = ts.function([x, i], outs, mode=PY_RUN)
    assert all(b == "c" for n, b in _backends(f)), _backends(f)
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 7))
    a[1, 3] = np.nan
    a[4, 0] = np.nan
    a[2, 2] = np.inf
    b = rng.integers(-128, 127, size=(5, 7)).astype("int8")
    nps = [np.max(a, 1), np.min(a, 0), np.max(a), np.sum(a, 1), np.prod(a, 0), b.sum(0, dtype="int8"),
           b.sum(dtype="float32"), a.sum(dtype="float32"), b.sum()]
    for k, (r, ref, want) in enumerate(zip(f(a, b), g(a, b), nps)):
        assert r.dtype == ref.dtype == want.dtype, k
        np.testing.assert_allclose(r, ref, rtol=1e-6, err_msg=str(k))
        np.testing.assert_allclose(r, want, rtol=1e-6, err_msg=str(k))
    assert np.isnan(f(a, b)[2])


def test_empty(c_run):
    x = pt.tensor(dtype="float64", shape=(None, None, None), name="x")
    outs = [pt.sum(x), pt.prod(x, axis=0), pt.sum(x, axis=(0, 2)), pt.max(x, axis=0), pt.min(x)]
    f = ts.function([x], outs[:3], mode=c_run)
    for a, want in [(np.zeros((0, 3, 2)), [0.0, np.ones((3, 2)), np.zeros(3)]),
                    (np.zeros((2, 0, 3)), [0.0, np.ones((0, 3)), np.zeros(0)])]:
        for r, w in zip(f(a), want):
            assert r.shape == np.shape(w)
            np.testing.assert_array_equal(r, w)
    # max over an empty axis: the Python linker's ValueError and message
    for out in outs[3:]:
        fc = ts.function([x], out, mode=c_run)
        fp = ts.function([x], out, mode=PY_RUN)
        assert all(b == "c" for _, b in _backends(fc))
        a = np.zeros((0, 3, 2))
        with pytest.raises(ValueError) as ec:
            fc(a)
        with pytest.raises(ValueError) as ep:
            fp(a)
        assert str(ep.value) in str(ec.value), (ec.value, ep.value)
    # max over a non-empty axis of an array empty elsewhere: an empty result
    fc = ts.function([x], pt.max(x, axis=0), mode=c_run)
    assert fc(np.zeros((2, 0, 3))).shape == (0, 3)


def test_float32_sum_is_accurate(c_run):
    """1e7 float32 elements: a float32 running sum would be off by ~1e-3; the
    C sum (double accumulator) is within 1e-6 of the float64 sum."""
    x = pt.vector("x", dtype="float32")
    f = ts.function([x], [pt.sum(x), pt.sum(pt.exp(x))], mode=c_run)
    a = np.random.default_rng(2).uniform(0, 1, size=10**7).astype("float32")
    s, se = f(a)
    assert s.dtype == se.dtype == np.float32
    np.testing.assert_allclose(s, a.astype("float64").sum(), rtol=1e-6)
    np.testing.assert_allclose(se, np.exp(a.astype("float64")).sum(), rtol=1e-6)


def test_fused_reduce_and_logsumexp(c_run):
    x = pt.matrix("x")
    y = pt.row("y")
    i = pt.tensor(dtype="int32", shape=(None, None), name="i")
    outs = [pt.log(pt.sum(pt.exp(x - x.max(axis=1, keepdims=True)), axis=1)),
            pt.sum(x ** 2),
            pt.max(pt.abs(x * y), axis=0),
            pt.sum(pt.exp(x) * y + 1, axis=1),
            pt.sum(i * i, axis=0),
            pt.prod(x * 0.5 + 1, axis=-1)]
    f = ts.function([x, y, i], outs, mode=c_run)
    g = ts.function([x, y, i], outs, mode=PY_RUN)
    be = _backends(f)
    kinds = {type(n.op).__name__ for n, b in be if b == "c"}
    assert {"FusedReduce", "LogSumExp", "Max"} <= kinds, be
    assert all(b == "c" for n, b in be if type(n.op).__name__ != "DimShuffle"), be
    rng = np.random.default_rng(3)
    for a in [rng.normal(size=(30, 40)), rng.normal(size=(40, 30)).T, rng.normal(size=(60, 90))[::2, ::3]]:
        yv = rng.normal(size=(1, a.shape[1]))
        iv = rng.integers(-100, 100, size=a.shape).astype("int32")
        m = a.max(axis=1, keepdims=True)
        nps = [np.log(np.exp(a - m).sum(axis=1)), (a ** 2).sum(), np.abs(a * yv).max(axis=0),
               (np.exp(a) * yv + 1).sum(axis=1), (iv * iv).sum(axis=0), (a * 0.5 + 1).prod(axis=-1)]
        for k, (r, ref, want) in enumerate(zip(f(a, yv, iv), g(a, yv, iv), nps)):
            assert r.dtype == ref.dtype == want.dtype, k
            np.testing.assert_allclose(r, ref, rtol=1e-12, err_msg=str(k))
            np.testing.assert_allclose(r, want, rtol=1e-12, err_msg=str(k))
    # logsumexp: -inf rows, NaN rows, empty rows
    a = rng.normal(size=(4, 5))
    a[1] = -np.inf
    a[2, 3] = np.nan
    args = (a, np.ones((1, 5)), np.zeros((4, 5), "int32"))
    r = f(*args)[0]
    with np.errstate(invalid="ignore"):  # the Python linker's -inf - -inf
        ref = g(*args)[0]
    np.testing.assert_array_equal(np.isnan(r), np.isnan(ref))
    np.testing.assert_allclose(r, ref, rtol=1e-12)


def test_logsumexp_float32_and_direct(c_run):
    x = pt.tensor(dtype="float32", shape=(None, None, None), name="x")
    outs = [pt.logsumexp(x, axis=1), pt.logsumexp(x), pt.logsumexp(x, axis=(0, 2))]
    f = ts.function([x], outs, mode=c_run)
    g = ts.function([x], outs, mode=PY_RUN)
    assert all(b == "c" for _, b in _backends(f)), _backends(f)
    a = (np.random.default_rng(4).normal(size=(6, 7, 8)) * 10).astype("float32")
    for r, ref in zip(f(a), g(a)):
        assert r.dtype == ref.dtype == np.float32
        np.testing.assert_allclose(r, ref, rtol=1e-5)
    e = np.zeros((0, 3, 2), "float32")
    for r, ref in zip(f(e), g(e)):
        assert r.shape == ref.shape
        np.testing.assert_array_equal(r, ref)
