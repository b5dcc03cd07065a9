"""``gc_paused``: run a pass over a large graph with the cyclic garbage
collector paused."""
import functools
import gc


class gc_paused:
    """Context manager and decorator: pause the cyclic garbage collector
    (when it is enabled) for the duration.

    A pass that builds or copies a large graph allocates objects that all
    stay alive; a full collection triggered midway costs time proportional
    to the whole heap and finds nothing to free.  Nesting is fine: only the
    outermost pause turns the collector back on."""

    __slots__ = ("_was_enabled",)

    def __enter__(self):
        self._was_enabled = gc.isenabled()
        if self._was_enabled:
            gc.disable()
        return self

    def __exit__(self, *exc):
        if self._was_enabled:
            gc.enable()
        return False

    def __call__(self, fn):
        """``@gc_paused()`` on a function pauses the collector for each call."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with gc_paused():
                return fn(*args, **kwargs)

        return wrapper


# ---------------------------------------------------------------------------
# Warnings that name the user's line
# ---------------------------------------------------------------------------
# The library's own folders (``register_library_path`` adds each package's
# folder here and to the node-trace capture of ``graph``): a warning the
# library issues is attributed to the innermost frame outside them.
_library_dirs = []
_library_file_cache = {}


def add_library_path(path):
    """Count files under ``path`` as library files for ``warn_user``
    (``register_library_path`` calls this; use that)."""
    import os

    path = os.path.join(os.path.abspath(path), "")
    if path not in _library_dirs:
        _library_dirs.append(path)
    _library_file_cache.clear()


def _is_library_file(filename):
    r = _library_file_cache.get(filename)
    if r is None:
        r = filename.startswith(("<frozen", "<string>__lib")) or any(
            filename.startswith(d) for d in _library_dirs)
        _library_file_cache[filename] = r
    return r


_stdlib_dirs = None


def _is_stdlib_file(filename):
    """A file of Python's standard library (not of site-packages)."""
    global _stdlib_dirs
    if _stdlib_dirs is None:
        import os
        import sysconfig

        def dirs(*names):
            out = []
            for n in names:
                try:
                    p = sysconfig.get_path(n)
                except KeyError:
                    p = None
                if p:
                    out.append(os.path.join(os.path.abspath(p), ""))
            return tuple(out)

        _stdlib_dirs = (dirs("stdlib", "platstdlib"), dirs("purelib", "platlib"))
    std, site = _stdlib_dirs
    return filename.startswith(std) and not filename.startswith(site)


def user_frame(depth=1):
    """The innermost frame outside the library, counting from the caller of
    the function that calls this one at ``depth=1``: library frames are
    skipped, and so are standard-library frames that only sit between
    library frames (a ``contextlib`` or ``functools`` frame inside a library
    call).  None when every frame is the library's."""
    import sys

    f = sys._getframe(depth + 1)
    while f is not None:
        fn = f.f_code.co_filename
        if _is_library_file(fn):
            f = f.f_back
            continue
        if _is_stdlib_file(fn):
            g = f.f_back
            while g is not None and _is_stdlib_file(g.f_code.co_filename):
                g = g.f_back
            if g is not None and _is_library_file(g.f_code.co_filename):
                f = g
                continue
        return f
    return None


def warn_user(message, category=UserWarning):
    """``warnings.warn(message, category)`` attributed to the user's line:
    the innermost frame outside the library's files (the folders given to
    ``register_library_path``), whatever the depth of library calls between,
    so the warning names the file and line the user wrote, and the filters
    (``-W``, ``warnings.filterwarnings(module=...)``, ``once`` per location)
    apply to it as to a warning issued there."""
    import warnings

    f = user_frame(1)
    if f is None:  # called from the library alone (at import, say)
        warnings.warn(message, category, stacklevel=2)
        return
    g = f.f_globals
    module = g.get("__name__", "<string>")
    registry = g.setdefault("__warningregistry__", {})
    warnings.warn_explicit(message, category, f.f_code.co_filename, f.f_lineno,
                           module, registry, g)
