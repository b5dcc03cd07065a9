"""Bad input across the tensor op families: the exception type NumPy would
raise, a message naming what was expected and what came, raised at BUILD time
(the user's line is the innermost frame outside the library) when the static
information suffices, and at RUN time notes naming the op, the input dtypes and
shapes and the file:line where the failing node was made.  Everything runs
in-process: a hang or a crash would fail the whole run."""
import sys
from pathlib import Path

import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
import tensorsmith_autodiff
import tensorsmith_graphcore
import tensorsmith_tensorops

THIS_FILE = Path(__file__).resolve()
LIBRARY_DIRS = tuple(Path(m.__file__).resolve().parent for m in
                     (tensorsmith, tensorsmith_tensorops, tensorsmith_graphcore,
                      tensorsmith_autodiff, np))


def here():
    """The caller's line number (to compare with the 'created at' note)."""
    return sys._getframe(1).f_lineno


def _in_library(path):
    path = Path(str(path))
    if not path.is_absolute():  # compiled (Cython) library modules report relative paths
        return True
    path = path.resolve()
    return any(d in path.parents for d in LIBRARY_DIRS)


def assert_build_error(excinfo, *fragments):
    """The innermost traceback frame outside the library is in this test file
    (the user's line), and the message holds every fragment."""
    user = [e for e in excinfo.traceback if not _in_library(e.path)]
    assert user, "no frame outside the library"
    assert Path(str(user[-1].path)).resolve() == THIS_FILE, user[-1]
    msg = str(excinfo.value)
    for f in fragments:
        assert f in msg, (f, msg)
    assert not getattr(excinfo.value, "__notes__", None), "build-time errors need no run-time notes"


def assert_run_error(excinfo, op_fragment, line, *input_descriptions):
    """The run-time notes name the op, this file's line where the node was
    made, and each input as dtype[shape]."""
    notes = "\n".join(getattr(excinfo.value, "__notes__", []))
    assert "Apply node that caused the error" in notes, notes
    assert op_fragment in notes, (op_fragment, notes)
    assert f"{THIS_FILE.name}:{line}" in notes, (line, notes)
    for d in input_descriptions:
        assert d in notes, (d, notes)


def static(shape, dtype="float64", name=None):
    return pt.tensor(name, dtype=dtype, shape=shape)


# --------------------------------------------------------------------- elementwise

@pytest.mark.parametrize("build", [
    lambda a, b: a + b,
    lambda a, b: a * b,
    lambda a, b: pt.maximum(a, b),
    lambda a, b: pt.pow(a, b),
    lambda a, b: a < b,
    lambda a, b: pt.switch(pt.ones((3,), dtype="bool"), a, b),
])
def test_elemwise_static_shapes_mismatch(build):
    a, b = static((3,)), static((4,))
    with pytest.raises(ValueError) as ei:
        build(a, b)
    assert_build_error(ei, "(3,)", "(4,)")


def test_elemwise_static_shapes_mismatch_2d():
    a, b = static((2, 3)), static((5, 1, 4))
    with pytest.raises(ValueError) as ei:
        pt.add(a, b)
    assert_build_error(ei, "add", "(2, 3)", "(5, 1, 4)")


def test_elemwise_runtime_shapes_mismatch():
    v, w = pt.vector("v"), pt.vector("w")
    out, line = v + w, here()
    f = tensorsmith.function([v, w], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones(3), np.ones(4))
    assert_run_error(ei, "add", line, "float64[3]", "float64[4]")
    # the function still works afterwards
    np.testing.assert_array_equal(f(np.ones(2), np.ones(2)), [2.0, 2.0])


def test_elemwise_runtime_mixed_dtypes_named():
    v, w = pt.ivector("v"), pt.matrix("w", dtype="float32")
    out, line = pt.mul(v, w), here()
    f = tensorsmith.function([v, w], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones(3, "int32"), np.ones((2, 4), "float32"))
    assert_run_error(ei, "mul", line, "int32[3]", "float32[2, 4]")


def test_elemwise_wrong_arity():
    with pytest.raises(TypeError) as ei:
        pt.maximum(pt.vector(), pt.vector(), pt.vector())
    assert_build_error(ei, "maximum", "2", "3")


def test_elemwise_unsupported_dtype_combination():
    m = pt.matrix()
    with pytest.raises(TypeError) as ei:
        pt.bitwise_and(m, m)
    assert_build_error(ei, "float64")


def test_int_to_negative_int_power_runtime():
    i = pt.lvector("i")
    out, line = i ** -1, here()
    f = tensorsmith.function([i], out)
    with pytest.raises(ValueError) as ei:
        f(np.array([1, 2]))
    assert_run_error(ei, "pow", line, "int64[2]")


# --------------------------------------------------------------------- reductions

@pytest.mark.parametrize("fn", [pt.sum, pt.prod, pt.max, pt.min, pt.all, pt.any, pt.mean,
                                pt.argmax, pt.argmin, pt.var, pt.std, pt.cumsum])
@pytest.mark.parametrize("axis", [2, -3])
def test_reduction_axis_out_of_range(fn, axis):
    m = pt.matrix()
    with pytest.raises(ValueError) as ei:
        fn(m, axis=axis)
    assert_build_error(ei, f"axis {axis}", "2 dimensions")


@pytest.mark.parametrize("fn", [pt.sum, pt.prod, pt.max, pt.mean])
def test_reduction_repeated_axis(fn):
    with pytest.raises(ValueError) as ei:
        fn(pt.matrix(), axis=(0, -2))
    assert_build_error(ei, "repeated axis 0")


@pytest.mark.parametrize("axis", [1.5, True, "0", (0, 1.0)])
def test_reduction_axis_wrong_type(axis):
    with pytest.raises(TypeError) as ei:
        pt.sum(pt.matrix(), axis=axis)
    assert_build_error(ei, "axis", repr(axis) if not isinstance(axis, tuple) else "1.0")


def test_reduction_symbolic_axis():
    with pytest.raises(TypeError) as ei:
        pt.sum(pt.matrix(), axis=pt.lscalar("k"))
    assert_build_error(ei, "axis", "symbolic", "k")


def test_reduction_constant_axis_accepted():
    assert pt.sum(static((2, 3)), axis=pt.constant(1)).type.shape == (2,)


def test_reduction_bad_dtype():
    with pytest.raises(TypeError) as ei:
        pt.sum(pt.vector(), dtype="float128")
    assert_build_error(ei, "float128")


@pytest.mark.parametrize("fn,op", [(pt.max, "Max"), (pt.min, "Min"), (pt.argmax, "Argmax")])
def test_reduction_of_empty_runtime(fn, op):
    v = pt.vector("v")
    out, line = fn(v), here()
    f = tensorsmith.function([v], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones(0))
    assert_run_error(ei, op, line, "float64[0]")


# --------------------------------------------------------------------- products

@pytest.mark.parametrize("fn,name", [(pt.dot, "dot"), (pt.matmul, "matmul")])
def test_product_static_misaligned(fn, name):
    with pytest.raises(ValueError) as ei:
        fn(static((2, 3)), static((4, 5)))
    assert_build_error(ei, name, "(2, 3)", "(4, 5)")


def test_tensordot_static_misaligned():
    with pytest.raises(ValueError) as ei:
        pt.tensordot(static((2, 3)), static((4, 5)), axes=1)
    assert_build_error(ei, "tensordot", "(2, 3)", "(4, 5)")


@pytest.mark.parametrize("fn", [pt.isclose, pt.allclose])
def test_isclose_static_shapes_mismatch(fn):
    with pytest.raises(ValueError) as ei:
        fn(static((3,)), static((4,)))
    assert_build_error(ei, "isclose", "(3,)", "(4,)")


@pytest.mark.parametrize("build,fragments", [
    (lambda: pt.einsum("ij,jk->ik", static((2, 3)), static((4, 5))), ["(2, 3)", "(4, 5)"]),
    (lambda: pt.einsum("ij,jk->ik", pt.matrix(), pt.vector()), ["jk", "1 dimensions"]),
    (lambda: pt.einsum("ij,jk->il", pt.matrix(), pt.matrix()), ["'l'"]),
    (lambda: pt.vecdot(static((3,)), static((4,))), ["(3,)", "(4,)"]),
    (lambda: pt.matvec(static((2, 3)), static((4,))), ["(2, 3)", "(4,)"]),
    (lambda: pt.vecmat(static((3,)), static((4, 2))), ["(3,)", "(4, 2)"]),
    (lambda: pt.tensordot(pt.matrix(), pt.matrix(), axes=[[0], [5]]), ["axis 5"]),
    (lambda: pt.tensordot(pt.matrix(), pt.matrix(), axes=[[0, 1], [0]]), ["2 axes", "1"]),
    (lambda: pt.tensordot(pt.matrix(), pt.matrix(), axes=3), ["axes=3"]),
    (lambda: pt.dot(static((2, 3, 4)), static((5, 6))), ["(2, 3, 4)", "(5, 6)"]),
    (lambda: pt.matmul(static((2, 3, 4)), static((3, 4, 5))), ["(2,)", "(3,)"]),
])
def test_product_family_static_errors(build, fragments):
    with pytest.raises(ValueError) as ei:
        build()
    assert_build_error(ei, *fragments)


def test_batched_dot_static_batch_mismatch():
    with pytest.raises(ValueError) as ei:
        pt.batched_dot(static((2, 3, 4)), static((3, 4, 5)))
    assert_build_error(ei, "batched_dot", "(2, 3, 4)", "(3, 4, 5)", "batch axis")


@pytest.mark.parametrize("build,fragments", [
    (lambda: pt.batched_tensordot(static((2, 3, 4)), static((3, 4, 5)), [[2], [1]]),
     ["batched_tensordot", "(2, 3, 4)", "(3, 4, 5)", "batch axis"]),
    (lambda: pt.batched_tensordot(static((2, 3, 4)), static((2, 5, 6)), [[2], [1]]),
     ["batched_tensordot", "(2, 3, 4)", "(2, 5, 6)", "axes 2 and 1"]),
    (lambda: pt.batched_dot(static((2, 3, 4)), static((2, 5, 6))), ["batched_dot", "(2, 3, 4)", "(2, 5, 6)"]),
])
def test_batched_tensordot_static_mismatch(build, fragments):
    with pytest.raises(ValueError) as ei:
        build()
    assert_build_error(ei, *fragments)


def test_batched_dot_unknown_batch_builds():
    a, b = static((None, 3, 4)), static((3, 4, 5))
    f = tensorsmith.function([a, b], pt.batched_dot(a, b))
    x, y = np.ones((3, 3, 4)), np.ones((3, 4, 5))
    np.testing.assert_allclose(f(x, y), np.matmul(x, y))


def test_matmul_scalar_operand():
    with pytest.raises(ValueError) as ei:
        pt.matmul(pt.scalar(), pt.matrix())
    assert_build_error(ei, "matmul", "()")


@pytest.mark.parametrize("fn,op", [(pt.dot, "Dot"), (pt.matmul, "MatMul")])
def test_product_runtime_misaligned(fn, op):
    m, n = pt.matrix("m"), pt.matrix("n")
    out, line = fn(m, n), here()
    f = tensorsmith.function([m, n], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones((2, 3)), np.ones((4, 5)))
    assert_run_error(ei, op, line, "float64[2, 3]", "float64[4, 5]")
    assert "(2, 3)" in str(ei.value) and "(4, 5)" in str(ei.value)


def test_vector_dot_runtime_misaligned():
    v, w = pt.vector("v"), pt.vector("w")
    out, line = pt.dot(v, w), here()
    f = tensorsmith.function([v, w], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones(3), np.ones(4))
    assert_run_error(ei, "Dot", line, "float64[3]", "float64[4]")


# --------------------------------------------------------------------- indexing

def test_too_many_indices():
    with pytest.raises(IndexError) as ei:
        pt.matrix()[0, 0, 0]
    assert_build_error(ei, "2-dimensional", "3")


def test_constant_index_out_of_range():
    with pytest.raises(IndexError) as ei:
        static((2, 3))[5]
    assert_build_error(ei, "index 5", "size 2")


@pytest.mark.parametrize("idx", [1.5, "a"])
def test_bad_python_index(idx):
    with pytest.raises(TypeError) as ei:
        pt.vector()[idx]
    assert_build_error(ei, repr(idx) if isinstance(idx, str) else str(idx))


@pytest.mark.parametrize("make", [pt.dscalar, pt.dvector])
def test_float_symbolic_index(make):
    with pytest.raises(TypeError) as ei:
        pt.vector()[make()]
    assert_build_error(ei, "float64")


def test_index_out_of_bounds_runtime():
    m = pt.matrix("m")
    out, line = m[5], here()
    f = tensorsmith.function([m], out)
    with pytest.raises(IndexError) as ei:
        f(np.ones((2, 3)))
    assert_run_error(ei, "Subtensor", line, "float64[2, 3]")
    assert "5" in str(ei.value) and "(2, 3)" in str(ei.value)


def test_advanced_index_out_of_bounds_runtime():
    v, i = pt.vector("v"), pt.lvector("i")
    out, line = v[i], here()
    f = tensorsmith.function([v, i], out)
    with pytest.raises(IndexError) as ei:
        f(np.ones(3), np.array([5]))
    assert_run_error(ei, "AdvancedSubtensor", line, "float64[3]", "int64[1]")


def test_set_subtensor_static_shape_mismatch():
    x = static((3,))
    with pytest.raises(ValueError) as ei:
        pt.set_subtensor(x[:2], static((3,)))
    assert_build_error(ei, "(3,)", "(2,)")


# --------------------------------------------------------------------- shapes

def test_reshape_static_wrong_size():
    with pytest.raises(ValueError) as ei:
        pt.reshape(static((2, 3)), (4, 4))
    assert_build_error(ei, "size 6", "(4, 4)")


def test_reshape_runtime_wrong_size():
    m = pt.matrix("m")
    out, line = pt.reshape(m, (4, 4)), here()
    f = tensorsmith.function([m], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones((2, 3)))
    assert_run_error(ei, "Reshape", line, "float64[2, 3]")
    assert "(2, 3)" in str(ei.value)


def test_reshape_runtime_message_shows_plain_shape():
    m = pt.matrix("m")
    f = tensorsmith.function([m], pt.reshape(m, (4, 4)))
    with pytest.raises(ValueError) as ei:
        f(np.ones((2, 3)))
    assert "(4, 4)" in str(ei.value)


def test_squeeze_non_unit_axis():
    with pytest.raises(ValueError) as ei:
        pt.squeeze(static((2, 3)), axis=0)
    assert_build_error(ei, "axis 0", "2")


def test_squeeze_runtime_non_unit_axis():
    m = pt.matrix("m")
    out, line = pt.squeeze(m, axis=0), here()
    f = tensorsmith.function([m], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones((2, 3)))
    assert_run_error(ei, "", line, "float64[2, 3]")


def test_specify_shape_runtime():
    v = pt.vector("v")
    out, line = pt.specify_shape(v, (4,)), here()
    f = tensorsmith.function([v], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones(3))
    assert_run_error(ei, "SpecifyShape", line, "float64[3]")


@pytest.mark.parametrize("build,fragments", [
    (lambda: pt.concatenate([static((2, 3)), static((4, 5))]), ["(2, 3)", "(4, 5)"]),
    (lambda: pt.concatenate([static((2, 3)), pt.vector()]), ["same number of dimensions"]),
    (lambda: pt.concatenate([static((2, 3)), static((2, 3))], axis=3), ["axis 3", "2 dimensions"]),
    (lambda: pt.stack([static((2, 3)), static((4, 5))]), ["4, 5"]),
])
def test_join_static_errors(build, fragments):
    with pytest.raises(ValueError) as ei:
        build()
    assert_build_error(ei, *fragments)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack_static_message_names_stack_and_user_shapes(axis):
    with pytest.raises(ValueError) as ei:
        pt.stack([static((2, 3)), static((4, 5))], axis=axis)
    assert_build_error(ei, "stack", "(2, 3)", "(4, 5)")
    assert "(1, 2, 3)" not in str(ei.value)


def test_stack_partly_unknown_shapes_build():
    a, b = static((None, 3)), static((2, None))
    f = tensorsmith.function([a, b], pt.stack([a, b], axis=1))
    x, y = np.ones((2, 3)), np.zeros((2, 3))
    np.testing.assert_array_equal(f(x, y), np.stack([x, y], axis=1))


@pytest.mark.parametrize("fn", [pt.concatenate, pt.stack])
def test_join_runtime_mismatch(fn):
    m, n = pt.matrix("m"), pt.matrix("n")
    out, line = fn([m, n]), here()
    f = tensorsmith.function([m, n], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones((2, 3)), np.ones((4, 5)))
    assert_run_error(ei, "Join", line)


# --------------------------------------------------------------------- creation

@pytest.mark.parametrize("build,fragment", [
    (lambda: pt.zeros((-1, 3)), "-1"),
    (lambda: pt.ones(-2), "-2"),
    (lambda: pt.eye(-2), "-2"),
    (lambda: pt.arange(0, 5, 0), "step"),
])
def test_creation_static_negative(build, fragment):
    with pytest.raises(ValueError) as ei:
        build()
    assert_build_error(ei, fragment)


def test_alloc_runtime_negative_named():
    k = pt.lscalar("k")
    out, line = pt.zeros((k, 3)), here()
    f = tensorsmith.function([k], out)
    with pytest.raises(ValueError) as ei:
        f(-2)
    assert_run_error(ei, "Alloc", line, "int64[]")


def test_alloc_runtime_negative_message():
    k = pt.lscalar("k")
    f = tensorsmith.function([k], pt.zeros((k, 3)))
    with pytest.raises(ValueError, match="negative length -2 in the requested shape"):
        f(-2)
    with pytest.raises(ValueError) as np_error:
        np.zeros((-2, 3))
    assert "negative" in str(np_error.value)  # NumPy names the same problem


def test_broadcast_to_runtime_negative_message():
    k, v = pt.lscalar("k"), pt.vector("v")
    f = tensorsmith.function([v, k], pt.broadcast_to(v, (k, 3)))
    with pytest.raises(ValueError, match="broadcast_to|BroadcastTo") as ei:
        f(np.ones(3), -2)
    assert "negative length -2" in str(ei.value)


# --------------------------------------------------------------------- linalg, nnet, random

@pytest.mark.parametrize("fn,name", [(pt.linalg.inv, "inv"), (pt.linalg.det, "det")])
def test_linalg_non_square_static(fn, name):
    with pytest.raises(ValueError) as ei:
        fn(static((2, 3)))
    assert_build_error(ei, name, "square", "(2, 3)")


def test_linalg_non_square_runtime():
    m = pt.matrix("m")
    out, line = pt.linalg.inv(m), here()
    f = tensorsmith.function([m], out)
    with pytest.raises(np.linalg.LinAlgError) as ei:
        f(np.ones((2, 3)))
    assert_run_error(ei, "MatrixInverse", line, "float64[2, 3]")


def test_conv_channel_mismatch_static():
    x, w = static((1, 3, 5, 5)), static((2, 4, 3, 3))
    with pytest.raises(ValueError) as ei:
        pt.nnet.conv2d(x, w)
    assert_build_error(ei, "3 channels", "4")


def test_conv_channel_mismatch_runtime():
    x, w = pt.tensor4("x"), pt.tensor4("w")
    out, line = pt.nnet.conv2d(x, w), here()
    f = tensorsmith.function([x, w], out)
    with pytest.raises(ValueError) as ei:
        f(np.ones((1, 3, 5, 5)), np.ones((2, 4, 3, 3)))
    assert_run_error(ei, "Conv", line, "float64[1, 3, 5, 5]", "float64[2, 4, 3, 3]")


@pytest.mark.parametrize("build,fragments", [
    (lambda: pt.random.normal(0, 1.0, size=(-3,)), ["non-negative", "(-3,)"]),
    (lambda: pt.random.normal(static((3,)), 1.0, size=(4,)), ["(3,)", "(4,)"]),
    (lambda: pt.random.normal(pt.zeros(3), pt.ones(4)), ["(3,)", "(4,)"]),
])
def test_random_bad_parameters_static(build, fragments):
    with pytest.raises(ValueError) as ei:
        build()
    assert_build_error(ei, *fragments)


def test_random_bad_parameter_value_runtime():
    s = pt.dscalar("s")
    out, line = pt.random.normal(0, s, size=(3,)), here()
    f = tensorsmith.function([s], out)
    with pytest.raises(ValueError) as ei:
        f(-1.0)
    assert "scale" in str(ei.value)
    assert_run_error(ei, "normal", line, "float64[]")


# --------------------------------------------------------------------- constructors, conversion

@pytest.mark.parametrize("build,dtype", [
    (lambda: pt.tensor(dtype="float128"), "float128"),
    (lambda: pt.matrix(dtype="object"), "object"),
    (lambda: pt.vector(dtype="foo"), "foo"),
    (lambda: pt.cast(pt.matrix(), "float128"), "float128"),
])
def test_unsupported_dtype(build, dtype):
    with pytest.raises(TypeError) as ei:
        build()
    assert_build_error(ei, repr(dtype), "supported", "float64")


@pytest.mark.parametrize("value,fragment", [
    ("abc", "strings"), (object(), "object"), (None, "None"),
])
def test_as_tensor_variable_rejects(value, fragment):
    with pytest.raises(TypeError) as ei:
        pt.as_tensor_variable(value)
    assert_build_error(ei, fragment)


@pytest.mark.parametrize("value", ["abc", object(), None])
def test_operator_with_non_tensor_operand(value):
    with pytest.raises(TypeError) as ei:
        pt.vector() + value
    assert_build_error(ei, "tensor")


def test_as_tensor_variable_ragged():
    with pytest.raises(ValueError) as ei:
        pt.as_tensor_variable([[1, 2], [3]])
    assert_build_error(ei, "inhomogeneous")


# --------------------------------------------------------------------- function

def test_function_inputs_not_a_list():
    m = pt.matrix("m")
    with pytest.raises(TypeError) as ei:
        tensorsmith.function(m, m)
    assert_build_error(ei, "list", "TensorVariable")


def test_function_constant_input():
    with pytest.raises(TypeError) as ei:
        tensorsmith.function([pt.constant(1.0)], pt.matrix())
    assert_build_error(ei, "constant")


def test_function_non_variable_output():
    with pytest.raises(TypeError) as ei:
        tensorsmith.function([pt.matrix()], "abc")
    assert_build_error(ei, "output 0", "'abc'")


def test_function_computed_input():
    m = pt.matrix("m")
    with pytest.raises(TypeError) as ei:
        tensorsmith.function([m * 2], m)
    assert_build_error(ei, "input 0", "owner")


def test_function_missing_input_names_variable_and_line():
    m, n = pt.matrix("m"), pt.matrix("n")
    line = here() - 1
    with pytest.raises(Exception) as ei:
        tensorsmith.function([m], m * n)
    assert type(ei.value).__name__ == "MissingInputError"
    assert_build_error(ei, "n", f"{THIS_FILE.name}:{line}")


def test_function_duplicate_input():
    m = pt.matrix("m")
    with pytest.raises(ValueError) as ei:
        tensorsmith.function([m, m], m)
    assert_build_error(ei, "twice")


@pytest.mark.parametrize("arg,fragments", [
    (np.ones(3), ["argument 0", "'m'", "2-d", "1-d", "(3,)"]),
    (np.array([["a"]]), ["argument 0", "float64", "<U1"]),
    (np.ones((2, 2), dtype="complex128"), ["argument 0", "complex128", "float64"]),
])
def test_function_call_bad_argument(arg, fragments):
    m = pt.matrix("m")
    f = tensorsmith.function([m], m * 2)
    with pytest.raises(TypeError) as ei:
        f(arg)
    for frag in fragments:
        assert frag in str(ei.value), (frag, str(ei.value))


def test_function_call_wrong_number_of_arguments():
    m = pt.matrix("m")
    f = tensorsmith.function([m], m * 2)
    with pytest.raises(TypeError) as ei:
        f(np.ones((2, 2)), 1)
    assert "1 argument" in str(ei.value) and "2 were given" in str(ei.value)
    with pytest.raises(TypeError):
        f()


def test_function_call_static_shape_violated():
    x = static((2, 3), name="x")
    f = tensorsmith.function([x], x + 1)
    with pytest.raises(TypeError) as ei:
        f(np.ones((3, 2)))
    for frag in ["'x'", "(2, 3)", "(3, 2)"]:
        assert frag in str(ei.value), (frag, str(ei.value))


# --------------------------------------------------------------------- grad

def test_grad_of_non_scalar_cost():
    v = pt.vector("v")
    with pytest.raises(TypeError) as ei:
        pt.grad(v, v)
    assert_build_error(ei, "scalar", "Vector")


def test_grad_wrt_unrelated_variable():
    v, m = pt.vector("v"), pt.matrix("m")
    with pytest.raises(Exception) as ei:
        pt.grad(v.sum(), m)
    assert type(ei.value).__name__ == "DisconnectedInputError"
    assert_build_error(ei, "m")


# --------------------------------------------------------------------- function: updates, givens, options

@pytest.fixture
def shared_vec():
    return tensorsmith.shared(np.zeros(3), name="s")


@pytest.mark.parametrize("new,fragment", [
    (lambda: pt.zeros((2, 2)), "Matrix(float64"),
    (lambda: pt.zeros(3, dtype="int64"), "int64"),
    (lambda: pt.zeros(3, dtype="complex128"), "complex128"),
])
def test_function_update_of_wrong_type(shared_vec, new, fragment):
    with pytest.raises(TypeError) as ei:
        tensorsmith.function([], [], updates=[(shared_vec, new())])
    assert_build_error(ei, "update of s", "Vector(float64", fragment)


def test_function_update_of_non_shared():
    v = pt.vector("v")
    with pytest.raises(TypeError) as ei:
        tensorsmith.function([v], [], updates=[(v, v + 1)])
    assert_build_error(ei, "shared", "v")


def test_function_update_not_a_pair(shared_vec):
    with pytest.raises(TypeError, match="pair"):
        tensorsmith.function([], [], updates=[shared_vec])


def test_function_givens_of_wrong_type():
    v, m = pt.vector("v"), pt.matrix("m")
    with pytest.raises(TypeError) as ei:
        tensorsmith.function([m], v * 2, givens={v: m})
    assert_build_error(ei, "givens", "Vector(float64", "Matrix(float64")


def test_function_unknown_mode():
    v = pt.vector("v")
    with pytest.raises(ValueError) as ei:
        tensorsmith.function([v], v, mode="foo")
    assert_build_error(ei, "'foo'", "FAST_RUN")


def test_function_bad_on_unused_input():
    v = pt.vector("v")
    with pytest.raises(ValueError):
        tensorsmith.function([v], v, on_unused_input="foo")


def test_function_unused_input():
    v, m = pt.vector("v"), pt.matrix("m")
    with pytest.raises(Exception) as ei:
        tensorsmith.function([v, m], v)
    assert type(ei.value).__name__ == "UnusedInputError"
    assert_build_error(ei, "input 1", "m", "on_unused_input")


@pytest.mark.parametrize("arg,fragments", [
    (None, ["argument 0", "'v'", "NoneType"]),
    ([1, [2]], ["argument 0", "inhomogeneous"]),
    (1.0, ["argument 0", "0-d", "1-d"]),
])
def test_function_call_unconvertible_argument(arg, fragments):
    v = pt.vector("v")
    f = tensorsmith.function([v], v * 2)
    with pytest.raises(TypeError) as ei:
        f(arg)
    for frag in fragments:
        assert frag in str(ei.value), (frag, str(ei.value))


def test_function_call_unknown_keyword():
    v = pt.vector("v")
    with pytest.raises(TypeError, match="no input named 'w'"):
        tensorsmith.function([v], v)(w=np.ones(2))


def test_shared_set_value_wrong_ndim(shared_vec):
    with pytest.raises(TypeError) as ei:
        shared_vec.set_value(np.zeros((2, 2)))
    assert "1-d" in str(ei.value) and "(2, 2)" in str(ei.value)
    np.testing.assert_array_equal(shared_vec.get_value(), np.zeros(3))


def test_eval_missing_input_names_variable():
    v = pt.vector("v")
    line = here() - 1
    with pytest.raises(Exception) as ei:
        (v * 2).eval()
    assert type(ei.value).__name__ == "MissingInputError"
    assert_build_error(ei, "v", f"{THIS_FILE.name}:{line}")


# --------------------------------------------------------------------- no crash on large graphs

def test_deep_elementwise_chain_compiles_and_differentiates():
    """A 3000-op chain: no RecursionError when building, compiling, running
    or differentiating (graph walks are iterative)."""
    x = pt.vector("x")
    out = x
    ref = np.array([1.0, 0.5])
    expected = ref.copy()
    for i in range(3000):
        if i % 2:
            out, expected = pt.sin(out) * 1.0001, np.sin(expected) * 1.0001
        else:
            out, expected = out + 0.001, expected + 0.001
    np.testing.assert_allclose(tensorsmith.function([x], out)(ref), expected, rtol=1e-10)
    g = tensorsmith.function([x], pt.grad(out.sum(), x))(ref)
    assert g.shape == (2,) and np.isfinite(g).all()
