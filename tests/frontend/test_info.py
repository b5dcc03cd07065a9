"""``python -m tensorsmith info``: versions, compiled graph core, the
configuration and where each value came from; usage errors."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np

import tensorsmith
import tensorsmith_graphcore
from tensorsmith import _info
from tensorsmith_tensorops.config import OPTIONS

ROOT = pathlib.Path(__file__).resolve().parents[2]


def clean_env(home, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TENSORSMITH") or k == "TENSORSMITH_PURE_PYTHON"}
    env.pop("XDG_CACHE_HOME", None)
    env["HOME"] = str(home)
    env.update(extra)
    return env


def run_cli(args, env):
    return subprocess.run([sys.executable, "-m", "tensorsmith", *args], env=env, capture_output=True,
                          text=True, timeout=600, cwd=str(ROOT))


def test_info_json_values_and_sources(tmp_path):
    rc = tmp_path / "team.rc"
    rc.write_text("[global]\nintX = int32\nmode = PY\n\n[traceback]\nlimit = 0\n")
    env = clean_env(tmp_path, TENSORSMITH_FLAGS=f"floatX=float32, base_compiledir={tmp_path}/cache",
                    TENSORSMITHRC=str(rc), TENSORSMITH_MODE="FAST_COMPILE")
    r = run_cli(["info", "--json"], env)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)

    assert info["tensorsmith"] == tensorsmith.__version__
    pkgs = {p["name"]: p for p in info["packages"]}
    assert set(pkgs) == set(_info.PACKAGES)
    for name in ("tensorsmith", "tensorsmith_graphcore", "tensorsmith_autodiff", "tensorsmith_tensorops",
                 "tensorsmith_rewriter", "tensorsmith_ccompile"):
        mod = __import__(name)
        assert pkgs[name]["version"] == mod.__version__ and pkgs[name]["problem"] is None
    deps = {d["name"]: d for d in info["dependencies"]}
    assert deps["numpy"]["version"] == np.__version__
    assert deps["python"]["version"] == sys.version.split()[0]
    assert {"scipy", "cython"} <= set(deps)
    assert info["graphcore"]["compiled"] is tensorsmith_graphcore.COMPILED

    conf = info["config"]
    assert conf["flags"].startswith("floatX=float32")
    assert conf["rc_files"] == [{"path": str(rc), "status": "read"}]
    assert conf["aliases"] == {"TENSORSMITH_MODE": "FAST_COMPILE"}
    opts = {o["name"]: (o["value"], o["source"]) for o in conf["options"]}
    assert [o["name"] for o in conf["options"]] == [o.name for o in OPTIONS]
    assert opts["floatX"] == ("float32", "TENSORSMITH_FLAGS")
    assert opts["base_compiledir"] == (str(tmp_path / "cache"), "TENSORSMITH_FLAGS")
    assert opts["compiledir"][0].startswith(str(tmp_path / "cache") + os.sep)
    assert opts["compiledir"][1] == "default (from base_compiledir)"
    assert opts["mode"] == ("FAST_COMPILE", "TENSORSMITH_MODE")          # alias over rc file
    assert opts["intX"] == ("int32", f"rc file {rc} [global]")
    assert opts["traceback__limit"] == (0, f"rc file {rc} [traceback]")
    assert opts["profile"] == (False, "default")


def test_info_text(tmp_path):
    (tmp_path / ".tensorsmithrc").write_text("[global]\nfloatX = float16\n")
    r = run_cli(["info"], clean_env(tmp_path, TENSORSMITH_FLAGS="mode=FAST_COMPILE"))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith(f"TensorSmith {tensorsmith.__version__}\n")
    for name in _info.PACKAGES + ("numpy", "scipy", "python"):
        assert f"\n  {name} " in out
    assert f"graph core compiled: {'yes' if tensorsmith_graphcore.COMPILED else 'no'}" in out
    assert "TENSORSMITH_FLAGS: 'mode=FAST_COMPILE'" in out
    assert f"{tmp_path / '.tensorsmithrc'} (read)" in out
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.startswith("  ") and " = " in ln}
    assert set(lines) == {o.name for o in OPTIONS}
    assert "= FAST_COMPILE" in lines["mode"] and lines["mode"].endswith("[TENSORSMITH_FLAGS]")
    assert "= float16" in lines["floatX"] and "[rc file " in lines["floatX"]
    assert lines["intX"].endswith("[default]")


def test_usage(tmp_path):
    env = clean_env(tmp_path)
    r = run_cli(["--help"], env)
    assert r.returncode == 0 and "usage: python -m tensorsmith" in r.stdout and "info" in r.stdout
    r = run_cli(["info", "--help"], env)
    assert r.returncode == 0 and "--json" in r.stdout
    r = run_cli([], env)
    assert r.returncode == 2 and "usage: python -m tensorsmith" in r.stderr
    assert "required: command" in r.stderr
    r = run_cli(["inof"], env)
    assert r.returncode == 2 and "invalid choice: 'inof'" in r.stderr and "info" in r.stderr


def test_info_reports_config_errors(tmp_path):
    r = run_cli(["info"], clean_env(tmp_path, TENSORSMITH_FLAGS="floatX"))
    assert r.returncode != 0 and "malformed entry 'floatX'" in r.stderr
    r = run_cli(["info"], clean_env(tmp_path, TENSORSMITH_FLAGS="mdoe=PY"))
    assert r.returncode != 0 and "Did you mean 'mode'?" in r.stderr


def test_import_tensorsmith_does_not_load_the_command(tmp_path):
    code = ("import sys, tensorsmith\n"
            "print(sorted(m for m in ('tensorsmith._info', 'tensorsmith.__main__') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], env=clean_env(tmp_path), capture_output=True,
                       text=True, timeout=600, cwd=str(ROOT))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_collect_in_process_is_json_and_text():
    info = _info.collect()
    json.dumps(info)
    text = _info.format_text(info)
    assert all(f"  {o.name} " in text for o in OPTIONS)
