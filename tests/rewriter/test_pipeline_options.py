"""The pipeline's options: ``config.on_opt_error`` (a rule that raises:
raise by default, else skipped with a warning or silently),
``config.optimizer_verbose`` (the rules that fired, printed), and
``Function.dprint`` (the rewritten graph of a compiled function)."""
import warnings

import numpy as np
import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith_graphcore import FunctionGraph
from tensorsmith_graphcore.rewrite import (EquilibriumRewriter, MergeRewriter, RewriteError,
                                           RewriteWarning, node_rewriter)
from tensorsmith_rewriter.db import Pipeline
from tensorsmith_tensorops.config import config
from tensorsmith_tensorops.elemwise import Elemwise


@node_rewriter([Elemwise])
def broken_rule(fgraph, node):
    raise ZeroDivisionError("the rule's own bug")


def _graph():
    x = pt.dvector("x")
    y = pt.exp(x) + pt.exp(x)  # made here: the error names this line
    return x, FunctionGraph([x], [y], clone=False, copy_on_write=True)


def _pipeline():
    return Pipeline([MergeRewriter(), EquilibriumRewriter([broken_rule])])


def test_a_failing_rule_raises_by_default_naming_rule_node_and_line():
    assert config.on_opt_error == "raise"
    _, fg = _graph()
    with pytest.raises(RewriteError) as ei:
        _pipeline().apply(fg)
    msg = str(ei.value)
    assert "broken_rule" in msg and "test_pipeline_options.py" in msg
    assert isinstance(ei.value.__cause__, ZeroDivisionError)


def test_on_opt_error_warn_skips_the_rule_with_a_warning_and_ignore_silently():
    p = _pipeline()
    x, fg = _graph()
    with config.change_flags(on_opt_error="warn"):
        with pytest.warns(RewriteWarning, match="broken_rule"):
            p.apply(fg)
    # the merge still ran: exp(x) computed once
    assert sum(1 for n in fg.toposort() if "exp" in str(n.op).lower()) == 1
    # the pipeline's own setting is untouched afterwards
    assert all(not getattr(q, "skip_errors", False) for q in p.passes)
    _, fg = _graph()
    with config.change_flags(on_opt_error="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            p.apply(fg)
    _, fg = _graph()
    with pytest.raises(RewriteError):
        p.apply(fg)


def test_optimizer_verbose_prints_the_rules_that_fired(capsys):
    x = pt.dvector("x")
    y = pt.exp(x) * pt.exp(x)
    with config.change_flags(optimizer_verbose=True):
        f = tensorsmith.function([x], y, mode="FAST_RUN")
    err = capsys.readouterr().err
    assert "merge" in err and "rewrites" in err
    np.testing.assert_allclose(f(np.array([0.5, 1.0])), np.exp([0.5, 1.0]) ** 2)
    with config.change_flags(optimizer_verbose=False):
        tensorsmith.function([x], y, mode="FAST_RUN")
    assert capsys.readouterr().err == ""


def test_function_dprint_shows_the_rewritten_graph():
    x = pt.dvector("x")
    y = pt.exp(x) * pt.exp(x)
    before = tensorsmith.debugprint(y, file="str")
    f = tensorsmith.function([x], y, mode="FAST_RUN")
    after = f.dprint(file="str")
    assert after == tensorsmith.debugprint(f, file="str")
    assert after == tensorsmith.debugprint(f.fgraph.outputs, file="str")
    # the user's graph has two exp nodes; the rewritten one computes exp once
    assert before != after
    assert len(f.fgraph.apply_nodes) < 3
