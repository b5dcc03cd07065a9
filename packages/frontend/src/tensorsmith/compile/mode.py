"""Modes: which rewrites run and which linker turns the graph into a VM."""
from tensorsmith_graphcore import PerformLinker

from tensorsmith_tensorops.config import config

__all__ = ["Mode", "get_mode", "get_default_mode", "FAST_RUN", "FAST_COMPILE", "PY"]


class Mode:
    """``linker``: the backend (``"py"``: the reference Python linker);
    ``rewrites``: a callable applied to the FunctionGraph, or None."""

    def __init__(self, linker="py", rewrites=None, name=None):
        if isinstance(linker, str):
            if linker not in ("py", "python"):
                raise ValueError(f"Unknown linker {linker!r}; available: 'py'")
            linker = PerformLinker()
        self.linker = linker
        self.rewrites = rewrites
        self.name = name

    def rewrite(self, fgraph):
        if self.rewrites is not None:
            self.rewrites(fgraph)

    def __repr__(self):
        return f"Mode({self.name or type(self.linker).__name__})"


def _pipeline(name):
    try:
        from tensorsmith_rewriter import get_pipeline
    except ImportError:
        return None
    return get_pipeline(name)


_predefined = {}
# PyTensor's modes that need parts not built yet: accepted nowhere, so that
# asking for one never silently runs something else
_NOT_YET = {
    "DebugMode": "it compares the C and Python implementations, and there is no C backend yet",
    "DEBUG_MODE": "it compares the C and Python implementations, and there is no C backend yet",
    "NanGuardMode": "it comes with the modes of the frontend issue",
    "JAX": "there is no JAX backend", "NUMBA": "there is no Numba backend",
    "PYTORCH": "there is no PyTorch backend", "MLX": "there is no MLX backend",
}


def get_mode(mode):
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a Mode or a mode name, got {mode!r}")
    m = _predefined.get(mode)
    if m is None:
        if mode in _NOT_YET:
            raise NotImplementedError(
                f"mode {mode!r} is not implemented yet ({_NOT_YET[mode]}); use mode='FAST_RUN' "
                "(the default) or 'FAST_COMPILE'")
        if mode in ("FAST_RUN", "FAST_COMPILE", "PY"):
            m = Mode("py", _pipeline(mode), name=mode)
        else:
            raise ValueError(f"Unknown mode {mode!r}; known: FAST_RUN, FAST_COMPILE, PY")
        _predefined[mode] = m
    return m


def get_default_mode():
    """The Mode ``function`` uses when given none: ``get_mode(None)``, i.e.
    the one named by ``config.mode``."""
    return get_mode(None)


FAST_RUN = "FAST_RUN"
FAST_COMPILE = "FAST_COMPILE"
PY = "PY"
