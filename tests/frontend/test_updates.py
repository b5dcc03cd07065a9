"""Updates are simultaneous: every update expression sees the values from
before the call, then all are stored, all or nothing."""
import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt


def test_swap():
    a = ts.shared(np.float64(1.0), "a")
    b = ts.shared(np.float64(2.0), "b")
    f = ts.function([], [], updates=[(a, b), (b, a)])
    f()
    assert (a.get_value(), b.get_value()) == (2.0, 1.0)
    f()
    assert (a.get_value(), b.get_value()) == (1.0, 2.0)


def test_rotate_three_arrays_and_outputs_see_old_values():
    a = ts.shared(np.array([1.0, 1.0]), "a")
    b = ts.shared(np.array([2.0, 2.0]), "b")
    c = ts.shared(np.array([3.0, 3.0]), "c")
    f = ts.function([], [a + b + c, a], updates={a: c, b: a, c: b})
    s, old_a = f()
    np.testing.assert_array_equal(s, [6.0, 6.0])
    np.testing.assert_array_equal(old_a, [1.0, 1.0])
    np.testing.assert_array_equal(a.get_value(), [3.0, 3.0])
    np.testing.assert_array_equal(b.get_value(), [1.0, 1.0])
    np.testing.assert_array_equal(c.get_value(), [2.0, 2.0])


def test_updates_from_expressions_of_each_other():
    a = ts.shared(np.float64(1.0), "a")
    b = ts.shared(np.float64(10.0), "b")
    f = ts.function([], [], updates=[(a, a + b), (b, a * b)])
    f()
    assert (a.get_value(), b.get_value()) == (11.0, 10.0)


def test_failing_call_stores_nothing():
    a = ts.shared(np.array([1.0, 2.0]), "a")
    b = ts.shared(np.array([5.0, 6.0]), "b")
    x = pt.dvector("x")
    f = ts.function([x], [], updates=[(a, b), (b, a + x)])
    with pytest.raises(ValueError):
        f(np.ones(3))
    np.testing.assert_array_equal(a.get_value(), [1.0, 2.0])
    np.testing.assert_array_equal(b.get_value(), [5.0, 6.0])
    f(np.ones(2))
    np.testing.assert_array_equal(a.get_value(), [5.0, 6.0])
    np.testing.assert_array_equal(b.get_value(), [2.0, 3.0])
