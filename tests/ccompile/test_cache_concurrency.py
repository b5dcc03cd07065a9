"""Many processes compiling the same new function at once into one fresh cache
(asv_bench/stress_compile_cache.py with 8 processes): all succeed and exactly
one compiles; again with every file of the entry truncated to half its size."""
import importlib.util
import os

from ccache_support import ROOT, needs_compiler


def _stress():
    path = os.path.join(ROOT, "asv_bench", "stress_compile_cache.py")
    spec = importlib.util.spec_from_file_location("stress_compile_cache", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@needs_compiler
def test_eight_processes_compile_once_then_rebuild_once(tmp_path):
    res = _stress().run_stress(8, root=str(tmp_path))
    fresh, damaged = res["fresh"], res["truncated"]
    assert fresh["failures"] == 0, fresh["errors"]
    assert fresh["compiles"] == 1 and fresh["rebuilt"] == 0
    assert damaged["files_truncated"] == 3  # module, source.c, meta.json
    assert damaged["failures"] == 0, damaged["errors"]
    assert damaged["compiles"] == 1 and damaged["rebuilt"] == 1
