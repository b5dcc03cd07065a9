"""Thunks of ufunc-backed elementwise nodes (one or two inputs, one output):
``out = ufunc(a, b)`` with the result made an array of the output dtype, and
the buffer of a dying input reused for the output when that is safe.

Plain Python, compiled by Cython with ``_ufunc_thunk.pxd`` where the build
ran a compiler: a compiled thunk is a small object (about 100 bytes) that is
called without a Python frame, which matters for graphs of a million nodes."""
from numpy import add, array, asarray, ndarray

# below this many elements a fresh array is as cheap as reusing one
REUSE_MIN_SIZE = 8192

# ``ufunc(..., out=...)`` (NumPy >= 2.3) returns a 0-d array rather than a
# NumPy scalar for 0-d operands: no conversion of the result afterwards
try:
    _ARRAY_OUT = type(add(array(1.0), array(1.0), out=...)) is ndarray
except TypeError:
    _ARRAY_OUT = False


class UfuncThunk:
    """``output_cells[0][0] = ufunc(*input values)``.

    ``reuse``: the position of an input whose buffer may be overwritten by the
    output (-1: none): an intermediate no later node reads, freshly allocated
    by another such thunk, of the output's dtype and number of dimensions; it
    is reused when large, unaliased, writeable and of the output's shape.

    ``inplace``: the position of the input an in-place op overwrites (-1:
    none), as its ``destroy_map`` says: the result goes into that buffer
    whenever it can hold it (an array of the output's dtype, writeable, of
    the broadcast shape; NumPy gives a call whose output overlaps its inputs
    the result it would give without overlap), else into a new array."""

    def __init__(self, node, ufunc, dtype, input_cells, output_cells, reuse=-1, inplace=-1):
        self.node = node
        self.ufunc = ufunc
        self.dtype = dtype
        self.input_cells = tuple(input_cells)
        self.output_cells = tuple(output_cells)
        self.out = self.output_cells[0]
        self.nin = len(self.input_cells)
        self.a = self.input_cells[0]
        self.b = self.input_cells[1] if self.nin > 1 else None
        self.reuse = reuse
        self.inplace = inplace

    def __call__(self):
        x = self.a[0]
        r = None
        if self.inplace >= 0 and self._call_inplace(x):
            return
        if self.nin == 1:
            if self.reuse == 0 and _reusable(x, None):
                r = self.ufunc(x, out=x)
            elif _ARRAY_OUT:
                r = self.ufunc(x, out=...)
            else:
                r = self.ufunc(x)
        else:
            y = self.b[0]
            if self.reuse == 0 and _reusable(x, y):
                r = self.ufunc(x, y, out=x)
            elif self.reuse == 1 and _reusable(y, x):
                r = self.ufunc(x, y, out=y)
            elif _ARRAY_OUT:
                r = self.ufunc(x, y, out=...)
            else:
                r = self.ufunc(x, y)
        if type(r) is ndarray and (r.dtype is self.dtype or r.dtype == self.dtype):
            self.out[0] = r
        else:
            self.out[0] = asarray(r, dtype=self.dtype)


    def _call_inplace(self, x):
        buf = self.input_cells[self.inplace][0]
        if type(buf) is not ndarray or buf.dtype != self.dtype:
            return False
        try:
            if self.nin == 1:
                self.ufunc(x, out=buf)
            else:
                self.ufunc(x, self.b[0], out=buf)
        except (TypeError, ValueError):  # shape, read-only, casting: computed anew
            return False
        self.out[0] = buf
        return True


def _reusable(x, other):
    """``x`` can receive the result: a large, unaliased, writeable array that
    the other operand (if any) broadcasts into without changing its shape."""
    if type(x) is not ndarray or x.size < REUSE_MIN_SIZE or x.base is not None:
        return False
    if not x.flags.writeable:
        return False
    if other is None or type(other) is not ndarray:
        return True
    return other.shape == x.shape or other.size == 1
