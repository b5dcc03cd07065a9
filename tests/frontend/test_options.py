"""function()'s options either do what PyTensor's do or raise: nothing is
accepted and silently ignored."""
import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
from tensorsmith_graphcore import Apply, Op


def test_profile_raises_until_profiling_exists():
    x = pt.dscalar("x")
    with pytest.raises(NotImplementedError, match="profil"):
        ts.function([x], x + 1, profile=True)
    ts.function([x], x + 1, profile=False)  # explicit False is fine


@pytest.mark.parametrize("mode", ["DebugMode", "NanGuardMode", "JAX", "NUMBA"])
def test_modes_not_built_raise(mode):
    x = pt.dscalar("x")
    with pytest.raises(NotImplementedError, match=mode):
        ts.function([x], x + 1, mode=mode)


def test_unknown_mode_raises():
    x = pt.dscalar("x")
    with pytest.raises(ValueError, match="FAST_RUN"):
        ts.function([x], x + 1, mode="FAST_RUNN")


def test_rebuild_strict_givens():
    x = pt.dvector("x")
    y = x * 2
    i = pt.ivector("i")
    # strict (default): an int vector cannot stand in for a float vector
    with pytest.raises(TypeError, match="rebuild_strict"):
        ts.function([i], y, givens={x: i})
    f = ts.function([i], y, givens={x: i}, rebuild_strict=False)
    out = f(np.array([1, 2], dtype="int32"))
    np.testing.assert_array_equal(out, [2, 4])
    assert out.dtype == np.float64  # int32 * 2.0 (float64 constant) upcasts as NumPy does
    # a convertible replacement is accepted in strict mode
    m = pt.dmatrix("m")
    f2 = ts.function([m], y, givens={x: m[0]})
    np.testing.assert_array_equal(f2(np.ones((2, 3))), [2.0, 2.0, 2.0])


class _IncInplace(Op):
    """Adds 1 to its input in place (a destroy_map op)."""
    __props__ = ()
    destroy_map = {0: [0]}

    def make_node(self, v):
        v = pt.as_tensor_variable(v)
        return Apply(self, [v], [v.type()])

    def perform(self, node, inputs, outputs):
        inputs[0] += 1
        outputs[0][0] = inputs[0]


def test_accept_inplace():
    x = pt.dvector("x")
    y = _IncInplace()(x * 1.0)
    with pytest.raises(TypeError, match="accept_inplace"):
        ts.function([x], y)
    f = ts.function([x], y, accept_inplace=True)
    np.testing.assert_array_equal(f(np.zeros(2)), [1.0, 1.0])


def test_in_strict_and_per_input_downcast():
    x = pt.fvector("x")
    f = ts.function([ts.In(x, strict=True)], x * 2)
    with pytest.raises(TypeError):
        f(np.ones(2))  # float64 given, strict input wants float32
    np.testing.assert_array_equal(f(np.ones(2, dtype="float32")), [2.0, 2.0])
    g = ts.function([ts.In(x, allow_downcast=True)], x * 2)
    assert g(np.ones(2)).dtype == np.float32
    h = ts.function([x], x * 2)
    with pytest.raises(TypeError):
        h(np.ones(2))


def test_in_stateful_options_raise():
    x = pt.dscalar("x")
    with pytest.raises(NotImplementedError, match="shared"):
        ts.In(x, value=1.0, update=x + 1)
    with pytest.raises(NotImplementedError):
        ts.In(x, implicit=True)


def test_no_default_updates_list():
    a = ts.shared(np.float64(0.0), "a")
    b = ts.shared(np.float64(0.0), "b")
    a.default_update = a + 1
    b.default_update = b + 1
    f = ts.function([], a + b, no_default_updates=[a])
    f()
    assert a.get_value() == 0.0 and b.get_value() == 1.0
    g = ts.function([], a + b, no_default_updates=True)
    g()
    assert a.get_value() == 0.0 and b.get_value() == 1.0
    h = ts.function([], a + b)
    h()
    assert a.get_value() == 1.0 and b.get_value() == 2.0
