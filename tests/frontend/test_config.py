"""tensorsmith.config: declared options, TENSORSMITH_FLAGS, rc files, aliases,
precedence and sources, errors with suggestions, change_flags, docs/CONFIG.md."""
import ast
import importlib.util
import os
import pathlib
import subprocess
import sys
import timeit
import warnings

import pytest

import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith import change_flags, config
from tensorsmith_tensorops import config as config_obj
from tensorsmith_tensorops.config import (
    OPTIONS,
    BoolOption,
    Config,
    ConfigError,
    EnumOption,
    FloatOption,
    IntOption,
    OptionNotImplementedError,
    PathOption,
    StrOption,
    UnknownOptionError,
    parse_flags,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]


def make(tmp_path, **env):
    """A Config read from a clean environment whose HOME is ``tmp_path``."""
    environ = {"HOME": str(tmp_path)}
    environ.update(env)
    return Config(OPTIONS, environ=environ)


def write(path, text):
    path.write_text(text)
    return str(path)


@pytest.fixture
def restore_config():
    saved = config.items()
    yield
    for name, value, src in saved:
        config._set(name, value, src)


# -- the objects -----------------------------------------------------------------


def test_frontend_reexports_the_same_objects():
    assert tensorsmith.config is config_obj is config
    assert pt.config is config
    assert tensorsmith.change_flags == config.change_flags
    from tensorsmith_tensorops.config import change_flags as cf

    assert cf == config.change_flags


def test_defaults(tmp_path):
    c = make(tmp_path)
    assert c.floatX == "float64" and c.intX == "int64" and c.mode == "FAST_RUN"
    assert c.device == "cpu" and c.profile is False and c.traceback__limit == 1
    for name, _, src in c.items():
        assert src.startswith("default"), (name, src)
    assert c.base_compiledir == os.path.join(str(tmp_path), ".cache", "tensorsmith")
    assert c.compiledir.startswith(c.base_compiledir + os.sep)
    assert c.source_of("compiledir") == "default (from base_compiledir)"
    assert c.rc_files() == [(os.path.join(str(tmp_path), ".tensorsmithrc"), "not found")]


def test_xdg_cache_home(tmp_path):
    c = make(tmp_path, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    assert c.base_compiledir == str(tmp_path / "xdg" / "tensorsmith")


# -- TENSORSMITH_FLAGS --------------------------------------------------------------


def test_parse_flags():
    assert parse_flags(" floatX = float32 ,mode=FAST_COMPILE,, ") == [
        ("floatX", "float32"), ("mode", "FAST_COMPILE")]
    assert parse_flags("traceback.limit=0") == [("traceback__limit", "0")]
    assert parse_flags("") == []
    assert parse_flags("base_compiledir=/a=b") == [("base_compiledir", "/a=b")]


@pytest.mark.parametrize("flags", ["floatX", "floatX=float32,mode", "=float32", " , floatX ,"])
def test_malformed_flags_raise(tmp_path, flags):
    with pytest.raises(ConfigError, match="TENSORSMITH_FLAGS: malformed entry"):
        make(tmp_path, TENSORSMITH_FLAGS=flags)


def test_flags_set_values_and_sources(tmp_path):
    c = make(tmp_path, TENSORSMITH_FLAGS=f"floatX=float32, mode = FAST_COMPILE,"
                                         f"base_compiledir={tmp_path}/cc,traceback.limit=0")
    assert c.floatX == "float32" and c.mode == "FAST_COMPILE" and c.traceback__limit == 0
    assert c.base_compiledir == str(tmp_path / "cc")
    for name in ("floatX", "mode", "base_compiledir", "traceback__limit"):
        assert c.source_of(name) == "TENSORSMITH_FLAGS"
    assert c.source_of("intX") == "default"
    # compiledir follows base_compiledir while it is not set itself
    assert c.compiledir.startswith(str(tmp_path / "cc") + os.sep)
    assert c.source_of("compiledir") == "default (from base_compiledir)"


def test_unknown_flag_suggests_the_nearest_name(tmp_path):
    with pytest.raises(UnknownOptionError) as ei:
        make(tmp_path, TENSORSMITH_FLAGS="flaotX=float32")
    msg = str(ei.value)
    assert "TENSORSMITH_FLAGS" in msg and "'flaotX'" in msg and "Did you mean 'floatX'?" in msg
    assert "Valid options:" in msg and "mode" in msg
    assert isinstance(ei.value, ValueError) and isinstance(ei.value, AttributeError)
    with pytest.raises(UnknownOptionError, match="Did you mean 'floatX'"):
        make(tmp_path, TENSORSMITH_FLAGS="floatx=float32")  # wrong case


def test_bad_flag_value_lists_the_choices(tmp_path):
    with pytest.raises(ConfigError) as ei:
        make(tmp_path, TENSORSMITH_FLAGS="floatX=float31")
    msg = str(ei.value)
    assert "TENSORSMITH_FLAGS" in msg and "'float64', 'float32', 'float16'" in msg
    assert "Did you mean 'float32'" in msg
    with pytest.raises(ConfigError, match="choose one of 'FAST_RUN'"):
        make(tmp_path, TENSORSMITH_FLAGS="mode=FAST")
    with pytest.raises(ConfigError, match="integer"):
        make(tmp_path, TENSORSMITH_FLAGS="traceback__limit=many")
    with pytest.raises(ConfigError, match="True or False"):
        make(tmp_path, TENSORSMITH_FLAGS="profile=maybe")


def test_values_not_built_yet_raise_not_implemented(tmp_path):
    for flags in ("device=cuda", "profile=True", "compute_test_value=raise",
                  "exception_verbosity=high", "warn_float64=warn", "cast_policy=numpy+floatX"):
        with pytest.raises(OptionNotImplementedError) as ei:
            make(tmp_path, TENSORSMITH_FLAGS=flags)
        assert isinstance(ei.value, NotImplementedError) and isinstance(ei.value, ConfigError)
        assert "not implemented in TensorSmith yet" in str(ei.value)
    c = make(tmp_path, TENSORSMITH_FLAGS="device=cpu,profile=False,optimizer_verbose=no")
    assert c.profile is False and c.source_of("profile") == "TENSORSMITH_FLAGS"


# -- per-option variables (aliases) ------------------------------------------------


def test_aliases_and_their_precedence(tmp_path):
    c = make(tmp_path, TENSORSMITH_FLOATX="float32", TENSORSMITH_MODE="PY",
             TENSORSMITH_COMPILEDIR=str(tmp_path / "cd"))
    assert (c.floatX, c.source_of("floatX")) == ("float32", "TENSORSMITH_FLOATX")
    assert (c.mode, c.source_of("mode")) == ("PY", "TENSORSMITH_MODE")
    assert (c.compiledir, c.source_of("compiledir")) == (str(tmp_path / "cd"), "TENSORSMITH_COMPILEDIR")
    # TENSORSMITH_FLAGS wins over the alias
    c = make(tmp_path, TENSORSMITH_FLOATX="float32", TENSORSMITH_FLAGS="floatX=float16")
    assert (c.floatX, c.source_of("floatX")) == ("float16", "TENSORSMITH_FLAGS")
    # an empty alias counts as unset; a bad one raises, naming the variable
    assert make(tmp_path, TENSORSMITH_FLOATX="").source_of("floatX") == "default"
    with pytest.raises(ConfigError, match="TENSORSMITH_MODE: mode='fast'"):
        make(tmp_path, TENSORSMITH_MODE="fast")


# -- rc files ----------------------------------------------------------------------


def test_home_rc_file_global_and_sections(tmp_path):
    rc = write(tmp_path / ".tensorsmithrc",
               "[global]\nfloatX = float32\nbase_compiledir = %(HOME)s/cache\n\n[traceback]\nlimit = 0\n")
    c = make(tmp_path)
    assert c.floatX == "float32" and c.traceback__limit == 0
    assert c.base_compiledir == str(tmp_path / "cache")
    assert c.source_of("floatX") == f"rc file {rc} [global]"
    assert c.source_of("traceback__limit") == f"rc file {rc} [traceback]"
    assert c.rc_files() == [(rc, "read")]


def test_precedence_flags_over_alias_over_rc_over_default(tmp_path):
    write(tmp_path / ".tensorsmithrc", "[global]\nfloatX = float16\nmode = PY\nintX = int32\n")
    c = make(tmp_path, TENSORSMITH_MODE="FAST_COMPILE", TENSORSMITH_FLAGS="floatX=float32")
    assert (c.floatX, c.source_of("floatX")) == ("float32", "TENSORSMITH_FLAGS")
    assert (c.mode, c.source_of("mode")) == ("FAST_COMPILE", "TENSORSMITH_MODE")
    assert c.intX == "int32" and c.source_of("intX").startswith("rc file ")
    assert (c.on_opt_error, c.source_of("on_opt_error")) == ("raise", "default")


def test_tensorsmithrc_names_several_files_later_wins(tmp_path):
    a = write(tmp_path / "a.rc", "[global]\nfloatX = float16\nintX = int32\n")
    b = write(tmp_path / "b.rc", "[global]\nfloatX = float32\n")
    write(tmp_path / ".tensorsmithrc", "[global]\nmode = PY\n")  # not read: TENSORSMITHRC is set
    c = make(tmp_path, TENSORSMITHRC=os.pathsep.join([a, b]))
    assert c.floatX == "float32" and c.source_of("floatX") == f"rc file {b} [global]"
    assert c.intX == "int32" and c.source_of("intX") == f"rc file {a} [global]"
    assert c.mode == "FAST_RUN"
    assert c.rc_files() == [(a, "read"), (b, "read")]
    # an empty TENSORSMITHRC reads no file
    assert make(tmp_path, TENSORSMITHRC="").rc_files() == []


def test_missing_named_rc_file_warns(tmp_path):
    missing = str(tmp_path / "nope.rc")
    with pytest.warns(UserWarning, match="nope.rc"):
        c = make(tmp_path, TENSORSMITHRC=missing)
    assert c.rc_files() == [(missing, "not found")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make(tmp_path)  # the default ~/.tensorsmithrc may be absent, silently


def test_rc_file_errors(tmp_path):
    rc = write(tmp_path / "bad.rc", "[global]\nflotX = float32\n")
    with pytest.raises(UnknownOptionError) as ei:
        make(tmp_path, TENSORSMITHRC=rc)
    assert rc in str(ei.value) and "[global]" in str(ei.value) and "Did you mean 'floatX'" in str(ei.value)
    rc = write(tmp_path / "sect.rc", "[tracebak]\nlimit = 0\n")
    with pytest.raises(UnknownOptionError, match="'tracebak__limit'.*traceback__limit"):
        make(tmp_path, TENSORSMITHRC=rc)
    rc = write(tmp_path / "val.rc", "[global]\nmode = SLOW\n")
    with pytest.raises(ConfigError, match=r"val.rc \[global\]: mode='SLOW' is not valid"):
        make(tmp_path, TENSORSMITHRC=rc)
    rc = write(tmp_path / "syntax.rc", "[global]\nfloatX\n")
    with pytest.raises(ConfigError, match="cannot parse"):
        make(tmp_path, TENSORSMITHRC=rc)
    rc = write(tmp_path / "nosection.rc", "floatX = float32\n")
    with pytest.raises(ConfigError, match="cannot parse"):
        make(tmp_path, TENSORSMITHRC=rc)


# -- option types ---------------------------------------------------------------------


def test_option_types_on_a_config_of_their_own(tmp_path):
    opts = (
        EnumOption("color", "red", ("red", "green"), "A color."),
        BoolOption("flag", False, "A flag."),
        IntOption("count", 3, "A count.", minimum=0),
        FloatOption("ratio", 0.5, "A ratio.", minimum=0.0, maximum=1.0),
        StrOption("label", "x", "A label."),
        PathOption("root", "~/r", "A root."),
        PathOption("sub", lambda cfg: os.path.join(cfg.root, "s"), "Under root.", derived_from=("root",)),
    )
    c = Config(opts, environ={"HOME": str(tmp_path),
                              "TENSORSMITH_FLAGS": "flag=yes,count=7,ratio=.25,label= hi "})
    assert (c.color, c.flag, c.count, c.ratio, c.label) == ("red", True, 7, 0.25, "hi")
    assert c.root == os.path.abspath(os.path.expanduser("~/r"))
    c.root = str(tmp_path / "elsewhere")
    assert c.sub == str(tmp_path / "elsewhere" / "s")
    c.sub = str(tmp_path / "mine")
    c.root = str(tmp_path / "again")
    assert c.sub == str(tmp_path / "mine") and c.source_of("sub") == "set in code"
    for name, bad in [("count", -1), ("count", True), ("count", "1.5"), ("ratio", 2), ("ratio", "nan"),
                      ("flag", 2), ("flag", "maybe"), ("label", ""), ("label", 3), ("root", ""),
                      ("color", "blue"), ("color", 1)]:
        with pytest.raises(ConfigError):
            setattr(c, name, bad)
    c.flag = "off"
    c.count = "12"
    assert c.flag is False and c.count == 12


# -- the process-wide object: attributes ----------------------------------------------


def test_unknown_attribute_assignment_and_read(restore_config):
    with pytest.raises(UnknownOptionError, match="'bogus'.*Valid options:"):
        config.bogus = 1
    with pytest.raises(AttributeError, match="Did you mean 'floatX'"):
        config.flaotX = "float32"
    with pytest.raises(AttributeError, match="Did you mean 'floatX'"):
        config.floatx
    assert not hasattr(config, "bogus")
    assert getattr(config, "bogus", 42) == 42
    assert "bogus" not in config.__dict__


def test_assignment_is_checked_and_recorded(restore_config):
    with pytest.raises(ConfigError, match="choose one of 'float64', 'float32', 'float16'"):
        config.floatX = "float31"
    assert config.floatX in ("float64", "float32", "float16")
    config.floatX = "float32"
    assert config.floatX == "float32" and config.source_of("floatX") == "set in code"
    assert pt.scalar().dtype == "float32"
    with pytest.raises(OptionNotImplementedError, match="profile=True"):
        config.profile = True
    with pytest.raises(ConfigError):
        del config.floatX


def test_dir_and_str_list_the_options():
    names = {o.name for o in OPTIONS}
    assert names <= set(dir(config))
    assert set(config) == names
    text = str(config)
    for name in names:
        assert name in text


# -- change_flags ------------------------------------------------------------------------


def test_change_flags_context_manager_restores_value_and_source():
    before = (config.floatX, config.source_of("floatX"))
    with config.change_flags(floatX="float32") as c:
        assert c is config
        assert config.floatX == "float32" and config.source_of("floatX") == "change_flags"
        assert pt.vector().dtype == "float32"
        with change_flags(floatX="float16"):
            assert config.floatX == "float16"
        assert config.floatX == "float32"
    assert (config.floatX, config.source_of("floatX")) == before


def test_change_flags_restores_on_exceptions():
    before = config.floatX
    with pytest.raises(RuntimeError):
        with change_flags(floatX="float32"):
            raise RuntimeError("boom")
    assert config.floatX == before


def test_change_flags_decorator():
    before = config.floatX
    calls = []

    @change_flags(floatX="float32")
    def build(depth):
        """doc kept"""
        calls.append(config.floatX)
        if depth:
            build(depth - 1)
        return pt.scalar().dtype

    assert build.__doc__ == "doc kept" and build.__name__ == "build"
    assert build(2) == "float32"
    assert calls == ["float32"] * 3
    assert config.floatX == before

    @tensorsmith.change_flags(floatX="float32")
    def fails():
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        fails()
    assert config.floatX == before


def test_change_flags_checks_when_called_and_changes_nothing_on_error():
    before = config.items()
    with pytest.raises(UnknownOptionError, match="change_flags: unknown configuration option 'bogus'"):
        change_flags(bogus=1)
    with pytest.raises(UnknownOptionError, match="Did you mean 'floatX'"):
        change_flags(floatx="float32")
    with pytest.raises(ConfigError, match="choose one of"):
        change_flags(floatX="float32", mode="SLOW")
    with pytest.raises(OptionNotImplementedError):
        change_flags(profile=True)
    assert config.items() == before


def test_change_flags_takes_dicts_with_dotted_names():
    with change_flags({"traceback.limit": 0}, floatX="float32"):
        assert config.traceback__limit == 0 and config.floatX == "float32"
    assert config.traceback__limit != 0


def test_change_flags_base_compiledir_moves_derived_compiledir(tmp_path):
    before = (config.base_compiledir, config.compiledir)
    with change_flags(base_compiledir=str(tmp_path)):
        if config.source_of("compiledir").startswith("default"):
            assert config.compiledir.startswith(str(tmp_path) + os.sep)
    assert (config.base_compiledir, config.compiledir) == before


def test_traceback_limit_zero_stops_recording_locations():
    from tensorsmith_graphcore import get_tracing, location_of

    assert get_tracing()
    with change_flags(traceback__limit=0):
        assert not get_tracing()
        assert location_of(pt.dscalar() + 1) is None
    assert get_tracing()
    loc = location_of(pt.dscalar() + 1)
    assert loc is not None and loc[0] == __file__


# -- cost of a read --------------------------------------------------------------------


def test_reading_an_option_is_cheap():
    # A plain instance-attribute read (~10-60 ns); the bound catches a property or a
    # lookup chain creeping into this hot path (floatX is read while building constants).
    n = 200_000
    best = min(timeit.repeat("config.floatX", globals={"config": config}, number=n, repeat=5)) / n
    assert best < 1e-6, f"config.floatX takes {best * 1e9:.0f} ns"


# -- every option read in the code is declared -------------------------------------------


def test_every_config_attribute_used_in_the_code_is_declared():
    """Every ``config.<name>`` read or written in packages/ and tests/ is an
    option or a method (this file tries unknown names on purpose)."""
    public = {n for n in dir(Config) if not n.startswith("_")}
    unknown = set()
    for top in ("packages", "tests"):
        for f in (ROOT / top).rglob("*.py"):
            if f.name == pathlib.Path(__file__).name:
                continue
            try:
                tree = ast.parse(f.read_text(errors="replace"))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id == "config" and node.attr not in config
                        and node.attr not in public):
                    unknown.add((str(f.relative_to(ROOT)), node.attr))
    assert not unknown, f"config options used but not declared: {sorted(unknown)}"


# -- docs/CONFIG.md ------------------------------------------------------------------------


def _gen_config_doc():
    spec = importlib.util.spec_from_file_location("gen_config_doc", ROOT / "tools" / "gen_config_doc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_config_doc_is_up_to_date():
    gen = _gen_config_doc()
    doc = ROOT / "docs" / "CONFIG.md"
    assert doc.read_text() == gen.render(), "docs/CONFIG.md is stale: run python tools/gen_config_doc.py"
    text = doc.read_text()
    for opt in OPTIONS:
        assert f"### {opt.name}\n" in text
        assert opt.doc in text
        if opt.env:
            assert f"`{opt.env}`" in text


# -- the environment of a fresh interpreter ----------------------------------------------


def clean_env(home, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TENSORSMITH") or k == "TENSORSMITH_PURE_PYTHON"}
    env.pop("XDG_CACHE_HOME", None)
    env["HOME"] = str(home)
    env.update(extra)
    return env


def run_py(code, env):
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=600, cwd=str(ROOT))


def test_flags_act_in_a_fresh_interpreter(tmp_path):
    code = ("import tensorsmith, tensorsmith.tensor as pt\n"
            "from tensorsmith.compile.mode import get_mode\n"
            "from tensorsmith import function\n"
            "x = pt.scalar('x')\n"
            "f = function([x], x * 2)\n"
            "print(x.dtype, get_mode(None).name, f.maker.mode.name, tensorsmith.config.source_of('floatX'),"
            " f(1.5).dtype)\n")
    r = run_py(code, clean_env(tmp_path, TENSORSMITH_FLAGS="floatX=float32,mode=FAST_COMPILE"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["float32", "FAST_COMPILE", "FAST_COMPILE", "TENSORSMITH_FLAGS", "float32"]
    # the same from the rc file in HOME
    write(tmp_path / ".tensorsmithrc", "[global]\nfloatX = float32\nmode = FAST_COMPILE\n")
    r = run_py(code, clean_env(tmp_path))
    assert r.returncode == 0, r.stderr
    out = r.stdout.split()
    assert out[:3] == ["float32", "FAST_COMPILE", "FAST_COMPILE"] and out[3] == "rc"


def test_bad_flags_stop_the_import(tmp_path):
    r = run_py("import tensorsmith", clean_env(tmp_path, TENSORSMITH_FLAGS="floatX"))
    assert r.returncode != 0
    assert "ConfigError: TENSORSMITH_FLAGS: malformed entry 'floatX'" in r.stderr
    r = run_py("import tensorsmith", clean_env(tmp_path, TENSORSMITH_FLAGS="floatx=float32"))
    assert r.returncode != 0
    assert "UnknownOptionError" in r.stderr and "Did you mean 'floatX'?" in r.stderr
