"""``python -m tensorsmith <command>``.  ``info``: the versions of the packages
and their dependencies, whether the graph core runs compiled, and the
configuration in force with where each value came from."""
import argparse
import sys

__all__ = ["main", "build_parser"]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m tensorsmith",
        description="TensorSmith command-line tools.",
        epilog="Options are set with TENSORSMITH_FLAGS=\"name=value,...\", an rc file "
               "(~/.tensorsmithrc or TENSORSMITHRC) or tensorsmith.config; docs/CONFIG.md lists them.")
    sub = parser.add_subparsers(dest="command", metavar="command", title="commands", required=True)
    info = sub.add_parser(
        "info", help="versions, whether the graph core is compiled, and the configuration "
                     "with where each value came from",
        description="Print the versions of the TensorSmith packages and their dependencies, "
                    "whether the graph core runs compiled, and every configuration option "
                    "with its value and where that value came from.")
    info.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "info":
        from . import _info

        report = _info.collect()
        if args.json:
            import json

            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        else:
            sys.stdout.write(_info.format_text(report))
        return 0
    raise AssertionError(args.command)  # argparse only lets known commands through


if __name__ == "__main__":
    sys.exit(main())
