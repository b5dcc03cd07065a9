"""The compile path as data: a ``Mode`` is a (rewrite pipeline, linker) pair,
each looked up by name in a registry that the packages above graphcore fill
when they are installed.

* ``register_linker(name, factory, priority=0)``: ``factory()`` returns a
  ``Linker``.  The linker name ``"default"`` means the registered linker of
  highest priority (the reference Python linker ``"py"`` has priority 0; a
  compiled backend registers itself above it).
* ``register_pipeline(name, factory)``: ``factory(include, exclude, require)``
  returns a callable that rewrites a ``FunctionGraph`` in place (the tags
  select passes of the rewrite database).  ``None`` as a pipeline name: no
  rewrites.
* ``register_mode(name, mode)``: a named ``Mode`` (``"FAST_RUN"``, ...).

Packages announce themselves through the entry-point group
``tensorsmith.plugins`` (each entry names a module whose import registers its
linkers, pipelines and modes).  The group is read once, on the first lookup
that misses, so ``import tensorsmith`` stays cheap and no package above
graphcore is named here."""
import threading

__all__ = [
    "Mode", "register_linker", "register_pipeline", "register_mode", "get_linker",
    "get_pipeline", "lookup_mode", "available_linkers", "available_pipelines",
    "available_modes", "load_plugins", "PLUGIN_GROUP",
]

PLUGIN_GROUP = "tensorsmith.plugins"

_linkers = {}      # name -> (factory, priority)
_pipelines = {}    # name -> factory(include, exclude, require)
_modes = {}        # name -> Mode
_plugins_loaded = False
_plugin_errors = {}
_load_lock = threading.RLock()


def register_linker(name, factory, priority=0):
    """Make ``name`` a linker: ``factory()`` returns a ``Linker``."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_linker: the name must be a non-empty string, got {name!r}")
    if not callable(factory):
        raise TypeError(f"register_linker({name!r}): factory must be callable, got {factory!r}")
    _linkers[name] = (factory, priority)


def register_pipeline(name, factory):
    """Make ``name`` a rewrite pipeline: ``factory(include, exclude, require)``
    (tuples of tags) returns a callable ``rewrite(fgraph)``."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_pipeline: the name must be a non-empty string, got {name!r}")
    if not callable(factory):
        raise TypeError(f"register_pipeline({name!r}): factory must be callable, got {factory!r}")
    _pipelines[name] = factory


def register_mode(name, mode):
    if not isinstance(mode, Mode):
        raise TypeError(f"register_mode({name!r}): expected a Mode, got {type(mode).__name__}")
    _modes[name] = mode


def load_plugins():
    """Import every module of the ``tensorsmith.plugins`` entry-point group
    (once).  A plugin that fails to import is remembered with its error, which
    lookups then report, instead of breaking the others."""
    global _plugins_loaded
    with _load_lock:
        if _plugins_loaded:
            return
        _plugins_loaded = True
        from importlib.metadata import entry_points

        for ep in entry_points(group=PLUGIN_GROUP):
            try:
                ep.load()
            except Exception as e:  # reported by the lookup that needed it
                _plugin_errors[ep.name] = f"{type(e).__name__}: {e}"


def _resolve(table, name, what):
    if name not in table:
        load_plugins()
    if name not in table:
        known = ", ".join(repr(k) for k in sorted(table)) or "none"
        extra = ""
        if _plugin_errors:
            extra = "; plugins that failed to load: " + "; ".join(
                f"{k} ({v})" for k, v in sorted(_plugin_errors.items()))
        raise ValueError(f"Unknown {what} {name!r}; registered: {known}{extra}")
    return table[name]


def get_linker(name="default"):
    """A new ``Linker`` for ``name`` (``"default"``: the highest priority)."""
    if name == "default":
        load_plugins()
        if not _linkers:
            raise ValueError("No linker is registered")
        name = max(_linkers, key=lambda k: _linkers[k][1])
    factory, _ = _resolve(_linkers, name, "linker")
    return factory()


def get_pipeline(name, include=(), exclude=(), require=()):
    """The rewrite callable of pipeline ``name`` with the given tags, or
    None (``name`` None: no rewrites)."""
    if name is None:
        if include or require:
            raise ValueError(
                "Mode.including/requiring need a rewrite pipeline; this mode has none "
                "(optimizer=None)")
        return None
    factory = _resolve(_pipelines, name, "rewrite pipeline")
    return factory(tuple(include), tuple(exclude), tuple(require))


def lookup_mode(name):
    return _resolve(_modes, name, "mode")


def available_linkers():
    load_plugins()
    return sorted(_linkers)


def available_pipelines():
    load_plugins()
    return sorted(_pipelines)


def available_modes():
    load_plugins()
    return sorted(_modes)


class Mode:
    """What ``function`` does with a graph: run the rewrite pipeline
    ``optimizer`` (a registered name, a callable on a FunctionGraph, or None)
    with the tags of ``including``/``excluding``/``requiring``, then turn it
    into a callable with ``linker`` (a registered name, ``"default"`` or a
    ``Linker`` instance).  Modes are values: ``including`` and friends return
    new modes.

    A pipeline edits the graph through the ``FunctionGraph``'s methods
    (``replace``, ``change_node_input``, ...), never by assigning to a node's
    inputs: ``function`` builds its graph copy-on-write over the user's
    nodes, which must stay as they are."""

    def __init__(self, linker="default", optimizer="default", name=None, include=(), exclude=(),
                 require=()):
        if optimizer == "default":
            optimizer = "FAST_RUN"
        if not (linker is None or isinstance(linker, str) or hasattr(linker, "make_thunk")):
            raise TypeError(
                f"Mode: linker must be a registered linker name or a Linker, got {linker!r}")
        if not (optimizer is None or isinstance(optimizer, str) or callable(optimizer)):
            raise TypeError(
                f"Mode: optimizer must be a pipeline name, a callable or None, got {optimizer!r}")
        self.linker_spec = "default" if linker is None else linker
        self.optimizer = optimizer
        self.name = name
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self.require = tuple(require)
        self._linker = None
        self._rewrite = None
        self._resolved = False

    # -- the two halves --------------------------------------------------------
    @property
    def linker(self):
        """The ``Linker`` instance (resolved from the registry on first use)."""
        if self._linker is None:
            spec = self.linker_spec
            self._linker = get_linker(spec) if isinstance(spec, str) else spec
        return self._linker

    @property
    def linker_name(self):
        spec = self.linker_spec
        if isinstance(spec, str):
            if spec == "default":
                return type(self.linker).__name__
            return spec
        return type(spec).__name__

    def get_rewrite(self):
        """The callable the pipeline resolves to (None: no rewrites)."""
        if not self._resolved:
            opt = self.optimizer
            if opt is None or isinstance(opt, str):
                self._rewrite = get_pipeline(opt, self.include, self.exclude, self.require)
            else:
                if self.include or self.exclude or self.require:
                    raise ValueError(
                        "Mode.including/excluding/requiring select passes of a registered "
                        f"pipeline; this mode's optimizer is the callable {opt!r}")
                self._rewrite = opt
            self._resolved = True
        return self._rewrite

    def rewrite(self, fgraph):
        r = self.get_rewrite()
        if r is not None:
            r(fgraph)

    # -- values ------------------------------------------------------------------
    def _with(self, **kw):
        args = dict(linker=self.linker_spec, optimizer=self.optimizer, name=self.name,
                    include=self.include, exclude=self.exclude, require=self.require)
        args.update(kw)
        return type(self)(**args)

    @staticmethod
    def _tags(tags, what):
        for t in tags:
            if not isinstance(t, str):
                raise TypeError(f"Mode.{what}: tags are strings, got {t!r}")
        return tags

    def including(self, *tags):
        """This mode with the passes tagged ``tags`` added to its pipeline."""
        tags = self._tags(tags, "including")
        return self._with(include=self.include + tuple(t for t in tags if t not in self.include),
                          exclude=tuple(t for t in self.exclude if t not in tags))

    def excluding(self, *tags):
        """This mode without the passes tagged ``tags``."""
        tags = self._tags(tags, "excluding")
        return self._with(exclude=self.exclude + tuple(t for t in tags if t not in self.exclude),
                          include=tuple(t for t in self.include if t not in tags))

    def requiring(self, *tags):
        """This mode keeping only passes that carry every tag in ``tags``."""
        tags = self._tags(tags, "requiring")
        return self._with(require=self.require + tuple(t for t in tags if t not in self.require))

    def clone(self, link_kwargs=None, optimizer="", **kwargs):
        return self._with(**({} if optimizer == "" else {"optimizer": optimizer}))

    def __getstate__(self):
        # what was resolved from the registries is resolved again after
        # loading (a pipeline's callable need not be picklable)
        state = dict(self.__dict__)
        if isinstance(self.linker_spec, str):
            state["_linker"] = None
        state["_rewrite"] = None
        state["_resolved"] = False
        return state

    def __eq__(self, other):
        return (type(self) is type(other) and self.linker_spec == other.linker_spec
                and self.optimizer == other.optimizer and self.include == other.include
                and self.exclude == other.exclude and self.require == other.require)

    def __hash__(self):
        spec = self.linker_spec if isinstance(self.linker_spec, str) else id(self.linker_spec)
        opt = self.optimizer if (self.optimizer is None or isinstance(self.optimizer, str)) \
            else id(self.optimizer)
        return hash((spec, opt, self.include, self.exclude, self.require))

    def __repr__(self):
        parts = [f"linker={self.linker_spec!r}" if isinstance(self.linker_spec, str)
                 else f"linker={type(self.linker_spec).__name__}()",
                 f"optimizer={self.optimizer!r}" if not callable(self.optimizer)
                 or isinstance(self.optimizer, str) else "optimizer=<callable>"]
        if self.include:
            parts.append(f"include={self.include}")
        if self.exclude:
            parts.append(f"exclude={self.exclude}")
        if self.require:
            parts.append(f"require={self.require}")
        head = f"{self.name}: " if self.name else ""
        return f"Mode({head}{', '.join(parts)})"


# graphcore's own entries: the reference linker, and a mode that runs a graph
# as built (what a project using graphcore alone compiles with)
def _register_builtin():
    from .link import PerformLinker

    register_linker("py", PerformLinker, priority=0)
    register_mode("PY", Mode(linker="py", optimizer=None, name="PY"))


_register_builtin()
