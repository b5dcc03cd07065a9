"""Stress the compile cache: N processes compile one new function at the same
moment into a fresh cache folder; then every file of the cache is truncated to
half its size and N processes load the same function again.

    python asv_bench/stress_compile_cache.py [--processes 32] [--root DIR] [--json]

Each worker imports the cache and computes the key (so the compiler probe is
done), says it is ready, waits for the common start signal, then calls
``compile_module`` and checks the value the module returns.  For each round it
prints: failures (must be 0), compilations (summed over the workers' own
counters: 1 in each round), damaged entries rebuilt (0, then 1), and the wall
time from the start signal to the last worker's end.  Exits 1 when a round
fails.  ``run_stress`` is what tests/ccompile calls with fewer processes."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

SOURCE = r"""#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *value(PyObject *self, PyObject *args) { return PyLong_FromLong(%(value)dL); }

static PyMethodDef methods[] = {{"value", value, METH_NOARGS, "the number baked in"},
                                {NULL, NULL, 0, NULL}};
static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "%(name)s", NULL, -1, methods};

PyMODINIT_FUNC PyInit_%(name)s(void) { return PyModule_Create(&moddef); }
"""


def worker(root, source_file, name, value, ready_file, go_file):
    """One process: returns the JSON line it prints."""
    from tensorsmith_ccompile.cache import CompileCache

    with open(source_file) as fh:
        source = fh.read()
    cache = CompileCache(root)
    cache.key(source)  # the compiler's version probe, outside the timed part
    open(ready_file, "w").close()
    deadline = time.monotonic() + 300
    while not os.path.exists(go_file):
        if time.monotonic() > deadline:
            raise SystemExit("no start signal")
        time.sleep(0.002)
    t0 = time.perf_counter()
    got = cache.compile_module(source, name, node_desc="stress_compile_cache").value()
    return json.dumps({"ok": got == value, "got": got, "stats": cache.stats,
                       "seconds": time.perf_counter() - t0})


def run_round(n, root, source_file, name, value, work):
    """Start ``n`` workers, release them together; a dict of the round's figures."""
    sync = tempfile.mkdtemp(prefix="round-", dir=work)
    go = os.path.join(sync, "go")
    procs = []
    for i in range(n):
        ready = os.path.join(sync, f"ready-{i}")
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", root, source_file, name,
               str(value), ready, go]
        procs.append((ready, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                              text=True)))
    deadline = time.monotonic() + 600
    while not all(os.path.exists(r) for r, _ in procs):
        if any(p.poll() not in (None, 0) for _, p in procs) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    t0 = time.perf_counter()
    open(go, "w").close()
    failures, compiles, rebuilt, errors, slowest = 0, 0, 0, [], 0.0
    for _, p in procs:
        out, err = p.communicate(timeout=600)
        line = out.strip().splitlines()[-1] if out.strip() else ""
        try:
            res = json.loads(line)
        except ValueError:
            res = None
        if p.returncode != 0 or res is None or not res["ok"]:
            failures += 1
            errors.append((err or out).strip()[-800:])
            continue
        compiles += res["stats"]["compiles"]
        rebuilt += res["stats"]["rebuilt"]
        slowest = max(slowest, res["seconds"])
    wall = time.perf_counter() - t0
    return {"processes": n, "failures": failures, "compiles": compiles, "rebuilt": rebuilt,
            "wall_seconds": round(wall, 3), "slowest_call_seconds": round(slowest, 3),
            "errors": errors}


def truncate_all(root):
    """Truncate every non-empty file of every entry (not the lock files) to half its size."""
    n = 0
    for shard in os.listdir(root):
        sdir = os.path.join(root, shard)
        if len(shard) != 2 or not os.path.isdir(sdir):
            continue
        for entry in os.listdir(sdir):
            edir = os.path.join(sdir, entry)
            if not os.path.isdir(edir):
                continue
            for f in os.listdir(edir):
                path = os.path.join(edir, f)
                size = os.path.getsize(path)
                if size:
                    os.truncate(path, size // 2)
                    n += 1
    return n


def run_stress(n=32, root=None):
    """Both rounds in a fresh folder (``root``: where to make it); a dict."""
    work = tempfile.mkdtemp(prefix="ts-stress-", dir=root)
    try:
        cache_root = os.path.join(work, "cache")
        tag = uuid.uuid4().hex[:12]
        name = f"ts_stress_{tag}"
        value = int(tag[:7], 16)
        source_file = os.path.join(work, "source.c")
        with open(source_file, "w") as fh:
            fh.write(SOURCE % {"name": name, "value": value})
        fresh = run_round(n, cache_root, source_file, name, value, work)
        truncated_files = truncate_all(cache_root) if os.path.isdir(cache_root) else 0
        damaged = run_round(n, cache_root, source_file, name, value, work)
        damaged["files_truncated"] = truncated_files
        return {"fresh": fresh, "truncated": damaged}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        root, source_file, name, value, ready, go = argv[1:7]
        print(worker(root, source_file, name, int(value), ready, go))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--processes", "-n", type=int, default=32)
    ap.add_argument("--root", default=None, help="where to make the fresh cache folder (default: $TMPDIR)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = run_stress(args.processes, args.root)
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        for label, r in (("fresh cache", res["fresh"]),
                         ("every file truncated to half", res["truncated"])):
            extra = f", {r['files_truncated']} files truncated before" if "files_truncated" in r else ""
            print(f"{label}: {r['processes']} processes, failures {r['failures']}, compiles "
                  f"{r['compiles']}, damaged entries rebuilt {r['rebuilt']}, wall {r['wall_seconds']:.2f} s "
                  f"(slowest call {r['slowest_call_seconds']:.2f} s){extra}")
            for e in r["errors"][:3]:
                print("  error:", e.replace("\n", "\n    "))
    bad = any(r["failures"] or r["compiles"] != 1 for r in res.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
