"""``Elemwise`` (a scalar function mapped over broadcast arrays),
``DimShuffle`` (transpose / add / drop broadcastable axes) and ``SumToShape``
(the adjoint of broadcasting)."""
import numpy as np
from tensorsmith_autodiff import disconnected, register_grad, register_jvp
from tensorsmith_graphcore import Apply, Op

from .basic import as_tensor_variable, constant, resolve_weak, retype_weak
from ._ufunc_thunk import UfuncThunk
from .scalar import ScalarOp
from .type import TensorType, tensor_type
from .variable import TensorConstant, TensorVariable

_base_impl = ScalarOp.impl


def broadcast_static_shape(shapes, what="operands"):
    """NumPy broadcasting of static shapes (entries None = unknown).  Raises
    ValueError when known lengths cannot broadcast."""
    ndim = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    out = []
    for k in range(ndim):
        known = None
        unknown = False
        for s in padded:
            d = s[k]
            if d is None:
                unknown = True
            elif d != 1:
                if known is not None and known != d:
                    shp = ", ".join(str(tuple("?" if x is None else x for x in s2)).replace("'", "") for s2 in shapes)
                    raise ValueError(
                        f"Incompatible shapes for broadcasting {what}: {shp} "
                        f"(dimension {k - ndim} has lengths {known} and {d})")
                known = d
        if known is not None:
            out.append(known)
        elif unknown:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def _numpy_accepts_weak(ufunc, inputs):
    """Whether NumPy 2 evaluates ``ufunc`` on these operands, the weak
    constants as the Python scalars they came from (tried on one element)."""
    import warnings

    args = [v.data.item() if getattr(v, "weak", False) else np.zeros(1, v.type.dtype) for v in inputs]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            ufunc(*args)
    except Exception:  # noqa: BLE001 - the usual path then reports the problem
        return False
    return True


def _widen_out_of_range_weak_ints(scalar_op, inputs):
    """Python ints (weak constants) that do not fit the integer dtype of the
    other operands, made strong constants where NumPy 2 accepts them:
    functions without integer loops take them at their float loop's dtype
    (``int8_array / 300``: float64, ``logaddexp(uint8_array, 300)``: float16),
    comparisons at a dtype holding them (int64, uint64, else float64), so that
    ``int8_array < 300`` is valid while ``int8_array + 300`` raises."""

    def weak_int(v):
        return getattr(v, "weak", False) and isinstance(v.data.item(), int) and v.type.dtype != "bool"

    if not any(weak_int(v) for v in inputs):
        return inputs
    strong = [np.dtype(v.type.dtype) for v in inputs if not getattr(v, "weak", False)]
    if not strong or any(d.kind not in "biu" for d in strong):
        return inputs
    target = np.result_type(*strong)
    if target.kind not in "iu":  # bool, or float64 from uint64 with a signed int
        return inputs
    info = np.iinfo(target)
    bad = [weak_int(v) and not info.min <= v.data.item() <= info.max for v in inputs]
    uf = scalar_op.ufunc
    if not any(bad) or uf is None or not _numpy_accepts_weak(uf, inputs):
        return inputs
    try:
        loop = uf.resolve_dtypes(tuple(type(v.data.item()) if getattr(v, "weak", False)
                                       else np.dtype(v.type.dtype) for v in inputs) + (None,) * uf.nout)
    except Exception:  # noqa: BLE001 - no loop: leave the usual path to report it
        return inputs
    out = []
    for v, b, ldt in zip(inputs, bad, loop):
        if b:
            val = v.data.item()
            if ldt.kind in "fc":  # a float loop (true_divide, arctan2, ...): the int is a float there
                dt = ldt
            elif np.iinfo("int64").min <= val <= np.iinfo("int64").max:
                dt = "int64"
            elif 0 <= val <= np.iinfo("uint64").max:
                dt = "uint64"
            else:
                dt = "float64"
            with np.errstate(all="ignore"):
                v = constant(np.asarray(val, dtype=dt))
        out.append(v)
    return out


def _weak_resolution_is_fixed(types, wmask):
    """Whether the dtypes ``resolve_weak`` gives the weak float constants
    (bits of ``wmask``) depend on nothing else than ``types``: so when a
    strong operand is a float or complex (else ``config.floatX`` decides), or
    when there is no strong operand (nothing changes)."""
    if not wmask:
        return True
    strong = False
    for k, t in enumerate(types):
        if not wmask >> k & 1:
            strong = True
            if t.numpy_dtype.kind in "fc":
                return True
    return not strong


class Elemwise(Op):
    """Apply ``scalar_op`` elementwise with NumPy broadcasting."""

    __props__ = ("scalar_op",)

    def __init__(self, scalar_op, name=None):
        self.scalar_op = scalar_op
        self.name = name

    # the last (input types, weak mask) -> (output types, retype) seen, and
    # all of them: see make_node
    _last = None
    _type_cache = None

    def __getstate__(self):
        d = self.__dict__.copy()
        d.pop("_type_cache", None)
        d.pop("_last", None)
        return d

    def make_node(self, *inputs):
        so = self.scalar_op
        n = len(inputs)
        nin = so.nin
        if nin != n and (nin != -1 or n == 0):
            if nin != -1:
                raise TypeError(f"{self} takes {nin} inputs, got {n}")
            raise TypeError(f"{self} needs at least one input")
        # The output types (and the dtypes given to Python-scalar constants)
        # depend only on the input types and on which inputs are such "weak"
        # constants (a bit mask): remembered per op, the last entry apart (a
        # chain of one op meets the same types again and again; compared by
        # identity first, and types are shared: see ``tensor_type``).  Weak
        # constants other than floats depend on their values (integer
        # ranges): those take the long way every time.
        ins = list(inputs)
        types = []
        wmask = 0
        cacheable = True
        for k in range(n):
            v = ins[k]
            tv = type(v)
            if tv is TensorVariable:
                types.append(v.type)
                continue
            if tv is not TensorConstant:
                v = ins[k] = as_tensor_variable(v)
            t = v.type
            types.append(t)
            if isinstance(v, TensorConstant) and v.weak:
                wmask |= 1 << k
                if t.numpy_dtype.kind != "f":
                    cacheable = False
        types = tuple(types)
        if cacheable:
            hit = self._last
            if hit is None or hit[1] != wmask or hit[0] != types:
                cache = self._type_cache
                hit = None if cache is None else cache.get((types, wmask))
                if hit is not None:
                    self._last = hit
            if hit is not None:
                retype = hit[3]
                if retype is not None:
                    for k in range(n):
                        dt = retype[k]
                        if dt is not None:
                            ins[k] = retype_weak(ins[k], dt)
                out_types = hit[2]
                if len(out_types) == 1:
                    return Apply(self, ins, [TensorVariable(out_types[0], None, None, None)])
                return Apply(self, ins, [TensorVariable(t, None, None, None) for t in out_types])
        res = _widen_out_of_range_weak_ints(so, ins)
        res = resolve_weak(res)
        out_dtypes = so.output_dtypes([i.type.dtype for i in res])
        shape = broadcast_static_shape([i.type.shape for i in res], f"in {self}")
        out_types = tuple(tensor_type(d, shape) for d in out_dtypes)
        if (cacheable and _weak_resolution_is_fixed(types, wmask)
                and all(type(t) is TensorType for t in types)
                and all(t.variable_type is TensorVariable for t in out_types)):
            retype = None
            for k in range(n):
                if res[k] is not ins[k]:
                    if retype is None:
                        retype = [None] * n
                    retype[k] = res[k].type.dtype
            entry = (types, wmask, out_types, None if retype is None else tuple(retype))
            cache = self._type_cache
            if cache is None or len(cache) >= 1024:
                cache = self._type_cache = {}
            cache[(types, wmask)] = entry
            self._last = entry
        return Apply(self, res, [t.make_variable() for t in out_types])

    def perform(self, node, inputs, output_storage):
        res = self.scalar_op.impl(*inputs)
        if len(output_storage) == 1:
            res = (res,)
        for cell, r, out in zip(output_storage, res, node.outputs):
            dt = out.type.numpy_dtype
            if isinstance(r, np.ndarray) and r.dtype == dt:
                cell[0] = r
            else:
                cell[0] = np.asarray(r, dtype=dt)

    def _fresh_outputs(self):
        """True when this op's thunk always returns newly allocated arrays
        (the ufunc fast path), which later nodes may then overwrite."""
        so = self.scalar_op
        return so.ufunc is not None and type(so).impl is _base_impl and so.nin in (1, 2)

    def make_py_thunk(self, node, input_cells, output_cells, dying=()):
        """A thunk (``UfuncThunk``, compiled where Cython ran) equivalent to
        ``perform`` for single-output ufunc-backed scalar ops of one or two
        inputs (the common case), without the generic argument packing.  An input that is ``dying`` (read by no later node)
        and was freshly allocated by another such Elemwise gives its buffer to
        the output when dtype and shape allow (no temporary array)."""
        uf = self.__dict__.get("_thunk_ufunc", False)
        if uf is False:
            # once per op: the ufunc its thunks call, or None (no fast path)
            so = self.scalar_op
            uf = so.ufunc
            if uf is not None and (type(so).impl is not _base_impl or uf.nin > 2 or uf.nout != 1):
                uf = None
            self.__dict__["_thunk_ufunc"] = uf
        if uf is None or len(output_cells) != 1 or len(input_cells) != uf.nin:
            return None
        out_type = node.outputs[0].type
        dt = out_type.numpy_dtype
        reuse = -1
        for i in dying:
            v = node.inputs[i]
            owner_op = v.owner.op
            if (isinstance(owner_op, Elemwise) and owner_op._fresh_outputs()
                    and v.type.dtype == out_type.dtype
                    and len(v.type.shape) == len(out_type.shape)):
                reuse = i
                break
        return UfuncThunk(node, uf, dt, input_cells, output_cells, reuse)

    def infer_shape(self, fgraph, node, input_shapes):
        from .shape import broadcast_shape_symbolic

        return [broadcast_shape_symbolic(input_shapes, [i.type.shape for i in node.inputs])] * len(node.outputs)

    def short_name(self):
        return self.name or str(self.scalar_op)

    def __str__(self):
        return self.name or str(self.scalar_op)


def _broadcast_unknown(x, inputs):
    """True when ``x`` may have been broadcast against the other ``inputs``
    along an axis whose length is not known statically (NumPy broadcasting
    decides at run time, and so must the gradient)."""
    xshape = x.type.shape
    if None not in xshape:
        return False
    nx = len(xshape)
    for other in inputs:
        if other is x:
            continue
        oshape = other.type.shape
        no = len(oshape)
        # shapes aligned on the right; missing leading axes are length 1
        for k in range(1, min(nx, no) + 1):
            if xshape[-k] is None and oshape[-k] != 1:
                return True
    return False


_lazy = {}


def _math():
    """The ``math`` module (it imports this one), once imported."""
    m = _lazy.get("math")
    if m is None:
        from . import math as m

        _lazy["math"] = m
    return m


def _fit_grad(g, x, inputs=()):
    """``g`` summed to the shape of ``x`` and cast to its dtype."""
    gt, xt = g.type, x.type
    if len(inputs) > 1 and _broadcast_unknown(x, inputs):
        g = SumToShape()(g, x)
    elif gt is xt:  # (shared types) nothing to sum or cast
        return g
    elif gt.shape != xt.shape:
        g = sum_to_shape(g, x)
    if g.type.dtype != xt.dtype:
        g = _math().cast(g, xt.dtype)
    return g


@register_grad(Elemwise)
def _elemwise_grad(op, node, inputs, output_grads, needed=None):
    """The scalar op's ``grad``, each input's gradient summed back to its
    shape and cast to its dtype.  ``needed`` (from the reverse pass: which
    inputs get a gradient) lets the scalar op skip the others, and skips
    their fitting; they get ``disconnected``."""
    so = op.scalar_op
    if not so.differentiable:
        return [disconnected] * len(inputs)
    outs = node.outputs
    if needed is not None and getattr(so, "grad_takes_needed", False):
        gs = so.grad(list(inputs), list(outs), list(output_grads), needed=list(needed))
    else:
        gs = so.grad(list(inputs), list(outs), list(output_grads))
    if gs is None:
        from tensorsmith_autodiff import grad_not_implemented

        return [grad_not_implemented(op, i, x) for i, x in enumerate(inputs)]
    res = []
    for k, (x, g) in enumerate(zip(inputs, gs)):
        if g is None or not x.type.differentiable or (needed is not None and not needed[k]):
            res.append(disconnected)
        elif not hasattr(g, "type"):  # a marker from autodiff
            res.append(g)
        else:
            res.append(_fit_grad(g, x, inputs))
    return res


@register_jvp(Elemwise)
def _elemwise_jvp(op, node, inputs, tangents):
    so = op.scalar_op
    if not so.differentiable:
        return [None] * len(node.outputs)
    m = _math()
    add, cast, mul = m.add, m.cast, m.mul

    jvp = getattr(so, "jvp", None)
    if jvp is not None:
        res = jvp(list(inputs), list(node.outputs), list(tangents))
    else:
        # linearize through the reverse rule with a ones seed per input:
        # J t = sum_i (d out / d x_i) * t_i elementwise
        if len(node.outputs) != 1:
            return None
        out = node.outputs[0]
        from .basic import ones_like

        terms = []
        for i, (x, t) in enumerate(zip(inputs, tangents)):
            if t is None:
                continue
            gs = so.grad(list(inputs), [out], [ones_like(out)])
            gi = gs[i]
            if gi is None or not hasattr(gi, "type"):
                return None
            terms.append(mul(gi, t))
        res = [add(*terms) if len(terms) > 1 else (terms[0] if terms else None)]
    out_res = []
    for o, r in zip(node.outputs, res):
        if r is None:
            out_res.append(None)
        else:
            r = as_tensor_variable(r)
            if r.type.dtype != o.type.dtype:
                r = cast(r, o.type.dtype)
            out_res.append(r)
    return out_res


# ---------------------------------------------------------------------------
# DimShuffle
# ---------------------------------------------------------------------------


class DimShuffle(Op):
    """Reorder, add (``'x'``) and drop (length-1) axes: ``new_order`` lists,
    for each output axis, the input axis it takes or ``'x'``."""

    __props__ = ("input_ndim", "new_order")

    def __init__(self, input_ndim, new_order):
        self.input_ndim = int(input_ndim)
        self.new_order = tuple(new_order)
        used = [a for a in self.new_order if a != "x"]
        for a in used:
            if not isinstance(a, (int, np.integer)) or not 0 <= a < self.input_ndim:
                raise ValueError(
                    f"DimShuffle: {a!r} in {self.new_order} is not an axis of a {self.input_ndim}-d input")
        if len(set(used)) != len(used):
            raise ValueError(f"DimShuffle: repeated axis in {self.new_order}")
        self.drop = tuple(a for a in range(self.input_ndim) if a not in used)
        self.shuffle = tuple(used)
        self.augment = tuple(i for i, a in enumerate(self.new_order) if a == "x")

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.ndim != self.input_ndim:
            raise TypeError(f"{self} expects a {self.input_ndim}-d input, got {x.type}")
        for a in self.drop:
            if x.type.shape[a] != 1:
                raise ValueError(
                    f"DimShuffle {self.new_order}: cannot drop axis {a} of {x.type}: it is not known to have length 1")
        shape = tuple(1 if a == "x" else x.type.shape[a] for a in self.new_order)
        return Apply(self, [x], [tensor_type(x.type.dtype, shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        x = inputs[0]
        res = np.transpose(x, self.shuffle + self.drop)
        shp = [x.shape[a] for a in self.shuffle]
        for i in self.augment:
            shp.insert(i, 1)
        output_storage[0][0] = np.reshape(res, shp)

    def infer_shape(self, fgraph, node, input_shapes):
        s = input_shapes[0]
        return [tuple(1 if a == "x" else s[a] for a in self.new_order)]

    def __str__(self):
        if self.shuffle == tuple(range(self.input_ndim))[::-1] and not self.augment and not self.drop:
            return "Transpose"
        return f"DimShuffle{{{','.join(str(a) for a in self.new_order)}}}"


@register_grad(DimShuffle)
def _dimshuffle_grad(op, node, inputs, output_grads):
    (x,) = inputs
    (gz,) = output_grads
    # undo: drop the added axes, put the kept axes back, re-add dropped ones
    grad_order = ["x"] * op.input_ndim
    kept = [i for i, a in enumerate(op.new_order) if a != "x"]
    for j, i in enumerate(kept):
        grad_order[op.new_order[i]] = j
    g = gz
    if op.augment:
        g = DimShuffle(gz.type.ndim, [i for i in range(gz.type.ndim) if i not in op.augment])(
            _squeezable(gz, op.augment))
    g = DimShuffle(g.type.ndim, grad_order)(g)
    return [g]


def _squeezable(g, axes):
    """``g`` re-typed so ``axes`` have static length 1 (they do at run time)."""
    if all(g.type.shape[a] == 1 for a in axes):
        return g
    from .shape import specify_shape

    shape = tuple(1 if i in axes else s for i, s in enumerate(g.type.shape))
    return specify_shape(g, shape)


@register_jvp(DimShuffle)
def _dimshuffle_jvp(op, node, inputs, tangents):
    return [None if tangents[0] is None else op(tangents[0])]


# ---------------------------------------------------------------------------
# SumToShape: the adjoint of broadcasting
# ---------------------------------------------------------------------------


class SumToShape(Op):
    """``sum_to_shape(g, x)``: ``g`` summed over the axes along which ``x`` was
    broadcast to ``g``'s shape (leading axes, and axes where ``x`` has length
    1), decided at run time from ``x``'s shape.  ``x`` is used for its shape only."""

    def make_node(self, g, x):
        g = as_tensor_variable(g)
        x = as_tensor_variable(x)
        if x.type.ndim > g.type.ndim:
            raise ValueError(f"sum_to_shape: target {x.type} has more dimensions than {g.type}")
        return Apply(self, [g, x], [tensor_type(g.type.dtype, x.type.shape).make_variable()])

    def perform(self, node, inputs, output_storage):
        g, x = inputs
        output_storage[0][0] = _sum_to(np.asarray(g), np.shape(x))

    def connection_pattern(self, node):
        return [[True], [False]]

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[1]]


def _sum_to(g, shape):
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != tuple(shape):
        raise ValueError(f"sum_to_shape: cannot reduce shape {g.shape} to {tuple(shape)}")
    return g


def sum_to_shape(g, x):
    """``g`` reduced to the shape of ``x`` (the gradient of broadcasting)."""
    gs, xs = g.type.shape, x.type.shape
    if gs == xs:
        return g
    lead = g.type.ndim - x.type.ndim
    if all(s is not None for s in xs) and all(s is not None for s in gs[lead:]):
        from .reduction import sum as _sum

        axes = list(range(lead)) + [lead + i for i, s in enumerate(xs) if s == 1 and gs[lead + i] != 1]
        if axes:
            r = _sum(g, axis=axes, keepdims=True)
            if lead:
                r = DimShuffle(r.type.ndim, list(range(lead, r.type.ndim)))(r)
            return r
        if lead == 0:
            return g
    return SumToShape()(g, x)


@register_grad(SumToShape)
def _sum_to_shape_grad(op, node, inputs, output_grads):
    g, x = inputs
    return [_math().second(g, output_grads[0]), disconnected]


@register_jvp(SumToShape)
def _sum_to_shape_jvp(op, node, inputs, tangents):
    return [None if tangents[0] is None else op(tangents[0], inputs[1])]
