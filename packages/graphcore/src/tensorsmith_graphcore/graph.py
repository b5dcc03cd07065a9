"""Graph IR: ``Variable``, ``Apply``, ``Constant`` and iterative traversals.

This is plain Python source.  The build compiles it with Cython together with
``graph.pxd`` (augmenting declarations: ``cdef`` classes, typed locals), and
the compiled module shadows this file.  Where no compiler ran, or with
``TENSORSMITH_PURE_PYTHON=1``, this file runs as it is.

Every walk here is iterative (explicit stacks), so graphs of millions of nodes
need no recursion, and every walk visits each node and edge a bounded number of
times.
"""
import _thread
import sys
import threading
import weakref
from bisect import bisect_right
from collections import deque

from .util import gc_paused

try:  # compiled by Cython: ``cython.compiled`` is True; plain Python: False
    import cython

    _COMPILED = cython.compiled
except ImportError:  # plain Python without Cython installed
    _COMPILED = False

_getframe = sys._getframe
# ---------------------------------------------------------------------------
# Where the user made a node: (filename, lineno), skipping library frames.
# ---------------------------------------------------------------------------

_library_dirs = []
_lib_file_cache = {}
_tracing = True


def register_library_path(path):
    """Frames whose file lies under ``path`` are library frames: a node's trace
    skips them and points at the first frame outside every registered path."""
    import os

    path = os.path.join(os.path.abspath(path), "")
    if path not in _library_dirs:
        _library_dirs.append(path)
    _lib_file_cache.clear()
    if _COMPILED:
        _c_clear_trace_cache()  # noqa: F821  (defined in graph.pxd)


def set_tracing(flag):
    """Turn the capture of user source locations on node creation on or off;
    returns the previous setting."""
    global _tracing
    old = _tracing
    _tracing = bool(flag)
    return old


def get_tracing():
    return _tracing


def _is_library_file(filename):
    r = _lib_file_cache.get(filename)
    if r is None:
        r = False
        if filename.startswith("<frozen") or filename.startswith("<string>__lib"):
            r = True
        else:
            for d in _library_dirs:
                if filename.startswith(d):
                    r = True
                    break
        _lib_file_cache[filename] = r
    return r


def user_location():
    """(filename, lineno) of the innermost frame outside the library, or None."""
    if not _tracing:
        return None
    if _COMPILED:
        return _c_user_location()  # noqa: F821  (defined in graph.pxd)
    # Frame 0: compiled, this function has no frame of its own, so frame 0 is
    # the nearest Python caller; as plain Python it is this (library) frame.
    f = _getframe(0)
    while f is not None:
        fn = f.f_code.co_filename
        r = _lib_file_cache.get(fn)
        if r is None:
            r = _is_library_file(fn)
        if r is False:
            return (fn, f.f_lineno)
        f = f.f_back
    return None


def location_of(var):
    """Where the user created ``var`` (its own trace, else its node's), or None.
    Use this rather than ``var.trace``, which a subclass may shadow."""
    t = var._trace
    if t is None and var.owner is not None:
        t = var.owner.trace
    return t


def format_location(trace):
    if trace is None:
        return "<unknown location>"
    return f"{trace[0]}:{trace[1]}"


# ---------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------


class Variable:
    """A symbolic value: the ``index``-th output of ``owner`` (an ``Apply``), or
    a graph input when ``owner`` is None.  Equality and hash are identity."""

    def __init__(self, type, owner=None, index=None, name=None):
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self._trace = None
        self.tag = None

    @property
    def trace(self):
        """Where the user created this variable: (filename, lineno) or None."""
        if self._trace is not None:
            return self._trace
        if self.owner is not None:
            return self.owner.trace
        return None

    def clone(self, name=None):
        """A new variable of the same class and type, without owner."""
        if type(self) is Variable:
            return _copy_plain_variable(self, self.name if name is None else name)
        cp = self.__class__(self.type, None, None, self.name if name is None else name)
        cp._trace = self._trace
        cp.tag = self.tag
        return cp

    def auto_name(self):
        if self.name is not None:
            return self.name
        if self.owner is not None:
            op = self.owner.op
            opname = type(op).__name__ if not hasattr(op, "short_name") else op.short_name()
            if len(self.owner.outputs) == 1:
                return f"{opname}.out"
            return f"{opname}.{self.index}"
        return f"<{self.type}>"

    def __str__(self):
        return self.auto_name()

    def __repr__(self):
        return f"{self.auto_name()}"

    def signature(self):
        """Key used by merge/CSE and structural hashing for leaves."""
        return self

    def get_parents(self):
        if self.owner is not None:
            return [self.owner]
        return []

    # -- pickling and copying (see "Pickling and copying graphs" below) -----
    def __reduce__(self):
        return _reduce_variable(self)

    def __setstate__(self, state):
        _set_variable_state(self, state)

    def __deepcopy__(self, memo):
        return _deepcopy_variable(self, memo)

    def __copy__(self):
        # a new variable with the same fields (the same owner and index,
        # although the owner's outputs do not list it)
        return _shallow_copy_variable(self)


def _copy_plain_variable(v, name):
    """``v.clone(name)`` for an exact ``Variable``.  The walks below call it
    directly for plain Variables (``type(v) is Variable``): one call instead
    of a method lookup and call, compiled and plain alike."""
    cp = Variable.__new__(Variable)
    cp.type = v.type
    cp.owner = None
    cp.index = None
    cp.name = name
    cp._trace = v._trace
    cp.tag = v.tag
    return cp


class Constant(Variable):
    """A variable with a fixed value ``data``.  ``signature()`` is what merge
    and structural equality compare; types may refine it."""

    def __init__(self, type, data, name=None):
        Variable.__init__(self, type, None, None, name)
        self.data = data

    def clone(self, name=None):
        cp = self.__class__(self.type, self.data, self.name if name is None else name)
        cp._trace = self._trace
        cp.tag = self.tag
        return cp

    def signature(self):
        t = self.type
        sig = getattr(t, "constant_signature", None)
        if sig is not None:
            return (t, sig(self.data))
        return (t, self.data)

    def __str__(self):
        if self.name is not None:
            return self.name
        s = str(self.data)
        if len(s) > 20:
            s = s[:17] + "..."
        return s


class Apply:
    """The application of ``op`` to ``inputs``, producing ``outputs``.  Creating
    an Apply sets each output's ``owner`` and ``index``."""

    def __init__(self, op, inputs, outputs):
        self.op = op
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.trace = user_location() if _tracing else None
        self._mark = 0
        self._copy = None
        _check_apply(self)

    @property
    def nin(self):
        return len(self.inputs)

    @property
    def nout(self):
        return len(self.outputs)

    @property
    def out(self):
        """The single output (or the op's ``default_output``)."""
        do = getattr(self.op, "default_output", None)
        if do is not None:
            return self.outputs[do]
        if len(self.outputs) != 1:
            raise ValueError(f"{self.op} has {len(self.outputs)} outputs; use .outputs")
        return self.outputs[0]

    def default_output(self):
        return self.out

    def clone(self):
        """Same op and inputs, fresh outputs."""
        return _make_apply(self.op, list(self.inputs), _clone_outputs(self.outputs), self.trace)

    def clone_with_new_inputs(self, inputs, strict=True):
        """Same op on ``inputs``.  If the input types differ from the old ones,
        the op's ``make_node`` is asked again (unless ``strict``, which then
        requires equal types)."""
        same = len(inputs) == len(self.inputs)
        if same:
            for a, b in zip(inputs, self.inputs):
                if a.type is not b.type and a.type != b.type:
                    same = False
                    break
        if same:
            for v in inputs:
                if not isinstance(v, Variable):
                    raise TypeError(f"clone_with_new_inputs of {self.op}: inputs must be Variables")
            return _make_apply(self.op, list(inputs), _clone_outputs(self.outputs), self.trace)
        if strict:
            raise TypeError(f"clone_with_new_inputs of {self.op}: input types differ")
        cp = self.op.make_node(*inputs)
        cp.trace = self.trace
        return cp

    def get_parents(self):
        return list(self.inputs)

    # -- pickling and copying (see "Pickling and copying graphs" below) -----
    def __reduce__(self):
        return _reduce_apply(self)

    def __deepcopy__(self, memo):
        _deepcopy_nodes(self, memo)
        return memo[id(self)]

    def __copy__(self):
        # the same fields (the inputs and outputs lists shared)
        cp = Apply.__new__(type(self))
        cp.op = self.op
        cp.inputs = self.inputs
        cp.outputs = self.outputs
        cp.trace = self.trace
        if not _COMPILED:  # compiled: tp_new set them
            cp._mark = 0
            cp._copy = None
        extra = _extra_state(self, _APPLY_FIELDS)
        if extra is not None:
            cp.__dict__.update(extra)
        return cp

    def __str__(self):
        return f"{self.op}({', '.join(str(i) for i in self.inputs)})"

    def __repr__(self):
        return str(self)


def _check_apply(node):
    """Check a new node's inputs and outputs; make it the owner of its outputs."""
    op = node.op
    i = 0
    for x in node.inputs:
        if not isinstance(x, Variable):
            raise TypeError(
                f"Apply of {op}: input {i} must be a Variable, got {type(x).__name__}: {x!r}"
            )
        i += 1
    i = 0
    for x in node.outputs:
        if not isinstance(x, Variable):
            raise TypeError(
                f"Apply of {op}: output {i} must be a Variable, got {type(x).__name__}"
            )
        o = x
        if o.owner is not None and (o.owner is not node or o.index != i):
            raise ValueError(f"Apply of {op}: output {i} ({o}) already belongs to another node")
        o.owner = node
        o.index = i
        i += 1


def _make_apply(op, inputs, outputs, trace):
    """An Apply from checked parts (internal, for clones): no input checks,
    no trace capture; ``inputs``/``outputs`` lists are taken as they are."""
    node = Apply.__new__(Apply)
    node.op = op
    node.inputs = inputs
    node.outputs = outputs
    node.trace = trace
    node._mark = 0
    node._copy = None
    i = 0
    for o in outputs:
        o.owner = node
        o.index = i
        i += 1
    return node


def _clone_outputs(outputs):
    # lists of the exact size (appending would reserve room for 4 items)
    n = len(outputs)
    res = [None] * n
    i = 0
    while i < n:
        o = outputs[i]
        res[i] = _copy_plain_variable(o, o.name) if type(o) is Variable else o.clone()
        i += 1
    return res


# ---------------------------------------------------------------------------
# Traversals (all iterative)
# ---------------------------------------------------------------------------
#
# Two walks do the work of every traversal, each written once, here, for
# the compiled module and the plain-Python one alike (``graph.pxd`` only
# declares their types):
#
# * ``_topo_walk``, the topological sort of Apply nodes (depth first,
#   post-order): ``toposort``, ``io_toposort``, ``applys_between``,
#   ``iter_toposort``, ``clone`` (which copies each node as the sort places
#   it), the node order of pickling and deepcopy (``_nodes_to_emit``), and
#   through ``iter_toposort``/``toposort`` the frontend's PyTensor-order
#   ``toposort`` and ``io_toposort``;
# * ``_ancestor_walk``, the variables a graph depends on (depth first,
#   pre-order): ``ancestors``, ``graph_inputs``, ``vars_between``,
#   ``orphans_between``, ``is_in_ancestors``, ``iter_ancestors``, and
#   through it the frontend's ``ancestors``, ``vars_between``,
#   ``graph_inputs``, ``applys_between``, ...
#
# Each takes its stack (and its visit state) from the caller and can stop
# after each node or variable it produces, so a generator can resume it
# where it stopped (``iter_toposort``, ``iter_ancestors``: lazy, as
# PyTensor's generators are).  Each goes in either order: the first output
# and, at each node, the first input first (graphcore's order), or with
# ``last_first`` the last ones first (PyTensor's).  ``walk`` and
# ``walk_toposort`` are the generic walks over any objects (a function
# gives the next ones) that PyTensor's API has besides.


def _as_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


# Walks that keep their state in the nodes themselves (``Apply._mark`` for
# the sort, ``Apply._copy`` for clone) hold ``_walk_lock`` while they run, so
# two of them never share those fields: a walk that finds the lock taken (a
# second thread, or a walk started from inside another, e.g. by a Variable
# subclass's ``clone``) keeps its state in a dict instead (the same code,
# see ``_topo_walk``).
_walk_lock = _thread.allocate_lock()
_epoch = 0


def _new_marks():
    """The ``expanded`` mark of a new sort that keeps its state in
    ``Apply._mark`` (``done`` is one more): above every mark set before, so
    no mark ever needs resetting.  Called with ``_walk_lock`` held."""
    global _epoch
    _epoch += 1
    return 2 * _epoch


def _block_set(blockers):
    """``blockers`` as a set (a set is used as it is, not copied: callers such
    as ``FunctionGraph.import_node`` pass a large one; anything else,
    subclasses of set included, is copied into one); None when empty."""
    if blockers is None:
        return None
    if type(blockers) is set:
        return blockers if blockers else None
    block = set(blockers)
    return block if block else None


def _root_nodes(outputs, block, last_first):
    """The owners of ``outputs`` that are not in ``block`` as the stack a
    sort starts from: the first output's on top (the last's with
    ``last_first``)."""
    stack = []
    n = len(outputs)
    if last_first:
        k = 0
        step = 1
        end = n
    else:
        k = n - 1
        step = -1
        end = -1
    while k != end:
        out = outputs[k]
        k += step
        if out is None:
            raise TypeError("Cannot walk the graph of None: outputs must be Variables")
        if block is not None and out in block:
            continue
        node = out.owner
        if node is not None:
            stack.append(node)
    return stack


def _topo_walk(stack, order, block, state, expanded, last_first, leaves, owned_leaf, copy_orphans):
    """The topological sort: place every Apply node reachable from the nodes
    on ``stack`` (the next one on top, see ``_root_nodes``) after the owners
    of its inputs, depth first.  A node's inputs are taken first to last
    (last to first with ``last_first``); variables in ``block`` (a set or a
    dict, or None) are leaves: their owners are not visited.  ValueError on
    a cycle.

    Each node is appended to ``order`` as it is placed.  With ``order`` None
    the walk stops at the first node it places and returns it (None when
    the stack runs out): the next call with the same stack and state goes
    on from there.

    Visit state: with ``state`` None, each node's ``_mark`` (the caller holds
    ``_walk_lock`` and passes ``expanded=_new_marks()``): ``expanded`` while
    its inputs are being sorted, ``expanded + 1`` once it is placed, lower
    when this sort has not met it.  Otherwise the dict ``state`` holds these
    values (no entry: not met; the caller passes ``expanded=2``).

    With ``leaves`` (a dict): clone each node as soon as it is placed, while
    its inputs are still in the CPU cache (see ``_clone_scratch``)."""
    done = expanded + 1
    while stack:
        node = stack[-1]
        if state is None:
            m = node._mark
        else:
            m = state.get(node, 0)
        if m == done:  # placed since it was pushed
            stack.pop()
            continue
        if m != expanded:
            # first visit: push the owners of its inputs that are not placed,
            # the one to sort first on top; the node stays under them
            if state is None:
                node._mark = expanded
            else:
                state[node] = expanded
            inputs = node.inputs
            if last_first:
                inputs = inputs[::-1]
            k = len(inputs) - 1
            while k >= 0:
                v = inputs[k]
                k -= 1
                parent = v.owner
                if parent is not None:
                    if block is not None and v in block:
                        continue
                    if state is None:
                        m = parent._mark
                    else:
                        m = state.get(parent, 0)
                    if m != done:
                        if m == expanded:
                            raise ValueError(f"The graph has a cycle through {parent}")
                        stack.append(parent)
            continue
        # on top again: its inputs are placed, so place it
        stack.pop()
        if state is None:
            node._mark = done
        else:
            state[node] = done
        if order is None:
            return node
        order.append(node)
        if leaves is not None:
            _clone_node_scratch(node, leaves, owned_leaf, copy_orphans)
    return None


def _sorted(stack, block, last_first):
    """The list of the nodes ``_topo_walk`` places from ``stack``; the state
    in the nodes' marks if ``_walk_lock`` is free, else in a dict."""
    order = []
    if _walk_lock.acquire(False):
        try:
            _topo_walk(stack, order, block, None, _new_marks(), last_first, None, False, False)
        finally:
            _walk_lock.release()
    else:
        _topo_walk(stack, order, block, {}, 2, last_first, None, False, False)
    return order


def toposort(outputs, blockers=None, last_first=False):
    """Apply nodes that lead to ``outputs``, each after the nodes it depends on.

    ``blockers``: variables treated as leaves (their owners are not visited).
    Depth-first, inputs in order, so the result is deterministic.
    ``last_first``: the last output and, at each node, the last input first
    (PyTensor's order)."""
    outputs = _as_list(outputs)
    block = _block_set(blockers)
    return _sorted(_root_nodes(outputs, block, last_first), block, last_first)


def iter_toposort(outputs, blockers=None, last_first=False):
    """``toposort`` as a generator that sorts only as far as the next node it
    yields (PyTensor's ``toposort`` is such a generator).  Its state is its
    own: the graph can be walked (or changed, ahead of the sort) meanwhile.
    ``blockers`` is copied when the first node is asked for."""
    block = set(blockers) if blockers is not None else None
    if not block:
        block = None
    stack = _root_nodes(_as_list(outputs), block, last_first)
    state = {}
    node = _topo_walk(stack, None, block, state, 2, last_first, None, False, False)
    while node is not None:
        yield node
        node = _topo_walk(stack, None, block, state, 2, last_first, None, False, False)


def io_toposort(inputs, outputs):
    """Apply nodes between ``inputs`` and ``outputs`` in topological order."""
    return toposort(outputs, blockers=inputs)


def _root_vars(outputs, last_first):
    """``outputs`` as the stack an ancestor walk starts from: the first on
    top (the last with ``last_first``)."""
    stack = list(outputs) if last_first else outputs[::-1]
    for v in stack:
        if v is None:
            raise TypeError("Cannot walk the graph of None: outputs must be Variables")
    return stack


def _ancestor_walk(stack, seen, block, last_first, with_outputs, result, v):
    """The variables the variables on ``stack`` (the next one on top) depend
    on, depth first: each variable not in ``seen`` is added to it and
    appended to ``result``, then the inputs of its owner are pushed, so that
    the first (the last with ``last_first``) is taken next; with
    ``with_outputs`` its owner's outputs too, taken before the inputs
    (PyTensor's ``vars_between``).  Variables in ``block`` (a set, or None)
    are taken but not looked through.

    With ``result`` None the walk stops at the first new variable, before
    pushing its inputs, and returns it (None when the stack runs out); the
    next call, given it back as ``v``, pushes them and goes on."""
    while True:
        if v is not None and (block is None or v not in block):
            node = v.owner
            if node is not None:
                inputs = node.inputs
                if last_first:
                    k = 0
                    while k < len(inputs):
                        x = inputs[k]
                        if x not in seen:
                            stack.append(x)
                        k += 1
                    if with_outputs:
                        outs = node.outputs
                        k = 0
                        while k < len(outs):
                            x = outs[k]
                            if x not in seen:
                                stack.append(x)
                            k += 1
                else:
                    if with_outputs:
                        outs = node.outputs
                        k = len(outs) - 1
                        while k >= 0:
                            x = outs[k]
                            if x not in seen:
                                stack.append(x)
                            k -= 1
                    k = len(inputs) - 1
                    while k >= 0:
                        x = inputs[k]
                        if x not in seen:
                            stack.append(x)
                        k -= 1
        if not stack:
            return None
        v = stack.pop()
        if v in seen:
            v = None
            continue
        seen.add(v)
        if result is None:
            return v
        result.append(v)


def ancestors(outputs, blockers=None, last_first=False):
    """Every variable ``outputs`` depend on (themselves included), stopping at
    ``blockers``; in depth-first discovery order (``last_first``: the last
    output and, at each node, the last input first, as PyTensor)."""
    outputs = _as_list(outputs)
    block = set(blockers) if blockers is not None else None
    result = []
    _ancestor_walk(_root_vars(outputs, last_first), set(), block, last_first, False, result, None)
    return result


def iter_ancestors(outputs, blockers=None, last_first=False, with_outputs=False):
    """``ancestors`` as a generator that walks only as far as the variable it
    yields next, and looks through a variable only once the next one is
    asked for (PyTensor's ``ancestors`` is such a generator).
    ``with_outputs``: each node's other outputs are taken too, before its
    inputs (PyTensor's ``vars_between``).  ``blockers`` is copied when the
    first variable is asked for."""
    block = set(blockers) if blockers is not None else None
    if not block:
        block = None
    stack = _root_vars(_as_list(outputs), last_first)
    seen = set()
    v = _ancestor_walk(stack, seen, block, last_first, with_outputs, None, None)
    while v is not None:
        yield v
        v = _ancestor_walk(stack, seen, block, last_first, with_outputs, None, v)


def graph_inputs(outputs, blockers=None):
    """Leaves of the graph of ``outputs``: variables without owner (constants
    included) or in ``blockers``."""
    block = set(blockers) if blockers is not None else None
    res = []
    for v in ancestors(outputs, blockers):
        if v.owner is None or (block is not None and v in block):
            res.append(v)
    return res


def vars_between(inputs, outputs):
    """Variables on the graph from ``inputs`` to ``outputs`` (both included)."""
    return ancestors(outputs, blockers=inputs)


def applys_between(inputs, outputs):
    return toposort(outputs, blockers=inputs)


def orphans_between(inputs, outputs):
    """Leaves of ``outputs`` that are not in ``inputs``."""
    ins = set(inputs)
    return [v for v in graph_inputs(outputs, inputs) if v not in ins]


def walk(nodes, expand, bfs=True, return_children=False):
    """Yield each object reachable from ``nodes`` through ``expand`` once (any
    objects: ``expand(obj)`` gives the next ones, or None).  ``bfs``:
    breadth first (a queue), else depth first (a stack: the last object
    given is taken first).  With ``return_children`` each item is
    ``(obj, expand(obj))``.  As PyTensor's ``walk``."""
    seen = set()
    pending = deque(nodes)
    take = pending.popleft if bfs else pending.pop
    while pending:
        node = take()
        if node in seen:
            continue
        seen.add(node)
        if return_children:
            children = expand(node)
            yield node, children
        else:
            yield node
            children = expand(node)
        if children:
            pending.extend(children)


def walk_toposort(graphs, deps):
    """Yield every object reachable from ``graphs`` through ``deps`` (a
    function giving an object's dependencies, or None), each after its
    dependencies (PyTensor's ``general_toposort`` order, which differs from
    ``toposort``'s: a queue, not depth first).

    Objects without dependencies are taken in the order a depth-first
    ``walk`` finds them, then each object as soon as its last dependency
    has been yielded.  ValueError when the graph has a cycle."""
    remaining = {}
    clients = {}
    sources = deque()
    total = 0
    cache = {}

    def cached_deps(node):
        d = cache.get(node)
        if d is None:
            d = cache[node] = deps(node) or []
        return d

    for node, children in walk(graphs, cached_deps, False, True):
        total += 1
        distinct = set()
        for child in children:
            if child not in distinct:
                distinct.add(child)
                clients.setdefault(child, []).append(node)
        remaining[node] = len(distinct)
        if not distinct:
            sources.append(node)

    # each object enters the queue once: as a source, or when its count of
    # dependencies not yet yielded reaches zero
    while sources:
        node = sources.popleft()
        total -= 1
        yield node
        for client in clients.get(node, ()):
            remaining[client] -= 1
            if remaining[client] == 0:
                sources.append(client)
    if total:
        raise ValueError("graph contains cycles")


def clone_get_equiv(inputs, outputs, copy_inputs=True, copy_orphans=True, memo=None):
    """Clone the graph from ``inputs`` to ``outputs``; return the map from every
    old variable and Apply to its copy.  Variables already in ``memo`` are used
    as given.  Leaves that are not ``inputs`` (orphans, e.g. constants) are
    cloned when ``copy_orphans``."""
    if memo is None:
        memo = {}
    # Every object cloning allocates stays alive (it is in memo): pausing the
    # cyclic GC avoids repeated full collections on large graphs.
    with gc_paused():
        _clone_into(memo, inputs, outputs, copy_inputs, copy_orphans)
    return memo


def _clone_into(memo, inputs, outputs, copy_inputs, copy_orphans):
    for v in inputs:
        if v not in memo:
            memo[v] = (_copy_plain_variable(v, v.name) if type(v) is Variable
                       else v.clone()) if copy_inputs else v
    for node in toposort(outputs, blockers=inputs):
        ins = node.inputs
        n = len(ins)
        new_inputs = [None] * n
        j = 0
        while j < n:
            v = ins[j]
            nv = memo.get(v)
            if nv is None:
                # an orphan (constant or free variable)
                nv = (_copy_plain_variable(v, v.name) if type(v) is Variable
                      else v.clone()) if copy_orphans else v
                memo[v] = nv
            new_inputs[j] = nv
            j += 1
        new_node = _make_apply(node.op, new_inputs, _clone_outputs(node.outputs), node.trace)
        memo[node] = new_node
        outs = node.outputs
        new_outs = new_node.outputs
        for j in range(len(outs)):
            # an output that is also one of ``inputs`` keeps its input's copy
            if outs[j] not in memo:
                memo[outs[j]] = new_outs[j]
    for v in outputs:
        if v not in memo:
            memo[v] = (_copy_plain_variable(v, v.name) if type(v) is Variable
                       else v.clone()) if copy_orphans else v


def clone(inputs, outputs, copy_inputs=True, copy_orphans=None, clone_inner_graphs=False):
    """Copy of the graph: returns (new_inputs, new_outputs).  ``copy_orphans``
    None: as ``copy_inputs`` (PyTensor's default).  ``clone_inner_graphs`` is
    accepted for PyTensor compatibility: no graphcore op has an inner graph."""
    if copy_orphans is None:
        copy_orphans = copy_inputs
    inputs = list(inputs)
    outputs = list(outputs)
    if _walk_lock.acquire(False):
        try:
            with gc_paused():
                return _clone_scratch(inputs, outputs, copy_inputs, copy_orphans)
        finally:
            _walk_lock.release()
    memo = clone_get_equiv(inputs, outputs, copy_inputs, copy_orphans)
    return [memo[v] for v in inputs], [memo[v] for v in outputs]


def _clone_scratch(inputs, outputs, copy_inputs, copy_orphans):
    """``clone`` without a memo of every variable: each visited node keeps
    its copy in ``_copy`` while the walk runs (the copy of output ``v`` is
    ``v.owner._copy.outputs[v.index]``); only leaves go through a dict.
    Called with ``_walk_lock`` held; every ``_copy`` is reset before it
    returns.  Same result as ``clone_get_equiv``."""
    leaves = {}
    new_inputs = []
    owned_leaf = False
    for v in inputs:
        # setdefault: one lookup; a repeated input keeps its first copy
        if copy_inputs:
            nv = _copy_plain_variable(v, v.name) if type(v) is Variable else v.clone()
        else:
            nv = v
        nv = leaves.setdefault(v, nv)
        new_inputs.append(nv)
        if v.owner is not None:
            owned_leaf = True
    order = []
    block = leaves if leaves else None
    try:
        _topo_walk(_root_nodes(outputs, block, False), order, block, None, _new_marks(), False,
                   leaves, owned_leaf, copy_orphans)
        new_outputs = []
        for v in outputs:
            new_outputs.append(_scratch_copy_of(v, leaves, owned_leaf, copy_orphans))
    finally:
        for node in order:
            node._copy = None
    return new_inputs, new_outputs


def _clone_node_scratch(node, leaves, owned_leaf, copy_orphans):
    inputs = node.inputs
    n = len(inputs)
    node_inputs = [None] * n
    i = 0
    while i < n:
        node_inputs[i] = _scratch_copy_of(inputs[i], leaves, owned_leaf, copy_orphans)
        i += 1
    node._copy = _make_apply(node.op, node_inputs, _clone_outputs(node.outputs), node.trace)


def _scratch_copy_of(v, leaves, owned_leaf, copy_orphans):
    p = v.owner
    if p is not None and p._copy is not None and not (owned_leaf and v in leaves):
        j = v.index
        return p._copy.outputs[j]
    nv = leaves.get(v)
    if nv is None:
        # an orphan (constant or free variable)
        nv = (_copy_plain_variable(v, v.name) if type(v) is Variable
              else v.clone()) if copy_orphans else v
        leaves[v] = nv
    return nv


def clone_replace(outputs, replace=None, copy_inputs=False):
    """New graphs of ``outputs`` where each key of ``replace`` (a dict or a list
    of pairs) is replaced by its value.  Nodes are re-created with their op's
    ``make_node`` where input types changed.  Returns a list, or a single
    variable if ``outputs`` was one."""
    single = not isinstance(outputs, (list, tuple))
    outs = _as_list(outputs)
    if replace is None:
        pairs = []
    elif isinstance(replace, dict):
        pairs = list(replace.items())
    else:
        pairs = list(replace)
    memo = {}
    for old, new in pairs:
        if not isinstance(old, Variable) or not isinstance(new, Variable):
            raise TypeError("clone_replace: replacements must map Variables to Variables")
        memo[old] = new
    keys = [p[0] for p in pairs]
    for node in toposort(outs, blockers=keys):
        changed = copy_inputs
        if not changed:
            for v in node.inputs:
                if v in memo:
                    changed = True
                    break
        if changed:
            new_inputs = []
            for v in node.inputs:
                new_inputs.append(memo.get(v, v))
            new_node = node.clone_with_new_inputs(new_inputs, strict=False)
            for j in range(len(node.outputs)):
                memo[node.outputs[j]] = new_node.outputs[j]
    res = [memo.get(v, v) for v in outs]
    return res[0] if single else res


def _leaf_key(v, index):
    i = index.get(v)
    if i is not None:
        return ("input", i)
    if isinstance(v, Constant):
        return ("const", v.signature())
    return ("free", id(v))


def equal_computations(xs, ys, in_xs=None, in_ys=None):
    """True when ``xs`` and ``ys`` compute the same thing: same ops in the same
    structure, ``in_xs[i]`` standing for ``in_ys[i]``, equal constants."""
    xs = _as_list(xs)
    ys = _as_list(ys)
    if len(xs) != len(ys):
        return False
    in_xs = list(in_xs) if in_xs is not None else []
    in_ys = list(in_ys) if in_ys is not None else []
    if len(in_xs) != len(in_ys):
        raise ValueError("equal_computations: in_xs and in_ys differ in length")
    mapping = {}
    for a, b in zip(in_xs, in_ys):
        if a.type != b.type:
            return False
        mapping[a] = b
    nx = toposort(xs, blockers=in_xs)
    ny = toposort(ys, blockers=in_ys)
    if len(nx) != len(ny):
        return False

    def same_var(a, b):
        m = mapping.get(a)
        if m is not None:
            return m is b
        if a is b:
            return a not in mapping_values
        if isinstance(a, Constant) and isinstance(b, Constant):
            return a.signature() == b.signature()
        return False

    mapping_values = set(mapping.values())
    for na, nb in zip(nx, ny):
        if na.op != nb.op or len(na.inputs) != len(nb.inputs) or len(na.outputs) != len(nb.outputs):
            return False
        for a, b in zip(na.inputs, nb.inputs):
            if not same_var(a, b):
                return False
        for a, b in zip(na.outputs, nb.outputs):
            if a.type != b.type:
                return False
            mapping[a] = b
            mapping_values.add(b)
    for a, b in zip(xs, ys):
        if not same_var(a, b):
            return False
    return True


def graph_hash(outputs, inputs=None):
    """Structural hash of the graph of ``outputs``: ops, structure, constants,
    and the position of each of ``inputs``.  Graphs that
    ``equal_computations`` calls equal hash equal."""
    outs = _as_list(outputs)
    ins = list(inputs) if inputs is not None else []
    index = {}
    for i, v in enumerate(ins):
        index[v] = i
    h = {}
    for node in toposort(outs, blockers=ins):
        parts = [hash(node.op)]
        for v in node.inputs:
            hv = h.get(v)
            if hv is None:
                hv = hash(_leaf_key(v, index))
                h[v] = hv
            parts.append(hv)
        base = hash(tuple(parts))
        for j in range(len(node.outputs)):
            h[node.outputs[j]] = hash((base, j))
    res = []
    for v in outs:
        hv = h.get(v)
        if hv is None:
            hv = hash(_leaf_key(v, index))
        res.append(hv)
    return hash(tuple(res))


def is_in_ancestors(node, target):
    """True when Apply ``target`` is an ancestor of (or is) Apply ``node``."""
    if node is target:
        return True
    stack = _root_vars(node.inputs, False)
    seen = set()
    v = _ancestor_walk(stack, seen, None, False, False, None, None)
    while v is not None:
        if v.owner is target:
            return True
        v = _ancestor_walk(stack, seen, None, False, False, None, v)
    return False


# ---------------------------------------------------------------------------
# Pickling and copying graphs
# ---------------------------------------------------------------------------
#
# A graph is a web of objects: a variable refers to its owner, an Apply to
# its inputs, their owners, and so on down to the leaves.  Pickled object by
# object, each with its references inside its own record, pickle (and
# copy.deepcopy) recurse once per level of the graph: a RecursionError at a
# depth of a few hundred nodes.  So Apply nodes are never pickled one by one:
#
# * The nodes pickle in blocks, each a ``_GraphTable``: the nodes in
#   topological order as flat lists (per node: op, number of inputs, then
#   each input as a leaf variable, or "k nodes back in this table, output
#   i", or "table T, position p, output i"; output classes and types;
#   traces; the names, tags and subclass attributes that are set).  Pickle
#   writes such lists iteratively, so the nesting stays constant whatever
#   the depth, and the cost is linear.  A table's record first makes every
#   node as a shell (outputs of the right class, no op or inputs yet), then
#   fills them in from its state, so the table is in pickle's memo (and its
#   shells exist when loading) before anything else of it is written:
#   anything reached from inside it (a shared variable's ``default_update``,
#   a tag, an op's inner graph) may refer back to its nodes.
#
# * A variable with an owner pickles as ``_output_of(table, position,
#   index)``, an Apply as ``_node_of(table, position)``; leaves as
#   ``_new_leaf(class, type)``/``_new_constant(class, type, data)`` with
#   their name, trace, tag and subclass attributes as state.
#
# * The tables of one pickle form a *pickling session* (one per thread),
#   which numbers every node placed in a table.  The reduction of a variable
#   or Apply whose node is not placed yet makes a new table of that node and
#   its ancestors not placed yet (an iterative walk that stops at placed
#   nodes): each node is in exactly one table, and later tables refer to
#   earlier ones.
#
# * Identity: tables, leaves and the records of variables all go through
#   pickle's memo, so within one pickle (one ``dumps``, or one ``Pickler``
#   until ``clear_memo``) every reference to a variable or node loads as the
#   same object: pickling ``[x, y, z]`` where ``z`` depends on ``y`` and ``y``
#   on the leaf ``x`` loads a ``z`` whose graph contains the loaded ``y`` and
#   ``x`` (``y``'s record makes the table of ``y``'s nodes; ``z``'s table
#   refers to it).  Subgraphs shared between several outputs stay shared.
#
# * The session lives as long as pickle's memo: every table refers to its
#   session, the memo holds the tables, the thread keeps only a weak
#   reference.  Once the pickler is gone (or its memo cleared) the next
#   reduction opens a new session.  A pickle made while another one runs
#   in the same thread (from inside the reduction of an object being
#   pickled) shares its session: where it refers to a node of a table of the
#   outer pickle, it writes that whole table in place.  Still correct, only
#   larger; but should that table hold the very object whose reduction makes
#   the inner pickle, the two would call each other without end (pickle
#   such a graph's nodes before that object, or pickle it in another thread).
#
# deepcopy does not go through these records: ``Variable.__deepcopy__`` and
# ``Apply.__deepcopy__`` copy the ancestors whose id is not yet in ``memo``
# in topological order, iteratively, with copy's ``memo`` semantics (each
# copy is recorded in ``memo``, each original kept alive by it), copying
# ops, types, tags, constants' data and subclass attributes with
# ``copy.deepcopy(..., memo)``.

_VAR_FIELDS = frozenset(("type", "owner", "index", "name", "_trace", "tag"))
_CONST_FIELDS = frozenset(("type", "owner", "index", "name", "_trace", "tag", "data"))
_APPLY_FIELDS = frozenset(("op", "inputs", "outputs", "trace", "_mark", "_copy"))


def _instance_dict(obj):
    """``obj.__dict__``, or None where it has none (compiled: without making
    the empty dict that reading ``__dict__`` would attach to the object)."""
    if _COMPILED:
        return _c_instance_dict(obj)  # noqa: F821  (defined in graph.pxd)
    return getattr(obj, "__dict__", None)


def _extra_state(obj, fields):
    """The instance attributes of ``obj`` outside ``fields`` (those a
    subclass adds) as a new dict, or None."""
    d = _instance_dict(obj)
    if not d:
        return None
    extra = None
    for k in d:
        if k not in fields:
            if extra is None:
                extra = {}
            extra[k] = d[k]
    return extra


def _var_tail(v, fields):
    """(name, _trace, tag, extra attributes) of ``v`` without trailing
    Nones, or None when all four are None."""
    extra = _extra_state(v, fields)
    if extra is not None:
        return (v.name, v._trace, v.tag, extra)
    if v.tag is not None:
        return (v.name, v._trace, v.tag)
    if v._trace is not None:
        return (v.name, v._trace)
    if v.name is not None:
        return (v.name,)
    return None


def _set_var_tail(v, st):
    n = len(st)
    v.name = st[0] if n > 0 else None
    v._trace = st[1] if n > 1 else None
    v.tag = st[2] if n > 2 else None
    if n > 3 and st[3]:
        v.__dict__.update(st[3])


def _set_variable_state(v, state):
    if state is not None:
        _set_var_tail(v, state)


class _PickleSession:
    """The Apply nodes one pickler has placed in tables so far (see above):
    ``serial`` numbers them in turn; block ``b`` holds the nodes numbered
    from ``starts[b]`` on, and ``tables[b]`` is a weak reference to its
    ``_GraphTable``.  Every table refers to its session, and pickle's memo
    holds the tables, so the session lives as long as that memo."""

    __slots__ = ("serial", "starts", "blocks", "tables", "__weakref__")

    def __init__(self):
        self.serial = {}
        self.starts = []
        self.blocks = []
        self.tables = []


_session_tls = threading.local()


def _pickle_session():
    """The thread's open pickling session, or a new one."""
    ref = getattr(_session_tls, "ref", None)
    if ref is not None:
        s = ref()
        if s is not None:
            return s
    s = _PickleSession()
    _session_tls.ref = weakref.ref(s)
    return s


class _GraphTable:
    """A block of Apply nodes in topological order, pickled as one record.

    Pickling: ``nodes`` are the original nodes, ``start`` the number of the
    first in ``session``.  The record is ``_table_shells(output classes)``,
    which makes every node with its outputs but neither op nor inputs, so
    the table is in pickle's memo before anything else of it is written;
    then, as state, the ops and inputs of the nodes (each input is a leaf
    variable, or a reference to an output of a node of this table or of an
    earlier one), output types, traces, names, tags and subclass
    attributes.  Loaded: ``nodes`` are the new nodes."""

    __slots__ = ("nodes", "start", "session", "__weakref__")

    def __reduce__(self):
        return _reduce_table(self)

    def __setstate__(self, state):
        with gc_paused():
            _fill_table(self, state)


class _Placed:
    """The blockers of the pickling walk: ``v in _Placed(placed, by_id)``
    when the owner of ``v`` (never None there) is in ``placed`` (keyed by
    the node, or by ``id(node)`` with ``by_id``)."""

    def __init__(self, placed, by_id):
        self.placed = placed
        self.by_id = by_id

    def __contains__(self, v):
        p = v.owner
        if self.by_id:
            return id(p) in self.placed
        return p in self.placed


def _nodes_to_emit(roots, placed, by_id=False):
    """The Apply nodes ``roots`` and their ancestors that are not in
    ``placed`` (keyed by the node, or by ``id(node)`` with ``by_id``, as a
    deepcopy memo is), in topological order (the sort of ``toposort``,
    stopping at placed nodes)."""
    stack = []
    for r in reversed(roots):
        if (id(r) if by_id else r) not in placed:
            stack.append(r)
    return _sorted(stack, _Placed(placed, by_id), False)


def _locate(node):
    """(table, position) of ``node`` in the thread's pickling session,
    placing it (and its ancestors not yet placed) in a new table if needed."""
    s = _pickle_session()
    serial = s.serial
    k = serial.get(node)
    if k is not None:
        return _table_of(s, k)
    order = _nodes_to_emit([node], serial)
    k = len(serial)
    s.starts.append(k)
    s.blocks.append(order)
    for n in order:
        serial[n] = k
        k += 1
    return _new_table(s, len(s.blocks) - 1), len(order) - 1  # after its ancestors


def _new_table(s, b):
    t = _GraphTable()
    t.nodes = s.blocks[b]
    t.start = s.starts[b]
    t.session = s
    r = weakref.ref(t)
    if b == len(s.tables):
        s.tables.append(r)
    else:
        s.tables[b] = r
    return t


def _table_of(s, k):
    b = bisect_right(s.starts, k) - 1
    t = s.tables[b]()
    if t is None:
        # the table was dropped without being pickled (a reduction made by
        # hand): a new one with the same nodes
        t = _new_table(s, b)
    return t, k - t.start


def _reduce_variable(v):
    node = v.owner
    if node is None:
        if isinstance(v, Constant):
            return (_new_constant, (type(v), v.type, v.data), _var_tail(v, _CONST_FIELDS))
        return (_new_leaf, (type(v), v.type), _var_tail(v, _VAR_FIELDS))
    idx = v.index
    outs = node.outputs
    t, pos = _locate(node)
    if type(idx) is int and 0 <= idx < len(outs) and outs[idx] is v:
        return (_output_of, (t, pos, idx))
    # claims an owner whose outputs do not list it (a shallow copy)
    return (_detached_output, (t, pos, idx, type(v), v.type), _var_tail(v, _VAR_FIELDS))


def _reduce_apply(node):
    t, pos = _locate(node)
    return (_node_of, (t, pos))


def _reduce_table(t):
    s = t.session
    serial = s.serial
    nodes = t.nodes
    start = t.start
    n = len(nodes)
    shape = [None] * n
    wiring = []
    types = []
    traces = [None] * n
    tails = []
    any_trace = False
    pos = 0
    while pos < n:
        node = nodes[pos]
        outs = node.outputs
        m = len(outs)
        if m == 1:
            shape[pos] = type(outs[0])
        else:
            shape[pos] = tuple([type(o) for o in outs])
        i = 0
        while i < m:
            o = outs[i]
            types.append(o.type)
            st = _var_tail(o, _VAR_FIELDS)
            if st is not None:
                tails.append(pos)
                tails.append(i)
                tails.append(st)
            i += 1
        extra = _extra_state(node, _APPLY_FIELDS)
        if extra is not None:
            tails.append(pos)
            tails.append(-1)
            tails.append(extra)
        tr = node.trace
        if tr is not None:
            traces[pos] = tr
            any_trace = True
        inputs = node.inputs
        wiring.append(node.op)
        wiring.append(len(inputs))
        for v in inputs:
            p = v.owner
            if p is None or p.outputs[v.index] is not v:
                wiring.append(v)  # a leaf (or detached): its own record
            else:
                k = serial[p]
                if k >= start:  # this table: how many nodes back, output
                    wiring.append(pos - (k - start))
                    wiring.append(v.index)
                else:  # an earlier table, position, output
                    t2, pos2 = _table_of(s, k)
                    wiring.append(t2)
                    wiring.append(pos2)
                    wiring.append(v.index)
        pos += 1
    state = (wiring, types, traces if any_trace else None, tails if tails else None)
    return (_table_shells, (tuple(shape),), state)


def _fill_table(t, state):
    wiring, types, traces, tails = state
    nodes = t.nodes
    n = len(nodes)
    w = 0
    ti = 0
    pos = 0
    while pos < n:
        node = nodes[pos]
        node.op = wiring[w]
        nin = wiring[w + 1]
        w += 2
        inputs = [None] * nin
        i = 0
        while i < nin:
            a = wiring[w]
            if type(a) is int:
                inputs[i] = nodes[pos - a].outputs[wiring[w + 1]]
                w += 2
            elif type(a) is _GraphTable:
                inputs[i] = a.nodes[wiring[w + 1]].outputs[wiring[w + 2]]
                w += 3
            else:
                inputs[i] = a
                w += 1
            i += 1
        node.inputs = inputs
        for o in node.outputs:
            o.type = types[ti]
            ti += 1
        if traces is not None:
            node.trace = traces[pos]
        pos += 1
    if tails is not None:
        m = len(tails)
        i = 0
        while i < m:
            node = nodes[tails[i]]
            j = tails[i + 1]
            if j < 0:
                node.__dict__.update(tails[i + 2])
            else:
                _set_var_tail(node.outputs[j], tails[i + 2])
            i += 3


# -- reconstructors (pickles refer to them by name) ----------------------------

def _blank_variable(cls, type_):
    v = cls.__new__(cls)
    v.type = type_
    v.owner = None
    v.index = None
    v.name = None
    v._trace = None
    v.tag = None
    return v


def _new_leaf(cls, type_):
    return _blank_variable(cls, type_)


def _new_constant(cls, type_, data):
    v = _blank_variable(cls, type_)
    v.data = data
    return v


def _table_shells(shape):
    """A loaded ``_GraphTable``: its nodes with their outputs (classes from
    ``shape``), op, inputs and types to come from its state."""
    t = _GraphTable.__new__(_GraphTable)
    with gc_paused():  # all of them stay alive
        t.nodes = _make_shells(shape)
    return t


def _make_shells(shape):
    n = len(shape)
    nodes = [None] * n
    i = 0
    while i < n:
        c = shape[i]
        if type(c) is tuple:
            m = len(c)
            outs = [None] * m
            j = 0
            while j < m:
                outs[j] = _blank_variable(c[j], None)
                j += 1
        else:
            outs = [_blank_variable(c, None)]
        nodes[i] = _make_apply(None, [], outs, None)
        i += 1
    return nodes


def _output_of(t, pos, index):
    return t.nodes[pos].outputs[index]


def _node_of(t, pos):
    return t.nodes[pos]


def _detached_output(t, pos, index, cls, type_):
    v = _blank_variable(cls, type_)
    v.owner = t.nodes[pos]
    v.index = index
    return v


# -- shallow copy ----------------------------------------------------------------

def _shallow_copy_variable(v):
    cls = type(v)
    cp = cls.__new__(cls)
    cp.type = v.type
    cp.owner = v.owner
    cp.index = v.index
    cp.name = v.name
    cp._trace = v._trace
    cp.tag = v.tag
    if isinstance(v, Constant):
        cp.data = v.data
        fields = _CONST_FIELDS
    else:
        fields = _VAR_FIELDS
    extra = _extra_state(v, fields)
    if extra is not None:
        cp.__dict__.update(extra)
    return cp


# -- deepcopy ----------------------------------------------------------------------

def _keep_alive_list(memo):
    """copy's list of the originals that ``memo`` keeps alive."""
    lst = memo.get(id(memo))
    if lst is None:
        lst = []
        memo[id(memo)] = lst
    return lst


def _deepcopy_tail(src, dst, fields, memo, deepcopy):
    dst.name = src.name
    dst._trace = src._trace  # (filename, lineno): immutable
    tag = src.tag
    dst.tag = None if tag is None else deepcopy(tag, memo)
    extra = _extra_state(src, fields)
    if extra is not None:
        dst.__dict__.update(deepcopy(extra, memo))


def _deepcopy_leaf(v, memo):
    from copy import deepcopy

    cls = type(v)
    cp = cls.__new__(cls)
    memo[id(v)] = cp
    _keep_alive_list(memo).append(v)
    cp.owner = None
    cp.index = None
    cp.type = deepcopy(v.type, memo)
    if isinstance(v, Constant):
        cp.data = deepcopy(v.data, memo)
        _deepcopy_tail(v, cp, _CONST_FIELDS, memo, deepcopy)
    else:
        _deepcopy_tail(v, cp, _VAR_FIELDS, memo, deepcopy)
    return cp


def _deepcopy_variable(v, memo):
    cp = memo.get(id(v))
    if cp is not None:
        return cp
    node = v.owner
    if node is None:
        return _deepcopy_leaf(v, memo)
    _deepcopy_nodes(node, memo)
    cp = memo.get(id(v))
    if cp is None:
        # claims an owner whose outputs do not list it (a shallow copy)
        from copy import deepcopy

        cls = type(v)
        cp = cls.__new__(cls)
        memo[id(v)] = cp
        _keep_alive_list(memo).append(v)
        cp.owner = memo[id(node)]
        cp.index = v.index
        cp.type = deepcopy(v.type, memo)
        _deepcopy_tail(v, cp, _VAR_FIELDS, memo, deepcopy)
    return cp


def _deepcopy_nodes(root, memo):
    """Copy the Apply ``root`` and its ancestors whose id is not in ``memo``
    (topological order, iteratively), recording the copy of each node and
    of each output in ``memo``."""
    if id(root) in memo:
        return
    with gc_paused():
        _deepcopy_order(_nodes_to_emit([root], memo, True), memo)


def _deepcopy_order(order, memo):
    from copy import deepcopy

    alive = _keep_alive_list(memo)
    # the copies of the last op and type seen (runs of nodes share them),
    # checked before asking deepcopy (a memo lookup, but a slower one)
    last_op = last_op_copy = last_type = last_type_copy = None
    for node in order:
        if id(node) in memo:
            continue  # copied meanwhile, by a deepcopy made from a tag or attribute
        ins = node.inputs
        n = len(ins)
        new_inputs = [None] * n
        j = 0
        while j < n:
            x = ins[j]
            nx = memo.get(id(x))
            if nx is None:
                p = x.owner
                if p is None:
                    nx = deepcopy(x, memo)
                elif p.outputs[x.index] is x:
                    nx = memo[id(p)].outputs[x.index]
                    memo[id(x)] = nx
                else:
                    nx = _deepcopy_variable(x, memo)
            new_inputs[j] = nx
            j += 1
        outs = node.outputs
        m = len(outs)
        new_outs = [None] * m
        j = 0
        while j < m:
            o = outs[j]
            if o.type is not last_type or last_type is None:
                last_type = o.type
                last_type_copy = deepcopy(last_type, memo)
            new_outs[j] = _blank_variable(type(o), last_type_copy)
            j += 1
        if node.op is not last_op or last_op is None:
            last_op = node.op
            last_op_copy = deepcopy(last_op, memo)
        new_node = _make_apply(last_op_copy, new_inputs, new_outs, node.trace)
        memo[id(node)] = new_node
        alive.append(node)
        j = 0
        while j < m:
            memo[id(outs[j])] = new_outs[j]
            alive.append(outs[j])
            j += 1
        # the rest once the node is in memo: a tag may refer back to it
        j = 0
        while j < m:
            _deepcopy_tail(outs[j], new_outs[j], _VAR_FIELDS, memo, deepcopy)
            j += 1
        extra = _extra_state(node, _APPLY_FIELDS)
        if extra is not None:
            new_node.__dict__.update(deepcopy(extra, memo))
