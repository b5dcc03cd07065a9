"""The reference Python linker: turns a ``FunctionGraph`` into a ``VM`` whose
thunks call each op's ``perform``.  Backends produce the same VM with other
thunks; everything here knows only the graphcore protocols."""
from .graph import Constant
from .vm import VM, PerformThunk


def make_storage(fgraph, input_storage=None):
    """One cell per variable of ``fgraph``; constants' cells hold their data.
    ``input_storage`` gives cells to use for (some) inputs, e.g. shared values."""
    return _make_storage(fgraph.inputs, fgraph.toposort(), fgraph.outputs, input_storage)


def _make_storage(inputs, order, outputs, input_storage):
    storage = {}
    for i, v in enumerate(inputs):
        cell = None
        if input_storage is not None:
            cell = input_storage[i]
        storage[v] = cell if cell is not None else [None]
    for node in order:
        for v in node.inputs:
            if v not in storage:
                if isinstance(v, Constant):
                    storage[v] = [v.data]
                else:
                    storage[v] = [None]
        for v in node.outputs:
            storage[v] = [None]
    for v in outputs:
        if v not in storage:
            storage[v] = [v.data] if isinstance(v, Constant) else [None]
    return storage


def perform_thunk(node, storage, dying=()):
    """The thunk running ``node.op.perform``.  An op may provide a faster
    equivalent with ``make_py_thunk(node, input_cells, output_cells, dying)``,
    where ``dying`` lists the positions of inputs that no later node reads
    (intermediates whose buffers the thunk may reuse for its outputs)."""
    in_cells = [storage[v] for v in node.inputs]
    out_cells = [storage[v] for v in node.outputs]
    maker = getattr(node.op, "make_py_thunk", None)
    if maker is not None:
        thunk = maker(node, in_cells, out_cells, dying)
        if thunk is not None:
            return thunk
    return PerformThunk(node, node.op.perform, in_cells, out_cells)


_TUPLES = {}


def dying_inputs(fgraph, node):
    """Positions of ``node``'s inputs that are intermediates used by ``node``
    alone (not graph outputs): their values are dead once ``node`` ran.
    (Equal tuples are shared: a large graph has only a few distinct ones.)"""
    res = []
    i = 0
    for v in node.inputs:
        if v.owner is not None:
            only_here = True
            for c, _ in fgraph.clients[v]:
                if c is not node:
                    only_here = False
                    break
            if only_here:
                res.append(i)
        i += 1
    t = tuple(res)
    return _TUPLES.setdefault(t, t)


class Schedule:
    """What linking needs from a ``FunctionGraph`` (``Linker.plan``): its
    ``inputs`` and ``outputs``, the nodes in execution ``order`` and, per
    node, its ``dying`` inputs (see ``dying_inputs``).  The graph itself, with
    its clients index, may be dropped before the thunks are made, so a large
    graph never holds its index and its thunks at the same time."""

    __slots__ = ("inputs", "outputs", "order", "dying")

    def __init__(self, inputs, outputs, order, dying):
        self.inputs = inputs
        self.outputs = outputs
        self.order = order
        self.dying = dying


class Linker:
    """The protocol every backend implements.  A linker turns each node of a
    ``FunctionGraph`` into a thunk: ``make_thunk(node, storage, dying)``
    returns a callable without arguments that reads the node's input cells
    (``storage[v]`` for each input) and writes its output cells.  That is the
    one method a backend overrides; ``schedule`` may be overridden to choose
    the order (default: ``fgraph.toposort()``).

    ``make_vm`` (shared by every linker) builds the callable from the thunks:
    input filters, names, defaults, simultaneous updates, output packaging and
    thread safety are the VM's, never the backend's."""

    def make_thunk(self, node, storage, dying=()):
        raise NotImplementedError(f"{type(self).__name__}.make_thunk")

    def schedule(self, fgraph):
        return fgraph.toposort()

    def plan(self, fgraph):
        """The ``Schedule`` of ``fgraph`` (order from ``schedule``)."""
        order = self.schedule(fgraph)
        return Schedule(list(fgraph.inputs), list(fgraph.outputs), order,
                        [dying_inputs(fgraph, node) for node in order])

    def make_vm(self, fgraph, filters, arg_indices=None, arg_names=None, input_storage=None,
                updates=None, unpack_single=False, describe=None, keep_cells=(), vm_class=VM,
                protect_outputs=True, n_outputs=None, update_locks=None, defaults=None):
        """A ``vm_class`` instance running ``fgraph`` (a ``FunctionGraph`` or
        its ``Schedule``), and the storage map of its own cells.

        ``filters``/``arg_indices``/``arg_names``: one per argument, the
        graph inputs the arguments go to (default: every input); other inputs
        (e.g. shared values) keep the cells given in ``input_storage``.
        ``updates``: (output index, destination cell) pairs, applied
        simultaneously after each successful call.  ``n_outputs``: how many of
        ``fgraph.outputs`` the call returns (default all; the rest are update
        values).  ``update_locks``: locks held around calls (see ``VM``).
        The VM can make spare copies of its storage for concurrent calls."""
        # build() (kept for relink) holds the schedule, not the FunctionGraph
        # and its clients index
        plan = fgraph if isinstance(fgraph, Schedule) else self.plan(fgraph)
        fgraph = None
        g_inputs = plan.inputs
        g_outputs = plan.outputs
        order = plan.order
        dying = plan.dying
        if arg_indices is None:
            arg_indices = list(range(len(g_inputs)))
        if n_outputs is None:
            n_outputs = len(g_outputs)
        updates = list(updates or ())

        def build():
            storage = _make_storage(g_inputs, order, g_outputs, input_storage)
            thunks = [self.make_thunk(node, storage, d) for node, d in zip(order, dying)]
            input_cells = [storage[g_inputs[i]] for i in arg_indices]
            all_out = [storage[v] for v in g_outputs]
            update_pairs = [(all_out[out_index], dest) for out_index, dest in updates]
            keep = set(id(c) for c in all_out)
            keep.update(id(c) for c in keep_cells)
            if input_storage is not None:
                keep.update(id(c) for c in input_storage if c is not None)
            clear = []
            for node in order:
                for v in node.outputs:
                    c = storage[v]
                    if id(c) not in keep:
                        clear.append(c)
            for i in arg_indices:
                c = storage[g_inputs[i]]
                if id(c) not in keep:
                    clear.append(c)
            alias = None
            if protect_outputs:
                alias = list(input_cells)
                if input_storage is not None:
                    alias.extend(c for c in input_storage if c is not None)
                for v, c in storage.items():
                    if isinstance(v, Constant):
                        alias.append(c)
            return storage, dict(
                thunks=thunks, nodes=order, input_cells=input_cells,
                output_cells=all_out[:n_outputs], updates=update_pairs, clear_cells=clear,
                alias_cells=alias)

        def relink():
            # a spare: the same thunks over storage of its own (shared
            # cells stay shared); a plain VM, settings are the caller's
            _, parts = build()
            return VM(filters=filters, arg_names=arg_names, unpack_single=unpack_single,
                      describe=describe, **parts)

        storage, parts = build()
        vm = vm_class(filters=filters, arg_names=arg_names, unpack_single=unpack_single,
                      describe=describe, defaults=defaults, relink=relink,
                      update_locks=update_locks, **parts)
        return vm, storage


class PerformLinker(Linker):
    """The reference linker: one ``PerformThunk`` (or the op's
    ``make_py_thunk``) per node."""

    def make_thunk(self, node, storage, dying=()):
        return perform_thunk(node, storage, dying)
