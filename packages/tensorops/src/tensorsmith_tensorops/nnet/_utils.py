"""Shared pieces of ``pt.nnet``: converting inputs to floats, the dtype
rules of float functions, and argument checks."""
import numpy as np

from ..basic import as_tensor_variable, resolve_weak
from ..config import config
from ..math import cast
from ..type import FLOAT_DTYPES


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _as_float(x, what):
    """``x`` as a real floating tensor (integers and bool become floatX)."""
    x = as_tensor_variable(x)
    dt = x.type.dtype
    if dt.startswith("complex"):
        raise TypeError(f"{what}: complex inputs are not supported, got {x.type}")
    if dt not in FLOAT_DTYPES:
        x = cast(x, config.floatX)
    return x


def _common_float(xs, what):
    xs = resolve_weak([as_tensor_variable(x) for x in xs])
    for x in xs:
        if x.type.dtype.startswith("complex"):
            raise TypeError(f"{what}: complex inputs are not supported, got {x.type}")
    dt = np.result_type(*[np.dtype(x.type.dtype) for x in xs])
    if dt.kind != "f":
        dt = np.dtype(config.floatX)
    return [cast(x, dt.name) for x in xs]


def _keep_dtype(g, x):
    return g if g.type.dtype == x.type.dtype else cast(g, x.type.dtype)


def _float_out_dtype(in_dtype, what):
    dt = np.dtype(in_dtype)
    if dt.kind == "c":
        raise TypeError(f"{what} is not defined for complex inputs ({in_dtype})")
    if dt.kind == "f":
        return dt.name
    # NumPy's float ufunc loops: bool/int8/uint8 -> float16, 16-bit -> float32, wider -> float64
    return np.result_type(dt, np.float16).name


def _ntuple(v, n, what, minimum):
    if isinstance(v, (int, np.integer)):
        v = (int(v),) * n
    else:
        v = tuple(v)
        if len(v) != n or not all(isinstance(e, (int, np.integer)) for e in v):
            raise ValueError(f"{what} must be an int or a tuple of {n} ints, got {v!r}")
        v = tuple(int(e) for e in v)
    if any(e < minimum for e in v):
        raise ValueError(f"{what} must be >= {minimum}, got {v}")
    return v
