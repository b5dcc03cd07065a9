"""The C form of every scalar op, per dtype, against the Python linker and
NumPy: values (exact for exact ops; a tolerance written next to each
transcendental op) and output dtypes.  All ops of one dtype group are
compiled as ONE function (one compiler call), in a cache under tmp_path."""
import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
from ccache_support import NO_COMPILER

pytestmark = pytest.mark.skipif(NO_COMPILER is not None, reason=f"no C compiler: {NO_COMPILER}")

FLOATS = ("float64", "float32")
INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")

# float tolerances (rtol, atol) for the libm functions: glibc's double
# functions are within 1 ulp, NumPy's SIMD ones within a few ulp; float32:
# NumPy's own float32 SIMD routines against glibc's expf/sinf/... (<= 4 ulp)
TOL = {"float64": (1e-14, 1e-300), "float32": (3e-6, 1e-37)}
# functions computed through several libm calls (sigmoid, softplus, ...):
# errors of a few ulp add up; erf/erfc near their tails lose relative digits
TOL_COMPOSED = {"float64": (1e-13, 1e-300), "float32": (1e-5, 1e-30)}

EXACT1 = ["neg", "abs", "sign", "sqr", "sqrt", "floor", "ceil", "trunc", "round_half_to_even",
          "round_half_away_from_zero", "isnan", "isinf", "isfinite", "isposinf", "isneginf",
          "logical_not", "reciprocal"]
LIBM1 = ["exp", "log", "log1p", "expm1", "exp2", "log2", "log10", "sin", "cos", "tan", "arcsin",
         "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "cbrt",
         "deg2rad", "rad2deg"]
COMPOSED1 = ["sigmoid", "softplus", "log1mexp", "erf", "erfc", "log_sigmoid", "logit", "gammaln"]
EXACT2 = ["add", "sub", "mul", "true_div", "floor_div", "mod", "maximum", "minimum", "lt", "gt", "le",
          "ge", "eq", "neq", "logical_and", "logical_or", "logical_xor"]
LIBM2 = ["pow", "arctan2", "hypot", "logaddexp"]
INT_ONLY2 = ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"]
INT_ONLY1 = ["bitwise_not"]


def _float_values(dt):
    edge = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-300, -1e-300, 1e300, -1e300, 0.5, -0.5,
                     1.5, 2.5, -2.5, 3.0, -7.0, 1.0, -1.0, 0.3, 0.7, 1e-8, -1e-8, 700.0, -700.0,
                     40.0, -40.0], dtype=np.float64)
    rng = np.random.default_rng(0)
    rnd = np.concatenate([rng.normal(size=30), rng.normal(scale=30, size=10)])
    v = np.concatenate([edge, rnd])
    with np.errstate(over="ignore"):
        return v.astype(dt)


def _int_values(dt):
    info = np.iinfo(dt)
    vals = [info.min, info.max, 0, 1, 2, 3, 7, 100 % (info.max + 1), info.max - 1, info.min + 1]
    if info.min < 0:
        vals += [-1, -2, -3, -7, -100 % (info.min - 1) if info.min > -100 else -100]
    rng = np.random.default_rng(1)
    vals += list(rng.integers(info.min, info.max, size=12, endpoint=True, dtype=dt))
    return np.array(vals, dtype=dt)


def _values(dt):
    if dt == "bool":
        return np.array([True, False])
    return _float_values(dt) if dt in FLOATS else _int_values(dt)


def _pairs(dt):
    """Every pair of the dtype's values: (x, y) arrays."""
    v = _values(dt)
    x, y = np.meshgrid(v, v, indexing="ij")
    return x.ravel(), y.ravel()


@pytest.fixture(scope="module")
def c_mode(tmp_path_factory):
    from tensorsmith_ccompile.cache import CompileCache
    from tensorsmith_ccompile.linker import CLinker

    cache = CompileCache(tmp_path_factory.mktemp("ccache"), max_bytes=0)
    return ts.Mode(linker=CLinker(cache=cache), optimizer=None)


PY = ts.Mode(linker="py", optimizer=None)


def _check_group(c_mode, dt, groups, nin, expect_c=True):
    """Compile every op of ``groups`` ((names, tol) pairs) for ``dt`` as one
    C function, compare with the Python linker; return the names in C."""
    import warnings

    from tensorsmith_ccompile import node_backends

    xs = [pt.vector(f"x{i}", dtype=dt) for i in range(nin)]
    names, outs, tols = [], [], []
    for group, tol in groups:
        for n in group:
            try:
                out = getattr(pt, n)(*xs)
            except (TypeError, ValueError):
                continue
            names.append(n)
            outs.append(out)
            tols.append(tol)
    if not outs:
        return []
    f_c = ts.function(xs, outs, mode=c_mode)
    f_py = ts.function(xs, outs, mode=PY)
    args = _pairs(dt) if nin == 2 else (_values(dt),)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if nin == 2 and dt in INTS:
            # integer power by a negative exponent raises: separately below
            pos = args[1] >= 0
            args = (args[0][pos], args[1][pos])
        res_c = f_c(*args)
        res_py = f_py(*args)
    for n, rc, rp, tol in zip(names, res_c, res_py, tols):
        assert rc.dtype == rp.dtype, f"{n}({dt}): dtype {rc.dtype} != {rp.dtype}"
        if tol is None or rc.dtype.kind != "f":
            np.testing.assert_array_equal(rc, rp, err_msg=f"{n}({dt})")
            if rc.dtype.kind == "f":
                both = ~np.isnan(rc) & ~np.isnan(rp)
                assert (np.signbit(rc[both]) == np.signbit(rp[both])).all(), f"{n}({dt}): sign of zero"
        else:
            # float16 results (functions of int8/bool) run in Python
            rtol, atol = tol.get(rc.dtype.name, (1e-3, 1e-4))
            np.testing.assert_allclose(rc, rp, rtol=rtol, atol=atol, err_msg=f"{n}({dt})")
    in_c = [n for (node, b), n in zip(node_backends(f_c), names) if b == "c"]
    return in_c


@pytest.mark.parametrize("dt", FLOATS)
def test_float_unary(c_mode, dt):
    in_c = _check_group(c_mode, dt, [(EXACT1, None), (LIBM1, TOL), (COMPOSED1, TOL_COMPOSED)], 1)
    # every float function listed has a C form
    assert set(in_c) >= set(EXACT1 + LIBM1 + COMPOSED1) - {"logical_not"}


@pytest.mark.parametrize("dt", FLOATS)
def test_float_binary(c_mode, dt):
    in_c = _check_group(c_mode, dt, [(EXACT2, None), (LIBM2, TOL)], 2)
    assert set(in_c) >= set(EXACT2 + LIBM2)


@pytest.mark.parametrize("dt", INTS + ("bool",))
def test_int_ops(c_mode, dt):
    in_c = _check_group(c_mode, dt, [(EXACT1 + INT_ONLY1, None), (LIBM1, TOL)], 1)
    in_c2 = _check_group(c_mode, dt, [(EXACT2 + INT_ONLY2 + ["pow"], None)], 2)
    if dt != "bool":
        assert {"neg", "abs", "sqr", "bitwise_not"} <= set(in_c)
        assert {"add", "sub", "mul", "floor_div", "mod", "maximum", "lt", "bitwise_and", "pow",
                "true_div"} <= set(in_c2)


def test_ufunc_reference(c_mode):
    """C against the NumPy ufunc directly (and its dtype), float64 and int64."""
    for dt, names in [("float64", ["add", "true_div", "floor_div", "mod", "maximum", "minimum", "exp"]),
                      ("int64", ["add", "mul", "floor_div", "mod", "true_div", "maximum"])]:
        x, y = pt.vector("x", dtype=dt), pt.vector("y", dtype=dt)
        ops = [getattr(pt, n) for n in names]
        outs = [op(x, y) if op.scalar_op.nin != 1 else op(x) for op in ops]
        f = ts.function([x, y], outs, mode=c_mode)
        a, b = _pairs(dt)
        with np.errstate(all="ignore"):
            for op, r in zip(ops, f(a, b)):
                uf = op.scalar_op.ufunc
                ref = uf(a) if uf.nin == 1 else uf(a, b)
                assert r.dtype == ref.dtype, (op, r.dtype, ref.dtype)
                np.testing.assert_allclose(r, ref, rtol=1e-14, err_msg=str(op))


def test_int_negative_power_raises(c_mode):
    x, y = pt.lvector("x"), pt.lvector("y")
    f = ts.function([x, y], x ** y, mode=c_mode)
    np.testing.assert_array_equal(f(np.array([2, 3, -2]), np.array([10, 0, 63])),
                                  np.array([2, 3, -2]) ** np.array([10, 0, 63]))
    with pytest.raises(ValueError, match="negative integer powers"):
        f(np.array([2]), np.array([-1]))


def test_casts_switch_clip(c_mode):
    x = pt.dvector("x")
    i = pt.lvector("i")
    outs = [pt.cast(x, "int32"), pt.cast(x, "bool"), pt.cast(x, "float32"), pt.cast(i, "int8"),
            pt.cast(i, "float64"), pt.cast(i, "uint8"), pt.switch(x > 0, x, i), pt.clip(x, -1.0, 2.0),
            pt.clip(i, -3, 5), pt.second(i, x), pt.switch(i, x, -x)]
    f_c = ts.function([x, i], outs, mode=c_mode)
    f_py = ts.function([x, i], outs, mode=PY)
    xv = np.array([0.0, -0.0, 0.5, -0.5, 1.7, -1.7, 3.0, 1e9, np.nan, -5.0, 2.0, 0.0001])
    iv = np.array([0, 1, -1, 255, 256, -129, 7, 1 << 40, -3, 5, 2, 1])
    finite = np.isfinite(xv)
    with np.errstate(all="ignore"):
        for k, (rc, rp) in enumerate(zip(f_c(xv, iv), f_py(xv, iv))):
            assert rc.dtype == rp.dtype
            if k == 0:  # float -> int of NaN is undefined in C and NumPy alike
                rc, rp = rc[finite], rp[finite]
            np.testing.assert_array_equal(rc, rp, err_msg=str(outs[k]))
