"""``FunctionGraph``: a graph with fixed inputs and outputs, a clients index
(who uses each variable), in-place editing (import, replace, remove) and
features that listen to every change.

Plain Python, compiled by Cython with ``fg.pxd`` (see ``graph.py``)."""
from .graph import Apply, Constant, Variable, clone_get_equiv, format_location, graph_inputs, location_of, toposort
from .util import gc_paused


class MissingInputError(ValueError):
    """A graph needs a variable that is neither an input nor a constant."""


class InconsistencyError(Exception):
    """A feature vetoed a change to the graph."""


class Feature:
    """Listener protocol for ``FunctionGraph``.  Every method is optional."""

    def on_attach(self, fgraph):
        pass

    def on_detach(self, fgraph):
        pass

    def on_import(self, fgraph, node, reason):
        pass

    def on_prune(self, fgraph, node, reason):
        pass

    def on_change_input(self, fgraph, node, i, var, new_var, reason):
        pass

    def validate(self, fgraph):
        pass


OUTPUT = "output"
#: a clients list longer than this gets a position index (see _remove_client)
_INDEX_CLIENTS = 32


class FunctionGraph:
    """A graph from ``inputs`` to ``outputs`` that can be edited in place.

    ``clients[v]`` lists ``(node, i)`` pairs: ``node.inputs[i] is v``; ``node``
    is the string ``"output"`` when ``v`` is the ``i``-th output of the graph.
    With ``clone=True`` (default) the graph is copied first, so rewriting it
    never touches the user's variables; ``memo`` then maps old to new.

    ``copy_on_write=True`` (with ``clone=False``): the graph is not copied,
    and still no node it was built from is ever modified.  Changing an input
    of such a node puts a copy of the node in its place (same op, trace and
    output types), and the nodes that use its outputs in turn, up to the
    outputs of the graph or to nodes of the graph's own (made by such
    copies); each node is copied at most once.  Compiling a graph that the
    rewrites leave mostly as it is then costs no copy of it."""

    def __init__(self, inputs=None, outputs=None, features=None, clone=True, copy_on_write=False):
        if outputs is None:
            raise ValueError("FunctionGraph needs outputs")
        outputs = list(outputs)
        if inputs is None:
            inputs = [v for v in graph_inputs(outputs) if not isinstance(v, Constant)]
        inputs = list(inputs)
        seen = set()
        for v in inputs:
            if v in seen:
                raise ValueError(f"FunctionGraph: input {v} appears twice")
            if v.owner is not None:
                raise ValueError(f"FunctionGraph: input {v} is computed by {v.owner.op}; inputs must be leaves")
            seen.add(v)
        if clone:
            self.memo = clone_get_equiv(inputs, outputs, True, False)
            inputs = [self.memo[v] for v in inputs]
            outputs = [self.memo[v] for v in outputs]
        else:
            self.memo = None
        # copy-on-write: the nodes this graph made (and may edit in place)
        self._owned = set() if copy_on_write and not clone else None
        self.inputs = []
        self._input_set = set()
        self._cpos = {}
        self.outputs = []
        self.apply_nodes = set()
        self.variables = set()
        self.clients = {}
        self._features = []
        self._order = None
        for v in inputs:
            self.add_input(v)
        # importing a large graph allocates many objects that all stay alive:
        # pause the cyclic GC meanwhile
        with gc_paused():
            for v in outputs:
                self.add_output(v, reason="init")
        if features:
            for f in features:
                self.attach_feature(f)

    # -- building ------------------------------------------------------------
    def add_input(self, var):
        if var in self.variables:
            return
        self.inputs.append(var)
        self._input_set.add(var)
        self.variables.add(var)
        self.clients[var] = []
        self._cpos.pop(var, None)

    def add_output(self, var, reason=None):
        self.outputs.append(var)
        self.import_var(var, reason)
        self._add_client(var, (OUTPUT, len(self.outputs) - 1))

    def _setup_var(self, var):
        if var not in self.variables:
            self.variables.add(var)
            self.clients[var] = []
            self._cpos.pop(var, None)

    def _add_client(self, var, client):
        cl = self.clients[var]
        cl.append(client)
        idx = self._cpos.get(var)
        if idx is not None:
            idx[client] = len(cl) - 1

    def import_var(self, var, reason=None):
        if var in self.variables:
            return
        if var.owner is not None:
            self.import_node(var.owner, reason)
        elif isinstance(var, Constant):
            self._setup_var(var)
        else:
            raise MissingInputError(
                f"Variable {var} (created at {format_location(location_of(var))}) is needed to compute "
                "the outputs but is neither an input of the function nor a constant"
            )

    def import_node(self, node, reason=None):
        """Add ``node`` and every node it needs that the graph lacks."""
        if node in self.apply_nodes:
            return
        variables = self.variables
        clients = self.clients
        cpos = self._cpos
        new_nodes = toposort(node.outputs, blockers=variables)
        # An input with an owner is in the graph already or is an output of
        # a node of new_nodes set up before its clients (the walk stopped
        # only at variables of the graph): only leaves need checking.
        for n in new_nodes:
            for v in n.inputs:
                if v.owner is None and v not in variables and not isinstance(v, Constant):
                    raise MissingInputError(
                        f"Variable {v} (created at {format_location(location_of(v))}) is needed by "
                        f"{n.op} but is neither an input of the function nor a constant"
                    )
        for n in new_nodes:
            self.apply_nodes.add(n)
            for o in n.outputs:
                self._setup_var(o)
            i = 0
            for v in n.inputs:
                if v.owner is None:
                    self._setup_var(v)
                cl = clients[v]
                cl.append((n, i))
                if cpos:
                    idx = cpos.get(v)
                    if idx is not None:
                        idx[(n, i)] = len(cl) - 1
                i += 1
            self._order = None
            if self._features:
                self.execute_callbacks("on_import", n, reason)

    # -- editing -------------------------------------------------------------
    def change_node_input(self, node, i, new_var, reason=None, check=True):
        """Make input ``i`` of ``node`` (or output ``i`` of the graph when
        ``node == "output"``) be ``new_var``."""
        if node == OUTPUT:
            old = self.outputs[i]
        else:
            old = node.inputs[i]
        if old is new_var:
            return
        if check and old.type is not new_var.type and old.type != new_var.type:
            conv = getattr(old.type, "convert_variable", None)
            nv = conv(new_var) if conv is not None else None
            if nv is None:
                raise TypeError(
                    f"Cannot replace {old} of type {old.type} by {new_var} of type {new_var.type}"
                )
            new_var = nv
        if self._owned is not None and node != OUTPUT and node not in self._owned:
            self._change_on_copy([(node, i, new_var)], reason)
        else:
            self._change_in_place(node, i, old, new_var, reason)

    def _change_in_place(self, node, i, old, new_var, reason):
        self.import_var(new_var, reason)
        if node == OUTPUT:
            self.outputs[i] = new_var
        else:
            node.inputs[i] = new_var
        self._add_client(new_var, (node, i))
        self._remove_client(old, node, i, reason)
        self._order = None
        self.execute_callbacks("on_change_input", node, i, old, new_var, reason)
        self._prune_if_unused(old, reason)

    def _change_on_copy(self, changes, reason):
        """``change_node_input`` for each ``(node, i, new_var)`` of
        ``changes`` where nodes this graph does not own may be among the
        nodes: a copy of such a node, with the new input, takes its place,
        and every use of its outputs moves to the copy's (which copies the
        users the graph does not own in turn).  Iterative; the replaced
        nodes are pruned at the end."""
        owned = self._owned
        copies = {}
        replaced = []
        pending = list(changes)
        pending.reverse()
        while pending:
            n, j, v = pending.pop()
            if n != OUTPUT:
                c = copies.get(n)
                if c is not None:
                    n = c
                if n not in self.apply_nodes:
                    continue
            old = self.outputs[j] if n == OUTPUT else n.inputs[j]
            if old is v:
                continue
            if n == OUTPUT or n in owned:
                self._change_in_place(n, j, old, v, reason)
                continue
            self.import_var(v, reason)
            n2 = n.clone()
            n2.inputs[j] = v
            owned.add(n2)
            copies[n] = n2
            replaced.append(n)
            self.import_node(n2, reason)
            k = 0
            for o in n.outputs:
                o2 = n2.outputs[k]
                for c2, ci in self.clients[o]:
                    pending.append((c2, ci, o2))
                k += 1
        for n in replaced:
            for o in n.outputs:
                self._prune_if_unused(o, reason)

    def _remove_client(self, var, node, i, reason):
        """Remove the use ``(node, i)`` from ``var``'s clients.  A long list
        (a value read by thousands of nodes, such as a model's parameter)
        gets a position index, built on the first removal and kept up to
        date by every change of the list (``_add_client``, ``import_node``),
        and loses the entry by moving its last entry into the gap: O(1), so
        rewriting every reader of such a value stays linear.  A short list
        is scanned and keeps its order."""
        cl = self.clients[var]
        n = len(cl)
        idx = self._cpos.get(var)
        if idx is not None or n > _INDEX_CLIENTS:
            if idx is None:
                idx = {}
                k = 0
                while k < n:
                    idx[cl[k]] = k
                    k += 1
                self._cpos[var] = idx
            k = idx.pop((node, i), -1)
            if k < 0:
                raise ValueError(f"{var} has no client ({node}, {i})")
            last = cl.pop()
            if k < n - 1:
                cl[k] = last
                idx[last] = k
            return
        k = 0
        while k < n:
            c = cl[k]
            if c[0] is node and c[1] == i:
                del cl[k]
                return
            k += 1
        raise ValueError(f"{var} has no client ({node}, {i})")

    def _prune_if_unused(self, var, reason):
        """Remove ``var``'s node, and then nodes that only fed it, once nothing
        uses their outputs (iterative)."""
        stack = [var]
        while stack:
            v = stack.pop()
            if self.clients.get(v):
                continue
            node = v.owner
            if node is None:
                if v not in self._input_set and v in self.variables:
                    self.variables.discard(v)
                    del self.clients[v]
                    self._cpos.pop(v, None)
                continue
            if node not in self.apply_nodes:
                continue
            used = False
            for o in node.outputs:
                if self.clients.get(o):
                    used = True
                    break
            if used:
                continue
            self.apply_nodes.discard(node)
            for o in node.outputs:
                self.variables.discard(o)
                self.clients.pop(o, None)
                self._cpos.pop(o, None)
            self._order = None
            self.execute_callbacks("on_prune", node, reason)
            i = 0
            for inp in node.inputs:
                self._remove_client(inp, node, i, reason)
                stack.append(inp)
                i += 1

    def replace(self, var, new_var, reason=None, verbose=False, import_missing=False):
        """Make every user of ``var`` use ``new_var`` instead."""
        if var not in self.variables:
            raise ValueError(f"replace: {var} is not in this graph")
        if var is new_var:
            return
        if var.type is not new_var.type and var.type != new_var.type:
            conv = getattr(var.type, "convert_variable", None)
            nv = conv(new_var) if conv is not None else None
            if nv is None:
                raise TypeError(
                    f"Cannot replace {var} of type {var.type} by {new_var} of type {new_var.type}"
                )
            new_var = nv
        if verbose:
            print(f"rewriting: {reason}: {var} -> {new_var}")
        if self._owned is not None:
            # one batch: a node using ``var`` twice is copied once
            self._change_on_copy([(node, i, new_var) for node, i in self.clients[var]], reason)
            return
        for node, i in list(self.clients[var]):
            self.change_node_input(node, i, new_var, reason, check=False)

    def replace_all(self, pairs, reason=None):
        for var, new_var in pairs:
            self.replace(var, new_var, reason)

    def remove_node(self, node, reason=None):
        """Remove ``node`` and everything that depends on it, outputs of the
        graph included, then prune what became unused."""
        if node not in self.apply_nodes:
            raise ValueError(f"remove_node: {node} is not in this graph")
        doomed = [node]
        order = []
        seen = set()
        while doomed:
            n = doomed.pop()
            if n in seen:
                continue
            seen.add(n)
            order.append(n)
            for o in n.outputs:
                for c, i in self.clients.get(o, ()):
                    if c != OUTPUT and c not in seen:
                        doomed.append(c)
        removed_outputs = set()
        for n in order:
            for o in n.outputs:
                for c, i in self.clients.get(o, ()):
                    if c == OUTPUT:
                        removed_outputs.add(i)
        if removed_outputs:
            keep = [k for k in range(len(self.outputs)) if k not in removed_outputs]
            for k in sorted(removed_outputs):
                self._remove_client(self.outputs[k], OUTPUT, k, reason)
            new_outputs = [self.outputs[k] for k in keep]
            for k, v in enumerate(new_outputs):
                cl = self.clients[v]
                self._cpos.pop(v, None)  # entries renumbered below: rebuilt when needed
                for j in range(len(cl)):
                    if cl[j][0] == OUTPUT and cl[j][1] == keep[k]:
                        cl[j] = (OUTPUT, k)
            self.outputs = new_outputs
        for n in reversed(order):
            if n not in self.apply_nodes:
                continue
            self.apply_nodes.discard(n)
            for o in n.outputs:
                self.variables.discard(o)
                self.clients.pop(o, None)
                self._cpos.pop(o, None)
            self.execute_callbacks("on_prune", n, reason)
            i = 0
            for inp in n.inputs:
                if inp in self.clients:
                    self._remove_client(inp, n, i, reason)
                    if inp.owner is None or inp.owner not in seen:
                        self._prune_if_unused(inp, reason)
                i += 1
        self._order = None

    def remove_output(self, i, reason=None):
        v = self.outputs[i]
        self._remove_client(v, OUTPUT, i, reason)
        del self.outputs[i]
        for k in range(i, len(self.outputs)):
            cl = self.clients[self.outputs[k]]
            self._cpos.pop(self.outputs[k], None)  # renumbered: rebuilt when needed
            for j in range(len(cl)):
                if cl[j][0] == OUTPUT and cl[j][1] == k + 1:
                    cl[j] = (OUTPUT, k)
                    break
        self._order = None
        self._prune_if_unused(v, reason)

    # -- features ------------------------------------------------------------
    def attach_feature(self, feature):
        if feature in self._features:
            return
        on_attach = getattr(feature, "on_attach", None)
        if on_attach is not None:
            on_attach(self)
        self._features.append(feature)

    def remove_feature(self, feature):
        self._features.remove(feature)
        on_detach = getattr(feature, "on_detach", None)
        if on_detach is not None:
            on_detach(self)

    @property
    def features(self):
        return list(self._features)

    def execute_callbacks(self, name, *args):
        for f in self._features:
            fn = getattr(f, name, None)
            if fn is not None:
                fn(self, *args)

    def validate(self):
        for f in self._features:
            fn = getattr(f, "validate", None)
            if fn is not None:
                fn(self)

    # -- queries -------------------------------------------------------------
    def toposort(self):
        """Apply nodes in an execution order (cached until the graph changes)."""
        if self._order is None:
            self._order = toposort(self.outputs, blockers=self.inputs)
        return list(self._order)

    def get_clients(self, var):
        return self.clients[var]

    def check_integrity(self):
        """Check every invariant of the clients index; raise on the first broken one."""
        nodes = set(toposort(self.outputs, blockers=self.inputs))
        if nodes != self.apply_nodes:
            raise AssertionError(
                f"apply_nodes holds {len(self.apply_nodes)} nodes, the outputs need {len(nodes)}"
            )
        for node in nodes:
            for i, v in enumerate(node.inputs):
                if v not in self.variables:
                    raise AssertionError(f"{v} used by {node} is not in variables")
                if (node, i) not in [(c, j) for c, j in self.clients[v]]:
                    raise AssertionError(f"clients of {v} miss ({node}, {i})")
        for v, cl in self.clients.items():
            for c, i in cl:
                if c == OUTPUT:
                    if self.outputs[i] is not v:
                        raise AssertionError(f"output {i} is not {v}")
                elif c.inputs[i] is not v:
                    raise AssertionError(f"{c}.inputs[{i}] is not {v}")
        for v, idx in self._cpos.items():
            cl = self.clients.get(v)
            if cl is None or len(idx) != len(cl) or any(cl[k] != c for c, k in idx.items()):
                raise AssertionError(f"the position index of the clients of {v} is stale")
        if self._input_set != set(self.inputs):
            raise AssertionError("the input set differs from the inputs")

    def clone(self, check_integrity=True):
        """A copy of this graph (features are not copied)."""
        memo = clone_get_equiv(self.inputs, self.outputs, True, False)
        fg = FunctionGraph([memo[v] for v in self.inputs], [memo[v] for v in self.outputs], clone=False)
        if check_integrity:
            fg.check_integrity()
        return fg

    def clone_get_equiv(self):
        memo = clone_get_equiv(self.inputs, self.outputs, True, False)
        fg = FunctionGraph([memo[v] for v in self.inputs], [memo[v] for v in self.outputs], clone=False)
        return fg, memo

    # -- pickling and copying ----------------------------------------------------
    def __reduce__(self):
        """Pickled and deep-copied as its inputs and outputs (whose graph
        pickles as a flat, topologically ordered node table: see graph.py),
        then its features, ``memo`` and other attributes as state.  Loading
        imports the graph again (``clone=False``), which rebuilds
        ``apply_nodes``, ``variables`` and ``clients`` in linear time (each
        client list holds the same uses, in the order of a fresh import).
        Features come back as they were pickled, without ``on_attach``."""
        extra = None
        d = getattr(self, "__dict__", None)
        if d:
            for k in d:
                if k not in _FG_FIELDS:
                    if extra is None:
                        extra = {}
                    extra[k] = d[k]
        return (_rebuild_fgraph, (type(self), self.inputs, self.outputs),
                (self._features, self.memo, extra))

    def __setstate__(self, state):
        features, memo, extra = state
        self._features = list(features)
        self.memo = memo
        if extra:
            for k, x in extra.items():
                setattr(self, k, x)

    def __str__(self):
        return f"FunctionGraph({', '.join(str(o) for o in self.outputs)})"

    def __len__(self):
        return len(self.apply_nodes)


_FG_FIELDS = frozenset(("inputs", "outputs", "apply_nodes", "variables", "clients", "memo",
                        "_features", "_order", "_owned", "_input_set", "_cpos"))


def _rebuild_fgraph(cls, inputs, outputs):
    """A ``FunctionGraph`` (of class ``cls``) over ``inputs`` and ``outputs``
    as they are (unpickled or deep-copied): see ``FunctionGraph.__reduce__``."""
    fg = cls.__new__(cls)
    FunctionGraph.__init__(fg, inputs, outputs, clone=False)
    return fg
