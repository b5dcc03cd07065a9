"""Tensor variables: Python operators and the methods people reach for.

Every operator and method delegates to the function of the same meaning in
the ``tensorsmith_tensorops`` namespace (looked up when called), so each op
family stays in its own module, on its floor above this one."""
import numpy as np
from tensorsmith_graphcore import Constant, Variable

# The package namespace, bound now (the package object exists while its
# modules import) and read when an operator or method is called, once every
# family module has filled it: variables are made on the bottom floor and
# reach the ops of all the floors above through it.
import tensorsmith_tensorops as _ns

from .type import TensorType

class _TensorOperators:
    # identity semantics for ==, as in PyTensor; pt.eq is elementwise
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __bool__(self):
        raise TypeError(
            "The truth value of a symbolic tensor is unknown until it is computed; "
            "use pt.switch/pt.where for conditions, or `is` for identity")

    def __len__(self):
        n = self.type.shape[0] if self.type.ndim else None
        if n is None:
            raise TypeError("len() of a symbolic tensor needs a static first dimension; use x.shape[0]")
        return n

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # arithmetic
    def __add__(self, other): return _ns.add(self, other)
    def __radd__(self, other): return _ns.add(other, self)
    def __sub__(self, other): return _ns.sub(self, other)
    def __rsub__(self, other): return _ns.sub(other, self)
    def __mul__(self, other): return _ns.mul(self, other)
    def __rmul__(self, other): return _ns.mul(other, self)
    def __truediv__(self, other): return _ns.true_div(self, other)
    def __rtruediv__(self, other): return _ns.true_div(other, self)
    def __floordiv__(self, other): return _ns.floor_div(self, other)
    def __rfloordiv__(self, other): return _ns.floor_div(other, self)
    def __mod__(self, other): return _ns.mod(self, other)
    def __rmod__(self, other): return _ns.mod(other, self)
    def __pow__(self, other): return _ns.pow(self, other)
    def __rpow__(self, other): return _ns.pow(other, self)
    def __neg__(self): return _ns.neg(self)
    def __pos__(self): return self
    def __abs__(self): return _ns.abs(self)
    def __invert__(self): return _ns.invert(self)
    def __and__(self, other): return _ns.and_(self, other)
    def __rand__(self, other): return _ns.and_(other, self)
    def __or__(self, other): return _ns.or_(self, other)
    def __ror__(self, other): return _ns.or_(other, self)
    def __xor__(self, other): return _ns.xor(self, other)
    def __rxor__(self, other): return _ns.xor(other, self)
    def __lshift__(self, other): return _ns.left_shift(self, other)
    def __rshift__(self, other): return _ns.right_shift(self, other)
    def __rlshift__(self, other): return _ns.left_shift(other, self)
    def __rrshift__(self, other): return _ns.right_shift(other, self)
    def __matmul__(self, other): return _ns.matmul(self, other)
    def __rmatmul__(self, other): return _ns.matmul(other, self)
    # comparisons build graphs (except ==/!=, identity as in PyTensor)
    def __lt__(self, other): return _ns.lt(self, other)
    def __le__(self, other): return _ns.le(self, other)
    def __gt__(self, other): return _ns.gt(self, other)
    def __ge__(self, other): return _ns.ge(self, other)

    def __getitem__(self, idx):
        return _ns.subtensor(self, idx)

    def __divmod__(self, other): return _ns.divmod(self, other)
    def __rdivmod__(self, other): return _ns.divmod(other, self)

    # -- NumPy interoperation --------------------------------------------------
    # ``ndarray * x`` (and every other operator with a NumPy array or scalar on
    # the left) reaches NumPy first, which calls the ufunc (np.multiply), which
    # hands over to ``__array_ufunc__``: it builds the same node as
    # ``x.__rmul__(ndarray)``, the NumPy operand becoming a constant.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _array_ufunc(self, ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _array_function(func, types, args, kwargs)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(_no_array_message(self))

    __array_priority__ = 1000

    # -- attributes ----------------------------------------------------------
    @property
    def ndim(self):
        return self.type.ndim

    @property
    def dtype(self):
        return self.type.dtype

    @property
    def broadcastable(self):
        return self.type.broadcastable

    @property
    def shape(self):
        return _ns.shape(self)

    @property
    def size(self):
        return _ns.prod(self.shape)

    @property
    def T(self):
        return _ns.transpose(self)

    @property
    def real(self):
        return _ns.real(self)

    @property
    def imag(self):
        return _ns.imag(self)

    # -- methods -------------------------------------------------------------
    def reshape(self, shape, *more, ndim=None):
        """``x.reshape((2, 3))``, ``x.reshape(2, 3)`` or ``x.reshape(shape=...)``."""
        if more or isinstance(shape, (int, np.integer)):
            shape = (shape,) + more
        return _ns.reshape(self, shape, ndim=ndim)

    def dimshuffle(self, *pattern):
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = pattern[0]
        return _ns.dimshuffle(self, pattern)

    def flatten(self, ndim=1):
        return _ns.flatten(self, ndim)

    def astype(self, dtype):
        return _ns.cast(self, dtype)

    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _ns.sum(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _ns.prod(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _ns.mean(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def var(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _ns.var(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def std(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _ns.std(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def max(self, axis=None, keepdims=False):
        return _ns.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _ns.min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _ns.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _ns.argmin(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return _ns.all(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return _ns.any(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis=None):
        return _ns.cumsum(self, axis=axis)

    def cumprod(self, axis=None):
        return _ns.cumprod(self, axis=axis)

    def clip(self, a_min, a_max):
        return _ns.clip(self, a_min, a_max)

    def round(self, mode=None):
        return _ns.round(self, mode=mode)

    def squeeze(self, axis=None):
        return _ns.squeeze(self, axis=axis)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = axes[0]
        return _ns.transpose(self, axes or None)

    def swapaxes(self, axis1, axis2):
        return _ns.swapaxes(self, axis1, axis2)

    def take(self, indices, axis=None, mode="raise"):
        return _ns.take(self, indices, axis=axis, mode=mode)

    def sort(self, axis=-1, kind="quicksort", order=None, stable=None):
        return _ns.sort(self, axis=axis, kind=kind, order=order, stable=stable)

    def argsort(self, axis=-1, kind="quicksort", order=None, stable=None):
        return _ns.argsort(self, axis=axis, kind=kind, order=order, stable=stable)

    def dot(self, right):
        return _ns.dot(self, right)

    def nonzero(self, return_matrix=False):
        return _ns.nonzero(self, return_matrix=return_matrix)

    def copy(self, name=None):
        """A copy of this tensor (a new variable computing the same value)."""
        out = _ns.tensor_copy(self)
        out.name = name
        return out

    def conj(self):
        return _ns.conj(self)

    conjugate = conj

    def norm(self, L, axis=None, keepdims=False):
        return _ns.linalg.norm(self, ord=L, axis=axis, keepdims=keepdims)

    def repeat(self, repeats, axis=None):
        return _ns.repeat(self, repeats, axis=axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _ns.diagonal(self, offset, axis1, axis2)

    def trace(self):
        return _ns.trace(self)

    def ptp(self, axis=None, keepdims=False):
        return _ns.ptp(self, axis=axis, keepdims=keepdims)

    def ravel(self):
        return _ns.flatten(self, 1)

    @property
    def mT(self):
        """Transpose of the last two axes (matrix transpose of a stack)."""
        return _ns.matrix_transpose(self)

    def fill(self, value):
        """A tensor shaped like this one, filled with ``value``."""
        return _ns.fill(self, value)

    def zeros_like(self, dtype=None):
        return _ns.zeros_like(self, dtype=dtype)

    def ones_like(self, dtype=None):
        return _ns.ones_like(self, dtype=dtype)

    def nonzero_values(self):
        return _ns.nonzero_values(self)

    def compress(self, a, axis=None):
        """``x.compress(cond)`` is ``pt.compress(cond, x)``, as NumPy's method."""
        return _ns.compress(a, self, axis=axis)

    def choose(self, choices, mode="raise"):
        return _ns.choose(self, choices, mode=mode)

    def searchsorted(self, v, side="left", sorter=None):
        return _ns.searchsorted(self, v, side=side, sorter=sorter)

    def get_underlying_scalar_constant(self):
        return _ns.get_underlying_scalar_constant_value(self)

    def set(self, y, **kwargs):
        """For ``x[idx].set(y)``: ``x`` with ``x[idx]`` set to ``y``
        (keyword arguments as ``set_subtensor``)."""
        return _ns.set_subtensor(self, y, **kwargs)

    def inc(self, y, **kwargs):
        """For ``x[idx].inc(y)``: ``x`` with ``y`` added to ``x[idx]``
        (keyword arguments as ``inc_subtensor``)."""
        return _ns.inc_subtensor(self, y, **kwargs)

    def eval(self, inputs_to_values=None):
        """Compute this variable with the reference Python linker, given values
        for its inputs (a dict); shared variables use their current values."""
        from tensorsmith_graphcore import Constant, FunctionGraph, PerformLinker, graph_inputs

        inputs_to_values = dict(inputs_to_values or {})
        if any(isinstance(k, str) for k in inputs_to_values):
            # inputs may be named by their ``name``, as in PyTensor
            from tensorsmith_graphcore import graph_inputs as _inputs

            by_name = {v.name: v for v in _inputs([self]) if v.name is not None}
            missing = [k for k in inputs_to_values if isinstance(k, str) and k not in by_name]
            if missing:
                raise ValueError(f"eval: no input named {missing[0]!r} in the graph of {self}; "
                                 f"named inputs: {sorted(by_name)}")
            inputs_to_values = {by_name[k] if isinstance(k, str) else k: v
                                for k, v in inputs_to_values.items()}
        ins = list(inputs_to_values.keys())
        shared = [v for v in graph_inputs([self], blockers=ins)
                  if v not in inputs_to_values and not isinstance(v, Constant) and hasattr(v, "container")]
        fg = FunctionGraph(ins + shared, [self], clone=True)
        filters = [v.type.filter for v in ins]
        storage = [None] * len(ins) + [v.container for v in shared]
        vm, _ = PerformLinker().make_vm(fg, filters, arg_indices=list(range(len(ins))),
                                        input_storage=storage, unpack_single=True)
        return vm(*[inputs_to_values[v] for v in ins])


def _elementwise_method(name):
    def method(self):
        return getattr(_ns, name)(self)

    method.__name__ = name
    method.__doc__ = f"``pt.{name}(self)``."
    return method


for _name in ("arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "ceil", "cos", "cosh",
              "deg2rad", "exp", "exp2", "expm1", "floor", "log", "log10", "log1p", "log2", "rad2deg",
              "sin", "sinh", "sqrt", "tan", "tanh", "trunc"):
    setattr(_TensorOperators, _name, _elementwise_method(_name))
del _name


# ---------------------------------------------------------------------------
# NumPy interoperation: ufuncs and functions called on tensors
# ---------------------------------------------------------------------------
# ufuncs whose tensorsmith.tensor function has another name
_UFUNC_TO_PT = {"degrees": "rad2deg", "radians": "deg2rad"}
# ufuncs whose pt function is not an Elemwise (generalized ufuncs, tuples)
_UFUNC_NOT_ELEMWISE = frozenset({"matmul", "matvec", "vecmat", "vecdot", "divmod"})
# what to use instead of a ufunc method (np.add.reduce(x) ...)
_UFUNC_METHOD_HINTS = {
    ("add", "reduce"): "pt.sum", ("multiply", "reduce"): "pt.prod",
    ("maximum", "reduce"): "pt.max", ("minimum", "reduce"): "pt.min",
    ("logical_and", "reduce"): "pt.all", ("logical_or", "reduce"): "pt.any",
    ("add", "accumulate"): "pt.cumsum", ("multiply", "accumulate"): "pt.cumprod",
    ("multiply", "outer"): "pt.outer", ("add", "at"): "pt.inc_subtensor",
}
# ``a < x`` is ``x > a``: the comparison with its operands swapped
_SWAPPED_COMPARISONS = {"less": "gt", "less_equal": "ge", "greater": "lt", "greater_equal": "le"}
_COMPUTE_FIRST = ("or compute the value first (tensorsmith.function, or .eval() for a quick look) "
                  "and apply NumPy to it")


def _no_array_message(var):
    if isinstance(var, Constant):
        what, hint = "tensor constant", "use its value, `.data`"
    elif hasattr(var, "get_value"):
        what, hint = "shared variable", "use its current value, `.get_value()`"
    else:
        what, hint = "symbolic tensor", (
            "it has no value until a compiled function computes it (tensorsmith.function; "
            "`.eval()` for a quick look)")
    return (f"cannot convert the {what} {var} to a NumPy array: {hint}. To combine a tensor "
            "with NumPy data, use operators or pt functions, which turn the NumPy operands into "
            "constants.")


def _pt_function_for_ufunc(ufunc):
    """``(name, function)`` in tensorsmith.tensor for a NumPy ufunc, or ``(None, None)``."""
    name = _UFUNC_TO_PT.get(ufunc.__name__, ufunc.__name__)
    f = getattr(_ns, name, None)
    if f is not None and (isinstance(f, _ns.Elemwise) or name in _UFUNC_NOT_ELEMWISE):
        return name, f
    return None, None


def _array_ufunc(tensor, ufunc, method, inputs, kwargs):
    """``__array_ufunc__``: build the graph of a NumPy ufunc called on tensors,
    the NumPy operands becoming constants, or raise a TypeError that names the
    function to use."""
    name = ufunc.__name__
    if "out" in kwargs:
        raise TypeError(
            f"np.{name}(..., out=...) with a symbolic tensor: a NumPy array cannot hold a "
            "symbolic result (an in-place operator such as `a += x`, with `a` a NumPy array, "
            "does this). Write `a = a + x`, which makes a new symbolic tensor, "
            + _COMPUTE_FIRST)
    pt_name, f = _pt_function_for_ufunc(ufunc)
    if method != "__call__":
        hint = _UFUNC_METHOD_HINTS.get((name, method))
        raise TypeError(
            f"np.{name}.{method} does not build a graph from a symbolic tensor; use "
            + (hint if hint else "the tensorsmith.tensor (pt) functions") + ", " + _COMPUTE_FIRST)
    if name in ("equal", "not_equal"):
        a, b = (inputs + (None, None))[:2]
        if not kwargs and len(inputs) == 2 and not isinstance(a, Variable) and isinstance(b, Variable):
            # ``a == x`` (and the reflection of ``x == a``) with a NumPy array or
            # scalar ``a``: == and != on tensor variables are identity, as in
            # PyTensor, whichever side the tensor is on.
            return name == "not_equal"
        raise TypeError(
            f"np.{name} on a symbolic tensor: == and != compare tensor variables by identity "
            f"(as in PyTensor); for the elementwise comparison use pt.{'eq' if name == 'equal' else 'neq'}(a, b)")
    if (name in _SWAPPED_COMPARISONS and not kwargs and len(inputs) == 2
            and not isinstance(inputs[0], Variable) and isinstance(inputs[1], Variable)):
        # ``a < x`` with a NumPy ``a``: the node Python builds for ``2 < x``
        # (the reflection ``x > a``), so both spell the same graph.
        return getattr(_ns, _SWAPPED_COMPARISONS[name])(inputs[1], inputs[0])
    if f is None:
        raise TypeError(
            f"np.{name} has no symbolic counterpart in tensorsmith.tensor: build the expression "
            "from pt functions, " + _COMPUTE_FIRST)
    if kwargs:
        raise TypeError(
            f"np.{name}(..., {', '.join(f'{k}=' for k in sorted(kwargs))}) with a symbolic tensor: "
            f"these options do not apply to graphs; call pt.{pt_name}(...) without them "
            "(pt.cast converts a dtype, pt.switch selects where a condition holds)")
    return f(*inputs)


# NumPy functions that build the graph of the tensorsmith.tensor function
# named here (same meaning; NumPy's arguments are passed on by name).
_NP_FUNCTIONS = {
    n: n for n in (
        "sum", "prod", "mean", "max", "min", "std", "var", "argmax", "argmin", "all", "any",
        "cumsum", "cumprod", "ptp", "median", "dot", "outer", "tensordot", "kron", "transpose",
        "matrix_transpose", "reshape", "squeeze", "expand_dims", "swapaxes", "moveaxis",
        "broadcast_to", "flip", "roll", "diff", "where", "concatenate", "stack", "clip", "trace",
        "diagonal", "take", "repeat", "tile", "triu", "tril", "searchsorted", "isclose",
        "allclose", "nan_to_num", "zeros_like", "ones_like", "full_like", "shape", "sort",
        "argsort")
}
_NP_FUNCTIONS.update(amax="max", amin="min")
_NP_RENAMES = {"clip": {"a_min": "min", "a_max": "max"}}
_signatures = {}


def _signature(f):
    try:
        return _signatures[f]
    except KeyError:
        pass
    import inspect

    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        sig = None
    _signatures[f] = sig
    return sig


def _is_default(value, default):
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:
        return False


def _array_function(func, types, args, kwargs):
    """``__array_function__``: NumPy functions called with tensors."""
    if not all(issubclass(t, (Variable, np.ndarray)) for t in types):
        return NotImplemented
    name = func.__name__
    ns = _ns
    if name == "ndim" and len(args) == 1 and not kwargs:
        return args[0].type.ndim
    if name == "size" and args and isinstance(args[0], _TensorOperators):
        axis = args[1] if len(args) > 1 else kwargs.get("axis")
        return args[0].size if axis is None else args[0].shape[axis]
    module = getattr(func, "__module__", None) or ""
    prefix = next((m + "." for m in ("linalg", "fft") if module.startswith("numpy." + m)), "")
    pt_name = _NP_FUNCTIONS.get(name) if not prefix and module.startswith("numpy") else None
    if pt_name is None:
        sub = getattr(ns, prefix[:-1], None) if prefix else ns
        alt = f"pt.{prefix}{name}" if sub is not None and hasattr(sub, name) else None
        raise TypeError(
            f"np.{prefix}{name} does not build a graph from symbolic tensors; "
            + (f"use {alt}, " if alt else "build the expression from tensorsmith.tensor (pt) functions, ")
            + _COMPUTE_FIRST)
    target = getattr(ns, pt_name)
    np_sig, pt_sig = _signature(func), _signature(target)
    if np_sig is None or pt_sig is None:  # pragma: no cover (signatures of these are known)
        return target(*args, **kwargs)
    try:
        bound = np_sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"np.{name}: {e}") from None
    renames = _NP_RENAMES.get(name, {})
    pt_params = pt_sig.parameters
    no_value = getattr(np, "_NoValue", object())
    pos, kw = [], {}
    items = list(bound.arguments.items())
    while items:
        pname, value = items.pop(0)
        p = np_sig.parameters.get(pname)
        if p is not None and p.kind is p.VAR_POSITIONAL:
            pos.extend(value)
            continue
        if p is not None and p.kind is p.VAR_KEYWORD:
            items.extend(value.items())
            continue
        if p is not None and (p.kind is p.POSITIONAL_ONLY
                              or (p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD)):
            pos.append(value)
            continue
        if pname == "out" and value is None:
            continue
        if pname == "out":
            raise TypeError(
                f"np.{name}(..., out=...) with a symbolic tensor: a NumPy array cannot hold a "
                f"symbolic result; use pt.{pt_name}(...) and keep the result, " + _COMPUTE_FIRST)
        tname = renames.get(pname, pname)
        tp = pt_params.get(tname)
        if tp is not None and tp.kind in (tp.POSITIONAL_OR_KEYWORD, tp.KEYWORD_ONLY) and len(pos) <= list(
                pt_params).index(tname):
            kw[tname] = value
            continue
        if value is no_value or (p is not None and _is_default(value, p.default)):
            continue
        shown = repr(value)
        if len(shown) > 40 or "\n" in shown:
            shown = f"<{type(value).__name__}>"
        raise TypeError(
            f"np.{name}(..., {pname}={shown}) with a symbolic tensor: pt.{pt_name} has no such "
            f"option; call pt.{pt_name}{pt_sig} directly")
    return target(*pos, **kw)


class TensorVariable(_TensorOperators, Variable):
    """A symbolic n-d array."""


class TensorConstant(_TensorOperators, Constant):
    """A tensor with a fixed value ``data`` (an ndarray).  ``weak`` marks a
    constant made from a Python number: its dtype then adapts to the other
    operands as NumPy 2 does for Python scalars."""

    def __init__(self, type, data, name=None):
        Constant.__init__(self, type, data, name)
        self.weak = False

    def clone(self, name=None):
        cp = Constant.clone(self, name)
        cp.weak = self.weak
        return cp

    def __str__(self):
        if self.name is not None:
            return self.name
        d = self.data
        if d.ndim == 0:
            return str(d.item())
        s = np.array2string(d, threshold=6, separator=",").replace("\n", "")
        return s if len(s) <= 30 else f"TensorConstant{{{d.dtype},shape={d.shape}}}"

    def signature(self):
        return (self.type, self.type.constant_signature(self.data))


TensorType.variable_type = TensorVariable
TensorType.constant_type = TensorConstant
