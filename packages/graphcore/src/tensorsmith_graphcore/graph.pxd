# Augmenting declarations for graph.py (Cython pure-Python mode).
cimport cython

cdef list _library_dirs
cdef dict _lib_file_cache
cdef bint _tracing

@cython.locals(r=object, d=str)
cdef object _is_library_file(str filename)

cpdef object user_location()


cdef class Variable:
    cdef public object type
    cdef public Apply owner
    cdef public object index
    cdef public object name
    cdef public object _trace
    cdef public object tag


cdef class Constant(Variable):
    cdef public object data


cdef class Apply:
    cdef public object op
    cdef public list inputs
    cdef public list outputs
    cdef public object trace


@cython.locals(order=list, done=set, expanded=set, stack=list, block=set, node=Apply,
               inputs=list, k=Py_ssize_t, v=Variable, parent=Apply, out=Variable)
cpdef list toposort(object outputs, object blockers=*)

@cython.locals(block=set, seen=set, result=list, stack=list, v=Variable, node=Apply,
               inputs=list, k=Py_ssize_t)
cpdef list ancestors(object outputs, object blockers=*)

@cython.locals(node=Apply, new_node=Apply, new_inputs=list, v=Variable, nv=Variable,
               outs=list, new_outs=list, j=Py_ssize_t, memo=dict)
cpdef dict clone_get_equiv(object inputs, object outputs, bint copy_inputs=*, bint copy_orphans=*, dict memo=*)

@cython.locals(node=Apply, new_node=Apply, new_inputs=list, v=Variable, nv=Variable,
               memo=dict, changed=bint, j=Py_ssize_t)
cpdef object clone_replace(object outputs, object replace=*, bint copy_inputs=*)
