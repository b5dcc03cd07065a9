"""Import cycles among the modules of one package, at import time.

Reads every module's source (no import), keeps the imports that run when the
module is imported (module level, including under ``if``/``try``; not inside
functions or classes' methods), resolves the ones that name modules of the
same package, and reports each strongly connected component of more than one
module (or a module importing itself).  Deferred imports inside functions are
counted separately: ``--deferred`` lists them, and ``--all`` looks for cycles
with them included (a cycle there is a circle of modules that depend on each
other, kept importable only by deferring).

    python tools/import_cycles.py packages/tensorops/src/tensorsmith_tensorops
"""
import ast
import os
import sys


def _modules(pkg_dir, pkg_name):
    mods = {}
    for root, dirs, files in os.walk(pkg_dir):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for fn in files:
            if not fn.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(root, fn), pkg_dir)[:-3].split(os.sep)
            if rel[-1] == "__init__":
                rel = rel[:-1]
            name = ".".join([pkg_name] + rel)
            mods[name] = os.path.join(root, fn)
    return mods


def _is_package(path):
    return os.path.basename(path) == "__init__.py"


def _resolve(mod, path, node, known):
    """Module names of the package that an import statement loads."""
    out = []
    if isinstance(node, ast.Import):
        for a in node.names:
            parts = a.name.split(".")
            for k in range(1, len(parts) + 1):  # importing a.b.c runs a, a.b, a.b.c
                cand = ".".join(parts[:k])
                if cand in known:
                    out.append(cand)
        return out
    # ImportFrom
    if node.level:
        base = mod.split(".")
        if not _is_package(path):
            base = base[:-1]
        if node.level > 1:
            base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    parts = target.split(".")
    for k in range(1, len(parts) + 1):
        cand = ".".join(parts[:k])
        if cand in known:
            out.append(cand)
    for a in node.names:  # `from pkg import submodule`
        cand = f"{target}.{a.name}"
        if cand in known:
            out.append(cand)
    return out


def _import_time_nodes(tree):
    """Import statements executed at import time, and the deferred ones."""
    now, later = [], []
    stack = [(n, False) for n in tree.body]
    while stack:
        n, deferred = stack.pop()
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            (later if deferred else now).append(n)
            continue
        inner = deferred or isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(n):
            stack.append((child, inner))
    return now, later


def import_graph(pkg_dir, pkg_name, include_deferred=False):
    """module -> the package's modules it imports at import time (with
    ``include_deferred``: also those imported inside functions, i.e. every
    dependency), and module -> its deferred imports (line, source)."""
    mods = _modules(pkg_dir, pkg_name)
    known = set(mods)
    graph, deferred = {}, {}
    for mod, path in mods.items():
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), path)
        now, later = _import_time_nodes(tree)
        edges = set()
        for n in (now + later if include_deferred else now):
            edges.update(_resolve(mod, path, n, known))
        # a package's parent packages are imported first
        parts = mod.split(".")
        for k in range(1, len(parts)):
            parent = ".".join(parts[:k])
            if parent in known:
                edges.add(parent)
        edges.discard(mod) if mod.count(".") == 0 else None
        graph[mod] = sorted(e for e in edges if e != mod)
        deferred[mod] = [(n.lineno, ast.unparse(n)) for n in later
                         if _resolve(mod, path, n, known)]
    return graph, deferred


def cycles(graph):
    """Strongly connected components of more than one module (iterative
    Tarjan), excluding edges from a module to its own parent packages (a
    submodule importing its package's ``__init__`` while that runs is how
    packages work, not a cycle between modules)."""
    index, low, on, st, out = {}, {}, set(), [], []
    counter = 0

    def children(v):
        return [w for w in graph.get(v, ()) if not v.startswith(w + ".")]

    for root in graph:
        if root in index:
            continue
        work = [(root, iter(children(root)))]
        index[root] = low[root] = counter
        counter += 1
        st.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    st.append(w)
                    on.add(w)
                    work.append((w, iter(children(w))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = st.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def main(argv):
    show_deferred = "--deferred" in argv
    all_deps = "--all" in argv
    argv = [a for a in argv if a not in ("--deferred", "--all")]
    status = 0
    for pkg_dir in argv:
        pkg_dir = os.path.abspath(pkg_dir)
        name = os.path.basename(pkg_dir)
        graph, deferred = import_graph(pkg_dir, name, include_deferred=all_deps)
        found = cycles(graph)
        n_def = sum(len(v) for v in deferred.values())
        kind = "dependency" if all_deps else "import"
        print(f"{name}: {len(graph)} modules, {len(found)} {kind} cycle(s), {n_def} deferred imports "
              "of the package's own modules")
        for comp in found:
            status = 1
            print("  cycle:", " <-> ".join(c[len(name) + 1:] or "__init__" for c in comp))
        if show_deferred:
            for mod, items in sorted(deferred.items()):
                for line, text in items:
                    print(f"  deferred {mod}:{line}: {text}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
