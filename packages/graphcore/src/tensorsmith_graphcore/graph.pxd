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
# graph.py calls it under ``if _COMPILED``).  Two direct-mapped caches make a
# node's trace cost a few pointer compares in the common case (a node made
# again and again at the same place, as in a loop or a library function):
#   _lc_*: code object -> is it library code (keyed by the code object);
#   _tc_*: (code object, last instruction offset) -> the (filename, lineno)
#          tuple, shared by every node made there (no line-table scan, no
#          tuple per node).
# Each slot holds strong references to its code object and tuple, so a key's
# address can never be reused by another object while it is cached.
from cpython.ref cimport PyObject, Py_XINCREF, Py_XDECREF, Py_INCREF

cdef extern from "Python.h":
    ctypedef struct PyFrameObject:
        pass
    ctypedef struct PyCodeObject:
        pass
    PyFrameObject* PyEval_GetFrame()
    PyFrameObject* PyFrame_GetBack(PyFrameObject*)
    PyCodeObject* PyFrame_GetCode(PyFrameObject*)
    int PyFrame_GetLineNumber(PyFrameObject*)
    int PyFrame_GetLasti(PyFrameObject*)

cdef enum:
    _LC_MASK = 255
    _TC_MASK = 1023

cdef PyObject* _lc_code[256]
cdef char _lc_lib[256]
cdef PyObject* _tc_code[1024]
cdef int _tc_lasti[1024]
cdef PyObject* _tc_val[1024]


cdef inline void _c_clear_trace_cache():
    """Forget both caches (library paths changed)."""
    cdef Py_ssize_t i
    cdef PyObject* old
    for i in range(_LC_MASK + 1):
        old = _lc_code[i]
        _lc_code[i] = NULL
        Py_XDECREF(old)
    for i in range(_TC_MASK + 1):
        old = _tc_code[i]
        _tc_code[i] = NULL
        Py_XDECREF(old)
        old = _tc_val[i]
        _tc_val[i] = NULL
        Py_XDECREF(old)


cdef inline int _c_code_is_library(PyObject* code) except -1:
    cdef size_t s = (<size_t>code >> 4) & _LC_MASK
    cdef PyObject* old
    if _lc_code[s] == code:
        return _lc_lib[s]
    r = _is_library_file((<object>code).co_filename)
    Py_INCREF(<object>code)
    old = _lc_code[s]
    _lc_code[s] = code
    _lc_lib[s] = 1 if r else 0
    Py_XDECREF(old)
    return _lc_lib[s]


cdef inline object _c_trace_of(PyFrameObject* f, PyObject* code):
    cdef int lasti = PyFrame_GetLasti(f)
    cdef size_t s = ((<size_t>code >> 4) ^ (<size_t>lasti * <size_t>2654435761u)) & _TC_MASK
    cdef PyObject* old_code
    cdef PyObject* old_val
    if _tc_code[s] == code and _tc_lasti[s] == lasti:
        return <object>_tc_val[s]
    r = ((<object>code).co_filename, PyFrame_GetLineNumber(f))
    Py_INCREF(<object>code)
    Py_INCREF(r)
    old_code = _tc_code[s]
    old_val = _tc_val[s]
    _tc_code[s] = code
    _tc_lasti[s] = lasti
    _tc_val[s] = <PyObject*>r
    Py_XDECREF(old_code)
    Py_XDECREF(old_val)
    return r


cdef inline object _c_user_location():
    cdef PyFrameObject* f = PyEval_GetFrame()
    cdef PyFrameObject* back
    cdef PyObject* code
    cdef object r = None
    Py_XINCREF(<PyObject*>f)
    try:
        while f != NULL:
            code = <PyObject*>PyFrame_GetCode(f)
            try:
                if not _c_code_is_library(code):
                    r = _c_trace_of(f, code)
                    break
            finally:
                Py_XDECREF(code)
            back = PyFrame_GetBack(f)
            Py_XDECREF(<PyObject*>f)
            f = back
    finally:
        Py_XDECREF(<PyObject*>f)
    return r


cdef class Variable:
    cdef public object type
    cdef public Apply owner
    cdef public object index
    cdef public object name
    cdef public object _trace
    cdef public object tag
    # (no cdef/cpdef methods: a vtable pointer would make every Variable
    # 8 bytes larger, one pymalloc size class up)


@cython.locals(cp=Variable)
cdef Variable _copy_plain_variable(Variable v, object name)



cdef class Constant(Variable):
    cdef public object data


cdef class Apply:
    cdef public object op
    cdef public list inputs
    cdef public list outputs
    cdef public object trace
    cdef Apply _copy
    cdef Py_ssize_t _mark


@cython.locals(op=object, i=Py_ssize_t, x=object, o=Variable)
cdef _check_apply(Apply node)

@cython.locals(node=Apply, o=Variable, i=Py_ssize_t)
cdef Apply _make_apply(object op, list inputs, list outputs, object trace)

@cython.locals(res=list, n=Py_ssize_t, i=Py_ssize_t, o=Variable)
cdef list _clone_outputs(list outputs)

# traversals (graph.py, "Traversals"): the declarations of the one sort and
# the one ancestor walk, which graph.py writes once for both builds
cdef object _walk_lock
cdef Py_ssize_t _epoch

cdef Py_ssize_t _new_marks()

cdef set _block_set(object blockers)

@cython.locals(stack=list, n=Py_ssize_t, k=Py_ssize_t, step=Py_ssize_t, end=Py_ssize_t,
               out=Variable, node=Apply)
cdef list _root_nodes(list outputs, object block, bint last_first)

@cython.locals(done=Py_ssize_t, node=Apply, m=Py_ssize_t, inputs=list, k=Py_ssize_t,
               v=Variable, parent=Apply)
cdef Apply _topo_walk(list stack, list order, object block, dict state, Py_ssize_t expanded,
                      bint last_first, dict leaves, bint owned_leaf, bint copy_orphans)

@cython.locals(order=list)
cdef list _sorted(list stack, object block, bint last_first)

@cython.locals(block=set)
cpdef list toposort(object outputs, object blockers=*, bint last_first=*)

@cython.locals(stack=list)
cdef list _root_vars(list outputs, bint last_first)

@cython.locals(node=Apply, inputs=list, outs=list, k=Py_ssize_t, x=object)
cdef Variable _ancestor_walk(list stack, set seen, object block, bint last_first,
                             bint with_outputs, list result, Variable v)

@cython.locals(block=set)
cpdef list ancestors(object outputs, object blockers=*, bint last_first=*)

@cython.locals(stack=list, seen=set, v=Variable)
cpdef bint is_in_ancestors(object node, object target)

cpdef dict clone_get_equiv(object inputs, object outputs, bint copy_inputs=*, bint copy_orphans=*, dict memo=*)

@cython.locals(node=Apply, new_node=Apply, ins=list, new_inputs=list, v=Variable, nv=Variable,
               outs=list, new_outs=list, j=Py_ssize_t, n=Py_ssize_t)
cdef _clone_into(dict memo, object inputs, object outputs, bint copy_inputs, bint copy_orphans)

@cython.locals(leaves=dict, owned_leaf=bint, order=list, node=Apply, new_inputs=list,
               v=Variable, nv=Variable, new_outputs=list)
cdef tuple _clone_scratch(list inputs, list outputs, bint copy_inputs, bint copy_orphans)

@cython.locals(inputs=list, node_inputs=list, n=Py_ssize_t, i=Py_ssize_t)
cdef _clone_node_scratch(Apply node, dict leaves, bint owned_leaf, bint copy_orphans)

@cython.locals(p=Apply, nv=Variable, j=Py_ssize_t)
cdef Variable _scratch_copy_of(Variable v, dict leaves, bint owned_leaf, bint copy_orphans)

@cython.locals(node=Apply, new_node=Apply, new_inputs=list, v=Variable, nv=Variable,
               memo=dict, changed=bint, j=Py_ssize_t)
cpdef object clone_replace(object outputs, object replace=*, bint copy_inputs=*)


# ``_instance_dict`` of the compiled module: the instance dict of a Python
# subclass of Variable/Apply, or None, without creating an empty one.
cdef extern from "Python.h":
    PyObject** _PyObject_GetDictPtr(PyObject*)


cdef inline object _c_instance_dict(object obj):
    cdef PyObject** p = _PyObject_GetDictPtr(<PyObject*>obj)
    if p == NULL or p[0] == NULL:
        return None
    return <object>p[0]


# pickling and copying (graph.py, "Pickling and copying graphs")
cdef object _extra_state(object obj, object fields)

@cython.locals(extra=object)
cdef object _var_tail(Variable v, object fields)

@cython.locals(n=Py_ssize_t)
cdef _set_var_tail(Variable v, tuple st)

cdef object _pickle_session()

cdef class _Placed:
    cdef dict placed
    cdef bint by_id

@cython.locals(stack=list, r=Apply)
cdef list _nodes_to_emit(list roots, dict placed, bint by_id=*)

@cython.locals(serial=dict, k=object, order=list, n=Apply)
cdef tuple _locate(Apply node)

cdef object _new_table(object s, Py_ssize_t b)

@cython.locals(b=Py_ssize_t)
cdef tuple _table_of(object s, object k)

@cython.locals(node=Apply, outs=list)
cdef tuple _reduce_variable(Variable v)

cdef tuple _reduce_apply(Apply node)

@cython.locals(serial=dict, nodes=list, start=Py_ssize_t, n=Py_ssize_t, shape=list, wiring=list,
               types=list, traces=list, tails=list, any_trace=bint, pos=Py_ssize_t, node=Apply,
               outs=list, m=Py_ssize_t, i=Py_ssize_t, o=Variable, inputs=list, v=Variable,
               p=Apply, k=Py_ssize_t, pos2=object, t2=object)
cdef tuple _reduce_table(object t)

@cython.locals(wiring=list, types=list, traces=list, tails=list, nodes=list, n=Py_ssize_t,
               w=Py_ssize_t, ti=Py_ssize_t, pos=Py_ssize_t, node=Apply, nin=Py_ssize_t,
               inputs=list, i=Py_ssize_t, j=Py_ssize_t, m=Py_ssize_t, o=Variable)
cdef _fill_table(object t, tuple state)

@cython.locals(v=Variable)
cdef Variable _blank_variable(object cls, object type_)

@cython.locals(n=Py_ssize_t, nodes=list, i=Py_ssize_t, m=Py_ssize_t, outs=list, j=Py_ssize_t)
cdef list _make_shells(tuple shape)

@cython.locals(lst=object)
cdef list _keep_alive_list(dict memo)

@cython.locals(tag=object, extra=object)
cdef _deepcopy_tail(Variable src, Variable dst, object fields, dict memo, object deepcopy)

@cython.locals(node=Apply, ins=list, n=Py_ssize_t, new_inputs=list, j=Py_ssize_t, x=Variable,
               nx=Variable, p=Apply, outs=list, m=Py_ssize_t, new_outs=list, o=Variable,
               new_node=Apply, alive=list, extra=object, last_op=object, last_op_copy=object,
               last_type=object, last_type_copy=object)
cdef _deepcopy_order(list order, dict memo)

