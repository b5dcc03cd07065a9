"""Elementwise fusion: each connected region of ``Elemwise`` nodes becomes
one ``Elemwise(Composite)`` node, whatever its size, and a reduction of an
elementwise result becomes one ``FusedReduce`` node.

``elemwise_fusion`` (a graph pass, in ``rewrite_db`` just before the
``fusion`` stage, tags ``fast_run``, ``fusion``)
------------------------------------------------------------------------
One walk over the nodes in reverse topological order (linear in the size of
the graph, no recursion).  Each single-output ``Elemwise`` node ``p`` either
starts a region (it is then the region's *root*) or joins the region of one
of its elementwise clients; the regions are final once made, and a region's
root is its last node in the topological order.  ``p`` joins the region
``R`` of its elementwise clients whose root comes first in the topological
order when

* every other client of ``p`` (outside ``R``) lies in a region, or is a
  node, that comes after ``R``'s root (a region is placed by its root): then
  every edge between two regions goes from an earlier region to a later one,
  so the fused graph has no cycle (a path leaving ``R`` can never come back);
* and, if ``p`` has clients outside ``R`` (or is an output of the graph), its
  static shape is that of ``R``'s root: ``p`` is then one more output of the
  composite, and all outputs of an ``Elemwise`` have the same static shape.
  ``p`` whose clients are all in ``R`` is an inner value and may be smaller
  than the root (broadcast later inside the composite, exactly as before).

The walk then repeats with the regions as units (a unit's outputs are the
values it gives to the rest of the graph) as long as units join: a region
that feeds another joins it by the same rule, as it would join the other's
fused node in a second pass over the fused graph, but without building the
intermediate composites (a model whose gradients share values is one node
after one pass).

Nothing is computed twice (each node belongs to one region).  A region of
two nodes or more becomes ``Elemwise(Composite)`` whose inputs are the
region's inputs, each once; 0-d constants go into the composite as scalar
constants (so the 500 constants of a 500-term sum are not 500 inputs), and
``Composite`` nodes met in a region are inlined.  The composite computes
every inner value in the dtype the unfused graph gave it, and evaluates the
inner nodes on the same arrays as before (an inner value keeps its own
shape), so the results are those of the unfused graph.  A region whose
rebuilt node would not have the types of the replaced variables is left as
it is (a check; it does not happen for the regions above).

``reduce_fusion`` (a node rule of the ``fusion`` stage)
-------------------------------------------------------
``CAReduce`` by add, mul, maximum or minimum (``sum``, ``prod``, ``max``,
``min``) over at least one axis, of the only output of an ``Elemwise`` node
(fused or not) that nothing else reads: one ``FusedReduce`` node
(``sum(exp(x - m))`` is one pass; its ``perform`` works in blocks)."""
import importlib
import time

from tensorsmith_graphcore import Constant
from tensorsmith_graphcore.graph import set_tracing
from tensorsmith_graphcore.rewrite import GraphRewriter, node_rewriter
from tensorsmith_graphcore.util import gc_paused
from tensorsmith_tensorops.composite import Composite, CompositeBuilder, FusedReduce
from tensorsmith_tensorops.elemwise import Elemwise
from tensorsmith_tensorops.reduction import CAReduce

from . import register_fusion, rewrite_db

ps = importlib.import_module("tensorsmith_tensorops.scalar")

__all__ = ["ElemwiseFusion", "fusion_order", "fusion_regions", "reduce_fusion"]


def _fusable(node):
    """A node the pass may put in a region: a plain Elemwise (not one that
    works in place) over a scalar op (a ``Composite`` may have several
    outputs)."""
    op = node.op
    if type(op) is not Elemwise:
        return False
    if getattr(op, "inplace_pattern", None) or getattr(op, "destroy_map", None):
        return False
    so = op.scalar_op
    return isinstance(so, ps.ScalarOp) and so.nout == len(node.outputs)


def fusion_order(fgraph, fusable=None):
    """A topological order of ``fgraph``'s nodes that runs elementwise nodes
    as soon as they are ready, the others only when no elementwise node is
    (Kahn's algorithm, two ready lists; linear).  Elementwise regions then
    end early and the other clients of their members come after them, which
    is what ``fusion_regions`` needs to fuse them.  ``fusable``: a set that
    receives the nodes ``fusion_regions`` may fuse."""
    clients = fgraph.clients
    nodes = fgraph.apply_nodes
    if fusable is None:
        fusable = set()
    waiting = {}
    ready_ew = []
    ready_other = []
    for node in nodes:
        f = _fusable(node)
        if f:
            fusable.add(node)
        k = 0
        for v in node.inputs:
            o = v.owner
            if o is not None and o in nodes:
                k += 1
        if k:
            waiting[node] = k
        elif f:
            ready_ew.append(node)
        else:
            ready_other.append(node)
    order = []
    while ready_ew or ready_other:
        node = ready_ew.pop() if ready_ew else ready_other.pop()
        order.append(node)
        for out in node.outputs:
            for c, _ in clients[out]:
                if type(c) is str:
                    continue
                k = waiting[c] - 1
                if k:
                    waiting[c] = k
                else:
                    del waiting[c]
                    if c in fusable:
                        ready_ew.append(c)
                    else:
                        ready_other.append(c)
    if waiting:
        raise ValueError("fusion_order: the graph has a cycle")
    return order


def fusion_regions(fgraph, order=None):
    """The regions of ``fgraph``: a list of ``(root, members, outputs)``
    (``members`` in topological order, ``outputs`` the member outputs read
    outside the region, the root's first), one per region of two nodes or
    more.  See the module docstring for the rules.

    The walk runs on the nodes, then again on the regions it made (each a
    unit whose outputs are the values read outside it), as long as regions
    join: a region that feeds another one (a value shared by several
    gradients, say) joins it at that level, as it would join the composite
    node of the other region in a second pass over the fused graph, without
    building the intermediate composites."""
    fusable = set()
    if order is None:
        order = fusion_order(fgraph, fusable)
    else:
        fusable.update(n for n in order if _fusable(n))
    clients = fgraph.clients
    pos = {}
    k = 0
    for n in order:
        pos[n] = k
        k += 1
    # level 0: the nodes themselves (a unit's outputs: the node's outputs)
    unit_of = {}  # real node -> the root of its region at the current level
    members = {}  # root -> real members (reverse topological order at level 0)
    outs = {}  # root -> the values its region gives to the rest of the graph
    _join_units(order, fusable, pos, clients, unit_of, members, outs, True)
    # further levels: units are the regions (their roots) and the other nodes
    while True:
        units = _unit_order(order, unit_of, members, outs, clients)
        upos = {}
        k = 0
        for u in units:
            upos[u] = k
            k += 1
        ufusable = {u for u in units if u in members}
        joined = _join_units(units, ufusable, upos, clients, unit_of, members, outs, False)
        if not joined:
            break
    res = []
    for root, ms in members.items():
        if len(ms) > 1:
            ms.sort(key=pos.__getitem__)
            res.append((root, ms, outs[root]))
    return res


def _unit_out_values(u, members, outs, clients):
    if u in members:
        return outs[u]
    return [o for o in u.outputs if clients[o]]


def _join_units(units, fusable, upos, clients, unit_of, members, outs, first):
    """One walk of the region rule over ``units`` (in topological order;
    ``first``: the units are the graph's nodes, level 0).  Updates
    ``unit_of``/``members``/``outs``; returns how many units joined a region
    at a level above 0."""
    n_units = len(units)
    joined = 0
    region = {}  # unit -> root unit of its region at this level
    umembers = {}  # root unit -> units joined to it
    new_outs = {}
    for idx in range(n_units - 1, -1, -1):
        u = units[idx]
        if u not in fusable:
            continue
        vals = u.outputs if first else outs[u]
        # the first client, in the order of regions (a region is placed by
        # its root, another unit by itself)
        best = None
        bpos = n_units
        for out in vals:
            for c, _ in clients[out]:
                if type(c) is str:  # an output of the graph
                    continue
                cu = c if first else unit_of.get(c, c)
                if cu is u:
                    continue
                r = region.get(cu, cu)
                rp = upos[r]
                if rp < bpos:
                    best = r
                    bpos = rp
        if best is not None and best in umembers:
            shape = best.outputs[0].type.shape
            leaving = []
            ok = True
            for out in vals:
                for c, _ in clients[out]:
                    if type(c) is not str:
                        cu = c if first else unit_of.get(c, c)
                        if cu is u or region.get(cu) is best:
                            continue
                    leaving.append(out)
                    if out.type.shape != shape:
                        ok = False
                    break
            if ok:
                region[u] = best
                umembers[best].append(u)
                new_outs[best].extend(leaving)
                continue
        region[u] = u
        umembers[u] = [u]
        if first:
            new_outs[u] = [o for o in u.outputs if clients[o]]
        else:
            new_outs[u] = list(outs[u])
    if first:
        for root, us in umembers.items():
            members[root] = us
            for m in us:
                unit_of[m] = root
        outs.update(new_outs)
        return 0
    for root, us in umembers.items():
        if len(us) == 1:
            continue
        ms = members[root]
        for u in us[1:]:
            joined += 1
            for m in members.pop(u):
                unit_of[m] = root
                ms.append(m)
            del outs[u]
        outs[root] = new_outs[root]
    return joined


def _unit_order(order, unit_of, members, outs, clients):
    """The units (region roots and the nodes outside regions) in a
    topological order of the graph between them, regions as soon as they
    are ready (as ``fusion_order``; linear)."""
    units = []
    seen = set()
    for n in order:
        u = unit_of.get(n, n)
        if u not in seen:
            seen.add(u)
            units.append(u)
    waiting = {}
    succ = {}
    for u in units:
        lst = []
        for out in _unit_out_values(u, members, outs, clients):
            for c, _ in clients[out]:
                if type(c) is str:
                    continue
                cu = unit_of.get(c, c)
                if cu is not u:
                    lst.append(cu)
                    waiting[cu] = waiting.get(cu, 0) + 1
        succ[u] = lst
    ready_ew = []
    ready_other = []
    for u in reversed(units):
        if u not in waiting:
            (ready_ew if u in members else ready_other).append(u)
    res = []
    while ready_ew or ready_other:
        u = ready_ew.pop() if ready_ew else ready_other.pop()
        res.append(u)
        for cu in succ[u]:
            k = waiting[cu] - 1
            if k:
                waiting[cu] = k
            else:
                del waiting[cu]
                (ready_ew if cu in members else ready_other).append(cu)
    if waiting:
        raise ValueError("fusion_regions: the regions make a cycle")
    return res


def _build_region(root, ms, outputs):
    """``(old outputs, new outputs)`` for one region, or None when the fused
    node would not stand for the region."""
    b = CompositeBuilder()
    handle = {}  # variable -> handle (results of members, inputs, constants)
    outer = []  # the composite's inputs
    n_var = 0
    for node in ms:
        ins = []
        for v in node.inputs:
            h = handle.get(v)
            if h is None:
                # (the members come in topological order: v is not theirs)
                if isinstance(v, Constant) and v.type.ndim == 0:
                    h = b.constant(v.data)
                else:
                    h = b.input()
                    outer.append(v)
                    if not isinstance(v, Constant):
                        n_var += 1
                handle[v] = h
            ins.append(h)
        so = node.op.scalar_op
        if type(so) is Composite:
            for o, h in zip(node.outputs, b.inline(so, ins)):
                handle[o] = h
        elif so.nout == 1:
            handle[node.outputs[0]] = b.apply(so, *ins)
        else:
            for o, h in zip(node.outputs, b.apply(so, *ins)):
                handle[o] = h
    if not n_var:
        return None  # constants only: constant folding's work
    comp = b.build([handle[o] for o in outputs])
    # a check: the composite computes every value in the graph's dtype
    in_dts = [v.type.dtype for v in outer]
    dts = comp.value_dtypes(in_dts)
    base = comp.nin + len(comp.constants)
    if len(dts) == base + b.n_results:  # nothing dropped: values as numbered
        for node in ms:
            for o in node.outputs:
                if dts[base + handle[o]] != o.type.dtype:
                    return None
    for o, dt in zip(outputs, comp.output_dtypes(in_dts)):
        if o.type.dtype != dt:
            return None
    new = Elemwise(comp).make_node(*outer)
    for o, n in zip(outputs, new.outputs):
        if o.type != n.type:
            return None
    new.trace = root.trace
    return list(zip(outputs, new.outputs))


class ElemwiseFusion(GraphRewriter):
    """The fusion of elementwise regions (module docstring)."""

    name = "elemwise_fusion"

    #: rounds at most: ``fusion_regions`` already joins regions that feed
    #: one another (its walk repeats over the regions it made), so a second
    #: round normally finds nothing; it is a guard, and each round is linear
    max_rounds = 4

    def apply(self, fgraph, trace=None):
        total = 0
        # a large graph allocates many objects that stay alive: no cyclic GC
        with gc_paused():
            for _ in range(self.max_rounds):
                n = self._round(fgraph, trace)
                total += n
                if not n:
                    break
                # another round needs two fusable nodes (a region has two or
                # more): a graph fused into one node is not walked again
                k = 0
                for node in fgraph.apply_nodes:
                    if _fusable(node):
                        k += 1
                        if k > 1:
                            break
                if k < 2:
                    break
        return total

    def _round(self, fgraph, trace):
        t0 = time.perf_counter()
        old = set_tracing(False)
        try:
            pairs = []
            made = []
            for root, ms, outputs in fusion_regions(fgraph):
                p = _build_region(root, ms, outputs)
                if p is not None:
                    pairs.extend(p)
                    made.append(p[0][1].owner)
        finally:
            set_tracing(old)
        variables = fgraph.variables
        for o, v in pairs:
            if o in variables:
                fgraph.replace(o, v, reason=self.name)
        if trace is not None:
            dt = (time.perf_counter() - t0) / max(1, len(made))
            for node in made:
                trace.record(self.name, node, 1, dt)
            if not made:
                trace.record(self.name, None, 0, time.perf_counter() - t0)
        return len(made)


_REDUCE_OPS = (ps.Add, ps.Mul, ps.Maximum, ps.Minimum)


@node_rewriter([CAReduce], name="reduce_fusion")
def reduce_fusion(fgraph, node):
    """``reduce(elemwise(...))`` -> ``FusedReduce`` when the elementwise
    result is read by this reduction only."""
    op = node.op
    if not op.axis or type(op.scalar_op) not in _REDUCE_OPS:
        return None
    x = node.inputs[0]
    p = x.owner
    if p is None or len(p.outputs) != 1 or not _fusable(p):
        return None
    cl = fgraph.clients.get(x)
    if cl is None or len(cl) != 1:
        return None
    new = FusedReduce(p.op.scalar_op, op).make_node(*p.inputs)
    out = new.outputs[0]
    if out.type != node.outputs[0].type:
        return None
    return [out]


# the region pass runs first (position 50 is the ``fusion`` stage, which
# holds reduce_fusion), then the node rules of the stage
rewrite_db.register("elemwise_fusion", ElemwiseFusion(), "fast_run", "fusion", position=49.5)
register_fusion(reduce_fusion)
