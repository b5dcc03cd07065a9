# Augmenting declarations for fg.py (Cython pure-Python mode).
cimport cython
from tensorsmith_graphcore.graph cimport Variable as _Var, Apply as _Apply

cdef class FunctionGraph:
    cdef public list inputs
    cdef public set _input_set
    cdef public dict _cpos
    cdef public list outputs
    cdef public set apply_nodes
    cdef public set variables
    cdef public dict clients
    cdef public object memo
    cdef public list _features
    cdef public object _order
    cdef public object _owned
    cdef dict __dict__

    @cython.locals(n=_Apply, v=_Var, o=_Var, i=Py_ssize_t, new_nodes=list, variables=set,
                   clients=dict, cpos=dict, cl=list, idx=dict)
    cpdef import_node(self, _Apply node, object reason=*)
    cpdef import_var(self, _Var var, object reason=*)
    cpdef _setup_var(self, _Var var)
    @cython.locals(cl=list, idx=dict)
    cpdef _add_client(self, _Var var, tuple client)
    cpdef add_input(self, _Var var)
    cpdef add_output(self, _Var var, object reason=*)
    @cython.locals(cl=list, k=Py_ssize_t, n=Py_ssize_t, c=tuple, idx=dict)
    cpdef _remove_client(self, _Var var, object node, Py_ssize_t i, object reason)
    @cython.locals(stack=list, v=_Var, node=_Apply, o=_Var, inp=_Var, used=bint, i=Py_ssize_t)
    cpdef _prune_if_unused(self, _Var var, object reason)
    cpdef change_node_input(self, object node, Py_ssize_t i, _Var new_var, object reason=*, bint check=*)
    cpdef _change_in_place(self, object node, Py_ssize_t i, _Var old, _Var new_var, object reason)
    @cython.locals(owned=set, copies=dict, replaced=list, pending=list, j=Py_ssize_t, k=Py_ssize_t,
                   ci=Py_ssize_t, v=_Var, old=_Var, o=_Var, o2=_Var, n2=_Apply)
    cpdef _change_on_copy(self, list changes, object reason)
