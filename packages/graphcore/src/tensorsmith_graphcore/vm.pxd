# Augmenting declarations for vm.py (Cython pure-Python mode).
cimport cython

cdef class PerformThunk:
    cdef public object node
    cdef public object perform
    cdef public list input_cells
    cdef public list output_cells

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
    cdef public object relink
    cdef list _spares
    cdef public object update_locks
    cdef dict __dict__
