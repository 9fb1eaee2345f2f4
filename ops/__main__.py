"""ops: this project's stacks offline (plan, diff, audit), and their day-to-day operations (rotate,
verify, restore-drill). Every command takes the stack first: a name (prod) or a stack file's path."""

# Only argparse is imported up front, so `ops --help` answers at once; each command imports what it needs.

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from components.shared.loader import ConfigError
    from ops.offline.stackfile import StackFile

PREFIX = "ops: error:"
EXITS = {
    0: "done, nothing refused",
    1: "bad input (an unknown stack or secret, a bad stack file or argument)",
    2: "a protected resource would be replaced or deleted",
    3: "a mandatory policy control fails",
}
STACK_HELP = "a stack name (prod, life-platform-prod) or a stack file's path (Pulumi.prod.yaml)"


def _exits(*codes: int, **more: str) -> str:
    rows = [(str(c), EXITS[c]) for c in codes] + list(more.items())
    return "exit codes:\n" + "\n".join(f"  {c:<4}{what}" for c, what in rows)


class Parser(argparse.ArgumentParser):
    """argparse, with every usage error one line under the one prefix, and exit 1 (2 means a refusal)."""

    def error(self, message: str) -> NoReturn:
        print(f"{PREFIX} {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(1)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def _past(text: str) -> dt.date:
    """A date that has happened: a record or a report dated in the future would be evidence of nothing."""
    day = _date(text)
    if day > dt.date.today():
        raise argparse.ArgumentTypeError(f"{text} is after today ({dt.date.today().isoformat()})")
    return day


def parser() -> Parser:
    top = Parser(prog="ops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    def command(name: str, summary: str, epilog: str) -> Parser:
        p: Parser = sub.add_parser(
            name, help=summary, description=summary, epilog=epilog, formatter_class=argparse.RawTextHelpFormatter
        )
        p.add_argument("stack", help=STACK_HELP)
        return p

    p = command("plan", "the offline plan: every resource the stack declares, under Pulumi's mocks", _exits(0, 1, 3))
    p.add_argument("--json", action="store_true", help="the plan as one JSON array, one object per resource")
    p.add_argument("--today", type=_date, help="judge secrets' staleness on this date (default: today)")
    d = command(
        "diff",
        "what changes against the offline plan at a git ref: the review of a pull request",
        _exits(0, 1, 2, 3),
    )
    d.add_argument("ref", nargs="?", default="HEAD", help="the git ref to compare with (default: HEAD)")
    d.add_argument("--json", action="store_true", help="the changes as one JSON object")
    d.add_argument("--full", action="store_true", help="every input of a new resource, and long values uncut")
    d.add_argument("--today", type=_date, help="judge secrets' staleness on this date (default: today)")
    a = command("audit", "the auditor's report: controls, secrets' ages, roles, recovery and history", _exits(0, 1, 3))
    a.add_argument("--json", action="store_true", help="the report as one JSON object instead of Markdown")
    a.add_argument("--today", type=_past, help="judge secrets' ages on this past date (default: today)")
    a.add_argument("--live", action="store_true", help="also read the AWS account, read-only, with your credentials")
    a.add_argument("--bucket", help="with --live: the backup bucket (default: pulumi stack output backupBucket)")
    a.add_argument("--state", type=Path, metavar="FILE", help="`pulumi stack export`: judge the deployed stack too")
    a.add_argument("--history", type=Path, metavar="FILE", help="`pulumi stack history --json`: each update")
    r = command("rotate", "rotate secrets: a one-line change to the stack file, reviewed as a diff", _exits(0, 1))
    r.add_argument("secrets", nargs="*", metavar="SECRET", help="the secrets to rotate")
    r.add_argument("--due", action="store_true", help="also every secret past its rotation period")
    r.add_argument("--today", type=_past, help="the rotation date, today or earlier (default: today)")
    r.add_argument(
        "--force",
        action="store_true",
        help="emergency path for a compromised secret: rotate even inside the overlap of the last rotation",
    )
    r.add_argument("--pr-body", type=Path, metavar="FILE", help="also write a pull request description there")
    v = command(
        "verify",
        "after pulumi up: fetch each declared health check (status, text, latency)",
        _exits(0, 1).replace(EXITS[1], "a check failed, or bad input"),
    )
    v.add_argument("--via", metavar="URL", help="send each check's path to this address instead (a tunnel)")
    v.add_argument("--json", action="store_true", help="one JSON object per check")
    d2 = command(
        "restore-drill",
        "restore the newest backup into a scratch database and check it",
        _exits(0, 1, **{"130": "stopped by SIGINT", "143": "stopped by SIGTERM"}),
    )
    d2.add_argument("--bucket", help="the backup bucket (default: pulumi stack output backupBucket)")
    d2.add_argument("--target-url", help="a server where the drill may create a database (or DRILL_DATABASE_URL)")
    return top


def fail(message: str) -> int:
    print(f"{PREFIX} {message}", file=sys.stderr)
    return 1


def config_error_lines(error: ConfigError, stack_file: StackFile) -> list[str]:
    """Each problem on a line of its own: `ops: error: Pulumi.<stack>.yaml: line N: key: what is wrong`."""
    from ops.offline.stackfile import shown

    name = shown(stack_file.path)
    lines = [f"{PREFIX} {name}: stack {error.stack!r} cannot be deployed; no resource was registered."]
    lines += [f"{PREFIX} {name}: line {stack_file.line_of(p.key)}: {p}" for p in error.problems]
    for secret in error.missing:
        key = f"platform:secrets.items.{secret}"
        lines.append(
            f"{PREFIX} {name}: line {stack_file.line_of(key)}: {key}: no value set; run "
            f"`pulumi config set --secret {secret} --stack {error.stack}`"
        )
    return lines


def _loaded(stack: str, then: Callable[[StackFile], int]) -> int:
    """Read the stack file, run `then` on it, and turn bad input into one line per problem, exit 1."""
    from components.shared.loader import ConfigError
    from ops.offline.stackfile import StackFileError
    from ops.offline.synth import load_stack_file

    try:
        stack_file = load_stack_file(stack)
    except (StackFileError, FileNotFoundError) as exc:
        return fail(str(exc))
    try:
        return then(stack_file)
    except ConfigError as exc:
        print("\n".join(config_error_lines(exc, stack_file)), file=sys.stderr)
        return 1
    except (StackFileError, FileNotFoundError) as exc:
        return fail(str(exc))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    today = getattr(args, "today", None)
    if args.command in ("plan", "diff", "audit"):  # they run the program: its SDKs first (ops/offline/sdk.py)
        from ops.offline.sdk import import_provider_sdks

        import_provider_sdks()  # before anything imports pulumi: pulumi, grpc and protobuf with the collector off
    if args.command == "plan":
        return _loaded(args.stack, lambda f: _plan(f, args.json, today))
    if args.command == "diff":
        return _loaded(args.stack, lambda f: _diff(f, args.ref, args.json, today or dt.date.today(), args.full))
    if args.command == "audit":
        return _loaded(args.stack, lambda f: _audit(f, args.json, today, args))
    if args.command == "verify":
        return _loaded(args.stack, lambda f: _verify(f, args.via, args.json))
    if args.command == "restore-drill":
        return _loaded(args.stack, lambda f: _restore_drill(f, args.bucket, args.target_url))
    return _rotate(args)


def _rotate(args: argparse.Namespace) -> int:
    from ops.commands.rotate import RotateError, rotate
    from ops.offline.stackfile import StackFileError

    on = args.today or dt.date.today()
    try:
        lines = rotate(args.stack, args.secrets, due=args.due, on=on, force=args.force, pr_body=args.pr_body)
    except (RotateError, StackFileError, FileNotFoundError) as exc:
        return fail(str(exc))
    print("\n".join(lines))
    return 0


def _audit(stack_file: StackFile, as_json: bool, today: dt.date | None, args: argparse.Namespace) -> int:
    from ops.commands.audit import audit
    from ops.commands.audit_markdown import as_markdown
    from ops.commands.drill import DrillError, bucket_from_pulumi

    bucket = args.bucket
    try:
        if args.live and bucket is None and "platform:backups" in stack_file.config:
            bucket = bucket_from_pulumi(stack_file.stack)
        report = audit(
            stack_file,
            today or dt.date.today(),
            override=today is not None,
            live=args.live,
            bucket=bucket,
            state=args.state,
            history_file=args.history,
        )
    except (DrillError, ValueError, OSError) as exc:
        return fail(str(exc))
    print(json.dumps(report, indent=2) + "\n" if as_json else as_markdown(report), end="")
    return 3 if report["summary"]["mandatoryFailed"] else 0


def _verify(stack_file: StackFile, via: str | None, as_json: bool) -> int:
    from ops.commands.verify import verify
    from ops.offline.synth import config_of

    outcomes = verify(config_of(stack_file, dt.date.today()), via)
    if as_json:
        print(json.dumps([o.as_dict() for o in outcomes], indent=2))
    elif not outcomes:
        print(f"stack {stack_file.stack!r} declares no alerts.healthChecks: nothing to verify")
    for outcome in [] if as_json else outcomes:
        print(outcome.line())
    return 0 if all(o.ok for o in outcomes) else 1


def _restore_drill(stack_file: StackFile, bucket: str | None, target_url: str | None) -> int:
    from jobs.common import Stopped
    from ops.commands.drill import DrillError, restore_drill

    try:
        print(restore_drill(stack_file, bucket, target_url, dt.datetime.now(dt.UTC)))
    except Stopped as stop:
        print(f"{PREFIX} restore drill stopped by {stop.name}: the scratch database dropped", file=sys.stderr)
        return stop.exit_code
    except DrillError as exc:
        return fail(f"restore drill failed: {exc}")
    return 0


def _diff(stack_file: StackFile, ref: str, as_json: bool, today: dt.date, full: bool) -> int:
    from ops.commands import checks, diff
    from ops.commands import plan as plan_output
    from ops.offline import at_ref
    from ops.offline.synth import synthesize_file

    try:
        repo, commit = at_ref.resolve(ref, stack_file.path)  # a bad ref fails here, before either plan runs
        # Where the ref's code differs, its plan runs in its own interpreter while this one synthesizes the
        # working tree's. The signals are caught first: a signal then unwinds and removes RefPlan's copy.
        with (
            at_ref.stopped_by_signals(),
            at_ref.RefPlan(repo, commit, stack_file.path, today.isoformat()) as then,
        ):
            then.start()
            synth = synthesize_file(stack_file, today=today)
            after = json.loads(plan_output.as_json(synth))
            before = then.rows()
    except ValueError as exc:
        return fail(str(exc))
    result = diff.compare(before, after)
    print(diff.as_json(result) if as_json else diff.as_text(result, stack_file.stack, ref, full))
    # A fork's pull request gets no `pulumi preview`: the policy pack runs here, on the new plan.
    checked = checks.report(stack_file, synth)
    return 2 if result.dangerous else checked


def _plan(stack_file: StackFile, as_json: bool, today: dt.date | None) -> int:
    from ops.commands import checks
    from ops.commands import plan as plan_output
    from ops.offline.stackfile import shown
    from ops.offline.synth import synthesize_file

    synth = synthesize_file(stack_file, today=today)
    print(plan_output.as_json(synth) if as_json else plan_output.as_text(synth, shown(stack_file.path)))
    return checks.report(stack_file, synth)


def run() -> int:
    """The console script: `ops …` (and `python -m ops …`). A closed pipe (`ops plan prod | head`) ends it
    quietly, as it ends `cat`."""
    try:
        code = main()
        sys.stdout.flush()
        gc.freeze()  # what was made since the SDKs' import: the last collection would walk it, 0.05 s of a plan
    except BrokenPipeError:
        # the interpreter would flush stdout again at exit and print the error: point it at /dev/null
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by the closed pipe
    except KeyboardInterrupt:
        print(f"{PREFIX} interrupted; nothing was left behind", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(run())
