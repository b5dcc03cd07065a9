"""tensorsmith_ccompile: C code generation, the compile cache and the C linker.

Parts: the toolchain probe (``toolchain``), the persistent compile cache
(``cache``: ``compile_module``, ``get_cache``), the C implementations
registered per op class (``c_impls``: scalar ops; ``elemwise_c``: ``Elemwise``
and fused ``Composite`` loops) and the C linker (``linker.CLinker``),
registered as the linker ``"c"`` below the Python linker's priority, so no
mode uses it unless asked: ``Mode(linker="c", optimizer="FAST_RUN")``.
``node_backends(f)`` / ``backend_report(f)`` say which nodes of a compiled
function run in C and which in Python.  ``tensorsmith-cache``
(``python -m tensorsmith_ccompile.cli``) inspects and cleans the cache.

Importing this package is cheap: the submodules load on first use of their
names, and nothing probes the compiler or touches the cache folder before the
first compilation."""
import importlib

import tensorsmith_rewriter  # noqa: F401  (its place in the import direction)

__version__ = "0.1.0"

# public name -> submodule that defines it (loaded on first access)
_LAZY = {
    "compile_module": "cache", "get_cache": "cache", "CompileCache": "cache",
    "CompileError": "cache", "CacheError": "cache", "UnsafeCacheDir": "cache",
    "CacheWarning": "cache",
    "get_toolchain": "toolchain", "Toolchain": "toolchain", "CompilerNotFound": "toolchain",
    "CLinker": "linker", "CLinkerWarning": "linker", "node_backends": "linker",
    "backend_report": "linker",
}
__all__ = sorted(_LAZY)


def __getattr__(name):
    sub = _LAZY.get(name)
    if sub is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{sub}"), name)
    globals()[name] = value
    return value


def _make_c_linker():
    from .linker import CLinker

    return CLinker()


def _register():
    from tensorsmith_graphcore.modes import register_linker

    # below "py" (priority 0): "default" (FAST_RUN's linker) stays the Python one
    register_linker("c", _make_c_linker, priority=-10)


_register()


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
