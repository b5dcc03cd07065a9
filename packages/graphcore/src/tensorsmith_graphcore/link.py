"""The reference Python linker: turns a ``FunctionGraph`` into a ``VM`` whose
thunks call each op's ``perform``.  Backends produce the same VM with other
thunks; everything here knows only the graphcore protocols."""
from .graph import Constant
from .vm import VM, PerformThunk


def make_storage(fgraph, input_storage=None):
    """One cell per variable of ``fgraph``; constants' cells hold their data.
    ``input_storage`` gives cells to use for (some) inputs, e.g. shared values."""
    storage = {}
    for i, v in enumerate(fgraph.inputs):
        cell = None
        if input_storage is not None:
            cell = input_storage[i]
        storage[v] = cell if cell is not None else [None]
    for node in fgraph.toposort():
        for v in node.inputs:
            if v not in storage:
                if isinstance(v, Constant):
                    storage[v] = [v.data]
                else:
                    storage[v] = [None]
        for v in node.outputs:
            storage[v] = [None]
    for v in fgraph.outputs:
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


def dying_inputs(fgraph, node):
    """Positions of ``node``'s inputs that are intermediates used by ``node``
    alone (not graph outputs): their values are dead once ``node`` ran."""
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
    return tuple(res)


class PerformLinker:
    """Builds a ``VM`` from a graph, one ``PerformThunk`` per node.

    ``make_thunk(node, storage)`` may be overridden by backends; the VM
    arguments are the graph inputs that ``arg_indices`` names (others, e.g.
    shared variables, keep the cells given in ``input_storage``)."""

    def make_thunk(self, node, storage, dying=()):
        return perform_thunk(node, storage, dying)

    def make_vm(self, fgraph, filters, arg_indices=None, arg_names=None, input_storage=None,
                updates=None, unpack_single=False, describe=None, keep_cells=(), vm_class=VM,
                protect_outputs=True):
        storage = make_storage(fgraph, input_storage)
        order = fgraph.toposort()
        thunks = [self.make_thunk(node, storage, dying_inputs(fgraph, node)) for node in order]
        if arg_indices is None:
            arg_indices = list(range(len(fgraph.inputs)))
        input_cells = [storage[fgraph.inputs[i]] for i in arg_indices]
        output_cells = [storage[v] for v in fgraph.outputs]
        update_pairs = []
        for out_index, dest_cell in (updates or ()):
            update_pairs.append((output_cells[out_index], dest_cell))
        keep = set(id(c) for c in output_cells)
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
            c = storage[fgraph.inputs[i]]
            if id(c) not in keep:
                clear.append(c)
        alias = list(input_cells)
        if input_storage is not None:
            alias.extend(c for c in input_storage if c is not None)
        for v, c in storage.items():
            if isinstance(v, Constant):
                alias.append(c)
        vm = vm_class(thunks, order, input_cells, filters, output_cells, arg_names=arg_names,
                      updates=update_pairs, clear_cells=clear, unpack_single=unpack_single,
                      describe=describe, alias_cells=alias if protect_outputs else None)
        return vm, storage
