"""The rewrite engine (tensorsmith_graphcore.rewrite) on the toy ops, against
both builds: rule indexing, patterns, walkers, equilibrium and its limits,
errors, traces and locations, merge (CSE) on random DAGs, large chains."""
import random
import sys
import types
import warnings

import pytest


def R(g):
    return g.rewrite


def fgraph_of(g, outputs, inputs=None, cow=True):
    return g.FunctionGraph(inputs, outputs, clone=False, copy_on_write=cow)


def evaluate(g, outputs, values):
    """Values of ``outputs`` given {input variable: value}, with the toy
    ops' perform (iterative, in topological order)."""
    env = dict(values)
    for node in g.toposort(outputs):
        ins = []
        for v in node.inputs:
            if v in env:
                ins.append(env[v])
            else:
                ins.append(v.data)
        store = [[None] for _ in node.outputs]
        node.op.perform(node, ins, store)
        for o, s in zip(node.outputs, store):
            env[o] = s[0]
    return [env[o] if o in env else o.data for o in outputs]


def structure(g, outputs):
    """(op, input ids) of every node, to check a graph did not change."""
    return [(n.op, tuple(id(v) for v in n.inputs), tuple(id(o) for o in n.outputs))
            for n in g.toposort(outputs)]


# -- rule indexing -------------------------------------------------------------


def test_rules_are_offered_only_nodes_of_their_op_class(g, toy):
    rw = R(g)
    seen = {"add": [], "binary": [], "addc1": [], "all": []}

    @rw.node_rewriter([toy.Add])
    def on_add(fgraph, node):
        seen["add"].append(type(node.op).__name__)

    @rw.node_rewriter([toy.Add.__mro__[1]])  # Binary: Add, Mul and Div through the MRO
    def on_binary(fgraph, node):
        seen["binary"].append(type(node.op).__name__)

    @rw.node_rewriter([toy.AddC(1)])  # an op instance: equal ops only
    def on_addc1(fgraph, node):
        seen["addc1"].append(node.op.c)

    @rw.node_rewriter(None)
    def on_all(fgraph, node):
        seen["all"].append(type(node.op).__name__)

    x = toy.fscalar("x")
    y = toy.add(toy.mul(x, x), toy.neg(toy.AddC(1)(x)))
    z = toy.AddC(2)(toy.div(y, x))
    fg = fgraph_of(g, [z], [x])
    idx = rw.RuleIndex([on_add, on_binary, on_addc1, on_all])
    assert idx.rules_for(toy.add) == (on_add, on_binary, on_all)
    assert idx.rules_for(toy.neg) == (on_all,)
    assert idx.rules_for(toy.AddC(1)) == (on_addc1, on_all)
    assert idx.rules_for(toy.AddC(2)) == (on_all,)
    assert rw.in2out(on_add, on_binary, on_addc1, on_all).apply(fg) == 0
    assert seen["add"] == ["Add"]
    assert sorted(seen["binary"]) == ["Add", "Div", "Mul"]
    assert seen["addc1"] == [1]
    assert len(seen["all"]) == len(fg.apply_nodes) == 6


def test_rule_index_caches_the_mro_lookup(g, toy):
    rw = R(g)
    r = rw.node_rewriter([toy.Add])(lambda fg, n: None)
    idx = rw.RuleIndex([r])
    assert idx.rules_for(toy.add) == (r,)
    assert type(toy.add) in idx._cache
    assert idx.rules_for(toy.mul) == ()


# -- patterns ------------------------------------------------------------------


def test_pattern_bound_names_and_constraints(g, toy):
    rw = R(g)
    x, y = toy.fscalar("x"), toy.fscalar("y")
    i = toy.iscalar("i")
    same = rw.PatternNodeRewriter((toy.add, "a", "a"), (toy.mul, "a", 2.0), name="x+x")
    assert same.match(toy.add(x, x)) == {"a": x}
    assert same.match(toy.add(x, y)) is None
    # constants of equal value bind the same name
    c = toy.add(1.5, 1.5)
    assert same.match(c) is not None
    # constraints on the bound variable and on constants
    ints = rw.PatternNodeRewriter(
        (toy.Add, rw.Var("a", where=lambda v: v.type.kind == "int"), rw.Const(0)), "a")
    assert ints.match(toy.add(i, 0)) == {"a": i}
    assert ints.match(toy.add(x, 0)) is None
    assert ints.match(toy.add(i, 1)) is None
    assert ints.match(toy.add(i, i)) is None
    # nested patterns, a family of ops, op constraints, bound op outputs
    nested = rw.PatternNodeRewriter(
        ((toy.Add, toy.Mul), (toy.Neg, "a"), rw.OpPattern(toy.AddC, "b", name="ac",
                                                           op_where=lambda op: op.c > 1)),
        "a")
    m = nested.match(toy.mul(toy.neg(x), toy.AddC(2)(y)))
    assert m["a"] is x and m["b"] is y and m["ac"].owner.op == toy.AddC(2)
    assert nested.match(toy.mul(toy.neg(x), toy.AddC(1)(y))) is None
    assert nested.match(toy.div(toy.neg(x), toy.AddC(2)(y))) is None
    assert set(nested.tracks) == {toy.Add, toy.Mul}
    # dtype / broadcastable constraints read the type's attributes
    v = types.SimpleNamespace(type=types.SimpleNamespace(dtype="float64", broadcastable=(True,)))
    assert rw.dtype_is("float64", "float32")(v) and not rw.dtype_is("int8")(v)
    assert rw.broadcastable_is(True)(v) and not rw.broadcastable_is(False)(v)
    assert not rw.dtype_is("float64")(x)


def test_pattern_rewrites_build_the_expected_graph(g, toy):
    rw = R(g)
    x, y = toy.fscalar("x"), toy.fscalar("y")
    rules = [
        rw.PatternNodeRewriter((toy.mul, "a", 1.0), "a", name="mul_one"),
        rw.PatternNodeRewriter((toy.Neg, (toy.Neg, "a")), "a", name="double_neg"),
        rw.PatternNodeRewriter((toy.add, "a", "a"), (toy.mul, "a", 2.0), name="x+x"),
    ]
    out = toy.add(toy.mul(toy.neg(toy.neg(x)), 1.0), toy.mul(toy.neg(toy.neg(x)), 1.0))
    before = structure(g, [out])
    fg = fgraph_of(g, [out], [x])
    rw.EquilibriumRewriter(rules, global_rewriters=[rw.MergeRewriter()]).apply(fg)
    expected = toy.mul(x, 2.0)
    assert g.equal_computations(fg.outputs, [expected], [x], [x])
    assert structure(g, [out]) == before  # the user's graph is untouched
    # an inner node with another client is not folded into the match
    inner = toy.neg(y)
    out2 = toy.add(toy.neg(inner), inner)
    fg2 = fgraph_of(g, [out2], [y])
    assert rw.in2out(rules[1]).apply(fg2) == 0
    # unless the rule allows it
    rule = rw.PatternNodeRewriter((toy.Neg, (toy.Neg, "a")), "a", allow_multiple_clients=True)
    assert rw.in2out(rule).apply(fg2) == 1
    assert g.equal_computations(fg2.outputs, [toy.add(y, toy.neg(y))], [y], [y])


def test_function_rules_return_lists_or_dicts(g, toy):
    rw = R(g)
    x = toy.fscalar("x")

    @rw.node_rewriter([toy.DivMod])
    def divmod_by_one(fgraph, node):
        a, b = node.inputs
        if isinstance(b, g.Constant) and b.data == 1:
            return {node.outputs[1]: toy.as_var(0.0)}

    @rw.node_rewriter([toy.Neg])
    def neg_to_mul(fgraph, node):
        return [toy.mul(node.inputs[0], -1.0)]

    q, r = toy.divmod(x, 1.0)
    out = toy.add(toy.neg(q), r)
    fg = fgraph_of(g, [out], [x])
    assert rw.in2out(divmod_by_one, neg_to_mul).apply(fg) == 2
    q2 = fg.outputs[0].owner.inputs[0].owner.inputs[0]
    assert q2.owner.op == toy.divmod
    expected = toy.add(toy.mul(toy.divmod(x, 1.0)[0], -1.0), 0.0)
    assert g.equal_computations(fg.outputs, [expected], [x], [x])


# -- walkers and equilibrium ----------------------------------------------------


def test_walk_orders(g, toy):
    rw = R(g)
    x = toy.fscalar("x")
    a = toy.AddC(1)(x)
    b = toy.AddC(2)(a)
    c = toy.AddC(3)(b)
    order = []

    @rw.node_rewriter([toy.AddC])
    def record(fgraph, node):
        order.append(node.op.c)

    fg = fgraph_of(g, [c], [x])
    rw.in2out(record).apply(fg)
    assert order == [1, 2, 3]
    order.clear()
    rw.out2in(record).apply(fg)
    assert order == [3, 2, 1]
    with pytest.raises(ValueError, match="order"):
        rw.WalkingRewriter([record], order="sideways")


def test_walkers_offer_new_nodes_unless_told_not_to(g, toy):
    rw = R(g)
    x = toy.fscalar("x")

    @rw.node_rewriter([toy.AddC])
    def split(fgraph, node):
        c = node.op.c
        if c > 1:
            return [toy.AddC(c - 1)(toy.AddC(1)(node.inputs[0]))]

    out = toy.AddC(3)(x)
    fg = fgraph_of(g, [out], [x])
    assert rw.in2out(split).apply(fg) == 2  # AddC(3) -> AddC(2)(AddC(1)) -> ...
    assert g.equal_computations(fg.outputs, [toy.AddC(1)(toy.AddC(1)(toy.AddC(1)(x)))], [x], [x])
    fg = fgraph_of(g, [out], [x])
    assert rw.in2out(split, ignore_newtrees=True).apply(fg) == 1


def test_equilibrium_reaches_a_fixed_point(g, toy):
    rw = R(g)
    x = toy.fscalar("x")
    y = x
    for _ in range(7):
        y = toy.neg(y)
    y = toy.add(y, 0.0)
    rules = [rw.PatternNodeRewriter((toy.Neg, (toy.Neg, "a")), "a", name="double_neg"),
             rw.PatternNodeRewriter((toy.add, "a", 0.0), "a", name="add_zero")]
    fg = fgraph_of(g, [y], [x])
    tr = rw.RewriteTrace()
    n = rw.EquilibriumRewriter(rules, order="out_to_in").apply(fg, tr)
    assert g.equal_computations(fg.outputs, [toy.neg(x)], [x], [x])
    assert n == 4 and tr.counts() == {"double_neg": 3, "add_zero": 1}
    assert "double_neg" in str(tr) and "add_zero" in str(tr)
    fg.check_integrity()


def test_cycling_rules_raise_naming_them(g, toy):
    rw = R(g)
    x, y = toy.fscalar("x"), toy.fscalar("y")
    to_mul = rw.PatternNodeRewriter((toy.add, "a", "b"), (toy.mul, "a", "b"), name="add_to_mul")
    to_add = rw.PatternNodeRewriter((toy.mul, "a", "b"), (toy.add, "a", "b"), name="mul_to_add")
    harmless = rw.PatternNodeRewriter((toy.Neg, (toy.Neg, "a")), "a", name="double_neg")
    fg = fgraph_of(g, [toy.add(x, y)], [x, y])
    with pytest.raises(rw.RewriteLimitError, match="add_to_mul.*mul_to_add|mul_to_add.*add_to_mul") as e:
        rw.EquilibriumRewriter([to_mul, to_add, harmless], max_per_rule=50).apply(fg)
    assert set(e.value.rules) == {"add_to_mul", "mul_to_add"}
    # the overall limit
    fg = fgraph_of(g, [toy.add(x, y)], [x, y])
    with pytest.raises(rw.RewriteLimitError, match="in all"):
        rw.EquilibriumRewriter([to_mul, to_add], max_rewrites=30).apply(fg)
    # the pass limit
    fg = fgraph_of(g, [toy.add(x, y)], [x, y])
    with pytest.raises(rw.RewriteLimitError, match="passes"):
        rw.EquilibriumRewriter([to_mul], max_passes=0).apply(fg)


# -- errors, traces, locations ---------------------------------------------------


def test_a_failing_rule_is_named_with_its_node_and_location(g, toy):
    rw = R(g)
    x = toy.fscalar("x")

    @rw.node_rewriter([toy.Neg])
    def broken_rule(fgraph, node):
        raise KeyError("oops")

    good = rw.PatternNodeRewriter((toy.Neg, (toy.Neg, "a")), "a", name="double_neg")
    out = toy.neg(toy.neg(x)); line = sys._getframe().f_lineno  # noqa: E702
    fg = fgraph_of(g, [out], [x])
    with pytest.raises(rw.RewriteError) as e:
        rw.EquilibriumRewriter([broken_rule, good]).apply(fg)
    msg = str(e.value)
    assert "broken_rule" in msg and "Neg" in msg and "KeyError" in msg
    assert f"test_rewrite_engine.py:{line}" in msg
    assert isinstance(e.value.__cause__, KeyError) and e.value.rule is broken_rule
    # skipped with a warning where the flag says so; the other rules still run
    fg = fgraph_of(g, [out], [x])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        rw.EquilibriumRewriter([broken_rule, good], skip_errors=True).apply(fg)
    assert any(issubclass(x_.category, rw.RewriteWarning) and "broken_rule" in str(x_.message)
               for x_ in w)
    assert fg.outputs == [x]
    # a rule returning a bad value is reported the same way
    bad = rw.node_rewriter([toy.Neg], name="bad_value")(lambda fgraph, node: [x, x])
    with pytest.raises(rw.RewriteError, match="bad_value.*2 replacements"):
        rw.in2out(bad).apply(fgraph_of(g, [out], [x]))


def test_replacements_keep_the_users_location(g, toy):
    rw = R(g)
    x = toy.fscalar("x")
    out = toy.add(x, x); line = sys._getframe().f_lineno  # noqa: E702
    rule = rw.PatternNodeRewriter((toy.add, "a", "a"), (toy.mul, "a", 2.0), name="x+x")
    fg = fgraph_of(g, [toy.neg(out)], [x])
    tr = rw.RewriteTrace()
    rw.in2out(rule).apply(fg, tr)
    new = fg.outputs[0].owner.inputs[0]
    assert new.owner.op == toy.mul
    assert new.owner.trace[0].endswith("test_rewrite_engine.py") and new.owner.trace[1] == line
    assert g.location_of(new) == out.owner.trace
    # the copy made in place of the user's neg node keeps its trace too
    assert fg.outputs[0].owner.trace == (__file__, fg.outputs[0].owner.trace[1])
    assert tr.events == [("x+x", str(toy.add), out.owner.trace)]
    assert f"test_rewrite_engine.py:{line}" in tr.where()
    assert g.get_tracing()  # the driver turned tracing back on


def test_trace_counts_and_time(g, toy):
    rw = R(g)
    x = toy.fscalar("x")
    outs = [toy.neg(toy.neg(toy.AddC(k)(x))) for k in range(5)]
    rules = [rw.PatternNodeRewriter((toy.Neg, (toy.Neg, "a")), "a", name="double_neg"),
             rw.node_rewriter([toy.AddC], name="never")(lambda fg, n: None)]
    tr = rw.RewriteTrace()
    rw.EquilibriumRewriter(rules).apply(fgraph_of(g, outs, [x]), tr)
    assert tr.fired == {"double_neg": 5}
    assert tr.tried["never"] >= 5 and tr.fired.get("never", 0) == 0
    assert all(t >= 0 for t in tr.time.values())
    text = str(tr)
    assert text.splitlines()[1].startswith("double_neg") and "5 rewrites" in text


# -- merge -------------------------------------------------------------------------


def _random_dag(toy, rnd, n_nodes, xs):
    pool = list(xs)
    ops2 = [toy.add, toy.mul]
    ops1 = [toy.neg, toy.AddC(1), toy.AddC(2)]
    for _ in range(n_nodes):
        r = rnd.random()
        if r < 0.15:
            # an exact duplicate of an earlier node (same op, same inputs)
            v = rnd.choice(pool)
            if v.owner is not None:
                pool.append(v.owner.op(*v.owner.inputs) if len(v.owner.outputs) == 1
                            else v.owner.op(*v.owner.inputs)[v.index])
                continue
        if r < 0.25:
            # an equal constant, a new Constant object each time
            pool.append(toy.mul(rnd.choice(pool), rnd.choice([0.5, 2.0])))
            continue
        if r < 0.6:
            pool.append(rnd.choice(ops2)(rnd.choice(pool), rnd.choice(pool)))
        elif r < 0.9:
            pool.append(rnd.choice(ops1)(rnd.choice(pool)))
        else:
            pool.append(toy.divmod(rnd.choice(pool), 3.0)[rnd.randrange(2)])
    return pool


def _no_duplicates(g, fg):
    """No two nodes with equal ops and inputs, except nodes that both give
    outputs of the graph (merge keeps those apart)."""
    keys = {}
    outs = set(fg.outputs)
    for n in fg.apply_nodes:
        k = (n.op, tuple(v.signature() if isinstance(v, g.Constant) else v for v in n.inputs))
        other = keys.get(k)
        if other is not None:
            assert outs & set(n.outputs) and outs & set(other.outputs), f"two nodes {n} left unmerged"
        keys[k] = n


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("cow", [True, False])
def test_merge_random_dags(g, toy, seed, cow):
    rw = R(g)
    rnd = random.Random(seed)
    xs = [toy.fscalar(f"x{k}") for k in range(3)]
    pool = _random_dag(toy, rnd, 120, xs)
    outs = rnd.sample(pool[3:], 6)
    vals = {x: rnd.uniform(0.5, 2.0) for x in xs}
    before = structure(g, outs)
    expected = evaluate(g, outs, vals)
    fg = g.FunctionGraph(xs, outs, clone=not cow, copy_on_write=cow)
    n_before = len(fg.apply_nodes)
    merged = rw.MergeRewriter().apply(fg)
    fg.check_integrity()
    got = evaluate(g, fg.outputs, {fg.inputs[k]: vals[xs[k]] for k in range(3)})
    assert got == pytest.approx(expected)
    _no_duplicates(g, fg)
    assert len(fg.apply_nodes) + merged >= n_before and (merged > 0 or seed == 4)
    assert structure(g, outs) == before
    # idempotent
    assert rw.MergeRewriter().apply(fg) == 0


def test_merge_expected_structure_and_constants(g, toy):
    rw = R(g)
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a1 = toy.mul(x, 2.0)
    a2 = toy.mul(x, 2.0)  # another constant 2.0
    b1 = toy.add(a1, y)
    b2 = toy.add(a2, y)   # merges once a1 and a2 have
    c1 = toy.add(1.0, 2.0)
    c2 = toy.add(1.0, 2.0)  # constants only
    out = toy.mul(toy.add(b1, b2), toy.add(c1, c2))
    fg = g.FunctionGraph([x, y], [out], clone=True)
    assert rw.MergeRewriter().apply(fg) == 3 + 1  # three nodes, then the 2.0 of c and of a
    xx, yy = fg.inputs
    b = toy.add(toy.mul(xx, 2.0), yy)
    c = toy.add(1.0, 2.0)
    assert g.equal_computations(fg.outputs, [toy.mul(toy.add(b, b), toy.add(c, c))], [xx, yy], [x, y]) \
        or g.equal_computations(fg.outputs, [toy.mul(toy.add(b, b), toy.add(c, c))], fg.inputs, fg.inputs)
    consts = [v for v in fg.variables if isinstance(v, g.Constant)]
    assert len({v.signature() for v in consts}) == len(consts)  # equal constants merged
    # nodes that destroy their inputs never merge
    class Destroy(toy.Neg):
        destroy_map = {0: [0]}
    d = Destroy()
    fg = fgraph_of(g, [toy.add(d(x), d(x))], [x])
    assert rw.MergeRewriter().apply(fg) == 0


def test_merge_copy_on_write_leaves_duplicate_constants_of_the_users_nodes(g, toy):
    rw = R(g)
    x = toy.fscalar("x")
    y = x
    for k in range(50):
        y = toy.mul(y, 1.5)  # 50 distinct, equal constants
    before = structure(g, [y])
    fg = fgraph_of(g, [y], [x])
    assert rw.MergeRewriter().apply(fg) == 0
    assert fg.outputs[0] is y  # nothing was copied
    assert structure(g, [y]) == before


# -- large graphs: no recursion, linear -----------------------------------------


def test_a_200k_node_chain_rewrites_and_merges_without_recursion(g, toy):
    rw = R(g)
    x = toy.fscalar("x")
    n = 100_000
    ys = []
    for _ in range(2):  # two equal chains: merge folds one into the other
        y = x
        for k in range(n):
            y = toy.add(y, 0.0) if k % 2 else toy.AddC(1)(y)
        ys.append(y)
    out = toy.mul(ys[0], ys[1])
    fg = fgraph_of(g, [out], [x])
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(200, len(__import__("inspect").stack()) + 60))
    try:
        assert rw.MergeRewriter().apply(fg) == n
        assert len(fg.apply_nodes) == n + 1
        rule = rw.PatternNodeRewriter((toy.add, "a", 0.0), "a", name="add_zero")
        assert rw.EquilibriumRewriter([rule]).apply(fg) == n // 2
    finally:
        sys.setrecursionlimit(old)
    assert len(fg.apply_nodes) == n // 2 + 1
    y = x
    for k in range(0, n, 2):
        y = toy.AddC(1)(y)
    assert g.equal_computations(fg.outputs, [toy.mul(y, y)], [x], [x])


def test_merge_multi_output_nodes_and_outputs_of_the_graph(g, toy):
    rw = R(g)
    x = toy.fscalar("x")
    q1, r1 = toy.divmod(x, 3.0)
    q2, r2 = toy.divmod(x, 3.0)
    # only the first output of each is used: the second of the merged node
    # leaves the graph with it
    out = toy.add(q1, q2)
    fg = fgraph_of(g, [out], [x])
    assert rw.MergeRewriter().apply(fg) == 1
    q = toy.divmod(x, 3.0)[0]
    assert g.equal_computations(fg.outputs, [toy.add(q, q)], [x], [x])
    fg.check_integrity()
    # two outputs of the graph never become one variable (a compiled
    # function would return one array twice); their users still merge
    a1, a2 = toy.neg(x), toy.neg(x)
    fg = fgraph_of(g, [a1, a2, toy.add(a1, 1.0), toy.add(a2, 1.0)], [x])
    assert rw.MergeRewriter().apply(fg) == 0
    assert fg.outputs[0] is not fg.outputs[1]
    b1, b2 = toy.neg(x), toy.neg(x)
    fg = fgraph_of(g, [b1, toy.mul(b2, 2.0)], [x])
    assert rw.MergeRewriter().apply(fg) == 1
    assert fg.outputs[1].owner.inputs[0] is fg.outputs[0]
