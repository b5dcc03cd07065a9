# Augmenting declarations for _ufunc_thunk.py (Cython pure-Python mode).
cdef class UfuncThunk:
    cdef public object node
    cdef public object ufunc
    cdef public object dtype
    cdef public tuple input_cells
    cdef public tuple output_cells
    cdef object out
    cdef object a
    cdef object b
    cdef Py_ssize_t nin
    cdef public Py_ssize_t reuse
    cdef public Py_ssize_t inplace

    cdef bint _call_inplace(self, object x) except -1

cdef bint _reusable(object x, object other) except -1

cdef bint _ARRAY_OUT
