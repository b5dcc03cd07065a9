"""``Elemwise``: a scalar function (``scalar.py``) mapped over arrays with
NumPy broadcasting, its output dtypes resolved as NumPy 2 does (Python
scalars adapt to the other operands), and ``broadcast_static_shape``.

Its gradient rules are in ``elemwise_grad.py`` and its ``infer_shape`` is
set by ``shape.py`` (symbolic broadcasting), the floors whose ops they build.

In-place variants (``Elemwise(op, inplace_pattern={out: in})``) write output
``out`` into the buffer of input ``in`` (``destroy_map``); only the rewriter's
destroy handler (``tensorsmith_rewriter.destroy``) decides where that is
safe.  The outputs of an ``Elemwise`` never alias its inputs otherwise
(``view_map = {}``)."""
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
    ValueError when known lengths cannot broadcast.  ``what`` names the
    operands in that message: a string, or a callable giving it (formatted
    only when the error is raised: naming a large fused op is costly)."""
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
                    if callable(what):
                        what = what()
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


class _Pattern(dict):
    """An in-place pattern ``{output index: input index}``: a dict that
    cannot change once made, hashable (equal patterns, equal hashes)."""

    __slots__ = ("_hash",)

    def __init__(self, items=()):
        dict.__init__(self, items)
        self._hash = hash(tuple(sorted(self.items())))

    def __hash__(self):
        return self._hash

    def _readonly(self, *args, **kwargs):
        raise TypeError("an in-place pattern cannot be changed")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly

    def __reduce__(self):
        return (_Pattern, (dict(self),))


_NO_PATTERN = _Pattern()


def _check_pattern(pattern):
    if not pattern:
        return _NO_PATTERN
    if isinstance(pattern, _Pattern):
        return pattern
    items = []
    for o, i in dict(pattern).items():
        if isinstance(i, (list, tuple)):
            if len(i) != 1:
                raise ValueError(f"inplace_pattern: output {o} can overwrite one input, got {i!r}")
            i = i[0]
        if not (isinstance(o, (int, np.integer)) and isinstance(i, (int, np.integer))) \
                or o < 0 or i < 0:
            raise TypeError(f"inplace_pattern maps output indices to input indices, got {o!r}: {i!r}")
        items.append((int(o), int(i)))
    ins = [i for _, i in items]
    if len(set(ins)) != len(ins):
        raise ValueError(f"inplace_pattern: two outputs overwrite the same input ({dict(items)})")
    return _Pattern(items)


class Elemwise(Op):
    """Apply ``scalar_op`` elementwise with NumPy broadcasting.

    ``inplace_pattern={out: in}``: output ``out`` is written into the buffer
    of input ``in`` (``destroy_map = {out: [in]}``), which must have the
    output's dtype and number of dimensions; where at run time that buffer
    cannot hold the result (its shape is not the broadcast shape, it is
    read-only, it is not an array), a new array is made instead.  Such ops
    are put in graphs by the rewriter's ``inplace`` stage, which checks that
    the input is no input of the function, shared value, constant, nor a
    value that something else still reads."""

    __props__ = ("scalar_op", "inplace_pattern")
    #: the outputs never share memory with the inputs, other than the
    #: buffers ``destroy_map`` names (``perform`` copies a result that would)
    view_map = {}
    # unpickled ops of earlier versions lack these attributes
    inplace_pattern = _NO_PATTERN
    destroy_map = {}

    def __init__(self, scalar_op, name=None, inplace_pattern=None):
        self.scalar_op = scalar_op
        self.name = name
        self.inplace_pattern = p = _check_pattern(inplace_pattern)
        if p:
            nout = getattr(scalar_op, "nout", 1)
            for o in p:
                if o >= nout:
                    raise ValueError(f"inplace_pattern: {scalar_op} has {nout} output(s), "
                                     f"no output {o}")
            self.destroy_map = {o: [i] for o, i in p.items()}

    def inplace_variant(self, pattern):
        """This op with ``inplace_pattern=pattern`` (one instance per pattern)."""
        cache = self.__dict__.get("_variants")
        if cache is None:
            cache = self.__dict__["_variants"] = {}
        try:
            key = tuple(sorted(pattern.items()))
            op = cache.get(key)
        except TypeError:  # e.g. {0: [1]}: the checked pattern is the key
            key = None
            op = None
        if op is None:
            p = _check_pattern(pattern)
            op = cache.get(p)
            if op is None:
                if p == self.inplace_pattern:
                    op = self
                else:
                    op = Elemwise(self.scalar_op, name=self.name, inplace_pattern=p)
                cache[p] = op
            if key is not None:
                cache[key] = op
        return op

    def non_inplace(self):
        """This op without in-place pattern."""
        if not self.inplace_pattern:
            return self
        return Elemwise(self.scalar_op, name=self.name)

    # the last (input types, weak mask) -> (output types, retype) seen, and
    # all of them: see make_node
    _last = None
    _type_cache = None

    def __getstate__(self):
        d = self.__dict__.copy()
        d.pop("_type_cache", None)
        d.pop("_last", None)
        d.pop("_variants", None)
        d.pop("_thunk_ufunc", None)
        d.pop("_hash", None)
        d.pop("_str", None)
        d.pop("_str_name", None)
        return d

    def __hash__(self):
        # the props (scalar op, in-place pattern) are set once in __init__:
        # the hash is computed once (rewrites hash ops at every rule lookup
        # and merge)
        h = self.__dict__.get("_hash")
        if h is None:
            h = self.__dict__["_hash"] = hash((Elemwise, self._props()))
        return h

    def __eq__(self, other):
        if self is other:
            return True
        if type(other) is not type(self):
            return False
        return self.__hash__() == other.__hash__() and self._props() == other._props()

    def _check_inplace_types(self, node):
        for o, i in self.inplace_pattern.items():
            if i >= len(node.inputs):
                raise ValueError(f"{self}: no input {i} to overwrite ({len(node.inputs)} inputs)")
            it = node.inputs[i].type
            ot = node.outputs[o].type
            if it.dtype != ot.dtype or len(it.shape) != len(ot.shape):
                raise TypeError(
                    f"{self}: output {o} ({ot}) cannot be written into input {i} ({it}): "
                    "an in-place output needs its input's dtype and number of dimensions")

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
                    node = Apply(self, ins, [TensorVariable(out_types[0], None, None, None)])
                else:
                    node = Apply(self, ins, [TensorVariable(t, None, None, None) for t in out_types])
                if self.inplace_pattern:
                    self._check_inplace_types(node)
                return node
        res = _widen_out_of_range_weak_ints(so, ins)
        res = resolve_weak(res)
        out_dtypes = so.output_dtypes([i.type.dtype for i in res])
        shape = broadcast_static_shape([i.type.shape for i in res], lambda: f"in {self}")
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
        node = Apply(self, res, [t.make_variable() for t in out_types])
        if self.inplace_pattern:
            self._check_inplace_types(node)
        return node

    def perform(self, node, inputs, output_storage):
        pattern = self.inplace_pattern
        if pattern and len(output_storage) == 1 and self._perform_ufunc_inplace(
                node, inputs, output_storage[0], pattern.get(0)):
            return
        res = self.scalar_op.impl(*inputs)
        if len(output_storage) == 1:
            res = (res,)
        k = 0
        for cell, r, out in zip(output_storage, res, node.outputs):
            dt = out.type.numpy_dtype
            if pattern and k in pattern:
                buf = inputs[pattern[k]]
                if _can_receive(buf, dt, np.shape(r)):
                    np.copyto(buf, r, casting="unsafe")
                    cell[0] = buf
                    k += 1
                    continue
            if isinstance(r, np.ndarray) and r.dtype == dt:
                if _aliases_an_input(r, inputs):
                    r = r.copy()
                cell[0] = r
            else:
                r = np.asarray(r, dtype=dt)
                if _aliases_an_input(r, inputs):
                    r = r.copy()
                cell[0] = r
            k += 1

    def _perform_ufunc_inplace(self, node, inputs, cell, i):
        """``ufunc(*inputs, out=inputs[i])`` where the scalar op is a plain
        ufunc call taking these inputs (NumPy gives the result of a call
        whose output overlaps its inputs as if it did not); False where the
        buffer cannot take the result (the caller then computes anew)."""
        if i is None:
            return False
        uf = self._fast_ufunc()
        if uf is None or len(inputs) != uf.nin:
            return False
        buf = inputs[i]
        dt = node.outputs[0].type.numpy_dtype
        if type(buf) is not np.ndarray or buf.dtype != dt:
            return False
        try:
            uf(*inputs, out=buf)
        except (TypeError, ValueError):  # shape, read-only, casting: computed anew
            return False
        cell[0] = buf
        return True

    def _fresh_outputs(self):
        """True when this op's thunk always returns newly allocated arrays
        (the ufunc fast path), which later nodes may then overwrite.  An
        in-place op's output is the buffer of one of its inputs."""
        so = self.scalar_op
        return (so.ufunc is not None and type(so).impl is _base_impl and so.nin in (1, 2)
                and not self.inplace_pattern)

    def _fast_ufunc(self):
        """The ufunc the thunks call (one output, at most two inputs, the
        scalar op's ``impl`` being the plain call), or None."""
        uf = self.__dict__.get("_thunk_ufunc", False)
        if uf is False:
            # once per op: the ufunc its thunks call, or None (no fast path)
            so = self.scalar_op
            uf = so.ufunc
            if uf is not None and (type(so).impl is not _base_impl or uf.nin > 2 or uf.nout != 1):
                uf = None
            self.__dict__["_thunk_ufunc"] = uf
        return uf

    def make_py_thunk(self, node, input_cells, output_cells, dying=()):
        """A thunk (``UfuncThunk``, compiled where Cython ran) equivalent to
        ``perform`` for single-output ufunc-backed scalar ops of one or two
        inputs (the common case), without the generic argument packing.  An input that is ``dying`` (read by no later node)
        and was freshly allocated by another such Elemwise gives its buffer to
        the output when dtype and shape allow (no temporary array).  An
        in-place op writes into the input its pattern names (``inplace``)
        whenever that buffer can hold the result."""
        uf = self._fast_ufunc()
        if uf is None or len(output_cells) != 1 or len(input_cells) != uf.nin:
            return None
        out_type = node.outputs[0].type
        dt = out_type.numpy_dtype
        inplace = self.inplace_pattern.get(0, -1)
        if inplace >= 0:
            return UfuncThunk(node, uf, dt, input_cells, output_cells, -1, inplace)
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
        return str(self)

    def __str__(self):
        # asked often (canonical orders sort by it): made once
        d = self.__dict__
        s = d.get("_str")
        if s is not None and d.get("_str_name", self) is self.name:
            return s
        base = self.name or str(self.scalar_op)
        p = self.inplace_pattern
        if not p:
            s = base
        elif len(p) == 1 and p.get(0) == 0:
            s = f"{base}{{inplace}}"
        else:
            s = f"{base}{{inplace,{','.join(f'{o}<-{i}' for o, i in sorted(p.items()))}}}"
        d["_str"] = s
        d["_str_name"] = self.name
        return s

    def __repr__(self):
        if not self.inplace_pattern:
            return f"Elemwise{{scalar_op={self.scalar_op!r}}}"
        return (f"Elemwise{{scalar_op={self.scalar_op!r}, "
                f"inplace_pattern={dict(self.inplace_pattern)!r}}}")


def _can_receive(buf, dtype, shape):
    """``buf`` can take a result of ``shape`` and ``dtype`` in place."""
    return (type(buf) is np.ndarray and buf.dtype == dtype and buf.shape == tuple(shape)
            and buf.flags.writeable)


def _aliases_an_input(r, inputs):
    """Whether the array ``r`` is (or may be a view of) one of ``inputs``: a
    scalar op's ``impl`` may give an input back (``add`` of one operand, a
    cast to the same dtype, ``real`` of a real array)."""
    for x in inputs:
        if r is x:
            return True
    if r.base is None:
        return False
    for x in inputs:
        if type(x) is np.ndarray and np.may_share_memory(r, x):
            return True
    return False
