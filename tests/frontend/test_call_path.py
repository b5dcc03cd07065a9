"""The call path of compiled functions: the fast paths of the argument filter
(``TensorType.make_filter``, a graphcore ``ArrayFilter``) give exactly what
the general filter (``TensorType.filter``) gives, values and errors alike;
``trust_input`` stores arguments unchecked; outputs, updates and errors of
a call as before."""
import threading

import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
from tensorsmith_graphcore.vm import ArrayFilter
from tensorsmith_tensorops.type import TensorType


class _Sub(np.ndarray):
    pass


def _values():
    ro = np.arange(3.0)
    ro.flags.writeable = False
    nc = np.arange(6.0)[::2]
    fortran = np.asfortranarray(np.ones((2, 3)))
    return [
        # arrays of every kind the fast path sees or must send on
        np.array(1.5), np.array(2, dtype="int64"), np.array(1.5, dtype="float32"),
        np.array(3, dtype="int32"), np.array(True), np.array(1 + 2j),
        np.arange(3.0), np.arange(4.0), np.arange(3), np.arange(3, dtype="float32"),
        np.ones((2, 3)), np.ones((3, 1)), np.ones((1, 3)), fortran, ro, nc,
        np.ones(3).astype(">f8"), np.array(1.5).astype(">f8"), np.arange(3.0).view(_Sub),
        np.array(1.5).view(_Sub), np.empty((0,)), np.array([1.5], dtype=object),
        # NumPy scalars
        np.float64(1.5), np.float32(1.5), np.float16(1.5), np.int64(7), np.int32(7), np.int8(-3),
        np.uint64(2**63), np.bool_(True), np.complex128(1 + 1j), np.longlong(5),
        np.float64("nan"), np.float64("inf"),
        # Python objects
        1.5, -0.0, float("nan"), float("inf"), 1e300, 7, -7, 0, True, False, 2**53 + 1, 2**63 - 1,
        -2**63, 2**63, 2**64, 2**70, -2**70, 16777217, 1 + 2j, [1.0, 2.0, 3.0], [1, 2, 3], (1.5,),
        [[1.0, 2.0, 3.0]], "a", None, object(), [1, [2]],
    ]


_TYPES = [
    TensorType("float64", ()), TensorType("float32", ()), TensorType("float16", ()),
    TensorType("int64", ()), TensorType("int32", ()), TensorType("int8", ()),
    TensorType("uint64", ()), TensorType("bool", ()), TensorType("complex128", ()),
    TensorType("complex64", ()),
    TensorType("float64", (None,)), TensorType("float64", (3,)), TensorType("float32", (None,)),
    TensorType("int64", (None,)), TensorType("float64", (None, None)), TensorType("float64", (None, 3)),
    TensorType("float64", (1, None)), TensorType("float64", (3, 1)),
]


def _outcome(fn, v):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning is an outcome too
        try:
            r = fn(v)
        except Exception as e:  # noqa: BLE001 - compared, type and message
            return ("raise", type(e), str(e))
    return ("value", r)


def _same(a, b, v):
    assert a[0] == b[0], (a, b)
    if a[0] == "raise":
        assert a[1:] == b[1:]
        return
    ra, rb = a[1], b[1]
    assert type(ra) is type(rb)
    assert ra.dtype == rb.dtype and ra.shape == rb.shape
    assert ra.flags.writeable == rb.flags.writeable
    np.testing.assert_array_equal(ra, rb)
    # an argument taken as it is by one is taken as it is by the other
    assert (ra is v) == (rb is v)


@pytest.mark.parametrize("t", _TYPES, ids=repr)
@pytest.mark.parametrize("allow", [None, False, True])
@pytest.mark.parametrize("strict", [False, True])
def test_fast_filter_matches_general_filter(t, allow, strict):
    fast = t.make_filter(allow, strict=strict)
    assert type(fast) is ArrayFilter

    def general(v):
        return t.filter(v, strict=strict, allow_downcast=allow)

    for v in _values():
        _same(_outcome(fast, v), _outcome(general, v), v)


def test_fast_paths_are_taken():
    # exact ndarray: the argument itself; scalars: a fresh 0-d array
    f = TensorType("float64", (None,)).make_filter()
    a = np.arange(3.0)
    assert f(a) is a
    s = TensorType("float64", ()).make_filter()
    for v in (1.5, np.float64(1.5), 3):
        r = s(v)
        assert type(r) is np.ndarray and r.dtype == np.float64 and r.shape == () and r == v
    i = TensorType("int64", ()).make_filter()
    assert i(7).dtype == np.int64 and i(np.int64(7)).dtype == np.int64
    with pytest.raises(TypeError, match="do not fit"):
        TensorType("float32", ()).make_filter()(16777217)  # as filter(): not exact in float32
    with pytest.raises(TypeError, match="strict"):
        TensorType("float64", ()).make_filter(strict=True)(1.5)


def test_array_filter_pickles():
    import pickle

    f = TensorType("float64", (None, 3)).make_filter(True)
    g = pickle.loads(pickle.dumps(f))
    assert type(g) is ArrayFilter and g.ndim == 2 and g.shape == (None, 3)
    np.testing.assert_array_equal(g([[1, 2, 3]]), [[1.0, 2.0, 3.0]])


@pytest.mark.parametrize("allow", [None, True])
def test_function_fast_and_general_give_the_same_results_and_errors(allow):
    x, y = pt.dscalar("x"), pt.dvector("y")
    f = ts.function([x, y], [x + y, y * 2], allow_input_downcast=allow)
    ref = ts.function([x, y], [x + y, y * 2], allow_input_downcast=allow)
    ref.filters = [lambda v, t=v.type: t.filter(v, False, allow) for v in (x, y)]
    for a in (1.5, np.float64(1.5), np.array(1.5), 2, np.float32(1.5), np.array(1), "a", None, [1.0]):
        for b in (np.arange(3.0), [1, 2], np.arange(3, dtype="float32"), np.ones((2, 2)),
                  np.arange(6.0)[::2], 1.5):
            r1, r2 = _outcome(lambda v: f(*v), (a, b)), _outcome(lambda v: ref(*v), (a, b))
            assert r1[0] == r2[0]
            if r1[0] == "raise":
                assert r1[1:] == r2[1:]
                assert "Bad argument" in r1[2]
            else:
                for u, w in zip(r1[1], r2[1]):
                    assert u.dtype == w.dtype
                    np.testing.assert_array_equal(u, w)


def test_errors_name_the_argument():
    x = pt.tensor("x", dtype="float64", shape=(3,))
    i = pt.lscalar("i")
    f = ts.function([x, i], x * i)
    with pytest.raises(TypeError, match=r"Bad argument 0 \('x'\).*dimension 0 has length 4 instead of 3"):
        f(np.ones(4), 1)
    with pytest.raises(TypeError, match=r"Bad argument 0 \('x'\).*wrong number of dimensions"):
        f(np.ones((3, 1)), 1)
    with pytest.raises(TypeError, match=r"Bad argument 1 \('i'\)"):
        f(np.ones(3), 1.5)
    with pytest.raises(TypeError, match=r"Bad argument 1 \('i'\)"):
        f(np.ones(3), 2**70)
    np.testing.assert_array_equal(f(np.ones(3), 2), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(f(np.ones(3), np.int64(2)), [2.0, 2.0, 2.0])


def test_read_only_and_strided_arguments():
    x = pt.dvector("x")
    f = ts.function([x], x * 2)
    ro = np.arange(3.0)
    ro.flags.writeable = False
    np.testing.assert_array_equal(f(ro), [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(f(np.arange(6.0)[::2]), [0.0, 4.0, 8.0])
    ident = ts.function([x], x)
    r = ident(ro)
    assert r is not ro and r.flags.writeable  # an output never aliases an argument
    np.testing.assert_array_equal(r, ro)


def test_trust_input_stores_arguments_unchecked():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    f = ts.function([x, y], x + y, trust_input=True)
    # no conversion at all: a list reaches the ufunc as it is
    np.testing.assert_array_equal(f([1.0, 2.0], [3.0, 4.0]), [4.0, 6.0])
    assert f(np.array(1.0), np.array(2.0)) == 3.0
    g = ts.function([x], x, trust_input=True)
    a = np.array(1.0)
    r = g(a)
    assert r is not a and r == 1.0  # outputs are still protected
    with pytest.raises(TypeError, match="takes 1 argument"):
        g()


def test_outputs_single_list_and_aliases():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    f = ts.function([x, y], [x + y, x, pt.constant(2.0) * 1])
    a = np.array(1.0)
    s, xo, c = f(a, 2.0)
    assert s == 3.0 and xo == 1.0 and xo is not a and c == 2.0
    c[()] = 5.0  # an output that was a constant: a copy
    assert f(a, 2.0)[2] == 2.0
    g = ts.function([x, y], x * y)
    assert type(g(2.0, 3.0)) is np.ndarray and g(2.0, 3.0) == 6.0
    h = ts.function([x, y], [], on_unused_input="ignore")
    assert h(1.0, 2.0) == []


def test_ten_inputs_ten_outputs():
    xs = [pt.dscalar(f"x{k}") for k in range(10)]
    outs = [xs[k] + xs[(k + 1) % 10] for k in range(10)]
    f = ts.function(xs, outs)
    ft = ts.function(xs, outs, trust_input=True)
    vals = [float(k) for k in range(10)]
    want = [vals[k] + vals[(k + 1) % 10] for k in range(10)]
    assert [float(v) for v in f(*vals)] == want
    assert [float(v) for v in ft(*[np.array(v) for v in vals])] == want


def test_updates_all_or_nothing():
    a = ts.shared(np.float64(1.0), name="a")
    b = ts.shared(np.float64(2.0), name="b")
    x = pt.dscalar("x")
    f = ts.function([x], a + b, updates=[(a, b), (b, a / x)])
    assert f(1.0) == 3.0
    assert a.get_value() == 2.0 and b.get_value() == 1.0
    with pytest.raises(TypeError, match="Bad argument 0"):
        f("no")
    assert a.get_value() == 2.0 and b.get_value() == 1.0
    g = ts.function([x], a, updates=[(a, pt.log(x) * pt.sqrt(x - 10))])
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        g(2.0)
    assert a.get_value() == 2.0 and b.get_value() == 1.0


def test_nested_and_concurrent_calls_use_spares():
    x = pt.dvector("x")
    f = ts.function([x], (x * 2).sum())
    barrier = threading.Barrier(4)
    errors = []

    def work(k):
        barrier.wait()
        v = np.arange(float(k + 2))
        for _ in range(300):
            if f(v) != 2 * v.sum():
                errors.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    # a failing call frees the storage: the next call runs on it
    with pytest.raises(TypeError):
        f("no")
    assert f(np.ones(2)) == 4.0
