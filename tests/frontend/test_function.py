import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith import function

ROOT = Path(__file__).resolve().parents[2]


def test_walkthrough_values():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    f = function([x, y], x + y)
    out = f(3, 5)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == ()
    assert str(out) == "8.0"
    v = pt.dvector("v")
    assert str(function([v], v ** 2)([1, 2, 3])) == "[1. 4. 9.]"
    assert float(function([x], pt.grad(x ** 2, x))(4)) == 8.0
    z = x * y + pt.sin(x)
    val, d = function([x, y], [z, tensorsmith.grad(z, x)])(2.0, 4.0)
    assert float(val) == 8.909297426825681
    assert math.isclose(float(d), 4 + math.cos(2), rel_tol=1e-15)


@pytest.mark.parametrize("script", ["walkthrough.py", "logistic_regression.py"])
def test_examples_run(script):
    r = subprocess.run([sys.executable, str(ROOT / "examples" / script)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    if script == "walkthrough.py":
        lines = r.stdout.split("\n")
        assert lines[:4] == ["8.0", "[1. 4. 9.]", "8.0", "8.909297426825681"]
        assert math.isclose(float(lines[4]), 4 + math.cos(2), rel_tol=1e-15)
    else:
        losses = [float(line.split()[-1]) for line in r.stdout.splitlines() if line.startswith("step")]
        assert len(losses) >= 3 and losses[-1] < losses[0] - 0.05


def test_wrong_number_of_arguments():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    f = function([x, y], x + y)
    with pytest.raises(TypeError, match=r"takes 2 argument.*\('x', 'y'\|x, y|1 were given"):
        f(1.0)
    with pytest.raises(TypeError, match="3 were given"):
        f(1.0, 2.0, 3.0)


def test_wrong_rank_names_argument():
    x = pt.dvector("x")
    f = function([x], x * 2)
    with pytest.raises(TypeError) as e:
        f(np.ones((2, 3)))
    msg = str(e.value)
    assert "argument 0 ('x')" in msg and "1-d" in msg and "2-d" in msg and "(2, 3)" in msg


def test_precision_losing_dtype_refused():
    x = pt.fvector("x")
    f = function([x], x * 2)
    with pytest.raises(TypeError) as e:
        f(np.ones(3, dtype="float64"))
    msg = str(e.value)
    assert "'x'" in msg and "float32" in msg and "float64" in msg and "precision" in msg
    # allowed with allow_input_downcast, and safe casts always pass
    g = function([x], x * 2, allow_input_downcast=True)
    assert g(np.ones(3)).dtype == np.float32
    assert f(np.ones(3, dtype="int8")).dtype == np.float32
    assert f([1.5, 2.5]).dtype == np.float32


def test_int_input_refuses_floats():
    i = pt.ivector("i")
    f = function([i], i + 1)
    with pytest.raises(TypeError, match="argument 0"):
        f([1.5])
    np.testing.assert_array_equal(f([1, 2]), [2, 3])


def test_static_broadcast_error_points_at_user_line():
    a = pt.tensor("a", dtype="float64", shape=(3,))
    b = pt.tensor("b", dtype="float64", shape=(4,))
    with pytest.raises(ValueError) as e:
        a + b  # the line the traceback must show
    assert "(3,)" in str(e.value) and "(4,)" in str(e.value)
    tb = e.traceback
    assert any(entry.path == Path(__file__) and "a + b" in str(entry.statement) for entry in tb)


def test_runtime_error_names_op_and_shapes():
    a, b = pt.dvector("a"), pt.dvector("b")
    f = function([a, b], a + b)
    with pytest.raises(ValueError) as e:
        f(np.ones(3), np.ones(4))
    notes = "\n".join(getattr(e.value, "__notes__", []))
    assert "add" in notes and "[3]" in notes and "[4]" in notes and "test_function.py" in notes


def test_missing_input_names_variable():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    with pytest.raises(Exception) as e:
        function([x], x + y)
    assert "y" in str(e.value) and "test_function.py" in str(e.value)


def test_unused_input():
    x, y = pt.dscalar("x"), pt.dscalar("y")
    with pytest.raises(ValueError, match="not used"):
        function([x, y], x * 2)
    assert float(function([x, y], x * 2, on_unused_input="ignore")(1, 2)) == 2.0


def test_shared_updates_and_givens():
    w = tensorsmith.shared(np.array([1.0, 2.0]), name="w")
    x = pt.dvector("x")
    step = function([x], (w * x).sum(), updates=[(w, w + x)])
    assert float(step([1.0, 1.0])) == 3.0
    np.testing.assert_array_equal(w.get_value(), [2.0, 3.0])
    assert float(step([1.0, 0.0])) == 2.0
    y = pt.dscalar("y")
    g = function([y], (w * 2).sum(), givens={w: y * np.ones(2)})
    assert float(g(1.5)) == 6.0
    with pytest.raises(TypeError, match="update"):
        function([x], x.sum(), updates=[(w, pt.ivector("i"))])


def test_outputs_list_vs_single():
    x = pt.dscalar("x")
    assert isinstance(function([x], [x * 2])(1.0), list)
    assert isinstance(function([x], x * 2)(1.0), np.ndarray)


def test_input_must_be_leaf():
    x = pt.dscalar("x")
    with pytest.raises(TypeError, match="computed by"):
        function([x * 2], x)


def test_grad_of_nonscalar_cost_raises():
    v = pt.dvector("v")
    with pytest.raises(TypeError, match="scalar"):
        pt.grad(v * 2, v)


def test_outputs_never_alias_arguments_or_shared_values():
    x = pt.dvector("x")
    a = np.arange(4.0)
    for out in (x, x[1:], x.T, pt.specify_shape(x, (4,)), x.reshape((2, 2))):
        r = function([x], out)(a)
        r[...] = -1
        np.testing.assert_array_equal(a, np.arange(4.0))
    w = tensorsmith.shared(np.ones(3))
    r = function([], w)()
    r[...] = 5
    np.testing.assert_array_equal(w.get_value(), np.ones(3))
    c = function([], pt.constant(np.zeros(2)))
    c()[...] = 7
    np.testing.assert_array_equal(c(), np.zeros(2))


def test_runtime_broadcast_gradient_sums_back():
    """Static shapes unknown: NumPy broadcasting happens at run time, and the
    gradient must be summed back to each input's run-time shape."""
    x, y = pt.dmatrix("x"), pt.dmatrix("y")
    g = function([x, y], pt.grad((x * y + x).sum(), [x, y]))

    def reduce_to(arr, shape):
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and arr.shape[i] != 1)
        return arr.sum(axis=axes, keepdims=True)

    for xs, ys in (((2, 3), (1, 3)), ((1, 3), (2, 3)), ((2, 3), (2, 1)), ((2, 3), (2, 3))):
        a, b = np.arange(np.prod(xs), dtype=float).reshape(xs), np.arange(np.prod(ys), dtype=float).reshape(ys) + 3
        full = np.broadcast_shapes(xs, ys)
        ga, gb = g(a, b)
        np.testing.assert_allclose(ga, reduce_to(np.broadcast_to(b + 1, full), xs))
        np.testing.assert_allclose(gb, reduce_to(np.broadcast_to(a, full), ys))


def test_buffer_reuse_of_dead_intermediates_is_invisible():
    """Large elementwise chains reuse dead intermediate buffers; results,
    arguments and values read twice must be unaffected."""
    v = pt.dvector("v")
    a = np.random.default_rng(0).normal(size=20000)
    a0 = a.copy()
    t = pt.exp(-v * v)
    outs = function([v], [(t * 2.0 + 1.0).sum(), t + 1, pt.sin(t) * t, v * 3])(a)
    e = np.exp(-a0 * a0)
    np.testing.assert_allclose(outs[0], (e * 2 + 1).sum())
    np.testing.assert_allclose(outs[1], e + 1)
    np.testing.assert_allclose(outs[2], np.sin(e) * e)
    np.testing.assert_allclose(outs[3], a0 * 3)
    np.testing.assert_array_equal(a, a0)
    # broadcasting against a larger operand cannot reuse the smaller buffer
    row, m = pt.dmatrix("row"), pt.dmatrix("m")
    r = function([row, m], pt.exp(row) + m)(a[None, :10000], np.ones((2, 10000)))
    np.testing.assert_allclose(r, np.broadcast_to(np.exp(a0[None, :10000]) + 1, (2, 10000)))


def test_pytensor_module_layout_imports():
    """Code that imports PyTensor's submodules ports by renaming the package."""
    import importlib

    for name, attr in [("math", "sum"), ("basic", "zeros"), ("elemwise", "Elemwise"), ("shape", "reshape"),
                       ("subtensor", "set_subtensor"), ("extra_ops", "cumsum"), ("special", "softmax"),
                       ("blockwise", "Blockwise"), ("variable", "TensorVariable"), ("type", "TensorType"),
                       ("sharedvar", "TensorSharedVariable"), ("linalg", "inv"), ("slinalg", "solve"),
                       ("nlinalg", "inv"), ("random", "normal"), ("random.utils", "RandomStream")]:
        mod = importlib.import_module(f"tensorsmith.tensor.{name}")
        assert hasattr(mod, attr), (name, attr)


def test_importing_submodules_keeps_functions_of_the_same_name():
    import importlib

    for name in ("shape", "subtensor", "basic", "math"):
        importlib.import_module(f"tensorsmith.tensor.{name}")
    x = pt.dmatrix("x")
    assert callable(pt.shape) and pt.shape(x).type.ndim == 1
    assert callable(pt.subtensor)


def test_keyword_arguments_and_defaults():
    from tensorsmith import In

    x, y = pt.dscalar("x"), pt.dscalar("y")
    f = function([x, In(y, value=10.0)], x - y)
    assert float(f(1.0)) == -9.0
    assert float(f(1.0, 2.0)) == -1.0
    assert float(f(y=1.0, x=5.0)) == 4.0
    assert float(f(3.0, y=1.0)) == 2.0
    with pytest.raises(TypeError, match="no input named 'z'"):
        f(1.0, z=2.0)
    with pytest.raises(TypeError, match="given twice"):
        f(1.0, x=2.0)
    g = function([x, y], x - y)
    with pytest.raises(TypeError, match="missing: argument 1 \\('y'\\)"):
        g(x=1.0)


def test_import_is_cheap():
    """No compiler probe, CUDA or heavy SciPy submodules at import."""
    code = ("import sys, tensorsmith, tensorsmith.tensor; "
            "bad = [m for m in ('scipy.signal', 'scipy.stats', 'scipy.optimize', 'pycuda', "
            "'tensorsmith_gpucuda') if m in sys.modules]; print(bad)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_trust_input_and_copy():
    x = pt.dvector("x")
    w = tensorsmith.shared(np.ones(2), name="w")
    f = function([x], (x * w).sum(), updates=[(w, w * 2)])
    g = f.copy()
    assert float(g(np.ones(2))) == 2.0 and float(f(np.ones(2))) == 4.0  # w is shared by both
    f.trust_input = True
    assert float(f(np.ones(2))) == 8.0
    t = function([x], x * 2, trust_input=True)
    np.testing.assert_array_equal(t(np.array([1.0, 2.0])), [2.0, 4.0])


def test_zero_versus_disconnected_gradients_as_in_pytensor():
    """Through comparisons, rounding, argmax and integer casts the gradient is
    zero (the cost depends on x); through shape, disconnected_grad or
    consider_constant there is no gradient path and grad raises."""
    from tensorsmith.gradient import DisconnectedInputError, disconnected_grad

    x = pt.dvector("x")
    for cost in (pt.cast(x > 0, "float64").sum(), pt.cast(pt.argmax(x), "float64"), pt.floor(x).sum(),
                 pt.cast(pt.cast(x, "int32"), "float64").sum()):
        np.testing.assert_array_equal(function([x], pt.grad(cost, x))([1.0, 2.0]), [0.0, 0.0])
    y = x * 2
    for cost, kw in ((pt.cast(x.shape[0], "float64"), {}), (disconnected_grad(x).sum(), {}),
                     (y.sum(), {"consider_constant": [y]})):
        with pytest.raises(DisconnectedInputError):
            pt.grad(cost, x, **kw)
