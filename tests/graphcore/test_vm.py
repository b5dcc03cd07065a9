"""PerformLinker + VM: running graphs, argument checking, error notes,
updates and clearing of intermediate cells."""
import os

import pytest

THIS = os.path.abspath(__file__)


def compile_fg(g, fg, **kw):
    filters = kw.pop("filters", None)
    if filters is None:
        idx = kw.get("arg_indices") or range(len(fg.inputs))
        filters = [fg.inputs[i].type.filter for i in idx]
    return g.PerformLinker().make_vm(fg, filters, **kw)


def test_run_graph(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    z = toy.add(toy.mul(x, y), 2.0)
    w = toy.neg(z)
    fg = g.FunctionGraph([x, y], [z, w])
    vm, storage = compile_fg(g, fg, arg_names=["x", "y"])
    assert vm(3, 4) == [14.0, -14.0]
    assert vm(1.5, 2) == [5.0, -5.0]
    assert isinstance(vm.thunks[0], g.PerformThunk)
    assert vm.nodes == fg.toposort()


def test_unpack_single_and_multi_output_node(g, toy):
    x, y = toy.iscalar("x"), toy.iscalar("y")
    q, r = toy.divmod(x, y)
    z = toy.add(toy.mul(q, y), r)
    fg = g.FunctionGraph([x, y], [z])
    vm, _ = compile_fg(g, fg, unpack_single=True)
    assert vm(17, 5) == 17
    fg2 = g.FunctionGraph([x, y], [q, r])
    vm2, _ = compile_fg(g, fg2)
    assert vm2(17, 5) == [3, 2]


def test_outputs_that_are_inputs_or_constants(g, toy):
    x = toy.fscalar("x")
    c = toy.fscalar.make_constant(7.0)
    fg = g.FunctionGraph([x], [x, c, toy.add(x, c)], clone=False)
    vm, _ = compile_fg(g, fg)
    assert vm(1.0) == [1.0, 7.0, 8.0]


def test_wrong_argument_count(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    fg = g.FunctionGraph([x, y], [toy.add(x, y)])
    vm, _ = compile_fg(g, fg, arg_names=["x", "y"])
    with pytest.raises(TypeError, match=r"takes 2 argument\(s\).*1 were given"):
        vm(1.0)
    with pytest.raises(TypeError, match=r"takes 2 argument\(s\).*3 were given"):
        vm(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match=r"x, y"):
        vm()
    assert vm(1.0, 2.0) == [3.0]


def test_filter_error_names_argument(g, toy):
    x, i = toy.fscalar("x"), toy.iscalar("i")
    fg = g.FunctionGraph([x, i], [toy.add(x, i)])
    vm, _ = compile_fg(g, fg, arg_names=["x", "i"])
    with pytest.raises(TypeError, match=r"argument 1 \('i'\).*expected an int"):
        vm(1.0, 2.5)
    with pytest.raises(TypeError, match=r"argument 0 \('x'\).*got str"):
        vm("a", 1)
    vm2, _ = compile_fg(g, fg)
    with pytest.raises(TypeError, match=r"Bad argument 0: "):
        vm2("a", 1)
    assert vm(1.0, 2) == [3.0]


def test_perform_error_gets_note(g, toy):
    x = toy.fscalar("x")
    a = toy.neg(x)
    line = __import__("inspect").currentframe().f_lineno + 1
    b = toy.boom(a)
    fg = g.FunctionGraph([x], [toy.neg(b)])
    vm, storage = compile_fg(g, fg)
    with pytest.raises(ValueError, match="boom in perform") as ei:
        vm(1.0)
    notes = "\n".join(getattr(ei.value, "__notes__", []))
    assert "Apply node that caused the error: Boom(" in notes
    assert f"{THIS}:{line}" in notes or f"test_vm.py:{line}" in notes
    # the intermediates were cleared even though the run failed
    inner = fg.toposort()[0].outputs[0]
    assert storage[inner][0] is None


def test_perform_error_describe_hook(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    fg = g.FunctionGraph([x, y], [toy.div(x, y)])

    def describe(node, thunk):
        return "inputs: " + ", ".join(repr(c[0]) for c in thunk.input_cells)

    vm, _ = compile_fg(g, fg, describe=describe)
    with pytest.raises(ZeroDivisionError) as ei:
        vm(1.0, 0.0)
    notes = "\n".join(ei.value.__notes__)
    assert "Div(" in notes and "inputs: 1.0, 0.0" in notes
    assert vm(1.0, 2.0) == [0.5]

    def broken(node, thunk):
        raise RuntimeError("describe itself failed")

    vm2, _ = compile_fg(g, fg, describe=broken)
    with pytest.raises(ZeroDivisionError) as ei:
        vm2(1.0, 0.0)
    assert "Apply node that caused the error" in ei.value.__notes__[0]


def test_intermediates_cleared_outputs_kept(g, toy):
    x = toy.fscalar("x")
    a = toy.neg(x)
    b = toy.mul(a, a)
    c = toy.add(b, 1.0)
    fg = g.FunctionGraph([x], [c], clone=False)
    vm, storage = compile_fg(g, fg)
    assert vm(3.0) == [10.0]
    assert storage[a][0] is None and storage[b][0] is None
    assert storage[x][0] is None  # argument cells are freed too
    assert storage[c][0] == 10.0  # outputs are kept
    const = c.owner.inputs[1]
    assert storage[const][0] == 1.0  # constants stay
    assert len(vm.clear_cells) == 3


def test_keep_cells(g, toy):
    x = toy.fscalar("x")
    c = toy.add(toy.neg(x), 1.0)
    fg = g.FunctionGraph([x], [c], clone=False)
    vm, st = compile_fg(g, fg)
    vm(2.0)
    assert st[x][0] is None  # argument cell cleared
    x_cell = [None]
    vm2, st2 = compile_fg(g, fg, input_storage=[x_cell], keep_cells=[x_cell])
    assert vm2(2.0) == [-1.0]
    assert st2[x] is x_cell and x_cell[0] == 2.0  # kept


def test_updates_and_shared_storage(g, toy):
    x, s = toy.fscalar("x"), toy.fscalar("s")
    new_s = toy.add(s, x)
    out = toy.mul(s, 2.0)
    fg = g.FunctionGraph([x, s], [out, new_s], clone=False)
    s_cell = [10.0]
    vm, storage = compile_fg(g, fg, arg_indices=[0], arg_names=["x"],
                             input_storage=[None, s_cell], updates=[(1, s_cell)])
    assert vm.n_inputs == 1
    assert vm(1.0) == [20.0, 11.0]
    assert s_cell[0] == 11.0
    assert vm(2.0) == [22.0, 13.0]
    assert s_cell[0] == 13.0
    assert storage[s] is s_cell
    with pytest.raises(TypeError, match="takes 1 argument"):
        vm(1.0, 2.0)


def test_update_skipped_on_error(g, toy):
    x, s = toy.fscalar("x"), toy.fscalar("s")
    fg = g.FunctionGraph([x, s], [toy.div(s, x)], clone=False)
    s_cell = [4.0]
    vm, _ = compile_fg(g, fg, arg_indices=[0], input_storage=[None, s_cell], updates=[(0, s_cell)])
    assert vm(2.0) == [2.0] and s_cell[0] == 2.0
    with pytest.raises(ZeroDivisionError):
        vm(0.0)
    assert s_cell[0] == 2.0


def test_vm_direct(g):
    cell_in, cell_mid, cell_out = [None], [None], [None]

    def t1():
        cell_mid[0] = cell_in[0] * 2

    def t2():
        cell_out[0] = cell_mid[0] + 1

    vm = g.VM([t1, t2], [None, None], [cell_in], [int], [cell_out],
              clear_cells=[cell_mid], unpack_single=True)
    assert vm(4) == 9
    assert cell_mid[0] is None
    with pytest.raises(ValueError):
        g.VM([t1], [], [cell_in], [int], [cell_out])
    with pytest.raises(ValueError):
        g.VM([t1], [None], [cell_in], [], [cell_out])

    def bad():
        raise KeyError("k")

    vm2 = g.VM([bad], [None], [], [], [cell_out])
    with pytest.raises(KeyError) as ei:
        vm2()
    assert "Apply node that caused the error: None" in ei.value.__notes__[0]


def test_make_storage(g, toy):
    x = toy.fscalar("x")
    c = toy.fscalar.make_constant(3.0)
    z = toy.add(x, c)
    fg = g.FunctionGraph([x], [z], clone=False)
    cell = [5.0]
    st = g.make_storage(fg, [cell])
    assert st[x] is cell and st[c] == [3.0] and st[z] == [None]


class _Arr:
    """A stand-in array (graphcore knows no array library)."""

    def __init__(self, dtype, shape):
        self.dtype = dtype
        self.shape = tuple(shape)
        self.ndim = len(shape)


class _Scalar(float):
    pass


def test_array_filter_fast_paths_and_fallback(g):
    seen = []

    def slow(v):
        seen.append(v)
        if v == "bad":
            raise TypeError("no good")
        return ("slow", v)

    def convert(v, dtype):
        return ("conv", v, dtype)

    f = g.vm.ArrayFilter(slow, _Arr, "f8", 2, (None, 3))
    ok = _Arr("f8", (5, 3))
    assert f(ok) is ok and f.apply(ok) is ok and not seen
    for v in (_Arr("f8", (5, 4)), _Arr("f4", (5, 3)), _Arr("f8", (3,)), 1.5, 2, "x"):
        assert f(v) == ("slow", v)
    assert len(seen) == 6
    with pytest.raises(TypeError, match="no good"):
        f("bad")
    # no known length: any shape of the right rank; equal but not identical dtype: slow
    f = g.vm.ArrayFilter(slow, _Arr, "f8", 1, (None,))
    assert f.shape is None
    a = _Arr("f8", (7,))
    assert f(a) is a
    # 0-d: the scalar type, Python floats and ints that int64 holds are converted
    s = g.vm.ArrayFilter(slow, _Arr, "f8", 0, (), scalar_type=_Scalar, convert=convert,
                         py_float=True, py_int=True)
    assert s(_Scalar(1.5)) == ("conv", 1.5, "f8")
    assert s(1.5) == ("conv", 1.5, "f8")
    assert s(3) == ("conv", 3, "f8")
    assert s(-2**63) == ("conv", -2**63, "f8")
    for v in (2**63, -2**63 - 1, True, 1j):
        assert s(v) == ("slow", v)
    s = g.vm.ArrayFilter(slow, _Arr, "f8", 0, (), scalar_type=_Scalar, convert=convert)
    assert s(1.5) == ("slow", 1.5) and s(3) == ("slow", 3)
    assert s(_Scalar(2.0)) == ("conv", 2.0, "f8")
    # scalar paths only for 0-d inputs
    v = g.vm.ArrayFilter(slow, _Arr, "f8", 1, None, scalar_type=_Scalar, convert=convert, py_float=True)
    assert v(1.5) == ("slow", 1.5) and v(_Scalar(1.0)) == ("slow", 1.0)
    with pytest.raises(ValueError, match="ndim"):
        g.vm.ArrayFilter(slow, _Arr, "f8", 2, (None,))


def test_vm_calls_array_filters_and_names_argument(g):
    c0, c1, out = [None], [None], [None]

    def thunk():
        out[0] = (c0[0], c1[0])

    def slow(v):
        raise TypeError(f"bad value {v!r}")

    af = g.vm.ArrayFilter(slow, _Arr, "f8", 0, (), convert=lambda v, d: ("conv", v), py_float=True)
    vm = g.VM([thunk], [None], [c0, c1], [af, lambda v: v * 2], [out], arg_names=["a", None],
              unpack_single=True, clear_cells=[c0, c1, out])
    assert vm(1.5, 2) == (("conv", 1.5), 4)
    assert c0 == [None] and c1 == [None]
    with pytest.raises(TypeError, match=r"^Bad argument 0 \('a'\): bad value 'x'$"):
        vm("x", 2)
    with pytest.raises(TypeError, match=r"^Bad argument 1: "):
        vm(1.5, None)
    vm.trust_input = True
    assert vm("x", None) == ("x", None)


def test_busy_storage_goes_to_a_spare(g, toy):
    # a call nested in a call of the same VM runs on a spare (relink)
    x = toy.fscalar("x")
    fg = g.FunctionGraph([x], [toy.neg(x)])
    vm, _ = compile_fg(g, fg, unpack_single=True)
    inner = []
    orig = vm.thunks[0]

    def nesting():
        if not inner:
            inner.append(vm(5.0))
        orig()

    vm.thunks[0] = nesting
    assert vm(1.0) == -1.0
    assert inner == [-5.0]
    assert len(vm._spares) == 1 if hasattr(vm, "_spares") else True
    assert vm(2.0) == -2.0
