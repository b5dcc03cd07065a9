"""Graph builders shared by the graphcore benchmarks and compare_graphcore.py.

The graphs are elementwise-style graphs of a toy two-input op (a balanced
binary tree or a chain); the number of Apply nodes is exactly ``n_nodes``."""
import tensorsmith_graphcore


def implementation(name):
    """``"cython"``: the compiled package; ``"python"``: its plain-Python copy."""
    if name == "cython":
        if not tensorsmith_graphcore.COMPILED:
            raise RuntimeError("tensorsmith_graphcore is not compiled")
        return tensorsmith_graphcore
    if name == "python":
        return tensorsmith_graphcore.pure_python()
    raise ValueError(name)


_toys = {}


def make_toy(g):
    """(Scalar type instance, Add op instance) for graphcore implementation ``g``."""
    key = id(g)
    if key in _toys:
        return _toys[key]

    class Scalar(g.Type):
        __props__ = ("kind",)

        def __init__(self, kind="float"):
            self.kind = kind

        def filter(self, value, strict=False, allow_downcast=None):
            return float(value)

    class Add(g.Op):
        __props__ = ()

        def make_node(self, a, b):
            return g.Apply(self, [a, b], [a.type.make_variable()])

        def perform(self, node, inputs, out):
            out[0][0] = inputs[0] + inputs[1]

    _toys[key] = (Scalar(), Add())
    return _toys[key]


def build_graph(g, n_nodes, kind="tree", via_op=False):
    """Build an elementwise-style graph of exactly ``n_nodes`` Apply nodes of a
    toy 2-input op; returns (inputs, output).

    ``kind="tree"``: a balanced binary tree summing ``n_nodes + 1`` inputs
    (pairwise, level by level).  ``kind="chain"``: ``y = add(y, x[i % 64])``.

    ``via_op=False`` makes each node with the graphcore constructors
    (``Apply(op, [a, b], [Variable(t)])``, trace capture included): what
    graphcore itself costs.  ``via_op=True`` goes through ``op(a, b)``
    (``Op.__call__`` and the toy's Python ``make_node``)."""
    t, add = make_toy(g)
    Apply = g.Apply
    Variable = g.Variable
    if kind == "chain":
        inputs = [Variable(t, None, None, f"x{i}") for i in range(min(64, n_nodes + 1))]
        m = len(inputs)
        y = inputs[0]
        if via_op:
            for i in range(1, n_nodes + 1):
                y = add(y, inputs[i % m])
        else:
            for i in range(1, n_nodes + 1):
                y = Apply(add, [y, inputs[i % m]], [Variable(t)]).outputs[0]
        return inputs, y
    if kind != "tree":
        raise ValueError(kind)
    inputs = [Variable(t, None, None, f"x{i}") for i in range(n_nodes + 1)]
    layer = inputs
    while len(layer) > 1:
        m = len(layer)
        if via_op:
            nxt = [add(layer[i], layer[i + 1]) for i in range(0, m - 1, 2)]
        else:
            nxt = [Apply(add, [layer[i], layer[i + 1]], [Variable(t)]).outputs[0]
                   for i in range(0, m - 1, 2)]
        if m % 2:
            nxt.append(layer[-1])
        layer = nxt
    return inputs, layer[0]


def build_floor(n_nodes, kind="tree"):
    """The loop of ``build_graph`` with no graph core at all: each node is a
    builtin ``slice(op, inputs, type)`` that keeps the user's own list of
    inputs and stands for its own output variable.  Same user code, and the
    least a graph that keeps its edges can retain (one object and one list
    per node): a lower bound for ``build_graph`` on this machine, whatever
    the graph core does."""
    op, t = "add", "float"
    if kind == "chain":
        inputs = [slice(t, None, f"x{i}") for i in range(min(64, n_nodes + 1))]
        m = len(inputs)
        y = inputs[0]
        for i in range(1, n_nodes + 1):
            y = slice(op, [y, inputs[i % m]], t)
        return inputs, y
    if kind != "tree":
        raise ValueError(kind)
    inputs = [slice(t, None, f"x{i}") for i in range(n_nodes + 1)]
    layer = inputs
    while len(layer) > 1:
        m = len(layer)
        nxt = [slice(op, [layer[i], layer[i + 1]], t) for i in range(0, m - 1, 2)]
        if m % 2:
            nxt.append(layer[-1])
        layer = nxt
    return inputs, layer[0]
