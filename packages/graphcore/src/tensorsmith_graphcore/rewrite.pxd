# Augmenting declarations for rewrite.py (Cython pure-Python mode): the hot
# loops of the drivers and of merge as typed C functions.
cimport cython
from tensorsmith_graphcore.graph cimport Variable as _Var, Apply as _Apply, Constant as _Const

cdef object OUTPUT
cdef object _ANY
cdef object _CONST_KEY

cdef bint _same_var(object a, object b) except -1

@cython.locals(old=object)
cdef bint _bind(object name, object v, dict b) except -1

@cython.locals(pairs=list, i=Py_ssize_t)
cdef list _replacement_pairs(_Apply node, object result)

@cython.locals(in_graph=set, stack=list, seen=set, node=object, n=_Apply, p=object)
cdef _keep_locations(object fgraph, list pairs)

@cython.locals(t0=double, pairs=list)
cdef bint _apply_rule(object fgraph, object rule, _Apply node, bint skip_errors, object trace) except -1

@cython.locals(nodes=set, k=Py_ssize_t, changes=Py_ssize_t, node=object)
cdef Py_ssize_t _walk(object fgraph, list queue, object index, bint skip_errors, object trace,
                      object counts) except -1

@cython.locals(i=Py_ssize_t, v=object)
cdef Py_ssize_t _pivot(_Apply node) except -1

cdef object _input_key(object v)

@cython.locals(ia=list, ib=list, i=Py_ssize_t, x=object, y=object)
cdef bint _same_inputs(_Apply a, _Apply b) except -1

@cython.locals(clients=dict, classes=dict, unhashable=list, multi=list, no_inputs=list,
               cl=list, merged=Py_ssize_t, inputs=set, variables=set, queue=list,
               k=Py_ssize_t, i=Py_ssize_t, lst=list, cands=list)
cdef Py_ssize_t _merge(object fgraph, object q, bint merge_constants) except -1

@cython.locals(clients=dict, variables=set, inputs=set, merged=Py_ssize_t, lst=list, cl=list,
               free=bint)
cdef Py_ssize_t _merge_constants(object fgraph, dict classes) except -1

@cython.locals(cl=list, cands=list, i=Py_ssize_t)
cdef Py_ssize_t _merge_clients_of(object fgraph, object v) except -1

@cython.locals(nodes=set, merged=Py_ssize_t, groups=dict, rest=list, k=Py_ssize_t)
cdef Py_ssize_t _merge_nodes(object fgraph, list cands) except -1

cdef bint _is_output(object cl) except -1

@cython.locals(variables=set)
cdef _replace_pairs(object fgraph, list pairs, object reason)

@cython.locals(nodes=set, clients=dict, pairs=list, i=Py_ssize_t)
cdef bint _merge_into(object fgraph, _Apply node, _Apply keep) except -1
