"""The shape feature: the symbolic shape of every tensor variable of a
``FunctionGraph``, for the rewrites that fold ``x.shape[i]``-style
computations (``shape_rules.py``) and for any other pass.

``shape_of(fgraph, var)`` is the shape of ``var`` as a tuple of int64
scalar variables, one per axis:

* a constant where the length is known when the graph is built (the static
  shape of the variable, or of what it is computed from);
* ``Shape_i(k)(v)`` of a graph input ``v`` (an existing such node of the
  graph when there is one), or of a variable whose op has no shape function;
* otherwise the result of the op's shape function over the shapes of the
  node's inputs: a function registered here by op class
  (``register_shape_fn``; ``Elemwise``, ``DimShuffle``, reductions, ``Reshape``
  and ``RavelMultiIndex`` have one) or the op's own
  ``infer_shape(fgraph, node, input_shapes)``.  So ``exp(x).shape[0]`` is
  ``Shape_i(0)(x)`` and ``(x + y).shape[0]`` is ``x.shape[0]`` when ``y``'s
  first axis has static length 1.  Elementwise broadcasting of two axes of
  unknown length is decided at run time (a length-1 axis gives way), so the
  shape there is ``switch(eq(a, 1), b, a)``.

The feature (``ShapeFeature``) is attached to the graph the first time a
pass asks (``shape_feature(fgraph)``) and computes shapes on demand: an
iterative walk from the variable towards the inputs that stops at variables
whose shape is known already, so each variable's shape is computed once and
the work is linear in the part of the graph asked about.  The graph's other
edits cost the feature nothing (it has no callbacks to run).

A shape may refer to variables of the graph other than its inputs (the
length arguments of an ``Alloc``, an intermediate whose op has no shape
function): those are the shape's *anchors*.  When a rewrite removes an
anchor from the graph, the shapes that refer to it are computed afresh
when next asked for, so a shape never brings a removed computation back."""
import numpy as np
from tensorsmith_graphcore import Constant, Variable
from tensorsmith_graphcore.fg import Feature
from tensorsmith_tensorops.basic import constant
from tensorsmith_tensorops.elemwise import Elemwise
from tensorsmith_tensorops.math import (
    add, cast, eq, floor_div, maximum, minimum, mul, sub, switch,
)
from tensorsmith_tensorops.reduction import CAReduce
from tensorsmith_tensorops.shape import DimShuffle, MakeIntVector, Reshape, Shape, Shape_i
from tensorsmith_tensorops.subtensor import RavelMultiIndex, Subtensor
from tensorsmith_tensorops.type import TensorType

__all__ = ["ShapeFeature", "shape_feature", "shape_of", "inferred_shape", "shape_entries",
           "same_dim", "static_dim", "register_shape_fn"]

_EMPTY = frozenset()
# above this many anchors a shape gives up (the variable is its own anchor):
# keeps the sets small whatever the graph
_MAX_ANCHORS = 16
# the most nodes a shape function may build (or reach outside the graph)
_MAX_NEW_NODES = 256

_SHAPE_FNS = {}
_fn_cache = {}


def register_shape_fn(op_class, fn=None, pure=True):
    """Register ``fn(feature, fgraph, node, input_shapes)`` as the shape
    function of the nodes whose op is an instance of ``op_class`` (its
    subclasses included, unless they have their own).  It returns one tuple
    of int64 scalars (or ints) per output, or None when it cannot tell.
    ``pure``: it builds nodes over the input shapes only (no other variable
    of the graph); otherwise the variables of the graph its result refers to
    are found by a walk of the new expressions.  Usable as a decorator."""
    def deco(f):
        _SHAPE_FNS[op_class] = (f, pure)
        _fn_cache.clear()
        return f

    return deco if fn is None else deco(fn)


def _shape_fn_for(op):
    """(fn, pure): the registered function for ``op`` (pure: it only uses the
    input shapes), or the op's ``infer_shape`` (not pure), or (None, False)."""
    cls = type(op)
    hit = _fn_cache.get(cls)
    if hit is None:
        hit = (None, False)
        for c in cls.__mro__:
            f = _SHAPE_FNS.get(c)
            if f is not None:
                hit = f
                break
        else:
            if getattr(cls, "infer_shape", None) is not None:
                hit = (_call_infer_shape, False)
        _fn_cache[cls] = hit
    return hit


def _call_infer_shape(feature, fgraph, node, input_shapes):
    return node.op.infer_shape(fgraph, node, input_shapes)


def static_dim(v):
    """The int a scalar shape variable is known to hold (a constant), else None."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, Constant):
        d = v.data
        if getattr(d, "ndim", 0) == 0:
            try:
                return int(d)
            except (TypeError, ValueError):
                return None
    return None


class _Entry:
    __slots__ = ("shape", "anchors")

    def __init__(self, shape, anchors):
        self.shape = shape
        self.anchors = anchors


class ShapeFeature(Feature):
    """Symbolic shapes of the variables of a graph, computed on demand (see
    the module's docstring).  ``get_shape(fgraph, var)`` is ``shape_of``."""

    def __init__(self):
        self.entries = {}
        self._consts = {}
        self._statics = {}
        self._inputs = _EMPTY
        self._n_inputs = -1

    # -- Feature protocol ----------------------------------------------------
    def on_attach(self, fgraph):
        other = fgraph.__dict__.get("shape_feature")
        if other is not None and other is not self:
            raise ValueError("this graph has a ShapeFeature already")
        fgraph.shape_feature = self

    def on_detach(self, fgraph):
        if fgraph.__dict__.get("shape_feature") is self:
            del fgraph.shape_feature
        self.entries = {}

    def __reduce__(self):
        # shapes are a cache: a copy starts empty
        return (ShapeFeature, ())

    # -- helpers ---------------------------------------------------------------
    def const(self, n):
        """The int64 constant ``n`` (one object per value)."""
        n = int(n)
        c = self._consts.get(n)
        if c is None:
            c = self._consts[n] = constant(np.int64(n))
        return c

    def _graph_inputs(self, fgraph):
        if len(fgraph.inputs) != self._n_inputs:
            self._inputs = frozenset(fgraph.inputs)
            self._n_inputs = len(fgraph.inputs)
        return self._inputs

    def _valid(self, fgraph, e):
        if e.anchors:
            variables = fgraph.variables
            for a in e.anchors:
                if a not in variables:
                    return False
        return True

    def _leaf(self, fgraph, var):
        """The shape of ``var`` read from ``var`` itself: constants where its
        static shape knows the length, ``Shape_i`` nodes elsewhere."""
        t = var.type
        if isinstance(var, Constant):
            return _Entry(tuple(self.const(s) for s in np.shape(var.data)), _EMPTY)
        static = t.shape
        dims = [None] * len(static)
        missing = False
        for k, s in enumerate(static):
            if s is not None:
                dims[k] = self.const(s)
            else:
                missing = True
        if not missing:
            return _Entry(tuple(dims), _EMPTY)
        clients = fgraph.clients.get(var)
        if clients:
            for c, _ in clients:
                op = getattr(c, "op", None)
                if type(op) is Shape_i and dims[op.i] is None:
                    dims[op.i] = c.outputs[0]
        for k in range(len(dims)):
            if dims[k] is None:
                dims[k] = Shape_i(k)(var)
        if var.owner is None and var in self._graph_inputs(fgraph):
            anchors = _EMPTY
        else:
            anchors = frozenset((var,))
        return _Entry(tuple(dims), anchors)

    def _as_dim(self, d):
        """A shape function's length as an int64 scalar variable (None: not one)."""
        if isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)):
            return self.const(d)
        if not isinstance(d, Variable) or not isinstance(d.type, TensorType) or d.type.ndim != 0:
            return None
        if d.type.dtype[:3] not in ("int", "uin"):
            return None
        if isinstance(d, Constant):
            return self.const(d.data)
        if d.type.dtype != "int64":
            return cast(d, "int64")
        return d

    def _direct_anchors(self, fgraph, dims, known):
        """The graph variables (other than its inputs) the new expressions
        ``dims`` refer to, not through the input shapes ``known`` (ids);
        None when the expressions are too large to look at."""
        variables = fgraph.variables
        inputs = self._graph_inputs(fgraph)
        found = set()
        seen = set()
        stack = list(dims)
        budget = _MAX_NEW_NODES
        while stack:
            v = stack.pop()
            if id(v) in known or id(v) in seen or isinstance(v, Constant):
                continue
            seen.add(id(v))
            if v in variables:
                if v not in inputs:
                    found.add(v)
                continue
            node = v.owner
            if node is None:
                found.add(v)  # not in the graph: the entry is remade when asked again
                continue
            budget -= 1
            if budget < 0:
                return None
            stack.extend(node.inputs)
        return found

    def _compute(self, fgraph, node):
        """The entries of the outputs of ``node`` (the entries of its inputs
        and of its other dependencies are known)."""
        entries = self.entries
        outs = node.outputs
        fn, pure = _shape_fn_for(node.op)
        res = None
        if fn is not None:
            in_shapes = []
            anchors = _EMPTY
            for v in node.inputs:
                if isinstance(v.type, TensorType):
                    e = entries[v]
                    in_shapes.append(e.shape)
                    if e.anchors:
                        anchors = e.anchors if not anchors else anchors | e.anchors
                else:
                    in_shapes.append(None)
            known = None
            if not pure:
                known = set()
                for shp in in_shapes:
                    if shp is not None:
                        for d in shp:
                            known.add(id(d))
                for v in _extra_deps(node):
                    e = entries[v]
                    for d in e.shape:
                        known.add(id(d))
                    if e.anchors:
                        anchors = e.anchors if not anchors else anchors | e.anchors
            try:
                res = fn(self, fgraph, node, in_shapes)
            except Exception:
                res = None
            if res is not None:
                res = self._check_result(fgraph, node, res, known, anchors)
        if res is None:
            for o in outs:
                if isinstance(o.type, TensorType):
                    entries[o] = self._leaf(fgraph, o)
            return
        for o, e in zip(outs, res):
            if e is not None:
                entries[o] = e

    def _check_result(self, fgraph, node, res, known, anchors):
        """The shape function's result as entries (None: unusable)."""
        outs = node.outputs
        if len(res) != len(outs):
            return None
        new = []
        shapes = []
        for o, shp in zip(outs, res):
            if not isinstance(o.type, TensorType):
                shapes.append(None)
                continue
            if shp is None or len(shp) != o.type.ndim:
                return None
            static = o.type.shape
            dims = []
            for k, d in enumerate(shp):
                if static[k] is not None:
                    dims.append(self.const(static[k]))
                    continue
                d = self._as_dim(d)
                if d is None:
                    return None
                dims.append(d)
                if not isinstance(d, Constant):
                    new.append(d)
            shapes.append(tuple(dims))
        if known is not None and new:
            found = self._direct_anchors(fgraph, new, known)
            if found is None:
                return None
            if found:
                anchors = anchors | found
        if len(anchors) > _MAX_ANCHORS:
            return None
        return [None if s is None else _Entry(s, anchors) for s in shapes]

    # -- the query -------------------------------------------------------------
    def get_shape(self, fgraph, var):
        """The shape of ``var`` (a tuple of int64 scalar variables)."""
        entries = self.entries
        e = entries.get(var)
        if e is not None and (not e.anchors or self._valid(fgraph, e)):
            return e.shape
        if not isinstance(var.type, TensorType):
            raise TypeError(f"shape_of: {var} is not a tensor (type {var.type})")
        valid = self._valid
        done = set()  # ids of the nodes and leaves this walk has computed
        expanded = set()  # ids of the nodes whose dependencies were pushed
        stack = [var]
        while stack:
            v = stack[-1]
            node = v.owner
            if node is None:
                stack.pop()
                if id(v) not in done:
                    e = entries.get(v)
                    if e is None or (e.anchors and not valid(fgraph, e)):
                        entries[v] = self._leaf(fgraph, v)
                    done.add(id(v))
                continue
            nid = id(node)
            if nid in expanded:
                # its dependencies were computed above it on the stack
                stack.pop()
                if nid not in done:
                    if not self._elemwise_fast(node):
                        self._compute(fgraph, node)
                    done.add(nid)
                continue
            e = entries.get(v)
            if e is not None and (not e.anchors or valid(fgraph, e)):
                stack.pop()
                continue
            expanded.add(nid)
            deps = node.inputs
            if type(node.op) is Reshape:
                extra = _extra_deps(node)
                if extra:
                    deps = list(deps) + extra
            for i in deps:
                ie = entries.get(i)
                if ie is not None and (not ie.anchors or valid(fgraph, ie)):
                    continue
                t = i.type
                if not isinstance(t, TensorType):
                    continue
                st = t.shape
                if None not in st:
                    entries[i] = self._static_entry(st)
                    continue
                stack.append(i)
        return entries[var].shape

    def _static_entry(self, static):
        """The entry of a variable of fully known static shape (shared)."""
        e = self._statics.get(static)
        if e is None:
            e = self._statics[static] = _Entry(tuple(self.const(n) for n in static), _EMPTY)
        return e

    def _elemwise_fast(self, node):
        """An elementwise node whose inputs are of the output's static shape
        with one shape between them, or of static lengths 1 only (a scalar
        constant): its outputs share that input's entry."""
        if type(node.op) is not Elemwise:
            return False
        entries = self.entries
        ost = node.outputs[0].type.shape
        shared = None
        for i in node.inputs:
            st = i.type.shape
            if st == ost:
                e = entries[i]
                if shared is None:
                    shared = e
                elif e is not shared:
                    return False
                continue
            for n in st:
                if n != 1:
                    return False
        if shared is None:
            return False
        for o in node.outputs:
            entries[o] = shared
        return True


def _extra_deps(node):
    """Variables other than its inputs whose shapes a node's shape function
    reads: ``reshape(x, z.shape)`` reads ``z``'s."""
    if type(node.op) is Reshape:
        src = node.inputs[1].owner
        if src is not None and isinstance(src.op, Shape):
            return [src.inputs[0]]
    return ()


def shape_feature(fgraph):
    """The ``ShapeFeature`` of ``fgraph`` (attached on the first call)."""
    f = fgraph.__dict__.get("shape_feature")
    if f is None:
        f = ShapeFeature()
        fgraph.attach_feature(f)
    return f


def shape_of(fgraph, var):
    """The symbolic shape of ``var`` in ``fgraph``: a tuple of int64 scalar
    variables, constants where the length is known (see the module)."""
    f = fgraph.__dict__.get("shape_feature")
    if f is None:
        f = shape_feature(fgraph)
    return f.get_shape(fgraph, var)


def inferred_shape(fgraph, var):
    """``shape_of(fgraph, var)`` when it is not read from ``var`` itself (its
    op has a shape function that worked), else None: what a rewrite that
    replaces ``var`` may use."""
    f = shape_feature(fgraph)
    shp = f.get_shape(fgraph, var)
    if var in f.entries[var].anchors:
        return None
    return shp


def _canon_dim(fgraph, d):
    """``d`` with the shape lookups it is made of resolved: ``Shape_i(k)(y)``
    and ``Shape(y)[k]`` become ``shape_of(y)[k]``."""
    for _ in range(4):
        node = d.owner
        if node is None:
            return d
        op = node.op
        if type(op) is Shape_i:
            y = node.inputs[0]
            if y.owner is not None and y not in fgraph.variables:
                return d
            nd = shape_of(fgraph, y)[op.i]
            if nd is d or (nd.owner is not None and nd.owner.op == op and nd.owner.inputs[0] is y):
                return nd
            d = nd
            continue
        if type(op) is Subtensor and len(node.inputs) == 1:
            idx = op.idx_list
            src = node.inputs[0].owner
            if (src is None or len(idx) != 1 or idx[0][0] != "i"
                    or not isinstance(idx[0][1], (int, np.integer))):
                return d
            k = int(idx[0][1])
            if isinstance(src.op, Shape):
                y = src.inputs[0]
                nd = y.type.ndim
                if -nd <= k < nd and (y.owner is None or y in fgraph.variables):
                    d = shape_of(fgraph, y)[k % nd]
                    continue
            elif isinstance(src.op, MakeIntVector):
                n = len(src.inputs)
                if -n <= k < n:
                    d = src.inputs[k % n]
                    continue
            return d
        return d
    return d


def same_dim(fgraph, a, b, resolve=True):
    """True when the int scalars ``a`` and ``b`` (lengths) are provably
    equal: the same variable or equal constants once the shape lookups
    (``Shape_i``, ``x.shape[k]``) are resolved (with ``resolve``), or the
    same op over the same inputs.  False means unknown, not different."""
    if a is b:
        return True
    sa, sb = static_dim(a), static_dim(b)
    if sa is not None and sb is not None:
        return sa == sb
    if resolve:
        a = _canon_dim(fgraph, a)
        b = _canon_dim(fgraph, b)
    if a is b:
        return True
    sa, sb = static_dim(a), static_dim(b)
    if sa is not None or sb is not None:
        return sa == sb and sa is not None
    na, nb = a.owner, b.owner
    if na is None or nb is None or na.op != nb.op or len(na.inputs) != len(nb.inputs):
        return False
    if len(na.outputs) != 1 or a.type != b.type:
        return False
    for u, w in zip(na.inputs, nb.inputs):
        if u is w:
            continue
        su, sw = static_dim(u), static_dim(w)
        if su is None or su != sw:
            return False
    return True


def shape_entries(fgraph, vec):
    """The entries of an integer shape vector (a constant, a vector of
    scalars or ``x.shape``) as int64 scalar variables, or None when they are
    not known one by one."""
    if isinstance(vec, Constant):
        d = np.asarray(vec.data)
        if d.ndim != 1:
            return None
        f = shape_feature(fgraph)
        return [f.const(v) for v in d]
    node = vec.owner
    if node is None:
        return None
    if isinstance(node.op, MakeIntVector):
        return list(node.inputs)
    if isinstance(node.op, Shape):
        return list(shape_of(fgraph, node.inputs[0]))
    return None


# ---------------------------------------------------------------------------
# Shape functions by op class
# ---------------------------------------------------------------------------


@register_shape_fn(Elemwise)
def _elemwise_shape(feature, fgraph, node, in_shapes):
    """Broadcasting: per axis, the inputs whose static length there is not 1
    decide; one of them (or several that are the same variable) gives the
    length, several of unknown length give ``switch(eq(a, 1), b, a)``
    (a length-1 axis gives way at run time)."""
    if len(node.inputs) == 1:
        return [in_shapes[0]] * len(node.outputs)
    return _broadcast_dims(feature, fgraph, node.outputs, node.inputs, in_shapes)


def _broadcast_dims(feature, fgraph, outputs, inputs, in_shapes):
    out = outputs[0]
    nd = out.type.ndim
    static = out.type.shape
    dims = []
    for k in range(nd):
        if static[k] is not None:
            dims.append(feature.const(static[k]))
            continue
        cands = []
        for inp, shp in zip(inputs, in_shapes):
            j = k - (nd - inp.type.ndim)
            if j < 0 or inp.type.shape[j] == 1:
                continue
            d = shp[j]
            if not any(d is c for c in cands):
                cands.append(d)
        if not cands:
            dims.append(feature.const(1))
            continue
        res = cands[0]
        for c in cands[1:]:
            if same_dim(fgraph, res, c, resolve=False):
                continue
            res = switch(eq(res, 1), c, res)
        dims.append(res)
    dims = tuple(dims)
    return [dims] * len(outputs)


@register_shape_fn(DimShuffle)
def _dimshuffle_shape(feature, fgraph, node, in_shapes):
    s = in_shapes[0]
    one = feature.const(1)
    return [tuple(one if a == "x" else s[a] for a in node.op.new_order)]


@register_shape_fn(CAReduce)
def _careduce_shape(feature, fgraph, node, in_shapes):
    axes = node.op.axis
    return [tuple(d for i, d in enumerate(in_shapes[0]) if i not in axes)]


@register_shape_fn(Shape)
def _shape_shape(feature, fgraph, node, in_shapes):
    return [(feature.const(len(in_shapes[0])),)]


@register_shape_fn(Shape_i)
def _shape_i_shape(feature, fgraph, node, in_shapes):
    return [()]


@register_shape_fn(MakeIntVector)
def _make_vector_shape(feature, fgraph, node, in_shapes):
    return [(feature.const(len(node.inputs)),)]


def _nonnegative(d):
    """Whether the int scalar ``d`` is known to be >= 0: a constant >= 0,
    ``Shape_i(k)(y)`` or ``y.shape[k]``."""
    s = static_dim(d)
    if s is not None:
        return s >= 0
    node = d.owner
    if node is None:
        return False
    if type(node.op) is Shape_i:
        return True
    if type(node.op) is Subtensor and len(node.inputs) == 1:
        src = node.inputs[0].owner
        idx = node.op.idx_list
        return (src is not None and isinstance(src.op, Shape) and len(idx) == 1
                and idx[0][0] == "i" and idx[0][1] != "$")
    return False


@register_shape_fn(Reshape, pure=False)
def _reshape_shape(feature, fgraph, node, in_shapes):
    """The new shape's entries (an entry that may be -1 at run time takes
    the size of the input over the product of the others there)."""
    shp = node.inputs[1]
    entries = shape_entries(fgraph, shp)
    nd = node.op.ndim
    if entries is None:
        # a symbolic vector: its entries, any of which may be -1
        entries = [shp[k] for k in range(nd)]
        if shp.type.dtype != "int64":
            entries = [cast(e, "int64") for e in entries]
    if len(entries) != nd:
        return None
    src = shp.owner
    if src is not None and isinstance(src.op, Shape):
        unsure = []  # lengths of a variable
    else:
        unsure = [k for k, e in enumerate(entries) if not _nonnegative(e)]
    if not unsure:
        return [tuple(entries)]
    total = feature.const(1)
    for d in in_shapes[0]:
        total = d if static_dim(total) == 1 else (total if static_dim(d) == 1 else mul(total, d))
    dims = list(entries)
    for k in unsure:
        e = entries[k]
        rest = feature.const(1)
        for j, o in enumerate(entries):
            if j != k and static_dim(o) != 1:
                rest = o if static_dim(rest) == 1 else mul(rest, o)
        solved = floor_div(total, rest)
        if static_dim(e) == -1:
            dims[k] = solved
        else:
            dims[k] = switch(eq(e, -1), solved, e)
    return [tuple(dims)]


@register_shape_fn(RavelMultiIndex)
def _ravel_multi_index_shape(feature, fgraph, node, in_shapes):
    """The broadcast shape of the index arrays (all inputs but the last)."""
    return _broadcast_dims(feature, fgraph, node.outputs, node.inputs[:-1], in_shapes[:-1])



def _const_slice_length(feature, n, start, stop, step):
    """The length of ``slice(start, stop, step)`` (ints or None, step > 0)
    over an axis of length ``n`` (an int64 scalar)."""
    c = 1 if step is None else step
    sn = static_dim(n)
    if sn is not None:
        return feature.const(len(range(*slice(start, stop, step).indices(sn))))
    zero = feature.const(0)
    if stop is None:
        hi = n
    elif stop >= 0:
        hi = minimum(feature.const(stop), n)
    else:
        hi = maximum(add(n, feature.const(stop)), zero)
    if start is None or start == 0:
        span = hi
    elif start > 0:
        span = sub(hi, feature.const(start))
    else:
        span = sub(hi, maximum(add(n, feature.const(start)), zero))
    if c != 1:
        span = floor_div(add(span, feature.const(c - 1)), feature.const(c))
    if span is n:
        return n
    return maximum(span, zero)


@register_shape_fn(Subtensor, pure=False)
def _subtensor_shape(feature, fgraph, node, in_shapes):
    """Basic indexing with constant slices: short length expressions; the
    op's ``infer_shape`` otherwise."""
    xs = in_shapes[0]
    out = []
    pos = 0
    for e in node.op.idx_list:
        kind = e[0]
        if kind == "n":
            out.append(feature.const(1))
        elif kind == "i":
            if e[1] == "$":
                return node.op.infer_shape(fgraph, node, in_shapes)
            pos += 1
        else:
            a, b, c = e[1:]
            if "$" in (a, b, c) or (c is not None and c <= 0):
                return node.op.infer_shape(fgraph, node, in_shapes)
            out.append(_const_slice_length(feature, xs[pos], a, b, c))
            pos += 1
    out.extend(xs[pos:])
    return [tuple(out)]
