"""Packaging checks: the direction of imports between the packages, a cheap
``import tensorsmith``, every package building its own wheel, and graphcore +
autodiff working alone in an empty virtual environment."""
import glob
import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# package folder -> import name
PACKAGES = {
    "graphcore": "tensorsmith_graphcore",
    "autodiff": "tensorsmith_autodiff",
    "tensorops": "tensorsmith_tensorops",
    "rewriter": "tensorsmith_rewriter",
    "ccompile": "tensorsmith_ccompile",
    "gpucuda": "tensorsmith_gpucuda",
    "frontend": "tensorsmith",
}
CHAIN = ["tensorsmith_graphcore", "tensorsmith_autodiff", "tensorsmith_tensorops",
         "tensorsmith_rewriter", "tensorsmith_ccompile", "tensorsmith_gpucuda"]
ALL = set(PACKAGES.values())


def allowed(mod):
    """The tensorsmith packages ``mod`` may (transitively) import at import time."""
    if mod == "tensorsmith":
        # the frontend uses all of them, but gpucuda only when asked (optional)
        return ALL - {"tensorsmith_gpucuda"}
    return set(CHAIN[: CHAIN.index(mod) + 1])


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.pop("TENSORSMITH_PURE_PYTHON", None)
    env.update(extra)
    return env


def run_py(code, python=sys.executable, cwd=None, env=None, timeout=300):
    return subprocess.run([python, "-c", code], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env or clean_env(), timeout=timeout)


PROBE = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    import {mod}
    dt = time.perf_counter() - t0
    mods = sorted(m for m in sys.modules if m.split('.')[0].startswith('tensorsmith'))
    print(json.dumps({{"top": sorted({{m.split('.')[0] for m in mods}}),
                      "numpy": "numpy" in sys.modules,
                      "pycuda": any(m.split('.')[0] in ("pycuda", "cupy") for m in sys.modules),
                      "seconds": dt}}))
""")


@pytest.mark.parametrize("folder", list(PACKAGES))
def test_import_direction(folder):
    mod = PACKAGES[folder]
    r = run_py(PROBE.format(mod=mod))
    assert r.returncode == 0, f"import {mod} failed:\n{r.stderr}"
    info = json.loads(r.stdout.strip().splitlines()[-1])
    imported = set(info["top"])
    assert mod in imported
    forbidden = imported - allowed(mod)
    assert not forbidden, f"import {mod} imports {sorted(forbidden)}, against the direction of imports"
    if mod == "tensorsmith_graphcore":
        assert not info["numpy"], "graphcore must not import numpy"
    if mod == "tensorsmith_autodiff":
        assert not info["numpy"], "autodiff must not import numpy"


CHEAP = textwrap.dedent("""
    import json, os, subprocess, sys, time
    import tensorsmith_graphcore  # an editable install rebuilds (ninja) on first import
    calls = []
    _orig = subprocess.Popen.__init__
    def _spy(self, args, *a, **k):
        calls.append(args if isinstance(args, str) else list(map(str, args)))
        return _orig(self, args, *a, **k)
    subprocess.Popen.__init__ = _spy
    _system = os.system
    os.system = lambda cmd: calls.append(cmd) or _system(cmd)
    t0 = time.perf_counter()
    import tensorsmith
    dt = time.perf_counter() - t0
    probes = [c for c in calls
              if os.path.basename((c.split() if isinstance(c, str) else c)[0]) not in ("ninja", "meson")]
    print(json.dumps({"calls": [str(c) for c in probes], "seconds": dt,
                      "gpu": sorted(m for m in sys.modules
                                    if m.split('.')[0] in ("tensorsmith_gpucuda", "pycuda", "cupy"))}))
""")


def test_import_tensorsmith_is_cheap():
    r = run_py(CHEAP)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout.strip().splitlines()[-1])
    assert info["gpu"] == [], f"import tensorsmith imported {info['gpu']}"
    assert info["calls"] == [], f"import tensorsmith ran processes (compiler probe?): {info['calls']}"
    assert info["seconds"] < 10.0, f"import tensorsmith took {info['seconds']:.1f}s"


# ---------------------------------------------------------------------------
# wheels
# ---------------------------------------------------------------------------

def build_env():
    """The current interpreter's bin folder first on PATH (cython, meson, ninja)."""
    bindir = os.path.dirname(sys.executable)
    env = clean_env(PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    cy = os.path.join(bindir, "cython")
    if os.path.exists(cy):
        env["CYTHON"] = cy
    return env


@pytest.fixture(scope="session")
def wheels(tmp_path_factory):
    """Every package's own wheel, built once: folder -> (path or None, log)."""
    out = tmp_path_factory.mktemp("wheels")
    res = {}
    for folder in PACKAGES:
        d = out / folder
        d.mkdir()
        r = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", os.path.join(ROOT, "packages", folder),
             "--no-deps", "--no-build-isolation", "--disable-pip-version-check", "-w", str(d)],
            capture_output=True, text=True, env=build_env(), cwd=str(out), timeout=900)
        found = glob.glob(str(d / "*.whl"))
        res[folder] = (found[0] if r.returncode == 0 and len(found) == 1 else None,
                       r.stdout[-3000:] + r.stderr[-3000:])
    return res


@pytest.mark.slow
def test_each_package_builds_its_own_wheel(wheels):
    import zipfile

    failed = {f: log for f, (w, log) in wheels.items() if w is None}
    assert not failed, "wheel builds failed:\n" + "\n\n".join(f"--- {f}\n{log}" for f, log in failed.items())
    for folder, (w, _) in wheels.items():
        mod = PACKAGES[folder]
        names = zipfile.ZipFile(w).namelist()
        assert f"{mod}/__init__.py" in names, f"{w} lacks {mod}/__init__.py"
        others = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
        others -= {mod, f".{mod}.mesonpy.libs"}
        assert not others, f"{os.path.basename(w)} also holds {sorted(others)}"
    gwhl = os.path.basename(wheels["graphcore"][0])
    assert "none-any" not in gwhl, f"graphcore wheel is not a binary wheel: {gwhl}"
    names = zipfile.ZipFile(wheels["graphcore"][0]).namelist()
    for m in ("graph", "fg", "vm"):
        assert any(n.startswith(f"tensorsmith_graphcore/{m}.") and n.endswith((".so", ".pyd")) for n in names), m
        assert f"tensorsmith_graphcore/{m}.py" in names  # plain-Python fallback
    for folder in ("autodiff", "frontend"):
        assert os.path.basename(wheels[folder][0]).endswith("-py3-none-any.whl")


@pytest.mark.slow
def test_graphcore_and_autodiff_alone(wheels, tmp_path):
    demo = os.path.join(ROOT, "tests", "autodiff", "standalone_demo.py")
    if not os.path.exists(demo):
        pytest.skip("tests/autodiff/standalone_demo.py does not exist yet")
    for folder in ("graphcore", "autodiff"):
        if wheels[folder][0] is None:
            pytest.fail(f"the {folder} wheel did not build:\n{wheels[folder][1]}")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300,
                   env=clean_env())
    py = str(venv / "bin" / "python")
    r = subprocess.run([py, "-m", "pip", "install", "--no-deps", "--no-index",
                        "--disable-pip-version-check", "-q",
                        wheels["graphcore"][0], wheels["autodiff"][0]],
                       capture_output=True, text=True, env=clean_env(), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    work = tmp_path / "elsewhere"  # not the repository: nothing importable from it
    work.mkdir()
    r = run_py("import numpy", python=py, cwd=str(work))
    assert r.returncode != 0, "numpy is importable in the empty venv"
    r = run_py("import tensorsmith_graphcore as g, tensorsmith_autodiff, sys; "
               "print(g.COMPILED, g.__file__); "
               "assert not any(m.startswith(('tensorsmith_tensorops', 'tensorsmith.')) for m in sys.modules)",
               python=py, cwd=str(work))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("True "), f"graphcore from the wheel is not compiled: {r.stdout}"
    assert str(venv) in r.stdout
    r = subprocess.run([py, demo], capture_output=True, text=True, cwd=str(work),
                       env=clean_env(), timeout=300)
    assert r.returncode == 0, f"standalone_demo.py failed:\n{r.stdout}\n{r.stderr}"


def _cycle_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "import_cycles", os.path.join(ROOT, "tools", "import_cycles.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _pkg_dir(folder):
    return os.path.join(ROOT, "packages", folder, "src", PACKAGES[folder])


@pytest.mark.parametrize("folder", list(PACKAGES))
def test_no_import_cycle_inside_a_package(folder):
    """No circle of modules inside a package imports each other at import time."""
    tool = _cycle_tool()
    graph, _ = tool.import_graph(_pkg_dir(folder), PACKAGES[folder])
    assert tool.cycles(graph) == []


@pytest.mark.parametrize("folder", list(PACKAGES))
def test_no_dependency_cycle_inside_a_package(folder):
    """Counting the imports deferred into functions too: the modules of a
    package form layers, not circles."""
    tool = _cycle_tool()
    graph, _ = tool.import_graph(_pkg_dir(folder), PACKAGES[folder], include_deferred=True)
    assert tool.cycles(graph) == []


def test_cycle_tool_finds_a_cycle(tmp_path):
    pkg = tmp_path / "pk"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import f\n")
    (pkg / "b.py").write_text("def f():\n    from . import a\n")
    (pkg / "c.py").write_text("import pk.a\n")
    tool = _cycle_tool()
    g, deferred = tool.import_graph(str(pkg), "pk")
    assert tool.cycles(g) == []
    assert deferred["pk.b"] and g["pk.c"] == ["pk", "pk.a"]
    g2, _ = tool.import_graph(str(pkg), "pk", include_deferred=True)
    assert tool.cycles(g2) == [["pk.a", "pk.b"]]
