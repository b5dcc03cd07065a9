"""Fused elementwise work: ``Composite``, a scalar function made of a graph of
scalar functions (what elementwise fusion puts in one ``Elemwise`` node), and
``FusedReduce``, a reduction of an elementwise function of its inputs
(``sum(exp(x - m))`` as one op).

The inner graph of a ``Composite``
----------------------------------
Values are numbered: ``0 .. nin-1`` are the inputs, the next
``len(constants)`` are the constants (NumPy arrays, usually 0-d), then each
inner node appends its outputs (``op.nout`` of them), in order.  ``nodes`` is
the inner graph in topological order, a tuple of ``(scalar_op, input value
indices)``; ``outputs`` the value indices of the results.  So the value that
node ``j`` produces first is ``nin + len(constants) + sum(nout of the nodes
before j)`` (``node_value(j)``; with single-output inner ops, as fusion makes
them, simply ``nin + len(constants) + j``).  ``value_dtypes(in_dtypes)``
gives the dtype of every value for given input dtypes.  This is all a backend
needs to render the composite as one loop body.

The inner dtypes are those the unfused graph had: each inner node's result is
of ``op.output_dtypes(...)`` of its inputs' dtypes, exactly as ``Elemwise``
resolves them (constants keep the dtype they had as graph constants), and
``impl`` casts a result to that dtype when NumPy gives another.

``impl(*arrays)`` evaluates the inner graph on NumPy arrays in order, each
inner op by its ufunc or ``impl``, and drops each intermediate as soon as the
last node reading it has run; an intermediate that dies in a ufunc call of
its own dtype and shape lends its buffer to that call's result (``out=``),
so a long chain needs a few temporaries, not one per node.  Nothing
recurses: construction, hashing, naming and evaluation are loops (inner
graphs of 10^4 nodes and more).

Equality and hash come from the structure (ops, wiring, constants with their
dtypes), computed once.  ``str``: ``Composite{exp(-sqr(i0))*sin(3.0*i0)}``,
cut short for large graphs.  Pickles as its four fields.

Neither op has a gradient: fusion runs after differentiation; asking for one
raises ``NotImplementedError`` saying so."""
import importlib

import numpy as np
from tensorsmith_autodiff import register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from .basic import as_tensor_variable
from .elemwise import _base_impl, broadcast_static_shape
from .reduction import CAReduce
from .shape import broadcast_shape_symbolic
from .type import tensor_type

# the module (the package's name ``scalar`` is a function of the ``pt`` namespace)
ps = importlib.import_module("tensorsmith_tensorops.scalar")

__all__ = []  # internal ops: not in the ``pt`` namespace

#: below this many elements an intermediate is not worth reusing (as
#: ``_ufunc_thunk.REUSE_MIN_SIZE``)
REUSE_MIN_SIZE = 8192

#: the longest ``str`` of a composite, in characters (longer: cut with "...")
NAME_LIMIT = 120

# infix spellings of the arithmetic inner ops in names
_INFIX = {ps.Add: "+", ps.Sub: "-", ps.Mul: "*", ps.TrueDiv: "/", ps.Pow: "**"}


def _const_key(a):
    return (a.dtype.str, a.shape, a.tobytes())


_DT_NAMES = {}
_NP_DTYPES = {}


def _dt_name(dt):
    """``dt.name`` (slow in NumPy), remembered per dtype."""
    n = _DT_NAMES.get(dt)
    if n is None:
        n = _DT_NAMES[dt] = dt.name
    return n


def _np_dtype(name):
    d = _NP_DTYPES.get(name)
    if d is None:
        d = _NP_DTYPES[name] = np.dtype(name)
    return d


def _fresh_ufunc(op):
    """The ufunc whose call is ``op.impl`` and always returns a new array
    (NumPy ufunc, base ``impl``, one or two inputs, one output), else None."""
    uf = op.ufunc
    if uf is None or type(op).impl is not _base_impl or op.nin not in (1, 2):
        return None
    if getattr(uf, "nout", 1) != 1 or getattr(uf, "nin", op.nin) != op.nin:
        return None
    return uf


def _frozen_constant(c):
    a = np.asarray(c)
    if a.dtype.kind in "OSUV":
        raise TypeError(f"Composite: a constant of dtype {a.dtype} is not a number")
    if a.flags.writeable:
        a = a.copy()
        a.flags.writeable = False
    return a


class Composite(ps.ScalarOp):
    """A scalar function given by an inner graph of scalar functions.

    ``Composite(nin, nodes, outputs, constants=())``: see the module
    docstring for the numbering of values.  Nodes whose results no output
    needs are dropped (so equal functions compare equal).  Usually built by
    ``CompositeBuilder`` (or by the fusion pass)."""

    ufunc = None
    commutative = False
    associative = False
    # a rule is registered that raises: fused ops have no gradient
    differentiable = True
    holomorphic = False

    def __init__(self, nin, nodes, outputs, constants=()):
        nin = int(nin)
        if nin < 0:
            raise ValueError("Composite: nin must be >= 0")
        consts = [_frozen_constant(c) for c in constants]
        nodes = [(op, tuple(int(i) for i in ins)) for op, ins in nodes]
        outputs = tuple(int(o) for o in outputs)
        if not outputs:
            raise ValueError("Composite: at least one output is needed")
        # check the wiring (each node reads earlier values only)
        nv = nin + len(consts)
        for j, (op, ins) in enumerate(nodes):
            if not isinstance(op, ps.ScalarOp):
                raise TypeError(f"Composite: inner node {j} has {op!r}, not a ScalarOp")
            if op.nin != -1 and op.nin != len(ins) or op.nin == -1 and not ins:
                raise TypeError(f"Composite: inner node {j} ({op}) takes {op.nin} inputs, got {len(ins)}")
            for i in ins:
                if not 0 <= i < nv:
                    raise ValueError(f"Composite: inner node {j} ({op}) reads value {i}, which is not "
                                     "an input, a constant or the result of an earlier node")
            nv += op.nout
        for o in outputs:
            if not 0 <= o < nv:
                raise ValueError(f"Composite: output value {o} does not exist ({nv} values)")
        self._set(nin, consts, nodes, outputs)

    @classmethod
    def _trusted(cls, nin, consts, nodes, outputs):
        """A composite from parts known to be well formed (``CompositeBuilder``:
        frozen constant arrays, ``(op, tuple of ints)`` nodes in order)."""
        self = cls.__new__(cls)
        self._set(nin, consts, nodes, tuple(outputs))
        return self

    # -- construction ------------------------------------------------------
    def _set(self, nin, consts, nodes, outputs):
        """Keep what the outputs need, renumbered (one backward sweep, one
        forward sweep); set the fields and the structural key."""
        nc = len(consts)
        base = nin + nc
        starts = []
        nv = base
        for op, ins in nodes:
            starts.append(nv)
            nv += op.nout
        live = bytearray(nv)
        for o in outputs:
            live[o] = 1
        keep = bytearray(len(nodes))
        for j in range(len(nodes) - 1, -1, -1):
            op, ins = nodes[j]
            s = starts[j]
            for k in range(op.nout):
                if live[s + k]:
                    keep[j] = 1
                    break
            if keep[j]:
                for i in ins:
                    live[i] = 1
        if all(keep) and all(live[nin:base]):  # nothing to drop
            self._fields(nin, tuple(consts), tuple(nodes), tuple(outputs))
            return
        # renumber: inputs stay, constants used are kept (in order), nodes kept
        new_index = list(range(nin)) + [-1] * (nv - nin)
        new_consts = []
        for c in range(nc):
            if live[nin + c]:
                new_index[nin + c] = nin + len(new_consts)
                new_consts.append(consts[c])
        nxt = nin + len(new_consts)
        new_nodes = []
        for j in range(len(nodes)):
            if not keep[j]:
                continue
            op, ins = nodes[j]
            s = starts[j]
            for k in range(op.nout):
                new_index[s + k] = nxt + k
            nxt += op.nout
            new_nodes.append((op, tuple([new_index[i] for i in ins])))
        self._fields(nin, tuple(new_consts), tuple(new_nodes), tuple(new_index[o] for o in outputs))

    def _fields(self, nin, consts, nodes, outputs):
        self.nin = nin
        self.constants = consts
        self.nodes = nodes
        self.outputs = outputs
        self.nout = len(outputs)
        self._key = (nin, tuple(_const_key(c) for c in self.constants), self.nodes, self.outputs)
        self._hash = hash((Composite, self._key))
        self._name = None
        self._exec = None
        self._plans = {}

    @property
    def inner_graph(self):
        """The inner nodes in topological order: ``(scalar_op, input value
        indices)`` (see the module docstring for the numbering)."""
        return self.nodes

    def node_value(self, j):
        """The index of the first value inner node ``j`` produces."""
        v = self.nin + len(self.constants)
        for op, _ in self.nodes[:j]:
            v += op.nout
        return v

    @property
    def n_values(self):
        return self.nin + len(self.constants) + sum(op.nout for op, _ in self.nodes)

    # -- identity ----------------------------------------------------------
    def __eq__(self, other):
        if self is other:
            return True
        return type(other) is Composite and self._hash == other._hash and self._key == other._key

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return self._hash

    def __reduce__(self):
        return (Composite, (self.nin, self.nodes, self.outputs, self.constants))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    # -- dtypes ------------------------------------------------------------
    def value_dtypes(self, in_dtypes):
        """The dtype name of every value (inputs, constants, node results)
        when the inputs have dtypes ``in_dtypes``."""
        return list(self._plan(tuple(in_dtypes))[0])

    def _plan(self, in_dtypes):
        plan = self._plans.get(in_dtypes)
        if plan is not None:
            return plan
        if len(in_dtypes) != self.nin:
            raise TypeError(f"{self.name} takes {self.nin} inputs, got {len(in_dtypes)}")
        dts = [_dt_name(_np_dtype(d)) for d in in_dtypes]
        dts.extend([_dt_name(c.dtype) for c in self.constants])
        for op, ins in self.nodes:
            if len(ins) == 1:
                dts.extend(op.output_dtypes([dts[ins[0]]]))
            else:
                dts.extend(op.output_dtypes([dts[i] for i in ins]))
        np_dts = [_np_dtype(d) for d in dts]
        plan = (tuple(dts), np_dts)
        if len(self._plans) > 64:
            self._plans.clear()
        self._plans[in_dtypes] = plan
        return plan

    def _output_dtypes(self, in_dtypes):
        dts = self._plan(tuple(in_dtypes))[0]
        return [dts[o] for o in self.outputs]

    # -- evaluation --------------------------------------------------------
    def _executable(self):
        """Per node: (op, input indices, first result index, fast ufunc or
        None, values to drop after it, reusable dying inputs); computed once."""
        ex = self._exec
        if ex is not None:
            return ex
        nin, nc = self.nin, len(self.constants)
        base = nin + nc
        nodes = self.nodes
        nv = self.n_values
        last = [-1] * nv
        fresh = bytearray(nv)  # made by a ufunc call that returns a new array
        aliased = bytearray(nv)  # read by an op that may return a view of it
        starts = []
        v = base
        for j, (op, ins) in enumerate(nodes):
            starts.append(v)
            uf = _fresh_ufunc(op)
            for i in ins:
                last[i] = j
                if uf is None:
                    aliased[i] = 1
            if uf is not None:
                fresh[v] = 1
            v += op.nout
        is_out = bytearray(nv)
        for o in self.outputs:
            is_out[o] = 1
        steps = []
        for j, (op, ins) in enumerate(nodes):
            drop = []
            reuse = []
            seen = set()
            for i in ins:
                if i in seen:
                    continue
                seen.add(i)
                if i >= base and last[i] == j and not is_out[i]:
                    drop.append(i)
                    if fresh[i] and not aliased[i]:
                        reuse.append(i)
            steps.append((op, ins, starts[j], _fresh_ufunc(op), tuple(drop), tuple(reuse)))
        self._exec = ex = tuple(steps)
        return ex

    def impl(self, *args):
        nin = self.nin
        if len(args) != nin:
            raise TypeError(f"{self.name} takes {nin} inputs, got {len(args)}")
        vals = []
        for a in args:
            if not isinstance(a, (np.ndarray, np.generic)):
                a = np.asarray(a)
            vals.append(a)
        plan = self._plan(tuple([_dt_name(a.dtype) for a in vals]))
        dts = plan[1]
        vals.extend(self.constants)
        vals.extend([None] * (self.n_values - len(vals)))
        ndarray = np.ndarray
        for op, ins, out, uf, drop, reuse in self._executable():
            if uf is not None:
                dt = dts[out]
                a = vals[ins[0]]
                r = None
                if len(ins) == 1:
                    if reuse and type(a) is ndarray and a.dtype == dt and _writable_big(a):
                        r = uf(a, out=a)
                    else:
                        r = uf(a)
                else:
                    b = vals[ins[1]]
                    if reuse:
                        if (ins[0] in reuse and type(a) is ndarray and a.dtype == dt and _writable_big(a)
                                and _fits_into(b, a)):
                            r = uf(a, b, out=a)
                        elif (ins[1] in reuse and type(b) is ndarray and b.dtype == dt and _writable_big(b)
                              and _fits_into(a, b)):
                            r = uf(a, b, out=b)
                    if r is None:
                        r = uf(a, b)
                if r.dtype != dt:
                    r = np.asarray(r, dtype=dt)
                vals[out] = r
            else:
                r = op.impl(*[vals[i] for i in ins])
                if op.nout == 1:
                    vals[out] = _as_dtype(r, dts[out])
                else:
                    for k in range(op.nout):
                        vals[out + k] = _as_dtype(r[k], dts[out + k])
            for i in drop:
                vals[i] = None
        res = []
        base = nin + len(self.constants)
        seen = set()
        for o in self.outputs:
            r = vals[o]
            dt = dts[o]
            if o < base or o in seen:  # an input or constant, or twice: a copy of its own
                r = np.array(r, dtype=dt, copy=True)
            elif type(r) is not ndarray or r.dtype != dt:
                r = np.asarray(r, dtype=dt)
            seen.add(o)
            res.append(r)
        if len(res) == 1:
            return res[0]
        return tuple(res)

    # -- names -------------------------------------------------------------
    @property
    def name(self):
        n = self._name
        if n is None:
            n = self._name = "Composite{" + self.expression(NAME_LIMIT) + "}"
        return n

    def expression(self, limit=None):
        """The outputs written as expressions of ``i0, i1, ...`` (at most
        about ``limit`` characters, then ``...``), comma-separated."""
        nin, nc = self.nin, len(self.constants)
        base = nin + nc
        producer = {}
        v = base
        for op, ins in self.nodes:
            for k in range(op.nout):
                producer[v + k] = (op, ins, k)
            v += op.nout
        parts = []
        n = 0
        # the stack holds strings to emit and value indices to expand
        stack = []
        for k in range(len(self.outputs) - 1, -1, -1):
            stack.append(self.outputs[k])
            if k:
                stack.append(", ")
        while stack:
            if limit is not None and n > limit:
                parts.append("...")
                break
            item = stack.pop()
            if type(item) is str:
                parts.append(item)
                n += len(item)
                continue
            if item < nin:
                s = f"i{item}"
            elif item < base:
                c = self.constants[item - nin]
                s = str(c.item()) if c.size == 1 else f"c{item - nin}"
            else:
                s = None
            if s is not None:
                parts.append(s)
                n += len(s)
                continue
            op, ins, k = producer[item]
            sym = _INFIX.get(type(op))
            tokens = []
            if sym is not None and len(ins) >= 2:
                for m, i in enumerate(ins):
                    if m:
                        tokens.append(sym)
                    tokens.extend(_wrapped(i, producer))
            elif isinstance(op, ps.Neg):
                tokens.append("-")
                tokens.extend(_wrapped(ins[0], producer))
            else:
                nm = op.name
                if op.nout > 1:
                    nm = f"{nm}[{k}]"
                tokens.append(nm + "(")
                for m, i in enumerate(ins):
                    if m:
                        tokens.append(", ")
                    tokens.append(i)
                tokens.append(")")
            for t in reversed(tokens):
                stack.append(t)
        return "".join(parts)

    def __str__(self):
        return self.name

    __repr__ = __str__


def _wrapped(i, producer):
    """Tokens of value ``i`` as an operand of an infix operator: in
    parentheses when an infix operator or a negation makes it."""
    p = producer.get(i)
    if p is not None and (type(p[0]) in _INFIX and len(p[1]) >= 2 or isinstance(p[0], ps.Neg)):
        return ["(", i, ")"]
    return [i]


def _writable_big(a):
    return a.size >= REUSE_MIN_SIZE and a.base is None and a.flags.writeable


def _fits_into(other, a):
    """``other`` broadcasts against ``a`` without changing ``a``'s shape."""
    shp = np.shape(other)
    if shp == a.shape:
        return True
    if len(shp) > a.ndim:
        return False
    ash = a.shape[a.ndim - len(shp):]
    for s, t in zip(shp, ash):
        if s != 1 and s != t:
            return False
    return True


def _as_dtype(r, dt):
    if (type(r) is np.ndarray or isinstance(r, np.generic)) and r.dtype == dt:
        return r
    return np.asarray(r, dtype=dt)


class CompositeBuilder:
    """Builds a ``Composite`` step by step::

        b = CompositeBuilder()
        x, y = b.input(), b.input()
        t = b.apply(exp_op, b.apply(mul_op, x, b.constant(np.float64(2))))
        comp = b.build([t, y_plus_t])

    ``input()`` and ``constant(value)`` give value handles (equal constants,
    same dtype and bytes, give the same handle), ``apply(op, *handles)`` a
    handle per result (a tuple when ``op.nout > 1``), ``inline(composite,
    handles)`` the handles of another composite's outputs computed here."""

    def __init__(self):
        self.nin = 0
        self._consts = []
        self._const_index = {}
        self._nodes = []  # (op, input handles)
        self._nv = 0  # node results so far

    # handles are ints: node results k >= 0 (in order), input k -> -1 - 2k,
    # constant k -> -2 - 2k
    def input(self):
        self.nin += 1
        return -1 - 2 * (self.nin - 1)

    def constant(self, value):
        a = np.asarray(value)
        key = _const_key(a)
        h = self._const_index.get(key)
        if h is None:
            h = self._const_index[key] = -2 - 2 * len(self._consts)
            self._consts.append(_frozen_constant(a))
        return h

    def apply(self, op, *handles):
        if op.nin != -1 and op.nin != len(handles) or op.nin == -1 and not handles:
            raise TypeError(f"apply: {op} takes {op.nin} inputs, got {len(handles)}")
        nv = self._nv
        for h in handles:
            if type(h) is not int or h >= nv:
                raise ValueError(f"apply: {h!r} is not a value of this builder")
        self._nodes.append((op, handles))
        self._nv = nv + op.nout
        if op.nout == 1:
            return nv
        return tuple(range(nv, nv + op.nout))

    @property
    def n_results(self):
        """The number of node results so far."""
        return self._nv

    def inline(self, comp, handles):
        """Add ``comp``'s inner nodes reading ``handles`` for its inputs;
        returns the handles of its outputs."""
        if len(handles) != comp.nin:
            raise TypeError(f"inline: {comp.name} takes {comp.nin} inputs, got {len(handles)}")
        loc = list(handles)
        for c in comp.constants:
            loc.append(self.constant(c))
        for op, ins in comp.nodes:
            r = self.apply(op, *[loc[i] for i in ins])
            if op.nout == 1:
                loc.append(r)
            else:
                loc.extend(r)
        return [loc[o] for o in comp.outputs]

    def build(self, outputs):
        """The ``Composite`` computing the values ``outputs`` (handles)."""
        nin = self.nin
        base = nin + len(self._consts)
        nodes = []
        for op, hs in self._nodes:
            nodes.append((op, tuple([h + base if h >= 0 else (-1 - h) >> 1 if h & 1 else nin + ((-2 - h) >> 1)
                                     for h in hs])))
        outs = []
        for h in outputs:
            if type(h) is not int or h >= self._nv:
                raise ValueError(f"build: {h!r} is not a value of this builder")
            outs.append(h + base if h >= 0 else (-1 - h) >> 1 if h & 1 else nin + ((-2 - h) >> 1))
        return Composite._trusted(nin, list(self._consts), nodes, outs)


def _no_grad(op, node, inputs, output_grads, needed=None):
    raise NotImplementedError(
        f"{op} has no gradient: fused ops are made by the rewrites that run when a function is "
        "compiled, after differentiation; take the gradient of the unfused graph")


def _no_jvp(op, node, inputs, tangents):
    _no_grad(op, node, inputs, None)


register_grad(Composite, _no_grad)
register_jvp(Composite, _no_jvp)


# ---------------------------------------------------------------------------
# FusedReduce
# ---------------------------------------------------------------------------

#: elements of the elementwise intermediate computed at a time by FusedReduce
BLOCK_SIZE = 1 << 18

_COMBINE = {ps.Add: np.add, ps.Mul: np.multiply, ps.Maximum: np.maximum, ps.Minimum: np.minimum,
            ps.AND: np.logical_and, ps.OR: np.logical_or}


class FusedReduce(Op):
    """``reduce_op(Elemwise(scalar_op)(*inputs))`` as one op: ``reduce_op`` is
    a ``CAReduce`` (``Sum``, ``Prod``, ``Max``, ``Min``, ...), ``scalar_op``
    a single-output scalar function (often a ``Composite``).  The output is
    what the two nodes give (the elementwise result in its own dtype, reduced
    in the reduction's dtype).

    ``perform`` computes the elementwise intermediate in blocks of about
    ``BLOCK_SIZE`` elements, reducing each block as it comes, so the whole
    intermediate never exists at once: blocks are cut along a kept axis
    where there is one (each result element is then reduced exactly as the
    unfused graph does), else along a reduced axis (partial results are then
    combined; sums and products may round differently from one NumPy
    reduction over the whole array)."""

    __props__ = ("scalar_op", "reduce_op")

    def __init__(self, scalar_op, reduce_op):
        if not isinstance(scalar_op, ps.ScalarOp) or scalar_op.nout != 1:
            raise TypeError(f"FusedReduce: a single-output ScalarOp is needed, got {scalar_op!r}")
        if not isinstance(reduce_op, CAReduce) or type(reduce_op.scalar_op) not in _COMBINE:
            raise TypeError(f"FusedReduce: a CAReduce by add, mul, maximum, minimum, and or or is "
                            f"needed, got {reduce_op!r}")
        self.scalar_op = scalar_op
        self.reduce_op = reduce_op

    def elem_dtype(self, in_dtypes):
        return self.scalar_op.output_dtypes(list(in_dtypes))[0]

    def make_node(self, *inputs):
        so = self.scalar_op
        if so.nin != -1 and len(inputs) != so.nin or not inputs:
            raise TypeError(f"{self} takes {so.nin} inputs, got {len(inputs)}")
        ins = [as_tensor_variable(x) for x in inputs]
        edt = self.elem_dtype([x.type.dtype for x in ins])
        shape = broadcast_static_shape([x.type.shape for x in ins], lambda: f"in {self}")
        axis = self.reduce_op.axis
        for a in axis:
            if not 0 <= a < len(shape):
                raise ValueError(f"{self}: axis {a} out of range for {len(shape)} dimensions")
        out_shape = tuple(s for i, s in enumerate(shape) if i not in axis)
        out_t = tensor_type(self.reduce_op.output_dtype(edt), out_shape)
        return Apply(self, ins, [out_t.make_variable()])

    def infer_shape(self, fgraph, node, input_shapes):
        shp = broadcast_shape_symbolic(input_shapes, [i.type.shape for i in node.inputs])
        axis = self.reduce_op.axis
        return [tuple(s for i, s in enumerate(shp) if i not in axis)]

    def _reduce(self, x, out_dt):
        so = self.reduce_op.scalar_op
        axis = self.reduce_op.axis
        if not axis:
            return x
        if isinstance(so, (ps.Maximum, ps.Minimum)):
            if x.size == 0 and any(x.shape[a] == 0 for a in axis):
                raise ValueError(f"{self.reduce_op}: zero-size array along a reduced axis (shape {x.shape}) "
                                 "has no identity")
            return so.ufunc.reduce(x, axis=axis)
        if isinstance(so, (ps.AND, ps.OR)):
            return (np.all if isinstance(so, ps.AND) else np.any)(x, axis=axis)
        return so.ufunc.reduce(x, axis=axis, dtype=out_dt)

    def _elemwise(self, args, edt, shape):
        r = self.scalar_op.impl(*args)
        if type(r) is not np.ndarray or r.dtype != edt:
            r = np.asarray(r, dtype=edt)
        if r.shape != shape:
            r = np.broadcast_to(r, shape)
        return r

    def perform(self, node, inputs, output_storage):
        out_dt = node.outputs[0].type.numpy_dtype
        edt = np.dtype(self.elem_dtype([i.type.dtype for i in node.inputs]))
        args = [a if isinstance(a, np.ndarray) else np.asarray(a) for a in inputs]
        shape = np.broadcast_shapes(*[a.shape for a in args])
        ndim = len(shape)
        axis = self.reduce_op.axis
        size = 1
        for s in shape:
            size *= s
        split = -1
        if size > BLOCK_SIZE:
            for k in range(ndim):  # a kept axis first: exact per result element
                if k not in axis and shape[k] > 1:
                    split = k
                    break
            if split < 0:
                for k in range(ndim):
                    if shape[k] > 1:
                        split = k
                        break
        if split < 0:
            r = self._reduce(self._elemwise(args, edt, shape), out_dt)
            output_storage[0][0] = np.asarray(r, dtype=out_dt)
            return
        n = shape[split]
        step = max(1, BLOCK_SIZE // (size // n))
        kept = split not in axis
        out_shape = tuple(s for i, s in enumerate(shape) if i not in axis)
        out_axis = split - sum(1 for a in axis if a < split)
        result = np.empty(out_shape, dtype=out_dt) if kept else None
        combine = _COMBINE[type(self.reduce_op.scalar_op)]
        for start in range(0, n, step):
            stop = min(n, start + step)
            chunk = []
            for a in args:
                ax = split - (ndim - a.ndim)
                if ax < 0 or a.shape[ax] == 1:
                    chunk.append(a)
                else:
                    chunk.append(a[(slice(None),) * ax + (slice(start, stop),)])
            cshape = shape[:split] + (stop - start,) + shape[split + 1:]
            part = self._reduce(self._elemwise(chunk, edt, cshape), out_dt)
            if kept:
                result[(slice(None),) * out_axis + (slice(start, stop),)] = part
            elif result is None:
                result = np.asarray(part, dtype=out_dt)
            else:
                result = np.asarray(combine(result, part), dtype=out_dt)
        output_storage[0][0] = np.asarray(result, dtype=out_dt)

    def __str__(self):
        return f"FusedReduce{{{self.reduce_op}, {self.scalar_op}}}"

    __repr__ = __str__


register_grad(FusedReduce, _no_grad)
register_jvp(FusedReduce, _no_jvp)
