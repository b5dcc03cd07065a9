"""The rewrite database of tensorsmith_rewriter: queries, tags, positions, the
pipelines registered for the modes, Mode.including/excluding through
function(), and rewrite_graph."""
import numpy as np
import pytest

import tensorsmith as ts
import tensorsmith.tensor as pt
import tensorsmith_rewriter as tr
from tensorsmith_graphcore import FunctionGraph, equal_computations, modes
from tensorsmith_graphcore.rewrite import (
    GraphRewriter,
    MergeRewriter,
    PatternNodeRewriter,
    RewriteTrace,
    node_rewriter,
)
from tensorsmith_rewriter import EquilibriumDB, Query, SequenceDB


class Count(GraphRewriter):
    def __init__(self, name, log):
        self.name = name
        self.log = log

    def apply(self, fgraph, trace=None):
        self.log.append(self.name)
        return 0


def test_queries_include_exclude_require():
    log = []
    db = SequenceDB("t")
    db.register("a", Count("a", log), "fast", "x", position=2)
    db.register("b", Count("b", log), "fast", "y", position=1)
    db.register("c", Count("c", log), "slow", "x", "y", position=3)
    db.register("d", Count("d", log), "fast", position=1)  # same position: registration order
    assert db.names() == ["b", "d", "a", "c"]
    assert [n for n, _ in db.select(["fast"])] == ["b", "d", "a"]
    assert [n for n, _ in db.select(["fast", "slow"], exclude=["y"])] == ["d", "a"]
    assert [n for n, _ in db.select(["fast", "slow"], require=["x"])] == ["a", "c"]
    assert [n for n, _ in db.select(["c"])] == ["c"]  # a name is a tag
    assert [n for n, _ in db.select(["fast"], exclude=["a"])] == ["b", "d"]
    assert db.select([]) == []
    p = db.query(["fast", "slow"], exclude=["d"])
    xv = pt.dscalar("x")
    p.apply(FunctionGraph([xv], [xv + 1], clone=False, copy_on_write=True))
    assert log == ["b", "a", "c"] and p.names == ["b", "a", "c"]
    assert db.positions() == {"b": 1.0, "d": 1.0, "a": 2.0, "c": 3.0}
    assert "x" in db.tags_of("a") and "a" in db.tags_of("a")
    db.add_tags("d", "x")
    assert [n for n, _ in db.select(["x"])] == ["d", "a", "c"]
    db.remove_tags("d", "x", "d")  # a name stays a tag
    assert db.tags_of("d") == {"fast", "d"}
    with pytest.raises(ValueError, match="registered already"):
        db.register("a", Count("a", log), position=0)
    with pytest.raises(TypeError, match="position"):
        db.register("e", Count("e", log))
    with pytest.raises(TypeError, match="tags are strings"):
        Query(include=[1])


def test_nested_databases_are_queried_with_the_same_tags():
    x = pt.dscalar("x")
    neg = (-x).owner.op
    r1 = PatternNodeRewriter((neg, (neg, "a")), "a", name="neg_neg")
    r2 = node_rewriter([neg], name="nothing")(lambda fg, n: None)
    eq = EquilibriumDB("canon")
    eq.register("neg_neg", r1, "fast", "canon")
    eq.register("nothing", r2, "slow", "canon")
    db = SequenceDB("t")
    db.register("merge", MergeRewriter(), "fast", "slow", position=0)
    db.register("canon", eq, "fast", "slow", position=1)
    p = db.query(["fast"])
    assert p.names == ["merge", "canon"]
    assert [r.name for r in p.passes[1].index.rules] == ["neg_neg"]
    assert db.query(["fast"], exclude=["neg_neg"]).names == ["merge"]  # empty stage left out
    assert db.query(["slow"], require=["canon"]).names == ["canon"]
    with pytest.raises(TypeError, match="node rewriter"):
        eq.register("bad", MergeRewriter())


def test_the_stages_and_pipelines():
    # the in-place stage after the last merge (see inplace.py)
    assert [s[0] for s in tr.STAGES] == ["merge1", "useless", "canonicalize", "stabilize",
                                         "specialize", "fusion", "merge2", "inplace"]
    pos = tr.rewrite_db.positions()
    in_order = sorted(pos, key=pos.get)
    # the stages keep their order; the graph passes of the packages sit between them
    assert [n for n in in_order if n in dict((s[0], 1) for s in tr.STAGES)] == [
        s[0] for s in tr.STAGES]
    assert in_order.index("elemwise_fusion") == in_order.index("fusion") - 1
    for name in ("FAST_RUN", "FAST_COMPILE", "fast_run", "fast_compile"):
        assert name in modes.available_pipelines()
    fr = modes.get_pipeline("FAST_RUN")
    assert isinstance(fr, tr.Pipeline) and fr.names == [
        "merge1", "useless", "canonicalize", "stabilize", "specialize", "elemwise_fusion",
        "fusion", "merge2", "inplace"]
    assert [r.name for r in fr.passes[-1].index.rules] == ["inplace_elemwise"]
    assert modes.get_pipeline("FAST_COMPILE").names == ["merge1", "useless", "merge2"]
    assert "merge2" not in modes.get_pipeline("FAST_RUN", exclude=("merge2",)).names
    assert "merge1" in modes.get_pipeline("FAST_RUN", exclude=("merge2",)).names
    no_merge = modes.get_pipeline("FAST_RUN", exclude=("merge",)).names
    assert "merge1" not in no_merge and "merge2" not in no_merge and "canonicalize" in no_merge
    assert modes.get_pipeline("FAST_COMPILE", require=("merge",)).names == ["merge1", "merge2"]


@pytest.fixture
def temp_rule():
    """Registers rules in a stage for one test, then removes them."""
    added = []

    def add(stage, rule, *tags, name=None, raw=False):
        if raw:
            tr.rewrite_db[stage].register(name or rule.name, rule, *tags)
        else:
            getattr(tr, f"register_{stage}")(rule, *tags, name=name)
        added.append((stage, name or rule.name))
        return rule

    yield add
    for stage, name in added:
        tr.rewrite_db[stage].remove(name)


def test_register_helpers_tag_rules_with_their_stage(temp_rule):
    x = pt.dscalar("x")
    neg = (-x).owner.op
    r = PatternNodeRewriter((neg, (neg, "a")), "a", name="test_neg_neg")
    temp_rule("canonicalize", r, "test_tag")
    assert tr.rewrite_db["canonicalize"].tags_of("test_neg_neg") == {
        "fast_run", "canonicalize", "test_tag", "test_neg_neg"}
    assert "canonicalize" in tr.make_pipeline(("fast_run",)).names
    assert "canonicalize" not in tr.make_pipeline(("fast_compile",)).names

    def rules_of(pipeline, stage):
        return [r.name for r in pipeline.passes[pipeline.names.index(stage)].index.rules]

    assert "test_neg_neg" in rules_of(tr.make_pipeline(("fast_run",)), "canonicalize")
    assert "test_neg_neg" not in rules_of(
        tr.make_pipeline(("fast_run",), exclude=("test_tag",)), "canonicalize")

    @tr.register_stabilize("fast_compile", name="test_stab")
    @node_rewriter([neg])
    def stab(fgraph, node):
        return None

    try:
        # the stage's tags decide: stabilize is not a fast_compile stage
        assert "stabilize" not in tr.make_pipeline(("fast_compile",)).names
        assert tr.rewrite_db["stabilize"].tags_of("test_stab") >= {
            "fast_run", "stabilize", "fast_compile"}
        assert stab in tr.make_pipeline(("fast_run",)).passes[3].index.rules
    finally:
        tr.rewrite_db["stabilize"].remove("test_stab")


def _n_nodes(f):
    return len(f.maker.fgraph.apply_nodes)


def test_function_merges_by_default_and_modes_select_passes(temp_rule):
    x = pt.dvector("x")
    y = pt.exp(x) * pt.exp(x) + pt.exp(x) * pt.exp(x)
    f = ts.function([x], y)
    assert _n_nodes(f) == 1  # FAST_RUN: merged, then fused into one Composite
    np.testing.assert_allclose(f(np.ones(2)), 2 * np.exp(2.0) * np.ones(2))
    fc = ts.function([x], y, mode="FAST_COMPILE")
    assert _n_nodes(fc) == 3  # exp, mul, add
    fn = ts.function([x], y, mode=ts.get_mode("FAST_COMPILE").excluding("merge"))
    assert _n_nodes(fn) == 7
    np.testing.assert_allclose(fn(np.ones(2)), 2 * np.exp(2.0) * np.ones(2))
    # the user's graph is left as it was
    assert y.owner.inputs[0] is not y.owner.inputs[1]

    # a rule selected through Mode.including / excluding
    neg = (-x).owner.op
    r = PatternNodeRewriter((neg, (neg, "a")), "a", name="test_only_neg_neg")
    temp_rule("canonicalize", r, "test_only", raw=True)
    z = -(-x)
    base = ts.get_mode("FAST_RUN").excluding("neg_neg", "elemwise_fusion")  # the built-in rule
    assert _n_nodes(ts.function([x], z, mode=base)) == 2  # not tagged fast_run: left out
    m = base.including("test_only")
    f2 = ts.function([x], z, mode=m)
    assert _n_nodes(f2) == 0
    np.testing.assert_array_equal(f2(np.arange(2.0)), [0.0, 1.0])
    assert _n_nodes(ts.function([x], z, mode=m.excluding("test_only_neg_neg"))) == 2
    assert _n_nodes(ts.function([x], z, mode=m.requiring("merge"))) == 2


def test_rewrite_graph(temp_rule, capsys):
    x = pt.dvector("x")
    neg = (-x).owner.op
    r = PatternNodeRewriter((neg, (neg, "a")), "a", name="test_neg_neg2")
    temp_rule("canonicalize", r)
    e = pt.exp(x)
    y = -(-e) + pt.exp(x)
    before = (y.owner.inputs[0].owner.op, y.owner.inputs[0].owner.inputs[0])
    out = tr.rewrite_graph(y)
    assert equal_computations([out], [pt.exp(x) + pt.exp(x)], [x], [x])
    out = tr.rewrite_graph(y, include=("canonicalize", "merge"))
    # merged, the two terms are one, and canonicalize collects them
    assert equal_computations([out], [2.0 * pt.exp(x)], [x], [x])
    # the user's graph never changes
    assert (y.owner.inputs[0].owner.op, y.owner.inputs[0].owner.inputs[0]) == before
    outs = tr.rewrite_graph([y, -(-x)], exclude=("test_neg_neg2", "neg_neg"))
    assert equal_computations(outs[1:], [-(-x)], [x], [x])
    # (other canonicalize rules still see through a negated term of a sum)
    assert equal_computations(outs[:1], [pt.exp(x) + pt.exp(x)], [x], [x])
    # clone=True: a copy of the graph is rewritten
    out = tr.rewrite_graph(y, clone=True)
    assert out.owner.inputs[0].owner.inputs[0] is not x
    # verbose prints the rules that fired
    t = RewriteTrace()
    tr.rewrite_graph(y, include=("canonicalize", "merge"), exclude=("neg_neg",), verbose=True,
                     trace=t)
    text = capsys.readouterr().out
    assert "test_neg_neg2" in text and "merge1" in text
    assert t.counts()["test_neg_neg2"] == 1
