"""Finding the C compiler, its version (probed once), the build flags; and a
cheap import (no compiler probe, no cache, no filelock/platformdirs)."""
import json
import os
import subprocess
import sys
import sysconfig

import pytest
from ccache_support import ROOT, needs_compiler

from tensorsmith_ccompile import toolchain as tcmod
from tensorsmith_ccompile.toolchain import (
    COMPILE_FLAGS, CompilerNotFound, Toolchain, find_compiler, get_toolchain, reset_toolchain,
)


def test_no_compiler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(tcmod, "_sysconfig_cc", lambda: "no-such-sysconfig-cc")
    with pytest.raises(CompilerNotFound) as e:
        find_compiler({"CC": "no-such-cc -O2", "PATH": str(tmp_path)})
    msg = str(e.value)
    assert "no-such-cc" in msg and "no-such-sysconfig-cc" in msg and "cc, gcc, clang" in msg
    assert "set the environment variable CC" in msg


def test_cc_from_the_environment_with_arguments(tmp_path):
    fake = tmp_path / "mycc"
    fake.write_text("#!/bin/sh\necho 'mycc 1.2.3'\n")
    fake.chmod(0o755)
    cc, args, origin = find_compiler({"CC": f"mycc -m64 -g", "PATH": str(tmp_path)})
    assert (cc, args, origin) == (str(fake), ("-m64", "-g"), "CC")
    tc = Toolchain(cc, args, include_dirs=())
    assert tc.version == "mycc 1.2.3"
    assert tc.command("a.c", "a.so") == [str(fake), "-m64", "-g", *tc.flags, "-o", "a.so", "a.c"]


@needs_compiler
def test_version_is_probed_once_and_flags(monkeypatch):
    reset_toolchain()
    tc = get_toolchain()
    assert get_toolchain() is tc and os.path.isabs(tc.cc)
    calls = []
    real = subprocess.run
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert tc.version and tc.version == tc.version
    assert len(calls) == 1
    assert tc.flags[:len(COMPILE_FLAGS)] == COMPILE_FLAGS
    assert "-fPIC" in tc.flags and "-O3" in tc.flags and "-fno-math-errno" in tc.flags
    import numpy as np

    assert "-I" + np.get_include() in tc.flags
    assert "-I" + sysconfig.get_paths()["include"] in tc.flags
    assert tc.ext_suffix == sysconfig.get_config_var("EXT_SUFFIX")


PROBE = """
import json, subprocess, sys
calls = []
_real = subprocess.Popen.__init__
def spy(self, args, *a, **k):
    calls.append(str(args))
    return _real(self, args, *a, **k)
import tensorsmith_graphcore  # an editable install may rebuild (ninja) on first import
subprocess.Popen.__init__ = spy
import tensorsmith, tensorsmith_ccompile
print(json.dumps({"calls": [c for c in calls if "ninja" not in c and "meson" not in c],
                  "mods": sorted(m for m in sys.modules if m.split(".")[0] in
                                 ("filelock", "platformdirs", "tensorsmith_ccompile"))}))
"""


def test_import_is_cheap(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENSORSMITH")}
    env["TENSORSMITH_FLAGS"] = f"base_compiledir={tmp_path}/base"
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout.strip().splitlines()[-1])
    assert info["calls"] == [], "import ran a process (compiler probe?)"
    assert info["mods"] == ["tensorsmith_ccompile"], info["mods"]
    assert not os.path.exists(tmp_path / "base"), "import touched the cache folder"
