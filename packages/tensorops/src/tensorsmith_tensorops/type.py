"""``TensorType``: dtype and static shape of an n-d array, and value checking.

The hooks of the type that build graphs (conversions for graphcore,
gradients for autodiff) are set on the class by the modules whose ops they
build (see the end of the class)."""
import hashlib
from functools import partial

import numpy as np
from tensorsmith_graphcore import Type
from tensorsmith_graphcore.vm import ArrayFilter

from .config import config

DTYPES = (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
)
INT_DTYPES = ("int8", "int16", "int32", "int64")
UINT_DTYPES = ("uint8", "uint16", "uint32", "uint64")
INTEGER_DTYPES = INT_DTYPES + UINT_DTYPES
FLOAT_DTYPES = ("float16", "float32", "float64")
COMPLEX_DTYPES = ("complex64", "complex128")
CONTINUOUS_DTYPES = FLOAT_DTYPES + COMPLEX_DTYPES
DISCRETE_DTYPES = ("bool",) + INTEGER_DTYPES


_CONTINUOUS_SET = frozenset(CONTINUOUS_DTYPES)
_NP_DTYPES = {name: np.dtype(name) for name in DTYPES}

_dtype_names = {}


def normalize_dtype(dtype):
    """A dtype name from DTYPES ('floatX' means config.floatX); TypeError otherwise."""
    if dtype is None or dtype == "floatX":
        return config.floatX
    if dtype == "intX":
        return config.intX
    try:
        hit = _dtype_names.get(dtype)
    except TypeError:  # unhashable
        hit = None
    if hit is not None:
        return hit
    name = _normalize_dtype(dtype)
    try:
        _dtype_names[dtype] = name
    except TypeError:
        pass
    return name


def _normalize_dtype(dtype):
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"Unsupported dtype {dtype!r}; supported: {', '.join(DTYPES)}") from None
    if name not in DTYPES:
        raise TypeError(f"Unsupported dtype {dtype!r}; supported: {', '.join(DTYPES)}")
    return name


_shape_cache = {}


def _norm_shape(shape):
    """``shape`` as a tuple of None and non-negative Python ints (cached: the
    same few shapes come back for every node of a graph)."""
    try:
        hit = _shape_cache.get(shape)
    except TypeError:  # unhashable (a list, ...)
        hit = None
    if hit is not None:
        return hit
    out = _norm_shape_uncached(shape)
    if type(shape) is tuple and len(_shape_cache) < 4096:
        # the key equals the result (3.0 == 3, np.int64(3) == 3), so any
        # equal tuple asked later normalizes to this one
        _shape_cache[shape] = out
    return out


def _norm_shape_uncached(shape):
    out = []
    for s in shape:
        if s is None:
            out.append(None)
        else:
            try:
                si = int(s)
            except (TypeError, ValueError):
                raise TypeError(f"Static shape entries must be None or non-negative ints, got {s!r}") from None
            if si != s or si < 0:
                raise ValueError(f"Static shape entries must be None or non-negative ints, got {s!r}")
            out.append(si)
    return tuple(out)


_NDIM_NAMES = {0: "Scalar", 1: "Vector", 2: "Matrix"}


class TensorType(Type):
    """The type of an n-dimensional array: ``dtype`` and a static ``shape``
    whose entries are lengths or None (unknown)."""

    __props__ = ("dtype", "shape")

    def __init__(self, dtype, shape=None, name=None, broadcastable=None):
        self.dtype = dt = normalize_dtype(dtype)
        if shape is None and broadcastable is not None:
            shape = tuple(1 if b else None for b in broadcastable)
        if shape is None:
            raise TypeError("TensorType needs a shape (a tuple of None or lengths)")
        if isinstance(shape, int):
            raise TypeError(f"TensorType shape must be a tuple, got the int {shape}")
        self.shape = _norm_shape(shape)
        self.name = name
        self.numpy_dtype = _NP_DTYPES[dt]

    # equality and hash from dtype and shape (as the props would give them),
    # written out: types are compared and hashed in every op's type cache
    def __eq__(self, other):
        if self is other:
            return True
        if type(self) is not type(other):
            return False
        if type(self) is not TensorType:  # a subclass may have more props
            return self._props() == other._props()
        return self.dtype == other.dtype and self.shape == other.shape

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        if type(self) is not TensorType:
            return hash((type(self), self._props()))
        return hash((TensorType, (self.dtype, self.shape)))

    # -- properties ----------------------------------------------------------
    @property
    def ndim(self):
        return len(self.shape)

    @property
    def broadcastable(self):
        return tuple(s == 1 for s in self.shape)

    @property
    def differentiable(self):
        return self.dtype in _CONTINUOUS_SET

    def clone(self, dtype=None, shape=None, broadcastable=None):
        if shape is None and broadcastable is not None:
            shape = tuple(1 if b else None for b in broadcastable)
        return TensorType(self.dtype if dtype is None else dtype,
                          self.shape if shape is None else shape)

    def __call__(self, name=None, shape=None):
        return Type.__call__(self, name)

    def __str__(self):
        if self.name:
            return self.name
        kind = _NDIM_NAMES.get(self.ndim, f"Tensor{self.ndim}")
        shp = ", ".join("?" if s is None else str(s) for s in self.shape)
        if self.ndim == 1:
            shp += ","
        return f"{kind}({self.dtype}, shape=({shp}))"

    def __repr__(self):
        return f"TensorType({self.dtype}, shape={self.shape})"

    def in_same_class(self, otype):
        """True when ``otype`` is a TensorType of the same dtype and static
        shape (PyTensor's notion of interchangeable types)."""
        return isinstance(otype, TensorType) and otype.dtype == self.dtype and otype.shape == self.shape

    @staticmethod
    def may_share_memory(a, b):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.may_share_memory(a, b)

    # -- values --------------------------------------------------------------
    def _describe(self):
        shp = tuple("?" if s is None else s for s in self.shape)
        return f"a {self.ndim}-d array of dtype {self.dtype} with shape {shp}".replace("'", "")

    def filter(self, data, strict=False, allow_downcast=None):
        """Convert ``data`` to an ndarray of this type, or raise TypeError.

        Rules (as in PyTensor): arrays must have this dtype already when
        ``strict``; otherwise a dtype that would lose precision is refused
        unless ``allow_downcast``; Python numbers and lists are accepted when
        their values survive the conversion."""
        dtype = self.numpy_dtype
        if isinstance(data, np.ndarray) and data.dtype == dtype:
            arr = data
        elif strict:
            if isinstance(data, (np.ndarray, np.generic)) and data.dtype == dtype:
                arr = np.asarray(data)
            else:
                raise TypeError(f"expected {self._describe()} (strict), got {_describe_value(data)}")
        elif isinstance(data, (np.ndarray, np.generic)):
            src = data.dtype
            if allow_downcast or np.can_cast(src, dtype, "safe"):
                arr = np.asarray(data, dtype=dtype)
            else:
                raise TypeError(
                    f"expected {self._describe()}, got {_describe_value(data)}: converting "
                    f"{src} to {self.dtype} may lose precision (cast it explicitly, or pass "
                    "allow_input_downcast=True to function)"
                )
        else:
            if hasattr(data, "__array__") or isinstance(data, (list, tuple, int, float, complex, bool)):
                try:
                    raw = np.asarray(data)
                except Exception as e:  # ragged lists and the like
                    raise TypeError(f"expected {self._describe()}, got {_describe_value(data)} ({e})") from None
                if raw.dtype == object:
                    raise TypeError(f"expected {self._describe()}, got {_describe_value(data)}")
                if allow_downcast or np.can_cast(raw.dtype, dtype, "safe"):
                    arr = raw.astype(dtype, copy=False)
                else:
                    arr = raw.astype(dtype)
                    ok = False
                    try:
                        with np.errstate(all="ignore"):
                            ok = bool(np.all(arr == raw)) or (
                                raw.dtype.kind == "f" and dtype.kind == "f")
                    except Exception:
                        ok = False
                    if not ok:
                        raise TypeError(
                            f"expected {self._describe()}, got {_describe_value(data)} whose values "
                            f"do not fit in {self.dtype}")
            else:
                raise TypeError(f"expected {self._describe()}, got {_describe_value(data)}")
        if arr.ndim != self.ndim:
            raise TypeError(f"expected {self._describe()}, got {_describe_value(data, arr)}: wrong number "
                            f"of dimensions ({arr.ndim} instead of {self.ndim})")
        shp = arr.shape
        for k, s in enumerate(self.shape):
            if s is not None and shp[k] != s:
                raise TypeError(f"expected {self._describe()}, got {_describe_value(data, arr)}: "
                                f"dimension {k} has length {shp[k]} instead of {s}")
        return arr

    def make_filter(self, allow_downcast=None, strict=False):
        """The one-argument filter of compiled functions: a graphcore
        ``ArrayFilter`` (which the VM runs without a Python call) whose fast
        paths give what ``filter`` gives: an ndarray of exactly this dtype,
        number of dimensions and known lengths is taken as it is; for a 0-d
        input, a NumPy scalar of this dtype, a Python float (float inputs and
        complex128) or a Python int that int64 holds (int64 and float64
        inputs) become a 0-d array.  Everything else, every error included,
        goes through ``filter(data, strict, allow_downcast)``."""
        dtype = self.numpy_dtype
        slow = partial(self.filter, strict=True) if strict else partial(
            self.filter, strict=False, allow_downcast=allow_downcast)
        py_float = py_int = False
        if not strict:
            # Python numbers whose conversion ``filter`` accepts whatever
            # allow_downcast says, and that np.asarray(x, dtype) converts
            # as ``filter`` does
            py_float = dtype.kind == "f" or dtype.name == "complex128"
            py_int = dtype.name in ("int64", "float64")
        return ArrayFilter(slow, np.ndarray, dtype, self.ndim, self.shape,
                           scalar_type=dtype.type, convert=np.asarray,
                           py_float=py_float, py_int=py_int)

    def is_valid_value(self, data):
        try:
            self.filter(data, strict=True)
            return True
        except TypeError:
            return False

    def values_eq(self, a, b):
        return np.array_equal(a, b)

    def values_eq_approx(self, a, b, rtol=None, atol=None):
        a = np.asarray(a)
        b = np.asarray(b)
        if a.shape != b.shape:
            return False
        if rtol is None:
            rtol = 1e-4 if self.dtype in ("float16", "float32", "complex64") else 1e-8
        if atol is None:
            atol = 1e-5 if self.dtype in ("float16", "float32", "complex64") else 1e-10
        if self.dtype in CONTINUOUS_DTYPES:
            return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
        return bool(np.array_equal(a, b))

    def constant_signature(self, data):
        data = np.asarray(data)
        if data.size <= 64:
            return (data.dtype.str, data.shape, data.tobytes())
        return (data.dtype.str, data.shape, hashlib.sha256(data.tobytes()).hexdigest())

    # -- subtyping -----------------------------------------------------------
    def is_super(self, otype):
        """True when every value of ``otype`` is a value of this type."""
        if not isinstance(otype, TensorType) or otype.dtype != self.dtype or otype.ndim != self.ndim:
            return False
        for a, b in zip(self.shape, otype.shape):
            if a is not None and a != b:
                return False
        return True

    # -- set by the floors whose ops they build ------------------------------
    # graphcore's conversion hooks: ``filter_variable(other, allow_convert)``
    # and ``constant_from_value(value)`` (basic.py), ``convert_variable(var)``
    # (shape.py: a ``SpecifyShape`` when ``var``'s type is wider); autodiff's
    # hooks: ``grad_seed(cost)``, ``zeros_like(var)``, ``add_gradients(grads)``
    # and ``filter_gradient(var, g)`` (math.py).


_type_cache = {}


def tensor_type(dtype, shape):
    """``TensorType(dtype, shape)``, shared: one instance per (dtype name,
    shape) is kept and handed out again, so that ops making many outputs of
    the same type (every node of an elementwise chain) neither build nor
    compare types anew.  For the outputs of ops; such a type must not be
    changed (its ``name`` included)."""
    key = (dtype, shape)
    try:
        t = _type_cache.get(key)
    except TypeError:  # an unhashable shape: not cached
        return TensorType(dtype, shape)
    if t is None:
        t = TensorType(dtype, shape)
        # only dtype names ('floatX' follows the configuration) and tuples
        if type(dtype) is str and dtype in _NP_DTYPES and type(shape) is tuple and len(_type_cache) < 8192:
            _type_cache[key] = t
    return t


def _describe_value(data, arr=None):
    if arr is None and isinstance(data, np.ndarray):
        arr = data
    if arr is not None:
        return f"a {arr.ndim}-d array of dtype {arr.dtype} with shape {arr.shape}"
    if isinstance(data, np.generic):
        return f"a numpy {data.dtype} scalar {data!r}"
    r = repr(data)
    if len(r) > 40:
        r = r[:37] + "..."
    return f"{type(data).__name__} {r}"
