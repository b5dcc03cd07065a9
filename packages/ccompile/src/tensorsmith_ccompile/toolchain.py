"""The C toolchain: which compiler builds extension modules, its version, and
the command line that turns one C file into a CPython extension module.

Nothing here runs at import.  ``get_toolchain()`` finds the compiler on first
use and keeps it for the process; ``Toolchain.version`` runs the compiler once
(``<cc> --version``) the first time it is read.

Where the compiler comes from, first found wins:

1. the environment variable ``CC`` (it may carry arguments: ``CC="ccache gcc"``
   or ``CC="gcc -m64"``; the first word is the program);
2. the ``CC`` that built this Python (``sysconfig.get_config_var("CC")``);
3. ``cc``, ``gcc`` or ``clang`` on ``PATH``.

A program that is named but cannot be found is skipped (a Python built on
another machine often names a compiler that is not installed here); when
nothing is found, ``CompilerNotFound`` says what was tried and how to fix it.

The flags (``Toolchain.flags``) are, in order:

``COMPILE_FLAGS``
    ``-O3``: optimise; ``-fPIC``: position-independent code, required for a
    shared object; ``-fno-math-errno``: math functions need not set ``errno``,
    so ``sqrt`` and friends can be inlined (results are unchanged; NaN and
    infinity semantics are kept, unlike ``-ffast-math``, which is not used);
    ``-fwrapv`` and ``-fno-strict-aliasing``: the semantics CPython itself is
    built with (signed overflow wraps; no type-based alias analysis, which
    generated code that reinterprets buffers could break);
    ``-DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION``: NumPy's C API without
    its deprecated parts.
``LINK_FLAGS``
    ``-shared`` (``-bundle -undefined dynamic_lookup`` on macOS): build a
    loadable module whose Python symbols are resolved by the interpreter.
include directories
    Python's headers (``sysconfig`` paths ``include`` and ``platinclude``)
    and NumPy's (``numpy.get_include()``), each as ``-I<dir>``.

The output file ends in ``sysconfig.get_config_var("EXT_SUFFIX")`` (for
instance ``.cpython-311-x86_64-linux-gnu.so``).  Windows (MSVC) is not
supported."""
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import threading

__all__ = ["CompilerNotFound", "Toolchain", "find_compiler", "get_toolchain", "reset_toolchain",
           "COMPILE_FLAGS", "LINK_FLAGS", "numpy_abi", "python_abi"]

COMPILE_FLAGS = (
    "-O3",
    "-fPIC",
    "-fno-math-errno",
    "-fwrapv",
    "-fno-strict-aliasing",
    "-DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION",
)
LINK_FLAGS = ("-bundle", "-undefined", "dynamic_lookup") if sys.platform == "darwin" else ("-shared",)

# programs tried on PATH when neither CC nor sysconfig names one that exists
_FALLBACKS = ("cc", "gcc", "clang")


class CompilerNotFound(RuntimeError):
    """No C compiler could be found (the message lists what was tried)."""


def _resolve(words, path):
    """``(absolute program path, extra args)`` for a command given as words, or None."""
    if not words:
        return None
    prog = shutil.which(words[0], path=path)
    if prog is None:
        return None
    return os.path.abspath(prog), tuple(words[1:])


def _sysconfig_cc():
    return (sysconfig.get_config_var("CC") or "").strip()


def find_compiler(environ=None):
    """``(program, args, origin)``: the C compiler's absolute path, the extra
    arguments that came with it and where it was found ('CC', 'sysconfig' or
    'PATH'); raises ``CompilerNotFound``.  ``environ`` (default ``os.environ``)
    gives ``CC`` and ``PATH``."""
    environ = os.environ if environ is None else environ
    path = environ.get("PATH", os.defpath)
    tried = []
    env_cc = environ.get("CC", "").strip()
    if env_cc:
        found = _resolve(shlex.split(env_cc), path)
        if found:
            return found + ("CC",)
        tried.append(f"CC={env_cc!r} (not found)")
    sys_cc = _sysconfig_cc()
    if sys_cc:
        found = _resolve(shlex.split(sys_cc), path)
        if found:
            return found + ("sysconfig",)
        tried.append(f"the CC this Python was built with, {sys_cc!r} (not found)")
    for name in _FALLBACKS:
        found = _resolve([name], path)
        if found:
            return found + ("PATH",)
    tried.append(f"{', '.join(_FALLBACKS)} on PATH (none found)")
    raise CompilerNotFound(
        "no C compiler found; tried " + "; ".join(tried) + ". Install one (for instance "
        "`apt install gcc`, `dnf install gcc`, `xcode-select --install` or `conda install "
        "c-compiler`) or set the environment variable CC to its path.")


def python_abi():
    """What makes an extension module loadable by this interpreter."""
    impl = sys.implementation
    return {
        "implementation": impl.name,
        "cache_tag": impl.cache_tag,
        "version": ".".join(map(str, sys.version_info[:3])),
        "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
        "platform": sysconfig.get_platform(),
        "debug_build": hasattr(sys, "gettotalrefcount"),
    }


def numpy_abi():
    """NumPy's version (major.minor) and the C API version of its headers."""
    import numpy as np

    major_minor = ".".join(np.__version__.split(".")[:2])
    c_api = None
    for modname in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:
            mod = __import__(modname, fromlist=["_get_ndarray_c_version"])
        except ImportError:
            continue
        get = getattr(mod, "_get_ndarray_c_version", None)
        if get is not None:
            c_api = hex(get())
            break
    return {"numpy": major_minor, "c_api": c_api}


class Toolchain:
    """One C compiler and the command line that builds an extension module.

    ``cc``: the program's absolute path; ``cc_args``: arguments that came with
    it (from ``CC``); ``flags``: every other argument, in order (see the
    module's docstring); ``ext_suffix``: the module file's ending."""

    def __init__(self, cc, cc_args=(), *, origin="given", compile_flags=COMPILE_FLAGS,
                 link_flags=LINK_FLAGS, include_dirs=None, extra_flags=()):
        self.cc = cc
        self.cc_args = tuple(cc_args)
        self.origin = origin
        if include_dirs is None:
            include_dirs = self.default_include_dirs()
        self.include_dirs = tuple(include_dirs)
        self.flags = (tuple(compile_flags) + tuple(extra_flags) + tuple(link_flags)
                      + tuple("-I" + d for d in self.include_dirs))
        self.ext_suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        self._version = None
        self._lock = threading.Lock()

    @classmethod
    def detect(cls, environ=None, **kw):
        """The toolchain of the compiler ``find_compiler`` finds."""
        cc, args, origin = find_compiler(environ)
        return cls(cc, args, origin=origin, **kw)

    @staticmethod
    def default_include_dirs():
        import numpy as np

        paths = sysconfig.get_paths()
        dirs = []
        for d in (paths.get("include"), paths.get("platinclude"), np.get_include()):
            if d and d not in dirs:
                dirs.append(d)
        return dirs

    @property
    def version(self):
        """The compiler's ``--version`` output (run once, then remembered)."""
        if self._version is None:
            with self._lock:
                if self._version is None:
                    self._version = self._probe_version()
        return self._version

    def _probe_version(self):
        try:
            r = subprocess.run([self.cc, *self.cc_args, "--version"], capture_output=True,
                               text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as e:
            raise CompilerNotFound(f"the C compiler {self.cc} cannot be run: {e}") from None
        text = (r.stdout or r.stderr).strip()
        if r.returncode != 0 or not text:
            raise CompilerNotFound(f"the C compiler {self.cc} failed on --version "
                                   f"(exit {r.returncode}): {r.stderr.strip()[:500]}")
        return text

    @property
    def version_line(self):
        """The first line of the version text (for messages)."""
        return self.version.splitlines()[0]

    def identity(self):
        """What the compile cache's key holds of the toolchain (probes the version)."""
        return {"cc": self.cc, "cc_args": list(self.cc_args), "version": self.version,
                "flags": list(self.flags), "ext_suffix": self.ext_suffix}

    def command(self, source_path, output_path):
        """The argument list that compiles ``source_path`` into the module ``output_path``."""
        return [self.cc, *self.cc_args, *self.flags, "-o", output_path, source_path]

    def build(self, source_path, output_path, *, cwd=None, timeout=None):
        """Run the compiler; returns the ``subprocess.CompletedProcess`` (text output)."""
        cmd = self.command(source_path, output_path)
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout)

    def __repr__(self):
        return f"<Toolchain {self.cc} ({self.origin})>"


_toolchain = None
_toolchain_lock = threading.Lock()


def get_toolchain():
    """The process's toolchain, found on first call (``CompilerNotFound`` when none)."""
    global _toolchain
    tc = _toolchain
    if tc is None:
        with _toolchain_lock:
            if _toolchain is None:
                _toolchain = Toolchain.detect()
            tc = _toolchain
    return tc


def reset_toolchain():
    """Forget the process's toolchain (the next ``get_toolchain`` looks again:
    after changing ``CC``)."""
    global _toolchain
    with _toolchain_lock:
        _toolchain = None
