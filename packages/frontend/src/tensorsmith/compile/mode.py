"""Modes: which rewrites run and which linker turns the graph into a
callable.  A ``Mode`` is data (graphcore's ``tensorsmith_graphcore.modes``):
a rewrite pipeline and a linker, each resolved by name through the registries
that the installed packages fill.  This module only maps the names users
give (``config.mode``, ``function(mode=...)``) to modes."""
from tensorsmith_graphcore.modes import Mode, available_modes, lookup_mode

from tensorsmith_tensorops.config import config

__all__ = ["Mode", "get_mode", "get_default_mode", "FAST_RUN", "FAST_COMPILE", "PY"]

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
    """The ``Mode`` for ``mode``: a Mode (returned as is), a registered mode
    name (``"FAST_RUN"``, ``"FAST_COMPILE"``, ``"PY"``), or None for the one
    ``config.mode`` names."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a Mode or a mode name, got {mode!r}")
    if mode in _NOT_YET:
        raise NotImplementedError(
            f"mode {mode!r} is not implemented yet ({_NOT_YET[mode]}); use mode='FAST_RUN' "
            "(the default) or 'FAST_COMPILE'")
    try:
        return lookup_mode(mode)
    except ValueError:
        raise ValueError(
            f"Unknown mode {mode!r}; known: {', '.join(available_modes())}") from None


def get_default_mode():
    """The Mode ``function`` uses when given none: ``get_mode(None)``, i.e.
    the one named by ``config.mode``."""
    return get_mode(None)


FAST_RUN = "FAST_RUN"
FAST_COMPILE = "FAST_COMPILE"
PY = "PY"
