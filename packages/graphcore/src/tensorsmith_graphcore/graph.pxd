# Augmenting declarations for graph.py (Cython pure-Python mode).
cimport cython

cdef list _library_dirs
cdef dict _lib_file_cache
cdef bint _tracing
cdef bint _COMPILED
cdef object _getframe
cdef Py_ssize_t _epoch

@cython.locals(r=object, d=str)
cdef object _is_library_file(str filename)

@cython.locals(f=object, fn=object, r=object)
cpdef object user_location()

# The frame walk of user_location() through the C API (compiled module only;
# graph.py calls it under ``if _COMPILED``).
from cpython.ref cimport PyObject, Py_XINCREF, Py_XDECREF

cdef extern from "Python.h":
    ctypedef struct PyFrameObject:
        pass
    PyFrameObject* PyEval_GetFrame()
    PyFrameObject* PyFrame_GetBack(PyFrameObject*)
    PyObject* PyFrame_GetCode(PyFrameObject*)
    int PyFrame_GetLineNumber(PyFrameObject*)

cdef inline object _c_user_location():
    cdef PyFrameObject* f = PyEval_GetFrame()
    cdef PyFrameObject* back
    cdef PyObject* code
    cdef object fn, r
    Py_XINCREF(<PyObject*>f)
    while f != NULL:
        code = PyFrame_GetCode(f)
        fn = (<object>code).co_filename
        Py_XDECREF(code)
        r = _lib_file_cache.get(fn)
        if r is None:
            r = _is_library_file(fn)
        if r is False:
            r = (fn, PyFrame_GetLineNumber(f))
            Py_XDECREF(<PyObject*>f)
            return r
        back = PyFrame_GetBack(f)
        Py_XDECREF(<PyObject*>f)
        f = back
    return None


cdef class Variable:
    cdef public object type
    cdef public Apply owner
    cdef public object index
    cdef public object name
    cdef public object _trace
    cdef public object tag
    @cython.locals(cp=Variable)
    cpdef clone(self, name=*)


cdef class Constant(Variable):
    cdef public object data
    cpdef clone(self, name=*)


cdef class Apply:
    cdef public object op
    cdef public list inputs
    cdef public list outputs
    cdef public object trace
    cdef Py_ssize_t _mark


@cython.locals(op=object, i=Py_ssize_t, x=object, o=Variable)
cdef _check_apply(Apply node)

@cython.locals(node=Apply, o=Variable, i=Py_ssize_t)
cdef Apply _make_apply(object op, list inputs, list outputs, object trace)

@cython.locals(res=list, o=Variable)
cdef list _clone_outputs(list outputs)

cdef set _block_set(object blockers)

@cython.locals(expanded=Py_ssize_t, done=Py_ssize_t, m=Py_ssize_t, order=list, stack=list,
               block=set, node=Apply, inputs=list, k=Py_ssize_t, v=Variable, parent=Apply,
               out=Variable)
cdef list _toposort_marks(list outputs, object blockers)


@cython.locals(order=list, done=set, expanded=set, stack=list, block=set, node=Apply,
               inputs=list, k=Py_ssize_t, v=Variable, parent=Apply, out=Variable)
cpdef list toposort(object outputs, object blockers=*)

@cython.locals(block=set, seen=set, result=list, stack=list, v=Variable, node=Apply,
               inputs=list, k=Py_ssize_t)
cpdef list ancestors(object outputs, object blockers=*)

@cython.locals(gc_was_enabled=bint)
cpdef dict clone_get_equiv(object inputs, object outputs, bint copy_inputs=*, bint copy_orphans=*, dict memo=*)

@cython.locals(node=Apply, new_node=Apply, new_inputs=list, v=Variable, nv=Variable,
               outs=list, new_outs=list, j=Py_ssize_t)
cdef _clone_into(dict memo, object inputs, object outputs, bint copy_inputs, bint copy_orphans)

@cython.locals(node=Apply, new_node=Apply, new_inputs=list, v=Variable, nv=Variable,
               memo=dict, changed=bint, j=Py_ssize_t)
cpdef object clone_replace(object outputs, object replace=*, bint copy_inputs=*)
