"""Which nodes of a graph run an op of a given class, kept up to date as the
graph changes (a feature of the graph).

A rule offered a node with many inputs (a sum of thousands of terms) is
offered it again each time one of those inputs changes; a rule that looks
through all the inputs for one made by some op (an ``Alloc``, a ``Dot``)
then costs O(inputs) per offer, O(n**2) in all.  With the index it looks
only where such nodes are: ``nodes_of(fgraph, Alloc)`` is empty for most
graphs, and ``positions_fed_by(fgraph, node, Alloc)`` finds the inputs in
O(min(inputs, such nodes' uses))."""

__all__ = ["nodes_of", "positions_fed_by", "NodesOf"]

_KEY = "_nodes_of"


class NodesOf:
    """The nodes of a graph whose op is an instance of ``op_class``."""

    def __init__(self, op_class):
        self.op_class = op_class
        self.nodes = None  # filled on attaching

    def on_attach(self, fgraph):
        cls = self.op_class
        self.nodes = {n for n in fgraph.apply_nodes if isinstance(n.op, cls)}
        fgraph.__dict__.setdefault(_KEY, {})[cls] = self

    def on_detach(self, fgraph):
        d = fgraph.__dict__.get(_KEY)
        if d is not None and d.get(self.op_class) is self:
            del d[self.op_class]
        self.nodes = None

    def __reduce__(self):
        # an index: a copy is built again from its graph
        return (NodesOf, (self.op_class,))

    def on_import(self, fgraph, node, reason):
        if isinstance(node.op, self.op_class):
            self.nodes.add(node)

    def on_prune(self, fgraph, node, reason):
        self.nodes.discard(node)


def nodes_of(fgraph, op_class):
    """The set of nodes of ``fgraph`` whose op is an ``op_class`` (read only;
    the index is attached to the graph on first use)."""
    d = fgraph.__dict__.get(_KEY)
    f = d.get(op_class) if d is not None else None
    if f is None or f.nodes is None:
        if f is not None:
            fgraph.remove_feature(f)
        f = NodesOf(op_class)
        fgraph.attach_feature(f)
    return f.nodes


def positions_fed_by(fgraph, node, op_class):
    """The positions of ``node``'s inputs made by an ``op_class`` node, in
    order, in O(min(len(node.inputs), uses of the outputs of such nodes))."""
    found = nodes_of(fgraph, op_class)
    if not found:
        return []
    ins = node.inputs
    if len(found) >= len(ins):
        res = []
        i = 0
        for v in ins:
            o = v.owner
            if o is not None and o in found:
                res.append(i)
            i += 1
        return res
    clients = fgraph.clients
    res = set()
    for n in found:
        for o in n.outputs:
            for c, i in clients.get(o, ()):
                if c is node:
                    res.add(i)
    return sorted(res)
