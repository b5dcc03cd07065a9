"""The destroy handler: which buffers a graph overwrites, which variables
share a buffer, and whether one more op may overwrite one.

An op says how its outputs relate to its inputs' memory:

* ``destroy_map = {out: [in]}``: output ``out`` is written into the buffer
  of input ``in`` (the input's value is gone once the op ran);
* ``view_map = {out: [in]}``: output ``out`` may be a view of input ``in``
  (``view_map = {}``: every output is a new array, e.g. ``Elemwise``);
* neither declared: nothing is known, so every output may share memory with
  every input.

A variable's *buffer* is then followed through views (and, for the readers
of a value, through outputs whose aliasing is unknown) up to where it was
made: a new array, or a graph input, a shared value or a constant.  The
variables sharing that buffer before it is next overwritten are its
*aliases*; every node that reads one of them reads the buffer.

``DestroyHandler.check(node, i)`` says whether ``node`` may overwrite its
input ``i``; it refuses (with the reason) when

* the buffer is a graph input (a function argument or a shared value) or a
  constant, or may be (an op of unknown aliasing between);
* an alias is an output of the graph (the caller, or an update, reads it
  after every node ran);
* another node overwrites the same buffer already (destroyed twice);
* another node reads an alias and is not an ancestor of ``node``: only the
  data dependencies order the nodes (graphcore's ``Linker.schedule`` is a
  plain ``toposort``, without extra orderings), so every other reader must
  be computed before ``node`` by construction.

Every check looks at the node's neighbourhood only, within fixed bounds
(``max_aliases`` variables sharing the buffer, ``max_ancestors`` nodes
searched above ``node``; beyond them it refuses), so a pass that checks
every node of a graph is linear in the size of the graph.  Nothing is
indexed: the answers come from the graph's clients index, which every edit
keeps up to date, so the handler is never stale.

``orderings(fgraph)`` gives, for each node that overwrites a buffer, the
nodes that must run before it (for a scheduler that honours orderings; with
the handler's checks they are all ancestors already), and
``validate(fgraph)`` checks every overwrite of the graph at once."""
import weakref

from tensorsmith_graphcore import Constant, Feature, InconsistencyError

__all__ = ["DestroyHandler", "destroy_handler", "output_aliasing", "FRESH", "VIEW", "DESTROY",
           "UNKNOWN"]

OUTPUT = "output"

#: kinds of relation between an output and the inputs of its node
FRESH = "fresh"        # a new buffer
VIEW = "view"          # may be a view of the listed inputs
DESTROY = "destroy"    # the buffer of the listed input, overwritten
UNKNOWN = "unknown"    # the op does not say: may share memory with any input

_NONE = ()


def output_aliasing(node, k):
    """``(kind, inputs)``: how output ``k`` of ``node`` relates to the
    memory of its inputs (positions): ``FRESH`` (none), ``VIEW``,
    ``DESTROY`` or ``UNKNOWN`` (every input)."""
    op = node.op
    dm = getattr(op, "destroy_map", None)
    if dm:
        d = dm.get(k)
        if d:
            return DESTROY, tuple(d)
    vm = getattr(op, "view_map", None)
    if vm is None:
        return UNKNOWN, tuple(range(len(node.inputs)))
    v = vm.get(k)
    if v:
        return VIEW, tuple(v)
    return FRESH, _NONE


def _destroys(node, i):
    """Whether ``node`` overwrites its input ``i``."""
    dm = getattr(node.op, "destroy_map", None)
    if not dm:
        return False
    for ins in dm.values():
        if i in ins:
            return True
    return False


class _Refused(Exception):
    pass


class DestroyHandler(Feature):
    """A ``FunctionGraph`` feature answering questions about overwritten
    buffers (see the module's docstring).  ``destroy_handler(fgraph)`` gives
    the graph's handler, attached on first use.

    * ``check(node, i)``: None when ``node`` may overwrite its input ``i``,
      else the reason it may not (a string); ``can_destroy`` is its bool.
    * ``buffer_root(var)``: the variable whose buffer ``var`` shares (itself
      for a new array); raises ``ValueError`` where it cannot be known.
    * ``aliases(var)``: the variables sharing ``var``'s buffer (this value
      of it: a destroyer's output starts a new value).
    * ``destroyers(var)``: the nodes that overwrite one of those.
    * ``orderings(fgraph)``, ``validate(fgraph)`` (the whole graph).

    It keeps the graph's clients index (not the graph: no reference cycle
    through the graph's features)."""

    #: the most variables a buffer's aliases may count, and the most nodes
    #: searched above a destroyer for the other readers; beyond: refused
    max_aliases = 64
    max_ancestors = 64
    max_view_depth = 32

    def __init__(self):
        # the graph's clients index, not the graph: no reference cycle
        # through the graph's features, so a dropped graph is freed at once
        self.clients = None

    def on_attach(self, fgraph):
        if self.clients is not None and self.clients is not fgraph.clients:
            raise ValueError("a DestroyHandler serves one FunctionGraph")
        for f in fgraph.features:
            if isinstance(f, DestroyHandler) and f is not self:
                raise ValueError("the graph has a DestroyHandler already")
        self.clients = fgraph.clients

    def on_detach(self, fgraph):
        self.clients = None

    # -- the buffer of a variable -------------------------------------------
    def buffer_root(self, var):
        """The variable that made the buffer ``var`` shares, following views
        up: ``var`` itself for a new array, an overwritten input's version
        for a destroyer's output (its own value).  ``ValueError`` when an op
        of unknown aliasing, a view of several inputs or a chain of views
        longer than ``max_view_depth`` is on the way."""
        try:
            return self._root(var)
        except _Refused as e:
            raise ValueError(str(e)) from None

    def _root(self, var):
        v = var
        depth = 0
        while True:
            node = v.owner
            if node is None:
                return v
            kind, ins = output_aliasing(node, v.index)
            if kind is FRESH or kind is DESTROY:
                # a destroyer's output: the buffer its own destroy was checked
                # for; its value is a new one, read by the destroyer's clients
                return v
            if kind is UNKNOWN:
                raise _Refused(f"{v} is made by {node.op}, which may return a view of its "
                               "inputs (it declares no view_map)")
            if len(ins) != 1:
                raise _Refused(f"{v} may be a view of several inputs of {node.op}")
            depth += 1
            if depth > self.max_view_depth:
                raise _Refused(f"{var} is at the end of more than {self.max_view_depth} views")
            v = node.inputs[ins[0]]

    def _aliases(self, root, skip=None, max_reads=None):
        """The variables sharing ``root``'s buffer (views of it, and outputs
        of ops of unknown aliasing that read it, recursively), and the
        ``(node, i)`` reads of them other than by ``skip``.  Raises
        ``_Refused`` past ``max_aliases`` variables or ``max_reads`` reads."""
        clients = self.clients
        seen = {root}
        order = [root]
        reads = []
        k = 0
        while k < len(order):
            u = order[k]
            k += 1
            cl = clients.get(u, _NONE)
            if max_reads is not None and len(cl) > max_reads + 1:
                raise _Refused(f"more than {max_reads} nodes read the buffer of {root}")
            for c, j in cl:
                if c is skip:
                    continue
                reads.append((c, j))
                if max_reads is not None and len(reads) > max_reads:
                    raise _Refused(f"more than {max_reads} nodes read the buffer of {root}")
                if c == OUTPUT:
                    continue
                n = 0
                for o in c.outputs:
                    kind, ins = output_aliasing(c, n)
                    n += 1
                    if (kind is VIEW or kind is UNKNOWN) and j in ins and o not in seen:
                        seen.add(o)
                        order.append(o)
                        if len(order) > self.max_aliases:
                            raise _Refused(f"more than {self.max_aliases} variables share the "
                                           f"buffer of {root}")
        return order, reads

    def aliases(self, var):
        """The variables sharing ``var``'s buffer (this value of it)."""
        return self._aliases(self.buffer_root(var))[0]

    def destroyers(self, var):
        """The nodes that overwrite ``var``'s buffer (this value of it)."""
        order, reads = self._aliases(self.buffer_root(var))
        res = []
        for c, j in reads:
            if c != OUTPUT and _destroys(c, j) and c not in res:
                res.append(c)
        return res

    # -- may a node overwrite an input --------------------------------------
    def check(self, node, i):
        """None when ``node`` may overwrite its input ``i`` (as the only
        destroyer of that buffer, after every other reader), else why not."""
        try:
            self._check(node, i)
        except _Refused as e:
            return str(e)
        return None

    def can_destroy(self, node, i):
        return self.check(node, i) is None

    def _check(self, node, i):
        root = self._root(node.inputs[i])
        if root.owner is None:
            if isinstance(root, Constant):
                raise _Refused(f"{root} is a constant")
            raise _Refused(f"{root} is an input of the graph (an argument or a shared value)")
        # every other reader must be an ancestor of ``node``: at most
        # ``max_ancestors`` of them can be found, so more reads are refused
        # at once (a value read by thousands of nodes costs no more)
        order, reads = self._aliases(root, skip=node, max_reads=self.max_ancestors)
        readers = None
        for c, j in reads:
            if c == OUTPUT:
                raise _Refused(f"the buffer of {root} is an output of the graph")
            if _destroys(c, j):
                raise _Refused(f"{c.op} overwrites the buffer of {root} already")
            if readers is None:
                readers = {c}
            else:
                readers.add(c)
        if readers:
            self._all_ancestors(node, readers, root)

    def _all_ancestors(self, node, readers, root):
        """Raise ``_Refused`` unless every node of ``readers`` is an ancestor
        of ``node`` (found within ``max_ancestors`` nodes above it)."""
        need = set(readers)
        seen = {node}
        stack = [node]
        count = 0
        while stack:
            n = stack.pop()
            for v in n.inputs:
                o = v.owner
                if o is None or o in seen:
                    continue
                seen.add(o)
                if o in need:
                    need.discard(o)
                    if not need:
                        return
                count += 1
                if count > self.max_ancestors:
                    stack = None
                    break
                stack.append(o)
            if stack is None:
                break
        r = next(iter(need))
        raise _Refused(f"{r.op} reads the buffer of {root} and may run after {node.op}")

    # -- the whole graph ----------------------------------------------------
    def orderings(self, fgraph):
        """``{destroyer: [nodes that must run before it]}``: the other
        readers of each buffer a node overwrites (linear: bounded work per
        destroyer)."""
        res = {}
        for node in fgraph.toposort():
            dm = getattr(node.op, "destroy_map", None)
            if not dm:
                continue
            before = []
            seen = set()
            for ins in dm.values():
                for i in ins:
                    try:
                        _, reads = self._aliases(self._root(node.inputs[i]), skip=node)
                    except _Refused:
                        continue
                    for c, _ in reads:
                        if c != OUTPUT and c not in seen:
                            seen.add(c)
                            before.append(c)
            if before:
                res[node] = before
        return res

    def validate(self, fgraph):
        """Raise ``InconsistencyError`` unless every overwrite in the graph
        passes ``check``."""
        for node in fgraph.toposort():
            dm = getattr(node.op, "destroy_map", None)
            if not dm:
                continue
            for ins in dm.values():
                for i in ins:
                    why = self.check(node, i)
                    if why is not None:
                        raise InconsistencyError(f"{node.op} overwrites input {i}: {why}")
        return True


_last = [None]  # a weak reference to the handler found last


def destroy_handler(fgraph):
    """The ``DestroyHandler`` of ``fgraph``, attached on first use."""
    ref = _last[0]
    h = ref() if ref is not None else None
    if h is not None and h.clients is fgraph.clients:
        return h
    for f in fgraph.features:
        if isinstance(f, DestroyHandler):
            _last[0] = weakref.ref(f)
            return f
    h = DestroyHandler()
    fgraph.attach_feature(h)
    _last[0] = weakref.ref(h)
    return h
