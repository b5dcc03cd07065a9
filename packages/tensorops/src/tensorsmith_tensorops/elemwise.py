"""``Elemwise``: a scalar function (``scalar.py``) mapped over arrays with
NumPy broadcasting, its output dtypes resolved as NumPy 2 does (Python
scalars adapt to the other operands), and ``broadcast_static_shape``.

Its gradient rules are in ``elemwise_grad.py`` and its ``infer_shape`` is
set by ``shape.py`` (symbolic broadcasting), the floors whose ops they build."""
import numpy as np
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

    def short_name(self):
        return self.name or str(self.scalar_op)

    def __str__(self):
        return self.name or str(self.scalar_op)
