"""The compile cache in one process: hits and misses, keys, damaged entries
(rebuilt, never loaded), permissions, compiler failures, the size limit."""
import json
import os
import stat
import threading
import warnings

import pytest
from ccache_support import counting_toolchain, module_source

from tensorsmith_ccompile.cache import (
    META, CacheWarning, CompileCache, CompileError, UnsafeCacheDir, _sha256_file, default_root,
    get_cache,
)


def module_file(entry):
    (name,) = [f for f in os.listdir(entry) if f not in (META, "source.c")]
    return os.path.join(entry, name)


def spy_loads(cache):
    """Record each module file loaded, failing if one does not match its meta.json."""
    loaded = []
    real = cache._import

    def checked(key, meta, module_name):
        path = os.path.join(cache.entry_dir(key), meta["module_file"])
        assert os.path.getsize(path) == meta["size"] and _sha256_file(path) == meta["sha256"], \
            "a damaged module file was loaded"
        loaded.append(path)
        return real(key, meta, module_name)

    cache._import = checked
    return loaded


def test_miss_then_hits(cache, toolchain, tmp_path):
    src, name = module_source(7)
    assert not os.path.exists(cache.root)  # nothing happens before the first compilation
    mod = cache.compile_module(src, name, node_desc="Add(x, y)")
    assert mod.value() == 7 and toolchain.builds == 1
    assert stat.S_IMODE(os.stat(cache.root).st_mode) == 0o700
    assert cache.compile_module(src, name) is mod and toolchain.builds == 1
    assert cache.stats["compiles"] == 1 and cache.stats["hits_memory"] == 1
    entry = cache.entry_dir(cache.key(src))
    meta = json.load(open(os.path.join(entry, META)))
    assert meta["size"] == os.path.getsize(module_file(entry)) and meta["node"] == "Add(x, y)"
    assert open(os.path.join(entry, "source.c")).read() == src
    # another process's view: an entry on disk is loaded, not compiled
    src2, name2 = module_source(8)
    cache.build(src2, name2)
    assert toolchain.builds == 2
    tc2 = counting_toolchain()
    other = CompileCache(cache.root, toolchain=tc2, max_bytes=0)
    assert other.key(src2) == cache.key(src2)
    assert other.compile_module(src2, name2).value() == 8
    assert tc2.builds == 0 and other.stats["hits_disk"] == 1
    assert [e for e in os.listdir(cache.root) if e.startswith("tmp-")] == []


def test_key_follows_source_flags_and_compiler(cache, toolchain):
    src, _ = module_source(1, name="ts_same")
    key = cache.key(src)
    assert key == cache.key(src) and len(key) == 64
    assert cache.key(module_source(2, name="ts_same")[0]) != key
    flagged = CompileCache(cache.root, toolchain=counting_toolchain(extra_flags=("-DX=1",)))
    assert flagged.key(src) != key
    other_cc = counting_toolchain()
    other_cc._version = toolchain.version + " (patched)"
    assert CompileCache(cache.root, toolchain=other_cc).key(src) != key
    assert CompileCache(cache.root, toolchain=counting_toolchain()).key(src) == key


def test_source_must_define_its_init(cache):
    src, name = module_source(1)
    with pytest.raises(ValueError, match="PyInit_other"):
        cache.compile_module(src, "other")
    with pytest.raises(ValueError, match="C identifier"):
        cache.compile_module(src, "not-a-name")


def _damage_truncate(entry):
    path = module_file(entry)
    os.truncate(path, os.path.getsize(path) // 2)


def _damage_flip_byte(entry):
    path = module_file(entry)
    with open(path, "r+b") as fh:
        fh.seek(os.path.getsize(path) // 2)
        b = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([b[0] ^ 0xFF]))


def _damage_no_meta(entry):
    os.unlink(os.path.join(entry, META))


def _damage_bad_meta(entry):
    with open(os.path.join(entry, META), "w") as fh:
        fh.write('{"key": "trunc')


def _damage_no_module(entry):
    os.unlink(module_file(entry))


@pytest.mark.parametrize("damage, reason", [
    (_damage_truncate, "truncated"),
    (_damage_flip_byte, "sha256 does not match"),
    (_damage_no_meta, "meta.json is missing"),
    (_damage_bad_meta, "meta.json cannot be read"),
    (_damage_no_module, "module file .* is missing"),
])
def test_damaged_entry_is_rebuilt_never_loaded(cache, toolchain, damage, reason):
    src, name = module_source(31)
    entry = cache.build(src, name)
    assert toolchain.builds == 1
    damage(entry)
    loaded = spy_loads(cache)
    with pytest.warns(CacheWarning, match=reason):
        mod = cache.compile_module(src, name)
    assert mod.value() == 31
    assert toolchain.builds == 2 and cache.stats["rebuilt"] == 1 and len(loaded) == 1
    meta = json.load(open(os.path.join(entry, META)))
    assert meta["sha256"] == _sha256_file(module_file(entry))
    assert not [e for e in os.listdir(cache.root) if e.startswith(("tmp-", "trash-"))]


def test_group_or_world_writable_root_is_refused(tmp_path, toolchain):
    root = tmp_path / "shared"
    root.mkdir()
    os.chmod(root, 0o777)
    src, name = module_source(3)
    cache = CompileCache(root, toolchain=toolchain)
    with pytest.raises(UnsafeCacheDir, match=r"chmod go-w .*shared") as e:
        cache.compile_module(src, name)
    assert "base_compiledir" in str(e.value) and "others can write" in str(e.value)
    assert toolchain.builds == 0
    os.chmod(root, 0o700)
    entry = cache.build(src, name)
    os.chmod(entry, 0o775)  # an entry folder that the group could fill is not loaded either
    with pytest.raises(UnsafeCacheDir, match="chmod go-w"):
        CompileCache(root, toolchain=toolchain).compile_module(src, name)


def test_compiler_failure_writes_numbered_source_and_names_node(cache, toolchain):
    src, name = module_source(5)
    bad = src.replace("return PyLong_FromLong(5L);", "return undefined_thing + ;")
    with pytest.raises(CompileError) as e:
        cache.compile_module(bad, name, node_desc="Elemwise{add}(x, y) at model.py:12")
    err = e.value
    msg = str(err)
    assert err.path and os.path.isfile(err.path)
    assert os.path.dirname(err.path) == os.path.join(cache.root, "failures")
    assert err.path in msg and "Elemwise{add}(x, y) at model.py:12" in msg
    assert "error" in msg.lower() and "undefined_thing" in msg  # the compiler's first error line
    report = open(err.path).read()
    assert "Elemwise{add}(x, y) at model.py:12" in report
    assert "4 | static PyObject *value" in report and "undefined_thing" in report
    assert err.node == "Elemwise{add}(x, y) at model.py:12" and err.returncode != 0
    # nothing published, nothing left behind
    assert not os.path.exists(cache.entry_dir(cache.key(bad)))
    assert not [x for x in os.listdir(cache.root) if x.startswith("tmp-")]
    assert cache.info()["failures"] == 1


def _age(cache, src, seconds_ago):
    t = os.path.getmtime(os.path.join(cache.entry_dir(cache.key(src)), META)) - seconds_ago
    os.utime(os.path.join(cache.entry_dir(cache.key(src)), META), (t, t))


def test_size_limit_removes_least_recently_used(tmp_path, toolchain):
    import filelock

    cache = CompileCache(tmp_path / "c", toolchain=toolchain, max_bytes=0)
    mods = [module_source(v) for v in (1, 2, 3)]
    for src, name in mods[:3]:
        cache.build(src, name)
    size = cache.info()["total_bytes"] // 3
    _age(cache, mods[0][0], 300)   # used longest ago ...
    _age(cache, mods[1][0], 100)
    _age(cache, mods[2][0], 200)
    # ... but the oldest is locked by a process: it stays, the next oldest goes
    with filelock.FileLock(cache._lock_path(cache.key(mods[0][0]))):
        small = CompileCache(cache.root, toolchain=toolchain, max_bytes=int(size * 3.5))
        new_src, new_name = module_source(4)
        assert small.compile_module(new_src, new_name).value() == 4
    left = {r["key"] for r in small.list()}
    keys = [cache.key(s) for s, _ in mods]
    assert left == {keys[0], keys[1], small.key(new_src)}
    assert small.stats["evicted"] == 1
    assert small.info()["total_bytes"] <= size * 3.5
    # a limit below one entry keeps the new one
    one = CompileCache(cache.root, toolchain=toolchain, max_bytes=1)
    src5, name5 = module_source(5)
    one.compile_module(src5, name5)
    assert [r["key"] for r in one.list()] == [one.key(src5)]


def test_prune_and_clear(cache, toolchain):
    a, b = module_source(1), module_source(2)
    cache.build(*a)
    cache.build(*b)
    _age(cache, a[0], 10 * 86400)
    res = cache.prune(max_age_days=5)
    assert res["removed_old"] == 1
    assert [r["key"] for r in cache.list()] == [cache.key(b[0])]
    os.makedirs(os.path.join(cache.root, "tmp-dead"))
    os.utime(os.path.join(cache.root, "tmp-dead"), (1, 1))
    os.makedirs(os.path.join(cache.root, "tmp-building"))  # a build in progress: kept
    res = cache.clear()
    assert res["removed"] == 1 and res["locked"] == 0 and res["temporary_removed"] == 1
    info = cache.info()
    assert info["entries"] == 0 and info["total_bytes"] == 0 and info["temporary"] == 1
    assert sorted(os.listdir(cache.root)) == ["tmp-building"]  # lock files and shards gone


def test_threads_compile_one_key_once(cache, toolchain):
    src, name = module_source(11)
    out, errors = [], []

    def run():
        try:
            out.append(cache.compile_module(src, name))
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(out) == 6 and all(m is out[0] for m in out)
    assert toolchain.builds == 1


def test_an_unrelated_key_does_not_wait(cache, toolchain):
    import filelock

    busy, _ = module_source(1)
    cache._ensure_root()
    cache._ensure_shard(cache.key(busy))
    with filelock.FileLock(cache._lock_path(cache.key(busy))):  # "another process compiles it"
        src, name = module_source(2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert cache.compile_module(src, name).value() == 2


def test_root_comes_from_the_configuration(tmp_path):
    import platformdirs

    from tensorsmith_tensorops.config import change_flags, config

    with change_flags(base_compiledir=str(tmp_path / "base")):
        assert default_root() == config.compiledir
        assert default_root().startswith(str(tmp_path / "base") + os.sep)
        assert get_cache().root == config.compiledir
    with change_flags(compiledir=str(tmp_path / "exact")):
        assert get_cache().root == str(tmp_path / "exact")
    if config.source_of("base_compiledir") == "default" and config.source_of("compiledir").startswith("default"):
        assert default_root() == os.path.join(platformdirs.user_cache_dir("tensorsmith"),
                                              os.path.basename(config.compiledir))
    with change_flags(compile_cache_max_mb=3):
        assert CompileCache(tmp_path / "x").limit_bytes() == 3 << 20
    with change_flags(compile_cache_max_mb=0):
        assert CompileCache(tmp_path / "x").limit_bytes() is None
