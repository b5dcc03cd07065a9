"""Apply / Variable / Constant construction, owner/index, bad inputs, traces."""
import inspect
import os

import pytest

import tensorsmith_graphcore

from conftest import FORCED_PURE


def _line():
    """Line number of the caller."""
    return inspect.currentframe().f_back.f_lineno


THIS = os.path.abspath(__file__)


def test_compiled_flag():
    if FORCED_PURE:
        assert not tensorsmith_graphcore.COMPILED
    else:
        assert tensorsmith_graphcore.COMPILED
        assert not tensorsmith_graphcore.graph.__file__.endswith(".py")
        assert not tensorsmith_graphcore.fg.__file__.endswith(".py")
        assert not tensorsmith_graphcore.vm.__file__.endswith(".py")


def test_pure_copy_is_independent():
    pure = tensorsmith_graphcore.pure_python()
    assert pure is tensorsmith_graphcore.pure_python()
    assert pure.__name__ == "tensorsmith_graphcore_pure"
    assert pure.Apply is not tensorsmith_graphcore.Apply
    assert pure.Variable is not tensorsmith_graphcore.Variable
    assert pure.graph.__file__.endswith("graph.py")
    assert not pure.COMPILED


def test_variable_fields(g, toy):
    x = g.Variable(toy.fscalar, name="x")
    assert x.type == toy.fscalar
    assert x.owner is None and x.index is None
    assert x.name == "x"
    assert str(x) == "x"
    assert x.get_parents() == []
    y = g.Variable(toy.fscalar)
    assert x != y and x == x  # identity semantics
    assert len({x, y, x}) == 2


def test_apply_sets_owner_and_index(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    o0, o1 = toy.fscalar.make_variable(), toy.fscalar.make_variable()
    node = g.Apply(toy.divmod, [x, y], [o0, o1])
    assert node.op is toy.divmod
    assert node.inputs == [x, y]
    assert node.outputs == [o0, o1]
    assert (o0.owner, o0.index) == (node, 0)
    assert (o1.owner, o1.index) == (node, 1)
    assert node.nin == 2 and node.nout == 2
    assert o0.get_parents() == [node]
    assert node.get_parents() == [x, y]
    with pytest.raises(ValueError, match="outputs"):
        node.out
    # inputs are copied into a fresh list
    ins = [x, y]
    n2 = g.Apply(toy.add, ins, [toy.fscalar.make_variable()])
    ins.append(x)
    assert len(n2.inputs) == 2
    assert n2.out is n2.outputs[0]
    assert n2.default_output() is n2.outputs[0]


def test_op_call_returns_outputs(g, toy):
    x, y = toy.fscalar("x"), toy.iscalar("i")
    z = toy.add(x, y)
    assert isinstance(z, g.Variable)
    assert z.owner.op == toy.Add()
    assert z.type == toy.fscalar
    q, r = toy.divmod(y, y)
    assert q.type == toy.iscalar and q.owner is r.owner
    assert r.index == 1
    assert z.auto_name() == "Add.out"
    assert r.auto_name() == "DivMod.1"


def test_constant(g, toy):
    c = toy.fscalar.make_constant(2)
    assert isinstance(c, g.Constant) and isinstance(c, g.Variable)
    assert c.data == 2.0 and isinstance(c.data, float)
    assert c.owner is None
    assert c.signature() == toy.fscalar.make_constant(2.0).signature()
    assert c.signature() != toy.fscalar.make_constant(3.0).signature()
    assert c.signature() != toy.iscalar.make_constant(2).signature()
    assert str(c) == "2.0"
    c2 = c.clone()
    assert c2 is not c and c2.data == c.data and type(c2) is type(c)
    with pytest.raises(TypeError):
        toy.fscalar.make_constant("nope")
    long_c = g.Constant(toy.fscalar, -1.0 / 3.0e-300)
    assert str(long_c).endswith("...")


def test_variable_clone(g, toy):
    x = toy.fscalar("x")
    x.tag = {"k": 1}
    c = x.clone()
    assert c is not x and c.type == x.type and c.name == "x" and c.owner is None
    assert c.tag == x.tag and c.trace == x.trace
    assert x.clone(name="z").name == "z"
    z = toy.add(x, x)
    zc = z.clone()
    assert zc.owner is None and z.owner is not None


@pytest.mark.parametrize("bad", [1.0, "x", None, object()])
def test_apply_bad_input_raises_typeerror(g, toy, bad):
    x = toy.fscalar("x")
    with pytest.raises(TypeError, match="input 1 must be a Variable"):
        g.Apply(toy.add, [x, bad], [toy.fscalar.make_variable()])


def test_apply_bad_output_raises_typeerror(g, toy):
    x = toy.fscalar("x")
    with pytest.raises(TypeError, match="output 0 must be a Variable"):
        g.Apply(toy.neg, [x], [3.0])


def test_apply_output_already_owned(g, toy):
    x = toy.fscalar("x")
    y = toy.neg(x)
    with pytest.raises(ValueError, match="already belongs"):
        g.Apply(toy.neg, [x], [y])


def test_op_make_node_bad_input(g, toy):
    with pytest.raises(TypeError, match="cannot make a toy variable"):
        toy.add(toy.fscalar("x"), "a string")


def test_mixing_implementations_is_rejected(toy):
    other = tensorsmith_graphcore if toy.g is not tensorsmith_graphcore else tensorsmith_graphcore.pure_python()
    foreign = other.Variable(toy.fscalar)
    with pytest.raises(TypeError):
        toy.g.Apply(toy.neg, [foreign], [toy.fscalar.make_variable()])


def test_trace_points_at_user_line_for_apply(g, toy):
    x = toy.fscalar("x")
    line = _line() + 1
    node = g.Apply(toy.neg, [x], [toy.fscalar.make_variable()])
    assert node.trace is not None
    assert os.path.abspath(node.trace[0]) == THIS
    assert node.trace[1] == line
    assert node.outputs[0].trace == node.trace


def test_trace_points_at_user_line_through_op(g, toy):
    x = toy.fscalar("x")
    line = _line() + 1
    z = toy.add(x, 1.0)
    assert os.path.abspath(z.owner.trace[0]) == THIS
    assert z.owner.trace[1] == line
    assert z.trace == z.owner.trace
    assert g.format_location(z.trace) == f"{z.owner.trace[0]}:{line}"
    assert g.format_location(None) == "<unknown location>"


def test_trace_of_input_variable(g, toy):
    line = _line() + 1
    x = toy.fscalar("x")
    assert os.path.abspath(x.trace[0]) == THIS and x.trace[1] == line
    # make_variable (used by ops) records nothing itself
    v = toy.fscalar.make_variable()
    assert v.trace is None


def test_trace_through_nested_user_function(g, toy):
    def helper(a):
        return toy.neg(a)  # the user's innermost frame wins

    line = inspect.getsourcelines(helper)[1] + 1
    z = helper(toy.fscalar())
    assert z.owner.trace == (z.owner.trace[0], line)
    assert os.path.abspath(z.owner.trace[0]) == THIS


def test_user_location_direct(g):
    line = _line() + 1
    loc = g.user_location()
    assert os.path.abspath(loc[0]) == THIS and loc[1] == line


def test_tracing_switch(g, toy):
    old = g.set_tracing(False)
    try:
        assert g.get_tracing() is False
        z = toy.neg(toy.fscalar())
        assert z.owner.trace is None
        assert g.user_location() is None
    finally:
        g.set_tracing(old)
    assert g.get_tracing() is True
    assert toy.neg(toy.fscalar()).owner.trace is not None


def test_apply_clone(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    z = toy.add(x, y)
    n2 = z.owner.clone()
    assert n2 is not z.owner
    assert n2.op == z.owner.op
    assert n2.inputs == [x, y]
    assert n2.outputs[0] is not z
    assert n2.outputs[0].owner is n2
    assert n2.trace == z.owner.trace


def test_clone_with_new_inputs(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    i = toy.iscalar("i")
    z = toy.add(x, y)
    w = toy.fscalar("w")
    n2 = z.owner.clone_with_new_inputs([w, y])
    assert n2.inputs == [w, y] and n2.op == z.owner.op
    # a type change needs strict=False and re-runs make_node
    j = toy.iscalar("j")
    zi = toy.add(i, j)
    with pytest.raises(TypeError, match="types differ"):
        zi.owner.clone_with_new_inputs([x, j])
    n3 = zi.owner.clone_with_new_inputs([x, j], strict=False)
    assert n3.outputs[0].type == toy.fscalar  # inferred again by make_node
    assert n3.trace == zi.owner.trace


def test_ops_and_types_are_value_objects(g, toy):
    assert toy.Add() == toy.Add() and hash(toy.Add()) == hash(toy.Add())
    assert toy.Add() != toy.Mul()
    assert toy.AddC(1) == toy.AddC(1) and toy.AddC(1) != toy.AddC(2)
    assert hash(toy.AddC(1)) == hash(toy.AddC(1))
    assert toy.Scalar("float") == toy.fscalar and toy.fscalar != toy.iscalar
    assert str(toy.AddC(2)) == "AddC{c=2}"
    assert str(toy.Add()) == "Add"
    assert toy.fscalar.is_valid_value(1.5)
    assert not toy.iscalar.is_valid_value(1.5)
    v = toy.fscalar.make_variable("q")
    assert v.name == "q" and v.owner is None


def test_op_protocol_defaults(g):
    class Bare(g.Op):
        pass

    with pytest.raises(NotImplementedError):
        Bare().make_node()
    with pytest.raises(NotImplementedError):
        Bare().perform(None, [], [])
    with pytest.raises(NotImplementedError):
        g.Type().filter(1)
