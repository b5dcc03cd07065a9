"""debugprint: the PyTensor-like layout for small graphs, and output that
grows linearly with the graph (issue 8, item 7)."""
import time

import pytest

import tensorsmith.tensor as pt
from tensorsmith import debugprint, function
from tensorsmith_graphcore import set_tracing


def chain(n):
    old = set_tracing(False)
    try:
        x = pt.dscalar("x")
        y = x
        for _ in range(n):
            y = pt.exp(y)
        return x, y
    finally:
        set_tracing(old)


def test_small_graph_layout():
    x, y = pt.dscalar("x"), pt.dvector("y")
    z = pt.exp(x * y) + 2.0
    w = z * 3.0
    text = debugprint([z, w], file="str")
    assert text == "\n".join([
        "add [id 0] Vector(float64, shape=(?,))",
        " |exp [id 1] Vector(float64, shape=(?,))",
        "   |mul [id 2] Vector(float64, shape=(?,))",
        "     |x [Input Scalar(float64, shape=())]",
        "     |y [Input Vector(float64, shape=(?,))]",
        " |2.0 [Constant Scalar(float64, shape=())]",
        "mul [id 3] Vector(float64, shape=(?,))",
        " |add [id 0] Vector(float64, shape=(?,)) (see above)",
        " |3.0 [Constant Scalar(float64, shape=())]",
    ])


def test_repeated_subgraph_printed_once():
    x = pt.dvector("x")
    s = pt.exp(x).sum()
    z = s * s + s
    lines = debugprint(z, file="str").splitlines()
    assert sum("Sum" in ln for ln in lines) == 3
    assert sum("(see above)" in ln for ln in lines) == 2
    assert sum("exp" in ln for ln in lines) == 1


def test_indentation_is_capped_and_continued_below():
    x, y = chain(7)
    text = debugprint(y, file="str", max_indent_depth=3)
    lines = text.splitlines()
    assert max(len(ln) - len(ln.lstrip(" |")) for ln in lines) <= 2 * 3
    assert lines[3].endswith("(continued below)")
    node_id = lines[3].split("[id ")[1].split("]")[0]
    assert lines[4].startswith(f"exp [id {node_id}]") and "continued" not in lines[4]
    # every node printed, each expanded once
    assert sum(ln.lstrip(" |").startswith("exp") for ln in lines) == 7 + 2
    assert lines[-1].strip(" |").startswith("x [Input")


def test_depth_counts_the_graph_not_the_indentation():
    x, y = chain(10)
    lines = debugprint(y, file="str", depth=5, max_indent_depth=2).splitlines()
    # the nodes at depths 0 to 5, those at 0 to 4 with their inputs
    assert sum(ln.lstrip(" |").startswith("exp") for ln in lines if "continued" not in ln) == 6
    assert lines == debugprint(y, file="str", depth=5, max_indent_depth=2).splitlines()
    assert [ln.lstrip(" |") for ln in debugprint(y, file="str", depth=5).splitlines()] == [
        ln.lstrip(" |") for ln in lines if "continued" not in ln]
    assert "x [Input" not in "\n".join(lines)


def test_output_grows_linearly():
    sizes = {}
    for n in (5_000, 20_000):
        _, y = chain(n)
        sizes[n] = len(debugprint(y, file="str")) / n
    assert sizes[20_000] < 200  # bytes per node (601 MB in all before)
    assert sizes[20_000] < 1.2 * sizes[5_000]


def test_a_function_and_a_long_chain_print_fast():
    _, y = chain(100_000)
    t0 = time.perf_counter()
    text = debugprint(y, file="str")
    assert time.perf_counter() - t0 < 10
    assert len(text) < 200 * 100_000
    x = pt.dscalar("x")
    f = function([x], pt.exp(x) * 2.0)
    assert "[id 0]" in debugprint(f, file="str")


@pytest.mark.parametrize("cap", [1, 2, 32])
def test_every_node_is_expanded_once(cap):
    x = pt.dvector("x")
    a = pt.exp(x)
    b = a
    for _ in range(50):
        b = pt.sin(b) + a
    lines = debugprint(b, file="str", max_indent_depth=cap).splitlines()
    expanded = [ln for ln in lines if "[id " in ln and "(see above)" not in ln
                and "(continued below)" not in ln]
    ids = [ln.split("[id ")[1].split("]")[0] for ln in expanded]
    assert len(ids) == len(set(ids)) == 101
