"""tensorsmith_ccompile: C code generation, the compile cache and the C linker.

Status: the toolchain probe (``toolchain``) and the persistent compile cache
(``cache``: ``compile_module``, ``get_cache``) exist; the C code generator and
linker do not yet, so every mode runs the reference Python linker.
``tensorsmith-cache`` (``python -m tensorsmith_ccompile.cli``) inspects and
cleans the cache.

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
}
__all__ = sorted(_LAZY)


def __getattr__(name):
    sub = _LAZY.get(name)
    if sub is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{sub}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
