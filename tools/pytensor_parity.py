"""PyTensor API parity report: which user-facing names of PyTensor exist in
TensorSmith, which are missing although in scope, and which are out of scope.

Two steps, because the two libraries live in different interpreters:

    # 1. dump the public names of each library (each in its own environment)
    /tmp/ptv/bin/python tools/pytensor_parity.py dump pytensor    > /tmp/names_pytensor.json
    /tmp/v1/bin/python  tools/pytensor_parity.py dump tensorsmith > /tmp/names_tensorsmith.json
    # 2. compare them (any Python 3, imports neither library)
    python tools/pytensor_parity.py report /tmp/names_pytensor.json /tmp/names_tensorsmith.json \
        > docs/PYTENSOR_PARITY.md

The dump covers ``<lib>.tensor``, ``<lib>.tensor.linalg``, ``<lib>.tensor.random``,
the user functions of ``<lib>.gradient``, the top-level user entry points and
the methods/attributes of a tensor variable.  Each name is recorded with its
kind (module, class, callable, other) and the module that defines it, which is
what the report uses to sort a missing name into a category."""
import inspect
import json
import sys

NAMESPACES = ("tensor", "tensor.linalg", "tensor.random")
# PyTensor submodules users import names from; TensorSmith keeps these names
# flat in ``pt``, so the report counts a name as present when ``pt`` has it.
USER_SUBMODULES = {"tensor.special": ("beta", "betaln", "factorial", "log_softmax", "logit", "poch",
                                      "softmax", "xlog1py", "xlogy"),
                   "tensor.signal": ("convolve1d", "convolve2d"),
                   "tensor.xlogx": ("xlogx", "xlogy0"),
                   "tensor.extra_ops": ("bartlett", "bincount", "broadcast_arrays", "broadcast_shape",
                                        "broadcast_to", "compress", "cumprod", "cumsum", "diff",
                                        "fill_diagonal", "fill_diagonal_offset", "geomspace",
                                        "linspace", "logspace", "ravel_multi_index", "repeat",
                                        "searchsorted", "squeeze", "unique", "unravel_index")}
GRADIENT_USER = ("grad", "jacobian", "hessian", "Lop", "Rop", "verify_grad", "zero_grad",
                 "disconnected_grad", "grad_clip", "grad_scale", "consider_constant",
                 "hessian_vector_product")
TOP_USER = ("function", "grad", "shared", "config", "Mode", "In", "Out", "Lop", "Rop",
            "dprint", "get_mode", "printing", "pullback", "pushforward")


def _kind(obj):
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "callable"
    return "other"


def _params(obj):
    """Parameter names of a callable (``*`` marks a ``*args``, ``**`` a
    ``**kwargs``), or None when it has no inspectable signature."""
    target = obj
    drop_self = False
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        target = getattr(type(obj), "__call__", None)   # op instances, RandomVariables, ...
        if target is None:
            return None
        drop_self = True
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        out.append("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else p.name)
    return out[1:] if drop_self and out and out[0] not in ("*", "**") else out


def _describe(obj):
    d = {"kind": _kind(obj), "module": getattr(obj, "__module__", "") or ""}
    if d["kind"] == "callable":
        d["params"] = _params(obj)
    return d


def dump(lib):
    import importlib

    root = importlib.import_module(lib)
    importlib.import_module(f"{lib}.tensor")
    out = {}
    for ns in NAMESPACES:
        mod = root
        for part in ns.split("."):   # attribute access: works for re-exported subpackages too
            mod = getattr(mod, part)
        out[ns] = {n: _describe(getattr(mod, n)) for n in dir(mod) if not n.startswith("_")}
    for ns, names in USER_SUBMODULES.items():
        try:
            mod = importlib.import_module(f"{lib}.{ns}")
        except ImportError:
            continue
        out[ns] = {n: _describe(getattr(mod, n)) for n in names if hasattr(mod, n)}
    grad_mod = importlib.import_module(f"{lib}.gradient")
    out["gradient"] = {n: _describe(getattr(grad_mod, n)) for n in GRADIENT_USER if hasattr(grad_mod, n)}
    out["toplevel"] = {n: _describe(getattr(root, n)) for n in TOP_USER if hasattr(root, n)}
    tensor = importlib.import_module(f"{lib}.tensor")
    var = tensor.matrix("x")
    out["TensorVariable"] = {}
    for n in dir(var):
        if n.startswith("_"):
            continue
        attr = getattr(type(var), n, None)
        if callable(attr):
            params = _params(attr)   # the first parameter is the variable itself, whatever its name
            out["TensorVariable"][n] = {"kind": "callable", "module": "",
                                        "params": params[1:] if params and params[0] not in ("*", "**")
                                        else params}
        else:
            out["TensorVariable"][n] = {"kind": "attribute", "module": ""}
    # the tensor type and shared variables: what users call on them
    import numpy as np

    out["TensorType"] = {n: {"kind": "callable" if callable(getattr(var.type, n)) else "attribute", "module": ""}
                         for n in dir(var.type) if not n.startswith("_")}
    sv = root.shared(np.zeros(2))
    out["SharedVariable"] = {n: {"kind": "callable" if callable(getattr(type(sv), n, None)) else "attribute",
                                 "module": ""}
                             for n in dir(sv) if not n.startswith("_") and n not in out["TensorVariable"]}
    subsystems = {}
    for sub in SUBSYSTEMS:
        try:
            mod = importlib.import_module(f"{lib}.{sub}")
            subsystems[sub] = True
        except ImportError:
            obj = root
            for part in sub.split("."):
                obj = getattr(obj, part, None)
            subsystems[sub] = obj is not None
    out["_subsystems"] = subsystems
    paths = {}
    for path in IMPORT_PATHS:
        try:
            importlib.import_module(f"{lib}.{path}")
            paths[path] = True
        except ImportError:
            paths[path] = False
    out["_import_paths"] = paths
    out["_version"] = getattr(root, "__version__", "?")
    json.dump(out, sys.stdout, indent=0, sort_keys=True)


# ---------------------------------------------------------------------------
# classification

# names PyTensor's namespace re-exports by accident of its imports (typing,
# functools) or that expose graph internals / other subsystems we do not
# provide under ``tensor``.
OUT_OF_SCOPE_NAMES = {
    "TYPE_CHECKING": "typing re-export",
    "Sequence": "typing re-export",
    "Union": "typing re-export",
    "TensorLike": "typing alias",
    "singledispatch": "functools re-export",
    "Constant": "graph internals (tensorsmith_graphcore.Constant)",
    "Variable": "graph internals (tensorsmith_graphcore.Variable)",
    "Op": "graph internals (tensorsmith_graphcore.Op)",
    "NoneConst": "graph internals (NoneType constant)",
    "NoneSliceConst": "graph internals (slice constant)",
    "make_slice": "graph internals (symbolic slice type)",
    "slicetype": "graph internals (symbolic slice type)",
    "none_type_t": "graph internals (NoneType type)",
    "values_eq_approx_always_true": "graph internals (type comparison hook)",
    "transfer": "device transfer (GPU backend)",
    "scalar_from_tensor": "scalar graph types (pytensor.scalar)",
    "tensor_from_scalar": "scalar graph types (pytensor.scalar)",
    "owner_op": "graph internals",
    "owner_op_and_inputs": "graph internals",
    "dprint": "printing (tensorsmith.printing.debugprint)",
    # linalg op base classes and helper submodules
    "BaseBlockDiagonal": "op base class",
    "SolveBase": "op base class",
    "summary": "helper submodule",
}
OUT_OF_SCOPE_MODULES = {
    "blas", "blas_c", "blas_headers", "elemwise_cgen", "rewriting", "optimize", "pytensor",
    "exceptions", "symbolic", "utils", "type_other", "basic", "elemwise", "math", "shape",
    "subtensor", "sharedvar", "type", "variable", "extra_ops", "blockwise", "functional",
    "interpolate", "special", "signal", "xlogx", "sort", "einsum", "nlinalg", "slinalg",
    "constructors", "decomposition", "dtype_utils", "products", "solvers", "op", "var",
}
# subsystems of PyTensor outside the tensor namespace, reported as provided or not
SUBSYSTEMS = ("scan", "ifelse", "sparse", "xtensor", "typed_list", "tensor.optimize", "OpFromGraph",
              "wrap_jax", "wrap_py", "raise_op", "d3viz", "printing", "compile", "graph")

# module paths ported code imports from (``import pytensor.tensor.random``,
# ``from pytensor.tensor.special import softmax``)
IMPORT_PATHS = ("tensor", "tensor.linalg", "tensor.random", "tensor.random.utils", "tensor.special",
                "tensor.signal", "tensor.xlogx", "tensor.extra_ops", "tensor.basic", "tensor.math",
                "tensor.shape", "tensor.subtensor", "tensor.nlinalg", "tensor.slinalg", "tensor.sort",
                "tensor.elemwise", "tensor.blockwise", "tensor.type", "tensor.variable", "tensor.sharedvar",
                "gradient", "printing", "compile")

OUT_OF_SCOPE_SUBSYSTEMS = ("scan", "ifelse", "sparse", "xtensor", "typed_list", "graph", "link",
                           "compile", "d3viz", "raise_op", "wrap_jax", "wrap_py", "OpFromGraph")

CATEGORY_BY_MODULE = (
    ("pytensor.tensor.random", "random"),
    ("pytensor.tensor.linalg", "linalg"),
    ("pytensor.tensor.nlinalg", "linalg"),
    ("pytensor.tensor.slinalg", "linalg"),
    ("pytensor.tensor.blas", "products"),
    ("pytensor.tensor.einsum", "products"),
    ("pytensor.tensor.special", "nnet"),
    ("pytensor.tensor.signal", "nnet"),
    ("pytensor.tensor.xlogx", "elementwise"),
    ("pytensor.tensor.elemwise", "elementwise"),
    ("pytensor.tensor.math", "elementwise / reductions / products"),
    ("pytensor.tensor.subtensor", "indexing"),
    ("pytensor.tensor.sort", "sorting"),
    ("pytensor.tensor.extra_ops", "creation/shape"),
    ("pytensor.tensor.reshape", "creation/shape"),
    ("pytensor.tensor.shape", "creation/shape"),
    ("pytensor.tensor.basic", "creation/shape"),
    ("pytensor.tensor.interpolate", "elementwise"),
    ("pytensor.tensor.functional", "vectorization"),
    ("pytensor.tensor.blockwise", "vectorization"),
    ("pytensor.tensor.type", "tensor types/ops"),
    ("pytensor.tensor.variable", "tensor types/ops"),
    ("pytensor.gradient", "gradients"),
)

# where a missing name would live in TensorSmith (file that owns the family)
OWNER_BY_CATEGORY = {
    "random": "packages/tensorops/src/tensorsmith_tensorops/random/",
    "linalg": "packages/tensorops/src/tensorsmith_tensorops/linalg/",
    "products": "products.py",
    "nnet": "packages/tensorops/src/tensorsmith_tensorops/nnet/",
    "elementwise": "scalar_math.py / math.py",
    "elementwise / reductions / products": "math.py / reduction.py / products.py",
    "indexing": "subtensor.py",
    "sorting": "sort.py",
    "creation/shape": "creation.py / shape.py / rearrange.py / extra_ops.py",
    "vectorization": "vectorize.py / blockwise.py",
    "tensor types/ops": "basic.py / type.py",
    "tensor methods": "variable.py",
    "gradients": "gradient.py",
    "top-level API": "packages/frontend/src/tensorsmith/",
    "shared variables": "sharedvar.py",
}


def _category(section, name, info):
    if section == "TensorVariable":
        return "tensor methods"
    if section == "TensorType":
        return "tensor types/ops"
    if section == "SharedVariable":
        return "shared variables"
    if section == "gradient":
        return "gradients"
    if section == "toplevel":
        return "top-level API"
    if section == "tensor.linalg":
        return "linalg"
    if section == "tensor.random":
        return "random"
    mod = info.get("module", "")
    for prefix, cat in CATEGORY_BY_MODULE:
        if mod.startswith(prefix):
            return cat
    return "tensor types/ops"   # constants and dtype lists


def _out_of_scope_reason(section, name, info):
    if section == "TensorType" and (name.startswith("c_") or name in (
            "context_name", "dtype_specs", "dtype_specs_map", "to_scalar_type", "filter_inplace",
            "get_shape_info", "get_size", "filter_checks_isfinite")):
        return "C backend / memory internals / scalar graph types"
    if name in OUT_OF_SCOPE_NAMES:
        return OUT_OF_SCOPE_NAMES[name]
    if name in OUT_OF_SCOPE_SUBSYSTEMS:
        return "other subsystem, not provided"
    if info["kind"] == "module":
        return "implementation submodule (its user names are in the namespace itself)"
    mod = info.get("module", "")
    if any(f".{s}" in mod for s in OUT_OF_SCOPE_SUBSYSTEMS) or mod.startswith(("typing", "functools",
                                                                              "collections")):
        return "other subsystem, not provided"
    return None


def report(ref_path, ours_path):
    ref = json.load(open(ref_path))
    ours = json.load(open(ours_path))
    present, missing, out_scope = {}, {}, {}
    ref_sub, ours_sub = ref.pop("_subsystems", {}), ours.pop("_subsystems", {})
    ref_paths, ours_paths = ref.pop("_import_paths", {}), ours.pop("_import_paths", {})
    ref_version = ref.pop("_version", "?")
    ours.pop("_version", None)
    for section in ref:
        have = dict(ours.get(section, {}))
        if section in USER_SUBMODULES:
            have.update(ours.get("tensor", {}))
        for name, info in sorted(ref[section].items()):
            reason = _out_of_scope_reason(section, name, info)
            if name in have:
                present.setdefault(section, []).append(name)
            elif reason is not None:
                out_scope.setdefault(section, []).append((name, reason))
            else:
                cat = _category(section, name, info)
                missing.setdefault(cat, []).append((section, name, info))
    n_present = sum(map(len, present.values()))
    n_missing = sum(map(len, missing.values()))
    n_out = sum(map(len, out_scope.values()))
    extra = {s: sorted(set(ours[s]) - set(ref.get(s, {}))) for s in ours}
    w = sys.stdout.write
    w("# PyTensor API parity\n\n")
    w("Generated by `tools/pytensor_parity.py` from the public names of PyTensor (reference) and\n"
      "TensorSmith. Sections: `tensor` (pt), `tensor.linalg`, `tensor.random`, the user functions of\n"
      "`gradient`, the top-level entry points and the methods/attributes of a tensor variable\n"
      "(`TensorVariable`). To regenerate (PyTensor in its own environment; TensorSmith never imports it):\n\n"
      "```\n"
      "/tmp/ptv/bin/python tools/pytensor_parity.py dump pytensor    > /tmp/names_pytensor.json\n"
      "/tmp/v1/bin/python  tools/pytensor_parity.py dump tensorsmith > /tmp/names_tensorsmith.json\n"
      "python tools/pytensor_parity.py report /tmp/names_pytensor.json /tmp/names_tensorsmith.json \\\n"
      "    > docs/PYTENSOR_PARITY.md\n"
      "```\n\n"
      f"Reference: PyTensor {ref_version}.\n\n")
    w("Names of PyTensor's user submodules (`tensor.special`, `tensor.signal`, `tensor.xlogx`,\n"
      "`tensor.extra_ops`) count as present when `pt` has them: TensorSmith keeps them flat in `pt`.\n\n")
    w(f"**Present: {n_present} · missing in scope: {n_missing} · out of scope: {n_out}**\n\n")
    w("| section | present | missing in scope | out of scope |\n|---|---|---|---|\n")
    for section in ref:
        nm = sum(1 for c in missing.values() for s, _, _ in c if s == section)  # noqa: E741
        w(f"| `{section}` | {len(present.get(section, []))} | {nm} | {len(out_scope.get(section, []))} |\n")
    w("\n## Missing in scope\n\nGrouped by family, with the TensorSmith file the name belongs in.\n")
    if not missing:
        w("\nNone.\n")
    for cat in sorted(missing):
        w(f"\n### {cat} (`{OWNER_BY_CATEGORY.get(cat, '?')}`)\n\n")
        for section, name, info in missing[cat]:
            where = f" — PyTensor `{info['module']}`" if info.get("module") else ""
            w(f"- `{section}.{name}` ({info['kind']}){where}\n")
    w("\n## Import paths\n\n"
      "Module paths ported code imports (`import <lib>.<path>`); a path that fails to import breaks\n"
      "`from pytensor.tensor.special import softmax` style imports even where the names exist in `pt`.\n\n"
      "| path | PyTensor | TensorSmith |\n|---|---|---|\n")
    for path, has in ref_paths.items():
        w(f"| `{path}` | {'yes' if has else 'no'} | {'yes' if ours_paths.get(path) else '**no**'} |\n")
    w("\n## Out of scope (not provided)\n\n")
    w("Graph internals, implementation submodules, typing re-exports, and other subsystems\n"
      "(scan, ifelse, sparse, xtensor, typed_list, optimize, ...), which TensorSmith does not provide\n"
      "under these namespaces.\n\n")
    w("PyTensor subsystems outside `pytensor.tensor` (`pytensor.<name>`):\n\n"
      "| subsystem | PyTensor | TensorSmith |\n|---|---|---|\n")
    for sub, has in sorted(ref_sub.items()):
        w(f"| `{sub}` | {'yes' if has else 'no'} | {'yes' if ours_sub.get(sub) else 'not provided'} |\n")
    w("\nNames in the compared namespaces:\n\n")
    for section in ref:
        for name, reason in out_scope.get(section, []):
            w(f"- `{section}.{name}`: {reason}\n")
    w("\n## Present\n\n")
    for section in ref:
        names = present.get(section, [])
        w(f"**`{section}`** ({len(names)}): " + ", ".join(f"`{n}`" for n in names) + "\n\n")
    w("## Signature differences\n\n"
      "Names present in both whose PyTensor parameters (by name) TensorSmith's callable does not\n"
      "accept (ours has no `**kwargs` to take them). Elementwise ops (`*inputs`) are skipped.\n\n")
    for section in ref:
        have = ours.get(section, {})
        for name, info in sorted(ref[section].items()):
            mine = have.get(name)
            theirs = info.get("params")
            if not mine or theirs is None or mine.get("params") is None:
                continue
            if "**" in mine["params"] or theirs[:1] == ["*"]:
                continue
            lacking = [p for p in theirs if p not in ("*", "**") and p not in mine["params"]]
            if lacking:
                w(f"- `{section}.{name}`: PyTensor `({', '.join(theirs)})`, TensorSmith "
                  f"`({', '.join(mine['params'])})`; lacks {', '.join(f'`{p}`' for p in lacking)}\n")
    w("\n## TensorSmith names PyTensor does not have\n\n")
    for section, names in extra.items():
        if names:
            w(f"**`{section}`** ({len(names)}): " + ", ".join(f"`{n}`" for n in names) + "\n\n")


def main(argv):
    if len(argv) == 2 and argv[0] == "dump":
        dump(argv[1])
    elif len(argv) == 3 and argv[0] == "report":
        report(argv[1], argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
