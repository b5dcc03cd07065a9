"""Helpers of the compile-cache tests (a module with a name of its own, so
that it is not confused with other folders' conftest modules)."""
import os
import uuid

import pytest

from tensorsmith_ccompile.toolchain import CompilerNotFound, Toolchain, find_compiler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    find_compiler()
    NO_COMPILER = None
except CompilerNotFound as e:
    NO_COMPILER = str(e)

needs_compiler = pytest.mark.skipif(NO_COMPILER is not None, reason=f"no C compiler: {NO_COMPILER}")

MODULE_TEMPLATE = r"""#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *value(PyObject *self, PyObject *args) { return PyLong_FromLong(%(value)dL); }

static PyMethodDef methods[] = {{"value", value, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "%(name)s", NULL, -1, methods};

PyMODINIT_FUNC PyInit_%(name)s(void) { return PyModule_Create(&moddef); }
"""


def module_source(value, name=None):
    """``(source, module_name)``: a new module whose ``value()`` returns ``value``."""
    name = name or f"ts_test_{uuid.uuid4().hex[:12]}"
    return MODULE_TEMPLATE % {"name": name, "value": value}, name


class CountingToolchain(Toolchain):
    """The detected compiler, counting the modules it builds."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.builds = 0

    def build(self, *a, **kw):
        self.builds += 1
        return super().build(*a, **kw)


def counting_toolchain(**kw):
    cc, args, origin = find_compiler()
    return CountingToolchain(cc, args, origin=origin, **kw)
