"""TensorSmith's configuration: typed options declared in one place (``OPTIONS``),
read from ``TENSORSMITH_FLAGS``, the rc file and per-option environment variables.

The frontend re-exports the object as ``tensorsmith.config`` and its
``change_flags`` as ``tensorsmith.change_flags``.

Where a value comes from, highest first::

    config.x = ... / change_flags(x=...)         in code, at any time
    TENSORSMITH_FLAGS="floatX=float32,mode=PY"   comma-separated name=value
    TENSORSMITH_FLOATX, TENSORSMITH_MODE, ...    one variable per option (aliases)
    rc files: $TENSORSMITHRC (os.pathsep-separated), else ~/.tensorsmithrc
    the declared default

An rc file is an INI file: options of ``[global]`` keep their name, an option
``y`` in a section ``[x]`` is the option ``x__y`` (as PyTensor's).  Later rc
files override earlier ones.  ``%(HOME)s``, ``%(USER)s``, ``%(TMPDIR)s`` and
``%(PID)s`` are substituted in rc values.

Unknown names and bad values raise at once (``UnknownOptionError``, an
``AttributeError`` and ``ValueError``; ``ConfigError``, a ``ValueError``), with
the valid choices and the nearest name; values that are valid but not built
yet raise ``OptionNotImplementedError`` (also a ``NotImplementedError``).

Reading an option is a plain instance-attribute read: the values live in the
object's ``__dict__`` (``config.floatX`` takes some tens of nanoseconds; the
class's ``__getattr__``, which names unknown options, is only called on a miss,
but it keeps CPython 3.11 from specializing the read, which would take ~5 ns).
The configuration is process-global, as PyTensor's: ``change_flags`` changes it
for every thread while its block runs, so threads that need different values
must not overlap such blocks.  ``tools/gen_config_doc.py`` writes
``docs/CONFIG.md`` from the declarations below."""
import functools
import os
import sys

__all__ = [
    "config", "change_flags", "Config", "OPTIONS",
    "ConfigError", "UnknownOptionError", "OptionNotImplementedError",
    "Option", "EnumOption", "BoolOption", "IntOption", "FloatOption", "StrOption", "PathOption",
    "parse_flags", "rc_file_paths", "FLAGS_VAR", "RC_VAR", "RC_DEFAULT",
]

FLAGS_VAR = "TENSORSMITH_FLAGS"
RC_VAR = "TENSORSMITHRC"
RC_DEFAULT = "~/.tensorsmithrc"

# source labels (an rc file's label is "rc file <path> [<section>]")
DEFAULT = "default"
SET_IN_CODE = "set in code"
CHANGE_FLAGS = "change_flags"


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class ConfigError(ValueError):
    """A bad configuration value, a malformed ``TENSORSMITH_FLAGS`` entry or rc file."""


class UnknownOptionError(ConfigError, AttributeError):
    """A name that is no option (in the flags, an rc file, ``change_flags`` or
    an attribute of ``config``)."""


class OptionNotImplementedError(ConfigError, NotImplementedError):
    """A value that PyTensor knows but that TensorSmith does not implement yet."""


def _nearest(word, candidates):
    """The candidates closest to ``word`` (case-insensitive), best first."""
    import difflib

    cands = [str(c) for c in candidates]
    low = {c.lower(): c for c in cands}
    if str(word).lower() in low:
        return [low[str(word).lower()]]
    hits = difflib.get_close_matches(str(word).lower(), list(low), n=3, cutoff=0.6)
    return [low[h] for h in hits]


def _did_you_mean(word, candidates):
    near = _nearest(word, candidates)
    if not near:
        return ""
    return " Did you mean " + " or ".join(repr(n) for n in near) + "?"


def _where(origin):
    return f"{origin}: " if origin else ""


# ---------------------------------------------------------------------------
# Option declarations
# ---------------------------------------------------------------------------


class Option:
    """One declared option.

    ``default``: the value, or a callable ``f(environ)`` computing it, or (with
    ``derived_from``) a callable ``f(config)`` computing it from other options,
    recomputed whenever one of them changes while this option is at its default.
    ``env``: the name of a per-option environment variable (an alias, below
    ``TENSORSMITH_FLAGS``).  ``supported``: the values that work today, when
    that is fewer than the valid ones; ``unsupported``: why the others do not.
    ``status``: None for an option that is read, else a sentence saying what
    will read it (the option is declared for PyTensor users' rc files and flags).
    ``read_by``: where the option is read (documentation).  ``on_change``: a
    callable run with the new value whenever it is set."""

    kind = "str"

    def __init__(self, name, default, doc, *, env=None, supported=None, unsupported=None,
                 status=None, read_by=None, derived_from=(), default_doc=None, on_change=None):
        if not name or name.startswith("_") or not name.isidentifier():
            raise ValueError(f"bad option name {name!r}")
        self.name = name
        self.default = default
        self.doc = " ".join(doc.split())
        self.env = env
        self.supported = None if supported is None else tuple(supported)
        self.unsupported = unsupported
        self.status = status
        self.read_by = read_by
        self.derived_from = tuple(derived_from)
        self.default_doc = default_doc
        self.on_change = on_change

    # -- conversion -------------------------------------------------------
    def _convert(self, value, origin):
        """The value in this option's type; ConfigError otherwise."""
        if isinstance(value, str):
            return value
        raise ConfigError(f"{_where(origin)}{self.name} must be a string, got {value!r}")

    def convert(self, value, origin=None):
        """Check and convert ``value`` (a Python value or the text of a flag);
        ``origin`` names where it came from, for the message."""
        v = self._convert(value, origin)
        if self.supported is not None and v not in self.supported:
            ok = ", ".join(repr(s) for s in self.supported)
            raise OptionNotImplementedError(
                f"{_where(origin)}{self.name}={v!r} is not implemented in TensorSmith yet"
                f" ({self.unsupported}); use {ok}")
        return v

    def allowed_text(self):
        """The valid values, for messages and the docs."""
        return "any string"

    def default_text(self):
        if self.default_doc is not None:
            return self.default_doc
        return repr(self.default)


class EnumOption(Option):
    """One of a fixed set of strings (matched exactly)."""

    kind = "enum"

    def __init__(self, name, default, choices, doc, **kw):
        self.choices = tuple(choices)
        if default not in self.choices:
            raise ValueError(f"default {default!r} of {name} is not among its choices")
        super().__init__(name, default, doc, **kw)

    def _convert(self, value, origin):
        if isinstance(value, str):
            v = value.strip()
            if v in self.choices:
                return v
        ok = ", ".join(repr(c) for c in self.choices)
        hint = _did_you_mean(value, self.choices) if isinstance(value, str) else ""
        raise ConfigError(f"{_where(origin)}{self.name}={value!r} is not valid: "
                          f"choose one of {ok}.{hint}")

    def allowed_text(self):
        return ", ".join(self.choices)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class BoolOption(Option):
    """True or False; as text: 1/0, true/false, yes/no, on/off (any case)."""

    kind = "bool"

    def _convert(self, value, origin):
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            v = value.strip().lower()
            if v in _TRUE:
                return True
            if v in _FALSE:
                return False
        raise ConfigError(f"{_where(origin)}{self.name}={value!r} is not valid: "
                          f"use True or False (as text: {'/'.join(_TRUE)} or {'/'.join(_FALSE)})")

    def allowed_text(self):
        return "True, False"


class IntOption(Option):
    """An integer, at least ``minimum`` when that is given."""

    kind = "int"

    def __init__(self, name, default, doc, minimum=None, **kw):
        self.minimum = minimum
        super().__init__(name, default, doc, **kw)

    def _convert(self, value, origin):
        v = None
        if isinstance(value, int) and not isinstance(value, bool):
            v = value
        elif isinstance(value, str):
            try:
                v = int(value.strip())
            except ValueError:
                v = None
        if v is None:
            raise ConfigError(f"{_where(origin)}{self.name}={value!r} is not valid: "
                              f"use an integer ({self.allowed_text()})")
        if self.minimum is not None and v < self.minimum:
            raise ConfigError(f"{_where(origin)}{self.name}={v!r} is not valid: "
                              f"use an integer >= {self.minimum}")
        return v

    def allowed_text(self):
        return "an integer" if self.minimum is None else f"an integer >= {self.minimum}"


class FloatOption(Option):
    """A real number, within [``minimum``, ``maximum``] when given."""

    kind = "float"

    def __init__(self, name, default, doc, minimum=None, maximum=None, **kw):
        self.minimum = minimum
        self.maximum = maximum
        super().__init__(name, default, doc, **kw)

    def _convert(self, value, origin):
        v = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            v = float(value)
        elif isinstance(value, str):
            try:
                v = float(value.strip())
            except ValueError:
                v = None
        if v is None or v != v or (self.minimum is not None and v < self.minimum) or (
                self.maximum is not None and v > self.maximum):
            raise ConfigError(f"{_where(origin)}{self.name}={value!r} is not valid: "
                              f"use {self.allowed_text()}")
        return v

    def allowed_text(self):
        lo = "" if self.minimum is None else f" >= {self.minimum}"
        hi = "" if self.maximum is None else f" <= {self.maximum}"
        return "a number" + (lo + ("," if lo and hi else "") + hi)


class StrOption(Option):
    """Any non-empty string."""

    kind = "str"

    def _convert(self, value, origin):
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise ConfigError(f"{_where(origin)}{self.name}={value!r} is not valid: use a non-empty string")

    def allowed_text(self):
        return "a non-empty string"


class PathOption(Option):
    """A file-system path; ``~`` is expanded and the path made absolute.
    Nothing is created or checked on disk when it is set."""

    kind = "path"

    def _convert(self, value, origin):
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if isinstance(value, str) and value.strip():
            return os.path.abspath(os.path.expanduser(value.strip()))
        raise ConfigError(f"{_where(origin)}{self.name}={value!r} is not valid: use a directory path")

    def allowed_text(self):
        return "a path (~ expanded, made absolute)"


# ---------------------------------------------------------------------------
# The configuration object
# ---------------------------------------------------------------------------


def parse_flags(text, origin=FLAGS_VAR):
    """``"a=1, b = x"`` -> ``[("a", "1"), ("b", "x")]``.  Whitespace around
    names, values and commas is dropped, empty entries are skipped, a dotted
    name ``x.y`` is the option ``x__y``; an entry without ``=`` or without a
    name raises ConfigError."""
    out = []
    for entry in text.split(","):
        e = entry.strip()
        if not e:
            continue
        if "=" not in e:
            raise ConfigError(f"{origin}: malformed entry {e!r}: every entry is name=value "
                              f"(e.g. {origin}=\"floatX=float32,mode=FAST_COMPILE\")")
        name, value = e.split("=", 1)
        name = name.strip().replace(".", "__")
        if not name:
            raise ConfigError(f"{origin}: malformed entry {e!r}: no option name before '='")
        out.append((name, value.strip()))
    return out


def _expanduser(path, environ):
    home = environ.get("HOME")
    if home and (path == "~" or path.startswith("~" + os.sep) or path.startswith("~/")):
        return home + path[1:]
    return os.path.expanduser(path)


def rc_file_paths(environ=None):
    """``(paths, named)``: the rc files to read, in order, and whether they were
    named by ``TENSORSMITHRC`` (else the default ``~/.tensorsmithrc``)."""
    environ = os.environ if environ is None else environ
    rc = environ.get(RC_VAR)
    if rc is None:
        return [_expanduser(RC_DEFAULT, environ)], False
    return [_expanduser(p, environ) for p in rc.split(os.pathsep) if p.strip()], True


class _ChangeFlags:
    """What ``config.change_flags(...)`` returns: a context manager and a
    decorator that sets options for the duration of a block or call and
    restores them (values and sources) on the way out, exceptions included."""

    __slots__ = ("_config", "_changes", "_saved")

    def __init__(self, cfg, changes):
        self._config = cfg
        self._changes = changes
        self._saved = []  # one entry per active (possibly nested/recursive) use

    def __enter__(self):
        cfg = self._config
        sources = cfg._sources
        d = cfg.__dict__
        saved = []
        try:
            for name, value in self._changes.items():
                saved.append((name, d[name], sources[name]))
                cfg._set(name, value, CHANGE_FLAGS)
        except BaseException:
            for name, value, src in reversed(saved):
                cfg._set(name, value, src)
            raise
        self._saved.append(saved)
        return cfg

    def __exit__(self, *exc):
        cfg = self._config
        for name, value, src in reversed(self._saved.pop()):
            cfg._set(name, value, src)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def with_flags(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return with_flags

    def __repr__(self):
        inner = ", ".join(f"{k}={v!r}" for k, v in self._changes.items())
        return f"change_flags({inner})"


class Config:
    """The options' values, as attributes: ``config.floatX``.

    Assigning an option checks the value; assigning or reading a name that is
    no option raises ``UnknownOptionError``.  ``source_of(name)`` says where a
    value came from."""

    def __init__(self, options=None, environ=None, *, hooks=False):
        """``options``: the declarations (default: ``OPTIONS``); ``environ``:
        where to read the flags, the rc variable and the aliases (default:
        ``os.environ``); ``hooks``: run the options' ``on_change`` callables
        (only the process-wide ``config`` does: they act on other modules)."""
        options = OPTIONS if options is None else options
        environ = os.environ if environ is None else environ
        od = {}
        deps = {}
        for opt in options:
            if opt.name in od:
                raise ValueError(f"option {opt.name} declared twice")
            if hasattr(type(self), opt.name):
                raise ValueError(f"option {opt.name} shadows a Config attribute")
            for base in opt.derived_from:
                if base not in od:
                    raise ValueError(f"{opt.name} is derived from {base}, declared later or not at all")
                deps.setdefault(base, []).append(opt.name)
            od[opt.name] = opt
        object.__setattr__(self, "_options", od)
        object.__setattr__(self, "_dependents", deps)
        object.__setattr__(self, "_sources", {})
        object.__setattr__(self, "_rc_files", [])
        object.__setattr__(self, "_hooks", bool(hooks))
        for opt in options:
            if opt.derived_from:
                value = opt.default(self)
                src = f"{DEFAULT} (from {', '.join(opt.derived_from)})"
            else:
                value = opt.default(environ) if callable(opt.default) else opt.default
                src = DEFAULT
            self._set(opt.name, opt.convert(value, "default"), src)
        self._load(environ)

    # -- reading the environment -------------------------------------------
    def _load(self, environ):
        """Apply the rc files, the per-option variables and TENSORSMITH_FLAGS,
        in that order (so the later win); every entry is checked."""
        pending = []  # (name, converted value, source)
        for name, raw, src in self._read_rc_files(environ):
            pending.append((name, self._convert(name, raw, src), src))
        for opt in self._options.values():
            if opt.env is not None:
                raw = environ.get(opt.env)
                if raw is not None and raw.strip():
                    pending.append((opt.name, opt.convert(raw, opt.env), opt.env))
        for name, raw in parse_flags(environ.get(FLAGS_VAR, "")):
            pending.append((name, self._convert(name, raw, FLAGS_VAR), FLAGS_VAR))
        for name, value, src in pending:
            self._set(name, value, src)

    def _read_rc_files(self, environ):
        paths, named = rc_file_paths(environ)
        entries = []
        for path in paths:
            if not os.path.isfile(path):
                self._rc_files.append((path, "not found"))
                if named:
                    from tensorsmith_graphcore import warn_user

                    warn_user(f"{RC_VAR} names {path!r}, which is not a file; it is skipped")
                continue
            self._rc_files.append((path, "read"))
            entries.extend(self._parse_rc(path, environ))
        return entries

    def _parse_rc(self, path, environ):
        import configparser

        parser = configparser.ConfigParser(default_section="\0no default section\0")
        parser.optionxform = str  # option names are case-sensitive (floatX)
        subst = {"HOME": environ.get("HOME", os.path.expanduser("~")),
                 "USER": environ.get("USER", environ.get("USERNAME", "")),
                 "TMPDIR": environ.get("TMPDIR", "/tmp"), "PID": str(os.getpid())}
        try:
            with open(path, encoding="utf-8") as fh:
                parser.read_file(fh, source=path)
        except configparser.Error as e:
            raise ConfigError(f"rc file {path}: cannot parse it: {e}") from None
        out = []
        for section in parser.sections():
            prefix = "" if section == "global" else section + "__"
            for key in parser.options(section):
                origin = f"rc file {path} [{section}]"
                try:
                    raw = parser.get(section, key, vars=subst)
                except configparser.Error as e:
                    raise ConfigError(f"{origin}: {key}: {e}") from None
                out.append((prefix + key, raw, origin))
        return out

    # -- core ---------------------------------------------------------------
    def _unknown(self, name, origin=None):
        names = sorted(self._options)
        section_hint = ""
        if "__" in name:
            section_hint = (" (an option y of an rc section [x] is x__y; options of "
                            "[global] keep their name)")
        return UnknownOptionError(
            f"{_where(origin)}unknown configuration option {name!r}.{_did_you_mean(name, names)} "
            f"Valid options: {', '.join(names)}{section_hint}")

    def _convert(self, name, value, origin):
        opt = self._options.get(name)
        if opt is None:
            raise self._unknown(name, origin)
        return opt.convert(value, origin)

    def _set(self, name, value, source):
        """Store an already converted value; recompute the options derived
        from it that are at their default."""
        self.__dict__[name] = value
        self._sources[name] = source
        opt = self._options[name]
        if opt.on_change is not None and self._hooks:
            opt.on_change(value)
        for dep in self._dependents.get(name, ()):
            src = self._sources.get(dep)
            if src is not None and src.startswith(DEFAULT):
                self._set(dep, self._options[dep].convert(self._options[dep].default(self)), src)

    def __setattr__(self, name, value):
        self._set(name, self._convert(name, value, None), SET_IN_CODE)

    def __getattr__(self, name):
        # only called for names that are not options (options are in __dict__)
        if name.startswith("_"):
            raise AttributeError(name)
        raise self._unknown(name)

    def __delattr__(self, name):
        raise ConfigError(f"configuration options cannot be deleted ({name!r}); "
                          f"use change_flags or set a value")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._options))

    def __reduce__(self):
        # the module-level object pickles by reference
        return "config"

    # -- public API ---------------------------------------------------------
    def change_flags(self, *args, **kwargs):
        """``with config.change_flags(floatX="float32"): ...`` or
        ``@config.change_flags(floatX="float32")``: set options for a block or
        a call, restoring them afterwards (also when it raises).  Positional
        arguments are dicts of options (their names may be dotted: ``x.y``
        is ``x__y``).  Names and values are checked here, when it is called.
        Process-global: other threads see the values while the block runs."""
        merged = {}
        for a in args:
            if not isinstance(a, dict):
                raise TypeError(f"change_flags takes dicts and keyword arguments, got {a!r}")
            merged.update({str(k).replace(".", "__"): v for k, v in a.items()})
        merged.update(kwargs)
        changes = {k: self._convert(k, v, "change_flags") for k, v in merged.items()}
        return _ChangeFlags(self, changes)

    def source_of(self, name):
        """Where the current value of ``name`` came from: 'default',
        'default (from base_compiledir)', 'rc file <path> [<section>]',
        'TENSORSMITH_FLAGS', a per-option variable such as 'TENSORSMITH_FLOATX',
        'set in code' or 'change_flags'."""
        if name not in self._options:
            raise self._unknown(name)
        return self._sources[name]

    def options(self):
        """The declarations, in declaration order."""
        return list(self._options.values())

    def items(self):
        """``[(name, value, source), ...]`` in declaration order."""
        d = self.__dict__
        return [(n, d[n], self._sources[n]) for n in self._options]

    def rc_files(self):
        """``[(path, 'read' | 'not found'), ...]``: the rc files looked at."""
        return list(self._rc_files)

    def __iter__(self):
        return iter(self._options)

    def __contains__(self, name):
        return name in self._options

    def __str__(self):
        rows = [f"{n} = {v!r}  ({s})" for n, v, s in self.items()]
        return "\n".join(rows)

    def __repr__(self):
        return f"<tensorsmith config: {len(self._options)} options>"


# ---------------------------------------------------------------------------
# The declarations (docs/CONFIG.md is generated from these)
# ---------------------------------------------------------------------------


def _default_base_compiledir(environ):
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(
        environ.get("HOME") or os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "tensorsmith")


def _default_compiledir(cfg):
    machine = os.uname().machine if hasattr(os, "uname") else "unknown"
    return os.path.join(cfg.base_compiledir,
                        f"compiledir_{sys.platform}-{machine}-{sys.implementation.cache_tag}")


def _set_tracing(limit):
    from tensorsmith_graphcore import set_tracing

    set_tracing(limit != 0)


OPTIONS = (
    EnumOption(
        "floatX", "float64", ("float64", "float32", "float16"),
        """The float dtype used where none is given: Python floats mixed with
        tensors, pt.scalar()/pt.vector()/... without a dtype, dtype='floatX',
        shared variables made from Python floats, float random variables and
        one-hot/softmax results of integer inputs.""",
        env="TENSORSMITH_FLOATX",
        read_by="tensorsmith_tensorops (type, basic, creation, random, nnet, sharedvar)"),
    EnumOption(
        "intX", "int64", ("int64", "int32", "int16", "int8"),
        """The integer dtype that the dtype name 'intX' stands for.""",
        read_by="tensorsmith_tensorops.type.normalize_dtype"),
    EnumOption(
        "mode", "FAST_RUN", ("FAST_RUN", "FAST_COMPILE", "PY", "DebugMode", "NanGuardMode"),
        """The compilation mode tensorsmith.function uses when given none
        (get_mode(None)).  Every mode runs on the Python linker today and no
        rewrites run; DebugMode and NanGuardMode are not built (see
        tensorsmith.compile.mode.get_mode for what it does with them).""",
        env="TENSORSMITH_MODE",
        read_by="tensorsmith.compile.mode.get_mode"),
    EnumOption(
        "device", "cpu", ("cpu", "cuda"),
        """Where computations run.""",
        supported=("cpu",), unsupported="the CUDA backend, tensorsmith_gpucuda, is not built yet",
        status="only 'cpu' exists; the CUDA backend will read it"),
    IntOption(
        "traceback__limit", 1,
        """Whether a node records where the user built it (shown in error
        messages).  TensorSmith records one frame, the innermost outside the
        library: 0 records none (graph building is a little faster), any other
        value records that one frame.  PyTensor's name; in an rc file:
        [traceback] limit = 0.""",
        minimum=-1, on_change=_set_tracing,
        read_by="tensorsmith_graphcore.set_tracing (node locations)"),
    PathOption(
        "base_compiledir", _default_base_compiledir,
        """The directory under which compiled code is cached; compiledir is
        made inside it unless set.  While neither is set, the compile cache
        lives in the same subfolder of platformdirs.user_cache_dir("tensorsmith")
        (the default below on Linux).  The cache refuses a folder that another
        user owns or that group or others can write.""",
        default_doc="`$XDG_CACHE_HOME/tensorsmith`, else `~/.cache/tensorsmith`",
        read_by="tensorsmith_ccompile.cache.default_root (the compile cache; "
                "`tensorsmith-cache info` shows the folder in use)"),
    PathOption(
        "compiledir", _default_compiledir,
        """The directory of the compile cache for this platform and Python.""",
        env="TENSORSMITH_COMPILEDIR", derived_from=("base_compiledir",),
        default_doc="`<base_compiledir>/compiledir_<platform>-<machine>-<python tag>`",
        read_by="tensorsmith_ccompile.cache.default_root (the compile cache's folder)"),
    IntOption(
        "compile_cache_max_mb", 1024,
        """The size limit of the compile cache in MiB: after each new entry,
        the entries used least recently are removed while the cache is larger
        (entries locked by a process that is building them are kept); 0 means no
        limit.  `tensorsmith-cache prune` applies it on demand.""",
        minimum=0,
        read_by="tensorsmith_ccompile.cache.CompileCache.limit_bytes"),
    EnumOption(
        "on_opt_error", "raise", ("raise", "warn", "ignore"),
        """What happens when a graph rewrite rule raises: ``raise`` (a
        RewriteError naming the rule, the node and where it was made), ``warn``
        (the rule is skipped for that node with a RewriteWarning) or ``ignore``
        (skipped silently).""",
        read_by="tensorsmith_rewriter.Pipeline.apply"),
    BoolOption(
        "optimizer_verbose", False,
        """Print the rules that fired (per rule: times tried and fired, time
        spent; then one line per rewrite with the user's file and line) after
        each rewrite pipeline, to stderr.""",
        read_by="tensorsmith_rewriter.Pipeline.apply"),
    BoolOption(
        "profile", False,
        """Profile every compiled function (time per node).""",
        supported=(False,),
        unsupported="profiling is not built yet: time calls with timeit or cProfile",
        status="profiling is not built yet"),
    EnumOption(
        "compute_test_value", "off", ("off", "ignore", "warn", "raise", "pdb"),
        """Compute test values (tag.test_value) eagerly while the graph is built.""",
        supported=("off",), unsupported="test values are not implemented; call .eval() on a "
                                        "variable to see a value",
        status="test values are not implemented"),
    EnumOption(
        "exception_verbosity", "low", ("low", "high"),
        """How much of the graph an error raised while running a function shows.""",
        supported=("low",),
        unsupported="errors name the node and where it was built; "
                    "call tensorsmith.dprint on the function for the graph",
        status="only 'low' exists"),
    EnumOption(
        "warn_float64", "ignore", ("ignore", "warn", "raise", "pdb"),
        """What to do when a float64 variable is created (useful with floatX=float32).""",
        supported=("ignore",), unsupported="the check is not built yet",
        status="the check is not built yet"),
    EnumOption(
        "cast_policy", "custom", ("custom", "numpy+floatX"),
        """How Python scalars combine with tensors: 'custom' is PyTensor's rule
        (a Python float takes the other operand's float dtype, else floatX).""",
        supported=("custom",), unsupported="only PyTensor's default 'custom' rule is built",
        status="only 'custom' exists; it is what the tensor ops do"),
)


config = Config(OPTIONS, hooks=True)
change_flags = config.change_flags
