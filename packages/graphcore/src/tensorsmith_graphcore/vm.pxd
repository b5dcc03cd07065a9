# Augmenting declarations for vm.py (Cython pure-Python mode).
cimport cython

cdef bint _COMPILED
cdef object _MISSING
cdef object _INT64_MIN
cdef object _INT64_MAX

cdef class PerformThunk:
    cdef public object node
    cdef public object perform
    cdef public list input_cells
    cdef public list output_cells

@cython.final
cdef class ArrayFilter:
    cdef public object slow
    cdef public object array_type
    cdef public object dtype
    cdef public Py_ssize_t ndim
    cdef public tuple shape
    cdef public object scalar_type
    cdef public object convert
    cdef public bint py_float
    cdef public bint py_int

    @cython.locals(t=object, shape=tuple, shp=object, nd=Py_ssize_t, k=Py_ssize_t, s=object)
    cpdef object apply(self, object x)

cdef class VM:
    cdef public list thunks
    cdef public list nodes
    cdef public list input_cells
    cdef public list filters
    cdef public list output_cells
    cdef public list arg_names
    cdef public list updates
    cdef public list clear_cells
    cdef public bint unpack_single
    cdef public object describe
    cdef public Py_ssize_t n_inputs
    cdef public list alias_cells
    cdef public object defaults
    cdef public bint trust_input
    cdef object _lock
    cdef bint _busy
    cdef public object relink
    cdef list _spares
    cdef public object update_locks
    cdef dict __dict__

    @cython.locals(filters=list, n=Py_ssize_t, vals=list, i=Py_ssize_t, f=object, af=ArrayFilter)
    cdef list _filter(self, tuple args)

    @cython.locals(spares=list, vm=VM)
    cdef object _dispatch(self, object args)

    @cython.locals(cells=list, n=Py_ssize_t, i=Py_ssize_t, thunks=list, m=Py_ssize_t,
                   k=Py_ssize_t, outs=object, ocells=list, upd=list, new=list, j=Py_ssize_t)
    cdef object _execute(self, object args)

    cdef void _fail(self, object e, Py_ssize_t k) except *

    @cython.locals(cells=list, m=Py_ssize_t, j=Py_ssize_t)
    cdef int _clear(self) except -1

    @cython.locals(acells=list, na=Py_ssize_t, a=Py_ssize_t, shared=bint, cp=object)
    cdef object _output(self, object v)
