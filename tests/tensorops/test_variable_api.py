"""Tensor variables: Python operators and the methods of the issue's list,
each checked against NumPy on the same values."""
import operator

import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt

rng = np.random.default_rng(42)
A = rng.normal(size=(3, 4))
B = rng.normal(size=(3, 4)) + 2
I = rng.integers(1, 5, size=(3, 4)).astype("int64")


def run(build, *vals):
    syms = [pt.tensor(dtype=np.asarray(v).dtype, shape=(None,) * np.ndim(v)) for v in vals]
    return tensorsmith.function(syms, build(*syms), on_unused_input="ignore")(*vals)


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
                                operator.lt, operator.le, operator.gt, operator.ge])
def test_binary_operators_both_sides(op):
    np.testing.assert_allclose(run(op, A, B), op(A, B))
    np.testing.assert_allclose(run(lambda x: op(x, 2.0), B), op(B, 2.0))
    np.testing.assert_allclose(run(lambda x: op(2.0, x), B), op(2.0, B))


@pytest.mark.parametrize("op", [operator.floordiv, operator.mod, operator.and_, operator.or_, operator.xor,
                                operator.lshift, operator.rshift])
def test_integer_operators(op):
    np.testing.assert_array_equal(run(op, I, I + 1), op(I, I + 1))
    np.testing.assert_array_equal(run(lambda x: op(3, x), I), op(3, I))


def test_unary_matmul_and_identity():
    np.testing.assert_allclose(run(lambda x: -x, A), -A)
    np.testing.assert_allclose(run(abs, A), abs(A))
    np.testing.assert_array_equal(run(lambda x: ~x, I), ~I)
    np.testing.assert_allclose(run(lambda x, y: x @ y.T, A, B), A @ B.T)
    x = pt.dmatrix("x")
    assert (x == x) is True and (x == pt.dmatrix()) is False and x != pt.dmatrix()
    with pytest.raises(TypeError):
        bool(x)
    np.testing.assert_array_equal(run(lambda a, b: pt.eq(a, b), I, I), np.ones_like(I, bool))


def test_attributes():
    x = pt.tensor("x", dtype="float32", shape=(3, None))
    assert x.ndim == 2 and x.dtype == "float32" and x.broadcastable == (False, False)
    assert x.type.shape == (3, None)
    np.testing.assert_array_equal(run(lambda v: v.shape, A), A.shape)
    np.testing.assert_allclose(run(lambda v: v.T, A), A.T)
    np.testing.assert_allclose(run(lambda v: v[1:, ::2], A), A[1:, ::2])


METHODS = [
    ("reshape", lambda v: v.reshape((4, 3)), lambda a: a.reshape((4, 3))),
    ("dimshuffle", lambda v: v.dimshuffle(1, "x", 0), lambda a: a.T[:, None, :]),
    ("flatten", lambda v: v.flatten(), lambda a: a.flatten()),
    ("astype", lambda v: v.astype("float32"), lambda a: a.astype("float32")),
    ("sum", lambda v: v.sum(axis=1), lambda a: a.sum(axis=1)),
    ("prod", lambda v: v.prod(axis=0, keepdims=True), lambda a: a.prod(axis=0, keepdims=True)),
    ("mean", lambda v: v.mean(), lambda a: a.mean()),
    ("var", lambda v: v.var(axis=0), lambda a: a.var(axis=0)),
    ("std", lambda v: v.std(axis=-1), lambda a: a.std(axis=-1)),
    ("max", lambda v: v.max(axis=0), lambda a: a.max(axis=0)),
    ("min", lambda v: v.min(), lambda a: a.min()),
    ("argmax", lambda v: v.argmax(axis=1), lambda a: a.argmax(axis=1)),
    ("argmin", lambda v: v.argmin(axis=0), lambda a: a.argmin(axis=0)),
    ("all", lambda v: (v > 0).all(axis=1), lambda a: (a > 0).all(axis=1)),
    ("any", lambda v: (v > 0).any(), lambda a: (a > 0).any()),
    ("cumsum", lambda v: v.cumsum(axis=1), lambda a: a.cumsum(axis=1)),
    ("cumprod", lambda v: v.cumprod(axis=0), lambda a: a.cumprod(axis=0)),
    ("clip", lambda v: v.clip(-0.5, 0.5), lambda a: a.clip(-0.5, 0.5)),
    ("round", lambda v: (v * 3).round(), lambda a: (a * 3).round()),
    ("squeeze", lambda v: pt.specify_shape(v, (3, 4))[:1].squeeze(), lambda a: a[:1].squeeze()),
    ("transpose", lambda v: v.transpose(1, 0), lambda a: a.transpose(1, 0)),
    ("take", lambda v: v.take([2, 0], axis=1), lambda a: a.take([2, 0], axis=1)),
    ("sort", lambda v: v.sort(axis=1), lambda a: np.sort(a, axis=1)),
    ("argsort", lambda v: v.argsort(axis=0), lambda a: a.argsort(axis=0)),
    ("dot", lambda v: v.dot(v.T), lambda a: a.dot(a.T)),
    ("nonzero", lambda v: v.nonzero()[1], lambda a: a.nonzero()[1]),
    ("copy", lambda v: v.copy(), lambda a: a.copy()),
    ("conj", lambda v: v.conj(), lambda a: a.conj()),
    ("real", lambda v: v.real, lambda a: a.real),
    ("imag", lambda v: v.imag, lambda a: a.imag),
]


@pytest.mark.parametrize("name,build,ref", METHODS, ids=[m[0] for m in METHODS])
def test_methods(name, build, ref):
    out = run(build, A)
    exp = ref(A)
    assert np.asarray(out).dtype == np.asarray(exp).dtype, name
    np.testing.assert_allclose(out, exp)
