"""Shared variables: graph inputs whose value lives in a storage cell that
compiled functions read (and, through updates, write) between calls."""
import copy
import itertools
import threading

import numpy as np
from tensorsmith_graphcore import user_location

from .config import config
from .type import TensorType
from .variable import TensorVariable

__all__ = ["SharedVariable", "SharedCell", "TensorSharedVariable", "shared"]


_cell_order = itertools.count()


class SharedCell(list):
    """The storage cell ``[value]`` of a shared variable, with the lock that
    calls updating it hold (``order``: the global order in which a call takes
    several such locks, so two calls never wait on each other in a cycle).
    Copied or pickled, it is a new cell with a new lock."""

    __slots__ = ("lock", "order")

    def __init__(self, value):
        super().__init__((value,))
        self.lock = threading.RLock()
        self.order = next(_cell_order)

    def __reduce__(self):
        return SharedCell, (self[0],)

    def __deepcopy__(self, memo):
        return SharedCell(copy.deepcopy(self[0], memo))


class SharedVariable:
    """Mixin: ``container`` is the storage cell ``[value]`` shared by every
    function that uses the variable; ``default_update`` (optional) is the
    expression ``function`` uses as its update when none is given."""

    def _init_shared(self, value, strict, allow_downcast):
        self.container = SharedCell(self.type.filter(value, strict=strict, allow_downcast=allow_downcast))
        self.default_update = None

    def get_value(self, borrow=False, return_internal_type=False):
        v = self.container[0]
        return v if borrow else copy.deepcopy(v)

    def set_value(self, value, borrow=False):
        """Store ``value`` (copied unless ``borrow``).  Like a function argument,
        it must fit the variable's type: an array whose dtype would lose
        precision raises TypeError (Python numbers are converted)."""
        v = self.type.filter(value, strict=False, allow_downcast=None)
        if not borrow and v is value:
            v = copy.deepcopy(v)
        with self.container.lock:
            self.container[0] = v

    def zero(self, borrow=False):
        """Set the value to zeros of the same shape."""
        v = self.container[0]
        if borrow and hasattr(v, "fill"):
            v.fill(0)
        else:
            self.container[0] = v * 0 if not hasattr(v, "dtype") else np.zeros_like(v)

    def clone(self, name=None):
        cp = super().clone(name)
        cp.container = self.container
        cp.default_update = self.default_update
        return cp

    @property
    def value(self):
        return self.container[0]


class TensorSharedVariable(SharedVariable, TensorVariable):
    pass


_shared_constructors = []


def shared_constructor(fn):
    """Register ``fn(value, name, strict, allow_downcast, borrow, shape)`` that
    returns a shared variable for the values it handles, or raises TypeError."""
    _shared_constructors.insert(0, fn)
    return fn


@shared_constructor
def _tensor_shared(value, name=None, strict=False, allow_downcast=None, borrow=False, shape=None):
    if not isinstance(value, (np.ndarray, np.generic, int, float, complex, bool, list, tuple)):
        raise TypeError("not an array")
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError("object array")
    if isinstance(value, float) and not isinstance(value, np.generic):
        arr = arr.astype(config.floatX)
    if not borrow:
        arr = arr.copy()
    if shape is None:
        shape = (None,) * arr.ndim
    t = TensorType(arr.dtype, shape)
    v = TensorSharedVariable(t, None, None, name)
    v._init_shared(arr, strict, allow_downcast)
    return v


def shared(value, name=None, strict=False, allow_downcast=None, borrow=False, shape=None, **kwargs):
    """A shared variable holding ``value`` (copied unless ``borrow``).  Its
    static shape is unknown unless ``shape`` is given, so the value may
    change shape with ``set_value``."""
    errors = []
    for fn in _shared_constructors:
        try:
            v = fn(value, name=name, strict=strict, allow_downcast=allow_downcast, borrow=borrow,
                   shape=shape, **kwargs)
        except TypeError as e:
            errors.append(str(e))
            continue
        v._trace = user_location()
        return v
    raise TypeError(f"shared: no shared variable type holds a {type(value).__name__} ({'; '.join(errors)})")
