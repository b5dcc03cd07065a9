"""NumPy arrays, NumPy scalars and Python numbers on the left of an operator
build the same graph as the tensor-on-the-left spelling (the NumPy operand
becomes a constant), ufuncs and NumPy functions called on tensors build the
graph or raise a TypeError naming the pt function, and ``np.asarray`` of a
symbolic tensor raises."""
import operator
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith_graphcore import equal_computations

IN_CI = bool(os.environ.get("CI"))

# operator -> (name of the reflected method Python calls for ``number op x``)
ARITH = {
    operator.add: "__radd__", operator.sub: "__rsub__", operator.mul: "__rmul__",
    operator.truediv: "__rtruediv__", operator.floordiv: "__rfloordiv__", operator.mod: "__rmod__",
    operator.pow: "__rpow__",
}
BITWISE = {
    operator.and_: "__rand__", operator.or_: "__ror__", operator.xor: "__rxor__",
    operator.lshift: "__rlshift__", operator.rshift: "__rrshift__",
}
# ``a < x`` is the reflection ``x > a``
COMPARE = {operator.lt: "__gt__", operator.le: "__ge__", operator.gt: "__lt__", operator.ge: "__le__"}
ALL_OPS = {**ARITH, **BITWISE, **COMPARE}
INT_ONLY = set(BITWISE) | {operator.floordiv, operator.mod}

rng = np.random.default_rng(0)
FLOAT_LEFT = {
    "ndarray": rng.uniform(0.5, 2.0, size=(2, 3)),
    "ndarray_1d": rng.uniform(0.5, 2.0, size=3),
    "np_float64": np.float64(1.5),
    "np_float32": np.float32(1.5),
    "python_float": 1.5,
    "python_int": 2,
}
INT_LEFT = {
    "ndarray": rng.integers(1, 6, size=(2, 3)),
    "ndarray_int32": rng.integers(1, 6, size=3).astype("int32"),
    "np_int64": np.int64(3),
    "np_int8": np.int8(3),
    "python_int": 3,
}


def run(inputs, output, *values):
    f = tensorsmith.function(inputs, output)
    with np.errstate(all="ignore"):
        return f(*values)


def check_left(op, left, y, y_value):
    """``op(left, y)`` is a symbolic tensor, the same graph as Python's
    reflection ``y.__rop__(left)``, and computes what NumPy computes."""
    out = op(left, y)
    assert isinstance(out, pt.TensorVariable), type(out)
    assert not isinstance(out, np.ndarray)
    ref = getattr(y, ALL_OPS[op])(left)
    assert equal_computations([out], [ref]), (op, type(left))
    assert out.type == ref.type
    # the NumPy operand is a constant of the graph
    consts = [i for i in out.owner.inputs if isinstance(i, pt.TensorConstant)]
    assert consts and np.array_equal(consts[0].data, np.asarray(left))
    # a constant tensor on the left computes the same
    lt = pt.as_tensor_variable(left)
    got = run([y], out, y_value)
    np.testing.assert_allclose(got, run([y], op(lt, y), y_value))
    with np.errstate(all="ignore"):
        expected = op(left, y_value)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert got.dtype == np.asarray(expected).dtype, (op, type(left), got.dtype, np.asarray(expected).dtype)


@pytest.mark.parametrize("kind", sorted(FLOAT_LEFT))
@pytest.mark.parametrize("op", [o for o in ALL_OPS if o not in INT_ONLY], ids=lambda o: o.__name__)
def test_float_operators_with_numpy_on_the_left(op, kind):
    y = pt.dmatrix("y")
    yv = rng.uniform(0.5, 2.0, size=(2, 3))
    check_left(op, FLOAT_LEFT[kind], y, yv)


@pytest.mark.parametrize("kind", sorted(INT_LEFT))
@pytest.mark.parametrize("op", list(ALL_OPS), ids=lambda o: o.__name__)
def test_integer_operators_with_numpy_on_the_left(op, kind):
    y = pt.lmatrix("y")
    yv = rng.integers(1, 4, size=(2, 3))
    check_left(op, INT_LEFT[kind], y, yv)


@pytest.mark.parametrize("kind", ["float32_tensor", "int32_tensor"])
def test_numpy_scalar_next_to_narrow_tensor_follows_numpy_promotion(kind):
    dtype = kind.split("_")[0]
    y = pt.tensor("y", dtype=dtype, shape=(None,))
    yv = np.arange(1, 4).astype(dtype)
    for left in (np.float64(2.0), np.float32(2.0), np.int64(2), np.int8(2), 2, 2.0, np.ones(3)):
        for op in (operator.add, operator.mul, operator.sub, operator.lt):
            check_left(op, left, y, yv)


def test_matmul_with_numpy_on_the_left():
    m = pt.dmatrix("m")
    v = pt.dvector("v")
    a2 = rng.normal(size=(2, 3))
    a1 = rng.normal(size=3)
    mv = rng.normal(size=(3, 4))
    for left, right, val in ((a2, m, mv), (a1, m, mv), (a2, v, a1)):
        out = left @ right
        assert isinstance(out, pt.TensorVariable)
        assert equal_computations([out], [right.__rmatmul__(left)])
        np.testing.assert_allclose(run([right], out, val), left @ val)


def test_divmod_with_numpy_on_the_left():
    y = pt.lvector("y")
    yv = np.array([1, 2, 3])
    a = np.array([7, -8, 9])
    q, r = divmod(a, y)
    q2, r2 = y.__rdivmod__(a)
    assert equal_computations([q, r], [q2, r2])
    eq, er = divmod(a, yv)
    got = tensorsmith.function([y], [q, r])(yv)
    np.testing.assert_array_equal(got[0], eq)
    np.testing.assert_array_equal(got[1], er)
    q3, r3 = divmod(y, 2)
    np.testing.assert_array_equal(tensorsmith.function([y], [q3, r3])(yv), divmod(yv, 2))


def test_equality_is_identity_on_both_sides():
    """``==``/``!=`` on tensor variables compare identity (as in PyTensor and
    as ``x == y`` between tensors does here), whichever side NumPy is on."""
    x = pt.dvector("x")
    a = np.ones(3)
    for left in (a, np.float64(1.0), 1.0, 1):
        assert (left == x) is False
        assert (x == left) is False
        assert (left != x) is True
        assert (x != left) is True
    assert (x == x) is True
    c = pt.constant(a)
    assert (a == c) is False and (c == a) is False
    # a tensor in a list is found by identity, next to arrays
    assert [a, x].index(x) == 1
    # the elementwise comparison is pt.eq / pt.neq
    np.testing.assert_array_equal(run([x], pt.eq(a, x), np.array([1.0, 2.0, 1.0])), [True, False, True])
    with pytest.raises(TypeError, match=r"pt\.eq"):
        np.equal(x, a)
    with pytest.raises(TypeError, match=r"pt\.neq"):
        np.not_equal(x, x)


def test_bernoulli_log_likelihood_with_data_arrays():
    yv = np.array([1, 0, 1, 1, 0, 0, 1], dtype="int64")
    yf = yv.astype("float64")
    p = pt.dvector("p")
    pv = np.linspace(0.1, 0.9, yv.size)
    for y in (yv, yf):
        ll = y * pt.log(p) + (1 - y) * pt.log(1 - p)
        assert isinstance(ll, pt.TensorVariable)
        total = ll.sum()
        g = pt.grad(total, p)
        f = tensorsmith.function([p], [total, g])
        val, grad = f(pv)
        np.testing.assert_allclose(val, np.sum(y * np.log(pv) + (1 - y) * np.log(1 - pv)))
        np.testing.assert_allclose(grad, y / pv - (1 - y) / (1 - pv))
    # with a logistic model and the data on the left of every operator
    X = rng.normal(size=(7, 2))
    w = pt.dvector("w")
    pr = pt.sigmoid(X @ w)
    nll = -(yf * pt.log(pr) + (1.0 - yf) * pt.log(1.0 - pr)).mean()
    wv = np.array([0.3, -0.2])
    prv = 1 / (1 + np.exp(-(X @ wv)))
    np.testing.assert_allclose(run([w], nll, wv),
                               -np.mean(yf * np.log(prv) + (1 - yf) * np.log(1 - prv)))


@pytest.mark.parametrize("make", ["shared", "constant"])
def test_shared_variables_and_constants_on_the_right(make):
    value = np.array([0.5, 1.0, 2.0])
    v = tensorsmith.shared(value.copy()) if make == "shared" else pt.constant(value)
    a = np.array([3.0, 4.0, 5.0])
    for op in (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
               operator.lt, operator.ge):
        for left in (a, np.float64(2.0), 2.0, 2):
            out = op(left, v)
            assert isinstance(out, pt.TensorVariable)
            assert equal_computations([out], [getattr(v, ALL_OPS[op])(left)])
            np.testing.assert_allclose(tensorsmith.function([], out)(), op(left, value))
    assert (a == v) is False
    with pytest.raises(TypeError, match=r"get_value|\.data"):
        np.asarray(v)


UFUNCS = [
    (np.exp, pt.exp), (np.log, pt.log), (np.log1p, pt.log1p), (np.expm1, pt.expm1),
    (np.sqrt, pt.sqrt), (np.tanh, pt.tanh), (np.abs, pt.abs), (np.negative, pt.neg),
    (np.sin, pt.sin), (np.arctan, pt.arctan), (np.floor, pt.floor), (np.sign, pt.sign),
    (np.square, pt.sqr), (np.isnan, pt.isnan), (np.degrees, pt.rad2deg), (np.radians, pt.deg2rad),
]
BINARY_UFUNCS = [
    (np.add, pt.add), (np.subtract, pt.sub), (np.multiply, pt.mul), (np.divide, pt.true_div),
    (np.power, pt.pow), (np.maximum, pt.maximum), (np.minimum, pt.minimum),
    (np.arctan2, pt.arctan2), (np.logaddexp, pt.logaddexp), (np.hypot, pt.hypot),
]


@pytest.mark.parametrize("uf,ptf", UFUNCS, ids=lambda f: getattr(f, "__name__", str(f)))
def test_unary_ufunc_builds_the_graph(uf, ptf):
    x = pt.dvector("x")
    xv = np.array([0.25, 0.5, 2.0])
    out = uf(x)
    assert isinstance(out, pt.TensorVariable)
    assert equal_computations([out], [ptf(x)])
    np.testing.assert_allclose(run([x], out, xv), uf(xv))


@pytest.mark.parametrize("uf,ptf", BINARY_UFUNCS, ids=lambda f: getattr(f, "__name__", str(f)))
def test_binary_ufunc_builds_the_graph(uf, ptf):
    x = pt.dvector("x")
    xv = np.array([0.25, 0.5, 2.0])
    a = np.array([1.5, -0.5, 3.0])
    for args, vals in (((a, x), (a, xv)), ((x, a), (xv, a)), ((x, x), (xv, xv)), ((2.0, x), (2.0, xv))):
        out = uf(*args)
        assert isinstance(out, pt.TensorVariable)
        assert equal_computations([out], [ptf(*args)])
        with np.errstate(invalid="ignore"):
            np.testing.assert_allclose(run([x], out, xv), uf(*vals))


def test_ufuncs_that_cannot_build_a_graph_raise_clearly():
    x = pt.dvector("x")
    a = np.ones(3)
    with pytest.raises(TypeError, match=r"out=.*a = a \+ x"):
        np.add(a, x, out=a)
    b = a.copy()
    with pytest.raises(TypeError, match=r"out="):
        b += x
    with pytest.raises(TypeError, match=r"where=.*pt\.exp"):
        np.exp(x, where=a > 0)
    with pytest.raises(TypeError, match=r"dtype=.*pt\.add"):
        np.add(a, x, dtype="float32")
    with pytest.raises(TypeError, match=r"np\.add\.reduce.*pt\.sum"):
        np.add.reduce(x)
    with pytest.raises(TypeError, match=r"np\.multiply\.accumulate.*pt\.cumprod"):
        np.multiply.accumulate(x)
    with pytest.raises(TypeError, match=r"np\.copysign has no symbolic counterpart"):
        np.copysign(a, x)


def test_numpy_functions_build_the_graph_or_name_the_pt_function():
    x = pt.dmatrix("x")
    xv = rng.normal(size=(3, 4))
    cases = [
        (lambda m: np.sum(m), lambda v: np.sum(v), lambda m: pt.sum(m)),
        (lambda m: np.sum(m, axis=0, keepdims=True), lambda v: np.sum(v, axis=0, keepdims=True), None),
        (lambda m: np.mean(m, 1), lambda v: np.mean(v, 1), lambda m: pt.mean(m, axis=1)),
        (lambda m: np.max(m, axis=1), lambda v: np.max(v, axis=1), lambda m: pt.max(m, axis=1)),
        (lambda m: np.var(m, ddof=1), lambda v: np.var(v, ddof=1), None),
        (lambda m: np.cumsum(m, axis=0), lambda v: np.cumsum(v, axis=0), None),
        (lambda m: np.clip(m, -0.5, 0.5), lambda v: np.clip(v, -0.5, 0.5), lambda m: pt.clip(m, -0.5, 0.5)),
        (lambda m: np.where(m > 0, m, 0.0), lambda v: np.where(v > 0, v, 0.0), None),
        (lambda m: np.dot(np.ones((2, 3)), m), lambda v: np.dot(np.ones((2, 3)), v), None),
        (lambda m: np.transpose(m), lambda v: np.transpose(v), lambda m: m.T),
        (lambda m: np.reshape(m, (4, 3)), lambda v: np.reshape(v, (4, 3)), None),
        (lambda m: np.concatenate([np.zeros((1, 4)), m]), lambda v: np.concatenate([np.zeros((1, 4)), v]), None),
        (lambda m: np.stack([m, m], axis=2), lambda v: np.stack([v, v], axis=2), None),
    ]
    for build, ref, same_as in cases:
        out = build(x)
        assert isinstance(out, pt.TensorVariable)
        if same_as is not None:
            assert equal_computations([out], [same_as(x)])
        np.testing.assert_allclose(run([x], out, xv), ref(xv))
    assert np.ndim(x) == 2
    with pytest.raises(TypeError, match=r"out=.*pt\.sum"):
        np.sum(x, out=np.zeros(4))
    with pytest.raises(TypeError, match=r"where=.*pt\.sum"):
        np.sum(x, where=np.ones((3, 4), bool))
    with pytest.raises(TypeError, match=r"pt\.einsum"):
        np.einsum("ij->i", x)
    with pytest.raises(TypeError, match=r"pt\.linalg\.det"):
        np.linalg.det(x)


def test_asarray_of_a_symbolic_tensor_raises():
    x = pt.dvector("x")
    with pytest.raises(TypeError, match=r"symbolic tensor x.*tensorsmith\.function"):
        np.asarray(x)
    with pytest.raises(TypeError, match=r"cannot convert"):
        np.array([x, x])
    # a function input given a symbolic tensor is still rejected as a value
    f = tensorsmith.function([x], x * 2)
    with pytest.raises(TypeError):
        f(x)


# ---------------------------------------------------------------------------
# hypothesis: operator x left operand kind x right tensor, against NumPy
# ---------------------------------------------------------------------------
HYP_OPS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "matmul": operator.matmul, "and": operator.and_, "or": operator.or_, "xor": operator.xor,
    "lshift": operator.lshift, "rshift": operator.rshift, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge,
}
FLOAT_DTYPES = ["float64", "float32"]
INT_DTYPES = ["int64", "int32", "int16", "uint8"]


@st.composite
def binary_cases(draw):
    name = draw(st.sampled_from(sorted(HYP_OPS)))
    kind = draw(st.sampled_from(["ndarray", "npscalar", "pyscalar", "tensor"]))
    if name == "matmul" and kind in ("npscalar", "pyscalar"):
        kind = draw(st.sampled_from(["ndarray", "tensor"]))
    if name in ("floordiv", "mod", "and", "or", "xor", "lshift", "rshift"):
        ldt = draw(st.sampled_from(INT_DTYPES))
        rdt = draw(st.sampled_from(INT_DTYPES))
    else:  # any mix of float and integer operands (NumPy 2 promotion)
        ldt = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
        rdt = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
    # shapes: broadcasting pairs for elementwise ops, matching inner dims for @
    if name == "matmul":
        n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
        lshape = draw(st.sampled_from([(k,), (n, k)]))
        rshape = draw(st.sampled_from([(k,), (k, m)]))
    else:
        rshape = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=3)))
        lshape = rshape[draw(st.integers(0, len(rshape))):]
        lshape = tuple(1 if draw(st.booleans()) else d for d in lshape)
        if kind in ("npscalar", "pyscalar"):
            lshape = ()
    seed = draw(st.integers(0, 2**32 - 1))
    return name, kind, ldt, lshape, rdt, rshape, seed


def _values(name, dtype, shape, rng, side):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        if name == "pow":
            lo, hi = (0.1, 3.0) if side == "left" else (-2.0, 2.0)
        else:
            lo, hi = -4.0, 4.0
        return rng.uniform(lo, hi, size=shape).astype(dt)
    if name in ("lshift", "rshift") and side == "right":
        return rng.integers(0, 6, size=shape).astype(dt)
    if name == "pow":
        lo, hi = (-3, 4) if side == "left" else (0, 4)  # no negative integer powers
    elif name in ("floordiv", "mod") and side == "right":
        vals = rng.integers(1, 6, size=shape) * rng.choice([-1, 1], size=shape)
        if dt.kind == "u":
            vals = np.abs(vals)
        return vals.astype(dt)  # no integer division by zero
    else:
        lo, hi = -6, 7
    if dt.kind == "u":
        lo = 0
    return rng.integers(lo, hi, size=shape).astype(dt)


@settings(max_examples=60 if not IN_CI else 40, deadline=None, derandomize=IN_CI,
          suppress_health_check=[HealthCheck.too_slow])
@given(binary_cases())
def test_hypothesis_left_operand_kinds_against_numpy(case):
    name, kind, ldt, lshape, rdt, rshape, seed = case
    op = HYP_OPS[name]
    r = np.random.default_rng(seed)
    lval = _values(name, ldt, lshape, r, "left")
    rval = _values(name, rdt, rshape, r, "right")
    if kind == "npscalar":
        lval = lval[()]  # a NumPy scalar of the drawn dtype
        assert isinstance(lval, np.generic)
    elif kind == "pyscalar":
        lval = lval.item()  # a Python int or float
        if isinstance(lval, int) and (name == "pow" or np.dtype(rdt).kind == "u"):
            # NumPy 2 rejects a negative Python int next to an unsigned array
            lval = abs(lval)
    y = pt.tensor("y", dtype=rdt, shape=(None,) * len(rshape))
    if kind == "tensor":
        xl = pt.tensor("xl", dtype=ldt, shape=(None,) * len(lshape))
        out = op(xl, y)
        inputs, values = [xl, y], [lval, rval]
    else:
        out = op(lval, y)
        inputs, values = [y], [rval]
        # the same graph as Python's reflection with the tensor on the left
        if name != "matmul":
            refl = {"lt": "__gt__", "le": "__ge__", "gt": "__lt__", "ge": "__le__"}.get(
                name, "__r" + {"and": "and", "or": "or", "xor": "xor"}.get(name, name) + "__")
            assert equal_computations([out], [getattr(y, refl)(lval)])
    assert isinstance(out, pt.TensorVariable), type(out)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        expected = np.asarray(op(lval, rval))
        got = np.asarray(tensorsmith.function(inputs, out)(*values))
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert got.dtype == expected.dtype, (case, got.dtype, expected.dtype)
    if expected.dtype.kind == "f":
        rtol = 1e-5 if expected.dtype == np.float32 else 1e-10
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, expected)
