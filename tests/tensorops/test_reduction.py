"""Reductions vs NumPy: sum prod mean var std max min argmax argmin all any
ptp median logsumexp cumsum cumprod (values, dtypes, static shapes, keepdims,
axes, empty and 0-d inputs, gradients, forward mode, errors)."""
import warnings

import numpy as np
import pytest
import scipy.special
from tensorsmith_autodiff import is_not_differentiable, pushforward

import tensorsmith
import tensorsmith.tensor as pt
from tests.tensorops.utils import assert_op_matches, check_grad, compile_eval

rng = np.random.default_rng(11)


def values(shape, dtype):
    if dtype == "bool":
        return rng.uniform(size=shape) > 0.5
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-3 if np.dtype(dtype).kind == "i" else 0, 4, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def _np_logsumexp(x, axis=None, keepdims=False):
    dt = "float64" if x.dtype.kind in "biu" else x.dtype
    r = np.asarray(scipy.special.logsumexp(x.astype(dt), axis=axis)).astype(dt)
    if keepdims:
        r = np.expand_dims(r, tuple(range(x.ndim)) if axis is None else axis)
    return r


def _np_arg(fn):
    """NumPy's argmax/argmin extended to tuples of axes (reduced as one
    flattened axis, in C order), as ``pt.argmax``."""

    def ref(x, axis=None, keepdims=False):
        if axis is None or isinstance(axis, int):
            return fn(x, axis=axis, keepdims=keepdims)
        axes = tuple(a % x.ndim for a in axis)
        keep = [i for i in range(x.ndim) if i not in axes]
        xt = np.transpose(x, keep + sorted(axes))
        r = fn(xt.reshape(xt.shape[:len(keep)] + (-1,)), axis=-1)
        if keepdims:
            r = np.expand_dims(r, sorted(axes))
        return r

    return ref


# name: (numpy reference, dtypes supported, needs a non-empty reduced axis)
REDUCTIONS = {
    "sum": (np.sum, ("float64", "float32", "int8", "uint8", "bool"), False),
    "prod": (np.prod, ("float64", "float32", "int8", "bool"), False),
    "mean": (np.mean, ("float64", "float32", "int16", "bool"), False),
    "var": (np.var, ("float64", "float32", "int32"), False),
    "std": (np.std, ("float64", "float32", "int32"), False),
    "max": (np.max, ("float64", "float32", "int8", "bool"), True),
    "min": (np.min, ("float64", "float32", "uint8", "bool"), True),
    "argmax": (_np_arg(np.argmax), ("float64", "int8", "bool"), True),
    "argmin": (_np_arg(np.argmin), ("float32", "int64"), True),
    "all": (np.all, ("float64", "int8", "bool"), False),
    "any": (np.any, ("float64", "int8", "bool"), False),
    "ptp": (np.ptp, ("float64", "float32", "int32"), True),
    "median": (np.median, ("float64", "float32", "int32"), False),
    "logsumexp": (_np_logsumexp, ("float64", "float32", "int8"), False),
}

AXES = [((3, 4, 5), None), ((3, 4, 5), 1), ((3, 4, 5), -1), ((3, 4, 5), (0, 2)), ((3, 4, 5), (-1, -3)),
        ((3, 4, 5), ()), ((), None), ((4,), 0), ((4, 1), 1), ((2, 0, 3), 2), ((2, 0, 3), 1)]


def _empty_reduction(shape, axis):
    if not shape:
        return False
    axes = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    return any(shape[a] == 0 for a in axes)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("shape,axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_matches_numpy(name, shape, axis, keepdims):
    ref, dtypes, needs_elements = REDUCTIONS[name]
    fn = getattr(pt, name)
    if name == "median" and axis == ():
        pytest.skip("numpy.median rejects axis=()")
    for dt in dtypes:
        v = values(shape, dt)
        if needs_elements and _empty_reduction(shape, axis):
            x = pt.tensor("x", dtype=dt, shape=(None,) * len(shape))
            f = tensorsmith.function([x], fn(x, axis=axis, keepdims=keepdims))
            with pytest.raises(ValueError, match=r"\(2, 0, 3\)"):
                f(v)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # mean of empty
            rtol = 1e-5 if dt in ("float32", "float16") else 1e-7
            assert_op_matches(lambda x: fn(x, axis=axis, keepdims=keepdims),
                              lambda x: ref(x, axis=axis, keepdims=keepdims), [v], rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_transposed_input_and_static_shape(name):
    ref, dtypes, _ = REDUCTIONS[name]
    fn = getattr(pt, name)
    v = values((4, 3, 5), dtypes[0]).transpose(2, 0, 1)  # non-contiguous
    for axis, keepdims in [(None, False), (1, True), ((0, 2), False), (-1, False)]:
        x = pt.tensor("x", dtype=v.dtype, shape=v.shape)
        out = fn(x, axis=axis, keepdims=keepdims)
        got = compile_eval([x], out, [v])
        expected = ref(v, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(got, expected, rtol=1e-7)
        assert got.dtype == np.asarray(expected).dtype
        assert out.type.shape == np.shape(expected)


def test_numpy2_dtypes():
    for dt, op, expected in [("int8", pt.sum, "int64"), ("bool", pt.sum, "int64"), ("uint8", pt.sum, "uint64"),
                             ("int8", pt.prod, "int64"), ("int32", pt.mean, "float64"), ("bool", pt.mean, "float64"),
                             ("float32", pt.mean, "float32"), ("int8", pt.var, "float64"),
                             ("complex64", pt.var, "float32"), ("int8", pt.max, "int8"), ("int8", pt.argmax, "int64"),
                             ("float32", pt.logsumexp, "float32"), ("int32", pt.median, "float64"),
                             ("int8", pt.cumsum, "int64"), ("bool", pt.cumsum, "int64"), ("float32", pt.cumprod, "float32")]:
        assert op(pt.tensor(dtype=dt, shape=(None, 3))).type.dtype == expected, (dt, op)


def test_sum_prod_dtype_argument():
    v = values((3, 4), "int8")
    assert_op_matches(lambda x: pt.sum(x, axis=0, dtype="int16"), lambda x: np.sum(x, axis=0, dtype="int16"), [v])
    assert_op_matches(lambda x: pt.prod(x, dtype="float32"), lambda x: np.prod(x, dtype="float32"), [v])
    assert_op_matches(lambda x: pt.mean(x, axis=1, dtype="float32"), lambda x: np.mean(x, axis=1, dtype="float32"),
                      [v], rtol=1e-6)


def test_methods():
    v = values((3, 4), "float64")
    x = pt.matrix("x")
    for name in ["sum", "prod", "mean", "var", "std", "max", "min", "argmax", "argmin", "all", "any", "ptp"]:
        np.testing.assert_allclose(compile_eval([x], getattr(x, name)(axis=0), [v]), getattr(np, name)(v, axis=0))
    np.testing.assert_allclose(compile_eval([x], x.cumsum(axis=1), [v]), np.cumsum(v, axis=1))
    np.testing.assert_allclose(compile_eval([x], x.cumprod(), [v]), np.cumprod(v))


@pytest.mark.parametrize("ddof,corrected", [(0, False), (1, False), (2, True), (0, True)])
def test_var_std_ddof(ddof, corrected):
    v = rng.normal(size=(4, 5)) + 1e3
    for axis in [None, 0, (0, 1), -1]:
        assert_op_matches(lambda x: pt.var(x, axis=axis, ddof=ddof, corrected=corrected),
                          lambda x: np.var(x, axis=axis, ddof=ddof), [v], rtol=1e-6)
        assert_op_matches(lambda x: pt.std(x, axis=axis, ddof=ddof, keepdims=True, corrected=corrected),
                          lambda x: np.std(x, axis=axis, ddof=ddof, keepdims=True), [v], rtol=1e-6)


def test_var_complex():
    v = rng.normal(size=(3, 4)) + 1j * rng.normal(size=(3, 4))
    assert_op_matches(lambda x: pt.var(x, axis=1), lambda x: np.var(x, axis=1), [v])
    assert_op_matches(lambda x: pt.std(x.astype("complex64")), lambda x: np.std(x.astype("complex64")), [v],
                      rtol=1e-5)


@pytest.mark.parametrize("shape,axis", [((3, 4, 5), None), ((3, 4, 5), 1), ((3, 4, 5), -1), ((3, 4), -2),
                                        ((0, 3), 0), ((0, 3), None), ((), None), ((5,), 0), ((5,), -1)])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative(name, shape, axis):
    if shape == () and axis is not None:
        return
    for dt in ("float64", "float32", "int8", "bool"):
        v = values(shape, dt)
        assert_op_matches(lambda x: getattr(pt, name)(x, axis=axis),
                          lambda x: getattr(np, name)(x, axis=axis), [v], rtol=1e-5)
    v = values((3, 4), "float64").T
    x = pt.tensor("x", shape=v.shape)
    out = getattr(pt, name)(x, axis=axis if len(shape) == 2 else None)
    assert out.type.shape == getattr(np, name)(v, axis=axis if len(shape) == 2 else None).shape


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REDUCTIONS) + ["cumsum", "cumprod"])
def test_axis_out_of_range(name):
    x = pt.tensor("x", shape=(None, None))
    with pytest.raises(ValueError, match="axis 2"):
        getattr(pt, name)(x, axis=2)
    with pytest.raises(ValueError, match="axis -3"):
        getattr(pt, name)(x, axis=-3)


def test_repeated_axis():
    with pytest.raises(ValueError, match="repeated axis"):
        pt.sum(pt.matrix(), axis=(0, -2))


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin", "median", "ptp"])
def test_empty_reduction_error_names_op_and_shape(name):
    x = pt.matrix("x")
    f = tensorsmith.function([x], getattr(pt, name)(x, axis=0))
    msg = {"median": "Median", "ptp": "Max"}.get(name, name.capitalize())
    if name == "median":
        assert np.isnan(f(np.zeros((0, 3)))).all()  # as NumPy
        return
    with pytest.raises(ValueError, match=rf"{msg}.*\(0, 3\)"):
        f(np.zeros((0, 3)))


def test_empty_sum_and_logsumexp():
    x = pt.matrix("x")
    v = np.zeros((0, 3))
    np.testing.assert_array_equal(compile_eval([x], pt.sum(x, axis=0), [v]), np.zeros(3))
    np.testing.assert_array_equal(compile_eval([x], pt.prod(x, axis=0), [v]), np.ones(3))
    np.testing.assert_array_equal(compile_eval([x], pt.logsumexp(x, axis=0), [v]), np.full(3, -np.inf))


# ---------------------------------------------------------------------------
# logsumexp stability
# ---------------------------------------------------------------------------


def test_logsumexp_stable():
    v = np.array([[1000.0, 999.0, -np.inf], [-1000.0, -1001.0, -1000.5], [-np.inf, -np.inf, -np.inf],
                  [np.inf, 0.0, 1.0]])
    x = pt.matrix("x")
    out = pt.logsumexp(x, axis=1)
    with np.errstate(invalid="ignore"):
        expected = scipy.special.logsumexp(v, axis=1)
    np.testing.assert_allclose(compile_eval([x], out, [v]), expected)
    with np.errstate(invalid="ignore"):
        g = compile_eval([x], pt.grad(out[:2].sum(), x), [v])
    assert np.isfinite(g[:3]).all()  # the +inf entry of row 3 gets nan (inf - inf)
    np.testing.assert_allclose(g[:2], scipy.special.softmax(v[:2], axis=1))
    np.testing.assert_array_equal(g[2], 0)


# ---------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------

GRAD_CASES = [
    ("sum", lambda x: pt.sum(x, axis=(0, 2))),
    ("sum_keepdims", lambda x: pt.sum(x, axis=-1, keepdims=True)),
    ("prod", lambda x: pt.prod(x, axis=1)),
    ("mean", lambda x: pt.mean(x, axis=(-1, 0))),
    ("var", lambda x: pt.var(x, axis=1, ddof=1)),
    ("var_corrected", lambda x: pt.var(x, axis=None, corrected=True)),
    ("std", lambda x: pt.std(x, axis=(0, 1), keepdims=True)),
    ("max", lambda x: pt.max(x, axis=1)),
    ("min", lambda x: pt.min(x, axis=(0, 2))),
    ("ptp", lambda x: pt.ptp(x, axis=-1)),
    ("median_odd", lambda x: pt.median(x, axis=0)),
    ("median_even", lambda x: pt.median(x, axis=1)),
    ("median_all", lambda x: pt.median(x)),
    ("logsumexp", lambda x: pt.logsumexp(x, axis=(0, 2))),
    ("logsumexp_keepdims", lambda x: pt.logsumexp(x, axis=1, keepdims=True)),
    ("cumsum", lambda x: pt.cumsum(x, axis=1)),
    ("cumsum_flat", lambda x: pt.cumsum(x)),
    ("cumprod", lambda x: pt.cumprod(x, axis=-1)),
    ("cumprod_flat", lambda x: pt.cumprod(x)),
]


@pytest.mark.parametrize("build", [c[1] for c in GRAD_CASES], ids=[c[0] for c in GRAD_CASES])
def test_grad(build):
    # distinct values (no ties), away from zero
    v = (rng.permutation(60).reshape(3, 4, 5) + rng.uniform(0.1, 0.5, size=(3, 4, 5))) / 30
    check_grad(build, [v.transpose(0, 2, 1)])


@pytest.mark.parametrize("zeros", [[], [(0, 1)], [(0, 1), (0, 3)], [(1, 2), (2, 0)]])
def test_prod_grad_with_zeros(zeros):
    v = rng.uniform(0.5, 1.5, size=(3, 4))
    for idx in zeros:
        v[idx] = 0.0
    check_grad(lambda x: pt.prod(x, axis=1), [v])
    check_grad(lambda x: pt.prod(x), [v])


def test_max_grad_ties_share():
    x = pt.vector("x")
    g = compile_eval([x], pt.grad(pt.max(x), x), [np.array([1.0, 3.0, 3.0, 2.0])])
    np.testing.assert_allclose(g, [0, 0.5, 0.5, 0])
    g = compile_eval([x], pt.grad(pt.min(x), x), [np.array([1.0, 3.0, 1.0, 1.0])])
    np.testing.assert_allclose(g, [1 / 3, 0, 1 / 3, 1 / 3])


def test_median_grad_even_odd():
    x = pt.vector("x")
    g = compile_eval([x], pt.grad(pt.median(x), x), [np.array([4.0, 1.0, 3.0, 2.0])])
    np.testing.assert_allclose(g, [0, 0, 0.5, 0.5])
    g = compile_eval([x], pt.grad(pt.median(x), x), [np.array([4.0, 1.0, 3.0])])
    np.testing.assert_allclose(g, [0, 0, 1])


def test_grad_float32_and_int_inputs():
    x = pt.tensor("x", dtype="float32", shape=(None, None))
    for fn in [pt.sum, pt.prod, pt.mean, pt.var, pt.max, pt.logsumexp, pt.median, pt.cumsum, pt.cumprod]:
        assert pt.grad(fn(x).sum(), x).type.dtype == "float32", fn
    assert is_not_differentiable(type(pt.argmax(x).owner.op))
    assert is_not_differentiable(type(pt.argmin(x).owner.op))
    xi = pt.tensor("xi", dtype="int32", shape=(None,))
    assert pt.grad(pt.sum(xi * 1.5) + pt.sum(x), x, disconnected_inputs="ignore").type.dtype == "float32"


@pytest.mark.parametrize("build", [lambda x: pt.sum(x, axis=1), lambda x: pt.logsumexp(x, axis=(0,)),
                                   lambda x: pt.cumsum(x, axis=0), lambda x: pt.cumprod(x, axis=1),
                                   lambda x: pt.mean(x, axis=-1), lambda x: pt.prod(x, axis=0),
                                   lambda x: pt.max(x, axis=1), lambda x: pt.min(x),
                                   lambda x: pt.median(x, axis=1), lambda x: pt.var(x, axis=0)],
                         ids=["sum", "logsumexp", "cumsum", "cumprod", "mean", "prod", "max", "min", "median", "var"])
def test_forward_mode(build):
    x0 = rng.uniform(0.5, 1.5, size=(3, 4))
    tv = rng.normal(size=(3, 4))
    x, t = pt.matrix("x"), pt.matrix("t")
    y = build(x)
    (jv,) = pushforward([y], [x], [t], use_fallback=False)
    got = compile_eval([x, t], jv, [x0, tv])
    f = tensorsmith.function([x], y)
    h = 1e-6
    np.testing.assert_allclose(got, (f(x0 + h * tv) - f(x0 - h * tv)) / (2 * h), rtol=1e-5, atol=1e-7)


def test_max_and_argmax():
    v = values((3, 4), "float64")
    x = pt.matrix("x")
    m, i = compile_eval([x], pt.max_and_argmax(x, axis=1), [v])
    np.testing.assert_array_equal(m, v.max(axis=1))
    np.testing.assert_array_equal(i, v.argmax(axis=1))


def test_generic_careduce_grad():
    from tensorsmith_tensorops.reduction import CAReduce
    from tensorsmith_tensorops.reduction import ps  # the scalar-op module

    v = rng.uniform(0.5, 1.5, size=(3, 4))
    for so in [ps.Add(), ps.Mul(), ps.Maximum(), ps.Minimum()]:
        check_grad(lambda x: CAReduce(so, (1,))(x), [v])


@pytest.mark.parametrize("build", [lambda x: pt.sum(x, axis=(0, 2)), lambda x: pt.argmax(x, axis=(1, 2)),
                                   lambda x: pt.median(x, axis=1), lambda x: pt.logsumexp(x, axis=0),
                                   lambda x: pt.cumsum(x, axis=1)],
                         ids=["sum", "argmax", "median", "logsumexp", "cumsum"])
def test_infer_shape(build):
    x = pt.tensor3("x")
    out = build(x)
    node = out.owner
    in_shapes = [tuple(pt.shape_i(i, k) for k in range(i.type.ndim)) for i in node.inputs]
    shp = node.op.infer_shape(None, node, in_shapes)[0]
    got = compile_eval([x], [pt.as_tensor_variable(d) for d in shp] + [node.outputs[0]], [values((2, 3, 4), "float64")])
    assert tuple(int(v) for v in got[:-1]) == got[-1].shape
