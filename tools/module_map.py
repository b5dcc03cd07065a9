"""Print the map of the repository: one line per module, from each module's
docstring.  `python tools/module_map.py > docs/MODULES.md` refreshes the page."""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def first_line(path):
    try:
        doc = ast.get_docstring(ast.parse(path.read_text()))
    except SyntaxError:
        return "(does not parse)"
    if not doc:
        return ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def main():
    print("# Map of the repository\n")
    print("One line per module, taken from its docstring (`python tools/module_map.py > docs/MODULES.md`).\n")
    for pkg in sorted((ROOT / "packages").iterdir()):
        src = pkg / "src"
        if not src.is_dir():
            continue
        print(f"## packages/{pkg.name}\n")
        for f in sorted(src.rglob("*.py")):
            print(f"- `{f.relative_to(src)}`: {first_line(f)}")
        print()
    for top in ("examples", "asv_bench", "tools", "tests"):
        d = ROOT / top
        if d.is_dir():
            print(f"## {top}\n")
            for f in sorted(d.rglob("*.py")):
                if f.name == "__init__.py":
                    continue
                print(f"- `{f.relative_to(ROOT)}`: {first_line(f)}")
            print()


if __name__ == "__main__":
    main()
