"""The persistent compile cache: C source in, loaded extension module out.

``compile_module(source, module_name, node_desc=...)`` returns the module
built from ``source``, compiling it only when no process has compiled the same
source with the same toolchain before.

The contract with the code generator
-------------------------------------
``source`` is the whole text of one C file that defines a CPython extension
module whose init function is ``PyInit_<module_name>`` (single- or multi-phase
initialisation).  ``module_name`` must be a valid C identifier and should be
derived from the code itself (for instance ``"ts_" + sha256(body)[:16]``):
the name is part of the source, hence of the key, so one key always holds one
name.  The module is loaded under that name but not put in ``sys.modules``;
importing the same key again in the process returns the same module object.

The key
-------
sha256 over: the source text; the compiler's path, arguments and ``--version``
text; every flag and include directory; NumPy's version (major.minor) and C API
version; Python's implementation, version, platform and ``EXT_SUFFIX``;
``tensorsmith_ccompile.__version__``; the entry format.  Anything that could
make a stored module wrong for this process changes the key.

On disk
-------
``<root>/<key[:2]>/<key>/`` holds ``<module_name><EXT_SUFFIX>``, ``source.c``
and ``meta.json`` (key, module file name, its size and sha256, creation time,
node).  The last use is the mtime of ``meta.json`` (touched when a process
loads the entry).  ``<root>/<key[:2]>/<key>.lock`` is the entry's lock file.
``<root>/failures/`` holds reports of failed compilations; ``<root>/tmp-*``
are builds in progress (or left by a process that died), ``<root>/trash-*``
entries being removed.

Safety
------
* One lock per key (``filelock``), never a global one: a process waits only
  for another process compiling the same key.
* An entry is built in a temporary folder inside the root and published by
  renaming the folder, so an entry is either complete or absent.
* Before a module file is loaded its size and sha256 are checked against
  ``meta.json``; a truncated, corrupt or unreadable entry is removed (with a
  ``CacheWarning``) and rebuilt, never loaded.  Entries are removed by renaming
  them away first, never truncated, so a process that has one loaded keeps
  working.
* The root, the key's shard folder and the entry folder must belong to the
  user and be writable by nobody else (``UnsafeCacheDir`` otherwise, with the
  fix); folders are created with mode 0o700.
* After each publish, entries used least recently are removed while the cache
  is over ``config.compile_cache_max_mb`` (entries locked by a process are
  skipped).

Nothing runs at import: the root is created, and the compiler probed, on the
first compilation."""
import errno
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import re
import shlex
import shutil
import stat
import tempfile
import threading
import time
import uuid
import warnings

from .toolchain import get_toolchain, numpy_abi, python_abi

__all__ = ["CompileCache", "get_cache", "compile_module", "default_root",
           "CacheError", "CompileError", "UnsafeCacheDir", "CacheWarning", "FORMAT"]

FORMAT = 1                  # the entry layout; part of the key
META = "meta.json"
SOURCE = "source.c"
FAILURES = "failures"
TMP_PREFIX = "tmp-"
TRASH_PREFIX = "trash-"
STALE_TMP_SECONDS = 3600.0  # a build folder untouched this long belongs to a dead process
LOCK_TIMEOUT = 600.0        # after this, a process builds without the lock (publish stays atomic)
_KEY_RE = re.compile(r"[0-9a-f]{64}")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CacheError(RuntimeError):
    """Something about the compile cache itself went wrong."""


class UnsafeCacheDir(CacheError):
    """A cache folder that someone else owns or can write to (the message says how to fix it)."""


class CompileError(CacheError):
    """The C compiler failed.  ``path``: the report (numbered source and the
    compiler's messages); ``node``: the node description given; ``stderr``."""

    def __init__(self, message, *, path=None, node=None, stderr="", returncode=None):
        super().__init__(message)
        self.path = path
        self.node = node
        self.stderr = stderr
        self.returncode = returncode


class CacheWarning(UserWarning):
    """A damaged entry was found (and rebuilt), or the cache could not do something optional."""


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_file(path, data, mode=0o600):
    """Write ``data`` (bytes or str) to a new file and flush it to disk."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_path(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_private_dir(path):
    """Raise ``UnsafeCacheDir`` unless ``path`` is a folder owned by this user
    that neither group nor others can write."""
    st = os.stat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeCacheDir(f"the compile cache path {path} is not a folder; choose another "
                             f"with TENSORSMITH_FLAGS=\"base_compiledir=DIR\"")
    if not hasattr(os, "getuid"):
        return
    problems = []
    if st.st_uid != os.getuid():
        problems.append(f"it belongs to user id {st.st_uid}, not to you ({os.getuid()})")
    if st.st_mode & 0o022:
        problems.append(f"group or others can write to it (mode {stat.filemode(st.st_mode)})")
    if problems:
        q = shlex.quote(path)
        fix = f"`chmod go-w {q}`" if st.st_uid == os.getuid() else f"`sudo chown $USER {q} && chmod go-w {q}`"
        raise UnsafeCacheDir(
            f"refusing to load compiled code from {path}: {'; '.join(problems)}, so someone else "
            f"could replace the code this process would run. Fix it with {fix}, or use another "
            f"folder: TENSORSMITH_FLAGS=\"base_compiledir=DIR\" (or config.base_compiledir = DIR).")


def default_root():
    """The cache folder: ``config.compiledir`` (``<base_compiledir>/compiledir_<platform>-
    <machine>-<python tag>``) when ``base_compiledir`` or ``compiledir`` was set; else
    the same subfolder under ``platformdirs.user_cache_dir("tensorsmith")``."""
    from tensorsmith_tensorops.config import config

    if not (config.source_of("compiledir").startswith("default")
            and config.source_of("base_compiledir").startswith("default")):
        return config.compiledir
    import platformdirs

    return os.path.join(platformdirs.user_cache_dir("tensorsmith"), os.path.basename(config.compiledir))


def _configured_limit_bytes():
    from tensorsmith_tensorops.config import config

    mb = config.compile_cache_max_mb
    return None if mb <= 0 else int(mb) * (1 << 20)


class CompileCache:
    """A compile cache in the folder ``root`` (created on first use).

    ``max_bytes``: the size limit (None: ``config.compile_cache_max_mb``, read at
    each check; 0: no limit).  ``toolchain``: the ``Toolchain`` to build with
    (None: ``get_toolchain()``, found on first compilation).  ``stats`` counts,
    for this object: ``compiles``, ``hits_memory``, ``hits_disk``, ``rebuilt``
    (damaged entries replaced), ``evicted`` (entries removed by the size limit)."""

    def __init__(self, root, *, max_bytes=None, toolchain=None):
        self.root = os.path.abspath(os.fspath(root))
        self.max_bytes = max_bytes
        self._toolchain = toolchain
        self._abi = None
        self._root_ok = False
        self.stats = dict(compiles=0, hits_memory=0, hits_disk=0, rebuilt=0, evicted=0)

    def __repr__(self):
        return f"<CompileCache {self.root}>"

    # -- the key ---------------------------------------------------------------
    @property
    def toolchain(self):
        if self._toolchain is None:
            self._toolchain = get_toolchain()
        return self._toolchain

    def _abi_text(self):
        if self._abi is None:
            from . import __version__

            self._abi = json.dumps({"format": FORMAT, "package": __version__, "python": python_abi(),
                                    "numpy": numpy_abi(), "toolchain": self.toolchain.identity()},
                                   sort_keys=True)
        return self._abi

    def key(self, source):
        """The entry's key for ``source`` (64 hex digits)."""
        h = hashlib.sha256(self._abi_text().encode("utf-8"))
        h.update(b"\0")
        h.update(source.encode("utf-8"))
        return h.hexdigest()

    def entry_dir(self, key):
        return os.path.join(self.root, key[:2], key)

    def _lock_path(self, key):
        return os.path.join(self.root, key[:2], key + ".lock")

    # -- folders -----------------------------------------------------------------
    def _ensure_root(self):
        if not self._root_ok:
            os.makedirs(self.root, mode=0o700, exist_ok=True)
            check_private_dir(self.root)
            self._root_ok = True

    def _ensure_shard(self, key):
        shard = os.path.join(self.root, key[:2])
        os.makedirs(shard, mode=0o700, exist_ok=True)
        check_private_dir(shard)
        return shard

    def _file_lock(self, key, blocking=True):
        import filelock

        return filelock.FileLock(self._lock_path(key), timeout=LOCK_TIMEOUT if blocking else 0,
                                 mode=0o600)

    # -- compile -----------------------------------------------------------------
    def _checked_key(self, source, module_name):
        if not isinstance(module_name, str) or not _NAME_RE.fullmatch(module_name):
            raise ValueError(f"module_name must be a C identifier, got {module_name!r}")
        if f"PyInit_{module_name}" not in source:
            raise ValueError(f"the source does not define PyInit_{module_name}: the module it "
                             f"defines must be named {module_name!r} (see tensorsmith_ccompile.cache)")
        return self.key(source)

    def compile_module(self, source, module_name, node_desc=None):
        """The module built from ``source`` (which defines ``PyInit_<module_name>``),
        from memory, from disk, or compiled now.  ``node_desc``: what the code is
        for (a graph node), named by a ``CompileError``."""
        key = self._checked_key(source, module_name)
        where = self.entry_dir(key)
        mod = _LOADED.get(where)
        if mod is not None:
            self.stats["hits_memory"] += 1
            return mod
        built = False
        with _process_lock(where):
            mod = _LOADED.get(where)
            if mod is not None:
                self.stats["hits_memory"] += 1
                return mod
            self._ensure_root()
            mod = self._load_if_valid(key, module_name)
            if mod is None:
                mod, built = self._ensure_entry(key, source, module_name, node_desc, load=True)
            _LOADED[where] = mod
        if built:
            self.enforce_size_limit(keep=(key,))
        return mod

    def build(self, source, module_name, node_desc=None):
        """Make sure an intact entry for ``source`` is on disk, compiling it if
        needed, without loading it (to compile ahead, in other processes).
        Returns the entry's folder."""
        key = self._checked_key(source, module_name)
        where = self.entry_dir(key)
        built = False
        with _process_lock(where):
            self._ensure_root()
            meta, _ = self._verify(key)
            if meta is None:
                _, built = self._ensure_entry(key, source, module_name, node_desc, load=False)
        if built:
            self.enforce_size_limit(keep=(key,))
        return where

    def _verify(self, key):
        """``(meta, problem)``: the entry's metadata when its module file is intact;
        ``(None, None)`` when there is no entry; ``(None, reason)`` when it is damaged."""
        d = self.entry_dir(key)
        try:
            st = os.lstat(d)
        except FileNotFoundError:
            return None, None
        if not stat.S_ISDIR(st.st_mode):
            return None, "it is not a folder"
        check_private_dir(os.path.dirname(d))
        check_private_dir(d)
        try:
            with open(os.path.join(d, META), "rb") as fh:
                meta = json.loads(fh.read().decode("utf-8"))
        except FileNotFoundError:
            return None, f"{META} is missing"
        except (OSError, ValueError) as e:
            return None, f"{META} cannot be read ({type(e).__name__}: {e})"
        if not (isinstance(meta, dict) and meta.get("key") == key
                and isinstance(meta.get("module_file"), str)
                and os.path.basename(meta["module_file"]) == meta["module_file"]
                and meta["module_file"] not in ("", ".", "..")
                and isinstance(meta.get("size"), int) and isinstance(meta.get("sha256"), str)):
            return None, f"{META} is not valid"
        path = os.path.join(d, meta["module_file"])
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            return None, f"the module file {meta['module_file']} is missing"
        if size != meta["size"]:
            return None, f"the module file has {size} bytes where {META} says {meta['size']} (truncated?)"
        if _sha256_file(path) != meta["sha256"]:
            return None, "the module file's sha256 does not match"
        return meta, None

    def _import(self, key, meta, module_name):
        path = os.path.join(self.entry_dir(key), meta["module_file"])
        loader = importlib.machinery.ExtensionFileLoader(module_name, path)
        spec = importlib.util.spec_from_file_location(module_name, path, loader=loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        try:
            os.utime(os.path.join(self.entry_dir(key), META))  # last use, for the size limit
        except OSError:
            pass
        return mod

    def _load_if_valid(self, key, module_name):
        """The entry's module if it is present and intact (no lock taken), else None."""
        meta, _ = self._verify(key)
        if meta is None or meta.get("module_name", module_name) != module_name:
            return None
        try:
            mod = self._import(key, meta, module_name)
        except (ImportError, OSError):
            return None  # removed meanwhile, or unloadable: looked at again under the lock
        self.stats["hits_disk"] += 1
        return mod

    def _ensure_entry(self, key, source, module_name, node_desc, load):
        """Under the key's lock: use the entry if another process published it,
        else (re)build and publish it; load it if ``load``.  ``(module or None, built)``."""
        import filelock

        self._ensure_shard(key)
        lock = self._file_lock(key)
        try:
            lock.acquire()
        except filelock.Timeout:
            warnings.warn(f"waited {LOCK_TIMEOUT:.0f} s for the lock {self._lock_path(key)}; "
                          f"building without it", CacheWarning, stacklevel=3)
            lock = None
        try:
            meta, problem = self._verify(key)
            if meta is not None:
                if not load:
                    return None, False
                try:
                    mod = self._import(key, meta, module_name)
                    self.stats["hits_disk"] += 1
                    return mod, False
                except ImportError as e:
                    problem = f"its module cannot be loaded ({e})"
            if problem is not None:
                warnings.warn(f"the compile cache entry {self.entry_dir(key)} is damaged ({problem}); "
                              f"it is removed and rebuilt", CacheWarning, stacklevel=3)
                self._remove_entry_dir(self.entry_dir(key))
                self.stats["rebuilt"] += 1
            self._build_and_publish(key, source, module_name, node_desc)
            meta, problem = self._verify(key)
            if meta is None:
                raise CacheError(f"the entry {self.entry_dir(key)} just built does not verify: {problem}")
            if not load:
                return None, True
            try:
                return self._import(key, meta, module_name), True
            except ImportError as e:
                raise ImportError(f"the module compiled for {node_desc or module_name} cannot be "
                                  f"loaded: {e} (does the source define PyInit_{module_name}?); "
                                  f"its source is {os.path.join(self.entry_dir(key), SOURCE)}") from e
        finally:
            if lock is not None:
                lock.release()

    def _build_and_publish(self, key, source, module_name, node_desc):
        tc = self.toolchain
        tmp = tempfile.mkdtemp(prefix=TMP_PREFIX, dir=self.root)
        try:
            src_path = os.path.join(tmp, SOURCE)
            _write_file(src_path, source)
            module_file = module_name + tc.ext_suffix
            out = os.path.join(tmp, module_file)
            t0 = time.perf_counter()
            result = tc.build(SOURCE, module_file, cwd=tmp)
            seconds = time.perf_counter() - t0
            if result.returncode != 0 or not os.path.isfile(out):
                raise self._failure(key, source, module_name, node_desc,
                                    tc.command(SOURCE, module_file), result)
            self.stats["compiles"] += 1
            _fsync_path(out)
            meta = {"format": FORMAT, "key": key, "module_name": module_name, "module_file": module_file,
                    "size": os.path.getsize(out), "sha256": _sha256_file(out), "created": time.time(),
                    "compile_seconds": round(seconds, 4), "node": None if node_desc is None else str(node_desc),
                    "compiler": tc.version_line}
            _write_file(os.path.join(tmp, META), json.dumps(meta, indent=1, sort_keys=True) + "\n")
            _fsync_path(tmp)
            self._publish(tmp, key)
        finally:
            if os.path.isdir(tmp):
                shutil.rmtree(tmp, ignore_errors=True)

    def _publish(self, tmp, key):
        """Rename the built folder ``tmp`` to the entry's place.  When another
        process published first, theirs is kept if it is intact."""
        dest = self.entry_dir(key)
        for _ in range(3):
            self._ensure_shard(key)
            try:
                os.rename(tmp, dest)
                return
            except FileNotFoundError:
                continue  # the shard was removed (clear) meanwhile
            except OSError as e:
                if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
            meta, problem = self._verify(key)
            if meta is not None:
                return  # theirs is as good as ours
            if problem is not None:
                self._remove_entry_dir(dest)
        raise CacheError(f"cannot publish the compiled entry {dest}")

    def _failure(self, key, source, module_name, node_desc, cmd, result):
        """Write the failure report; the ``CompileError`` to raise."""
        fdir = os.path.join(self.root, FAILURES)
        os.makedirs(fdir, mode=0o700, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = os.path.join(fdir, f"{stamp}-{key[:16]}-{os.getpid()}-{uuid.uuid4().hex[:6]}.txt")
        lines = source.splitlines()
        width = len(str(len(lines)))
        numbered = "\n".join(f"{i:>{width}} | {line}" for i, line in enumerate(lines, 1))
        output = (result.stderr or "") + (result.stdout or "")
        node = "(not given)" if node_desc is None else str(node_desc)
        report = (f"TensorSmith: C compilation failed\n"
                  f"node: {node}\nmodule: {module_name}\nkey: {key}\n"
                  f"compiler: {self.toolchain.cc} ({self.toolchain.version_line})\n"
                  f"command (in a temporary folder): {shlex.join(cmd)}\n"
                  f"exit status: {result.returncode}\n\n"
                  f"---- compiler output ----\n{output.rstrip()}\n\n"
                  f"---- source, numbered ----\n{numbered}\n")
        _write_file(path, report)
        out_lines = [ln for ln in output.splitlines() if ln.strip()]
        first = [ln for ln in out_lines if "error" in ln.lower()][:5] or out_lines[:5]
        msg = (f"C compilation failed for node {node} (module {module_name}, exit status "
               f"{result.returncode}); the numbered source and the compiler's messages are in {path}")
        if first:
            msg += "\n" + "\n".join("    " + ln for ln in first)
        return CompileError(msg, path=path, node=node_desc, stderr=output, returncode=result.returncode)

    # -- removal -----------------------------------------------------------------
    def _remove_entry_dir(self, d):
        """Remove an entry folder: renamed away first (atomic), then deleted."""
        trash = os.path.join(self.root, f"{TRASH_PREFIX}{uuid.uuid4().hex}")
        try:
            os.rename(d, trash)
        except FileNotFoundError:
            return False
        shutil.rmtree(trash, ignore_errors=True)
        return True

    def _remove_if_unlocked(self, key):
        """Remove the entry unless a process holds its lock; True if removed."""
        import filelock

        try:
            lock = self._file_lock(key, blocking=False)
            lock.acquire(blocking=False)
        except (filelock.Timeout, FileNotFoundError):
            return False
        try:
            return self._remove_entry_dir(self.entry_dir(key))
        finally:
            lock.release()

    # -- looking at the cache ----------------------------------------------------------
    def _scan(self, read_meta=True):
        """Every entry: dicts with key, path, size (bytes of its files), last_used,
        meta (None when unreadable or not ``read_meta``)."""
        out = []
        try:
            shards = [s for s in os.scandir(self.root)
                      if len(s.name) == 2 and s.is_dir(follow_symlinks=False)]
        except FileNotFoundError:
            return out
        for shard in shards:
            try:
                items = list(os.scandir(shard.path))
            except OSError:
                continue
            for it in items:
                if not (_KEY_RE.fullmatch(it.name) and it.is_dir(follow_symlinks=False)):
                    continue
                size = 0
                try:
                    for f in os.scandir(it.path):
                        if f.is_file(follow_symlinks=False):
                            size += f.stat(follow_symlinks=False).st_size
                except OSError:
                    continue
                meta_path = os.path.join(it.path, META)
                try:
                    last_used = os.stat(meta_path).st_mtime
                    meta = None
                    if read_meta:
                        with open(meta_path, "rb") as fh:
                            meta = json.loads(fh.read().decode("utf-8"))
                except (OSError, ValueError):
                    meta = None
                    try:
                        last_used = it.stat(follow_symlinks=False).st_mtime
                    except OSError:
                        continue
                out.append({"key": it.name, "path": it.path, "size": size, "last_used": last_used,
                            "meta": meta if isinstance(meta, dict) else None})
        return out

    def _extras(self):
        """(failure report paths, temporary folders) in the root."""
        failures, temps = [], []
        fdir = os.path.join(self.root, FAILURES)
        try:
            failures = [f.path for f in os.scandir(fdir) if f.is_file(follow_symlinks=False)]
        except OSError:
            pass
        try:
            temps = [e.path for e in os.scandir(self.root)
                     if e.name.startswith((TMP_PREFIX, TRASH_PREFIX)) and e.is_dir(follow_symlinks=False)]
        except OSError:
            pass
        return failures, temps

    def limit_bytes(self):
        """The size limit in bytes (None: no limit)."""
        if self.max_bytes is None:
            return _configured_limit_bytes()
        return int(self.max_bytes) or None

    def info(self):
        """root, number of entries, their total size, the limit, failure reports, temporaries."""
        entries = self._scan(read_meta=False)
        failures, temps = self._extras()
        return {"root": self.root, "exists": os.path.isdir(self.root), "entries": len(entries),
                "total_bytes": sum(e["size"] for e in entries), "limit_bytes": self.limit_bytes(),
                "failures": len(failures), "temporary": len(temps)}

    def list(self):
        """Every entry, most recently used first: key, module, node, size, created, last_used, path."""
        rows = []
        for e in self._scan():
            meta = e["meta"] or {}
            rows.append({"key": e["key"], "module": meta.get("module_name"), "node": meta.get("node"),
                         "size": e["size"], "created": meta.get("created"), "last_used": e["last_used"],
                         "path": e["path"], "valid_meta": e["meta"] is not None})
        rows.sort(key=lambda r: r["last_used"], reverse=True)
        return rows

    # -- cleaning --------------------------------------------------------------------
    def enforce_size_limit(self, limit_bytes=None, keep=()):
        """Remove least-recently-used entries while the cache is over the limit
        (default: ``limit_bytes()``); entries in ``keep`` and entries locked by
        a process stay.  Returns the keys removed."""
        limit = self.limit_bytes() if limit_bytes is None else limit_bytes
        if not limit:
            return []
        entries = self._scan(read_meta=False)
        total = sum(e["size"] for e in entries)
        removed = []
        if total <= limit:
            return removed
        for e in sorted(entries, key=lambda e: e["last_used"]):
            if total <= limit:
                break
            if e["key"] in keep:
                continue
            if self._remove_if_unlocked(e["key"]):
                total -= e["size"]
                removed.append(e["key"])
        self.stats["evicted"] += len(removed)
        return removed

    def prune(self, max_age_days=None, max_mb=None):
        """Remove entries unused for ``max_age_days``, then least-recently-used
        entries while over ``max_mb`` (default: the configured limit); failure
        reports older than ``max_age_days``; temporary folders of dead builds.
        Returns counts of what was removed."""
        now = time.time()
        removed_age = []
        if max_age_days is not None:
            horizon = now - float(max_age_days) * 86400.0
            for e in self._scan(read_meta=False):
                if e["last_used"] < horizon and self._remove_if_unlocked(e["key"]):
                    removed_age.append(e["key"])
        limit = None if max_mb is None else int(float(max_mb) * (1 << 20))
        removed_size = self.enforce_size_limit(limit) if limit != 0 else []
        failures, temps = self._extras()
        n_fail = 0
        if max_age_days is not None:
            horizon = now - float(max_age_days) * 86400.0
            for f in failures:
                try:
                    if os.stat(f).st_mtime < horizon:
                        os.unlink(f)
                        n_fail += 1
                except OSError:
                    pass
        n_tmp = self._remove_stale_temps(temps, now)
        return {"removed_old": len(removed_age), "removed_over_size": len(removed_size),
                "failures_removed": n_fail, "temporary_removed": n_tmp}

    def _remove_stale_temps(self, temps, now, min_age=STALE_TMP_SECONDS):
        n = 0
        for t in temps:
            try:
                stale = os.path.basename(t).startswith(TRASH_PREFIX) or \
                    now - os.stat(t).st_mtime > min_age
            except OSError:
                continue
            if stale:
                shutil.rmtree(t, ignore_errors=True)
                n += 1
        return n

    def clear(self):
        """Remove every entry (except those a process holds locked), the failure
        reports and the temporary folders of dead builds.  Modules this process
        has loaded stay loaded (and are returned again for their source).
        Returns counts."""
        removed = kept = 0
        for e in self._scan(read_meta=False):
            if self._remove_if_unlocked(e["key"]):
                removed += 1
            else:
                kept += 1
        failures, temps = self._extras()
        for f in failures:
            try:
                os.unlink(f)
            except OSError:
                pass
        n_tmp = self._remove_stale_temps(temps, time.time())
        self._remove_orphan_locks()
        return {"removed": removed, "locked": kept, "failures_removed": len(failures),
                "temporary_removed": n_tmp}

    def _remove_orphan_locks(self):
        """Lock files of entries that are gone, and then empty shard folders."""
        import filelock

        try:
            shards = [s.path for s in os.scandir(self.root) if len(s.name) == 2 and s.is_dir()]
        except OSError:
            return
        for shard in shards:
            for name in os.listdir(shard):
                key = name[:-5]
                if not (name.endswith(".lock") and _KEY_RE.fullmatch(key)) or \
                        os.path.exists(os.path.join(shard, key)):
                    continue
                lock = self._file_lock(key, blocking=False)
                try:
                    lock.acquire(blocking=False)
                except (filelock.Timeout, OSError):
                    continue
                try:
                    # removing a held lock file is safe: a process that opened the old one
                    # and one that makes a new one can both compile, and publishing is atomic
                    os.unlink(os.path.join(shard, name))
                except OSError:
                    pass
                finally:
                    lock.release()
            try:
                os.rmdir(shard)
            except OSError:
                pass


_caches = {}
_caches_lock = threading.Lock()
# entry folder -> its loaded module, for every cache object of the process: a module
# file is loaded at most once per process (the dynamic loader would hand back the
# first mapping of a path anyway).  Modules stay loaded after their entry is removed.
_LOADED = {}
_entry_locks = {}


def _process_lock(entry):
    """The threading lock of one entry folder (threads of one process; the file
    lock serialises processes)."""
    with _caches_lock:
        lock = _entry_locks.get(entry)
        if lock is None:
            lock = _entry_locks[entry] = threading.Lock()
        return lock


def get_cache(root=None):
    """The process's ``CompileCache`` for ``root`` (default: ``default_root()``,
    read from the configuration at each call)."""
    root = os.path.abspath(os.fspath(root) if root is not None else default_root())
    cache = _caches.get(root)
    if cache is None:
        with _caches_lock:
            cache = _caches.get(root)
            if cache is None:
                cache = _caches[root] = CompileCache(root)
    return cache


def compile_module(source, module_name, node_desc=None):
    """``get_cache().compile_module(source, module_name, node_desc)``."""
    return get_cache().compile_module(source, module_name, node_desc)
