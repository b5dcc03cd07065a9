"""Turning Python values into tensors: ``as_tensor_variable``, ``constant``,
NumPy-2 handling of Python scalars ("weak" constants), and the variable
constructors ``scalar``/``vector``/``matrix``/... with their dtype prefixes.

The conversions of ``as_tensor_variable`` that build ops (to another dtype,
to more dimensions, a list holding variables) are registered by the modules
that define those ops (``register_conversion``), and this module sets
``TensorType``'s ``filter_variable`` and ``constant_from_value``."""
import numpy as np
from tensorsmith_graphcore import Variable, user_location

from .config import config
from .type import TensorType, normalize_dtype, tensor_type
from .variable import TensorConstant, TensorVariable


def _python_scalar_dtype(x):
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return "int64"
    if isinstance(x, float):
        return config.floatX
    if isinstance(x, complex):
        return "complex128"
    return None


def _weak_float_constant(x, name):
    """``constant(x)`` for a Python float ``x``: the common case, short."""
    fx = config.floatX  # a dtype name
    arr = np.asarray(x, dtype=fx)
    c = TensorConstant(tensor_type(fx, ()), arr, name)
    c.weak = True
    c._trace = user_location()
    return c


def constant(x, name=None, ndim=None, dtype=None):
    """A ``TensorConstant`` holding ``x`` (converted with NumPy)."""
    if type(x) is float and ndim is None and dtype is None:
        return _weak_float_constant(x, name)
    weak = False
    if dtype is not None:
        dtype = normalize_dtype(dtype)
        arr = np.asarray(x, dtype=dtype)
    elif isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        dt = _python_scalar_dtype(x)
        if dt == "int64" and not (-(2**63) <= x < 2**63):
            raise OverflowError(f"Python int {x} does not fit in int64")
        arr = np.asarray(x, dtype=dt)
        weak = True
    else:
        arr = np.asarray(x)
        if arr.dtype == object:
            raise TypeError(f"Cannot make a tensor constant from {type(x).__name__} {x!r}")
        if arr.dtype.kind in "US":
            raise TypeError(f"Cannot make a tensor constant from strings ({x!r})")
    if ndim is not None and arr.ndim != ndim:
        if arr.ndim < ndim:
            arr = arr.reshape((1,) * (ndim - arr.ndim) + arr.shape)
        else:
            raise ValueError(f"constant: value has {arr.ndim} dimensions, not {ndim}")
    t = tensor_type(normalize_dtype(arr.dtype), arr.shape)
    c = TensorConstant(t, arr, name)
    c.weak = weak
    c._trace = user_location()
    return c


def as_tensor_variable(x, name=None, ndim=None, dtype=None):
    """``x`` as a tensor variable: variables are returned as they are, other
    values become constants.  Raises TypeError for what cannot be a tensor."""
    tx = type(x)
    if ndim is None and dtype is None:
        if tx is TensorVariable or tx is TensorConstant:
            return x
        if tx is float:
            return _weak_float_constant(x, name)
    if isinstance(x, TensorVariable) or isinstance(x, TensorConstant):
        if ndim is not None and x.type.ndim != ndim:
            if x.type.ndim < ndim:
                return _conversions["pad_left"](x, ndim - x.type.ndim)
            raise ValueError(f"as_tensor_variable: {x} has {x.type.ndim} dimensions, expected {ndim}")
        if dtype is not None and x.type.dtype != normalize_dtype(dtype):
            return _conversions["cast"](x, dtype)
        return x
    if isinstance(x, Variable):
        conv = getattr(x.type, "as_tensor", None)
        if conv is not None:
            return conv(x)
        raise TypeError(f"Cannot use {x} of type {x.type} as a tensor")
    if hasattr(x, "owner") and hasattr(x, "type"):
        raise TypeError(f"Cannot use {x!r} as a tensor")
    if isinstance(x, (list, tuple)) and any(isinstance(e, Variable) for e in _flatten(x)):
        return _conversions["stack"]([as_tensor_variable(e) for e in x])
    return constant(x, name=name, ndim=ndim, dtype=dtype)


as_tensor = as_tensor_variable

# The conversions above that build ops of the floors above this one: "cast"
# (``cast(x, dtype)``, math.py), "pad_left" (``shape_padleft(x, n)``,
# shape.py) and "stack" (``stack(list)``, join.py), each registered by its
# module when the package is imported.
_conversions = {}


def register_conversion(kind, fn):
    """Make ``fn`` the ``kind`` conversion of ``as_tensor_variable`` ("cast",
    "pad_left" or "stack")."""
    _conversions[kind] = fn


def _flatten(x):
    stack = [x]
    while stack:
        e = stack.pop()
        if isinstance(e, (list, tuple)):
            stack.extend(e)
        else:
            yield e


def resolve_weak(inputs):
    """Give constants made from Python scalars the dtype NumPy 2 would use
    next to the other (strong) operands; ``config.floatX`` decides Python
    floats that meet only integer or bool operands."""
    weak = [i for i in inputs if isinstance(i, TensorConstant) and i.weak]
    if not weak or len(weak) == len(inputs):
        return inputs
    strong = [np.dtype(i.type.dtype) for i in inputs if not (isinstance(i, TensorConstant) and i.weak)]
    out = []
    for i in inputs:
        if isinstance(i, TensorConstant) and i.weak:
            val = i.data.item()
            dt = np.result_type(*strong, val)
            if isinstance(val, float) and not isinstance(val, bool):
                if all(s.kind in "biu" for s in strong):
                    dt = np.dtype(config.floatX)
            if isinstance(val, complex) and all(s.kind in "biuf" for s in strong):
                # the complex dtype of the strong operands' float precision
                # (float16/float32: complex64), complex128 next to integers
                rt = np.result_type(*strong)
                dt = np.result_type(rt, np.complex64) if rt.kind == "f" else np.dtype("complex128")
            if dt != i.data.dtype:
                i = retype_weak(i, dt)
        out.append(i)
    return out


def retype_weak(c, dt):
    """The weak constant ``c`` (its value a Python scalar) at dtype ``dt``:
    a new weak constant, same name and trace."""
    val = c.data.item()
    dt = np.dtype(dt)
    if dt.kind in "iu" and isinstance(val, int) and not isinstance(val, bool):
        info = np.iinfo(dt)
        if not info.min <= val <= info.max:
            raise OverflowError(f"Python integer {val} out of bounds for {dt.name}")
    # a float beyond the dtype's range becomes inf with NumPy's
    # "overflow encountered in cast" warning, as NumPy 2 computes it
    arr = np.asarray(val, dtype=dt)
    nc = TensorConstant(tensor_type(dt.name, ()), arr, c.name)
    nc.weak = True
    nc._trace = c._trace
    return nc


# ---------------------------------------------------------------------------
# Variable constructors
# ---------------------------------------------------------------------------

_PREFIX_DTYPES = {
    "b": "int8", "w": "int16", "i": "int32", "l": "int64",
    "f": "float32", "d": "float64", "c": "complex64", "z": "complex128",
}


def _shape_arg(shape, ndim, what):
    if shape is None:
        return (None,) * ndim
    shape = tuple(shape)
    if len(shape) != ndim:
        raise ValueError(f"{what}: shape {shape} does not have {ndim} entries")
    return shape


def tensor(name=None, dtype=None, shape=None, broadcastable=None, ndim=None):
    """A new input tensor: ``tensor("x", dtype="float64", shape=(None, 3))``."""
    if name is not None and not isinstance(name, str):
        raise TypeError(f"tensor: name must be a string, got {type(name).__name__} (use dtype=, shape=)")
    dtype = normalize_dtype(dtype)
    if shape is None and broadcastable is not None:
        shape = tuple(1 if b else None for b in broadcastable)
    if shape is None:
        if ndim is None:
            raise TypeError("tensor: give shape= (a tuple of None or lengths) or ndim=")
        shape = (None,) * ndim
    elif ndim is not None and len(shape) != ndim:
        raise ValueError(f"tensor: shape {shape} does not have ndim={ndim} entries")
    v = TensorType(dtype, shape).make_variable(name)
    v._trace = user_location()
    return v


def _make_ctor(ndim, fixed_dtype, kind):
    def ctor(name=None, dtype=None, shape=None):
        if fixed_dtype is not None and dtype is not None:
            raise TypeError(f"{ctor.__name__} has a fixed dtype ({fixed_dtype})")
        dt = normalize_dtype(fixed_dtype or dtype)
        if kind == "row":
            shp = (1, None) if shape is None else _shape_arg(shape, 2, "row")
        elif kind == "col":
            shp = (None, 1) if shape is None else _shape_arg(shape, 2, "col")
        else:
            shp = _shape_arg(shape, ndim, kind)
        v = TensorType(dt, shp).make_variable(name)
        v._trace = user_location()
        return v

    return ctor


def _make_plural(single):
    def plural(*names, dtype=None):
        if len(names) == 1 and isinstance(names[0], int):
            names = [None] * names[0]
        elif len(names) == 1 and isinstance(names[0], str) and "," in names[0]:
            names = [n.strip() for n in names[0].split(",")]
        kw = {} if dtype is None else {"dtype": dtype}
        res = [single(n, **kw) for n in names]
        if len(names) == 1 and isinstance(names[0], str):
            return res[0]   # as PyTensor: one name gives one variable
        return res

    return plural


_KINDS = {"scalar": 0, "vector": 1, "matrix": 2, "row": 2, "col": 2, "tensor3": 3, "tensor4": 4,
          "tensor5": 5, "tensor6": 6, "tensor7": 7}

__all__ = ["constant", "as_tensor_variable", "as_tensor", "tensor", "TensorType", "TensorVariable",
           "TensorConstant"]

for _kind, _nd in _KINDS.items():
    _f = _make_ctor(_nd, None, _kind)
    _f.__name__ = _kind
    globals()[_kind] = _f
    __all__.append(_kind)
    _pl = _make_plural(_f)
    _pl.__name__ = _kind + "s"
    globals()[_kind + "s"] = _pl
    __all__.append(_kind + "s")
    for _p, _dt in _PREFIX_DTYPES.items():
        _g = _make_ctor(_nd, _dt, _kind)
        _g.__name__ = _p + _kind
        globals()[_p + _kind] = _g
        __all__.append(_p + _kind)
        _gp = _make_plural(_g)
        _gp.__name__ = _p + _kind + "s"
        globals()[_p + _kind + "s"] = _gp
        __all__.append(_p + _kind + "s")
# PyTensor spells the plural of matrix "matrices"
for _p in [""] + list(_PREFIX_DTYPES):
    globals()[_p + "matrices"] = globals()[_p + "matrixs"]
    __all__.append(_p + "matrices")
    __all__.remove(_p + "matrixs")
    del globals()[_p + "matrixs"]


# ---------------------------------------------------------------------------
# TensorType's conversion hooks (see type.py)
# ---------------------------------------------------------------------------


def _filter_variable(self, other, allow_convert=True):
    """``other`` (a variable or a value) as a variable of this type, or
    TypeError saying why it cannot be."""
    if not isinstance(other, Variable):
        other = as_tensor_variable(other, dtype=self.dtype)
    if other.type == self:
        return other
    if allow_convert:
        conv = self.convert_variable(other)
        if conv is not None:
            return conv
    raise TypeError(f"Cannot convert {other} of type {other.type} to {self}")


def _constant_from_value(self, value):
    """A constant of exactly this type holding ``value`` (TypeError if it
    does not fit), for ops with fixed ``itypes``."""
    return constant(self.filter(value, strict=False), dtype=self.dtype)


TensorType.filter_variable = _filter_variable
TensorType.constant_from_value = _constant_from_value
