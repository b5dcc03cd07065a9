"""Graph walks and topological sorts, as ``pytensor.graph.traversal``.

The functions take the same arguments as PyTensor's and give the same results
in the same order: where PyTensor returns a generator (``ancestors``,
``graph_inputs``, ``toposort``, ...) these do too, and where it returns a list
or a tuple so do these.

Each is an adapter over one of the graph core's walks
(``tensorsmith_graphcore.graph``), which are iterative (graphs of millions of
nodes work), visit each node and edge a bounded number of times, and are
compiled where the build ran Cython:

* ``toposort``, ``io_toposort``: graphcore's topological sort, lazily
  (``iter_toposort``) or at once (``toposort``), in PyTensor's order;
* ``ancestors``, ``vars_between`` and what is built on them
  (``graph_inputs``, ``apply_ancestors``, ``applys_between``, ...):
  graphcore's ancestor walk (``iter_ancestors``), in PyTensor's order;
* ``walk``, ``walk_toposort``, ``general_toposort``, ``get_var_by_name`` and
  ``toposort_with_orderings``: graphcore's generic walks over any objects.

Order: PyTensor's depth-first walks take the *last* of the given variables
first and, at each node, the *last* input first (``last_first=True`` in the
graph core); the graph core's own ``toposort``/``ancestors`` go
first-to-first by default."""
from tensorsmith_graphcore import Apply, Constant, Variable
from tensorsmith_graphcore.graph import iter_ancestors as _iter_ancestors
from tensorsmith_graphcore.graph import iter_toposort as _iter_toposort
from tensorsmith_graphcore.graph import toposort as _core_toposort
from tensorsmith_graphcore.graph import walk as _core_walk
from tensorsmith_graphcore.graph import walk_toposort as _core_walk_toposort

__all__ = [
    "Apply", "Constant", "Variable",
    "walk", "ancestors", "variable_ancestors", "apply_ancestors", "graph_inputs",
    "explicit_graph_inputs", "vars_between", "orphans_between", "applys_between",
    "apply_depends_on", "variable_depends_on", "truncated_graph_inputs",
    "walk_toposort", "general_toposort", "toposort", "toposort_with_orderings",
    "io_toposort", "get_var_by_name",
]


def _var_list(graphs):
    """``graphs`` as a list; a single Variable is taken as a list of one."""
    if isinstance(graphs, Variable):
        return [graphs]
    return list(graphs)


def _generator(iterator):
    """``iterator`` as a generator (PyTensor's functions return generators;
    the compiled graph core's are of Cython's generator type)."""
    yield from iterator


def walk(nodes, expand, bfs=True, return_children=False):
    """Yield each node reachable from ``nodes`` through ``expand`` once.

    ``expand(node)`` gives the nodes to visit next (or None).  ``bfs``: breadth
    first (a queue), else depth first (a stack: the last node given is taken
    first).  With ``return_children`` each item is ``(node, expand(node))``."""
    yield from _core_walk(nodes, expand, bfs, return_children)


def ancestors(graphs, blockers=None):
    """Yield the variables ``graphs`` depend on, themselves included, in the
    order of a depth-first walk that takes the last variable (and, at each
    node, the last input) first.  The owners of ``blockers`` are not visited
    (the blockers themselves are yielded)."""
    block = frozenset(blockers) if blockers else None
    return _generator(_iter_ancestors(_var_list(graphs), block, last_first=True))


variable_ancestors = ancestors


def apply_ancestors(graphs, blockers=None):
    """Yield the Apply nodes behind ``ancestors(graphs, blockers)``, each once,
    in the order their first output appears there."""
    seen = set()
    for var in ancestors(graphs, blockers):
        node = var.owner
        if node is not None and node not in seen:
            seen.add(node)
            yield node


def graph_inputs(graphs, blockers=None):
    """Yield the variables without owner (constants included) that
    ``graphs`` depend on, in ``ancestors`` order.  Blockers that have an owner
    are not yielded (as in PyTensor 3)."""
    return (var for var in ancestors(graphs, blockers) if var.owner is None)


def explicit_graph_inputs(graph):
    """Yield the root variables a function computing ``graph`` must take as
    inputs: those without owner that are neither constants nor shared."""
    from tensorsmith_tensorops.sharedvar import SharedVariable

    return (
        var
        for var in ancestors(_var_list(graph))
        if var.owner is None and not isinstance(var, (Constant, SharedVariable))
    )


def vars_between(ins, outs):
    """Yield the variables between ``ins`` and ``outs`` (both included), and
    the other outputs of the nodes on the way (depth-first, as ``ancestors``)."""
    stop = frozenset(ins)
    return _generator(_iter_ancestors(_var_list(outs), stop, last_first=True, with_outputs=True))


def orphans_between(ins, outs):
    """Yield the variables without owner that ``outs`` depend on and that are
    not in ``ins`` (nor behind them)."""
    ins = frozenset(ins)
    return (var for var in vars_between(ins, outs) if var.owner is None and var not in ins)


def applys_between(ins, outs):
    """Yield the Apply nodes between ``ins`` and ``outs``:
    ``apply_ancestors(outs, blockers=ins)``."""
    return apply_ancestors(outs, blockers=ins)


def apply_depends_on(apply, depends_on):
    """True when ``apply`` is, or depends on, one of the Apply nodes
    ``depends_on`` (one node or an iterable)."""
    targets = frozenset((depends_on,)) if isinstance(depends_on, Apply) else frozenset(depends_on)
    if apply in targets:
        return True
    return any(node in targets for node in apply_ancestors(apply.inputs))


def variable_depends_on(variable, depends_on):
    """True when ``variable`` is, or depends on, one of ``depends_on`` (one
    variable or an iterable), at the variable level (a multi-output node's
    other outputs do not count)."""
    targets = frozenset((depends_on,)) if isinstance(depends_on, Variable) else frozenset(depends_on)
    return any(var in targets for var in ancestors([variable]))


def truncated_graph_inputs(outputs, ancestors_to_include=None):
    """The variables closest to ``outputs`` that do not depend on
    ``ancestors_to_include``, together with those of ``ancestors_to_include``
    that ``outputs`` reach: enough to compute ``outputs`` (a list).

    Same walk and result as PyTensor's: a depth-first search from the last
    output; an ancestor to include is kept (and looked through when it depends
    on another one); any other variable is kept unless it depends on an
    ancestor to include or on a variable already visited, in which case the
    walk goes on to its inputs.  Linear: "depends on" is read from marks kept
    up to date as the set of visited variables grows, instead of a new walk
    per variable."""
    outputs = _var_list(outputs)
    result = []
    seen = set()
    if not ancestors_to_include:
        for var in outputs:
            if var not in seen:
                seen.add(var)
                result.append(var)
        return result

    include = frozenset(ancestors_to_include)
    # on_include: variables that are, or depend on, an ancestor to include
    # (fixed).  marked: variables that are, or depend on, a "blocker" (an
    # ancestor to include or a regular variable already visited); it only
    # grows, and is kept closed under descendants.
    on_include = set(v for v in include)
    clients = {}
    for node in _core_toposort(outputs):
        hit = False
        for i in node.inputs:
            if i in on_include:
                hit = True
            clients.setdefault(i, []).append(node)
        if hit:
            on_include.update(node.outputs)
    marked = set(on_include)

    def mark_from(var):
        marked.add(var)
        todo = [var]
        while todo:
            for node in clients.get(todo.pop(), ()):
                for o in node.outputs:
                    if o not in marked:
                        marked.add(o)
                        todo.append(o)

    candidates = list(outputs)
    while candidates:
        var = candidates.pop()
        if var in seen:
            continue
        seen.add(var)
        node = var.owner
        if var in include:
            result.append(var)
            # look above it when it depends on another ancestor to include
            if node is not None and any(i in on_include for i in node.inputs):
                candidates.extend(i for i in node.inputs if i not in seen)
        else:
            # var is not a blocker yet, so it is marked iff an ancestor is
            if var in marked:
                candidates.extend(node.inputs)
            else:
                result.append(var)
                mark_from(var)
    return result


def walk_toposort(graphs, deps):
    """Yield every node reachable from ``graphs`` through ``deps`` (a function
    giving a node's dependencies, or None), each after its dependencies.

    Nodes without dependencies are taken in the order a depth-first walk finds
    them, then each node as soon as its last dependency has been yielded (a
    queue).  ValueError when the graph has a cycle."""
    yield from _core_walk_toposort(graphs, deps)


def general_toposort(outputs, deps, compute_deps_cache=None, deps_cache=None, clients=None):
    """``list(walk_toposort(outputs, deps))``; the other arguments are no longer
    supported (ValueError), as in PyTensor."""
    for name, value in (("compute_deps_cache", compute_deps_cache), ("deps_cache", deps_cache),
                        ("clients", clients)):
        if value is not None:
            raise ValueError(f"{name} is no longer supported")
    return list(walk_toposort(outputs, deps))


def toposort(graphs, blockers=None):
    """Yield the Apply nodes between ``blockers`` and ``graphs``, each after the
    nodes it depends on.  Depth first from the last variable of ``graphs``,
    the last input of each node first.  ValueError on a cycle."""
    yield from _iter_toposort(_var_list(graphs), blockers, last_first=True)


def toposort_with_orderings(graphs, *, blockers=None, orderings=None):
    """``toposort`` where ``orderings`` (a dict: node -> nodes that must come
    before it) adds dependencies that are not edges of the graph."""
    if not orderings:
        yield from toposort(graphs, blockers=blockers)
        return
    block = frozenset(blockers) if blockers else frozenset()

    def deps(obj):
        if obj in block:
            return None
        if isinstance(obj, Apply):
            return [*obj.inputs, *orderings.get(obj, ())]
        node = obj.owner
        if node is not None:
            return [node, *orderings.get(node, ())]
        return list(orderings.get(obj, ()))

    for obj in walk_toposort(graphs, deps):
        if isinstance(obj, Apply):
            yield obj


def io_toposort(inputs, outputs, orderings=None, clients=None):
    """The Apply nodes between ``inputs`` and ``outputs`` in topological order
    (a list); ``orderings`` as in ``toposort_with_orderings``."""
    if clients is not None:
        raise ValueError("clients is no longer supported")
    if not orderings:
        return _core_toposort(_var_list(outputs), blockers=inputs, last_first=True)
    return list(toposort_with_orderings(outputs, blockers=inputs, orderings=orderings))


def get_var_by_name(graphs, target_var_id):
    """The variables of ``graphs`` (breadth first, looking inside ops that have
    an inner graph) whose ``name`` or ``auto_name`` is ``target_var_id``."""

    def expand(var):
        node = var.owner
        if node is None:
            return None
        inner = getattr(node.op, "inner_outputs", None)
        if inner is not None:
            return [*node.inputs, *inner]
        return node.inputs

    def auto_name(var):
        a = getattr(var, "auto_name", None)
        return a() if callable(a) else a

    return tuple(
        var for var in walk(_var_list(graphs), expand)
        if target_var_id == var.name or target_var_id == auto_name(var)
    )
