"""``tensorsmith-cache``: look at and clean the compile cache.

    tensorsmith-cache info                 the folder, entries, size, limit
    tensorsmith-cache list                 one line per entry, most recently used first
    tensorsmith-cache clear                remove every entry and failure report
    tensorsmith-cache prune [--max-age-days N] [--max-mb M]
                                           remove entries unused for N days, then the least
                                           recently used ones while over M MiB (default:
                                           config.compile_cache_max_mb)

``--root DIR`` works on another folder than the configured one
(``TENSORSMITH_FLAGS="base_compiledir=DIR"`` also does); ``--json`` prints
machine-readable output.  Also runs as ``python -m tensorsmith_ccompile.cli``.
No command needs a C compiler."""
import argparse
import json
import sys
import time

__all__ = ["main"]


def _size(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n} B"


def _when(t):
    return "-" if t is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def _parser():
    ap = argparse.ArgumentParser(prog="tensorsmith-cache",
                                 description="Look at and clean TensorSmith's compile cache.")
    ap.add_argument("--root", help="the cache folder (default: from the configuration)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    sub = ap.add_subparsers(dest="command", metavar="command")
    sub.required = True
    sub.add_parser("info", help="the folder, number of entries, total size and limit")
    sub.add_parser("list", help="every entry, most recently used first")
    sub.add_parser("clear", help="remove every entry (those being compiled are kept)")
    p = sub.add_parser("prune", help="remove old entries, then the least recently used while too big")
    p.add_argument("--max-age-days", type=float, default=None, metavar="N",
                   help="remove entries not used for N days")
    p.add_argument("--max-mb", type=float, default=None, metavar="M",
                   help="size limit in MiB (default: config.compile_cache_max_mb; 0: none)")
    return ap


def main(argv=None):
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    from .cache import CacheError, CompileCache, get_cache

    try:
        cache = CompileCache(args.root) if args.root else get_cache()
        if args.command == "info":
            result = cache.info()
            text = "\n".join([
                f"root:       {result['root']}" + ("" if result["exists"] else "  (not created yet)"),
                f"entries:    {result['entries']}",
                f"total size: {_size(result['total_bytes'])}",
                "size limit: " + ("none" if not result["limit_bytes"] else _size(result["limit_bytes"])),
                f"failure reports: {result['failures']}",
                f"temporary folders: {result['temporary']}",
            ])
        elif args.command == "list":
            result = cache.list()
            lines = [f"{'key':16}  {'size':>10}  {'last used':19}  module / node"]
            for r in result:
                node = f"  ({r['node']})" if r["node"] else ""
                bad = "" if r["valid_meta"] else "  [damaged: rebuilt on next use]"
                lines.append(f"{r['key'][:16]}  {_size(r['size']):>10}  {_when(r['last_used'])}  "
                             f"{r['module'] or '?'}{node}{bad}")
            lines.append(f"{len(result)} entries in {cache.root}")
            text = "\n".join(lines)
        elif args.command == "clear":
            result = cache.clear()
            text = (f"removed {result['removed']} entries and {result['failures_removed']} failure "
                    f"reports from {cache.root}")
            if result["locked"]:
                text += f"; {result['locked']} entries in use by a process were kept"
        else:  # prune
            result = cache.prune(max_age_days=args.max_age_days, max_mb=args.max_mb)
            text = (f"removed {result['removed_old']} old entries, {result['removed_over_size']} "
                    f"over the size limit, {result['failures_removed']} failure reports and "
                    f"{result['temporary_removed']} temporary folders from {cache.root}")
    except (CacheError, OSError) as e:
        print(f"tensorsmith-cache: error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=1, sort_keys=True) if args.json else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
