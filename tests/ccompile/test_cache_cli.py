"""``tensorsmith-cache`` (``tensorsmith_ccompile.cli.main``): info, list, clear, prune."""
import json
import os
import subprocess
import sys

from ccache_support import ROOT, module_source

from tensorsmith_ccompile.cli import main


def fill(cache, n):
    for v in range(n):
        cache.build(*module_source(v))


def test_info_list_prune_clear(cache, capsys):
    root = cache.root
    assert main(["--root", root, "info"]) == 0
    out = capsys.readouterr().out
    assert root in out and "not created yet" in out and "entries:    0" in out
    fill(cache, 3)
    assert main(["--root", root, "info"]) == 0
    out = capsys.readouterr().out
    assert "entries:    3" in out and "KiB" in out
    assert main(["--root", root, "--json", "info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["entries"] == 3 and info["total_bytes"] > 0 and info["root"] == root
    assert main(["--root", root, "list"]) == 0
    out = capsys.readouterr().out
    keys = {r["key"] for r in cache.list()}
    assert all(k[:16] in out for k in keys) and "3 entries" in out and "ts_test_" in out
    # prune: nothing is old; a limit of 1 byte keeps none
    assert main(["--root", root, "prune", "--max-age-days", "30"]) == 0
    assert "removed 0 old entries" in capsys.readouterr().out
    assert main(["--root", root, "prune", "--max-mb", "0.000001"]) == 0
    assert "3 over the size limit" in capsys.readouterr().out
    fill(cache, 2)
    assert main(["--root", root, "clear"]) == 0
    assert "removed 2 entries" in capsys.readouterr().out
    assert cache.info()["entries"] == 0


def test_runs_as_module_with_the_configured_root(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENSORSMITH")}
    env["TENSORSMITH_FLAGS"] = f"base_compiledir={tmp_path}/base"
    r = subprocess.run([sys.executable, "-m", "tensorsmith_ccompile.cli", "--json", "info"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["root"].startswith(str(tmp_path / "base") + os.sep)
    assert info["entries"] == 0 and not info["exists"]
    assert not os.path.exists(tmp_path / "base")  # info creates nothing


def test_console_script_and_dependencies_are_declared():
    import tomllib

    for path in ("pyproject.toml", "packages/ccompile/pyproject.toml"):
        with open(os.path.join(ROOT, path), "rb") as fh:
            project = tomllib.load(fh)["project"]
        assert project["scripts"]["tensorsmith-cache"] == "tensorsmith_ccompile.cli:main", path
        deps = " ".join(project["dependencies"])
        assert "filelock" in deps and "platformdirs" in deps, path
