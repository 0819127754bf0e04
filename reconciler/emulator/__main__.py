"""`python -m reconciler.emulator`: the same options as `reconciler emulator`, without the CLI package."""

from __future__ import annotations

import argparse
import sys

from reconciler.emulator.faults import RuleError
from reconciler.emulator.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reconciler.emulator",
                                     description="Serve a local emulator of the Polytomic API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", metavar="FILE", default=None)
    parser.add_argument("--api-key", default="demo-api-key", metavar="KEY")
    parser.add_argument("--faults", metavar="FILE", default=None)
    parser.add_argument("--list-items", choices=("light", "full"), default="light")
    args = parser.parse_args(argv)
    try:
        serve(host=args.host, port=args.port, db=args.db, api_key=args.api_key,
              faults_file=args.faults, list_items=args.list_items)
    except (RuleError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
