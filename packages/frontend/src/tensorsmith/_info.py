"""What ``python -m tensorsmith info`` reports: the versions of the TensorSmith
packages and of their dependencies, whether the graph core runs compiled, and
the configuration in force with where each value came from.

Imported only by the command (not by ``import tensorsmith``)."""
import importlib
import os
import sys

__all__ = ["collect", "format_text", "PACKAGES", "DEPENDENCIES"]

PACKAGES = ("tensorsmith", "tensorsmith_graphcore", "tensorsmith_autodiff", "tensorsmith_tensorops",
            "tensorsmith_rewriter", "tensorsmith_ccompile", "tensorsmith_gpucuda")
# (name shown, module imported)
DEPENDENCIES = (("numpy", "numpy"), ("scipy", "scipy"), ("cython", "Cython"))


def _version_of(modname):
    """``(version, path, problem)``: from the module's ``__version__`` (the
    packages have no metadata in a development install), else its metadata."""
    try:
        mod = importlib.import_module(modname)
    except ImportError:
        return None, None, "not installed"
    except Exception as e:  # installed but broken: say so rather than fail
        return None, None, f"cannot be imported: {type(e).__name__}: {e}"
    version = getattr(mod, "__version__", None)
    if version is None:
        try:
            from importlib import metadata

            version = metadata.version(modname)
        except Exception:
            version = "unknown"
    path = getattr(mod, "__file__", None)
    return str(version), (os.path.dirname(path) if path else None), None


def _graphcore():
    import tensorsmith_graphcore as gc

    graph_file = sys.modules[gc.__name__ + ".graph"].__file__
    if gc.COMPILED:
        detail = f"Cython modules, e.g. {os.path.basename(graph_file)}"
    elif os.environ.get("TENSORSMITH_PURE_PYTHON", "") not in ("", "0"):
        detail = "plain Python: TENSORSMITH_PURE_PYTHON is set"
    else:
        detail = "plain Python: no compiled modules were found (the build ran no compiler?)"
    return {"compiled": bool(gc.COMPILED), "detail": detail, "hot_modules": list(gc.HOT_MODULES)}


def _configuration():
    cfgmod = importlib.import_module("tensorsmith_tensorops.config")
    cfg = cfgmod.config
    aliases = {o.env: os.environ[o.env] for o in cfg.options() if o.env and o.env in os.environ}
    return {
        "flags_variable": cfgmod.FLAGS_VAR,
        "flags": os.environ.get(cfgmod.FLAGS_VAR),
        "rc_variable": cfgmod.RC_VAR,
        "rc": os.environ.get(cfgmod.RC_VAR),
        "rc_files": [{"path": p, "status": s} for p, s in cfg.rc_files()],
        "aliases": aliases,
        "options": [{"name": n, "value": v, "source": s} for n, v, s in cfg.items()],
    }


def collect():
    """Everything ``info`` prints, as a JSON-serializable dict."""
    import tensorsmith

    packages = []
    for name in PACKAGES:
        version, path, problem = _version_of(name)
        packages.append({"name": name, "version": version, "path": path, "problem": problem})
    deps = [{"name": "python", "version": sys.version.split()[0], "path": sys.executable,
             "problem": None, "detail": f"{sys.implementation.name}, {sys.platform}"}]
    for shown, modname in DEPENDENCIES:
        version, path, problem = _version_of(modname)
        deps.append({"name": shown, "version": version, "path": path, "problem": problem})
    return {
        "tensorsmith": tensorsmith.__version__,
        "packages": packages,
        "dependencies": deps,
        "graphcore": _graphcore(),
        "config": _configuration(),
    }


def _table(rows, indent="  "):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)] if rows else []
    out = []
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r, widths)] + [r[-1]]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def format_text(info):
    """The human-readable report."""
    lines = [f"TensorSmith {info['tensorsmith']}", "", "packages:"]
    lines += _table([(p["name"], p["version"] or "-", p["problem"] or p["path"] or "")
                     for p in info["packages"]])
    lines += ["", "dependencies:"]
    lines += _table([(d["name"], d["version"] or "-", d["problem"] or d.get("detail") or d["path"] or "")
                     for d in info["dependencies"]])
    g = info["graphcore"]
    lines += ["", f"graph core compiled: {'yes' if g['compiled'] else 'no'} ({g['detail']})"]
    c = info["config"]
    lines += ["", "configuration (highest first: code, TENSORSMITH_FLAGS, TENSORSMITH_<OPTION> "
                  "variables, rc files, defaults):"]
    flags = c["flags"]
    lines.append(f"  {c['flags_variable']}: {flags!r}" if flags is not None
                 else f"  {c['flags_variable']}: not set")
    for var, val in c["aliases"].items():
        lines.append(f"  {var}: {val!r}")
    rc_note = f"from {c['rc_variable']}={c['rc']!r}" if c["rc"] is not None else "default"
    if c["rc_files"]:
        for f in c["rc_files"]:
            lines.append(f"  rc file ({rc_note}): {f['path']} ({f['status']})")
    else:
        lines.append(f"  rc files: none ({rc_note})")
    lines.append("")
    lines += _table([(o["name"], "= " + str(o["value"]), f"[{o['source']}]") for o in c["options"]])
    return "\n".join(lines) + "\n"
