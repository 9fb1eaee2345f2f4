"""`python -m ops plan <stack>` and `python -m ops rotate <SECRET> --stack <stack>`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from components.loader import ConfigError
from ops import plan as plan_output
from ops.synth import stack_file, synthesize_stack


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="offline plan of a stack: the resource tree under mocks")
    p.add_argument("stack")
    p.add_argument("--json", action="store_true", help="one JSON object per resource")
    p.add_argument("--today", type=_date, help="judge secret staleness on this date (default: today)")
    r = sub.add_parser("rotate", help="rotate secrets: a one-line change to the stack file")
    r.add_argument("secrets", nargs="*", metavar="SECRET")
    r.add_argument("--stack", required=True)
    r.add_argument("--due", action="store_true", help="every secret past its rotation period")
    r.add_argument("--today", type=_date, help="the rotation date (default: today)")
    args = parser.parse_args(argv)

    try:
        if args.command == "plan":
            synth = synthesize_stack(args.stack, today=args.today)
            print(plan_output.as_json(synth) if args.json else plan_output.as_text(synth, stack_file(args.stack).name))
            return 0
        from ops.rotate import RotateError, rotate

        try:
            for line in rotate(args.stack, args.secrets, due=args.due, on=args.today or dt.date.today()):
                print(line)
        except RotateError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
